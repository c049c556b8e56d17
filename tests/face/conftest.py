"""Shared fixtures of the face tests: one pipeline per session (real models), the labelled test photos."""

from __future__ import annotations

import csv
import functools
import json
from pathlib import Path

import cv2
import numpy as np
import pytest

DATA_DIR = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def face_pipeline():
    from kiosk.config import FaceConfig
    from kiosk.face.pipeline import FacePipeline

    pipe = FacePipeline(FaceConfig())
    yield pipe
    pipe.close()


@pytest.fixture(scope="session")
def labels(faces_dir: Path) -> dict[str, str]:
    """file name → person for every labelled single-person photo."""
    with open(faces_dir / "labels.csv", newline="") as fh:
        return {r["file"]: r["person"] for r in csv.DictReader(fh) if r["person"] not in ("several", "unlabelled")}


@pytest.fixture(scope="session")
def load_face(faces_dir: Path):
    @functools.cache
    def load(name: str) -> np.ndarray:
        img = cv2.imread(str(faces_dir / name), cv2.IMREAD_COLOR)
        if img is None:
            raise FileNotFoundError(faces_dir / name)
        return img

    return load


@pytest.fixture(scope="session")
def dlib_reference() -> dict:
    return json.loads((DATA_DIR / "dlib_reference.json").read_text())
