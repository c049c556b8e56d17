"""Eye openness from MediaPipe's iris/eye-contour model on 64×64 eye crops.

The face mesh alone barely moves its eyelid points when the eyes close (measured: 0.28 → 0.27 on a synthetic
blink), while the eye-contour model follows the lids (≈0.32 open → 0.09 closed), so blinks and "eyes open"
are judged here. Crops follow MediaPipe's recipe: centred between the eye corners, 2.3× their distance,
rotated level; the subject's left eye is mirrored because the model was trained on right eyes.
"""

from __future__ import annotations

import cv2
import numpy as np

from kiosk.face import landmarks as lm
from kiosk.face.runtime import TfliteModel

EYE_INPUT_PX = 64
EYE_ROI_SCALE = 2.3
N_CONTOUR = 16  # the first 16 of the model's 71 points trace the eyelids


class EyeModel:
    """The iris/eye-contour model; :meth:`openness` gives (right, left) lid gap / eye width."""

    def __init__(self, model: TfliteModel) -> None:
        self.model = model

    def _one(self, bgr: np.ndarray, a: np.ndarray, b: np.ndarray, mirror: bool) -> float:
        centre = (a + b) / 2
        d = b - a
        width = float(np.linalg.norm(d)) * EYE_ROI_SCALE
        if width < 4:
            return 0.0
        angle = float(np.arctan2(d[1], d[0]))
        ex = np.array([np.cos(angle), np.sin(angle)]) * width / EYE_INPUT_PX
        ey = np.array([-np.sin(angle), np.cos(angle)]) * width / EYE_INPUT_PX
        origin = centre - (ex + ey) * EYE_INPUT_PX / 2
        to_image = np.array([[ex[0], ey[0], origin[0]], [ex[1], ey[1], origin[1]]])
        crop = cv2.warpAffine(bgr, to_image, (EYE_INPUT_PX, EYE_INPUT_PX),
                              flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE)
        crop = cv2.cvtColor(crop, cv2.COLOR_BGR2RGB)
        if mirror:
            crop = crop[:, ::-1]
        contour = self.model.run((crop.astype(np.float32) / 255.0)[None])[0].reshape(-1, 3)[:N_CONTOUR]
        span_x = float(np.ptp(contour[:, 0]))
        return float(np.ptp(contour[:, 1]) / span_x) if span_x > 1e-6 else 0.0

    def openness(self, bgr: np.ndarray, points: np.ndarray) -> tuple[float, float]:
        """(right, left) eye openness for a face with mesh ``points`` in the BGR image."""
        p = np.asarray(points, np.float64)[:, :2]
        right = self._one(bgr, p[lm.RIGHT_EYE_OUTER], p[lm.RIGHT_EYE_INNER], mirror=False)
        left = self._one(bgr, p[lm.LEFT_EYE_INNER], p[lm.LEFT_EYE_OUTER], mirror=True)
        return right, left
