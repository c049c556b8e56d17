"""The vision data files the kiosk ships are what their build tools in models/ render (needs the Debian fonts)."""

from __future__ import annotations

import numpy as np

from kiosk.vision.glyphs import CELLS_PATH, load_cells
from models.mrz_cells import render_cells


def test_the_shipped_ocrb_cells_are_what_the_documented_command_renders() -> None:
    rendered = render_cells()
    shipped = np.load(CELLS_PATH)
    assert set(rendered) == set(shipped.files)
    for key, value in rendered.items():
        assert np.array_equal(shipped[key], value), key
    assert load_cells().shape[0] == len(rendered["alphabet"])
