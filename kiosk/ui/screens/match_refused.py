"""Dignified refusal after the last failed match: not the citizen's fault, nothing kept, staff can help."""

from __future__ import annotations

from kiosk.flow import events as ev
from kiosk.ui.screens._base import ScreenContext, message_screen
from kiosk.ui.widgets import draw_person_help


def render(ctx: ScreenContext) -> None:
    message_screen(ctx, draw_person_help, ctx.t("refused.title"), ctx.t("refused.body"),
                   [(ctx.t("btn.finish"), ev.Confirmed(), "secondary"),
                    (ctx.t("btn.staff_help"), ev.StaffHelpRequested(), "primary")],
                   extra=ctx.t("refused.wiped"))
