"""The face pipeline: detect → 468 landmarks → dlib's 5 points → aligned chip → 128-d descriptor → decision.

``FacePipeline`` loads every model once in its constructor and is the one object the kiosk keeps; it is
thread-safe per model (each interpreter is serialised) and ``close()`` is idempotent.

Credential photos are small, printed and often grey: when the reference is grey, the selfie chip is made grey
too before embedding, so colour is not counted as a difference (measured in tests/face and the bench).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from kiosk.config import FaceConfig
from kiosk.errors import FaceNotFound, TooManyFaces
from kiosk.face import model_files
from kiosk.face.align import face_chip, five_points_from_mesh
from kiosk.face.detect import FaceDetection
from kiosk.face.detector import DetectedFace, FaceDetector, as_bgr
from kiosk.face.embed import FaceEmbedder, descriptor_distance
from kiosk.face.eyes import EyeModel
from kiosk.face.quality import SelfieQuality, assess, has_second_person, light_measures, main_face
from kiosk.face.runtime import TfliteModel

GREY_CHROMA_MAX = 4.0  # mean |channel − grey| below this: the image is greyscale (or nearly)


@dataclass(frozen=True)
class FaceSample:
    """One analysed face: where it is, its chip and its descriptor."""

    face: DetectedFace
    chip_rgb: np.ndarray = field(repr=False)
    descriptor: np.ndarray = field(repr=False)
    is_grey: bool


@dataclass(frozen=True)
class MatchResult:
    """Outcome of a 1:1 comparison; distances are dlib's Euclidean metric."""

    distance: float
    threshold: float
    is_match: bool
    boxes: dict[str, list[float]]
    quality: dict[str, dict]
    timings_ms: dict[str, float]
    variant: str = "fp16"

    def to_json(self) -> dict:
        return {"distance": round(self.distance, 4), "threshold": self.threshold, "is_match": self.is_match,
                "boxes": self.boxes, "quality": self.quality, "timings_ms": self.timings_ms,
                "model_variant": self.variant}


