"""This credential already supported this process here: only the first counts. Continue or finish."""

from __future__ import annotations

from kiosk.flow import events as ev
from kiosk.ui.screens._base import ScreenContext, message_screen
from kiosk.ui.widgets import draw_card_schematic


def render(ctx: ScreenContext) -> None:
    message_screen(ctx, lambda p, r: draw_card_schematic(p, r, "EF", "front"), ctx.t("duplicate.title"),
                   ctx.t("duplicate.body"),
                   [(ctx.t("btn.finish"), ev.CancelRequested(), "secondary"),
                    (ctx.t("duplicate.continue"), ev.Confirmed(), "primary")])
