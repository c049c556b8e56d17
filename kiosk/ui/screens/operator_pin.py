"""Operator PIN: a big keypad; the digits stay in the UI until Enter, then go to the flow as PinEntered."""

from __future__ import annotations

import pygame

from kiosk.ui.layout import columns, rows
from kiosk.ui.screens._base import ScreenContext, begin, title
from kiosk.ui.widgets import LocalAction

MAX_PIN_DIGITS = 8


def render(ctx: ScreenContext) -> None:
    p, m, th = ctx.p, ctx.m, ctx.theme
    layout = begin(ctx, has_footer=False)
    body = layout.body
    if th.is_portrait:
        info = pygame.Rect(body.left, body.top, body.width, round(body.height * 0.3))
        pad = pygame.Rect(body.left, info.bottom + th.gap_px, body.width, body.bottom - info.bottom - th.gap_px)
    else:
        info = pygame.Rect(body.left, body.top, round(body.width * 0.42), body.height)
        pad = pygame.Rect(info.right + th.gap_px * 2, body.top, body.right - info.right - th.gap_px * 2,
                          body.height)
    rest = title(ctx, info, ctx.t("pin.title"), ctx.t("pin.body"))
    dots_h = min(th.px(50), rest.height // 2)
    dots = pygame.Rect(rest.left, rest.top, rest.width, dots_h)
    pygame.draw.rect(p.surface, p.palette.surface, dots, border_radius=th.radius_px)
    pygame.draw.rect(p.surface, p.palette.outline, dots, width=th.line_px, border_radius=th.radius_px)
    n = len(ctx.local.pin)
    rad = max(4, dots_h // 5)
    for i in range(n):
        pygame.draw.circle(p.surface, p.palette.text, (dots.left + rad * 2 + i * rad * 3, dots.centery), rad)
    notice = ctx.m.notice
    if notice in ("pin.wrong", "pin.empty"):
        if notice == "pin.wrong" and m.pin_attempts_left is not None:
            msg = ctx.tr.tn("pin.wrong", m.pin_attempts_left)
        else:
            msg = ctx.t("pin.empty")
        p.text(msg, pygame.Rect(rest.left, dots.bottom + th.px(8), rest.width,
                                max(0, rest.bottom - dots.bottom - th.px(8))), colour=p.palette.danger, bold=True)
    keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "del", "0", "ok"]
    for r_i, row in enumerate(rows(pad, 4, th.gap_px)):
        for c_i, cell in enumerate(columns(row, 3, th.gap_px)):
            key = keys[r_i * 3 + c_i]
            if key == "del":
                p.button(cell, ctx.t("pin.delete"), LocalAction("pin_delete"), kind="secondary", role="small",
                         is_enabled=n > 0)
            elif key == "ok":
                p.button(cell, ctx.t("pin.ok"), LocalAction("pin_submit"), kind="primary", role="small",
                         is_enabled=n > 0)
            else:
                p.button(cell, key, LocalAction("pin_digit", key), kind="secondary", role="title",
                         is_enabled=n < MAX_PIN_DIGITS)
