"""Find the MRZ directly in a still, without the card's outline, and rectify the card from it.

Fallback for stills where the outline is hard to find (objects touching the card, a thumb, a busy table): the
MRZ itself is a strong, rigid pattern — 3 lines × 30 cells at 10 characters per inch and 6 lines per inch
(ICAO 9303 TD1) near the card's bottom edge. We turn the image so the text runs horizontally (trying the
directions of the card-like quads found, and level), chain glyphs into lines, fit each line's cells, and map
the 90 cell positions onto the canonical 300 dpi card with a homography (RANSAC). The result is a canonical
card image the normal reader then reads; nothing is accepted here.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from kiosk.vision.mrz_read import N_COLS, _fit_line, find_mrz_lines
from kiosk.vision.rectify import CANONICAL_WIDTH_PX, card_size

WORK_WIDTH_PX = 1280
# Canonical TD1 geometry on the 1011×638 (300 dpi) card: 30 px pitch (10 cpi), 50 px line pitch (6 lpi),
# first cell centre and the three baselines.
CELL0_X_PX = 71.0
PITCH_PX = 30.0
BASELINES_PX = (508.0, 558.0, 608.0)


def _angles(quads: Sequence[np.ndarray]) -> list[float]:
    out = [0.0]
    for q in quads:
        d = q[1] - q[0]
        a = float(np.degrees(np.arctan2(d[1], d[0])))
        for cand in (a, a + 180.0):
            cand = (cand + 180.0) % 360.0 - 180.0
            if all(abs((cand - b + 180.0) % 360.0 - 180.0) > 3.0 for b in out):
                out.append(cand)
    return out


def locate_and_rectify(still_bgr: np.ndarray, quads: Sequence[np.ndarray] = (),
                       max_tries: int = 5) -> tuple[np.ndarray, np.ndarray] | None:
    """(canonical card image 1011×638 BGR, the card's corners in the still TL, TR, BR, BL) aligned on the MRZ
    found in ``still_bgr``, or None.

    ``quads``: card-like outlines (4×2, still px) whose long sides suggest the text direction.
    """
    h, w = still_bgr.shape[:2]
    scale = min(1.0, WORK_WIDTH_PX / w)
    small = cv2.resize(still_bgr, (int(w * scale), int(h * scale)), interpolation=cv2.INTER_AREA) \
        if scale < 1.0 else still_bgr
    gray = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    sh, sw = gray.shape
    for angle in _angles(quads)[:max_tries]:
        rot = cv2.getRotationMatrix2D((sw / 2.0, sh / 2.0), angle, 1.0)
        # Expand the canvas so no corner of the card is cut by the turn.
        cos, sin = abs(rot[0, 0]), abs(rot[0, 1])
        nw, nh = int(sh * sin + sw * cos), int(sh * cos + sw * sin)
        rot[0, 2] += nw / 2.0 - sw / 2.0
        rot[1, 2] += nh / 2.0 - sh / 2.0
        turned = cv2.warpAffine(gray, rot, (nw, nh), flags=cv2.INTER_LINEAR, borderValue=128)
        triple = find_mrz_lines(turned, cap_range_px=(8.0, 64.0))
        if triple is None:
            continue
        fitted = [_fit_line(c, turned) for c in triple]
        if any(f is None for f in fitted):
            continue
        # No left-margin alignment here: under perspective the three line starts are legitimately offset
        # (a sheared card); each line's own ink window places it.
        fits = fitted
        src, dst = [], []
        for line, f in enumerate(fits):
            xs, baselines = f[0], f[1]
            for k in range(N_COLS):
                src.append((CELL0_X_PX + PITCH_PX * k, BASELINES_PX[line]))
                dst.append((xs[k], baselines[k]))
        dst_turned = np.array(dst, np.float32)
        inv = cv2.invertAffineTransform(rot)
        dst_small = dst_turned @ inv[:, :2].T + inv[:, 2]
        dst_full = dst_small / scale
        # Glyphs sit a few px off the ideal grid (print jitter, side bearings): allow a third of a pitch.
        pitch_full = float(np.mean([f[2] for f in fits])) / scale
        hom, inliers = cv2.findHomography(np.array(src, np.float32), dst_full.astype(np.float32), cv2.RANSAC,
                                          max(3.0, 0.3 * pitch_full))
        if hom is None or inliers is None or inliers.sum() < 0.6 * len(src):
            continue
        cw, ch = card_size(CANONICAL_WIDTH_PX)
        card = cv2.warpPerspective(still_bgr, hom, (cw, ch), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                                   borderMode=cv2.BORDER_REPLICATE)
        corners = cv2.perspectiveTransform(np.float32([[[0, 0]], [[cw - 1, 0]], [[cw - 1, ch - 1]], [[0, ch - 1]]]),
                                           hom)[:, 0]
        return card, corners.astype(np.float32)
    return None
