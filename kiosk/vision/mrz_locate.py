"""Find the MRZ directly in a still and rectify the card from it, without trusting the card's outline.

Fallback for stills where the outline is wrong or missing (objects touching the card, a thumb, a busy table,
strong perspective): the MRZ itself is a strong, rigid pattern — 3 lines × 30 cells at 10 characters per inch
and 6 lines per inch (ICAO 9303 TD1) near the card's bottom edge. In a *view* of the still where the text runs
roughly horizontally (the still warped through an approximate outline, or turned by a guessed angle) we chain
glyphs into lines, give every glyph its cell (line, column) and map the glyphs' ink centres and baselines onto
the canonical 300 dpi card with a homography (RANSAC). The result is a canonical card image the normal reader
then reads; nothing is accepted here.

Cell columns come from the glyphs themselves, not from the line's ink window: every one of a line's 30 cells
is printed ('<' included), so the run of occupied cells *is* the window, and the three lines share their left
margin. (A view cut from a wrong outline shows table and card edges right beside the MRZ, which fool an
ink-contrast window.)
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence

import cv2
import numpy as np

from kiosk.vision.mrz_read import N_COLS, find_mrz_lines, glyph_pitch
from kiosk.vision.rectify import CANONICAL_WIDTH_PX, card_size

WORK_WIDTH_PX = 1280
# Canonical TD1 geometry on the 1011×638 (300 dpi) card: 30 px pitch (10 cpi), 50 px line pitch (6 lpi),
# first cell centre and the three baselines.
CELL0_X_PX = 71.0
PITCH_PX = 30.0
BASELINES_PX = (508.0, 558.0, 608.0)
_CARD_W, _CARD_H = card_size(CANONICAL_WIDTH_PX)
_CARD_CORNERS = np.float32([[0, 0], [_CARD_W - 1, 0], [_CARD_W - 1, _CARD_H - 1], [0, _CARD_H - 1]])
# Outline view: the canonical card's lower part (from this fraction of its height) plus this much around
# it (fractions of its width / height), so an MRZ that a wrong outline cut off is still in view; drawn at
# this scale of the canonical size (MRZ pitch 18 px: enough for glyph centres, and cheap).
_VIEW_TOP = 0.35
_VIEW_PAD = (0.15, 0.3)
_VIEW_SCALE = 0.6
_MIN_POINTS = 40  # glyph points (of ≤ 90) that must agree with one homography


def _angles(quads: Sequence[np.ndarray]) -> list[float]:
    """Text directions to try (degrees): level, then both long sides of every quad (a wrong quad often has
    one true side), nearest level first (cards are held roughly landscape; a wrong quad's side across the
    card would otherwise use up the tries), each both ways round (an MRZ seen upside down anchors a card
    turned about the MRZ, which its reader then refuses)."""
    dirs = [0.0]
    cands = []
    for q in quads:
        for a_, b_ in ((q[0], q[1]), (q[3], q[2])):
            d = b_ - a_
            cands.append((float(np.degrees(np.arctan2(d[1], d[0]))) + 90.0) % 180.0 - 90.0)
    for cand in sorted(cands, key=abs):
        if all(abs((cand - b + 90.0) % 180.0 - 90.0) > 3.0 for b in dirs):
            dirs.append(cand)
    return [a for d in dirs for a in (d, d + 180.0 if d <= 0 else d - 180.0)]


def _line_grid(comps: np.ndarray, only_in_band: bool = True
               ) -> tuple[np.ndarray, np.ndarray, float, list[int]] | None:
    """One MRZ line's glyphs on its cell grid.

    ``comps``: (n, 4) x, y, w, h of the line's glyph components (merged '<' runs included), sorted by x.
    Returns (points (m, 2) ink centre x and bottom y of the full-height glyphs, their column relative to
    the grid origin (m,), pitch px, candidate grid columns of cell 0), or None when the components are not
    evenly spaced. Cell 0 is certain (one candidate) when the occupied cells form a run of exactly 30.
    ``only_in_band``: wide blobs count only inside the line's band (a thumb tip beside the line is not print).
    """
    cap = float(np.median(comps[:, 3]))
    single = comps[:, 2] <= 1.1 * cap
    st = comps[single]
    cx = st[:, 0] + st[:, 2] / 2.0
    p0 = glyph_pitch(cx, cap)
    if p0 is None:
        return None
    gaps = np.diff(cx)
    # Columns by walking from glyph to glyph with the local pitch: perspective the view did not undo makes
    # the pitch drift along the line, and one straight grid would slip a column somewhere in the middle.
    kk = np.zeros(len(cx), int)
    local = p0
    for j in range(1, len(cx)):
        step = int(round(gaps[j - 1] / local))
        kk[j] = kk[j - 1] + step
        if step == 1:
            local = 0.7 * local + 0.3 * float(gaps[j - 1])
    # Cell centre x as a quadratic in the column (perspective along the line), glyphs off it dropped.
    keep = np.ones(len(cx), bool)
    for _ in range(3):
        if keep.sum() < 8:
            return None
        coef = np.polyfit(kk[keep], cx[keep], 2)
        keep = np.abs(cx - np.polyval(coef, kk)) < 0.3 * p0
    if keep.sum() < 8:
        return None
    pitch = float(np.polyval(np.polyder(coef), float(np.median(kk))))
    if abs(pitch - p0) > 0.15 * p0:
        return None
    # Occupied cells: every glyph on the grid covers its cell, a merged '<<<' run the cells it spans. A wide
    # blob off the line's band (a thumb tip, a mark beside the line) is not print of the line.
    ks = np.arange(int(kk.min()) - 6, int(kk.max()) + 7)
    centres = np.polyval(coef, ks)
    band_top = float(np.median(st[keep, 1]))
    band_bottom = float(np.median(st[keep, 1] + st[keep, 3]))
    blobs = comps[~single]
    if only_in_band:
        blobs = blobs[(blobs[:, 1] > band_top - 0.3 * cap) & (blobs[:, 1] + blobs[:, 3] < band_bottom + 0.3 * cap)]
    occupied: set[int] = set()
    for x, _, w, _ in np.concatenate([st, blobs]):
        inside = (centres >= x - 0.25 * pitch) & (centres <= x + w + 0.25 * pitch)
        occupied.update(int(k) for k in ks[inside])
    if not occupied:
        return None
    # The longest run of occupied cells, bridging single empty cells (a faint glyph the chain dropped).
    cells = sorted(occupied)
    runs, start = [], cells[0]
    for prev, cur in zip(cells, cells[1:], strict=False):
        if cur - prev > 2:
            runs.append((start, prev))
            start = cur
    runs.append((start, cells[-1]))
    lo, hi = max(runs, key=lambda r: r[1] - r[0])
    span = hi - lo + 1
    starts = [lo] if span == N_COLS else list(range(min(lo, hi - N_COLS + 1), max(lo, hi - N_COLS + 1) + 1))
    if abs(span - N_COLS) > 3:
        # Blur can smear a '<' run past the band; only then count every blob.
        return _line_grid(comps, only_in_band=False) if only_in_band else None
    full = (st[:, 3] >= 0.8 * cap) & keep
    pts = np.stack([cx[full], (st[:, 1] + st[:, 3])[full]], axis=1)
    return pts, kk[full], pitch, starts


def _anchor(view: np.ndarray, view_to_still: np.ndarray, cap_range_px: tuple[float, float],
            min_mid_y: float = 0.0) -> tuple[np.ndarray, int] | None:
    """(homography canonical card → still, inlier count) from the MRZ found in ``view`` (grayscale), or None.

    ``view_to_still``: 3×3 from view px to still px. ``min_mid_y``: the MRZ must lie below this view row (an
    outline view shows the card upright; its top half holds no MRZ).
    """
    triple = find_mrz_lines(view, cap_range_px=cap_range_px)
    if triple is None or np.mean([c.mid_y for c in triple]) < min_mid_y:
        return None
    grids = [_line_grid(c.comps) for c in triple]
    if any(g is None for g in grids):
        return None
    # Cell 0 of each line: of the candidate windows (a line whose end glyph the chain missed has two), the
    # combination whose glyphs most agree with one homography. A homography, not an affine map: along 30
    # cells the pitch changes with perspective the view may not have undone. Glyph ink sits a few px off the
    # ideal grid (print jitter, side bearings): a third of a pitch is tolerated.
    pitch_view = float(np.mean([g[2] for g in grids]))
    best: tuple[int, np.ndarray] | None = None
    for starts in itertools.product(*(g[3] for g in grids)):
        src, dst, line_of = [], [], []
        for line, (g, s0) in enumerate(zip(grids, starts, strict=True)):
            pts, kk, _, _ = g
            col = kk - s0
            ok = (col >= 0) & (col < N_COLS)
            src += [(CELL0_X_PX + PITCH_PX * k, BASELINES_PX[line]) for k in col[ok]]
            dst.append(pts[ok])
            line_of += [line] * int(ok.sum())
        if len(src) < _MIN_POINTS:
            continue
        hom, inliers = cv2.findHomography(np.array(src, np.float32), np.concatenate(dst).astype(np.float32),
                                          cv2.RANSAC, max(1.0, 0.3 * pitch_view))
        if hom is None or inliers is None:
            continue
        inl = inliers.ravel().astype(bool)
        per_line = np.bincount(np.array(line_of)[inl], minlength=3)
        # Every line must agree (two lines and a wrong third can fit a homography of their own).
        if inl.sum() >= max(_MIN_POINTS, 0.6 * len(src)) and per_line.min() >= 8 \
                and (best is None or inl.sum() > best[0]):
            best = (int(inl.sum()), hom)
    if best is None:
        return None
    return view_to_still @ best[1], best[0]


def _plausible(corners: np.ndarray, still_shape: tuple[int, ...]) -> bool:
    """A card a camera can show: convex, ID-1-like sides (perspective allowed: a near side up to twice the
    far one), not absurdly large."""
    if not np.isfinite(corners).all() or not cv2.isContourConvex(corners.reshape(-1, 1, 2).astype(np.float32)):
        return False
    top, bottom = np.linalg.norm(corners[1] - corners[0]), np.linalg.norm(corners[2] - corners[3])
    left, right = np.linalg.norm(corners[3] - corners[0]), np.linalg.norm(corners[2] - corners[1])
    ratio = (top + bottom) / max(left + right, 1e-6)
    h, w = still_shape[:2]
    return 1.0 < ratio < 2.4 and max(top, bottom) / max(min(top, bottom), 1e-6) < 2.0 \
        and max(left, right) / max(min(left, right), 1e-6) < 2.0 and top < 3 * w


def rectify_from_homography(still_bgr: np.ndarray, hom: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(canonical card image 1011×638 BGR, the card's corners in the still TL, TR, BR, BL) for a homography
    canonical card px → still px."""
    card = cv2.warpPerspective(still_bgr, hom, (_CARD_W, _CARD_H), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                               borderMode=cv2.BORDER_REPLICATE)
    corners = cv2.perspectiveTransform(_CARD_CORNERS[None], hom)[0]
    return card, corners.astype(np.float32)


