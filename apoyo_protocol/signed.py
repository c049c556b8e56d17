"""Signed objects: the one framing for every small signed JSON document (receipts, manifests, catalogs).

Layout (integers big-endian)::

    magic (4 bytes) | version u8 | body_len u32 | body (canonical JSON object) | Ed25519 signature (64 bytes)

The signature covers ``context`` (a per-kind label ending in NUL, e.g. ``b"apoyo-central/receipt/v1\\0"``) and
every byte before the signature, so a signature of one kind can never be replayed as another. The body names
its signer in ``key_id``; the verifier looks that id up among the keys it trusts.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from apoyo_protocol.canonical import canonical_json, parse_canonical
from apoyo_protocol.errors import IntegrityError, InvalidField

SIGNATURE_BYTES = 64
_PREFIX = 9  # magic + version + body_len
MAX_BODY_BYTES = 16 << 20


@dataclass(frozen=True)
class SignedKind:
    """One kind of signed object: its magic, format version, signature context and opaque error message."""

    magic: bytes
    version: int
    context: bytes
    opaque_error: str


def sign_object(kind: SignedKind, body: Mapping[str, Any], private_key: Any) -> bytes:
    """Frame and sign ``body`` (which must hold ``key_id``) with the Ed25519 ``private_key``."""
    if not isinstance(body.get("key_id"), str):
        raise InvalidField("key_id", "a signed object names its signing key")
    body_bytes = canonical_json(dict(body))
    if len(body_bytes) > MAX_BODY_BYTES:
        raise InvalidField("body", f"larger than {MAX_BODY_BYTES} bytes")
    signed = kind.magic + struct.pack(">BI", kind.version, len(body_bytes)) + body_bytes
    signature: bytes = private_key.sign(kind.context + signed)
    return signed + signature


def read_object(kind: SignedKind, blob: bytes) -> dict[str, Any]:
    """The body of a structurally valid object, WITHOUT checking its signature (to find which key to ask for).
    Raises IntegrityError."""
    return _split(kind, blob)[0]


def verify_object(kind: SignedKind, blob: bytes, keys: Mapping[str, Any]) -> dict[str, Any]:
    """Check framing, canonical body and the signature by the key the body names, which must be in ``keys``
    (key id -> Ed25519PublicKey). Returns the body. Raises :class:`IntegrityError` (one message) on any problem.
    """
    from cryptography.exceptions import InvalidSignature

    body, signed, signature = _split(kind, blob)
    try:
        key = keys[body["key_id"]]
        key.verify(signature, kind.context + signed)
    except (KeyError, TypeError, InvalidSignature) as exc:
        raise IntegrityError(kind.opaque_error) from exc
    return body


def _split(kind: SignedKind, blob: bytes) -> tuple[dict[str, Any], bytes, bytes]:
    try:
        data = bytes(blob)
        if len(data) < _PREFIX + SIGNATURE_BYTES or data[:4] != kind.magic:
            raise ValueError("framing")
        version, body_len = struct.unpack_from(">BI", data, 4)
        if version != kind.version or len(data) != _PREFIX + body_len + SIGNATURE_BYTES:
            raise ValueError("version or length")
        body = parse_canonical(data[_PREFIX:_PREFIX + body_len])
        if not isinstance(body, dict) or not isinstance(body.get("key_id"), str):
            raise ValueError("body")
        return body, data[:_PREFIX + body_len], data[_PREFIX + body_len:]
    except (ValueError, TypeError, struct.error) as exc:  # InvalidField is a ValueError
        raise IntegrityError(kind.opaque_error) from exc
