"""Building a :class:`~apoyo_protocol.record.CaptureRecord` from what the capture pipeline holds (numpy images,
dataclasses), in memory. The record schema and its byte form are the protocol's (``apoyo_protocol.record``).
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from collections.abc import Mapping, Sequence
from typing import Any

from apoyo_protocol.record import CaptureRecord, Stroke
from kiosk.errors import ImageError

__all__ = ["CaptureRecord", "Stroke", "build_record", "encode_jpeg", "mrz_to_text", "render_signature_png"]


# --- helpers that build a record from what the pipeline holds (numpy images, dataclasses) ---------------------

def encode_jpeg(image_bgr: Any, quality: int) -> bytes:
    """JPEG bytes of a BGR (or grey) uint8 image, in memory. Raises ImageError on an unusable image."""
    import cv2
    import numpy as np

    if not isinstance(image_bgr, np.ndarray) or image_bgr.dtype != np.uint8 or image_bgr.ndim not in (2, 3) \
            or image_bgr.size == 0:
        raise ImageError("expected a non-empty uint8 image (H×W or H×W×3)")
    ok, buf = cv2.imencode(".jpg", image_bgr, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise ImageError("the image could not be JPEG-encoded")
    return buf.tobytes()


def render_signature_png(strokes: Sequence[Stroke], size_px: tuple[int, int] = (600, 200),
                         line_px: int = 3) -> bytes:
    """Draw the strokes (black on white, coordinates in the ``size_px`` = (width, height) pad) as PNG bytes."""
    import cv2
    import numpy as np

    width, height = size_px
    canvas = np.full((height, width), 255, np.uint8)
    for stroke in strokes:
        pts = np.array([[round(x), round(y)] for x, y, _ in stroke], np.int32)
        if len(pts) == 1:
            cv2.circle(canvas, tuple(int(v) for v in pts[0]), max(1, line_px // 2), 0, -1, cv2.LINE_AA)
        elif len(pts) > 1:
            cv2.polylines(canvas, [pts.reshape(-1, 1, 2)], False, 0, line_px, cv2.LINE_AA)
    ok, buf = cv2.imencode(".png", canvas)
    if not ok:  # pragma: no cover - a plain grey canvas always encodes
        raise ImageError("the signature could not be PNG-encoded")
    return buf.tobytes()


def mrz_to_text(fields: Any) -> dict[str, str]:
    """MRZ fields (a dataclass such as ``MrzFields`` or a mapping) as text, dates in ISO form."""
    raw = dataclasses.asdict(fields) if dataclasses.is_dataclass(fields) else dict(fields)
    out = {}
    for k, v in raw.items():
        if isinstance(v, (_dt.date, _dt.datetime)):
            v = v.isoformat()
        elif hasattr(v, "value"):  # enums
            v = v.value
        out[str(k)] = "" if v is None else str(v)
    return out


def build_record(*, front_bgr: Any, back_bgr: Any, selfie_bgr: Any, signature_strokes: Sequence[Stroke],
                 mrz_fields: Any, mrz_checks: Mapping[str, bool], jpeg_quality: int, process_id: str,
                 aspirant_id: str, capture_mode: str, device_id: str, captured_wall_s: float,
                 captured_mono_s: float, is_clock_synced: bool, face_distance: float | None,
                 face_threshold: float, liveness_is_live: bool, liveness_score: float,
                 consent_notice_version: str, consent_language: str, software_version: str | None = None,
                 operator_id: str | None = None, liveness_reasons: Sequence[str] = (),
                 fraud_flags: Sequence[str] = (), fraud_scores: Mapping[str, float] | None = None,
                 card_model: str | None = None, signature_size_px: tuple[int, int] = (600, 200)) -> CaptureRecord:
    """Build a :class:`CaptureRecord` from numpy BGR images and pipeline results: JPEG-encodes the images at
    ``jpeg_quality`` and renders the signature PNG, all in memory. Raises ImageError / InvalidField."""
    if software_version is None:
        from kiosk import __version__ as software_version
    strokes = tuple(tuple((float(x), float(y), float(t)) for x, y, t in s) for s in signature_strokes)
    return CaptureRecord(
        process_id=process_id, aspirant_id=aspirant_id, capture_mode=capture_mode, operator_id=operator_id,
        device_id=device_id, captured_wall_s=float(captured_wall_s), captured_mono_s=float(captured_mono_s),
        is_clock_synced=bool(is_clock_synced), front_jpeg=encode_jpeg(front_bgr, jpeg_quality),
        back_jpeg=encode_jpeg(back_bgr, jpeg_quality), selfie_jpeg=encode_jpeg(selfie_bgr, jpeg_quality),
        mrz_fields=mrz_to_text(mrz_fields), mrz_checks={str(k): bool(v) for k, v in mrz_checks.items()},
        face_distance=None if face_distance is None else float(face_distance), face_threshold=float(face_threshold),
        liveness_is_live=bool(liveness_is_live), liveness_score=float(liveness_score),
        liveness_reasons=tuple(liveness_reasons), fraud_flags=tuple(fraud_flags),
        fraud_scores={str(k): float(v) for k, v in (fraud_scores or {}).items()},
        signature_strokes=strokes, signature_png=render_signature_png(strokes, signature_size_px),
        consent_notice_version=consent_notice_version, consent_language=consent_language,
        software_version=software_version, card_model=card_model)
