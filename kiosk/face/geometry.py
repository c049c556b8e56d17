"""Measurements on the 468-point mesh: head pose angles and the eye aspect ratio.

The mesh's z is relative depth in the same pixel scale as x and y (smaller = nearer), so the angle of the
cheek-to-cheek segment in the x–z plane is the head's yaw and the forehead-to-chin segment in the y–z plane
its pitch, without a camera model. Sign conventions, for an un-mirrored camera image:
yaw > 0 when the nose points to the image's right (the subject turned to their own left);
pitch > 0 when the face points down; roll > 0 when the eye line slopes down to the image's right.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kiosk.face import landmarks as lm

# Forehead-to-chin depth slope of a level, frontal face in the mesh (≈6° on the frontal photos of
# ../shared/faces), subtracted so a frontal face reads pitch ≈ 0.
PITCH_NEUTRAL_DEG = 6.0


@dataclass(frozen=True)
class HeadPose:
    yaw_deg: float
    pitch_deg: float
    roll_deg: float


def head_pose(points: np.ndarray) -> HeadPose:
    """Yaw, pitch and roll in degrees from mesh points (468×3)."""
    p = np.asarray(points, np.float64)
    cheek = p[lm.LEFT_CHEEK] - p[lm.RIGHT_CHEEK]
    yaw = np.degrees(np.arctan2(cheek[2], cheek[0]))
    vertical = p[lm.CHIN] - p[lm.FOREHEAD]
    pitch = np.degrees(np.arctan2(vertical[2], vertical[1])) - PITCH_NEUTRAL_DEG
    eyes = p[lm.LEFT_EYE_OUTER] - p[lm.RIGHT_EYE_OUTER]
    roll = np.degrees(np.arctan2(eyes[1], eyes[0]))
    return HeadPose(float(yaw), float(pitch), float(roll))


def eye_aspect_ratio(points: np.ndarray) -> tuple[float, float]:
    """(right, left) eye aspect ratios: mean lid gap over corner distance; ~0.3 open, < 0.15 closed."""
    p = np.asarray(points, np.float64)[:, :2]

    def ear(lids: tuple[tuple[int, int], ...], a: int, b: int) -> float:
        width = float(np.linalg.norm(p[a] - p[b]))
        gaps = [float(np.linalg.norm(p[u] - p[d])) for u, d in lids]
        return float(np.mean(gaps) / width) if width > 1e-6 else 0.0

    return (ear(lm.RIGHT_EYE_LIDS, lm.RIGHT_EYE_OUTER, lm.RIGHT_EYE_INNER),
            ear(lm.LEFT_EYE_LIDS, lm.LEFT_EYE_OUTER, lm.LEFT_EYE_INNER))
