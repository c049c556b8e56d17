"""OCR-B glyph cells for the MRZ classifier: rendered once from Debian's ``fonts-ocr-b`` and shipped as data.

The MRZ is printed in OCR-B, a fixed-pitch font, so each of the 37 MRZ symbols (``0-9 A-Z <``) occupies one
cell of the same width. We ship those cells (``ocrb_cells.npz`` beside this module, ink 0..255, one cell per
symbol, box = one advance wide × the cap band plus a margin) so a Pi needs neither the font nor pygame at run
time. ``python -m kiosk.vision.glyphs`` regenerates the file from the installed font.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import numpy as np

from kiosk.errors import ModelError

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<"
CELLS_PATH = Path(__file__).with_name("ocrb_cells.npz")
FONT_PATH = Path("/usr/share/fonts/opentype/ocr-b/OCRB.otf")
# The classification window spans the cap band plus this fraction of the cap height above and below; the
# same definition is used for templates and image cells, so they line up.
WINDOW_MARGIN = 0.18
_RENDER_SIZE = 200  # font size in px when rendering; cap height is then ~140 px


def render_cells(font_path: Path = FONT_PATH) -> dict[str, np.ndarray]:
    """Render every MRZ symbol into its fixed-pitch cell. Returns arrays for :data:`CELLS_PATH`.

    Needs pygame (a development tool only). Raises ModelError when the font is missing.
    """
    if not font_path.is_file():
        raise ModelError(f"OCR-B font not found at {font_path} (apt-get install fonts-ocr-b)")
    import pygame.freetype as ft  # lazy: only needed to regenerate the data file

    ft.init()
    font = ft.Font(str(font_path), _RENDER_SIZE)
    font.origin = True  # render_to's position is the baseline origin, so every cell shares one baseline
    advance = int(round(font.get_metrics("0")[0][4]))
    cap_px = font.get_metrics("H")[0][3]
    top = int(round(cap_px * (1 + WINDOW_MARGIN)))
    height = int(round(cap_px * (1 + 2 * WINDOW_MARGIN)))
    cells = np.zeros((len(ALPHABET), height, advance), np.uint8)
    import pygame

    for i, ch in enumerate(ALPHABET):
        surf = pygame.Surface((advance, height))
        surf.fill((255, 255, 255))
        font.render_to(surf, (0, top), ch, fgcolor=(0, 0, 0))
        gray = pygame.surfarray.array3d(surf)[:, :, 0].T
        cells[i] = 255 - gray
    return {"cells": cells, "alphabet": np.array(list(ALPHABET)), "cap_px": np.array(cap_px, np.float32)}


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


def main(argv: list[str] | None = None) -> int:
    """Regenerate :data:`CELLS_PATH` from the installed OCR-B font."""
    args = sys.argv[1:] if argv is None else argv
    font = Path(args[0]) if args else FONT_PATH
    np.savez_compressed(CELLS_PATH, **render_cells(font))
    print(f"wrote {CELLS_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
