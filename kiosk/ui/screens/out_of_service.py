"""Out of service: nothing a citizen can do here but ask the staff."""

from __future__ import annotations

from kiosk.ui.screens._base import ScreenContext, message_screen
from kiosk.ui.widgets import draw_person_help


def render(ctx: ScreenContext) -> None:
    m = ctx.m
    key = f"out.reason.{m.reason}" if m.reason else ""
    lines = [ctx.t(key)] if key and ctx.tr.has(key) else []
    if m.support.get("phone"):
        lines.append(f"{ctx.t('help.phone')}: {m.support['phone']}")
    extra = "\n".join(lines) or None
    message_screen(ctx, draw_person_help, ctx.t("out.title"), ctx.t("out.body"), [], extra=extra)
