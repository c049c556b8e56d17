"""OCR-B glyph cells for the MRZ classifier: rendered once from Debian's ``fonts-ocr-b`` and shipped as data.

The MRZ is printed in OCR-B, a fixed-pitch font, so each of the 37 MRZ symbols (``0-9 A-Z <``) occupies one
cell of the same width. We ship those cells (``ocrb_cells.npz`` beside this module, ink 0..255, one cell per
symbol, box = one advance wide × the cap band plus a margin) so a Pi needs neither the font nor pygame at run
time. :mod:`models.mrz_cells` (``python -m models.mrz_cells``) regenerates the file from the installed font.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from kiosk.errors import ModelError

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<"
CELLS_PATH = Path(__file__).with_name("ocrb_cells.npz")
# The classification window spans the cap band plus this fraction of the cap height above and below; the
# same definition is used for templates and image cells, so they line up.
WINDOW_MARGIN = 0.18


@functools.lru_cache(maxsize=1)
def load_cells() -> np.ndarray:
    """(37, H, W) float32 ink in 0..1, one fixed-pitch cell per symbol of :data:`ALPHABET`.

    Raises ModelError when the shipped data file is missing or inconsistent.
    """
    try:
        data = np.load(CELLS_PATH)
        cells = data["cells"].astype(np.float32) / 255.0
        alphabet = "".join(data["alphabet"].tolist())
    except (OSError, KeyError, ValueError) as exc:
        raise ModelError(f"OCR-B glyph data unreadable at {CELLS_PATH}: {exc}") from exc
    if alphabet != ALPHABET or cells.shape[0] != len(ALPHABET):
        raise ModelError(f"OCR-B glyph data at {CELLS_PATH} does not match the MRZ alphabet")
    return cells
