"""Face detector for whole images: BlazeFace short + full range, each face confirmed by the face mesh.

The mesh's face-presence output rejects BlazeFace false positives (emblems, posters' patterns) cheaply, and
its landmarks are kept so the pipeline does not run the mesh twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from kiosk.errors import ImageError
from kiosk.face import model_files
from kiosk.face.detect import FULL_RANGE, SHORT_RANGE, BlazeFaceDetector, FaceDetection, detect_faces
from kiosk.face.landmarks import FaceLandmarks, FaceMesh
from kiosk.face.runtime import TfliteModel

MIN_PRESENCE = 0.5


@dataclass(frozen=True)
class DetectedFace:
    """A confirmed face: its detection and its 468 landmarks."""

    detection: FaceDetection
    landmarks: FaceLandmarks


def as_bgr(img: np.ndarray) -> np.ndarray:
    """Accept BGR, BGRA or grayscale uint8 images (card photos may be grayscale); return 3-channel BGR.

    Raises:
        ImageError: not a 2-D/3-D uint8 array with 1, 3 or 4 channels, or smaller than 16×16 px.
    """
    if not isinstance(img, np.ndarray) or img.dtype != np.uint8 or img.ndim not in (2, 3):
        raise ImageError("expected a uint8 image array (H×W or H×W×C)")
    if img.shape[0] < 16 or img.shape[1] < 16:
        raise ImageError(f"image too small to hold a face: {img.shape[1]}×{img.shape[0]} px")
    if img.ndim == 2:
        return cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    channels = img.shape[2]
    if channels == 1:
        return cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    if channels == 4:
        return cv2.cvtColor(img, cv2.COLOR_BGRA2BGR)
    if channels == 3:
        return img
    raise ImageError(f"unsupported channel count {channels}")


class FaceDetector:
    """Loads the two BlazeFace models and the face mesh once; ``detect`` finds confirmed faces.

    Raises:
        ModelError: a model file is missing or no TFLite runtime is installed.
    """

    def __init__(self, models_dir: Path | None = None, threads: int = 2) -> None:
        root = Path(models_dir) if models_dir is not None else model_files.DEFAULT_MODELS_DIR
        self._models: list[TfliteModel] = []
        try:
            short = self._load(root / model_files.DETECTOR_SHORT, threads)
            full = self._load(root / model_files.DETECTOR_FULL, threads)
            self.mesh = FaceMesh(self._load(root / model_files.LANDMARKS, threads))
        except Exception:
            self.close()
            raise
        self._detectors = [BlazeFaceDetector(short, SHORT_RANGE), BlazeFaceDetector(full, FULL_RANGE)]

    def _load(self, path: Path, threads: int) -> TfliteModel:
        model = TfliteModel(path, threads)
        self._models.append(model)
        return model

    def detect_with_landmarks(self, img_bgr: np.ndarray) -> list[DetectedFace]:
        """Confirmed faces with landmarks, best detector score first.

        Raises:
            ImageError: the image is not usable (see :func:`as_bgr`).
        """
        bgr = as_bgr(img_bgr)
        found = []
        for det in detect_faces(bgr, self._detectors):
            lm = self.mesh.landmarks(bgr, det)
            if lm.presence >= MIN_PRESENCE:
                found.append(DetectedFace(det, lm))
        return found

    def detect(self, img_bgr: np.ndarray) -> list[FaceDetection]:
        """Confirmed face detections in image pixels, best first (empty list when there is no face)."""
        return [f.detection for f in self.detect_with_landmarks(img_bgr)]

    def close(self) -> None:
        """Release every interpreter; idempotent."""
        for model in self._models:
            model.close()
