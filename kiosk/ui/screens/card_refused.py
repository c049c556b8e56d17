"""The card cannot be used: the reason in plain words; retry when it may help, staff help, or finish."""

from __future__ import annotations

import pygame

from kiosk.flow import events as ev
from kiosk.ui.screens._base import ScreenContext, message_screen
from kiosk.ui.widgets import Painter, draw_card_schematic, draw_icon


def reason_text(ctx: ScreenContext, reason: str | None) -> str:
    key = f"reason.{reason}" if reason else "reason.unknown"
    return ctx.t(key) if ctx.tr.has(key) else ctx.t("reason.unknown")


def refused_card(p: Painter, rect: pygame.Rect) -> None:
    """A card with a red cross badge: 'this card cannot be used'."""
    card = draw_card_schematic(p, rect, "GH", "front")
    r = max(8, card.height // 4)
    centre = (card.right - r // 2, card.bottom - r // 2)
    pygame.draw.circle(p.surface, p.palette.danger, centre, r)
    draw_icon(p.surface, "cross", pygame.Rect(centre[0] - r, centre[1] - r, 2 * r, 2 * r), p.palette.on_danger,
              max(3, r // 4))


def render(ctx: ScreenContext) -> None:
    m = ctx.m
    buttons = [(ctx.t("btn.finish"), ev.Confirmed(), "secondary"),
               (ctx.t("btn.staff_help"), ev.StaffHelpRequested(), "secondary")]
    if m.can_retry:
        buttons.append((ctx.t("btn.retry"), ev.RetryRequested(), "primary"))
    message_screen(ctx, lambda p, r: refused_card(p, r.inflate(-r.width // 8, -r.height // 8)), ctx.t("card_refused.title"),
                   reason_text(ctx, m.reason), buttons, extra=ctx.t("card_refused.body") if m.can_retry else None)
