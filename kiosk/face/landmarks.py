"""The 468-point face mesh (MediaPipe face_landmark.tflite) on a rotated crop around a detection.

The crop follows MediaPipe's recipe: a square 1.5× the detection box, rotated so the eyes are level, resized
to 192×192. Landmarks come back in image pixels; z is relative depth in the same pixel scale (smaller = nearer
the camera), which is what makes head pose and parallax measurable from one camera.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from kiosk.face.detect import KP_LEFT_EYE, KP_RIGHT_EYE, FaceDetection
from kiosk.face.runtime import TfliteModel

MESH_INPUT_PX = 192
ROI_SCALE = 1.5

# Mesh indices used elsewhere (subject's right eye is on the image's left in a non-mirrored photo).
RIGHT_EYE_OUTER, RIGHT_EYE_INNER = 33, 133
LEFT_EYE_INNER, LEFT_EYE_OUTER = 362, 263
NOSE_TIP, SUBNASALE, CHIN, FOREHEAD = 1, 2, 152, 10
RIGHT_CHEEK, LEFT_CHEEK = 234, 454
# Eyelid pairs (upper, lower) for the eye aspect ratio, three per eye, plus the corners.
RIGHT_EYE_LIDS = ((160, 144), (159, 145), (158, 153))
LEFT_EYE_LIDS = ((385, 380), (386, 374), (387, 373))
RIGHT_EYE_RING = (33, 246, 161, 160, 159, 158, 157, 173, 133, 155, 154, 153, 145, 144, 163, 7)
LEFT_EYE_RING = (362, 398, 384, 385, 386, 387, 388, 466, 263, 249, 390, 373, 374, 380, 381, 382)


@dataclass(frozen=True)
class FaceLandmarks:
    """468 mesh points of one face.

    Attributes:
        points: 468×3 float32; x, y in image pixels, z relative depth in pixels.
        presence: the model's face-presence probability 0..1 (low = the crop holds no face).
    """

    points: np.ndarray = field(repr=False)
    presence: float

    def xy(self, idx: int | tuple[int, ...] | list[int]) -> np.ndarray:
        return self.points[idx, :2]


def roi_transform(det: FaceDetection) -> np.ndarray:
    """2×3 affine mapping mesh-input pixels (0..192) to image pixels for ``det``."""
    right, left = det.keypoints_xy[KP_RIGHT_EYE], det.keypoints_xy[KP_LEFT_EYE]
    angle = float(np.arctan2(left[1] - right[1], left[0] - right[0]))
    side = max(det.width_px, det.height_px) * ROI_SCALE
    cx, cy = det.center_xy
    scale = side / MESH_INPUT_PX
    ex = np.array([np.cos(angle), np.sin(angle)]) * scale
    ey = np.array([-np.sin(angle), np.cos(angle)]) * scale
    origin = np.array([cx, cy]) - ex * MESH_INPUT_PX / 2 - ey * MESH_INPUT_PX / 2
    return np.array([[ex[0], ey[0], origin[0]], [ex[1], ey[1], origin[1]]], np.float64)


def crop_for_mesh(img_bgr: np.ndarray, det: FaceDetection) -> tuple[np.ndarray, np.ndarray]:
    """The 192×192 RGB crop the mesh model sees and the crop→image affine (colour converted after cropping,
    which is cheaper than converting a whole photo)."""
    to_image = roi_transform(det)
    crop = cv2.warpAffine(img_bgr, to_image, (MESH_INPUT_PX, MESH_INPUT_PX),
                          flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE)
    return cv2.cvtColor(crop, cv2.COLOR_BGR2RGB), to_image


class FaceMesh:
    """The landmark model; ``landmarks`` runs it for one detection."""

    def __init__(self, model: TfliteModel) -> None:
        self.model = model

    def landmarks(self, img_bgr: np.ndarray, det: FaceDetection) -> FaceLandmarks:
        """468 landmarks of the face ``det`` in the BGR image."""
        crop, to_image = crop_for_mesh(img_bgr, det)
        tensor = (crop.astype(np.float32) / 255.0)[None]
        mesh, flag = self.model.run(tensor)
        pts = mesh.reshape(468, 3).astype(np.float64)
        xy = pts[:, :2] @ to_image[:, :2].T + to_image[:, 2]
        scale = float(np.hypot(to_image[0, 0], to_image[1, 0]))
        out = np.concatenate([xy, pts[:, 2:3] * scale], axis=1).astype(np.float32)
        presence = float(1.0 / (1.0 + np.exp(-np.clip(float(flag.ravel()[0]), -50, 50))))
        return FaceLandmarks(out, presence)
