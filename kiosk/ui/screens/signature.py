"""Signature pad: the finger draws; Clear / Undo / Redo; Done only sends when there is enough ink."""

from __future__ import annotations

import pygame

from kiosk.ui.screens._base import ScreenContext, begin, footer
from kiosk.ui.widgets import LocalAction, draw_signature


def render(ctx: ScreenContext) -> None:
    p, m, th, local = ctx.p, ctx.m, ctx.theme, ctx.local
    layout = begin(ctx)
    body = layout.body
    head = ctx.t("signature.title")
    notice_key = local.notice or ("signature.too_short" if m.notice == "signature.empty" else None)
    lh = p.fonts.line_height(th.font_px("title"), True)
    p.text(head, pygame.Rect(body.left, body.top, body.width, lh), role="title", bold=True, max_lines=1)
    y = body.top + lh + th.px(2)
    sub = ctx.t(notice_key) if notice_key else ctx.t("signature.body")
    sh = min(p.text_height(sub, body.width, bold=bool(notice_key)), p.fonts.line_height(th.font_px("body")) * 2)
    # the pad needs room to sign; on a short screen the instructions give way (the pad says "Firma aquí")
    if notice_key or body.bottom - (y + sh) >= th.px(170):
        p.text(sub, pygame.Rect(body.left, y, body.width, sh), bold=bool(notice_key),
               colour=p.palette.danger if notice_key else p.palette.text_muted)
        y += sh + th.px(6)
    pad_rect = pygame.Rect(body.left, y, body.width, body.bottom - y)
    if th.is_portrait:  # a signature is wide, not tall
        pad_rect.height = min(pad_rect.height, round(pad_rect.width / 1.25))
    local.pad_rect = pad_rect
    local.pad.aspect = pad_rect.width / max(1, pad_rect.height)
    draw_signature(p, pad_rect, local.pad, ctx.t("signature.hint"))
    has_ink = bool(local.pad.strokes)
    footer(ctx, [(ctx.t("signature.clear"), LocalAction("sig_clear") if has_ink else None, "secondary"),
                 (ctx.t("signature.undo"), LocalAction("sig_undo") if has_ink else None, "secondary"),
                 (ctx.t("signature.redo"), LocalAction("sig_redo") if local.pad.can_redo else None, "secondary"),
                 (ctx.t("signature.done"), LocalAction("sig_done") if has_ink else None, "primary")],
           icons=("cross", "back", "next", "check"))
