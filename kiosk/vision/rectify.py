"""Perspective rectification of a detected card to a canonical ID-1 image (about 300 dpi at 1011 px)."""

from __future__ import annotations

import cv2
import numpy as np

from kiosk.errors import ImageError

ID1_ASPECT = 85.60 / 53.98  # width / height of an ID-1 card (ISO/IEC 7810)
CANONICAL_WIDTH_PX = 1011


def card_size(width_px: int) -> tuple[int, int]:
    """(width, height) in px of a rectified card ``width_px`` wide."""
    return width_px, int(round(width_px / ID1_ASPECT))


def rectify_card(image_bgr: np.ndarray, corners: np.ndarray, width_px: int = CANONICAL_WIDTH_PX) -> np.ndarray:
    """Warp the card bounded by ``corners`` (4×2, TL, TR, BR, BL in image px) to a ``width_px`` wide image.

    Works on colour or grayscale images. Raises ImageError when the corners are not 4 finite points.
    """
    pts = np.asarray(corners, np.float32)
    if pts.shape != (4, 2) or not np.isfinite(pts).all():
        raise ImageError("card corners must be 4 finite (x, y) points")
    w, h = card_size(width_px)
    # Shrinking a lot aliases fine print into false "moiré" and INTER_AREA is not available for warps: warp
    # to an integer multiple of the size first (cheap, the result is small), then area-average down.
    scale = (np.linalg.norm(pts[1] - pts[0]) + np.linalg.norm(pts[2] - pts[3])) / (2.0 * w)
    k = int(min(4, np.floor(scale))) if scale >= 2.0 else 1
    ww, hh = w * k, h * k
    dst = np.float32([[0, 0], [ww - 1, 0], [ww - 1, hh - 1], [0, hh - 1]])
    m = cv2.getPerspectiveTransform(pts, dst)
    out = cv2.warpPerspective(image_bgr, m, (ww, hh), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return out if k == 1 else cv2.resize(out, (w, h), interpolation=cv2.INTER_AREA)
