"""Quality gates on a detected card, each mapping to one citizen instruction (see :mod:`kiosk.vision.guidance`).

Gates, in the order the citizen should fix them: a card at all → only one card → fully in frame → big enough /
not too big → glare → exposure → sharpness. Motion between frames is judged by the auto-capture, which has
the history. Measurements are on a small rectified copy of the card (``QUALITY_WIDTH_PX``), so thresholds mean
the same for a 640×480 preview and a full-resolution still.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from kiosk.config import VisionConfig
from kiosk.vision.card_detect import CardDetection
from kiosk.vision.rectify import rectify_card

QUALITY_WIDTH_PX = 320
_DARK_FRAME = 25.0  # mean frame brightness (0-255) below which the camera sees "nothing": ask for light
_BRIGHT_FRAME = 240.0


@dataclass(frozen=True)
class CardQuality:
    """Outcome of the gates: ``guidance`` is the first failed gate's code (None when all pass).

    ``metrics``: width_fraction, margin_fraction, brightness (0-255), glare_fraction (0-1),
    sharpness (variance of the Laplacian on the small rectified card).
    """

    is_ok: bool
    guidance: str | None
    metrics: dict[str, float] = field(default_factory=dict)
    card_small: np.ndarray | None = field(default=None, repr=False)


def frame_exposure_guidance(frame_bgr: np.ndarray) -> str | None:
    """'card.more_light' / 'card.too_bright' when the whole frame is black or blown out, else None."""
    mean = float(cv2.mean(frame_bgr)[0:3][1])  # green ≈ luminance, and cheap
    if mean < _DARK_FRAME:
        return "card.more_light"
    if mean > _BRIGHT_FRAME:
        return "card.too_bright"
    return None


def glare_fraction(card_bgr: np.ndarray) -> float:
    """Fraction of the card (border excluded) covered by saturated white blobs (specular reflections)."""
    h, w = card_bgr.shape[:2]
    inner = card_bgr[int(h * 0.04):int(h * 0.96), int(w * 0.03):int(w * 0.97)]
    lo = inner.min(axis=2)
    # Burnt out in every channel: white print under normal exposure stays below this, a reflection does
    # not (the camera's white balance keeps paper white just under the clip).
    mask = (lo >= 253).astype(np.uint8)
    # Single bright pixels are print or noise; a reflection is a blob.
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    return float(mask.mean())


def sharpness(card_gray: np.ndarray) -> float:
    """Variance of the Laplacian over the card (higher is sharper); the card is QUALITY_WIDTH_PX wide."""
    return float(cv2.Laplacian(card_gray, cv2.CV_32F, ksize=3).var())


def assess_card(frame_bgr: np.ndarray, detection: CardDetection | None, cfg: VisionConfig) -> CardQuality:
    """Run the gates on one frame and its detection (None = no card found).

    Returns the first failed gate's guidance code, or is_ok. Never raises for a bad scene.
    """
    if detection is None:
        return CardQuality(False, frame_exposure_guidance(frame_bgr) or "card.not_found")
    if detection.other_cards > 0:
        return CardQuality(False, "card.one_card_only")
    fh, fw = frame_bgr.shape[:2]
    c = detection.corners
    margin = float(min(c[:, 0].min() / fw, c[:, 1].min() / fh, 1 - c[:, 0].max() / fw, 1 - c[:, 1].max() / fh))
    width_fraction = detection.width_px / fw
    metrics = {"margin_fraction": margin, "width_fraction": width_fraction}
    if margin < cfg.frame_margin_fraction:
        return CardQuality(False, "card.move_into_frame", metrics)
    if width_fraction < cfg.min_card_fraction:
        return CardQuality(False, "card.move_closer", metrics)
    if width_fraction > cfg.max_card_fraction:
        return CardQuality(False, "card.move_back", metrics)
    small = rectify_card(frame_bgr, c, QUALITY_WIDTH_PX)
    gray = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    metrics["brightness"] = float(gray.mean())
    metrics["glare_fraction"] = glare_fraction(small)
    metrics["sharpness"] = sharpness(gray)
    guidance = None
    # Glare first: a large reflection also raises the mean, and "tilt the card" is the useful instruction.
    if metrics["glare_fraction"] > cfg.glare_fraction_max:
        guidance = "card.avoid_glare"
    elif metrics["brightness"] < cfg.exposure_min:
        guidance = "card.more_light"
    elif metrics["brightness"] > cfg.exposure_max:
        guidance = "card.too_bright"
    elif metrics["sharpness"] < cfg.focus_min:
        guidance = "card.blurry"
    return CardQuality(guidance is None, guidance, metrics, small)
