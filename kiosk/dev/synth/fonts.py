"""Fonts for synthetic cards, rendered with pygame.freetype straight into numpy images (headless, no display).

The MRZ uses OCR-B from Debian's ``fonts-ocr-b``; labels and values use DejaVu Sans (``fonts-dejavu-core``) and
fall back to pygame's bundled FreeSans when DejaVu is missing. Fonts load on first use, never at import.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import numpy as np

from kiosk.errors import KioskError

OCR_B_PATHS = (Path("/usr/share/fonts/opentype/ocr-b/OCRB.otf"), Path("/usr/share/fonts/truetype/ocr-b/OCRB.ttf"))
SANS_PATHS = {
    "sans": Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    "sans-bold": Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    "sans-condensed": Path("/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed.ttf"),
    "sans-condensed-bold": Path("/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed-Bold.ttf"),
}


class FontMissing(KioskError, FileNotFoundError):
    """A font the synthetic generator needs is not installed (the message names the Debian package)."""


@functools.cache
def _freetype():
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    import pygame.freetype  # lazy: pygame is heavy


    pygame.freetype.init()
    return pygame.freetype


@functools.cache
def font(name: str):
    """A pygame.freetype.Font for 'ocr-b', 'sans', 'sans-bold', 'sans-condensed' or 'sans-condensed-bold'.

    Raises FontMissing if OCR-B is not installed (apt-get install fonts-ocr-b); sans fonts fall back to
    pygame's bundled font. Raises KeyError for an unknown name.
    """
    ft = _freetype()
    if name == "ocr-b":
        path = next((p for p in OCR_B_PATHS if p.is_file()), None)
        if path is None:
            raise FontMissing("OCR-B font not found; install the Debian package fonts-ocr-b")
        f = ft.Font(str(path))
    else:
        path = SANS_PATHS[name]
        f = ft.Font(str(path)) if path.is_file() else ft.Font(None)
        if not path.is_file() and name.endswith("bold"):
            f.strong = True
    f.antialiased = True
    f.kerning = name != "ocr-b"
    return f


def mrz_font_path() -> Path:
    """The OCR-B file used for the MRZ. Raises FontMissing when not installed."""
    path = next((p for p in OCR_B_PATHS if p.is_file()), None)
    if path is None:
        raise FontMissing("OCR-B font not found; install the Debian package fonts-ocr-b")
    return path


def text_width(text: str, name: str, size_px: float) -> int:
    """Advance width of ``text`` in pixels."""
    return int(font(name).get_rect(text, size=size_px).width)


def fit_size(text: str, name: str, size_px: float, max_width_px: int, min_size_px: float = 10.0) -> float:
    """Largest size ≤ ``size_px`` at which ``text`` fits in ``max_width_px`` (not below ``min_size_px``)."""
    size = size_px
    while size > min_size_px and text_width(text, name, size) > max_width_px:
        size -= 1.0
    return size


def draw_text(img: np.ndarray, text: str, x_px: float, baseline_px: float, name: str, size_px: float,
              color_bgr: tuple[int, int, int], alpha: float = 1.0, anchor: str = "left") -> tuple[int, int, int, int]:
    """Blend ``text`` into the BGR ``img`` in place with its baseline at ``baseline_px``.

    ``anchor`` is 'left', 'center' or 'right' for ``x_px``. Returns the drawn box (x0, y0, x1, y1) in pixels
    (clipped to the image); text outside the image is clipped silently.
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
    x0 = int(round(x_px + rect.x))
    y0 = int(round(baseline_px - rect.y))
    return blend_mask(img, mask, x0, y0, color_bgr, alpha)


def blend_mask(img: np.ndarray, mask: np.ndarray, x0: int, y0: int, color_bgr: tuple[int, int, int],
               alpha: float = 1.0) -> tuple[int, int, int, int]:
    """Paint ``color_bgr`` into ``img`` where ``mask`` (uint8 coverage) is set, top-left at (x0, y0)."""
    h, w = mask.shape
    ih, iw = img.shape[:2]
    cx0, cy0, cx1, cy1 = max(x0, 0), max(y0, 0), min(x0 + w, iw), min(y0 + h, ih)
    if cx0 >= cx1 or cy0 >= cy1:
        return (cx0, cy0, cx0, cy0)
    m = mask[cy0 - y0:cy1 - y0, cx0 - x0:cx1 - x0].astype(np.float32)[..., None] * (alpha / 255.0)
    region = img[cy0:cy1, cx0:cx1].astype(np.float32)
    color = np.array(color_bgr, dtype=np.float32)
    img[cy0:cy1, cx0:cx1] = (region * (1.0 - m) + color * m + 0.5).astype(np.uint8)
    return (cx0, cy0, cx1, cy1)


def text_mask(text: str, name: str, size_px: float) -> np.ndarray:
    """Coverage mask (uint8, tight box) of ``text``."""
    buf, (w, h) = font(name).render_raw(text, size=size_px)
    return np.frombuffer(buf, dtype=np.uint8).reshape(h, w).copy()