def is_grey_image(img_bgr: np.ndarray) -> bool:
    """True when the colour channels barely differ (a grey print or a greyscale photo)."""
    h, w = img_bgr.shape[:2]
    small = img_bgr[:: max(1, h // 96), :: max(1, w // 96)].astype(np.float32)  # a sample is enough
    grey = small.mean(axis=2, keepdims=True)
    return float(np.abs(small - grey).mean()) < GREY_CHROMA_MAX


def _grey_chip(chip_rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(cv2.cvtColor(chip_rgb, cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB)


class FacePipeline:
    """Detection, alignment, descriptors, selfie quality; models load here, once.

    Args:
        cfg: the face section of the kiosk config (variant, threshold, threads, selfie limits).
        models_dir: folder with the .tflite files (default: the repository's ``models/``).

    Raises:
        ModelError: a model file is missing/corrupt or no TFLite runtime is installed.
    """

    def __init__(self, cfg: FaceConfig, models_dir: Path | None = None) -> None:
        self.cfg = cfg
        root = Path(models_dir) if models_dir is not None else model_files.DEFAULT_MODELS_DIR
        self.detector = FaceDetector(root, cfg.threads)
        self._own_models: list[TfliteModel] = []
        try:
            self._embed_model = self._load(root / model_files.embedding_file(cfg.model_variant))
            self.embedder = FaceEmbedder(self._embed_model)
            self.eyes = EyeModel(self._load(root / model_files.EYES))
        except Exception:
            self.close_models()
            raise
        self._is_closed = False

    def _load(self, path: Path) -> TfliteModel:
        model = TfliteModel(path, self.cfg.threads)
        self._own_models.append(model)
        return model

    def close_models(self) -> None:
        self.detector.close()
        for model in self._own_models:
            model.close()

    # -- building blocks -------------------------------------------------------------------------------------
    def detect(self, img_bgr: np.ndarray) -> list[FaceDetection]:
        """Faces in the image (pixels), best first; empty when none. ImageError on an unusable image."""
        return self.detector.detect(img_bgr)

    def analyse(self, img_bgr: np.ndarray) -> list[DetectedFace]:
        """Faces with their 468 landmarks, best detector score first."""
        return self.detector.detect_with_landmarks(img_bgr)

    def chip(self, img_bgr: np.ndarray, face: DetectedFace) -> np.ndarray:
        """dlib-aligned 150×150 RGB chip of ``face`` (cut from the BGR image, then converted)."""
        chip_bgr = face_chip(as_bgr(img_bgr), five_points_from_mesh(face.landmarks.points))
        return cv2.cvtColor(chip_bgr, cv2.COLOR_BGR2RGB)

    def eye_openness(self, img_bgr: np.ndarray, face: DetectedFace) -> float:
        """Openness of the less open eye (lid gap / eye width; ≈0.3 open, < 0.15 closed)."""
        return min(self.eyes.openness(as_bgr(img_bgr), face.landmarks.points))

    def _landmarks_for(self, img_bgr: np.ndarray, detection: FaceDetection) -> DetectedFace:
        return DetectedFace(detection, self.detector.mesh.landmarks(as_bgr(img_bgr), detection))

    def pick_face(self, img_bgr: np.ndarray, faces: list[DetectedFace] | None = None) -> DetectedFace:
        """The one face to use: the widest, unless another is nearly as wide.

        Raises:
            FaceNotFound: no face. TooManyFaces: two faces of similar size.
        """
        faces = self.analyse(img_bgr) if faces is None else faces
        if not faces:
            raise FaceNotFound("no face found in the image")
        if has_second_person(faces):
            raise TooManyFaces(f"{len(faces)} faces of similar size in the image; expected one")
        face = main_face(faces)
        if face is None:
            raise FaceNotFound("no face found in the image")
        return face

    def sample(self, img_bgr: np.ndarray, detection: FaceDetection | None = None,
               as_grey: bool = False) -> FaceSample:
        """Analyse one face (the given detection, else :meth:`pick_face`) down to its descriptor."""
        bgr = as_bgr(img_bgr)
        face = self._landmarks_for(bgr, detection) if detection is not None else self.pick_face(bgr)
        chip = self.chip(bgr, face)
        is_grey = is_grey_image(bgr)
        used = _grey_chip(chip) if (as_grey or is_grey) else chip
        return FaceSample(face, chip, self.embedder.descriptor(used), is_grey)

    def descriptor(self, img_bgr: np.ndarray, detection: FaceDetection | None = None) -> np.ndarray:
        """128-d descriptor of the face (the given detection, or the only/widest face).

        Raises:
            FaceNotFound, TooManyFaces, ImageError.
        """
        return self.sample(img_bgr, detection).descriptor

    # -- decisions ---------------------------------------------------------------------------------------
    def verify(self, selfie_bgr: np.ndarray, reference_bgr: np.ndarray) -> MatchResult:
        """Compare the selfie's face with the reference (credential) face.

        Raises:
            FaceNotFound / TooManyFaces (which image is in the message), ImageError.
        """
        t0 = time.perf_counter()
        selfie = as_bgr(selfie_bgr)
        reference = as_bgr(reference_bgr)
        faces_s = self.analyse(selfie)
        t1 = time.perf_counter()
        faces_r = self.analyse(reference)
        t2 = time.perf_counter()
        try:
            face_s = self.pick_face(selfie, faces_s)
        except (FaceNotFound, TooManyFaces) as exc:
            raise type(exc)(f"selfie: {exc}") from None
        try:
            face_r = self.pick_face(reference, faces_r)
        except (FaceNotFound, TooManyFaces) as exc:
            raise type(exc)(f"reference: {exc}") from None
        chip_s, chip_r = self.chip(selfie, face_s), self.chip(reference, face_r)
        ref_is_grey = is_grey_image(reference)
        if ref_is_grey:
            chip_s, chip_r = _grey_chip(chip_s), _grey_chip(chip_r)
        t3 = time.perf_counter()
        desc_s = self.embedder.descriptor(chip_s)
        desc_r = self.embedder.descriptor(chip_r)
        t4 = time.perf_counter()
        distance = descriptor_distance(desc_s, desc_r)
        threshold = float(self.cfg.match_threshold)
        t5 = time.perf_counter()
        quality_s = assess(selfie.shape, faces_s, chip_s, self.cfg, self.eye_openness(selfie, face_s))
        ref_mean, _, _, ref_sharp = light_measures(chip_r)
        quality = {
            "selfie": quality_s.to_json(),
            "reference": {"face_width_px": round(face_r.detection.width_px, 1), "is_grey": ref_is_grey,
                          "face_count": len(faces_r), "brightness": round(ref_mean, 1),
                          "sharpness": round(ref_sharp, 1), "detector_score": round(face_r.detection.score, 3)},
        }
        ms = {"detect_landmarks_selfie": (t1 - t0) * 1e3, "detect_landmarks_reference": (t2 - t1) * 1e3,
              "align": (t3 - t2) * 1e3, "embed_two": (t4 - t3) * 1e3, "compare": (t5 - t4) * 1e3,
              "total": (t5 - t0) * 1e3}
        return MatchResult(distance, threshold, distance < threshold,
                           {"selfie": [round(v, 1) for v in face_s.detection.box_xyxy],
                            "reference": [round(v, 1) for v in face_r.detection.box_xyxy]},
                           quality, {k: round(v, 2) for k, v in ms.items()}, self.cfg.model_variant)

    def assess_selfie(self, frame_bgr: np.ndarray, faces: list[DetectedFace] | None = None) -> SelfieQuality:
        """Quality of a selfie frame with one guidance code for the first problem found."""
        frame = as_bgr(frame_bgr)
        faces = self.analyse(frame) if faces is None else faces
        face = main_face(faces)
        if face is None:
            return assess(frame.shape, faces, None, self.cfg)
        return assess(frame.shape, faces, self.chip(frame, face), self.cfg, self.eye_openness(frame, face))

    def close(self) -> None:
        """Release every model; idempotent."""
        if self._is_closed:
            return
        self._is_closed = True
        self.close_models()

    def __enter__(self) -> FacePipeline:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
