"""Fraud cues on a captured card, kept as scores and flags on the capture (never a silent drop).

- ``photocopy``: no colour. A genuine card always has strongly coloured parts (printed banners, photo,
  signature ink), so the 98th percentile of its chroma is high; a photocopy's is only the camera's tint. The
  chroma is taken relative to the card's white (a dim exposure scales colour down with everything else) and
  clipped highlights are left out (a blown-out white turns into false colour under the grey-world balance).
- ``screen``: a phone or monitor replay. The card is framed by a black bezel (judged relative to the card's
  white, so a dim card on a dark desk is not a screen), and the subpixel stripes leave a periodic colour
  pattern (isolated peaks in the spectrum of the red-minus-blue plane, in both halves of the card: a line on
  the desk shows in one). Its black is never black either (the backlight's floor): not enough alone (a card's
  own ink is not black everywhere), but it backs a weaker bezel. A real card's rounded corners let the surface
  behind it show inside the outline's corners, while an image on a screen fills its rectangle: when the corners
  match the dark surround, that surround is a desk, not a bezel.
- ``blank``: a card-shaped sheet without print and without colour (a plain patch of hand or desk that a wrong
  outline takes in is coloured).
- ``no_face`` (front only), ``front_back_mismatch`` and ``front_text_mismatch`` (pair check) are added by
  :mod:`kiosk.vision.document`.
Scores are 0..1, higher = more suspicious; a flag is raised when a score passes its configured threshold.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import cv2
import numpy as np

from kiosk.config import VisionConfig

if TYPE_CHECKING:
    from kiosk.camera.base import WhiteBalance

FRAUD_WIDTH_PX = 512
BEZEL_RATIO_MAX = 0.13  # ring 10th percentile / card white below which: a screen's bezel
BLANK_DENSITY_MAX = 0.03  # print density below which: a blank sheet
CORNER_RADIUS_FRACTION = 3.18 / 85.6  # ISO/IEC 7810 ID-1 corner radius over card width
# Corner roundness (see corner_roundness) above which the dark surround is taken for a desk: genuine cards with a
# ring under 22 % of their white measure >= 0.86 on 95 % of the dev scenes (seeds 4242, 7777), screens <= 0.53
# when their outline is right (<= 0.66 on 99 % of them with the outline found).
ROUNDED_FROM, ROUNDED_AT = 0.7, 0.95


@dataclass(frozen=True)
class FraudReport:
    """``scores``: cue → 0..1 (higher = more suspicious); ``flags``: the cues that are *sure* (the card is refused
    for them); ``review``: cues that passed their review threshold but are not sure (the capture goes on and the
    record carries them for central's review queue); ``measures``: the raw measurements behind the scores."""

    scores: dict[str, float] = field(default_factory=dict)
    flags: tuple[str, ...] = ()
    measures: dict[str, float] = field(default_factory=dict)
    review: tuple[str, ...] = ()

    def with_flag(self, name: str, score: float, is_flagged: bool, is_review: bool = False) -> FraudReport:
        """Add cue ``name``: refused when ``is_flagged`` (sure), else kept for review when ``is_review``."""
        scores = dict(self.scores)
        scores[name] = float(score)
        flags = self.flags + ((name,) if is_flagged and name not in self.flags else ())
        review = self.review + ((name,) if is_review and not is_flagged and name not in self.review else ())
        return FraudReport(scores, flags, self.measures, review)

    @property
    def record_flags(self) -> tuple[str, ...]:
        """What the capture record carries: the sure cues by name, the review ones as 'review.<cue>'."""
        return self.flags + tuple(f"review.{name}" for name in self.review)


def _chroma98(small: np.ndarray, gains: np.ndarray, unclipped: np.ndarray) -> float:
    """98th percentile of per-pixel chroma (max − min channel, 0-255) of ``small`` (float BGR) balanced by
    ``gains`` (B, G, R); pixels clipped white count as colourless (scaled, a blown-out white turns into colour)."""
    b, g, r = cv2.split(small)  # OpenCV's per-plane max/min and a partial sort: a third faster than numpy's
    b, g, r = b * np.float32(gains[0]), g * np.float32(gains[1]), r * np.float32(gains[2])
    chroma = cv2.max(cv2.max(b, g), r) - cv2.min(cv2.min(b, g), r)
    chroma[~unclipped] = 0.0
    chroma = chroma.ravel()
    k = int(round(0.98 * (chroma.size - 1)))
    return float(np.partition(chroma, k)[k])


def _small_card(card_bgr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The card inside a 4 % border at 256×162 (float BGR), and its pixels with no channel clipped: a clipped
    channel has lost the ratio a cast or a reference would restore (white paper under a warm cast clips red
    first). The border is left out because an outline a few pixels off, and the rounded corners, show the desk."""
    h, w = card_bgr.shape[:2]
    inner = card_bgr[int(0.04 * h):h - int(0.04 * h), int(0.04 * w):w - int(0.04 * w)]
    small = cv2.resize(inner, (256, 162), interpolation=cv2.INTER_AREA).astype(np.float32)
    unclipped = small.max(axis=2) < 250
    if int(unclipped.sum()) < 50:
        unclipped[:] = True
    return small, unclipped


def colour_extent(card_bgr: np.ndarray, reference_gains: np.ndarray | None = None) -> float:
    """98th percentile of per-pixel chroma (0-255) against a colour reference that is not the card:
    ``reference_gains`` (B, G, R multipliers that make the reference neutral; None = the camera's own balance,
    i.e. the image's neutral). A card's overall tint counts as colour here."""
    small, unclipped = _small_card(card_bgr)
    gains = np.ones(3, np.float32) if reference_gains is None else np.asarray(reference_gains, np.float32)
    return _chroma98(small, gains, unclipped)


def colour_spread(card_bgr: np.ndarray) -> float:
    """98th percentile of per-pixel chroma (0-255) after balancing on the card's own ground (the median colour
    of its bright pixels): the colour a camera cast cannot explain (a cast multiplies every pixel alike, so a
    grey copy under any cast measures ~0). Pixels with any channel near clipping are left out: a strong cast
    clips its strongest channel on white paper first, which would break the "multiplies alike". Blind to a
    card's overall tint by construction, which is why it is only one of the photocopy cue's measurements."""
    small, _ = _small_card(card_bgr)
    valid = small.max(axis=2) < 245
    if int(valid.sum()) < 50:
        return 0.0  # all clipped: no colour to measure (the glare gate asks again before this matters)
    lum = small.mean(axis=2)
    bright = valid & (lum >= np.percentile(lum[valid], 50))
    ground = np.median(small[bright], axis=0) + 1e-3
    return _chroma98(small, ground.mean() / ground, valid)


# A surround further than this from neutral (log chromaticity, per channel over green) is a coloured desk, a hand
# or clutter, not a neutral surface showing the light's cast: 0.35 ≈ a 2,700 K lamp on a grey desk, uncorrected.
SURROUND_CAST_MAX = 0.35


def surround_reference(image_bgr: np.ndarray, corners: np.ndarray) -> np.ndarray | None:
    """Gains (B, G, R) that make the scene just around the card neutral, or None when the ring is missing or
    too coloured to be a neutral surface under a cast (:data:`SURROUND_CAST_MAX`). Only a second opinion: a
    beige desk under neutral light looks like a grey desk under warm light (see :func:`assess_fraud`)."""
    ring = _ring_pixels(image_bgr, corners, 1.08, 1.3)
    if ring is None:
        return None
    lum = ring.mean(axis=1)
    ring = ring[(lum > 40) & (ring.max(axis=1) < 250)]
    if len(ring) < 50:
        return None
    med = np.median(ring.astype(np.float32), axis=0) + 1.0
    log_chroma = np.log(med / med[1])
    if float(np.abs(log_chroma).max()) > SURROUND_CAST_MAX:
        return None
    return (med.mean() / med).astype(np.float32)


def _ring_pixels(image_bgr: np.ndarray, corners: np.ndarray, inner: float, outer: float) -> np.ndarray | None:
    """BGR pixels of the ring between ``inner``× and ``outer``× the card outline about its centre."""
    c = np.asarray(corners, np.float32)
    while image_bgr.shape[1] > 500:
        image_bgr = cv2.pyrDown(image_bgr)
        c = c / 2.0
    centre = c.mean(axis=0)
    h, w = image_bgr.shape[:2]
    mask = np.zeros((h, w), np.uint8)
    cv2.fillConvexPoly(mask, np.round(centre + outer * (c - centre)).astype(np.int32), 1)
    cv2.fillConvexPoly(mask, np.round(centre + inner * (c - centre)).astype(np.int32), 0)
    if mask.sum() < 50:
        return None
    return image_bgr[mask > 0]


def black_level(card_gray: np.ndarray) -> float:
    """The 0.5th percentile of brightness: ~0 for ink on a card, the backlight's floor on a screen."""
    return float(np.percentile(card_gray[::2, ::2], 0.5))


def colour_stripe_peaks(card_bgr: np.ndarray) -> float:
    """Peak-to-median ratio of the spectrum of the red-minus-blue plane (high frequencies only) in the
    central 256×256 window of each half of the card, the weaker of the two: the subpixel stripes of a screen
    concentrate energy in a few peaks all over the card; print does not, and a thin coloured line on the desk
    (which a wrong outline can take in) shows in one half only."""
    h, w = card_bgr.shape[:2]
    cy, cx = h // 2, w // 2
    rows = slice(max(0, cy - 128), cy + 128)
    return min(_stripe_peaks(card_bgr[rows, max(0, cx - 256):cx]), _stripe_peaks(card_bgr[rows, cx:cx + 256]))


def _stripe_peaks(win: np.ndarray) -> float:
    f = win.astype(np.float32)
    plane = f[:, :, 2] - f[:, :, 0]
    plane = plane - cv2.GaussianBlur(plane, (0, 0), 2)
    window, high = _spectrum_masks(*plane.shape)
    spec = np.abs(np.fft.rfft2(plane * window))
    median, peak = np.percentile(spec[high], [50, 99.9])
    return float(peak / (median + 1e-6))


@functools.cache
def _spectrum_masks(h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    """Hanning window of an h×w plane and the high-frequency (> 0.15 cycles/px) part of its rfft2."""
    window = np.outer(np.hanning(h), np.hanning(w)).astype(np.float32)
    sh, sw = h, w // 2 + 1
    fy = np.minimum(np.arange(sh), sh - np.arange(sh))[:, None] / sh
    fx = np.arange(sw)[None, :] / (2 * (sw - 1))
    return window, np.sqrt(fx ** 2 + fy ** 2) > 0.15


def surround_brightness(image_bgr: np.ndarray, corners: np.ndarray) -> tuple[float, float] | None:
    """(median, 10th percentile) brightness (0-255) of a thin ring just outside the card, or None when the
    ring is too small to measure. A phone's bezel and letterbox are near black all around; a glare band or
    a dark desk darkens only part of the ring or does not reach black, so the low percentile is the cue."""
    c = np.asarray(corners, np.float32)
    while image_bgr.shape[1] > 500:  # a percentile of a ring needs no detail: work on a small copy
        image_bgr = cv2.pyrDown(image_bgr)
        c = c / 2.0
    centre = c.mean(axis=0)
    outer = centre + 1.08 * (c - centre)
    h, w = image_bgr.shape[:2]
    ring = np.zeros((h, w), np.uint8)
    cv2.fillConvexPoly(ring, np.round(outer).astype(np.int32), 1)
    cv2.fillConvexPoly(ring, np.round(c).astype(np.int32), 0)
    if ring.sum() < 50:
        return None
    values = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2GRAY)[ring > 0]
    median, low = np.percentile(values, [50, 10])
    return float(median), float(low)


def corner_roundness(card_gray: np.ndarray, surround: float, white: float) -> tuple[float, float, float, float]:
    """How much each of the four corners of the rectified card looks like the surround (``surround``: its
    median brightness, 0-255) rather than like the card next to it, in increasing order: ~1 for a real card's
    rounded corners, where the surface behind it shows inside the outline; ~0.2-0.5 for a card image on a
    screen, which fills its rectangle. Per corner, (edge − corner) / (edge − surround) from medians of the
    patch outside the corner's arc and of the card's edge strips beside it; 0 where those strips are not
    card-bright (less than 40 % of the way from the surround to the card's ``white``): an outline that takes
    in a phone's letterbox has dark corners and dark strips, which says nothing about rounded corners.
    Callers read the second smallest, so that one corner under a thumb or next to a bright object does not
    decide, or the largest."""
    h, w = card_gray.shape
    r = CORNER_RADIUS_FRACTION * w
    n = int(np.ceil(r))
    yy, xx = np.mgrid[0:n, 0:n].astype(np.float32)
    outside = np.hypot(xx - r, yy - r) > 1.25 * r  # with a margin for blur and a pixel of outline error
    a, b, c, d = int(0.3 * r), int(0.8 * r), int(1.5 * r), int(3 * r)
    values = []
    for g in (card_gray, card_gray[:, ::-1], card_gray[::-1, :], card_gray[::-1, ::-1]):
        corner = float(np.median(g[:n, :n][outside]))
        edge = float(np.median(np.concatenate([g[a:b, c:d].ravel(), g[c:d, a:b].ravel()])))
        is_card_bright = edge - surround >= 0.4 * max(white - surround, 1.0)
        values.append((edge - corner) / max(edge - surround, 1.0) if is_card_bright else 0.0)
    a0, a1, a2, a3 = sorted(values)
    return float(a0), float(a1), float(a2), float(a3)


def print_density(card_gray: np.ndarray) -> float:
    """How much print the card carries: fraction of pixels with strong local contrast (0 = blank sheet)."""
    g = cv2.resize(card_gray, (FRAUD_WIDTH_PX, 320), interpolation=cv2.INTER_AREA)
    grad = cv2.morphologyEx(g, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8))
    return float((grad > 40).mean())


def assess_fraud(card_bgr: np.ndarray, cfg: VisionConfig, image_bgr: np.ndarray | None = None,
                 corners: np.ndarray | None = None, white_balance: WhiteBalance | None = None) -> FraudReport:
    """Photocopy, screen and blank cues of one rectified card (BGR, ≥ 128 px wide). ``image_bgr`` and
    ``corners`` (the card in the full image) add the bezel cue for screens and the surround colour reference;
    ``white_balance``: what the camera reported it applied to the image (recorded; when the camera reports
    one, its balance alone can make the photocopy cue sure, see :func:`_photocopy_score`)."""
    gray = cv2.cvtColor(card_bgr, cv2.COLOR_BGR2GRAY)
    has_scene = image_bgr is not None and corners is not None
    surround_gains = surround_reference(image_bgr, corners) if has_scene else None
    extent = colour_extent(card_bgr)
    extent_surround = None if surround_gains is None else colour_extent(card_bgr, surround_gains)
    spread = colour_spread(card_bgr)
    black = black_level(gray)
    # The card's white (90th percentile): exposure and gain scale the bezel, the card and its colours alike,
    # so the bezel and the colour are judged relative to it (a dim genuine card on a dark desk is neither a
    # screen nor a photocopy).
    white = max(float(np.percentile(gray[::2, ::2], 90)), 1.0)
    colour = extent * 255.0 / white
    colour_surround = None if extent_surround is None else extent_surround * 255.0 / white
    spread_relative = spread * 255.0 / white
    stripes = colour_stripe_peaks(card_bgr)
    around = surround_brightness(image_bgr, corners) if has_scene else None
    bezel_ratio = None if around is None else around[1] / white
    roundness = None if around is None else corner_roundness(gray, around[0], white)
    density = print_density(gray)
    is_printed = density >= BLANK_DENSITY_MAX
    measures = {"colour_extent": round(extent, 2), "colour_relative": round(colour, 2),
                "colour_spread": round(spread_relative, 2),
                "camera_balance_reported": float(white_balance is not None),
                "black_level": round(black, 2), "card_white": round(white, 1), "stripe_peaks": round(stripes, 2),
                "print_density": round(density, 4)}
    if colour_surround is not None:
        measures["colour_against_surround"] = round(colour_surround, 2)
    if white_balance is not None and white_balance.colour_temperature_k is not None:
        measures["camera_colour_temperature_k"] = float(white_balance.colour_temperature_k)
    if white_balance is not None and white_balance.colour_gains is not None:
        measures["camera_red_gain"], measures["camera_blue_gain"] = (round(float(g), 4)
                                                                     for g in white_balance.colour_gains)
    if around is not None:
        measures.update(surround=round(around[0], 1), surround_low=round(around[1], 1),
                        bezel_ratio=round(bezel_ratio, 3), corner_roundness=round(roundness[1], 3),
                        corner_roundness_max=round(roundness[3], 3))
    report = FraudReport(measures=measures)
    report = report.with_flag("photocopy", *_photocopy_score(colour, colour_surround, spread_relative,
                                                             white_balance is not None, cfg))
    report = report.with_flag("screen", *_screen_score(bezel_ratio, stripes, black, roundness, is_printed, cfg))
    # Blank sheets measure ≤ 0.021 on the calibration set, the blurriest genuine fronts ≥ 0.011 (dev seeds) —
    # those keep their colour, as does a plain patch of hand or desk taken in by a wrong outline. A blank sheet
    # is one colour (no spread) and, under a residual cast, little more than the cast.
    least_colour = colour if colour_surround is None else min(colour, colour_surround)
    is_colourless = least_colour < cfg.photocopy_chroma_max + 10.0 and spread_relative < cfg.photocopy_spread_sure
    blank = float(np.clip(1.0 - density / (2 * BLANK_DENSITY_MAX), 0.0, 1.0)) if is_colourless else 0.0
    return report.with_flag("blank", blank, not is_printed and is_colourless)


def _photocopy_score(colour: float, colour_surround: float | None, spread: float, has_camera_balance: bool,
                     cfg: VisionConfig) -> tuple[float, bool, bool]:
    """Score, sure, review of the photocopy cue from its measurements (all relative to the card's white).

    ``colour``: against the camera's balance (the image's neutral); ``colour_surround``: against the scene around
    the card when that is a plausible neutral surface; ``spread``: the colour no cast explains. A card's tint
    counts in the first two, not in the third.

    * Sure (refused) when the card is colourless against its reference and has no spread: the reference is the
      camera's balance when the camera reported one, else *every* reference must agree (an image's neutral is
      only an assumption without metadata, and a tinted desk can hide a tint).
    * Review when any one reference, or the spread, finds little colour: a grey copy under a residual camera
      cast keeps the cast as colour but not the spread; a uniformly tinted card keeps its tint but little
      spread — neither is sure, neither passes silently.
    """
    colours = [colour] + ([colour_surround] if colour_surround is not None else [])
    least, most = min(colours), (colour if has_camera_balance else max(colours))
    by_colour = _ramp(least, cfg.photocopy_chroma_max, cfg.photocopy_chroma_sure)
    by_spread = _ramp(spread, cfg.photocopy_spread_max, cfg.photocopy_spread_sure)
    score = max(min(by_colour, by_spread), 0.5 * max(by_colour, by_spread))
    is_sure = most < cfg.photocopy_chroma_sure and spread < cfg.photocopy_spread_sure
    is_review = least < cfg.photocopy_chroma_max or spread < cfg.photocopy_spread_max
    return score, is_sure, is_review


def _ramp(value: float, zero_at: float, one_at: float) -> float:
    return float(np.clip((value - zero_at) / (one_at - zero_at), 0.0, 1.0))


def _screen_score(bezel_ratio: float | None, stripes: float, black: float,
                  roundness: tuple[float, float, float, float] | None, is_printed: bool,
                  cfg: VisionConfig) -> tuple[float, bool, bool]:
    """Screen score (0..1), sure and review from three cues, any one of which is enough for review when strong:
    a black bezel ring (its 10th percentile below ~13 % of the card's white; genuine cards on the darkest
    desks stay ≥ 15.6 %, phones ≤ 14.5 % on 95 % of the calibration scenes), subpixel stripe peaks, and a
    weaker bezel backed by a raised black level (a backlight's floor) — two independent cues together: the
    darker the ring, the less raised the black needs to be. Genuine cards with a ring under 20 % of their
    white measured black levels ≤ 35 on the calibration set (their best score there: 0.24).
    Both ring cues are dropped when the card's corners are rounded onto that dark ring (``roundness``, see
    :func:`corner_roundness`): dark desks reach a ring ratio of 0.117 (dev seeds 4242/7777, 600 hard scenes).
    Conversely, on a printed card (``is_printed``: a blank sheet's black is its paper), all four corners square
    onto a darkish ring (under 20 % of the white) with a raised black (≥ 30) say screen: three weak cues no
    genuine dev scene combines (best 0.0 of 1100 backs and 240 fronts), which phones with a dimmer-than-usual
    bezel do."""
    bezel = 0.0 if bezel_ratio is None else _ramp(bezel_ratio, BEZEL_RATIO_MAX + 0.05, BEZEL_RATIO_MAX - 0.05)
    moire = _ramp(stripes, 30.0, 45.0)  # genuine dev scenes ≤ 19.7; fine coloured guilloche reaches 24-30
    backed = 0.0
    if bezel_ratio is not None:
        backed = max(min(_ramp(bezel_ratio, 0.17, 0.13), _ramp(black, 15.0, 35.0)),
                     min(_ramp(bezel_ratio, 0.20, 0.15), _ramp(black, 35.0, 50.0)))
    square = 1.0 if roundness is None else 1.0 - _ramp(roundness[1], ROUNDED_FROM, ROUNDED_AT)
    framed = 0.0
    if bezel_ratio is not None and roundness is not None and is_printed:
        framed = min(_ramp(bezel_ratio, 0.22, 0.18), 1.0 - _ramp(roundness[3], 0.6, 0.8), _ramp(black, 25.0, 35.0))
    # The ring cues each pair two measurements (a dark ring and square corners, a raised black...); the stripe
    # peaks are one measurement that fine coloured guilloche also makes, so alone they only ask for review.
    structural = max(min(bezel, square), min(backed, square), framed)
    score = max(structural, moire)
    return score, structural >= cfg.screen_score_sure, score >= cfg.screen_score_min
