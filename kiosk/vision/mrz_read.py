"""Read the 3×30 TD1 MRZ on a rectified card back with an OCR-B glyph classifier (no downloads, no tesseract).

How: find three long text lines in the card (black-hat + horizontal closing), fit each line's fixed pitch from
its glyph centres (OCR-B is monospaced and every one of the 30 cells is printed, ``<`` included), sample each
cell at a few sub-cell shifts and score it against the 37 rendered OCR-B cells by normalised correlation. The
scores (3×30×37) are what we vote over across stills; :func:`decode` turns them into text, using position-aware
alphabets only to *rank* symbols. Acceptance (every check digit, plus confidence on the cells no check digit
covers) is decided in :mod:`kiosk.vision.mrz_vote`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import cv2
import numpy as np

from kiosk.vision.glyphs import ALPHABET, WINDOW_MARGIN, load_cells

TEMPLATE_H, TEMPLATE_W = 24, 18
N_LINES, N_COLS = 3, 30
_DIGITS = "0123456789"
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _alphabet_mask(chars: str) -> np.ndarray:
    return np.array([c in chars for c in ALPHABET])


def _position_alphabets() -> np.ndarray:
    """(3, 30, 37) bool: the symbols ICAO 9303 / INE's TD1 allow at each position (for ranking only)."""
    digit, letter, name = _alphabet_mask(_DIGITS), _alphabet_mask(_LETTERS), _alphabet_mask(_LETTERS + "<")
    every = np.ones(len(ALPHABET), bool)
    digit_or_filler = _alphabet_mask(_DIGITS + "<")
    rows = np.zeros((N_LINES, N_COLS, len(ALPHABET)), bool)
    rows[0, 0:5] = letter
    rows[0, 5:15] = digit
    rows[0, 15:17] = every
    rows[0, 17:30] = digit
    rows[1, 0:7] = digit
    rows[1, 7] = name  # sex H/M, or '<' when unspecified
    rows[1, 8:15] = digit
    rows[1, 15:18] = letter
    rows[1, 18:29] = digit_or_filler
    rows[1, 29] = digit
    rows[2, :] = name
    return rows


POSITION_ALPHABETS = _position_alphabets()

# Cells no check digit protects: document code + state, the filler after the CIC check digit, sex,
# nationality, and the whole name line. Acceptance asks for a clear margin on these.
UNCHECKED_CELLS = np.zeros((N_LINES, N_COLS), bool)
UNCHECKED_CELLS[0, 0:5] = True
UNCHECKED_CELLS[0, 15:17] = True
UNCHECKED_CELLS[1, 7] = True
UNCHECKED_CELLS[1, 15:18] = True
UNCHECKED_CELLS[2, :] = True


@dataclass(frozen=True)
class MrzCells:
    """Per-cell classification of one MRZ image.

    ``scores``: (3, 30, 37) float32 best normalised correlation per symbol. ``is_upside_down``: the MRZ was
    found in the top half, i.e. the card image was rotated 180°. ``line_boxes``: (x, y, w, h) in card px.
    """

    scores: np.ndarray
    is_upside_down: bool
    line_boxes: tuple[tuple[int, int, int, int], ...]
    pitch_px: float


def _ink_centred(cell: np.ndarray) -> np.ndarray:
    """The cell shifted horizontally so its ink's bounding box is centred (as image cells are sampled)."""
    cols = np.nonzero(cell.max(axis=0) > 0.3)[0]
    if len(cols) == 0:
        return cell
    shift = cell.shape[1] / 2.0 - (cols[0] + cols[-1] + 1) / 2.0
    m = np.float32([[1, 0, shift], [0, 1, 0]])
    return cv2.warpAffine(cell, m, (cell.shape[1], cell.shape[0]), flags=cv2.INTER_LINEAR)


