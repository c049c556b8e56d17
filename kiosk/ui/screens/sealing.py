"""Working: sealing and storing the record."""

from __future__ import annotations

from kiosk.ui.screens._base import ScreenContext
from kiosk.ui.screens._working import working_screen


def render(ctx: ScreenContext) -> None:
    working_screen(ctx, ctx.t("sealing.title"), ctx.t("sealing.body"))
