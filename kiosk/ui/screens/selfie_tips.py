"""Tips before the selfie, each a pictogram and a few words."""

from __future__ import annotations

import pygame

from kiosk.flow import events as ev
from kiosk.ui.layout import columns, rows
from kiosk.ui.screens._base import ScreenContext, begin, footer, title
from kiosk.ui.widgets import draw_pictogram

TIPS: tuple[tuple[str, str], ...] = (
    ("light", "tips.light"), ("no_glasses", "tips.glasses"), ("no_hat", "tips.hat"),
    ("straight", "tips.straight"), ("alone", "tips.alone"),
)


def render(ctx: ScreenContext) -> None:
    p, th = ctx.p, ctx.theme
    layout = begin(ctx)
    area = title(ctx, layout.body, ctx.t("tips.title"), ctx.t("tips.body"), max_title_frac=0.25)
    if th.is_portrait:
        grid = [c for r in rows(area, 3, th.gap_px) for c in columns(r, 2, th.gap_px)][:len(TIPS)]
    else:
        grid = columns(area, len(TIPS), th.gap_px)
    for cell, (pic, key) in zip(grid, TIPS, strict=True):
        pygame.draw.rect(p.surface, p.palette.surface, cell, border_radius=th.radius_px)
        inner = cell.inflate(-th.px(8), -th.px(8))
        label_h = max(p.fonts.line_height(th.font_px("body"), True) * 3, inner.height * 2 // 5)
        label_h = min(label_h, inner.height // 2)
        draw_pictogram(p, pic, pygame.Rect(inner.left, inner.top, inner.width, inner.height - label_h))
        p.text(ctx.t(key), pygame.Rect(inner.left, inner.bottom - label_h, inner.width, label_h), role="body",
               bold=True, align="center")
    footer(ctx, [(ctx.t("tips.ready"), ev.SelfieTipsRead(), "primary")], icons=("next",))
