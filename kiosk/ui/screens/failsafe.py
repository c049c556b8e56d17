"""Failsafe: something went wrong; the data were wiped; ask the staff; back to the start."""

from __future__ import annotations

from kiosk.flow import events as ev
from kiosk.ui.screens._base import ScreenContext, message_screen
from kiosk.ui.widgets import draw_person_help


def render(ctx: ScreenContext) -> None:
    phone = ctx.m.support.get("phone")
    message_screen(ctx, draw_person_help, ctx.t("failsafe.title"), ctx.t("failsafe.body"),
                   [(ctx.t("failsafe.home"), ev.Confirmed(), "primary")],
                   extra=f"{ctx.t('help.phone')}: {phone}" if phone else None)
