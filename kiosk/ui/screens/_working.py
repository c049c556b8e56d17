"""A 'please wait' screen: spinner, heading, one sentence, no buttons."""

from __future__ import annotations

import pygame

from kiosk.ui.screens._base import ScreenContext, begin
from kiosk.ui.widgets import spinner


def working_screen(ctx: ScreenContext, heading: str, body: str) -> None:
    p, th = ctx.p, ctx.theme
    layout = begin(ctx, has_footer=False)
    area = layout.body
    radius = min(area.width, area.height) // 7
    center = (area.centerx, area.top + radius + th.px(16))
    spinner(p, center, radius, ctx.now_s)
    y = center[1] + radius + th.px(24)
    text = pygame.Rect(area.left, y, area.width, area.bottom - y)
    h = min(p.text_height(heading, text.width, role="title", bold=True), text.height // 2)
    r = p.text(heading, pygame.Rect(text.left, text.top, text.width, h), role="title", bold=True, align="center")
    p.text(body, pygame.Rect(text.left, r.bottom + th.px(8), text.width, text.bottom - r.bottom - th.px(8)),
           align="center", colour=p.palette.text_muted)
