"""Receipt: thanks, the folio in big letters and a QR code of it, and when the screen closes."""

from __future__ import annotations

import pygame

from kiosk.flow import events as ev
from kiosk.ui.screens._base import ScreenContext, begin, footer, title
from kiosk.ui.widgets import draw_qr


def render(ctx: ScreenContext) -> None:
    p, m, th = ctx.p, ctx.m, ctx.theme
    layout = begin(ctx)
    body = layout.body
    folio = m.folio or "—"
    if th.is_portrait:
        text_area = pygame.Rect(body.left, body.top, body.width, body.height * 55 // 100)
        qr_area = pygame.Rect(body.left, text_area.bottom + th.gap_px, body.width,
                              body.bottom - text_area.bottom - th.gap_px)
    else:
        qr_side = min(body.height, body.width * 35 // 100)
        qr_area = pygame.Rect(body.right - qr_side, body.top, qr_side, body.height)
        text_area = pygame.Rect(body.left, body.top, qr_area.left - body.left - th.gap_px * 2, body.height)
    rest = title(ctx, text_area, ctx.t("receipt.title"), ctx.t("receipt.body"), max_title_frac=0.3)
    lh = p.fonts.line_height(th.font_px("small"))
    p.text(ctx.t("receipt.folio"), pygame.Rect(rest.left, rest.top, rest.width, lh), role="small",
           colour=p.palette.text_muted, max_lines=1)
    fh = p.fonts.line_height(th.font_px("huge"), True)
    r = p.text(folio, pygame.Rect(rest.left, rest.top + lh, rest.width, fh), role="huge", bold=True, max_lines=1)
    y = r.bottom + th.px(8)
    tail = ctx.t("receipt.keep")
    if m.countdown_s is not None:
        tail += " " + ctx.tr.tn("receipt.closing", m.countdown_s)
    p.text(tail, pygame.Rect(rest.left, y, rest.width, max(0, rest.bottom - y)), role="small",
           colour=p.palette.text_muted)
    if m.folio:
        draw_qr(p, qr_area, m.folio)
    footer(ctx, [(ctx.t("btn.finish"), ev.Confirmed(), "primary")], icons=("check",))
