"""Which side of the credential faces the camera: the back carries the 3-line MRZ band, the front the photo.

Works on a rectified card of any width ≥ 320 px. The back is recognised by its MRZ (three long, evenly spaced
text lines across the card, near one long edge); the front by a large portrait-shaped photo block beside text.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from kiosk.vision.mrz_read import _glyph_chains, _pick_triple


@dataclass(frozen=True)
class SideGuess:
    """``side``: 'front', 'back' or 'unknown'; ``is_upside_down``: the card is turned 180° (back only)."""

    side: str
    is_upside_down: bool = False
    text_lines: int = 0


def _photo_score(gray: np.ndarray) -> float:
    """How much the left third looks like a photo block: strong, busy content over a tall region."""
    h, w = gray.shape
    best = 0.0
    for region in (gray[int(0.15 * h):int(0.9 * h), int(0.02 * w):int(0.34 * w)],
                   gray[int(0.1 * h):int(0.85 * h), int(0.66 * w):int(0.98 * w)]):
        col_std = float(region.std())
        dark = float((region < 0.75 * np.median(gray)).mean())
        best = max(best, min(1.0, col_std / 40.0) * min(1.0, dark / 0.25))
    return best


def classify_side(card_bgr: np.ndarray) -> SideGuess:
    """Guess the side of a rectified card image (BGR or gray). Never raises for odd content."""
    gray = card_bgr if card_bgr.ndim == 2 else cv2.cvtColor(card_bgr, cv2.COLOR_BGR2GRAY)
    if gray.shape[1] < 480:  # the line finder wants the MRZ's ~3 px strokes resolved
        gray = cv2.resize(gray, (480, int(round(480 * gray.shape[0] / gray.shape[1]))), interpolation=cv2.INTER_LINEAR)
    h = gray.shape[0]
    lines = _glyph_chains(gray)
    triple = _pick_triple(lines, h)
    if triple is not None:
        top = triple[0].mid_y
        bottom = triple[2].mid_y
        if top > 0.45 * h:
            return SideGuess("back", False, len(lines))
        if bottom < 0.55 * h:
            return SideGuess("back", True, len(lines))
    if _photo_score(gray) > 0.5:
        return SideGuess("front", False, len(lines))
    return SideGuess("unknown", False, len(lines))


def count_code_blocks(card_bgr: np.ndarray) -> tuple[int, int]:
    """(large, small) square 2-D code blocks (QR) in the upper part of a rectified back.

    Models E/F carry one large QR on the back; G/H carry two large linked QRs plus a small services QR
    (FACTS §1.2, §2.3). Dense black-and-white modules closed into solid squares are counted by size.
    """
    gray = card_bgr if card_bgr.ndim == 2 else cv2.cvtColor(card_bgr, cv2.COLOR_BGR2GRAY)
    h, w = gray.shape
    top = gray[: int(h * 0.6)]
    _, dark = cv2.threshold(top, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    k = max(3, int(w * 0.015))
    solid = cv2.morphologyEx(dark, cv2.MORPH_CLOSE, np.ones((k, k), np.uint8))
    n, _, stats, _ = cv2.connectedComponentsWithStats(solid)
    large = small = 0
    for x, y, bw, bh, area in stats[1:]:
        side = (bw + bh) / 2.0
        if not (0.8 < bw / max(bh, 1) < 1.25) or area < 0.6 * bw * bh:
            continue
        ink = float((dark[y:y + bh, x:x + bw] > 0).mean())
        if not 0.3 < ink < 0.75:  # modules: about half dark; a solid logo or a photo is not
            continue
        if 0.17 * w <= side <= 0.3 * w:
            large += 1
        elif 0.08 * w <= side < 0.17 * w:
            small += 1
    return large, small
