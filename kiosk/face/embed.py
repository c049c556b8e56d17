"""dlib's face descriptor network on TFLite: an aligned 150×150 RGB chip in, 128 numbers out."""

from __future__ import annotations

import numpy as np

from kiosk.errors import ImageError, ModelError
from kiosk.face.align import CHIP_SIZE_PX
from kiosk.face.runtime import TfliteModel

DESCRIPTOR_SIZE = 128


class FaceEmbedder:
    """Wraps one descriptor model variant (fp32, fp16 or int8; see models/manifest.json).

    Raises:
        ModelError: the model's input or output shape is not the descriptor network's.
    """

    def __init__(self, model: TfliteModel) -> None:
        if model.input_shape != (1, CHIP_SIZE_PX, CHIP_SIZE_PX, 3):
            raise ModelError(f"{model.path.name} is not a 150×150 descriptor model: input {model.input_shape}")
        self.model = model

    def descriptor(self, chip_rgb: np.ndarray) -> np.ndarray:
        """128-d float32 descriptor of a dlib-aligned RGB chip (uint8, 150×150×3).

        Raises:
            ImageError: the chip has the wrong shape.
        """
        if chip_rgb.shape != (CHIP_SIZE_PX, CHIP_SIZE_PX, 3):
            raise ImageError(f"face chip must be 150×150×3, got {chip_rgb.shape}")
        out = self.model.run(chip_rgb[None].astype(np.float32))[0]
        return out.reshape(DESCRIPTOR_SIZE).astype(np.float32)


def descriptor_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Euclidean distance between two descriptors (dlib's metric; same person below ~0.6)."""
    return float(np.linalg.norm(np.asarray(a, np.float64) - np.asarray(b, np.float64)))
