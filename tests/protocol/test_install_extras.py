"""Central installs without the kiosk's capture stack: pygame, OpenCV, numpy and a TFLite runtime are only in
the ``kiosk`` extra, which every lock the Makefile makes includes."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"
KIOSK_ONLY = {"pygame", "opencv-python-headless", "numpy", "ai-edge-litert", "tflite-runtime", "gpiozero"}


def _names(reqs: list[str]) -> set[str]:
    return {re.split(r"[\s<>=!~;\[]", r, maxsplit=1)[0].lower() for r in reqs}


def test_central_needs_none_of_the_kiosk_stack():
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    assert _names(project["dependencies"]).isdisjoint(KIOSK_ONLY)
    assert _names(extras["central"]).isdisjoint(KIOSK_ONLY)
    assert KIOSK_ONLY - {"tflite-runtime"} <= _names(extras["kiosk"])
    makefile = (PYPROJECT.parent / "Makefile").read_text(encoding="utf-8")
    for lock in ("DEV", "PI", "BENCH", "MODELS"):  # make setup / test / run / bench / models still get the kiosk
        assert re.search(rf"^{lock}_EXTRAS := kiosk ", makefile, re.M), lock
    assert {"cryptography", "flask"} <= _names(project["dependencies"])
