"""Fraud cues on a rectified card, kept as scores and flags on the capture (never a silent drop).

- ``photocopy``: no colour (a genuine card's guilloche, photo and logos are coloured) and a flat tone.
- ``screen``: a phone/monitor replay shows a periodic pixel grid or moiré (isolated peaks in the spectrum of
  the high-passed card) and a washed-out black level.
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


@dataclass(frozen=True)
class FraudReport:
    """``scores``: cue → 0..1 (higher = more suspicious); ``flags``: the cues that passed their threshold."""

    scores: dict[str, float] = field(default_factory=dict)
    flags: tuple[str, ...] = ()

    def with_flag(self, name: str, score: float, is_flagged: bool) -> FraudReport:
        scores = dict(self.scores)
        scores[name] = float(score)
        flags = self.flags + ((name,) if is_flagged and name not in self.flags else ())
        return FraudReport(scores, flags)


def colour_saturation(card_bgr: np.ndarray) -> float:
    """Mean chroma of the card, (max − min) / 255 per pixel, averaged (0 = gray print)."""
    small = cv2.resize(card_bgr, (128, 81), interpolation=cv2.INTER_AREA).astype(np.int16)
    return float((small.max(axis=2) - small.min(axis=2)).mean() / 255.0)


def periodic_peak_score(card_gray: np.ndarray) -> float:
    """Strength of isolated high-frequency spectral peaks (pixel grid / moiré), 0..1.

    Ratio of the strongest peak to the robust (median) level of the mid/high-frequency band, mapped to 0..1.
    Print (guilloche, text) spreads its energy; a screen's pixel grid concentrates it in a few peaks.
    """
    g = cv2.resize(card_gray, (FRAUD_WIDTH_PX, 320), interpolation=cv2.INTER_AREA).astype(np.float32)
    g = g - cv2.GaussianBlur(g, (0, 0), 3)
    g *= np.outer(np.hanning(g.shape[0]), np.hanning(g.shape[1])).astype(np.float32)
    spec = np.abs(np.fft.rfft2(g))
    h, w = spec.shape
    fy = np.minimum(np.arange(h), h - np.arange(h))[:, None] / h
    fx = np.arange(w)[None, :] / (2 * (w - 1))
    radius = np.sqrt(fx ** 2 + fy ** 2)
    band = (radius > 0.12) & (radius < 0.7)
    vals = spec[band]
    level = float(np.median(vals)) + 1e-6
    peak = float(np.percentile(vals, 99.95))
    ratio = peak / level
    return float(np.clip((ratio - 8.0) / 16.0, 0.0, 1.0))


def print_density(card_gray: np.ndarray) -> float:
    """How much print the card carries: fraction of pixels with strong local contrast (0 = blank sheet)."""
    g = cv2.resize(card_gray, (FRAUD_WIDTH_PX, 320), interpolation=cv2.INTER_AREA)
    grad = cv2.morphologyEx(g, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8))
    return float((grad > 40).mean())


def assess_fraud(card_bgr: np.ndarray, cfg: VisionConfig) -> FraudReport:
    """Photocopy, screen and blank cues of one rectified card (BGR, any size ≥ 128 px wide)."""
    gray = cv2.cvtColor(card_bgr, cv2.COLOR_BGR2GRAY)
    sat = colour_saturation(card_bgr)
    photocopy = float(np.clip(1.0 - sat / (2 * cfg.photocopy_saturation_max), 0.0, 1.0))
    report = FraudReport().with_flag("photocopy", photocopy, sat < cfg.photocopy_saturation_max)
    screen = periodic_peak_score(gray)
    report = report.with_flag("screen", screen, screen >= cfg.screen_score_min)
    density = print_density(gray)
    blank = float(np.clip(1.0 - density / 0.04, 0.0, 1.0))
    return report.with_flag("blank", blank, density < 0.01)
