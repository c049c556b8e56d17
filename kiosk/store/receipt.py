"""Central's receipts: proof that central holds a record, the only thing that lets the kiosk purge it.

Receipt (integers big-endian)::

    b"APYC" | version u8 = 1 | body_len u32 | body (canonical JSON) | signature (64 bytes)

Body: ``{"v", "device_id", "record_id", "envelope_sha256", "received_at_s", "key_id"}``; the signature is
Ed25519 by one of central's receipt keys over b"apoyo-central/receipt/v1\\0" + every byte before it. Central
does not exist yet, so :func:`sign_receipt` is here for the development central and tests; the kiosk side is a
:class:`ReceiptVerifier`, by default :class:`PinnedReceiptVerifier` over the pinned receipt keys.
"""

from __future__ import annotations

import json
import math
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from kiosk.errors import IntegrityError

MAGIC = b"APYC"
VERSION = 1
SIG_CONTEXT = b"apoyo-central/receipt/v1\x00"
_OPAQUE = "receipt failed verification"


@dataclass(frozen=True)
class VerifiedReceipt:
    record_id: str
    received_at_s: float
    key_id: str


class ReceiptVerifier(Protocol):
    def verify(self, receipt: bytes, *, device_id: str, record_id: str, envelope_sha256: str) -> VerifiedReceipt:
        """Check ``receipt`` is a valid central receipt for exactly this record; raise IntegrityError if not."""


def _canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def sign_receipt(private_key: Any, key_id: str, *, device_id: str, record_id: str, envelope_sha256: str,
                 received_at_s: float) -> bytes:
    """Central side (development central, tests): a signed receipt for one envelope."""
    body = _canonical({"v": VERSION, "device_id": device_id, "record_id": record_id,
                       "envelope_sha256": envelope_sha256, "received_at_s": round(float(received_at_s), 6),
                       "key_id": key_id})
    signed = MAGIC + struct.pack(">BI", VERSION, len(body)) + body
    return signed + private_key.sign(SIG_CONTEXT + signed)


class PinnedReceiptVerifier:
    """Verifies receipts against pinned central receipt keys (key id → Ed25519PublicKey); any pinned key is
    accepted so receipts stay valid across a key rotation."""

    def __init__(self, keys: Mapping[str, Any]) -> None:
        self._keys = dict(keys)

    def verify(self, receipt: bytes, *, device_id: str, record_id: str, envelope_sha256: str) -> VerifiedReceipt:
        from cryptography.exceptions import InvalidSignature

        try:
            if receipt[:4] != MAGIC or len(receipt) < 9 + 64:
                raise ValueError
            version, blen = struct.unpack_from(">BI", receipt, 4)
            if version != VERSION or len(receipt) != 9 + blen + 64:
                raise ValueError
            body_bytes = receipt[9:9 + blen]
            body = json.loads(body_bytes.decode("utf-8"))
            if not isinstance(body, dict) or _canonical(body) != body_bytes:
                raise ValueError
            key = self._keys[body["key_id"]]
            key.verify(receipt[9 + blen:], SIG_CONTEXT + receipt[:9 + blen])
            received = body["received_at_s"]
            if (body["device_id"], body["record_id"], body["envelope_sha256"]) != \
                    (device_id, record_id, envelope_sha256) or not isinstance(received, (int, float)) \
                    or not math.isfinite(received):
                raise ValueError
            return VerifiedReceipt(record_id, float(received), body["key_id"])
        except (ValueError, KeyError, TypeError, struct.error, UnicodeDecodeError, InvalidSignature) as exc:
            raise IntegrityError(_OPAQUE) from exc