def anchor_on_outline(still_gray: np.ndarray, corners: np.ndarray) -> np.ndarray | None:
    """Homography canonical card px → still px from the MRZ, searched in the still warped through an
    approximate outline (``corners`` TL, TR, BR, BL, still px; either way up), or None.

    The outline only has to bring the MRZ roughly level and to about its size: a side through a thumb or the
    MRZ's top, perspective the outline missed, all come out in the MRZ's own grid.
    """
    corners = np.asarray(corners, np.float32)
    px, py = _VIEW_PAD[0] * _CARD_W, _VIEW_PAD[1] * _CARD_H
    top = _VIEW_TOP * _CARD_H
    vw, vh = int((_CARD_W + 2 * px) * _VIEW_SCALE), int((_CARD_H - top + py) * _VIEW_SCALE)
    cap = PITCH_PX * _VIEW_SCALE
    best = None
    for turn in (0, 2):  # the card upright, or upside down in the outline
        outline = np.roll(corners, turn, axis=0)
        to_still = cv2.getPerspectiveTransform(_CARD_CORNERS, outline).astype(np.float64) @ np.array(
            [[1 / _VIEW_SCALE, 0, -px], [0, 1 / _VIEW_SCALE, top], [0, 0, 1]], np.float64)
        view = cv2.warpPerspective(still_gray, to_still, (vw, vh), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                                   borderMode=cv2.BORDER_REPLICATE)
        # The MRZ's middle line is at 0.87 of the card's height: below its upper half in any sane outline.
        got = _anchor(view, to_still, (0.5 * cap, 2.0 * cap), min_mid_y=(0.5 - _VIEW_TOP) * _CARD_H * _VIEW_SCALE)
        if got is not None and _plausible(cv2.perspectiveTransform(_CARD_CORNERS[None], got[0])[0],
                                          still_gray.shape) and (best is None or got[1] > best[1]):
            best = got
    return None if best is None else best[0]


