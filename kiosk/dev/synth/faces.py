"""Face photos for synthetic credentials and selfie sequences, from ``../shared/faces`` beside the repository.

Only single-person files are used: labels.csv rows whose person is not 'several' or 'unlabelled'. A folder given
by the user without labels.csv is used whole (every readable image, person unknown). Face boxes come from the
face package's detector when its models are installed, else the photo is centre-cropped.
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

import kiosk
from kiosk.errors import ImageError, KioskError

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")
EXCLUDED_PERSONS = frozenset({"several", "unlabelled", ""})


class FacesMissing(KioskError, FileNotFoundError):
    """The faces folder does not exist or holds no usable single-person photo."""


@dataclass(frozen=True)
class FaceFile:
    path: Path
    person: str | None  # label from labels.csv; None when the folder has no labels


def default_faces_dir() -> Path:
    """``../shared/faces`` relative to the repository root (the folder holding the ``kiosk`` package)."""
    return Path(kiosk.__file__).resolve().parent.parent.parent / "shared" / "faces"


@functools.cache
def list_faces(faces_dir: Path | None = None) -> tuple[FaceFile, ...]:
    """Usable single-person face files in ``faces_dir`` (default :func:`default_faces_dir`), sorted by name.

    Raises FacesMissing when the folder is missing or has no usable photo.
    """
    folder = Path(faces_dir) if faces_dir is not None else default_faces_dir()
    if not folder.is_dir():
        raise FacesMissing(f"faces folder not found: {folder} (use --faces DIR)")
    labels = folder / "labels.csv"
    found: list[FaceFile] = []
    if labels.is_file():
        with labels.open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                person = (row.get("person") or "").strip()
                path = folder / (row.get("file") or "").strip()
                if person not in EXCLUDED_PERSONS and path.suffix.lower() in IMAGE_SUFFIXES and path.is_file():
                    found.append(FaceFile(path, person))
    else:
        found = [FaceFile(p, None) for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES]
    if not found:
        raise FacesMissing(f"no usable single-person face photo in {folder}")
    return tuple(sorted(found, key=lambda f: f.path.name))


@functools.cache
def _detector():
    try:
        from kiosk.face.detector import FaceDetector

        return FaceDetector(threads=1)
    except Exception:  # models or runtime missing: centre crops are the documented fallback
        return None


@functools.cache
def load_face(path: Path) -> tuple[np.ndarray, tuple[float, float, float, float] | None]:
    """The image at ``path`` (BGR) and the box (x0, y0, x1, y1 px) of its most confident face, or None.

    Cached per process: the same file always yields the same image and box. Raises ImageError if unreadable.
    """
    img = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if img is None:
        raise ImageError(f"cannot read face image {path}")
    det = _detector()
    box = None
    if det is not None:
        try:
            found = det.detect(img)
        except Exception:
            found = []
        if found:
            box = tuple(float(v) for v in found[0].box_xyxy)
    img.setflags(write=False)  # shared by the cache: callers must not modify it
    return img, box
