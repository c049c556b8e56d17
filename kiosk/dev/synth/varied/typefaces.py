"""Typefaces for the printed fields of varied cards, from Debian font packages (never downloaded at run time).

``FIELD_TYPEFACES`` print the values (names, address, CURP, dates) on calibration and report cards alike;
``HELD_OUT`` ones only on report cards (see ``cells``), so the benchmark measures a typeface no calibration saw.
The labels use ``LABEL_TYPEFACE``; the MRZ stays OCR-B (``fonts-ocr-b``) as ICAO 9303 requires.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import numpy as np

from kiosk.dev.synth.fonts import FontMissing, blend_mask

_TT = Path("/usr/share/fonts/truetype")
# name -> (file, Debian package)
TYPEFACE_FILES: dict[str, tuple[Path, str]] = {
    "liberation-sans-narrow-bold": (_TT / "liberation/LiberationSansNarrow-Bold.ttf", "fonts-liberation"),
    "liberation-sans-bold": (_TT / "liberation/LiberationSans-Bold.ttf", "fonts-liberation"),
    "liberation-sans": (_TT / "liberation/LiberationSans-Regular.ttf", "fonts-liberation"),
    "noto-sans-bold": (_TT / "noto/NotoSans-Bold.ttf", "fonts-noto-core"),
    "noto-sans-display": (_TT / "noto/NotoSansDisplay-Regular.ttf", "fonts-noto-core"),
    "dejavu-sans-condensed-bold": (_TT / "dejavu/DejaVuSansCondensed-Bold.ttf", "fonts-dejavu-extra"),
    "dejavu-sans-bold": (_TT / "dejavu/DejaVuSans-Bold.ttf", "fonts-dejavu-core"),
    "freesans-bold": (_TT / "freefont/FreeSansBold.ttf", "fonts-freefont-ttf"),
    "freesans": (_TT / "freefont/FreeSans.ttf", "fonts-freefont-ttf"),
    "ocr-b": (Path("/usr/share/fonts/opentype/ocr-b/OCRB.otf"), "fonts-ocr-b"),
}
FIELD_TYPEFACES = ("liberation-sans-narrow-bold", "liberation-sans-bold", "noto-sans-bold", "noto-sans-display",
                   "dejavu-sans-condensed-bold", "liberation-sans")
HELD_OUT = ("freesans-bold", "freesans")
LABEL_TYPEFACE = "dejavu-sans-bold"
MRZ_TYPEFACE = "ocr-b"
DEBIAN_PACKAGES = tuple(sorted({pkg for _, pkg in TYPEFACE_FILES.values()}))


@functools.cache
def _freetype():
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    import pygame.freetype  # lazy: pygame is heavy

    pygame.freetype.init()
    return pygame.freetype


@functools.cache
def font(name: str):
    """The pygame.freetype.Font for a typeface of ``TYPEFACE_FILES``.

    Raises KeyError for an unknown name and FontMissing (naming the Debian package) when its file is missing.
    """
    path, package = TYPEFACE_FILES[name]
    if not path.is_file():
        raise FontMissing(f"font {path} not found; install the Debian package {package} (make setup does)")
    f = _freetype().Font(str(path))
    f.antialiased = True
    f.kerning = name != MRZ_TYPEFACE
    return f


def missing() -> list[str]:
    """Debian packages whose fonts are not installed (empty when every typeface is available)."""
    return sorted({pkg for path, pkg in TYPEFACE_FILES.values() if not path.is_file()})


def text_width(text: str, name: str, size_px: float) -> float:
    """Advance width of ``text`` in pixels."""
    return float(font(name).get_rect(text, size=size_px).width)


def fit_size(text: str, name: str, size_px: float, max_width_px: float, min_size_px: float = 8.0) -> float:
    """Largest size ≤ ``size_px`` at which ``text`` fits ``max_width_px`` (not below ``min_size_px``)."""
    width = text_width(text, name, size_px)
    if width <= max_width_px or width <= 0:
        return size_px
    return max(min_size_px, float(np.floor(size_px * max_width_px / width * 10) / 10))


def draw(img: np.ndarray, text: str, x_px: float, baseline_px: float, name: str, size_px: float,
         color_bgr: tuple[int, int, int], alpha: float = 1.0, anchor: str = "left") -> tuple[int, int, int, int]:
    """Blend ``text`` into ``img`` in place, baseline at ``baseline_px``; ``anchor`` 'left'/'center'/'right'.

    Returns the inked box (x0, y0, x1, y1) clipped to the image.
    """
    if not text:
        return (int(x_px), int(baseline_px), int(x_px), int(baseline_px))
    f = font(name)
    rect = f.get_rect(text, size=size_px)
    buf, (w, h) = f.render_raw(text, size=size_px)
    if w == 0 or h == 0:
        return (int(x_px), int(baseline_px), int(x_px), int(baseline_px))
    mask = np.frombuffer(buf, dtype=np.uint8).reshape(h, w)
    if anchor == "center":
        x_px -= rect.width / 2
    elif anchor == "right":
        x_px -= rect.width
    return blend_mask(img, mask, int(round(x_px + rect.x)), int(round(baseline_px - rect.y)), color_bgr, alpha)


def mask(text: str, name: str, size_px: float) -> np.ndarray:
    """Coverage mask (uint8, tight box) of ``text``."""
    buf, (w, h) = font(name).render_raw(text, size=size_px)
    return np.frombuffer(buf, dtype=np.uint8).reshape(h, w).copy()
