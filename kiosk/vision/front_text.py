"""Does the front of the card say what the back's MRZ says? A verification of printed text, not open OCR.

Fraud cue "front and back from different cards": given the rectified, upright front (``FrontResult.rectified``,
1011×638 px) and the accepted MRZ parse of the back, :func:`compare_front_to_mrz` checks the printed FECHA DE
NACIMIENTO, NOMBRE (surnames and given names) and SEXO against the MRZ and returns 'match', 'mismatch' or
'unreadable'. Only a clear contradiction is a 'mismatch'; a zone that cannot be read (blur, glare, a thumb,
another layout) is 'unreadable' and must never raise a fraud flag.

How:

* Ink is what is dark in every colour channel (max over B, G, R), after a black-hat that removes the background
  gradient; the coloured SPECIMEN overlay and guilloché lines stay faint. Text lines are chains of glyph-sized
  connected components of similar height; each line's cap band is then measured at half the height of its row
  profile (component boxes grow with blur and would shrink every string drawn at their height).
* The birth date is looked for on the whole card (a rough outline can shift the rectified card by 10-25 %):
  the line that reads best as *some* DD/MM/YYYY (digits are tabular in the atlas font, so every date shares one
  layout) with both '/' seen. Its position and size then place the name and SEXO zones (E/F print the date top
  right, G/H low in the middle, FACTS §1.2); without a date the nominal zones are used.
* Strings are drawn from a glyph atlas of a plain sans condensed bold (DejaVu Sans Condensed Bold, shipped as
  ``front_glyphs.npz`` with its kerned pair advances; no font or pygame at run time) at the line's cap height,
  aligned to the line (shift and ±8 % width) and scored by normalised correlation over the union of the two ink
  extents, so a string of the wrong length scores low too.
* Decisions are **relative**, never an absolute correlation threshold tuned to one font:
  - birth date: each of the 8 digit cells is scored against the 10 digits, at the placement where the best
    reading of every cell scores highest (the fit never looks at the MRZ). Mismatch when at least
    :data:`DATE_MIN_CONTRADICTIONS` cells read (best ≥ 0.6) another digit than the MRZ's by at least
    :data:`DATE_CELL_MARGIN`; match when the MRZ's digit wins or ties in ≥ 7 read cells and none contradicts;
    else unreadable;
  - names: each MRZ name part (given names, prefix-only when the MRZ cut them at 30 characters; the first and
    last surname words, since the MRZ cannot tell where a compound paternal surname ends) on the line where it
    fits best, against :data:`N_NAME_DECOYS` decoy names of similar length on that same line (the synthetic
    name lists, minus any word of the MRZ's names). Match when every part beats every decoy; mismatch when
    every part is beaten by :data:`NAME_MISMATCH_BEATEN` of its decoys;
  - sex: H against M on the single glyph by SEXO, reported only (half of all swapped pairs share it).
  Overall: mismatch only when the date contradicts and the names do not match (names alone never flag: on
  fronts blurred past reading wrong names out-score the right ones too often); match when the date or the names
  match and neither contradicts; else (nothing readable, or date and names disagree) unreadable.

Validated on synthetic SPECIMEN fronts only (kiosk.synth, DejaVu type, dev seeds; see bench/bench_front_text.py).
Real INE fronts use another typeface and a busier background: the relative decisions are meant to carry over
(the correct string must beat the alternatives drawn in the same font), but the atlas font is not INE's, so
expect more 'unreadable' on real cards, and re-validate on real fronts before making the cue blocking.

``python -m models.front_atlas [FONT.ttf]`` (:mod:`models.front_atlas`, build time) regenerates
``front_glyphs.npz`` (needs pygame and fonts-dejavu-core; deterministic: the same font file gives the same atlas).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from kiosk.credential.mrz import MrzParse
from kiosk.errors import ModelError

ATLAS_PATH = Path(__file__).with_name("front_glyphs.npz")
ATLAS_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/.- "

# Working cap height: every line and template is resampled so capitals are this tall.
_CAP_PX = 16
_TOP, _BOTTOM = 0.22, 0.22  # band kept above the cap height and below the baseline, in cap heights

# Zones (x0, y0, x1, y1, fractions of the rectified card) around the layout positions of models E-H, padded
# for rectification error (a rough outline shifts a rectified card by up to ~4 % of its width).
NAME_ZONE = (0.27, 0.19, 0.83, 0.43)
SEX_ZONE = (0.78, 0.19, 0.93, 0.32)
_CAP_RANGE = (0.018, 0.05)  # glyph heights of value text, fractions of the card height

DATE_CELL_MARGIN = 0.08  # a digit cell "reads clearly" as d when d beats the runner-up by this NCC margin
DATE_MIN_CONTRADICTIONS = 3  # cells that clearly read another digit than the MRZ's before the date mismatches
N_NAME_DECOYS = 30  # decoy names per name part
NAME_MISMATCH_BEATEN = 0.3  # names contradict when every part is beaten by this share of decoys


@dataclass(frozen=True)
class FieldCheck:
    """One printed field. ``verdict``: 'match' | 'mismatch' | 'unreadable'; ``score``: the MRZ string's
    correlation (0..1); ``details``: the evidence (per-cell reads, decoy ranks...)."""

    verdict: str
    score: float
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FrontTextCheck:
    """Front text against the MRZ. ``verdict``: 'match' | 'mismatch' | 'unreadable' (only 'mismatch' is a
    fraud cue); ``fields``: 'birth_date', 'names', 'sex'; ``timing_ms``: wall time of the check;
    ``is_upside_down``: the front read better rotated by 180° and was checked that way."""

    verdict: str
    fields: dict[str, FieldCheck]
    timing_ms: float = 0.0
    is_upside_down: bool = False  # the front was read rotated by 180°

    @property
    def is_mismatch(self) -> bool:
        return self.verdict == "mismatch"

    def to_dict(self) -> dict[str, Any]:
        """JSON-able summary for PairCheck.details and logs (no personal data: scores and verdicts only)."""
        return {"verdict": self.verdict, "timing_ms": round(self.timing_ms, 1),
                "is_upside_down": self.is_upside_down,
                **{k: {"verdict": f.verdict, "score": round(f.score, 3)} for k, f in self.fields.items()}}


# ----------------------------------------------------------------------------------------------- glyph atlas

@dataclass(frozen=True)
class _Atlas:
    glyphs: np.ndarray
    bearing: np.ndarray
    advance: np.ndarray
    index: dict[str, int]
    ascent: int
    cap: float


@functools.lru_cache(maxsize=1)
def _atlas() -> _Atlas:
    try:
        data = np.load(ATLAS_PATH)
        chars = "".join(data["chars"].tolist())
        atlas = _Atlas(data["glyphs"].astype(np.float32) / 255.0, data["bearing"].astype(int),
                       data["advance"].astype(np.float32), {c: i for i, c in enumerate(chars)},
                       int(data["ascent"]), float(data["cap_px"]))
    except (OSError, KeyError, ValueError) as exc:
        raise ModelError(f"front glyph atlas unreadable at {ATLAS_PATH}: {exc}") from exc
    if chars != ATLAS_CHARS:
        raise ModelError(f"front glyph atlas at {ATLAS_PATH} does not match ATLAS_CHARS")
    return atlas


def _clean(text: str) -> str:
    a = _atlas()
    return "".join(c if c in a.index else " " for c in text.upper()).strip()


@functools.lru_cache(maxsize=4096)
def _compose(text: str) -> tuple[np.ndarray, tuple[float, ...]]:
    """``text`` at atlas size, cropped to the working band (cap + margins) and resampled to :data:`_CAP_PX`;
    also each character's origin x in the result (px). Unknown characters are drawn as spaces."""
    a = _atlas()
    idx = [a.index.get(c, a.index[" "]) for c in text]
    xs = [0.0]
    for i, j in zip(idx, idx[1:], strict=False):
        xs.append(xs[-1] + float(a.advance[i, j]))
    gh, gw = a.glyphs.shape[1:]
    width = int(np.ceil(xs[-1] + gw + 4))
    top = int(round(a.ascent - a.cap * (1 + _TOP)))
    bottom = int(round(a.ascent + a.cap * _BOTTOM))
    pad = max(0, -top)  # the band reaches above the atlas box: start the canvas that much higher
    img = np.zeros((max(gh, bottom) + pad, width), np.float32)
    for x, i in zip(xs, idx, strict=True):
        x0 = int(round(x + a.bearing[i]))
        if x0 < 0:
            continue
        np.maximum(img[pad:pad + gh, x0:x0 + gw], a.glyphs[i][:, :width - x0], out=img[pad:pad + gh, x0:x0 + gw])
    band = img[top + pad:bottom + pad]
    cols = np.nonzero(band.max(axis=0) > 0.1)[0]
    x_left = int(cols[0]) if len(cols) else 0
    x_right = int(cols[-1]) + 1 if len(cols) else 1
    band = band[:, x_left:x_right]
    k = _CAP_PX / a.cap
    out_h = int(round(band.shape[0] * k))
    out_w = max(1, int(round(band.shape[1] * k)))
    out = cv2.resize(band, (out_w, out_h), interpolation=cv2.INTER_AREA)
    return out, tuple((x - x_left) * k for x in xs)


