"""Sealed record envelopes, format 2: standard HPKE (RFC 9180) to central, signed by the device.

Layout (integers big-endian)::

    b"APYE" | version u8 = 2 | header_len u32 | header | hpke_len u32 | hpke | signature (64 bytes)

* ``header``: canonical JSON (``apoyo_protocol.canonical``) with the format version, device id, record id,
  folio, sequence number, timestamps, record schema version (``payload_format``), the HPKE suite as IANA ids
  (``"hpke": {"kem": 0x647A or 0x0020, "kdf": 0x0001, "aead": 0x0002 or 0x0003}``), ``"sig": "ed25519"``, and
  the ids of the central sealing key and of the device key.
* ``hpke``: the output of one RFC 9180 single-shot base-mode Seal to the central sealing key, ``enc || ct``,
  with ``info = b"apoyo/envelope/v2\\0" || SHA-256(header)`` and empty AAD. RFC 9180 §8.1 asks single-shot users
  to put their authenticated context in ``info``; the header's digest keeps ``info`` at 50 bytes, within the
  64 bytes every RFC 9180 implementation must accept. Changing one header byte changes the HPKE key, so the
  header is authenticated exactly as an AEAD's associated data would be. Any RFC 9180 implementation with the
  central private key opens the payload: ``Open(skR, enc, info, aad="", ct)``.
* ``signature``: Ed25519 by the device over ``b"apoyo-kiosk/envelope/v2\\0" || SHA-512(every byte before it)``
  — plain RFC 8032 Ed25519 over those 88 bytes, NOT Ed25519ph (which prehashes inside the scheme with its own
  domain prefix); signing the digest instead of the 400 KB body halves the time. Central checks it with the
  device's enrolled key before anything else.

HPKE's ephemeral secret never leaves the library call, so **the kiosk cannot open what it sealed**. Every
failure while opening or verifying is the same opaque :class:`IntegrityError`.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from typing import Any, Protocol

from apoyo_protocol.canonical import canonical_json, parse_canonical
from apoyo_protocol.errors import IntegrityError, InvalidField
from apoyo_protocol.keys import KEM_IDS, SealingPublicKey, key_id
from apoyo_protocol.record import PAYLOAD_VERSION

MAGIC = b"APYE"
FORMAT_VERSION = 2
SIGNATURE_BYTES = 64
SIG_CONTEXT = b"apoyo-kiosk/envelope/v2\x00"
INFO_LABEL = b"apoyo/envelope/v2\x00"
SIG_ID = "ed25519"
KDF_HKDF_SHA256 = 0x0001
#: The kiosk's AEAD names -> RFC 9180 AEAD ids.
AEAD_IDS = {"aes256gcm": 0x0002, "chacha20poly1305": 0x0003}
AEADS = tuple(AEAD_IDS)
MAX_HEADER_BYTES = 4096
#: The largest envelope central accepts (a record is about 0.4 MB; 4 images at the most generous settings stay
#: far below this).
MAX_ENVELOPE_BYTES = 16 << 20
OPAQUE = "sealed record failed verification"
_PREFIX = 9
_KEM_NAMES = {v: k for k, v in KEM_IDS.items()}
_AEAD_NAMES = {v: k for k, v in AEAD_IDS.items()}


def _suite(kem_id: int, aead_id: int) -> Any:
    from cryptography.hazmat.primitives.hpke import AEAD, KDF, KEM, Suite

    kem = {0x0020: KEM.X25519, 0x647A: KEM.MLKEM768_X25519}[kem_id]
    aead = {0x0002: AEAD.AES_256_GCM, 0x0003: AEAD.CHACHA20_POLY1305}[aead_id]
    return Suite(kem, KDF.HKDF_SHA256, aead)


def _info(header_bytes: bytes) -> bytes:
    return INFO_LABEL + hashlib.sha256(header_bytes).digest()


def _to_sign(body: bytes) -> bytes:
    return SIG_CONTEXT + hashlib.sha512(body).digest()


def suite_name(header: dict[str, Any]) -> str:
    """Human-readable suite of a parsed header, e.g. ``MLKEM768-X25519/HKDF-SHA256/aes256gcm``."""
    h = header["hpke"]
    return f"{_KEM_NAMES[h['kem']]}/HKDF-SHA256/{_AEAD_NAMES[h['aead']]}"


def aead_name(header: dict[str, Any]) -> str:
    """The kiosk's name of the AEAD a parsed header records (``aes256gcm`` or ``chacha20poly1305``)."""
    return _AEAD_NAMES[header["hpke"]["aead"]]


