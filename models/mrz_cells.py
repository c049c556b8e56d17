"""Build time: render the OCR-B cells that ship as ``kiosk/vision/ocrb_cells.npz`` (needs pygame and fonts-ocr-b).

``python -m models.mrz_cells [FONT.otf]`` regenerates the file; :mod:`kiosk.vision.glyphs` only loads it, so a
Pi needs neither the font nor pygame at run time.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from kiosk.errors import ModelError
from kiosk.vision.glyphs import ALPHABET, CELLS_PATH, WINDOW_MARGIN

FONT_PATH = Path("/usr/share/fonts/opentype/ocr-b/OCRB.otf")
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


def main(argv: list[str] | None = None) -> int:
    """Regenerate :data:`CELLS_PATH` from the installed OCR-B font."""
    args = sys.argv[1:] if argv is None else argv
    font = Path(args[0]) if args else FONT_PATH
    np.savez_compressed(CELLS_PATH, **render_cells(font))
    print(f"wrote {CELLS_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
