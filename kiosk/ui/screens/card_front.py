"""Card front: live preview with the card outline; the vision pipeline's guidance; auto-capture."""

from __future__ import annotations

from kiosk.ui.screens._base import ScreenContext
from kiosk.ui.screens._capture import capture_screen, guidance_text


def card_status(ctx: ScreenContext) -> tuple[str, bool]:
    m = ctx.m
    if ctx.preview is None or getattr(ctx.preview, "image", None) is None:
        return ctx.t("card.camera_starting"), False
    text = guidance_text(ctx, m.guidance)
    if text:
        return text, False
    if m.progress > 0:
        return ctx.t("card.hold_still"), True
    return ctx.t("card.looking"), False


#: Why the card is asked for again after the review ("the data are wrong", "not my photo").
RECAPTURE_REASONS = ("card.data_rejected", "card.photo_rejected")


def render(ctx: ScreenContext) -> None:
    status, ok = card_status(ctx)
    m = ctx.m
    body = ctx.t(f"reason.{m.reason}") if m.reason in RECAPTURE_REASONS else ctx.t("card_front.body")
    capture_screen(ctx, ctx.t("card_front.title"), body, guide="card", is_mirrored=False,
                   status=status, status_is_ok=ok, card_side="front")
