"""Shared scene builders for the vision tests: real synthetic cards and scenes from kiosk.dev.synth, plus the bad
inputs the issue lists (no card, two cards, a passport, black / blown-out frames, a tiny card)."""

from __future__ import annotations

import functools
from datetime import date

import cv2
import numpy as np

from kiosk.dev.synth import fonts
from kiosk.dev.synth.card import render_back
from kiosk.dev.synth.dataset import Sample, generate_sample
from kiosk.dev.synth.scene import make_background, make_scene

SEED = 101  # the benchmark uses 9031
TODAY = date(2026, 6, 1)
# (difficulty, index) of genuine samples whose cards are not expired on TODAY (checked in the tests).
GOOD = (("easy", 0), ("easy", 1), ("normal", 2))


@functools.lru_cache(maxsize=32)
def sample(difficulty: str, index: int, attack: str | None = None) -> Sample:
    return generate_sample(SEED, index, difficulty, attack)


def preview(scene: np.ndarray) -> np.ndarray:
    return cv2.resize(scene, (640, 480), interpolation=cv2.INTER_AREA)


def background(seed: int = 3, kind: str = "wood") -> np.ndarray:
    return make_background(np.random.default_rng(seed), kind, 1600, 1200)


@functools.lru_cache(maxsize=4)
def two_cards_scene() -> np.ndarray:
    """Two genuine backs side by side on a table."""
    s1, s2 = sample("easy", 0), sample("easy", 1)
    bg = background(5, "textured")
    for card, x0 in ((s1.back_card, 60), (s2.back_card, 830)):
        small = cv2.resize(card, (700, int(700 * card.shape[0] / card.shape[1])), interpolation=cv2.INTER_AREA)
        bg[380:380 + small.shape[0], x0:x0 + 700] = small
    return bg


@functools.lru_cache(maxsize=4)
def passport_scene() -> tuple[np.ndarray, np.ndarray]:
    """A passport-like data page (ICAO TD3: two MRZ lines of 44) photographed like a card. (scene, page)."""
    page = np.full((880, 1250, 3), (228, 236, 240), np.uint8)
    cv2.rectangle(page, (60, 90), (380, 520), (150, 140, 130), -1)  # photo block
    for i, text in enumerate(("PASAPORTE DE MUESTRA · SPECIMEN", "APELLIDOS: MUESTRA", "NOMBRES: ANA")):
        fonts.draw_text(page, text, 430, 150 + 60 * i, "sans-bold", 32, (60, 50, 40))
    lines = ("P<MEXMUESTRA<<ANA<<<<<<<<<<<<<<<<<<<<<<<<<<<",
             "G123456784MEX9005178F3012316<<<<<<<<<<<<<<00")
    for i, line in enumerate(lines):
        for k, ch in enumerate(line):
            fonts.draw_text(page, ch, 50 + k * 26 + 13, 760 + 56 * i, "ocr-b", 36, (20, 20, 20), anchor="center")
    scene, _ = make_scene(page, np.random.default_rng(8), "easy", overrides={"hand": False, "glare_strength": 0.0})
    return scene, page


@functools.lru_cache(maxsize=4)
def tiny_card_scene() -> np.ndarray:
    """A genuine back held far away: about 12 % of the frame width."""
    back = render_back(sample("easy", 0).citizen)
    scene, _ = make_scene(back, np.random.default_rng(4), "easy",
                          overrides={"card_width_fraction": 0.12, "hand": False, "glare_strength": 0.0,
                                     "background": "wood"})
    return scene


def black_frame() -> np.ndarray:
    return np.full((1200, 1600, 3), 6, np.uint8)


def blown_out_frame() -> np.ndarray:
    return np.full((1200, 1600, 3), 252, np.uint8)
