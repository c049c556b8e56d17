"""``python -m kiosk.ui.gallery --out DIR``: a PNG of every screen (sample ScreenModels from the flow) at every
supported size, in each language and theme, to look at the whole UI at once without a camera or a session.
The review screens carry the longest name a card's MRZ can give; the "¿Quieres salir?" dialog has its own PNGs
(``<state>_cancel_…``) over each step that asks it."""

from __future__ import annotations

import argparse
import dataclasses
import os
from pathlib import Path

VARIANTS = ("normal", "high_contrast", "large_text")
#: Steps whose "¿Quieres salir?" (or, on the notice, "No aceptaste") dialog gets a PNG of its own.
DIALOG_STATES_NAMES = ("card_back", "signature", "privacy_notice", "face_match")


def save_gallery(out_dir: Path, sizes: list[tuple[int, int]], languages: list[str], variants: list[str]) -> int:
    """Render and save the screens; returns how many PNGs were written. Raises OSError when DIR is not writable."""
    import numpy as np
    import pygame

    from kiosk.camera.base import Frame
    from kiosk.flow.samples import longest_names, sample_screen_models, with_name
    from kiosk.flow.states import State
    from kiosk.ui.loop import render_screen
    from kiosk.ui.runtime import UiRuntime

    DIALOG_STATES = {State(n) for n in DIALOG_STATES_NAMES}  # noqa: N806 - a constant of this run
    pygame.font.init()
    out_dir.mkdir(parents=True, exist_ok=True)
    img = np.zeros((480, 640, 3), np.uint8)
    img[:] = (90, 110, 130)
    img[150:330, 170:470] = (200, 190, 180)  # a grey 'card' so the guide has something to frame
    preview = Frame(image=img, timestamp_s=0.0, index=1)
    count = 0
    for lang in languages:
        for state, model in sample_screen_models(lang).items():
            # the review screens show the longest name a card can give (the screen must wrap it, not cut it)
            model = dataclasses.replace(with_name(model, longest_names()[0]), language=lang)
            for variant in variants:
                shown = dataclasses.replace(model, high_contrast=variant == "high_contrast",
                                            large_text=variant == "large_text")
                for size in sizes:
                    surface = render_screen(shown, size, preview, runtime=UiRuntime(), now_s=1.0)
                    pygame.image.save(surface, str(out_dir / f"{state.value}_{size[0]}x{size[1]}_{variant}_{lang}.png"))
                    count += 1
                    if state in DIALOG_STATES:
                        asked = dataclasses.replace(shown, is_cancel_asked=True)
                        surface = render_screen(asked, size, preview, runtime=UiRuntime(), now_s=1.0)
                        pygame.image.save(surface, str(out_dir / f"{state.value}_cancel_{size[0]}x{size[1]}_"
                                                                 f"{variant}_{lang}.png"))
                        count += 1
    return count


def _size(text: str) -> tuple[int, int]:
    w, _, h = text.lower().partition("x")
    return int(w), int(h)


def main(argv: list[str] | None = None) -> int:
    from kiosk.ui.layout import SUPPORTED_SIZES

    parser = argparse.ArgumentParser(prog="python -m kiosk.ui.gallery", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for the PNGs")
    parser.add_argument("--size", type=_size, action="append", help="WxH (repeatable; default: all supported)")
    parser.add_argument("--lang", action="append", choices=("es", "en"), help="default: es and en")
    parser.add_argument("--variant", action="append", choices=VARIANTS, help="default: all three")
    args = parser.parse_args(argv)
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    n = save_gallery(args.out, args.size or list(SUPPORTED_SIZES), args.lang or ["es", "en"],
                     args.variant or list(VARIANTS))
    print(f"{n} screens written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
