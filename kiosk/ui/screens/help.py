"""Help overlay: ask the staff, or the support centre's phone, e-mail and hours. Returns to the step."""

from __future__ import annotations

import pygame

from kiosk.flow import events as ev
from kiosk.ui.layout import rows
from kiosk.ui.screens._base import ScreenContext, begin, footer, title
from kiosk.ui.widgets import draw_person_help


def render(ctx: ScreenContext) -> None:
    p, m, th = ctx.p, ctx.m, ctx.theme
    layout = begin(ctx)
    body = layout.body
    if th.is_portrait:
        pic = pygame.Rect(body.left, body.top, body.width, body.height // 4)
        text = pygame.Rect(body.left, pic.bottom + th.gap_px, body.width, body.bottom - pic.bottom - th.gap_px)
    else:
        pic = pygame.Rect(body.left, body.top, body.width // 4, body.height)
        text = pygame.Rect(pic.right + th.gap_px * 2, body.top, body.right - pic.right - th.gap_px * 2, body.height)
    draw_person_help(p, pic.inflate(-th.px(10), -th.px(10)))
    area = title(ctx, text, ctx.t("help.title"), ctx.t("help.body"), max_title_frac=0.3)
    items = [(ctx.t("help.phone"), m.support.get("phone", "")), (ctx.t("help.email"), m.support.get("email", "")),
             (ctx.t("help.hours"), m.support.get("hours", ""))]
    items = [(k, v) for k, v in items if v]
    if items:
        row_h = min(area.height // len(items), th.px(64 if not th.is_large_text else 84))
        block = pygame.Rect(area.left, area.top, area.width, row_h * len(items))
        for row, (label, value) in zip(rows(block, len(items), th.px(6)), items, strict=True):
            label_w = row.width * 28 // 100
            p.text(label, pygame.Rect(row.left, row.top, label_w, row.height), role="small",
                   colour=p.palette.text_muted, valign="middle")
            p.text(value, pygame.Rect(row.left + label_w, row.top, row.width - label_w, row.height), role="button",
                   bold=True, valign="middle")
    footer(ctx, [(ctx.t("help.close"), ev.HelpClosed(), "primary")], icons=("back",))