def anchor_card(still_gray: np.ndarray, corners: np.ndarray, rounds: int = 2) -> np.ndarray | None:
    """Homography canonical card px → still px anchored on the MRZ, starting from an approximate outline
    (TL, TR, BR, BL still px, either way up), or None when no MRZ is found near it.

    Each round looks again through the outline the previous one gave: the first view may show the MRZ
    sheared or foreshortened, the second shows it nearly as printed, so its glyph grid fits better.
    """
    hom = None
    outline = np.asarray(corners, np.float32)
    for _ in range(rounds):
        again = anchor_on_outline(still_gray, outline)
        if again is None:
            break
        hom = again
        new = cv2.perspectiveTransform(_CARD_CORNERS[None], hom)[0]
        moved = float(np.abs(new - outline).max()) / max(float(np.linalg.norm(new[1] - new[0])), 1.0)
        outline = new
        if moved < 0.005:
            break
    return hom


def locate_and_rectify(still_bgr: np.ndarray, quads: Sequence[np.ndarray] = (),
                       max_tries: int = 6) -> tuple[np.ndarray, np.ndarray] | None:
    """The first card :func:`iter_located` gives, or None."""
    return next(iter_located(still_bgr, quads, max_tries), None)


def iter_located(still_bgr: np.ndarray, quads: Sequence[np.ndarray] = (),
                 max_tries: int = 6) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(canonical card image 1011×638 BGR, the card's corners in the still TL, TR, BR, BL) aligned on the MRZ
    found in turned copies of ``still_bgr``, one per text direction that shows an MRZ (computed as asked).

    ``quads``: card-like outlines (4×2, still px) whose long sides suggest the text direction. The MRZ found
    in a turned copy of the still is anchored once more in the view of the card it gives (perspective the
    turn could not undo). A card anchored on an MRZ seen upside down comes out turned about the MRZ: the
    reader finds no MRZ on it, and the caller asks for the next.
    """
    h, w = still_bgr.shape[:2]
    scale = min(1.0, WORK_WIDTH_PX / w)
    small = cv2.resize(still_bgr, (int(w * scale), int(h * scale)), interpolation=cv2.INTER_AREA) \
        if scale < 1.0 else still_bgr
    gray = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    still_gray = cv2.cvtColor(still_bgr, cv2.COLOR_BGR2GRAY)
    sh, sw = gray.shape
    for angle in _angles(quads)[:max_tries]:
        rot = cv2.getRotationMatrix2D((sw / 2.0, sh / 2.0), angle, 1.0)
        # Expand the canvas so no corner of the card is cut by the turn.
        cos, sin = abs(rot[0, 0]), abs(rot[0, 1])
        nw, nh = int(sh * sin + sw * cos), int(sh * cos + sw * sin)
        rot[0, 2] += nw / 2.0 - sw / 2.0
        rot[1, 2] += nh / 2.0 - sh / 2.0
        turned = cv2.warpAffine(gray, rot, (nw, nh), flags=cv2.INTER_LINEAR, borderValue=128)
        inv = cv2.invertAffineTransform(rot)
        to_still = np.diag([1 / scale, 1 / scale, 1.0]) @ np.vstack([inv, [0, 0, 1]])
        got = _anchor(turned, to_still, (8.0, 64.0))
        if got is None:
            continue
        hom = got[0]
        again = anchor_card(still_gray, cv2.perspectiveTransform(_CARD_CORNERS[None], hom)[0])
        if again is not None:
            hom = again
        card, corners = rectify_from_homography(still_bgr, hom)
        if _plausible(corners, still_bgr.shape):
            yield card, corners
