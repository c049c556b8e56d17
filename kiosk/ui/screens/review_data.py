"""Review the data read from the card: name, sección, vigencia in full; identifiers partly masked."""

from __future__ import annotations

import pygame

from kiosk.flow import events as ev
from kiosk.ui.layout import columns
from kiosk.ui.screens._base import ScreenContext, begin, footer, title


def review_rows(ctx: ScreenContext) -> list[tuple[str, str]]:
    r = ctx.m.review
    if r is None:
        return []
    out = [("review.name", r.full_name), ("review.seccion", r.seccion), ("review.vigencia", r.vigencia),
           ("review.cic", r.cic_masked), ("review.identificador", r.identificador_masked),
           ("review.clave", r.clave_elector_masked), ("review.curp", r.curp_masked)]
    return [(ctx.t(k), v) for k, v in out if v]


def draw_rows(ctx: ScreenContext, area: pygame.Rect, items: list[tuple[str, str]]) -> None:
    th = ctx.theme
    if not items:
        return
    two_cols = not th.is_portrait and len(items) > 4
    groups = [items[:1], items[1:]] if two_cols else [items]
    if two_cols:
        # the name gets the full width; the rest go in two columns under it
        row_h = min(th.px(64), area.height // 4)
        name_rect = pygame.Rect(area.left, area.top, area.width, row_h)
        _row(ctx, name_rect, *items[0], is_big=True)
        rest = pygame.Rect(area.left, name_rect.bottom + th.px(4), area.width, area.bottom - name_rect.bottom)
        left, right = columns(rest, 2, th.gap_px * 2)
        half = (len(items) - 1 + 1) // 2
        for col, chunk in ((left, items[1:1 + half]), (right, items[1 + half:])):
            h = min(th.px(56), col.height // max(1, len(chunk)))
            for i, (k, v) in enumerate(chunk):
                _row(ctx, pygame.Rect(col.left, col.top + i * h, col.width, h), k, v, label_pct=45)
        return
    h = min(th.px(60), area.height // max(1, len(groups[0])))
    for i, (k, v) in enumerate(groups[0]):
        _row(ctx, pygame.Rect(area.left, area.top + i * h, area.width, h), k, v, is_big=i == 0)


def _row(ctx: ScreenContext, rect: pygame.Rect, label: str, value: str, *, is_big: bool = False,
         label_pct: int | None = None) -> None:
    p, th = ctx.p, ctx.theme
    pygame.draw.line(p.surface, p.palette.disabled, rect.bottomleft, (rect.right, rect.bottom), 1)
    label_w = rect.width * (label_pct or (22 if not th.is_portrait else 38)) // 100
    p.text(label, pygame.Rect(rect.left, rect.top, label_w - th.gap_px, rect.height - 2), role="small",
           colour=p.palette.text_muted, valign="middle")
    p.text(value, pygame.Rect(rect.left + label_w, rect.top, rect.width - label_w, rect.height - 2),
           role="title" if is_big else "button", bold=True, valign="middle")


def render(ctx: ScreenContext) -> None:
    layout = begin(ctx)
    area = title(ctx, layout.body, ctx.t("review.title"), ctx.t("review.body"), max_title_frac=0.25)
    items = review_rows(ctx)
    note_h = ctx.p.fonts.line_height(ctx.theme.font_px("small")) * 2
    draw_rows(ctx, pygame.Rect(area.left, area.top, area.width, area.height - note_h), items)
    ctx.p.text(ctx.t("review.masked_note"), pygame.Rect(area.left, area.bottom - note_h, area.width, note_h),
               role="small", colour=ctx.p.palette.text_muted, valign="bottom")
    footer(ctx, [(ctx.t("review.wrong"), ev.DataRejected(), "secondary"),
                 (ctx.t("review.ok"), ev.DataConfirmed(), "primary")], icons=("cross", "check"))