@functools.lru_cache(maxsize=1)
def _templates() -> np.ndarray:
    """(D, 37 × variants) unit-norm, zero-mean template matrix; variants cover blur and stroke weight."""
    cells = np.stack([_ink_centred(c) for c in load_cells()])
    cap = cells.shape[1] / (1 + 2 * WINDOW_MARGIN)
    variants = []
    for sigma_frac in (0.0, 0.05, 0.1):
        for morph in (-1, 0, 1):
            out = []
            for cell in cells:
                img = cell
                if morph:
                    k = np.ones((int(cap * 0.05) | 1,) * 2, np.uint8)
                    img = (cv2.dilate if morph > 0 else cv2.erode)(img, k)
                if sigma_frac:
                    img = cv2.GaussianBlur(img, (0, 0), sigma_frac * cap)
                out.append(cv2.resize(img, (TEMPLATE_W, TEMPLATE_H), interpolation=cv2.INTER_AREA).ravel())
            variants.append(np.stack(out))
    t = np.stack(variants, axis=1).reshape(-1, TEMPLATE_H * TEMPLATE_W)  # (37*V, D), symbol-major
    t = t - t.mean(axis=1, keepdims=True)
    t /= np.linalg.norm(t, axis=1, keepdims=True) + 1e-6
    return t.T.astype(np.float32)


@functools.lru_cache(maxsize=1)
def _cell_geometry() -> tuple[int, int, float]:
    """(cell height, cell width, cap height / cell height) of the shipped glyph cells."""
    cells = load_cells()
    return cells.shape[1], cells.shape[2], 1.0 / (1 + 2 * WINDOW_MARGIN)


def _n_variants() -> int:
    return _templates().shape[1] // len(ALPHABET)


