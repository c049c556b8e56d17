"""Selfie quality: one face, centred, large enough, frontal, eyes open, evenly and sufficiently lit.

Checks run in the order a person can fix them (who is in the frame, where, how far, where they look, their
eyes, the light) and the first failure becomes the single guidance code shown.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import cv2
import numpy as np

from kiosk.config import FaceConfig
from kiosk.face.detector import DetectedFace
from kiosk.face.geometry import eye_aspect_ratio, head_pose

CENTER_TOLERANCE_FRAC = 0.15  # face centre within this fraction of the frame size from the middle
MIN_EYE_OPEN = 0.15  # eye-contour lid gap / width below this counts as closed (open ≈0.25–0.35, shut ≈0.09)
DARK_MEAN = 60.0  # mean grey of the face below this is too dark
BRIGHT_MEAN = 215.0
CLIPPED_FRAC = 0.25  # more than this share of face pixels at 250+ is blown out
UNEVEN_RATIO = 0.25  # |left − right| / mean of the face halves above this is uneven light (evenly lit ≈0.05–0.15)
SECOND_FACE_RATIO = 0.6  # another face at least this wide relative to the main one counts as a second person
MIN_SHARPNESS = 30.0  # variance of the Laplacian on the chip: sharp photos 80–1400, defocused (σ≈3 px) 25


@dataclass(frozen=True)
class SelfieQuality:
    """Result of :func:`assess`; ``guidance`` is None exactly when ``is_ok``."""

    is_ok: bool
    guidance: str | None
    face_count: int
    box_xyxy: tuple[float, float, float, float] | None = None
    face_width_frac: float | None = None
    center_offset_frac: float | None = None
    yaw_deg: float | None = None
    pitch_deg: float | None = None
    eye_open: float | None = None
    brightness: float | None = None
    light_imbalance: float | None = None
    sharpness: float | None = None

    def to_json(self) -> dict:
        out = asdict(self)
        return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in out.items()}


def light_measures(chip_rgb: np.ndarray) -> tuple[float, float, float, float]:
    """(mean grey, clipped share, left/right imbalance, sharpness) of the central face area of a chip."""
    grey = cv2.cvtColor(chip_rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
    face = grey[35:125, 30:120]  # cheeks, eyes, nose, mouth of a dlib chip; little background or hair
    mean = float(face.mean())
    clipped = float((face >= 250).mean())
    left, right = float(face[:, :45].mean()), float(face[:, 45:].mean())
    imbalance = abs(left - right) / max(mean, 1.0)
    sharpness = float(cv2.Laplacian(face, cv2.CV_32F).var())
    return mean, clipped, imbalance, sharpness


def main_face(faces: list[DetectedFace]) -> DetectedFace | None:
    """The widest face (the person nearest the camera)."""
    return max(faces, key=lambda f: f.detection.width_px, default=None)


def has_second_person(faces: list[DetectedFace], ratio: float = SECOND_FACE_RATIO) -> bool:
    """True when besides the widest face another face is at least ``ratio`` as wide."""
    if len(faces) < 2:
        return False
    widths = sorted((f.detection.width_px for f in faces), reverse=True)
    return widths[1] >= ratio * widths[0]


def assess(frame_shape: tuple[int, ...], faces: list[DetectedFace], chip_rgb: np.ndarray | None,
           cfg: FaceConfig, eye_open: float | None = None) -> SelfieQuality:
    """Judge a selfie frame from its detected faces, the main face's aligned chip and its eye openness
    (from :class:`kiosk.face.eyes.EyeModel`; without it the mesh's eye aspect ratio is used)."""
    if not faces:
        return SelfieQuality(False, "face.none", 0)
    if has_second_person(faces):
        return SelfieQuality(False, "face.many", len(faces))
    face = faces[0] if len(faces) == 1 else main_face(faces)
    if face is None:
        return SelfieQuality(False, "face.none", 0)
    h, w = frame_shape[:2]
    det = face.detection
    width_frac = det.width_px / w
    cx, cy = det.center_xy
    offset = max(abs(cx - w / 2) / w, abs(cy - h / 2) / h)
    pose = head_pose(face.landmarks.points)
    ear = min(eye_aspect_ratio(face.landmarks.points)) if eye_open is None else eye_open
    values = {"face_count": len(faces), "box_xyxy": tuple(round(v, 1) for v in det.box_xyxy),
              "face_width_frac": width_frac, "center_offset_frac": offset, "yaw_deg": pose.yaw_deg,
              "pitch_deg": pose.pitch_deg, "eye_open": ear}
    if chip_rgb is not None:
        mean, clipped, imbalance, sharpness = light_measures(chip_rgb)
        values.update(brightness=mean, light_imbalance=imbalance, sharpness=sharpness)
    else:
        mean, clipped, imbalance, sharpness = 128.0, 0.0, 0.0, MIN_SHARPNESS

    guidance = None
    if offset > CENTER_TOLERANCE_FRAC:
        guidance = "face.center"
    elif width_frac < cfg.selfie_min_face_frac:
        guidance = "face.closer"
    elif width_frac > cfg.selfie_max_face_frac:
        guidance = "face.farther"
    elif abs(pose.yaw_deg) > cfg.selfie_max_yaw_deg or abs(pose.pitch_deg) > cfg.selfie_max_pitch_deg:
        guidance = "face.look_straight"
    elif ear < MIN_EYE_OPEN:
        guidance = "face.open_eyes"
    elif mean < DARK_MEAN:
        guidance = "face.too_dark"
    elif mean > BRIGHT_MEAN or clipped > CLIPPED_FRAC:
        guidance = "face.too_bright"
    elif imbalance > UNEVEN_RATIO:
        guidance = "face.light_uneven"
    elif sharpness < MIN_SHARPNESS:
        guidance = "face.hold_still"
    return SelfieQuality(guidance is None, guidance, **values)
