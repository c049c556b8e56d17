"""Auto-capture: coach the citizen frame by frame and say when to take the full-resolution still.

Feed every preview frame; the card must pass every gate (see :mod:`kiosk.vision.quality`), show the expected
side, and stay still (corners moving less than ``motion_max_fraction`` of its width between frames) for
``stable_time_s`` on the injected clock before ``is_ready``. The caller then captures a still and re-checks it
with :mod:`kiosk.vision.document`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kiosk.camera.base import Frame
from kiosk.clock import Clock
from kiosk.config import VisionConfig
from kiosk.errors import ImageError, InvalidField
from kiosk.vision.card_detect import CardDetection, detect_card
from kiosk.vision.quality import CardQuality, assess_card
from kiosk.vision.side import classify_side

SIDES = ("front", "back")
_FLIP = {"front": "card.flip_to_front", "back": "card.flip_to_back"}


@dataclass(frozen=True)
class CaptureGuidance:
    """What to tell the citizen after one preview frame.

    ``guidance``: an instruction code, or None when all is well (keep still while ``progress`` fills).
    ``progress``: 0..1 of the stable time reached. ``is_ready``: take the still now.
    """

    guidance: str | None
    progress: float
    is_ready: bool
    detection: CardDetection | None
    quality: CardQuality | None = None
    side: str | None = None


def corner_motion(prev: CardDetection, cur: CardDetection) -> float:
    """Largest corner displacement between two detections as a fraction of the card width."""
    return float(np.linalg.norm(prev.corners - cur.corners, axis=1).max() / max(cur.width_px, 1.0))


class CardAutoCapture:
    """Frame-by-frame coach for one side of the card (``expected_side`` 'front' or 'back').

    Raises InvalidField when ``expected_side`` is not 'front' or 'back'.
    """

    def __init__(self, cfg: VisionConfig, clock: Clock, expected_side: str) -> None:
        if expected_side not in SIDES:
            raise InvalidField("expected_side", f"must be 'front' or 'back', got {expected_side!r}")
        self._cfg = cfg
        self._clock = clock
        self.expected_side = expected_side
        self._prev: CardDetection | None = None
        self._good_since_s: float | None = None

    def reset(self) -> None:
        """Start over (e.g. after a still was rejected)."""
        self._prev = None
        self._good_since_s = None

    def _not_ready(self, guidance: str | None, detection: CardDetection | None, quality: CardQuality | None = None,
                   side: str | None = None) -> CaptureGuidance:
        self._good_since_s = None
        return CaptureGuidance(guidance, 0.0, False, detection, quality, side)

    def feed(self, preview: Frame) -> CaptureGuidance:
        """Judge one preview frame. Never raises for a bad frame: a bad frame is an instruction."""
        try:
            detection = detect_card(preview.image)
        except ImageError:
            self._prev = None
            return self._not_ready("card.not_found", None)
        quality = assess_card(preview.image, detection, self._cfg)
        prev, self._prev = self._prev, detection
        if not quality.is_ok:
            return self._not_ready(quality.guidance, detection, quality)
        if detection is None or quality.card_small is None:  # is_ok implies both; keeps the types honest
            return self._not_ready("card.not_found", detection, quality)
        side = classify_side(quality.card_small).side
        if side != self.expected_side:
            other = "back" if self.expected_side == "front" else "front"
            code = _FLIP[self.expected_side] if side == other else "card.not_ine"
            return self._not_ready(code, detection, quality, side)
        if prev is None or corner_motion(prev, detection) > self._cfg.motion_max_fraction:
            return self._not_ready("card.hold_still" if prev is not None else None, detection, quality, side)
        now = self._clock.monotonic()
        if self._good_since_s is None:
            self._good_since_s = now
        held_s = now - self._good_since_s
        progress = 1.0 if self._cfg.stable_time_s <= 0 else min(1.0, held_s / self._cfg.stable_time_s)
        return CaptureGuidance(None, progress, progress >= 1.0, detection, quality, side)
