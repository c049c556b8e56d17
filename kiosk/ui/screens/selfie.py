"""Selfie: mirrored preview with the face oval, the liveness challenge (pictogram + words) and its progress."""

from __future__ import annotations

from kiosk.ui.screens._base import ScreenContext
from kiosk.ui.screens._capture import capture_screen, guidance_text

_PICTOGRAMS = {"blink": "blink", "turn_left": "turn_left", "turn_right": "turn_right", "smile": "smile"}


def render(ctx: ScreenContext) -> None:
    m = ctx.m
    challenge = m.challenge
    if challenge and ctx.tr.has(f"challenge.{challenge}"):
        instructions = ctx.t(f"challenge.{challenge}")
        pictogram = _PICTOGRAMS.get(challenge, "straight")
    else:
        instructions = ctx.t("selfie.title")
        pictogram = None
    if challenge or m.challenge_guidance:
        # Once the challenges run, the liveness session speaks: the per-frame quality check says "look straight"
        # exactly while the citizen turns as asked, and the session already passes on framing problems.
        status = guidance_text(ctx, m.challenge_guidance)
    else:
        status = guidance_text(ctx, m.guidance)
    if challenge and status == instructions:
        status = None  # the challenge is already in big letters beside its picture
    is_ok = status is None and challenge is not None
    if status is None and challenge is None and m.liveness_completed:
        status = ctx.t("selfie.good")  # between challenges; during one, "hold still" would contradict it
        is_ok = True
    progress = (ctx.t("selfie.progress", done=min(m.liveness_completed + 1, m.liveness_total),
                      total=m.liveness_total) if m.liveness_total else None)
    capture_screen(ctx, ctx.t("selfie.follow") if challenge else ctx.t("selfie.title"),
                   instructions if challenge else ctx.t("tips.straight"), guide="face", is_mirrored=True,
                   status=status, status_is_ok=is_ok, pictogram=pictogram, progress_label=progress)
