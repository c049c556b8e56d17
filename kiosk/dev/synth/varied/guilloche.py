"""Guilloché line patterns of our own (never INE's artwork), as anti-aliased coverage masks.

Each pattern is an implicit family of curves: a phase field over the card whose integer level sets are the lines
(waves: y minus a wandering sine; rings: distance from a centre off the card plus a wobble; rosettes: a
lobed radius). Coverage falls off linearly with the distance to the nearest level set, which gives
anti-aliased lines of ``thickness_px`` without drawing them one by one. Masks are float32 (0 = no ink,
1 = full line) of the card's size; ``design`` inks them in a colour or grey. Line spacing is in card pixels:
0.25 mm at 360 dpi is ~3.5 px, as fine as a real card's print and, resampled by a camera, a source of moiré.
"""

from __future__ import annotations

import math

import numpy as np

KINDS = ("waves", "mesh", "rosette", "rings")


def _lines(phase: np.ndarray, spacing_px: float, thickness_px: float) -> np.ndarray:
    """Coverage of the level sets phase = k (k integer), phase in units of lines (gradient ≈ 1/spacing)."""
    dist_px = np.abs(phase - np.round(phase)) * np.float32(spacing_px)
    return np.clip(np.float32(0.5 + thickness_px / 2) - dist_px, 0, 1).astype(np.float32)


def _grid(h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    # Broadcastable (1×w and h×1): the phase formulas expand them only where they must.
    return np.arange(w, dtype=np.float32)[None, :], np.arange(h, dtype=np.float32)[:, None]


def _wave_phase(x: np.ndarray, y: np.ndarray, spacing_px: float, rng: np.random.Generator) -> np.ndarray:
    wavelength = rng.uniform(40, 160)
    amp = rng.uniform(2.0, 9.0)
    mod_len = rng.uniform(300, 900)
    beat = rng.uniform(200, 700)
    # The amplitude itself swells along the card, so the waves bunch and spread as banknote backgrounds do.
    a = amp * (1 + 0.5 * np.sin(y / np.float32(beat)))
    off = a * np.sin(np.float32(2 * math.pi / wavelength) * x) + 0.4 * a * np.sin(np.float32(2 * math.pi / mod_len) * x)
    return (y - off) / np.float32(spacing_px)


def waves(h: int, w: int, spacing_px: float, rng: np.random.Generator, thickness_px: float = 1) -> np.ndarray:
    """Parallel sine waves whose amplitude swells and fades across the card."""
    x, y = _grid(h, w)
    return _lines(_wave_phase(x, y, spacing_px, rng), spacing_px, thickness_px)


def mesh(h: int, w: int, spacing_px: float, rng: np.random.Generator, thickness_px: float = 1) -> np.ndarray:
    """Two wave families crossing at an angle: a woven net."""
    x, y = _grid(h, w)
    a = _lines(_wave_phase(x, y, spacing_px * 1.6, rng), spacing_px * 1.6, thickness_px)
    ang = math.radians(float(rng.uniform(25, 65)))
    xr = x * np.float32(math.cos(ang)) + y * np.float32(math.sin(ang))  # full h×w from here
    yr = -x * np.float32(math.sin(ang)) + y * np.float32(math.cos(ang))
    b = _lines(_wave_phase(xr, yr, spacing_px * 1.6, rng), spacing_px * 1.6, thickness_px)
    return np.maximum(a, b)


def rosette(h: int, w: int, spacing_px: float, rng: np.random.Generator, thickness_px: float = 1) -> np.ndarray:
    """Nested lobed rings around a centre on the card, fading out beyond their outer radius."""
    x, y = _grid(h, w)
    cx, cy = rng.uniform(0.2, 0.8) * w, rng.uniform(0.2, 0.8) * h
    r_outer = rng.uniform(0.25, 0.45) * w
    lobes = int(rng.integers(9, 25))
    dx, dy = x - np.float32(cx), y - np.float32(cy)
    r = np.sqrt(dx * dx + dy * dy)
    th = np.arctan2(dy, dx)
    depth = np.float32(0.08) + np.float32(0.1) * np.minimum(r / np.float32(r_outer), 1)
    rho = r / (1 + depth * np.sin(lobes * th + r / np.float32(17.0)))
    inside = np.clip((np.float32(r_outer) - rho) / np.float32(8), 0, 1)
    return _lines(rho / np.float32(spacing_px * 1.5), spacing_px * 1.5, thickness_px) * inside


def rings(h: int, w: int, spacing_px: float, rng: np.random.Generator, thickness_px: float = 1) -> np.ndarray:
    """Concentric wavy rings from a centre off the card: arcs sweeping across it."""
    x, y = _grid(h, w)
    cx, cy = rng.uniform(-0.3, 1.3) * w, float(rng.choice([-0.6, 1.6])) * h
    dx, dy = x - np.float32(cx), y - np.float32(cy)
    r = np.sqrt(dx * dx + dy * dy)
    wob = np.float32(rng.uniform(1.0, 4.0))
    rr = r + wob * np.sin(40 * np.arctan2(dy, dx) + r / np.float32(23.0))
    return _lines(rr / np.float32(spacing_px), spacing_px, thickness_px)


def pattern(kind: str, h: int, w: int, spacing_px: float, rng: np.random.Generator,
            thickness_px: float = 1) -> np.ndarray:
    """The mask of ``kind`` (one of ``KINDS``). Raises KeyError for an unknown kind."""
    return {"waves": waves, "mesh": mesh, "rosette": rosette, "rings": rings}[kind](h, w, spacing_px, rng,
                                                                                   thickness_px)
