"""The record schema: what one captured support contains, and its canonical byte form (the sealed plaintext).

Payload container, version :data:`PAYLOAD_VERSION` = 1 (integers big-endian)::

    b"APYP" | version u16 | manifest_len u32 | manifest (canonical JSON) | for each part: len u32 | bytes

The manifest ``{"format": "apoyo.record", "version": 1, "fields": {...}, "parts": [...]}`` holds every
non-binary field of :class:`CaptureRecord` plus, for each binary part in order (front, back, selfie JPEG,
signature PNG), its name, media type, length and SHA-256. Canonical JSON makes the same record always give the
same bytes. On the kiosk a :class:`CaptureRecord` lives only in memory; only its sealed form touches the disk.
Central parses it with :meth:`CaptureRecord.from_payload` after opening the envelope.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from apoyo_protocol.canonical import canonical_json, parse_canonical
from apoyo_protocol.errors import InvalidField

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
        mbytes = canonical_json(manifest)
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
            manifest = parse_canonical(payload[pos:pos + mlen], "payload manifest")
            if manifest.get("format") != "apoyo.record" or manifest.get("version") != PAYLOAD_VERSION:
                raise ValueError("not an apoyo.record manifest of this version")
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
