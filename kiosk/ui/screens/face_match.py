"""Working: comparing the selfie with the card photo."""

from __future__ import annotations

from kiosk.ui.screens._base import ScreenContext
from kiosk.ui.screens._working import working_screen


def render(ctx: ScreenContext) -> None:
    working_screen(ctx, ctx.t("match.title"), ctx.t("match.body"))