def _find_lines(gray: np.ndarray, y_from: float = 0.0) -> list[tuple[int, int, int, int]]:
    """Boxes (x, y, w, h) of long text lines in a rectified card (any height), top to bottom.

    Only rows below ``y_from`` (a fraction of the height) are searched, and the ink threshold is set there,
    so the dark QR codes higher up do not raise it above the thin '<' fillers of the MRZ.
    """
    h, w = gray.shape
    top = int(h * y_from)
    region = gray[top:]
    k = max(3, int(round(w * 0.012)))
    blackhat = cv2.morphologyEx(region, cv2.MORPH_BLACKHAT, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    _, bw = cv2.threshold(blackhat, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    join = max(5, int(round(w * 0.045)))
    bw = cv2.morphologyEx(bw, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (join, 1)))
    bw = cv2.morphologyEx(bw, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (max(5, join // 2), 3)))
    n, _, stats, _ = cv2.connectedComponentsWithStats(bw, connectivity=8)
    boxes = []
    for x, y, bw_, bh, area in stats[1:]:
        if bw_ >= 0.55 * w and 0.015 * h <= bh <= 0.09 * h and area >= 0.35 * bw_ * bh:
            boxes.append((int(x), int(y) + top, int(bw_), int(bh)))
    return sorted(boxes, key=lambda b: b[1])


def _pick_triple(boxes: list[tuple[int, int, int, int]], height: int) -> list[tuple[int, int, int, int]] | None:
    """The three lines that look most like an MRZ: equal spacing, similar extents; prefers the lowest."""
    best, best_cost = None, np.inf
    for i in range(len(boxes) - 2):
        for j in range(i + 1, len(boxes) - 1):
            for m in range(j + 1, len(boxes)):
                a, b, c = boxes[i], boxes[j], boxes[m]
                cy = [bx[1] + bx[3] / 2 for bx in (a, b, c)]
                d1, d2 = cy[1] - cy[0], cy[2] - cy[1]
                hmean = np.mean([a[3], b[3], c[3]])
                if min(d1, d2) < 1.1 * hmean or max(d1, d2) > 3.5 * hmean:
                    continue
                spacing = abs(d1 - d2) / max(d1, d2)
                extent = (np.ptp([a[0], b[0], c[0]]) + np.ptp([a[0] + a[2], b[0] + b[2], c[0] + c[2]])) / max(
                    a[2], b[2], c[2])
                cost = spacing + extent - 0.1 * cy[2] / height
                if cost < best_cost:
                    best, best_cost = [a, b, c], cost
    if best is None or best_cost > 0.6:
        return None
    return best


def _fit_line(gray: np.ndarray, box: tuple[int, int, int, int]) -> tuple[np.ndarray, np.ndarray, float, float] | None:
    """Cell centres (30 x), baselines (30 y), pitch and glyph height for one line; None when the line is not
    30 cells. The whole card width is searched (a line box may have missed faint fillers at either end)."""
    x, y, w, h = box
    pad_y = h
    y0, y1 = max(0, y - pad_y), min(gray.shape[0], y + h + pad_y)
    x0, x1 = 0, gray.shape[1]
    crop = gray[y0:y1, x0:x1]
    k = max(3, int(round(h * 1.2)) | 1)
    blackhat = cv2.morphologyEx(crop, cv2.MORPH_BLACKHAT, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    _, bw = cv2.threshold(blackhat, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    n, _, stats, _ = cv2.connectedComponentsWithStats(bw, connectivity=8)
    if n < 10:
        return None
    st = stats[1:]
    heights = st[:, 3]
    # The glyphs of this line are the components overlapping the line box's band with a glyph-like height.
    band_mid = (y - y0) + h / 2
    in_band = (st[:, 1] <= band_mid) & (st[:, 1] + st[:, 3] >= band_mid)
    tall = in_band & (heights >= 0.45 * h) & (heights <= 1.6 * h)
    if tall.sum() < 10:
        return None
    cap = float(np.median(heights[tall]))
    widths = st[:, 2]
    usable = tall & (widths <= 1.1 * cap) & (widths >= 0.12 * cap)
    if usable.sum() < 10:
        return None
    cx = np.sort(st[usable, 0] + st[usable, 2] / 2.0)
    # Pitch: neighbouring glyphs are one pitch apart (every cell is printed); OCR-B's pitch ≈ its cap height.
    gaps = np.diff(cx)
    near = gaps[(gaps > 0.6 * cap) & (gaps < 1.5 * cap)]
    if len(near) < 8:
        return None
    p0 = float(np.median(near))
    # Origin phase by circular mean, then the 30 consecutive cells holding the most glyphs.
    ang = 2 * np.pi * cx / p0
    phase = float(np.angle(np.exp(1j * ang).mean())) / (2 * np.pi) * p0
    kk = np.round((cx - phase) / p0).astype(int)
    k_lo = int(kk.min())
    counts = np.bincount(kk - k_lo)
    window = np.convolve(counts, np.ones(N_COLS, int), mode="valid") if len(counts) >= N_COLS else counts.sum(
        keepdims=True)
    start = int(np.argmax(window)) + k_lo
    origin, pitch = phase + start * p0, p0
    keep = np.ones(len(cx), bool)
    for _ in range(3):
        kk = np.round((cx - origin) / pitch)
        resid = cx - (origin + pitch * kk)
        keep = (np.abs(resid) < 0.3 * pitch) & (kk >= 0) & (kk < N_COLS)
        if keep.sum() < 8:
            return None
        A = np.stack([np.ones(keep.sum()), kk[keep]], axis=1)
        origin, pitch = np.linalg.lstsq(A, cx[keep], rcond=None)[0]
    if abs(pitch - p0) > 0.1 * p0 or keep.sum() < 0.6 * N_COLS:
        return None
    # Geometry of the glyph components again, in x order, for the baseline below.
    order = np.argsort(st[usable, 0] + st[usable, 2] / 2.0)
    st_u = st[usable][order]
    heights_u = st_u[:, 3]
    cx = st_u[:, 0] + st_u[:, 2] / 2.0
    # The baseline, with the small tilt left after rectification: a robust line through the bottoms of the
    # full-height glyphs ('<' floats above the baseline, so it is left out by the height test).
    bottoms = (st_u[:, 1] + st_u[:, 3]).astype(np.float64)
    full = heights_u >= 0.8 * cap
    if full.sum() < 6:
        return None
    bx, by = cx[full], bottoms[full]
    slope, intercept = 0.0, float(np.median(by))
    for _ in range(2):
        resid = by - (intercept + slope * bx)
        ok = np.abs(resid) < max(1.5, 0.08 * cap)
        if ok.sum() < 6:
            break
        slope, intercept = np.polyfit(bx[ok], by[ok], 1)
    xs = origin + pitch * np.arange(N_COLS)
    # Centre each cell on its own glyph's ink when one was found there: print jitter and glyph side
    # bearings move the ink a few px off the ideal grid, and the templates are ink-centred too.
    kk = np.round((cx - origin) / pitch).astype(int)
    resid = cx - (origin + pitch * kk)
    own = (np.abs(resid) < 0.3 * pitch) & (kk >= 0) & (kk < N_COLS)
    xs[kk[own]] = cx[own]
    baseline = intercept + slope * xs
    return xs + x0, baseline + y0, float(pitch), cap


def _sample_cells(gray: np.ndarray, xs: np.ndarray, baselines: np.ndarray, pitch: float) -> np.ndarray:
    """(n_cells, shifts, D) zero-mean unit-norm ink samples of every cell at a few sub-cell shifts.

    The window is the template's cell box scaled by the measured pitch (OCR-B's cap height is a fixed
    fraction of its advance), placed on the fitted baseline, so image cells and templates line up.
    """
    cell_h, cell_w, cap_frac = _cell_geometry()
    win_w = pitch
    win_h = pitch * cell_h / cell_w
    cap = cap_frac * win_h
    ys = baselines - cap * (1 + WINDOW_MARGIN) + win_h / 2  # window centres
    gx = (np.arange(TEMPLATE_W) + 0.5) / TEMPLATE_W - 0.5
    gy = (np.arange(TEMPLATE_H) + 0.5) / TEMPLATE_H - 0.5
    shifts = [(dx, dy) for dx in (-0.07, 0.0, 0.07) for dy in (-0.06, 0.0, 0.06)]
    n = len(xs)
    mapx = np.empty((n, len(shifts), TEMPLATE_H, TEMPLATE_W), np.float32)
    mapy = np.empty_like(mapx)
    for s, (dx, dy) in enumerate(shifts):
        mapx[:, s] = (xs[:, None, None] + (gx[None, None, :] + dx) * win_w)
        mapy[:, s] = (ys[:, None, None] + (gy[None, :, None] + dy) * win_h)
    # Anti-alias before point sampling: the templates were area-averaged from a large rendering.
    sigma = max(0.0, 0.4 * win_w / TEMPLATE_W)
    src = cv2.GaussianBlur(gray, (0, 0), sigma) if sigma > 0.5 else gray
    ink = 255.0 - cv2.remap(src.astype(np.float32), mapx.reshape(-1, TEMPLATE_W), mapy.reshape(-1, TEMPLATE_W),
                            cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    v = ink.reshape(n, len(shifts), -1)
    v = v - v.mean(axis=2, keepdims=True)
    v /= np.linalg.norm(v, axis=2, keepdims=True) + 1e-6
    return v


def classify_cells(gray_card: np.ndarray) -> MrzCells | None:
    """Locate and classify the MRZ of a rectified card (grayscale uint8, card fills the image, any size).

    Returns None when no 3×30 MRZ is found (the front, a passport's 2×44 MRZ, a blank sheet, blur).
    """
    if gray_card.ndim != 2 or gray_card.size == 0:
        return None
    for is_upside_down in (False, True):
        g = gray_card[::-1, ::-1] if is_upside_down else gray_card
        boxes = _find_lines(g, y_from=0.45)  # the MRZ is the bottom third of an upright back
        triple = _pick_triple(boxes, g.shape[0])
        if triple is None:
            continue
        fits = [_fit_line(g, b) for b in triple]
        if any(f is None for f in fits):
            continue
        pitches = [f[2] for f in fits]
        if np.ptp(pitches) > 0.08 * np.mean(pitches):
            continue
        g_contig = np.ascontiguousarray(g)
        samples = np.concatenate([_sample_cells(g_contig, f[0], f[1], f[2]) for f in fits])  # (90, S, D)
        t = _templates()
        corr = samples.reshape(-1, samples.shape[2]) @ t  # (90*S, 37*V)
        corr = corr.reshape(N_LINES * N_COLS, -1, len(ALPHABET), _n_variants())
        scores = corr.max(axis=(1, 3)).reshape(N_LINES, N_COLS, len(ALPHABET)).astype(np.float32)
        return MrzCells(scores=scores, is_upside_down=is_upside_down, line_boxes=tuple(triple),
                        pitch_px=float(np.mean(pitches)))
    return None


def decode(scores: np.ndarray) -> tuple[tuple[str, str, str], np.ndarray, np.ndarray]:
    """Text of the best symbol per cell among those allowed there; (lines, chosen score, margin).

    ``margin`` is the chosen score minus the runner-up's among the symbols allowed there (in a name, 'O' vs
    'Q' matters, 'O' vs '0' cannot happen). The position alphabets only rank: a wrong digit still fails its
    check digit, and nothing is changed after reading to make a check pass.
    """
    masked = np.where(POSITION_ALPHABETS, scores, -np.inf)
    idx = masked.argmax(axis=2)
    chosen = np.take_along_axis(scores, idx[..., None], axis=2)[..., 0]
    others = masked.copy()
    np.put_along_axis(others, idx[..., None], -np.inf, axis=2)
    margin = chosen - others.max(axis=2)
    lines = tuple("".join(ALPHABET[i] for i in row) for row in idx)
    return lines, chosen, margin  # type: ignore[return-value]
