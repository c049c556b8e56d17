"""The card cannot be used: the reason in plain words; retry when it may help, staff help, or finish."""

from __future__ import annotations

from kiosk.flow import events as ev
from kiosk.ui.screens._base import ScreenContext, message_screen
from kiosk.ui.widgets import draw_card_schematic


def reason_text(ctx: ScreenContext, reason: str | None) -> str:
    key = f"reason.{reason}" if reason else "reason.unknown"
    return ctx.t(key) if ctx.tr.has(key) else ctx.t("reason.unknown")


def render(ctx: ScreenContext) -> None:
    m = ctx.m
    buttons = [(ctx.t("btn.finish"), ev.Confirmed(), "secondary"),
               (ctx.t("btn.staff_help"), ev.StaffHelpRequested(), "secondary")]
    if m.can_retry:
        buttons.append((ctx.t("btn.retry"), ev.RetryRequested(), "primary"))
    message_screen(ctx, lambda p, r: draw_card_schematic(p, r, "GH", "front"), ctx.t("card_refused.title"),
                   reason_text(ctx, m.reason), buttons, extra=ctx.t("card_refused.body") if m.can_retry else None)
