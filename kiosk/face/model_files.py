"""Where the model files live and which file each part uses.

The files are committed under ``models/`` at the repository root (see ``models/manifest.json``); a deployed
kiosk may point ``FacePipeline(models_dir=...)`` elsewhere.
"""

from __future__ import annotations

from pathlib import Path

DEFAULT_MODELS_DIR = Path(__file__).resolve().parents[2] / "models"

DETECTOR_SHORT = "face_detection_short_range.tflite"
DETECTOR_FULL = "face_detection_full_range.tflite"
LANDMARKS = "face_landmark.tflite"
EYES = "iris_landmark.tflite"
EMBEDDING_BY_VARIANT = {
    "fp32": "dlib_face_recognition_resnet_v1_fp32.tflite",
    "fp16": "dlib_face_recognition_resnet_v1_fp16.tflite",
    "int8": "dlib_face_recognition_resnet_v1_int8.tflite",
}


def embedding_file(variant: str) -> str:
    """File name of the descriptor model for ``variant`` ('fp32', 'fp16', 'int8'); ValueError otherwise."""
    try:
        return EMBEDDING_BY_VARIANT[variant]
    except KeyError:
        raise ValueError(f"unknown embedding variant {variant!r}; choose one of {sorted(EMBEDDING_BY_VARIANT)}") from None
