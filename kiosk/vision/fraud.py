"""Fraud cues on a captured card, kept as scores and flags on the capture (never a silent drop).

- ``photocopy``: no colour. A genuine card always has strongly coloured parts (printed banners, photo,
  signature ink), so the 98th percentile of its chroma is high; a photocopy's is only the camera's tint.
- ``screen``: a phone or monitor replay. The card is framed by a black bezel (judged relative to the card's
  white, so a dim card on a dark desk is not a screen), and the subpixel stripes leave a periodic colour
  pattern (isolated peaks in the spectrum of the red-minus-blue plane). Its black is never black either (the
  backlight's floor): not enough alone (a card's own ink is not black everywhere), but it backs a weaker bezel.
- ``blank``: a card-shaped sheet without print.
- ``no_face`` (front only) and ``front_back_mismatch`` (pair check) are added by :mod:`kiosk.vision.document`.
Scores are 0..1, higher = more suspicious; a flag is raised when a score passes its configured threshold.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from kiosk.config import VisionConfig

FRAUD_WIDTH_PX = 512
BEZEL_RATIO_MAX = 0.13  # ring 10th percentile / card white below which: a screen's bezel
BLANK_DENSITY_MAX = 0.03  # print density below which: a blank sheet


@dataclass(frozen=True)
class FraudReport:
    """``scores``: cue → 0..1 (higher = more suspicious); ``flags``: the cues that passed their threshold;
    ``measures``: the raw measurements behind the scores (for the record and tuning)."""

    scores: dict[str, float] = field(default_factory=dict)
    flags: tuple[str, ...] = ()
    measures: dict[str, float] = field(default_factory=dict)

    def with_flag(self, name: str, score: float, is_flagged: bool) -> FraudReport:
        scores = dict(self.scores)
        scores[name] = float(score)
        flags = self.flags + ((name,) if is_flagged and name not in self.flags else ())
        return FraudReport(scores, flags, self.measures)


def colour_extent(card_bgr: np.ndarray) -> float:
    """98th percentile of per-pixel chroma (max − min channel, 0-255) after a grey-world balance, so a
    camera's colour cast does not count as colour."""
    small = cv2.resize(card_bgr, (256, 162), interpolation=cv2.INTER_AREA).astype(np.float32)
    means = small.reshape(-1, 3).mean(axis=0) + 1e-3
    small *= means.mean() / means
    b, g, r = cv2.split(small)  # OpenCV's per-plane max/min and a partial sort: a third faster than numpy's
    chroma = (cv2.max(cv2.max(b, g), r) - cv2.min(cv2.min(b, g), r)).ravel()
    k = int(round(0.98 * (chroma.size - 1)))
    return float(np.partition(chroma, k)[k])


def black_level(card_gray: np.ndarray) -> float:
    """The 0.5th percentile of brightness: ~0 for ink on a card, the backlight's floor on a screen."""
    return float(np.percentile(card_gray[::2, ::2], 0.5))


def colour_stripe_peaks(card_bgr: np.ndarray) -> float:
    """Peak-to-median ratio of the spectrum of the red-minus-blue plane (high frequencies only): the
    subpixel stripes of a screen concentrate energy in a few peaks; print does not."""
    h, w = card_bgr.shape[:2]
    # A central 512×256 window (a fast FFT size): a screen's stripes cover the whole card anyway.
    cy, cx = h // 2, w // 2
    win = card_bgr[max(0, cy - 128):cy + 128, max(0, cx - 256):cx + 256]
    f = win.astype(np.float32)
    plane = f[:, :, 2] - f[:, :, 0]
    plane = plane - cv2.GaussianBlur(plane, (0, 0), 2)
    plane *= np.outer(np.hanning(plane.shape[0]), np.hanning(plane.shape[1])).astype(np.float32)
    spec = np.abs(np.fft.rfft2(plane))
    h, w = spec.shape
    fy = np.minimum(np.arange(h), h - np.arange(h))[:, None] / h
    fx = np.arange(w)[None, :] / (2 * (w - 1))
    vals = spec[np.sqrt(fx ** 2 + fy ** 2) > 0.15]
    return float(np.percentile(vals, 99.9) / (np.median(vals) + 1e-6))


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


