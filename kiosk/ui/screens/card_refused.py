"""The card cannot be used: the reason in plain words; retry when it may help, staff help, or finish."""

from __future__ import annotations

import pygame

from kiosk.flow import events as ev
from kiosk.flow.machine import RETRYABLE_CARD_REASONS
from kiosk.ui.screens._base import ScreenContext, message_screen
from kiosk.ui.widgets import Painter, draw_card_schematic, draw_icon

#: Reasons where the citizen said the data or photo were wrong: the card is taken again, nothing was refused.
RECAPTURE_REASONS = frozenset({"card.data_rejected", "card.photo_rejected"})


def reason_text(ctx: ScreenContext, reason: str | None, *, can_retry: bool = True) -> str:
    """What happened, in plain words. With no try left, the ``.final`` wording (where there is one) never
    promises another try that the buttons cannot give."""
    key = f"reason.{reason}" if reason else "reason.unknown"
    if not can_retry and ctx.tr.has(f"{key}.final"):
        key = f"{key}.final"
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
    is_recapture = m.reason in RECAPTURE_REASONS
    buttons = [(ctx.t("btn.finish"), ev.Confirmed(), "secondary"),
               (ctx.t("btn.staff_help"), ev.StaffHelpRequested(), "secondary" if m.can_retry else "primary")]
    if m.can_retry:
        buttons.append((ctx.t("btn.retake_card" if is_recapture else "btn.retry"), ev.RetryRequested(), "primary"))
    if is_recapture:
        heading = ctx.t("card_refused.retake_title" if m.can_retry else "card_refused.no_more_title")
        extra = ctx.t("card_refused.retake_body") if m.can_retry else ctx.t("card_refused.no_more")
    else:
        heading = ctx.t("card_refused.title")
        extra = ctx.t("card_refused.body") if m.can_retry else (
            ctx.t("card_refused.no_more") if m.reason in RETRYABLE_CARD_REASONS else None)
    message_screen(ctx, lambda p, r: refused_card(p, r.inflate(-r.width // 8, -r.height // 8)), heading,
                   reason_text(ctx, m.reason, can_retry=m.can_retry), buttons, extra=extra)
