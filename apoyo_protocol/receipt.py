"""Central's receipts: proof that central holds a record, the only thing that lets a kiosk purge it.

A receipt is a signed object (:mod:`apoyo_protocol.signed`) with magic ``APYC``, version 1 and context
``b"apoyo-central/receipt/v1\\0"``, body ``{"v": 1, "device_id", "record_id", "envelope_sha256" (hex),
"received_at_s" (Unix seconds, 6 decimals), "key_id"}``; the signature is Ed25519 by one of central's receipt
keys. :func:`sign_receipt` is central's side; :class:`PinnedReceiptVerifier` is the kiosk's (any pinned receipt
key is accepted so receipts stay valid across a key rotation).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from apoyo_protocol.errors import IntegrityError
from apoyo_protocol.signed import SignedKind, read_object, sign_object, verify_object

VERSION = 1
KIND = SignedKind(b"APYC", VERSION, b"apoyo-central/receipt/v1\x00", "receipt failed verification")
MAGIC = KIND.magic
SIG_CONTEXT = KIND.context
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
_FIELDS = {"v", "device_id", "record_id", "envelope_sha256", "received_at_s", "key_id"}


@dataclass(frozen=True)
class VerifiedReceipt:
    device_id: str
    record_id: str
    envelope_sha256: str
    received_at_s: float
    key_id: str


class ReceiptVerifier(Protocol):
    def verify(self, receipt: bytes, *, device_id: str, record_id: str, envelope_sha256: str) -> VerifiedReceipt:
        """Check ``receipt`` is a valid central receipt for exactly this record; raise IntegrityError if not."""


def sign_receipt(private_key: Any, key_id: str, *, device_id: str, record_id: str, envelope_sha256: str,
                 received_at_s: float) -> bytes:
    """Central side: a signed receipt for one envelope (``envelope_sha256`` = hex SHA-256 of its bytes)."""
    if not _SHA256_HEX.fullmatch(envelope_sha256):
        raise ValueError("envelope_sha256 must be 64 lowercase hex characters")
    return sign_object(KIND, {"v": VERSION, "device_id": device_id, "record_id": record_id,
                              "envelope_sha256": envelope_sha256,
                              "received_at_s": round(float(received_at_s), 6), "key_id": key_id}, private_key)


def read_receipt(receipt: bytes) -> dict[str, Any]:
    """A receipt's body WITHOUT checking its signature (listing only). Raises IntegrityError."""
    return read_object(KIND, receipt)


class PinnedReceiptVerifier:
    """Verifies receipts against pinned central receipt keys (key id -> Ed25519PublicKey)."""

    def __init__(self, keys: Mapping[str, Any]) -> None:
        self._keys = dict(keys)

    def verify(self, receipt: bytes, *, device_id: str, record_id: str, envelope_sha256: str) -> VerifiedReceipt:
        body = verify_object(KIND, receipt, self._keys)
        received = body.get("received_at_s")
        if set(body) != _FIELDS or body["v"] != VERSION \
                or (body["device_id"], body["record_id"], body["envelope_sha256"]) != \
                (device_id, record_id, envelope_sha256) \
                or not isinstance(received, (int, float)) or isinstance(received, bool) or not math.isfinite(received):
            raise IntegrityError(KIND.opaque_error)
        return VerifiedReceipt(device_id, record_id, envelope_sha256, float(received), body["key_id"])
