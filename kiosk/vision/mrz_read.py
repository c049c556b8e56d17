"""Read the 3×30 TD1 MRZ on a rectified card back with an OCR-B glyph classifier (no downloads, no tesseract).

How: find three long text lines in the card (black-hat + horizontal closing), fit each line's fixed pitch from
its glyph centres (OCR-B is monospaced and every one of the 30 cells is printed, ``<`` included), sample each
cell at a few sub-cell shifts and two placements (:func:`sample_mrz_cells`) and classify the samples with the
small learned classifier of :mod:`kiosk.vision.glyph_net` (probabilities averaged over shifts and
placements). The scores (3×30×37 probabilities) are what we vote over across stills; :func:`decode` turns
them into text, using position-aware alphabets only to *rank* symbols. Acceptance (every check digit, plus
confidence on the cells no check digit covers) is decided in :mod:`kiosk.vision.mrz_vote`.
:func:`correlation_scores` (normalised correlation against 37 rendered OCR-B templates) was the classifier
before; it stays for training-data checks and comparison. The classifier's weights ship as
``glyph_net.npz``; regenerate them with ``python -m models.mrz_glyph_net --seed 2718``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import cv2
import numpy as np

from kiosk.vision.glyph_net import log_probs
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

    ``scores``: (3, 30, 37) float32 probability per symbol from the learned classifier (sums to 1 per cell). ``is_upside_down``: the MRZ was
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
    for sigma_frac in (0.0, 0.05, 0.1, 0.16):
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
    # Hand shake smears along one direction; an 'M' smeared that way can look like a 'K' to the round
    # blurs above, so smeared templates compete too.
    length = int(round(0.18 * cap)) | 1
    for angle in (0, 45, 90, 135):
        kern = np.zeros((length, length), np.float32)
        c = length // 2
        dx, dy = np.cos(np.radians(angle)) * c, np.sin(np.radians(angle)) * c
        cv2.line(kern, (int(round(c - dx)), int(round(c - dy))), (int(round(c + dx)), int(round(c + dy))), 1.0, 1)
        kern /= kern.sum()
        out = [cv2.resize(cv2.GaussianBlur(cv2.filter2D(cell, -1, kern), (0, 0), 0.04 * cap),
                          (TEMPLATE_W, TEMPLATE_H), interpolation=cv2.INTER_AREA).ravel() for cell in cells]
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


@dataclass(frozen=True)
class _Chain:
    """A run of glyph-like components side by side: a candidate text line. ``comps``: (n, 4) x, y, w, h
    sorted by x."""

    comps: np.ndarray

    @property
    def cap(self) -> float:
        return float(np.median(self.comps[:, 3]))

    @property
    def n_cells(self) -> float:
        """Roughly how many glyph cells the chain spans (a merged run of fillers counts for its width)."""
        return float(np.sum(np.maximum(1.0, np.round(self.comps[:, 2] / (0.75 * self.cap)))))

    @property
    def mid_y(self) -> float:
        return float(np.median(self.comps[:, 1] + self.comps[:, 3] / 2.0))

    @property
    def x_range(self) -> tuple[float, float]:
        return float(self.comps[:, 0].min()), float((self.comps[:, 0] + self.comps[:, 2]).max())


def _glyph_chains(gray: np.ndarray, y_from: float = 0.0,
                  cap_range_px: tuple[float, float] | None = None) -> list[_Chain]:
    """Text lines as chains of glyph components, below ``y_from`` (a fraction of the height).

    Chaining neighbours (not closing with a horizontal kernel) keeps lines apart when the card image is
    slightly rotated, and the ink threshold is set on the searched rows only, so dark QR codes higher up do
    not raise it above the thin '<' fillers.
    """
    h, w = gray.shape
    top = int(h * y_from)
    region = gray[top:]
    k = max(3, int(round(w * 0.012)))
    blackhat = cv2.morphologyEx(region, cv2.MORPH_BLACKHAT, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    _, bw = cv2.threshold(blackhat, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    n, _, stats, _ = cv2.connectedComponentsWithStats(bw, connectivity=8)
    st = stats[1:, :4].astype(np.float64)
    ch = st[:, 3]
    # Glyph-sized, or a run of fillers merged by blur ('<<<<' can become one wide blob).
    lo, hi = cap_range_px if cap_range_px is not None else (0.018 * h, 0.11 * h)
    ok = (ch >= lo) & (ch <= hi) & (st[:, 2] <= 6.0 * ch) & (st[:, 2] >= 0.08 * ch)
    st = st[ok]
    if len(st) < 10:
        return []
    st[:, 1] += top
    st = st[np.argsort(st[:, 0] + st[:, 2] / 2)]
    cx = st[:, 0] + st[:, 2] / 2
    cy = st[:, 1] + st[:, 3] / 2
    hh = st[:, 3]
    nxt = -np.ones(len(st), int)
    has_prev = np.zeros(len(st), bool)
    right = st[:, 0] + st[:, 2]
    for i in range(len(st)):
        dx = cx[i + 1:] - cx[i]
        gap = st[i + 1:, 0] - right[i]
        hmax = np.maximum(hh[i + 1:], hh[i])
        cand = (dx > 0.3 * hmax) & (gap < 1.6 * hmax) & (np.abs(cy[i + 1:] - cy[i]) < 0.35 * hmax) \
            & (hh[i + 1:] < 1.7 * hh[i]) & (hh[i + 1:] > hh[i] / 1.7)
        js = np.nonzero(cand)[0]
        if len(js):
            j = i + 1 + int(js[np.argmin(dx[js])])
            if not has_prev[j]:
                nxt[i] = j
                has_prev[j] = True
    chains = []
    for i in range(len(st)):
        if has_prev[i]:
            continue
        members = [i]
        while nxt[members[-1]] >= 0:
            members.append(int(nxt[members[-1]]))
        if len(members) >= 3:
            chains.append(_Chain(st[members]))
    # A line can break where a neighbour link was refused (blur, glare): join collinear pieces.
    chains.sort(key=lambda c: c.x_range[0])
    merged: list[_Chain] = []
    for c in chains:
        for k, m in enumerate(merged):
            cap = max(c.cap, m.cap)
            if abs(c.mid_y - m.mid_y) < 0.45 * cap and max(c.cap, m.cap) < 1.4 * min(c.cap, m.cap) \
                    and -0.5 * cap < c.x_range[0] - m.x_range[1] < 3.5 * cap:
                merged[k] = _Chain(np.concatenate([m.comps, c.comps]))
                break
        else:
            merged.append(c)
    return sorted((c for c in merged if len(c.comps) >= 12), key=lambda c: c.mid_y)


def _pick_triple(chains: list[_Chain], height: int) -> list[_Chain] | None:
    """The three lines that look most like an MRZ: equal spacing, similar extents and glyph sizes."""
    best, best_cost = None, np.inf
    for i in range(len(chains) - 2):
        for j in range(i + 1, len(chains) - 1):
            for m in range(j + 1, len(chains)):
                trio = (chains[i], chains[j], chains[m])
                if min(c.n_cells for c in trio) < 20:
                    continue
                cy = [c.mid_y for c in trio]
                d1, d2 = cy[1] - cy[0], cy[2] - cy[1]
                hmean = float(np.mean([c.cap for c in trio]))
                if min(d1, d2) < 1.1 * hmean or max(d1, d2) > 3.0 * hmean:
                    continue
                spacing = abs(d1 - d2) / max(d1, d2)
                lefts = [c.x_range[0] for c in trio]
                rights = [c.x_range[1] for c in trio]
                span = max(r - left for left, r in zip(lefts, rights, strict=True))
                extent = (np.ptp(lefts) + np.ptp(rights)) / max(span, 1.0)
                cost = spacing + extent - 0.1 * cy[2] / height
                if cost < best_cost:
                    best, best_cost = list(trio), cost
    if best is None or best_cost > 0.6:
        return None
    return best


def find_mrz_lines(gray: np.ndarray, y_from: float = 0.0,
                   cap_range_px: tuple[float, float] | None = None) -> list[_Chain] | None:
    """The MRZ's three text lines in a rectified card image (below ``y_from``), or None. ``cap_range_px``:
    glyph heights to consider (default: 1.8-11 % of the image height, right for a rectified card)."""
    return _pick_triple(_glyph_chains(gray, y_from, cap_range_px), gray.shape[0])


def glyph_pitch(centres_x: np.ndarray, cap: float) -> float | None:
    """The line's pitch in px from its glyph centres (sorted by x), or None with fewer than 8 neighbour pairs.

    Every MRZ cell is printed, so neighbouring glyphs are one pitch apart, and OCR-B's pitch is about its cap
    height: gaps far from ``cap`` are a missed glyph or a stray blob and are left out.
    """
    gaps = np.diff(centres_x)
    near = gaps[(gaps > 0.6 * cap) & (gaps < 1.5 * cap)]
    return float(np.median(near)) if len(near) >= 8 else None


def _fit_line(chain: _Chain, gray: np.ndarray) -> tuple[np.ndarray, np.ndarray, float, float] | None:
    """Cell centres (30 x), baselines (30 y), pitch and glyph height for one line; None when the line is not
    30 evenly spaced cells."""
    cap = chain.cap
    st = chain.comps[chain.comps[:, 2] <= 1.1 * cap]  # merged filler runs have no single centre
    cx = st[:, 0] + st[:, 2] / 2.0
    p0 = glyph_pitch(cx, cap)
    if p0 is None:
        return None
    # Origin phase by circular mean, then the 30 consecutive cells holding the most glyphs.
    ang = 2 * np.pi * cx / p0
    phase = float(np.angle(np.exp(1j * ang).mean())) / (2 * np.pi) * p0
    kk = np.round((cx - phase) / p0).astype(int)
    k_lo = int(kk.min())
    counts = np.bincount(kk - k_lo)
    if len(counts) >= N_COLS:
        start = int(np.argmax(np.convolve(counts, np.ones(N_COLS, int), mode="valid"))) + k_lo
    else:
        start = k_lo
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
    heights_u = st[:, 3]
    x0 = y0 = 0
    st_u = st
    # The baseline, with the small tilt left after rectification: a robust line through the bottoms of the
    # full-height glyphs ('<' floats above the baseline, so it is left out by the height test).
    bottoms = (st_u[:, 1] + st_u[:, 3]).astype(np.float64)
    full = heights_u >= 0.8 * cap
    if full.sum() < 6:
        return None
    bx, by = cx[full], bottoms[full]
    slope, intercept = np.polyfit(bx, by, 1)  # then drop outliers ('<' slipped in, a touching mark)
    for _ in range(3):
        resid = by - (intercept + slope * bx)
        ok = np.abs(resid) < max(1.5, 0.08 * cap)
        if ok.sum() < 6:
            break
        slope, intercept = np.polyfit(bx[ok], by[ok], 1)
    origin += pitch * _best_window_shift(gray, origin, pitch, slope, intercept, cap)
    xs = origin + pitch * np.arange(N_COLS)
    # Centre each cell on its own glyph's ink when one was found there: print jitter and glyph side
    # bearings move the ink a few px off the ideal grid, and the templates are ink-centred too.
    kk = np.round((cx - origin) / pitch).astype(int)
    resid = cx - (origin + pitch * kk)
    own = (np.abs(resid) < 0.3 * pitch) & (kk >= 0) & (kk < N_COLS)
    xs[kk[own]] = cx[own]
    baseline = intercept + slope * xs
    return xs + x0, baseline + y0, float(pitch), cap


def align_left_margins(fits: list[tuple[np.ndarray, np.ndarray, float, float]]
                       ) -> list[tuple[np.ndarray, np.ndarray, float, float]]:
    """The three lines share the left margin: a line whose window starts a whole cell (or more) away from
    the other two is shifted to agree with them."""
    lefts = np.array([f[0][0] for f in fits])
    ref = float(np.median(lefts))
    return [_shift_fit(f, int(round((ref - f[0][0]) / f[2]))) if abs(f[0][0] - ref) > 0.5 * f[2] else f
            for f in fits]


def _shift_fit(fit: tuple[np.ndarray, np.ndarray, float, float], cells: int
               ) -> tuple[np.ndarray, np.ndarray, float, float]:
    """The same line fit with its 30-cell window moved by ``cells`` (grid positions, no glyph snapping)."""
    xs, ys, pitch, cap = fit
    slope = float(np.polyfit(xs, ys, 1)[0]) if np.ptp(xs) > 0 else 0.0
    new_xs = xs[0] + pitch * (np.arange(N_COLS) + cells)
    new_ys = ys[0] + slope * (new_xs - xs[0])
    return new_xs, new_ys, pitch, cap


def _best_window_shift(gray: np.ndarray, origin: float, pitch: float, slope: float, intercept: float,
                       cap: float) -> int:
    """Cells to shift the 30-cell window so it covers the line's ink and nothing beyond it.

    Every MRZ cell is printed (fillers included) and the line has a clear margin on both sides, so the right
    window holds the most ink with empty cells just outside it. This catches glyphs the chain missed at
    either end (a blurred '<' or a letter under glare).
    """
    ks = np.arange(-6, N_COLS + 6)
    xs = origin + pitch * ks
    ys = intercept + slope * xs - 0.5 * cap
    h, w = gray.shape
    ink = np.zeros(len(ks))
    for i, (x, y) in enumerate(zip(xs, ys, strict=True)):
        x0, x1 = int(round(x - 0.4 * pitch)), int(round(x + 0.4 * pitch))
        y0, y1 = int(round(y - 0.45 * cap)), int(round(y + 0.45 * cap))
        if x0 < 0 or y0 < 0 or x1 > w or y1 > h:
            continue
        cell = gray[y0:y1, x0:x1]
        ink[i] = float(cell.mean()) - float(cell.min())  # contrast inside the cell
    best, best_score = 0, -np.inf
    for shift in range(-5, 6):
        inside = ink[6 + shift:6 + shift + N_COLS]
        outside = ink[5 + shift] + ink[6 + shift + N_COLS]
        score = float(np.minimum(inside, np.median(inside)).sum()) - 3.0 * outside - 0.5 * abs(shift)
        if score > best_score:
            best, best_score = shift, score
    return best


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
    shifts = [(dx, dy) for dx in (-0.08, 0.0, 0.08) for dy in (-0.09, 0.0, 0.09)]
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


@dataclass(frozen=True)
class CellSamples:
    """Every MRZ cell of one card image sampled for classification (the classifier's input).

    ``samples``: (placements=2, 90, shifts, D) float32 zero-mean unit-norm cell windows, row-major over the
    3×30 cells; placement 0 centres each cell on its own glyph's ink, placement 1 on the line's regular grid.
    """

    samples: np.ndarray
    is_upside_down: bool
    line_boxes: tuple[tuple[int, int, int, int], ...]
    pitch_px: float


def sample_mrz_cells(gray_card: np.ndarray) -> CellSamples | None:
    """Locate the MRZ of a rectified card (grayscale uint8, card fills the image) and sample its 90 cells.

    Returns None when no 3×30 MRZ is found. Training data for :mod:`kiosk.vision.glyph_net` is sampled
    through this same function, so the classifier sees exactly what it sees at run time.
    """
    if gray_card.ndim != 2 or gray_card.size == 0:
        return None
    for is_upside_down in (False, True):
        g = gray_card[::-1, ::-1] if is_upside_down else gray_card
        triple = find_mrz_lines(g, y_from=0.45)  # the MRZ is the bottom third of an upright back
        if triple is None:
            continue
        fits = [_fit_line(c, g) for c in triple]
        if any(f is None for f in fits):
            continue
        pitches = [f[2] for f in fits]
        if np.ptp(pitches) > 0.08 * np.mean(pitches):
            continue
        fits = align_left_margins(fits)  # type: ignore[arg-type]
        g_contig = np.ascontiguousarray(g)
        # Two placements of every cell: on its own glyph's ink, and on the line's regular grid. A symbol
        # scores what it scores in the worse of the two, so a window that snapped onto the wrong blob (a
        # wide 'M' touching a '<') cannot make a confident wrong letter on its own.
        k = np.arange(N_COLS)
        grid = [(np.polyval(np.polyfit(k, f[0], 1), k), np.polyval(np.polyfit(k, f[1], 1), k), f[2]) for f in fits]
        samples = np.stack([np.concatenate([_sample_cells(g_contig, f[0], f[1], f[2]) for f in placement])
                            for placement in (fits, grid)]).astype(np.float32)
        boxes = tuple((int(c.x_range[0]), int(c.comps[:, 1].min()), int(c.x_range[1] - c.x_range[0]),
                       int((c.comps[:, 1] + c.comps[:, 3]).max() - c.comps[:, 1].min())) for c in triple)
        return CellSamples(samples, is_upside_down, boxes, float(np.mean(pitches)))
    return None


def correlation_scores(samples: np.ndarray) -> np.ndarray:
    """(3, 30, 37) template correlation per symbol from (placements, 90, shifts, D) samples: best over
    shifts and template variants, worst over placements."""
    t = _templates()
    scores = None
    for placement in samples:
        corr = placement.reshape(-1, placement.shape[2]) @ t  # (90*S, 37*V)
        corr = corr.reshape(N_LINES * N_COLS, -1, len(ALPHABET), _n_variants())
        one = corr.max(axis=(1, 3)).reshape(N_LINES, N_COLS, len(ALPHABET)).astype(np.float32)
        scores = one if scores is None else np.minimum(scores, one)
    assert scores is not None
    return scores


def classifier_scores(samples: np.ndarray) -> np.ndarray:
    """(3, 30, 37) symbol probabilities from (placements, 90, shifts, D) samples by the learned classifier
    (:mod:`kiosk.vision.glyph_net`), averaged over the sub-cell shifts and both placements.

    Averaging (not the worst placement, as for correlation) is what the dev scenes favoured: a window that
    snapped onto the wrong blob gives a split vote, so the cell's margin drops and its read is refused
    rather than won by either placement alone.
    """
    p_, n, s_, d = samples.shape
    prob = np.exp(log_probs(samples.reshape(-1, d))).reshape(p_, n, s_, len(ALPHABET)).mean(axis=(0, 2))
    return prob.reshape(N_LINES, N_COLS, len(ALPHABET)).astype(np.float32)


def classify_cells(gray_card: np.ndarray) -> MrzCells | None:
    """Locate and classify the MRZ of a rectified card (grayscale uint8, card fills the image, any size).

    Returns None when no 3×30 MRZ is found (the front, a passport's 2×44 MRZ, a blank sheet, blur).
    """
    got = sample_mrz_cells(gray_card)
    if got is None:
        return None
    return MrzCells(scores=classifier_scores(got.samples), is_upside_down=got.is_upside_down,
                    line_boxes=got.line_boxes, pitch_px=got.pitch_px)


def looks_like_td3(gray_card: np.ndarray) -> bool:
    """True when the image shows a passport-style MRZ: two long OCR lines of ~44 cells (ICAO TD3), not
    INE's three lines of 30."""
    for g in (gray_card, gray_card[::-1, ::-1]):
        chains = [c for c in _glyph_chains(np.ascontiguousarray(g), 0.4) if c.n_cells >= 38]
        if len(chains) >= 2:
            return True
    return False


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
