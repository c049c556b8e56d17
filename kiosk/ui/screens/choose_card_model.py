"""The model could not be detected: the citizen picks the card that looks like theirs from simple drawings."""

from __future__ import annotations

import pygame

from kiosk.flow import events as ev
from kiosk.ui.layout import columns, rows
from kiosk.ui.screens._base import ScreenContext, begin, title
from kiosk.ui.widgets import draw_card_schematic

#: (label key, drawing family, side drawn, model letter sent). E/F and G/H differ most on the back; the older
#: models (A–D) had the photo on the right of the front. The letter stands for its pair: the flow only needs
#: to know whether the model is accepted, and E/F (G/H) share the rules.
OPTIONS: tuple[tuple[str, str, str, str], ...] = (
    ("card_model.ef", "EF", "back", "E"),
    ("card_model.gh", "GH", "back", "G"),
    ("card_model.old", "old", "front", "D"),
)


def render(ctx: ScreenContext) -> None:
    p, m, th = ctx.p, ctx.m, ctx.theme
    layout = begin(ctx, has_footer=False)
    area = title(ctx, layout.body, ctx.t("card_model.title"), ctx.t("card_model.body"), max_title_frac=0.25)
    options = [o for o in OPTIONS if o[3] in m.card_models]
    cells = (rows(area, len(options), th.gap_px) if th.is_portrait else columns(area, len(options), th.gap_px * 2))
    for cell, (label_key, family, side, letter) in zip(cells, options, strict=True):
        pygame.draw.rect(p.surface, p.palette.surface, cell, border_radius=th.radius_px)
        pygame.draw.rect(p.surface, p.palette.primary, cell, width=th.line_px + 1, border_radius=th.radius_px)
        inner = cell.inflate(-th.px(16), -th.px(12))
        label_h = max(p.fonts.line_height(th.font_px("body"), True) * 2, inner.height // 3)
        if th.is_portrait:
            pic = pygame.Rect(inner.left, inner.top, inner.width // 2, inner.height)
            label = pygame.Rect(pic.right + th.gap_px, inner.top, inner.right - pic.right - th.gap_px,
                                inner.height)
            valign = "middle"
        else:
            pic = pygame.Rect(inner.left, inner.top, inner.width, inner.height - label_h - th.px(6))
            label = pygame.Rect(inner.left, pic.bottom + th.px(6), inner.width, label_h)
            valign = "top"
        draw_card_schematic(p, pic, family, side)
        p.text(ctx.t(label_key), label, role="body", bold=True, align="center", valign=valign)
        p.target(cell, ev.CardModelChosen(letter), ctx.t(label_key))
