"""Card back: like the front, asking the citizen to turn the card over."""

from __future__ import annotations

from kiosk.ui.screens._base import ScreenContext
from kiosk.ui.screens._capture import capture_screen
from kiosk.ui.screens.card_front import card_status


def render(ctx: ScreenContext) -> None:
    status, ok = card_status(ctx)
    capture_screen(ctx, ctx.t("card_back.title"), ctx.t("card_back.body"), guide="card", is_mirrored=False,
                   status=status, status_is_ok=ok, card_side="back")
