"""Build time: render the glyph atlas that ships as ``kiosk/vision/front_glyphs.npz`` (needs pygame).

``python -m models.front_atlas [FONT.ttf]`` regenerates it from DejaVu Sans Condensed Bold (fonts-dejavu-core)
or the font given; :mod:`kiosk.vision.front_text` only loads it, so there is no font or pygame at run time.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from kiosk.errors import ModelError
from kiosk.vision.front_text import ATLAS_CHARS, ATLAS_PATH

ATLAS_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed-Bold.ttf")
_ATLAS_SIZE_PX = 64  # em size when rendering the atlas (cap height ~47 px)


def render_atlas(font_path: Path = ATLAS_FONT) -> dict[str, np.ndarray]:
    """Render :data:`ATLAS_CHARS` and their pair advances (kerning included) from ``font_path``.

    Needs pygame (development only). Raises ModelError when the font is missing.
    """
    if not Path(font_path).is_file():
        raise ModelError(f"font not found at {font_path} (apt-get install fonts-dejavu-core)")
    import os

    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    import pygame.freetype as ft  # lazy: only needed to regenerate the data file

    ft.init()
    font = ft.Font(str(font_path))
    font.kerning = True
    font.antialiased = True
    size = _ATLAS_SIZE_PX
    inked = [c for c in ATLAS_CHARS if c != " "]
    ascent = max(font.get_rect(c, size=size).y for c in inked)
    descent = max(font.get_rect(c, size=size).height - font.get_rect(c, size=size).y for c in inked)
    box_w = max(font.get_rect(c, size=size).width for c in inked)
    n = len(ATLAS_CHARS)
    glyphs = np.zeros((n, ascent + descent, box_w), np.uint8)
    bearing = np.zeros(n, np.int16)
    for i, ch in enumerate(ATLAS_CHARS):
        if ch == " ":
            continue
        rect = font.get_rect(ch, size=size)
        buf, (w, h) = font.render_raw(ch, size=size)
        glyphs[i, ascent - rect.y:ascent - rect.y + h, :w] = np.frombuffer(buf, np.uint8).reshape(h, w)
        bearing[i] = rect.x
    # advance[a, b]: where b's origin sits after a's in "ab", kerning included (b's ink ends the pair's ink).
    advance = np.zeros((n, n), np.float32)
    for i, a in enumerate(ATLAS_CHARS):
        for j, b in enumerate(ATLAS_CHARS):
            if a == " " or b == " ":
                advance[i, j] = font.get_metrics(a, size=size)[0][4]
                continue
            rab, rb = font.get_rect(a + b, size=size), font.get_rect(b, size=size)
            advance[i, j] = (rab.x + rab.width) - (rb.x + rb.width)
    cap = font.get_rect("H", size=size).height
    return {"glyphs": glyphs, "bearing": bearing, "advance": advance, "chars": np.array(list(ATLAS_CHARS)),
            "ascent": np.array(ascent, np.int16), "cap_px": np.array(cap, np.float32)}


def main(argv: list[str] | None = None) -> int:
    """Regenerate :data:`ATLAS_PATH` from the installed DejaVu Sans Condensed Bold (or the font given)."""
    args = sys.argv[1:] if argv is None else argv
    font = Path(args[0]) if args else ATLAS_FONT
    np.savez_compressed(ATLAS_PATH, **render_atlas(font))
    print(f"wrote {ATLAS_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