def print_density(card_gray: np.ndarray) -> float:
    """How much print the card carries: fraction of pixels with strong local contrast (0 = blank sheet)."""
    g = cv2.resize(card_gray, (FRAUD_WIDTH_PX, 320), interpolation=cv2.INTER_AREA)
    grad = cv2.morphologyEx(g, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8))
    return float((grad > 40).mean())


def assess_fraud(card_bgr: np.ndarray, cfg: VisionConfig, image_bgr: np.ndarray | None = None,
                 corners: np.ndarray | None = None) -> FraudReport:
    """Photocopy, screen and blank cues of one rectified card (BGR, ≥ 128 px wide). ``image_bgr`` and
    ``corners`` (the card in the full image) add the bezel cue for screens."""
    gray = cv2.cvtColor(card_bgr, cv2.COLOR_BGR2GRAY)
    extent = colour_extent(card_bgr)
    black = black_level(gray)
    # The card's white (90th percentile): exposure and gain scale the bezel and the card alike, so the
    # bezel is judged relative to it (a dim genuine card on a dark desk is not a screen).
    white = max(float(np.percentile(gray[::2, ::2], 90)), 1.0)
    stripes = colour_stripe_peaks(card_bgr)
    around = surround_brightness(image_bgr, corners) if image_bgr is not None and corners is not None else None
    bezel_ratio = None if around is None else around[1] / white
    density = print_density(gray)
    measures = {"colour_extent": round(extent, 2), "black_level": round(black, 2), "card_white": round(white, 1),
                "stripe_peaks": round(stripes, 2), "print_density": round(density, 4)}
    if around is not None:
        measures.update(surround=round(around[0], 1), surround_low=round(around[1], 1),
                        bezel_ratio=round(bezel_ratio, 3))
    report = FraudReport(measures=measures)
    photocopy = float(np.clip((cfg.photocopy_chroma_max + 10.0 - extent) / 20.0, 0.0, 1.0))
    report = report.with_flag("photocopy", photocopy, extent < cfg.photocopy_chroma_max)
    report = report.with_flag("screen", *_screen_score(bezel_ratio, stripes, black, cfg))
    # Blank sheets measure ≤ 0.021 on the calibration set, the blurriest genuine fronts ≥ 0.045.
    blank = float(np.clip(1.0 - density / (2 * BLANK_DENSITY_MAX), 0.0, 1.0))
    return report.with_flag("blank", blank, density < BLANK_DENSITY_MAX)


def _ramp(value: float, zero_at: float, one_at: float) -> float:
    return float(np.clip((value - zero_at) / (one_at - zero_at), 0.0, 1.0))


def _screen_score(bezel_ratio: float | None, stripes: float, black: float, cfg: VisionConfig) -> tuple[float, bool]:
    """Screen score (0..1) and flag from three cues, any one of which is enough when strong:
    a black bezel ring (its 10th percentile below ~13 % of the card's white; genuine cards on the darkest
    desks stay ≥ 15.6 %, phones ≤ 14.5 % on 95 % of the calibration scenes), subpixel stripe peaks, and a
    weaker bezel backed by a raised black level (a backlight's floor) — two independent cues together: the
    darker the ring, the less raised the black needs to be. Genuine cards with a ring under 20 % of their
    white measured black levels ≤ 35 on the calibration set (their best score there: 0.24)."""
    bezel = 0.0 if bezel_ratio is None else _ramp(bezel_ratio, BEZEL_RATIO_MAX + 0.05, BEZEL_RATIO_MAX - 0.05)
    moire = _ramp(stripes, 20.0, 32.0)
    backed = 0.0
    if bezel_ratio is not None:
        backed = max(min(_ramp(bezel_ratio, 0.17, 0.13), _ramp(black, 15.0, 35.0)),
                     min(_ramp(bezel_ratio, 0.20, 0.15), _ramp(black, 35.0, 50.0)))
    score = max(bezel, moire, backed)
    return score, score >= cfg.screen_score_min
