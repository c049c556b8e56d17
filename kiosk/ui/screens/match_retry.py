"""The face did not match (or did not look live): explain kindly and try again."""

from __future__ import annotations

from kiosk.flow import events as ev
from kiosk.ui.screens._base import ScreenContext, message_screen
from kiosk.ui.widgets import draw_pictogram


def render(ctx: ScreenContext) -> None:
    m = ctx.m
    left = ctx.tr.tn("retry.left", m.attempts_left) if m.attempts_left is not None else None
    message_screen(ctx, lambda p, r: draw_pictogram(p, "light", r), ctx.t("retry.title"), ctx.t("retry.body"),
                   [(ctx.t("btn.retry"), ev.RetryRequested(), "primary")], extra=left)