@dataclass(frozen=True)
class SealedEnvelope:
    data: bytes
    header: dict[str, Any]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def seal(payload: bytes, *, device_id: str, record_id: str, folio: str, seq: int, sealed_wall_s: float,
         sealed_mono_s: float, is_clock_synced: bool, aead: str, central_public_key: SealingPublicKey,
         device_key: Any, device_key_id: str) -> SealedEnvelope:
    """HPKE-seal ``payload`` to ``central_public_key`` and sign the envelope with the Ed25519 ``device_key``.

    Raises :class:`InvalidField` for an unknown ``aead`` or a payload over :data:`MAX_ENVELOPE_BYTES`.
    """
    if aead not in AEAD_IDS:
        raise InvalidField("aead", f"must be one of {AEADS}")
    if len(payload) > MAX_ENVELOPE_BYTES - 8192:
        raise InvalidField("payload", f"larger than an envelope may be ({MAX_ENVELOPE_BYTES} bytes)")
    kem_id = KEM_IDS[central_public_key.kem]
    header = {
        "v": FORMAT_VERSION, "type": "apoyo.record", "device_id": device_id, "record_id": record_id,
        "folio": folio, "seq": seq, "sealed_wall_s": round(sealed_wall_s, 6), "sealed_mono_s": round(sealed_mono_s, 6),
        "is_clock_synced": bool(is_clock_synced), "payload_format": PAYLOAD_VERSION,
        "hpke": {"kem": kem_id, "kdf": KDF_HKDF_SHA256, "aead": AEAD_IDS[aead]}, "sig": SIG_ID,
        "central_key_id": central_public_key.key_id, "device_key_id": device_key_id,
    }
    header_bytes = canonical_json(header)
    sealed = _suite(kem_id, AEAD_IDS[aead]).encrypt(payload, central_public_key.hpke_key(), info=_info(header_bytes))
    body = b"".join([MAGIC, struct.pack(">BI", FORMAT_VERSION, len(header_bytes)), header_bytes,
                     struct.pack(">I", len(sealed)), sealed])
    return SealedEnvelope(body + device_key.sign(_to_sign(body)), header)


@dataclass(frozen=True)
class _Parts:
    body: bytes
    header_bytes: bytes
    header: dict[str, Any]
    hpke: bytes
    signature: bytes


_HEADER_TYPES: dict[str, type | tuple[type, ...]] = {
    "v": int, "type": str, "device_id": str, "record_id": str, "folio": str, "seq": int,
    "sealed_wall_s": (int, float), "sealed_mono_s": (int, float), "is_clock_synced": bool,
    "payload_format": int, "hpke": dict, "sig": str, "central_key_id": str, "device_key_id": str,
}


def _parse(envelope: bytes) -> _Parts:
    """Split an envelope strictly (exact lengths, known suite, canonical header). Raises IntegrityError."""
    try:
        data = bytes(envelope)
        if not _PREFIX + 4 + SIGNATURE_BYTES <= len(data) <= MAX_ENVELOPE_BYTES or data[:4] != MAGIC:
            raise ValueError("framing")
        version, hlen = struct.unpack_from(">BI", data, 4)
        if version != FORMAT_VERSION or hlen > MAX_HEADER_BYTES:
            raise ValueError("version")
        pos = _PREFIX + hlen
        header_bytes = data[_PREFIX:pos]
        (clen,) = struct.unpack_from(">I", data, pos)
        pos += 4
        hpke = data[pos:pos + clen]
        pos += clen
        if len(hpke) != clen or len(data) != pos + SIGNATURE_BYTES:
            raise ValueError("lengths")
        header = parse_canonical(header_bytes, "header")
        if not isinstance(header, dict) or set(header) != set(_HEADER_TYPES):
            raise ValueError("header fields")
        for name, types in _HEADER_TYPES.items():
            if not isinstance(header[name], types) or (types is int and isinstance(header[name], bool)):
                raise ValueError(name)
        suite = header["hpke"]
        if header["v"] != FORMAT_VERSION or header["type"] != "apoyo.record" or header["sig"] != SIG_ID \
                or set(suite) != {"kem", "kdf", "aead"} or suite["kem"] not in _KEM_NAMES \
                or suite["kdf"] != KDF_HKDF_SHA256 or suite["aead"] not in _AEAD_NAMES:
            raise ValueError("suite")
        return _Parts(data[:pos], header_bytes, header, hpke, data[pos:])
    except (ValueError, TypeError, struct.error) as exc:
        raise IntegrityError(OPAQUE) from exc


def verify_envelope(envelope: bytes, device_public_key: Any) -> dict[str, Any]:
    """Check the envelope's structure and device signature (no decryption); return its header.

    Raises :class:`IntegrityError` on any problem.
    """
    from cryptography.exceptions import InvalidSignature

    parts = _parse(envelope)
    try:
        device_public_key.verify(parts.signature, _to_sign(parts.body))
    except (InvalidSignature, AttributeError, TypeError) as exc:
        raise IntegrityError(OPAQUE) from exc
    return parts.header


def read_header(envelope: bytes) -> dict[str, Any]:
    """The header of a structurally valid envelope, WITHOUT checking the signature (for listing only)."""
    return _parse(envelope).header


class EnvelopeOpener(Protocol):
    """What opens envelopes at central: :class:`~apoyo_protocol.keys.SealingPrivateKey` or an HSM client."""

    kem: str
    key_id: str

    def hpke_decrypt(self, suite: Any, ciphertext: bytes, info: bytes) -> bytes: ...


def open_envelope(envelope: bytes, central_key: EnvelopeOpener, device_public_key: Any) -> bytes:
    """Central side: verify the device signature, then HPKE-open the payload with central's key.

    Raises :class:`IntegrityError` (always the same message) if the signature, structure or any byte is wrong,
    or if ``central_key`` is not the key the record was sealed to.
    """
    from cryptography.exceptions import InvalidTag

    header = verify_envelope(envelope, device_public_key)
    parts = _parse(envelope)
    try:
        if header["central_key_id"] != central_key.key_id or header["hpke"]["kem"] != KEM_IDS[central_key.kem]:
            raise ValueError("sealed to another key")
        suite = _suite(header["hpke"]["kem"], header["hpke"]["aead"])
        return central_key.hpke_decrypt(suite, parts.hpke, _info(parts.header_bytes))
    except (InvalidTag, ValueError, KeyError, TypeError) as exc:
        raise IntegrityError(OPAQUE) from exc


def device_key_id(device_public_raw: bytes) -> str:
    """The id a device key goes by in envelope headers (``key_id('device', raw)``)."""
    return key_id("device", device_public_raw)
