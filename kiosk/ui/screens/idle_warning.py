"""'¿Sigues ahí?': a countdown before the session is wiped; one touch keeps going."""

from __future__ import annotations

import pygame

from kiosk.flow import events as ev
from kiosk.ui.screens._base import ScreenContext, begin, footer, title
from kiosk.ui.widgets import countdown_ring


def render(ctx: ScreenContext) -> None:
    p, m, th = ctx.p, ctx.m, ctx.theme
    layout = begin(ctx)
    body = layout.body
    remaining = m.countdown_s if m.countdown_s is not None else 0
    if th.is_portrait:
        ring_area = pygame.Rect(body.left, body.top, body.width, body.height * 2 // 5)
        text = pygame.Rect(body.left, ring_area.bottom + th.gap_px, body.width, body.bottom - ring_area.bottom)
    else:
        ring_area = pygame.Rect(body.left, body.top, body.width // 3, body.height)
        text = pygame.Rect(ring_area.right + th.gap_px * 2, body.top, body.right - ring_area.right - th.gap_px * 2,
                           body.height)
    radius = min(ring_area.width, ring_area.height) * 2 // 5
    total = max(remaining, ctx.countdown_total_s)
    countdown_ring(p, ring_area.center, radius, remaining, total)
    title(ctx, text, ctx.t("idle.title"), ctx.t("idle.body"), max_title_frac=0.4)
    footer(ctx, [(ctx.t("btn.finish"), ev.CancelRequested(), "secondary"),
                 (ctx.t("idle.still_here"), ev.StillHereConfirmed(), "primary")], icons=("cross", "check"))