def render_line(text: str) -> np.ndarray:
    """Ink (0..1 float32) of ``text`` in the atlas font, cap height :data:`_CAP_PX`, cropped to its ink
    horizontally and to the cap band plus margins vertically (the frame observed lines are resampled to)."""
    return _compose(_clean(text))[0]


# ------------------------------------------------------------------------------------------- finding lines

@dataclass(frozen=True)
class _Line:
    """A text line on the card: ink extent x0..x1, baseline and cap height in card px."""

    x0: float
    x1: float
    baseline: float
    cap: float
    n_comps: int


def _ink(card_bgr: np.ndarray) -> np.ndarray:
    """Black-hat of the darkest-in-every-channel image: dark print on a lighter, smoothly varying ground."""
    gray = card_bgr.max(axis=2) if card_bgr.ndim == 3 else card_bgr
    k = max(9, int(round(card_bgr.shape[1] * 0.016)) | 1)
    return cv2.morphologyEx(gray, cv2.MORPH_BLACKHAT, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))


def _box(zone: tuple[float, float, float, float], shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    h, w = shape[:2]
    return int(zone[0] * w), int(zone[1] * h), int(zone[2] * w), int(zone[3] * h)


_MIN_INK_CONTRAST = 12  # black-hat levels: below this the zone holds no print we could read


def _find_lines(ink: np.ndarray, zone: tuple[float, float, float, float]) -> list[_Line]:
    """Text lines in ``zone``: chains of glyph-sized components of similar height side by side."""
    x0, y0, x1, y1 = _box(zone, ink.shape)
    region = ink[y0:y1, x0:x1]
    if region.size == 0:
        return []
    thr, bw = cv2.threshold(region, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    if thr < _MIN_INK_CONTRAST:
        return []
    n, _, stats, _ = cv2.connectedComponentsWithStats(bw, connectivity=8)
    st = stats[1:, :4].astype(np.float64)
    h = ink.shape[0]
    lo, hi = _CAP_RANGE[0] * h, _CAP_RANGE[1] * h * 1.25
    ok = (st[:, 3] >= lo) & (st[:, 3] <= hi) & (st[:, 2] <= 12 * st[:, 3]) & (st[:, 2] >= 1)
    st = st[ok]
    if len(st) == 0:
        return []
    st[:, 0] += x0
    st[:, 1] += y0
    st = st[np.argsort(st[:, 0])]
    cy = st[:, 1] + st[:, 3] / 2
    right = st[:, 0] + st[:, 2]
    used = np.zeros(len(st), bool)
    lines = []
    for i in range(len(st)):
        if used[i]:
            continue
        members = [i]
        used[i] = True
        while True:
            j0 = members[-1]
            hj = np.median(st[members, 3])
            cand = [j for j in range(len(st)) if not used[j] and st[j, 0] > st[j0, 0]
                    and st[j, 0] - right[j0] < 1.3 * hj and abs(cy[j] - np.median(cy[members])) < 0.35 * hj
                    and hj / 1.35 < st[j, 3] < hj * 1.35]  # a small label beside a value stays apart
            if not cand:
                break
            j = min(cand, key=lambda m: st[m, 0])
            members.append(j)
            used[j] = True
        comps = st[members]
        cap = float(np.median(comps[:, 3]))
        full = comps[np.abs(comps[:, 3] - cap) <= 0.15 * cap]
        baseline = float(np.median(full[:, 1] + full[:, 3])) if len(full) else float(np.median(comps[:, 1]
                                                                                               + comps[:, 3]))
        line = _Line(float(comps[:, 0].min()), float((comps[:, 0] + comps[:, 2]).max()), baseline, cap,
                     len(members))
        lines.append(_refine(ink, line))
    return lines


def _refine(ink: np.ndarray, line: _Line) -> _Line:
    """Cap band from the line's row profile at half its plateau: component boxes grow with blur (the Otsu
    level sits low on a blurred edge), which shrinks every string drawn at their height by up to ~10 %;
    the half-maximum of a symmetric blur stays on the true edge."""
    y0 = int(max(0, np.floor(line.baseline - 1.8 * line.cap)))
    y1 = int(min(ink.shape[0], np.ceil(line.baseline + 0.8 * line.cap)))
    x0, x1 = int(max(0, line.x0)), int(min(ink.shape[1], line.x1 + 1))
    if y1 - y0 < 4 or x1 - x0 < 2:
        return line
    prof = ink[y0:y1, x0:x1].astype(np.float32).mean(axis=1)
    inside = prof[int(line.baseline - line.cap) - y0 + 1:int(line.baseline) - y0]
    if len(inside) < 3:
        return line
    half = 0.5 * float(np.percentile(inside, 70))
    above = prof >= half
    # The run of rows above half that holds the band's middle.
    mid = int(round(line.baseline - 0.5 * line.cap)) - y0
    if not 0 <= mid < len(prof) or not above[mid]:
        return line
    top = mid
    while top > 0 and above[top - 1]:
        top -= 1
    bot = mid
    while bot < len(prof) - 1 and above[bot + 1]:
        bot += 1

    def cross(i: int, j: int) -> float:  # sub-pixel crossing of the half level between rows i (in) and j (out)
        a, b = prof[i], prof[j]
        return i + (j - i) * float((a - half) / (a - b)) if a != b else float(i)

    t = cross(top, top - 1) if top > 0 else float(top)
    b = cross(bot, bot + 1) if bot < len(prof) - 1 else float(bot)
    cap = b - t
    if not 0.7 * line.cap <= cap <= 1.15 * line.cap:
        return line
    return _Line(line.x0, line.x1, y0 + b + 0.5, cap, line.n_comps)


def _line_image(ink: np.ndarray, line: _Line, pad_caps: float = 0.8) -> tuple[np.ndarray, float, float]:
    """The line's band resampled to cap height :data:`_CAP_PX`; returns (image, x of the line's ink start in
    it, x of its ink end)."""
    k = _CAP_PX / line.cap
    pad = pad_caps * line.cap
    top = line.baseline - line.cap * (1 + _TOP)
    bottom = line.baseline + line.cap * _BOTTOM
    x0, x1 = line.x0 - pad, line.x1 + pad
    out_h = int(round((bottom - top) * k))
    out_w = max(1, int(round((x1 - x0) * k)))
    m = np.float32([[k, 0, -x0 * k], [0, k, -top * k]])
    img = cv2.warpAffine(ink.astype(np.float32), m, (out_w, out_h), flags=cv2.INTER_AREA,
                         borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    # Sampling a downscale with warpAffine aliases; the card is at most ~1.5× the working scale, so a light
    # blur evens it out (applied to templates alike in _score).
    return img, pad * k, pad * k + (line.x1 - line.x0) * k


_SCALES = (0.92, 0.96, 1.0, 1.04, 1.08)
_BLUR_SIGMA = 0.7  # px at the working scale, on observed and template alike


def _ncc(a: np.ndarray, b: np.ndarray) -> float:
    a = a - a.mean()
    b = b - b.mean()
    d = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum() / d) if d > 1e-9 else 0.0


def _align(obs: np.ndarray, tmpl: np.ndarray, x_start: float, x_end: float, is_prefix: bool
           ) -> tuple[float, float, int, int]:
    """Best placement of ``tmpl`` on ``obs``: (score, width scale, x, y). Score: NCC over the union of the
    placed template and the observed ink (only up to the template's end when ``is_prefix``)."""
    best = (-1.0, 1.0, 0, 0)
    oh, ow = obs.shape
    for s in _SCALES:
        tw = max(2, int(round(tmpl.shape[1] * s)))
        if tw >= ow - 2:
            continue
        t = cv2.resize(tmpl, (tw, tmpl.shape[0]), interpolation=cv2.INTER_AREA)
        th = t.shape[0]
        if th > oh:
            t = t[:oh]
            th = oh
        res = cv2.matchTemplate(obs, t, cv2.TM_CCOEFF_NORMED)
        # Only placements starting near the line's first ink: the start is where both are anchored.
        lo = max(0, int(x_start - 0.6 * _CAP_PX))
        hi = min(res.shape[1], int(x_start + 0.6 * _CAP_PX) + 1)
        if hi <= lo:
            continue
        sub = res[:, lo:hi]
        yy, xx = np.unravel_index(int(np.argmax(sub)), sub.shape)
        x = lo + int(xx)
        canvas = np.zeros_like(obs)
        canvas[yy:yy + th, x:x + tw] = t
        c0 = min(x, int(x_start))
        c1 = x + tw if is_prefix else max(x + tw, int(np.ceil(x_end)))
        score = _ncc(obs[:, c0:c1], canvas[:, c0:c1])
        if score > best[0]:
            best = (score, s, x, int(yy))
    return best


def _prep(img: np.ndarray) -> np.ndarray:
    return cv2.GaussianBlur(img, (0, 0), _BLUR_SIGMA)


# ------------------------------------------------------------------------------------------------ fields

_DIGITS = "0123456789"


_DATE_SCALES = (0.93, 0.96, 0.98, 1.0, 1.02, 1.04, 1.07)
_DATE_SHIFT_PX = 3  # x search either side of the coarse placement (working px); y: ±1


@functools.lru_cache(maxsize=64)
def _cell_bank(scale: float) -> tuple[np.ndarray, tuple[tuple[int, int], ...], np.ndarray, int]:
    """Templates of a DD/MM/YYYY line at width ``scale``: (11, th, cw) the digits 0-9 and '/' each drawn
    alone in a cell of the digit advance at its own bearing; the 10 cells' (x0, x1) from the line's origin
    (the ink start of a leading '0'); the '/' cell template; th."""
    proto = "00/00/0000"
    _, xs = _compose(proto)
    th = render_line(proto).shape[0]
    dw = int(round((xs[1] - xs[0]) * scale))
    sw = int(round((xs[3] - xs[2]) * scale))
    cells = [(int(round(x * scale)), int(round(x * scale)) + (sw if proto[pos] == "/" else dw))
             for pos, x in enumerate(xs)]
    def drawn(ch: str, width: int) -> np.ndarray:
        glyph = _compose(ch)[0]
        gw = max(1, int(round(glyph.shape[1] * scale)))
        gr = cv2.resize(glyph, (gw, th), interpolation=cv2.INTER_AREA)
        off = int(round(_bearing_px(ch) * scale))
        g = np.zeros((th, width), np.float32)
        g0, g1 = max(0, off), min(width, off + gw)
        if g1 > g0:
            g[:, g0:g1] = gr[:, g0 - off:g1 - off]
        return _prep(g)
    digits = np.stack([drawn(d, dw) for d in _DIGITS])
    slash = drawn("/", sw)
    return digits, tuple(cells), slash, th


def _date_cells(obs: np.ndarray, x: int, y: int, scales: tuple[float, ...] = _DATE_SCALES
                ) -> tuple[np.ndarray, np.ndarray] | None:
    """NCC of each cell of a DD/MM/YYYY line placed near (x, y) on ``obs``: (8, 10) digit cells against 0-9
    and (2,) the '/' cells, at the width scale and shift where the best reading of every cell scores highest
    (the fit never looks at the MRZ's digits). None when the layout does not fit in ``obs``."""
    best: tuple[float, Any] = (-np.inf, None)
    r = _DATE_SHIFT_PX
    for scale in scales:
        digits, cells, slash, th = _cell_bank(scale)
        if y - 1 < 0 or y + th + 1 > obs.shape[0] or x + cells[0][0] - r < 0 \
                or x + cells[-1][1] + r > obs.shape[1]:
            continue
        dig_maps, sl_maps = [], []
        for pos, (c0, c1) in enumerate(cells):
            strip = obs[y - 1:y + th + 1, x + c0 - r:x + c1 + r]
            if pos in (2, 5):
                sl_maps.append(cv2.matchTemplate(strip, slash, cv2.TM_CCOEFF_NORMED))
            else:
                dig_maps.append(np.stack([cv2.matchTemplate(strip, d, cv2.TM_CCOEFF_NORMED) for d in digits]))
        dm = np.stack(dig_maps)  # (8, 10, 3, 2r+1)
        sm = np.stack(sl_maps)  # (2, 3, 2r+1)
        total = dm.max(axis=1).sum(axis=0) + sm.sum(axis=0)
        iy, ix = np.unravel_index(int(np.argmax(total)), total.shape)
        if total[iy, ix] > best[0]:
            best = (float(total[iy, ix]), (dm[:, :, iy, ix], sm[:, iy, ix]))
    return best[1]


@functools.lru_cache(maxsize=64)
def _bearing_px(ch: str) -> float:
    """Left bearing of ``ch`` (origin to ink) at the working scale."""
    a = _atlas()
    return float(a.bearing[a.index[ch]] * _CAP_PX / a.cap)


# Layout anchors on the canonical 1011×638 SPECIMEN front (kiosk.synth.card): where the birth date's ink starts
# (x, baseline) per layout, its cap height, and the name / sex zones (x0, y0, x1, y1 px) they are placed from.
_DATE_ANCHOR = {"EF": (831.0, 228.0), "GH": (501.0, 453.0)}
_DATE_CAP_PX = 17.6  # 24 px DejaVu Sans Condensed Bold
_NAME_BOX = (300.0, 140.0, 805.0, 250.0)
_SEX_BOX = (815.0, 140.0, 880.0, 182.0)
_DATE_WIDTH_CAPS = (5.5, 10.5)  # ink width of DD/MM/YYYY in cap heights (7.5 in the atlas font; uneven stretch)
DATE_SEARCH_ZONE = (0.0, 0.08, 1.0, 0.97)  # the whole card below the header: a rough outline moves it
_DATE_MIN_SLASH = 0.5  # both '/' must be seen (NCC) before a line is taken for the date
_DATE_MIN_BEST = 0.6  # a cell's best digit must reach this NCC to count as read (agreeing or contradicting)


@dataclass(frozen=True)
class _DateFound:
    cells: np.ndarray  # (8, 10) NCC per digit cell and digit
    slashes: np.ndarray  # (2,)
    line: _Line
    free: float  # mean best score over the 10 cells: how date-like the line is


def _find_date(ink: np.ndarray) -> _DateFound | None:
    """The line that reads best as some DD/MM/YYYY, anywhere on the card (the MRZ's digits are not used)."""
    best: _DateFound | None = None
    tmpl = _prep(render_line("00/00/0000"))
    for line in _find_lines(ink, DATE_SEARCH_ZONE):
        width = (line.x1 - line.x0) / line.cap
        if not _DATE_WIDTH_CAPS[0] <= width <= _DATE_WIDTH_CAPS[1]:
            continue
        obs, xs, xe = _line_image(ink, line)
        obs = _prep(obs)
        # Width scale from the line's own width: every date has the same ink width in the atlas font, and a
        # rough outline stretches the rectified card unevenly (10-15 % between x and y is common).
        sx = (xe - xs) / tmpl.shape[1]
        scales = tuple(round(sx * f / 0.005) * 0.005 for f in (0.96, 0.98, 1.0, 1.02, 1.04))
        _, _, x, y = _align(obs, tmpl, xs, xe, False)
        got = _date_cells(np.pad(obs, ((2, 2), (0, 0))), x, y + 2, scales)
        if got is None:
            continue
        cells, slashes = got
        free = float(np.mean(np.concatenate([cells.max(axis=1), slashes])))
        if best is None or free > best.free:
            best = _DateFound(cells, slashes, line, free)
    return best


def _check_date(found: _DateFound | None, mrz_date: str) -> FieldCheck:
    """``mrz_date``: DD/MM/YYYY as the front prints it."""
    if found is None:
        return FieldCheck("unreadable", 0.0, {"reason": "no date-like line"})
    cells = found.cells
    want = [int(c) for c in mrz_date if c.isdigit()]
    srt = np.sort(cells, axis=1)
    read = cells.argmax(axis=1)
    best = srt[:, -1]
    got = cells[np.arange(8), want]
    is_read = best >= _DATE_MIN_BEST
    contradict = int(np.sum((read != want) & (best - got >= DATE_CELL_MARGIN) & is_read))
    agree = int(np.sum(((read == want) | (best - got < 0.02)) & is_read))
    details = {"read": "".join(str(d) for d in read), "contradicting_cells": contradict, "agreeing_cells": agree,
               "slashes": [round(float(v), 3) for v in found.slashes], "mean_best": round(float(best.mean()), 3)}
    if found.slashes.min() < _DATE_MIN_SLASH:
        return FieldCheck("unreadable", float(np.mean(got)), details)
    if contradict >= DATE_MIN_CONTRADICTIONS:
        verdict = "mismatch"
    elif agree >= 7 and contradict == 0:
        verdict = "match"
    else:
        verdict = "unreadable"
    return FieldCheck(verdict, float(np.mean(got)), details)


def _zones_from_date(found: _DateFound | None, shape: tuple[int, ...]
                     ) -> tuple[tuple[float, float, float, float], tuple[float, float, float, float]]:
    """Name and sex zones (card fractions), placed from where the date was found when it was (which layout:
    E/F print the date top right, G/H low in the middle), else the nominal zones."""
    h, w = shape[:2]
    if found is None or found.slashes.min() < _DATE_MIN_SLASH:
        return NAME_ZONE, SEX_ZONE
    line = found.line
    layout = "EF" if line.x0 > 0.6 * w and line.baseline < 0.5 * h else "GH"
    ax, ay = _DATE_ANCHOR[layout]
    k = line.cap / _DATE_CAP_PX

    def place(box: tuple[float, float, float, float], pad: float) -> tuple[float, float, float, float]:
        x0, y0, x1, y1 = ((box[0] - ax) * k + line.x0, (box[1] - ay) * k + line.baseline,
                          (box[2] - ax) * k + line.x0, (box[3] - ay) * k + line.baseline)
        return (max(0.0, (x0 - pad) / w), max(0.0, (y0 - pad) / h), min(1.0, (x1 + pad) / w),
                min(1.0, (y1 + pad) / h))

    return place(_NAME_BOX, 12.0), place(_SEX_BOX, 10.0)


def _name_decoys() -> tuple[str, ...]:
    from kiosk.credential.citizen import FEMALE_COMPOUND, FEMALE_NAMES, MALE_COMPOUND, MALE_NAMES, SURNAMES
    from kiosk.credential.names import mrz_name_part

    out = {mrz_name_part(n).replace("<", " ") for n in
           SURNAMES + MALE_NAMES + FEMALE_NAMES + MALE_COMPOUND + FEMALE_COMPOUND}
    return tuple(sorted(o for o in out if o))


@functools.lru_cache(maxsize=1)
def name_decoys() -> tuple[str, ...]:
    """Decoy name strings (MRZ letters, spaces between words): the synthetic citizens' name lists."""
    return _name_decoys()


def _check_names(ink: np.ndarray, parse: MrzParse, zone: tuple[float, float, float, float]) -> FieldCheck:
    """Each MRZ name part on the zone's line where it fits best, against decoy names on that same line."""
    f = parse.fields
    lines = [(_prep(o), xs, xe) for o, xs, xe in (_line_image(ink, ln) for ln in _find_lines(ink, zone)
                                                  if ln.x1 - ln.x0 >= 1.2 * ln.cap)]
    if not lines:
        return FieldCheck("unreadable", 0.0, {"reason": "no text lines"})
    surname_words = (f.surname_paternal + " " + f.surname_maternal).split()
    given = f.given_names
    truncated = parse.name_line_truncated
    parts: list[tuple[str, bool]] = []
    if given:
        parts.append((given, truncated))
    # The MRZ cannot tell where the paternal surname ends (DE LA CRUZ ...): the first and the last word
    # belong to one surname line each in every split.
    if surname_words:
        parts.append((surname_words[0], True))
        if len(surname_words) > 1 and not (truncated and not given):
            parts.append((surname_words[-1], False))
    own_words = set((given + " " + " ".join(surname_words)).split())
    decoys = [d for d in name_decoys() if not own_words & set(d.split())]
    details: dict[str, Any] = {"parts": []}
    ranks, own_scores = [], []
    rng = np.random.default_rng(len(decoys))
    for text, is_prefix in parts:
        clean = _clean(text)
        if len(clean) < 2:
            continue
        tmpl = _prep(render_line(clean))
        per_line = [_align(obs, tmpl, xs, xe, is_prefix)[0] for obs, xs, xe in lines]
        best_line = int(np.argmax(per_line))
        own = per_line[best_line]
        obs, xs, xe = lines[best_line]
        pool = [d for d in decoys if abs(len(d) - len(clean)) <= 3]
        if len(pool) > N_NAME_DECOYS:
            pool = [pool[i] for i in sorted(rng.choice(len(pool), N_NAME_DECOYS, replace=False))]
        if len(pool) < 5:
            continue
        ds = np.array([_align(obs, _prep(render_line(d)), xs, xe, is_prefix)[0] for d in pool], np.float32)
        beaten = float(np.mean(ds >= own))
        ranks.append(beaten)
        own_scores.append(own)
        details["parts"].append({"len": len(clean), "score": round(own, 3), "best_decoy": round(float(ds.max()), 3),
                                 "beaten_by": round(beaten, 3)})
    if not ranks:
        return FieldCheck("unreadable", 0.0, details)
    if max(ranks) == 0.0 and len(ranks) >= 2:
        verdict = "match"
    elif min(ranks) >= NAME_MISMATCH_BEATEN:
        verdict = "mismatch"
    else:
        verdict = "unreadable"
    return FieldCheck(verdict, float(np.mean(own_scores)), details)


def _check_sex(ink: np.ndarray, sex: str, zone: tuple[float, float, float, float]) -> FieldCheck:
    if sex not in ("H", "M"):
        return FieldCheck("unreadable", 0.0, {"reason": "no sex in the MRZ"})
    best = {"H": -1.0, "M": -1.0}
    for line in _find_lines(ink, zone):
        if line.n_comps > 2 or (line.x1 - line.x0) > 2.0 * line.cap:
            continue
        obs, xs, xe = _line_image(ink, line)
        obs = _prep(obs)
        for ch in best:
            best[ch] = max(best[ch], _align(obs, _prep(render_line(ch)), xs, xe, False)[0])
    other = "M" if sex == "H" else "H"
    details = {"H": round(best["H"], 3), "M": round(best["M"], 3)}
    if max(best.values()) < 0:
        return FieldCheck("unreadable", 0.0, details)
    if best[sex] - best[other] >= 0.1:
        return FieldCheck("match", best[sex], details)
    if best[other] - best[sex] >= 0.1:
        return FieldCheck("mismatch", best[sex], details)
    return FieldCheck("unreadable", best[sex], details)


def compare_front_to_mrz(rectified_front_bgr: np.ndarray, mrz_parse: MrzParse) -> FrontTextCheck:
    """Check the front's printed birth date, names and sex against ``mrz_parse`` (an accepted MRZ).

    ``rectified_front_bgr``: the upright canonical front (``FrontResult.rectified``, about 1011×638 px BGR
    uint8). Returns 'mismatch' only on a clear contradiction (see module doc), 'unreadable' when the fields
    cannot be read, else 'match'. Raises ModelError only when the shipped glyph atlas is missing.
    """
    import time

    t0 = time.perf_counter()
    if not isinstance(rectified_front_bgr, np.ndarray) or rectified_front_bgr.ndim not in (2, 3) \
            or min(rectified_front_bgr.shape[:2]) < 64:
        return FrontTextCheck("unreadable", {}, 0.0)
    card = rectified_front_bgr
    if card.shape[1] != 1011:
        card = cv2.resize(card, (1011, int(round(1011 * card.shape[0] / card.shape[1]))),
                          interpolation=cv2.INTER_AREA)
    ink = _ink(card)
    f = mrz_parse.fields
    date_txt = f.birth_date.strftime("%d/%m/%Y")
    found = _find_date(ink)
    # A card held upside down (rectified without a face to orient it) can read as some other date; unless the
    # upright reading already agrees with the MRZ, the orientation whose best line reads clearly more like a
    # date wins. A reading of the turned card only ever confirms: when glare hides the real date, some other
    # line of the turned card can pass for a date (a genuine front was flagged that way).
    is_flipped = False
    if _check_date(found, date_txt).verdict != "match":
        flipped = np.ascontiguousarray(ink[::-1, ::-1])
        found_flipped = _find_date(flipped)
        is_flipped = found_flipped is not None and (found is None or found_flipped.free > found.free + 0.05)
        if is_flipped:
            ink, found = flipped, found_flipped
    name_zone, sex_zone = _zones_from_date(found, ink.shape)
    fields = {"birth_date": _check_date(found, date_txt),
              "names": _check_names(ink, mrz_parse, name_zone), "sex": _check_sex(ink, f.sex, sex_zone)}
    verdicts = {k: v.verdict for k, v in fields.items()}
    # Only the date, the most robust field, can flag; names can veto it (they agree) but never flag alone:
    # on fronts blurred past reading, wrong names out-score the right ones about as often as not.
    if verdicts["birth_date"] == "mismatch" and verdicts["names"] != "match" and not is_flipped:
        verdict = "mismatch"
    elif "mismatch" not in (verdicts["birth_date"], verdicts["names"]) \
            and "match" in (verdicts["birth_date"], verdicts["names"]):
        verdict = "match"
    else:
        verdict = "unreadable"
    return FrontTextCheck(verdict, fields, (time.perf_counter() - t0) * 1000.0, is_flipped)
