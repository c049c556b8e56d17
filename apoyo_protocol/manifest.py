"""Batch manifests: what a device hands central in one upload or on one USB stick, signed by the device.

A manifest is a signed object (:mod:`apoyo_protocol.signed`) with magic ``APYM``, version 1 and context
``b"apoyo-kiosk/manifest/v1\\0"``; body::

    {"v": 1, "device_id", "batch_id" (32 hex), "created_at_s", "key_id" (device key id),
     "records": [{"record_id", "envelope_sha256", "size_bytes"}, ...]}

The signature (the device's Ed25519 key) proves which envelopes the device meant to hand over, so central can
tell a stick with a record removed or added from the one the kiosk wrote, and the kiosk's audit log can name a
batch by id. Each envelope still carries its own signature; the manifest never replaces checking it.
On a USB stick the layout is ``<batch_id>/manifest.apym`` plus ``<batch_id>/<record_id>.apye`` per envelope.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from apoyo_protocol.errors import IntegrityError, InvalidField
from apoyo_protocol.signed import SignedKind, read_object, sign_object, verify_object

VERSION = 1
KIND = SignedKind(b"APYM", VERSION, b"apoyo-kiosk/manifest/v1\x00", "manifest failed verification")
MANIFEST_FILE = "manifest.apym"
ENVELOPE_SUFFIX = ".apye"
MAX_RECORDS = 10_000
_HEX32 = re.compile(r"[0-9a-f]{32}")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_FIELDS = {"v", "device_id", "batch_id", "created_at_s", "key_id", "records"}


@dataclass(frozen=True)
class ManifestEntry:
    record_id: str
    envelope_sha256: str
    size_bytes: int

    @classmethod
    def for_envelope(cls, record_id: str, envelope: bytes) -> ManifestEntry:
        return cls(record_id, hashlib.sha256(envelope).hexdigest(), len(envelope))


@dataclass(frozen=True)
class Manifest:
    device_id: str
    batch_id: str
    created_at_s: float
    key_id: str
    records: tuple[ManifestEntry, ...]

    def entry(self, record_id: str) -> ManifestEntry | None:
        return next((e for e in self.records if e.record_id == record_id), None)


def sign_manifest(device_key: Any, device_key_id: str, *, device_id: str, batch_id: str, created_at_s: float,
                  records: Iterable[ManifestEntry]) -> bytes:
    """Device side: sign a manifest. Raises InvalidField on a bad id, a repeated record or too many records."""
    entries = tuple(records)
    _check_entries(entries, InvalidField)
    if not _HEX32.fullmatch(batch_id):
        raise InvalidField("batch_id", "must be 32 lowercase hex characters")
    if not entries:
        raise InvalidField("records", "a manifest lists at least one envelope")
    body = {"v": VERSION, "device_id": device_id, "batch_id": batch_id,
            "created_at_s": round(float(created_at_s), 6), "key_id": device_key_id,
            "records": [{"record_id": e.record_id, "envelope_sha256": e.envelope_sha256, "size_bytes": e.size_bytes}
                        for e in entries]}
    return sign_object(KIND, body, device_key)


def read_manifest_unverified(blob: bytes) -> dict[str, Any]:
    """The body, WITHOUT checking the signature (to learn which device's key to look up)."""
    return read_object(KIND, blob)


def verify_manifest(blob: bytes, device_keys: Mapping[str, Any]) -> Manifest:
    """Check a manifest against the device keys central enrolled (key id -> Ed25519PublicKey).
    Raises :class:`IntegrityError` on any problem."""
    body = verify_object(KIND, blob, device_keys)
    try:
        if set(body) != _FIELDS or body["v"] != VERSION or not isinstance(body["device_id"], str) \
                or not isinstance(body["batch_id"], str) or not _HEX32.fullmatch(body["batch_id"]) \
                or not isinstance(body["records"], list) or not body["records"]:
            raise ValueError
        created = body["created_at_s"]
        if not isinstance(created, (int, float)) or isinstance(created, bool) or not math.isfinite(created):
            raise ValueError
        entries = tuple(ManifestEntry(r["record_id"], r["envelope_sha256"], r["size_bytes"])
                        for r in body["records"] if isinstance(r, dict) and set(r) == {"record_id",
                                                                                   "envelope_sha256", "size_bytes"})
        if len(entries) != len(body["records"]):
            raise ValueError
        _check_entries(entries, ValueError)
    except (ValueError, KeyError, TypeError) as exc:
        raise IntegrityError(KIND.opaque_error) from exc
    return Manifest(body["device_id"], body["batch_id"], float(created), body["key_id"], entries)


def _check_entries(entries: tuple[ManifestEntry, ...], error: Any) -> None:
    if len(entries) > MAX_RECORDS:
        raise error("records", f"at most {MAX_RECORDS} envelopes per manifest")
    seen: set[str] = set()
    for i, e in enumerate(entries):
        if not isinstance(e.record_id, str) or not _HEX32.fullmatch(e.record_id) or e.record_id in seen:
            raise error(f"records[{i}].record_id", "must be 32 lowercase hex characters, once per manifest")
        if not isinstance(e.envelope_sha256, str) or not _HEX64.fullmatch(e.envelope_sha256):
            raise error(f"records[{i}].envelope_sha256", "must be 64 lowercase hex characters")
        if not isinstance(e.size_bytes, int) or isinstance(e.size_bytes, bool) or e.size_bytes <= 0:
            raise error(f"records[{i}].size_bytes", "must be a positive integer")
        seen.add(e.record_id)
