"""What one captured support contains, and its canonical byte form (the plaintext that gets sealed).

Payload container, version 1 (integers big-endian)::

    b"APYP" | version u16 | manifest_len u32 | manifest (canonical JSON) | for each part: len u32 | bytes

The manifest holds every non-binary field plus, for each binary part in order, its name, media type, length and
SHA-256. Canonical JSON (sorted keys, no spaces, UTF-8) makes the same record always give the same bytes.
A :class:`CaptureRecord` lives only in memory; only its sealed form touches the disk.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
import json
import math
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kiosk.errors import ImageError, InvalidField

MAGIC = b"APYP"
PAYLOAD_VERSION = 1
CAPTURE_MODES = ("self-service", "operator")
LANGUAGES = ("es", "en")
_JPEG_MAGIC = b"\xff\xd8\xff"
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# name -> media type, in container order
_PARTS: tuple[tuple[str, str], ...] = (
    ("front_jpeg", "image/jpeg"), ("back_jpeg", "image/jpeg"), ("selfie_jpeg", "image/jpeg"),
    ("signature_png", "image/png"),
)

Stroke = tuple[tuple[float, float, float], ...]  # points (x_px, y_px, t_s) of one pen-down … pen-up


@dataclass(frozen=True)
class CaptureRecord:
    """One support, as captured. Times: ``captured_wall_s`` Unix seconds, ``captured_mono_s`` monotonic seconds.

    ``mrz_fields`` are the MRZ values as text (dates ISO), ``mrz_checks`` the check-digit results;
    ``face_distance`` is the Euclidean descriptor distance (None if no match was possible) against
    ``face_threshold``; ``signature_strokes`` are (x_px, y_px, t_s) points per stroke. Construction validates
    everything and raises :class:`InvalidField` naming the field.
    """

    process_id: str
    aspirant_id: str
    capture_mode: str
    device_id: str
    captured_wall_s: float
    captured_mono_s: float
    is_clock_synced: bool
    front_jpeg: bytes = field(repr=False)
    back_jpeg: bytes = field(repr=False)
    selfie_jpeg: bytes = field(repr=False)
    mrz_fields: Mapping[str, str] = field(repr=False)
    mrz_checks: Mapping[str, bool]
    face_distance: float | None
    face_threshold: float
    liveness_is_live: bool
    liveness_score: float
    signature_strokes: tuple[Stroke, ...] = field(repr=False)
    signature_png: bytes = field(repr=False)
    consent_notice_version: str
    consent_language: str
    software_version: str
    operator_id: str | None = None
    liveness_reasons: tuple[str, ...] = ()
    fraud_flags: tuple[str, ...] = ()
    fraud_scores: Mapping[str, float] = field(default_factory=dict)
    card_model: str | None = None

    def __post_init__(self) -> None:
        for name in ("process_id", "aspirant_id", "device_id", "consent_notice_version", "software_version"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise InvalidField(name, "must be non-empty text")
        if self.capture_mode not in CAPTURE_MODES:
            raise InvalidField("capture_mode", f"must be one of {CAPTURE_MODES}")
        if (self.capture_mode == "operator") != bool(self.operator_id):
            raise InvalidField("operator_id", "required in operator mode and only there")
        if self.consent_language not in LANGUAGES:
            raise InvalidField("consent_language", f"must be one of {LANGUAGES}")
        for name in ("front_jpeg", "back_jpeg", "selfie_jpeg"):
            if not isinstance(getattr(self, name), bytes) or not getattr(self, name).startswith(_JPEG_MAGIC):
                raise InvalidField(name, "must be JPEG bytes")
        if not isinstance(self.signature_png, bytes) or not self.signature_png.startswith(_PNG_MAGIC):
            raise InvalidField("signature_png", "must be PNG bytes")
        for name in ("captured_wall_s", "captured_mono_s", "face_threshold", "liveness_score"):
            if not _finite(getattr(self, name)):
                raise InvalidField(name, "must be a finite number")
        if self.face_distance is not None and not _finite(self.face_distance):
            raise InvalidField("face_distance", "must be a finite number or None")
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in self.mrz_fields.items()):
            raise InvalidField("mrz_fields", "must map text to text")
        if not all(isinstance(k, str) and isinstance(v, bool) for k, v in self.mrz_checks.items()):
            raise InvalidField("mrz_checks", "must map text to true/false")
        if not all(isinstance(k, str) and _finite(v) for k, v in self.fraud_scores.items()):
            raise InvalidField("fraud_scores", "must map text to finite numbers")
        for name in ("fraud_flags", "liveness_reasons"):
            if not all(isinstance(x, str) for x in getattr(self, name)):
                raise InvalidField(name, "must be a sequence of text codes")
        for stroke in self.signature_strokes:
            for point in stroke:
                if len(point) != 3 or not all(_finite(v) for v in point):
                    raise InvalidField("signature_strokes", "each point must be (x_px, y_px, t_s)")
        if not self.signature_strokes:
            raise InvalidField("signature_strokes", "a signature needs at least one stroke")

    def dedup_fields(self) -> tuple[str, str, str]:
        """(process_id, cic, identificador) for the local duplicate check; raises InvalidField if absent."""
        for name in ("cic", "identificador"):
            if not self.mrz_fields.get(name):
                raise InvalidField(f"mrz_fields.{name}", "needed for the duplicate check")
        return self.process_id, self.mrz_fields["cic"], self.mrz_fields["identificador"]

    def to_payload(self) -> bytes:
        """Canonical, versioned bytes of this record (see module doc)."""
        fields: dict[str, Any] = {}
        parts = []
        part_names = {n for n, _ in _PARTS}
        for f in dataclasses.fields(self):
            if f.name in part_names:
                continue
            value = getattr(self, f.name)
            if f.name == "signature_strokes":
                value = [[list(p) for p in s] for s in value]
            elif isinstance(value, Mapping):
                value = dict(value)
            elif isinstance(value, tuple):
                value = list(value)
            fields[f.name] = value
        manifest_parts = []
        for name, media in _PARTS:
            data = getattr(self, name)
            parts.append(data)
            manifest_parts.append({"name": name, "media_type": media, "length": len(data),
                                   "sha256": hashlib.sha256(data).hexdigest()})
        manifest = {"format": "apoyo.record", "version": PAYLOAD_VERSION, "fields": fields, "parts": manifest_parts}
        mbytes = json.dumps(manifest, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                            allow_nan=False).encode("utf-8")
        out = [MAGIC, struct.pack(">HI", PAYLOAD_VERSION, len(mbytes)), mbytes]
        for data in parts:
            out += [struct.pack(">I", len(data)), data]
        return b"".join(out)

    @classmethod
    def from_payload(cls, payload: bytes) -> CaptureRecord:
        """Parse bytes made by :meth:`to_payload` (central side). Raises InvalidField('payload', why)."""
        try:
            if payload[:4] != MAGIC:
                raise ValueError("not a record payload")
            version, mlen = struct.unpack_from(">HI", payload, 4)
            if version != PAYLOAD_VERSION:
                raise ValueError(f"unsupported payload version {version}")
            pos = 10
            manifest = json.loads(payload[pos:pos + mlen].decode("utf-8"))
            pos += mlen
            kwargs = dict(manifest["fields"])
            for entry in manifest["parts"]:
                (n,) = struct.unpack_from(">I", payload, pos)
                data = payload[pos + 4:pos + 4 + n]
                pos += 4 + n
                if len(data) != n or n != entry["length"] or hashlib.sha256(data).hexdigest() != entry["sha256"]:
                    raise ValueError(f"part {entry['name']} is damaged")
                kwargs[entry["name"]] = data
            if pos != len(payload):
                raise ValueError("trailing bytes")
        except (ValueError, KeyError, TypeError, struct.error, UnicodeDecodeError) as exc:
            raise InvalidField("payload", str(exc) or "malformed") from exc
        kwargs["signature_strokes"] = tuple(tuple(tuple(p) for p in s) for s in kwargs["signature_strokes"])
        for name in ("fraud_flags", "liveness_reasons"):
            kwargs[name] = tuple(kwargs[name])
        return cls(**kwargs)


def _finite(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


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
