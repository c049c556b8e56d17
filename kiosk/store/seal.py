"""Public-key envelopes: a record readable only by central, provably from this device and unaltered.

Envelope (all integers big-endian)::

    b"APYE" | version u8 = 1 | header_len u32 | header | wrapped_len u16 | wrapped_key | ct_len u32 | ciphertext
    | signature (64 bytes: plain RFC 8032 Ed25519 by the device over the 88 bytes
      b"apoyo-kiosk/envelope/v1\\0" + SHA-512(every byte before it). This is this project's own prehash, NOT
      RFC 8032 Ed25519ph (which hashes inside the signature scheme with its own domain prefix): a verifier checks
      an ordinary Ed25519 signature over context ‖ digest. Signing the digest rather than the 400 KB body halves
      the signing time)

* ``header`` is canonical JSON (format version, device id, record id, folio, sequence, timestamps, algorithm
  ids, central key id, device key id, ephemeral public key, nonce). It is the associated data of both AEADs.
* A fresh random 32-byte content key encrypts the payload with ChaCha20-Poly1305 or AES-256-GCM (named in the
  header). It is wrapped HPKE-style: an ephemeral X25519 key agrees a secret with the pinned central sealing key,
  HKDF-SHA256 (info = label + ephemeral public key + central public key) derives a one-time key-encryption key,
  and ChaCha20-Poly1305 encrypts the content key under it. The ephemeral private key is dropped at once, so
  **the kiosk cannot open what it sealed**.

Opening (:func:`open_envelope`) is central's job; the kiosk only checks signatures (:func:`verify_envelope`).
Every failure while opening or verifying is the same opaque :class:`IntegrityError`, as fernet does.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
import time
from dataclasses import dataclass
from typing import Any

from kiosk.errors import IntegrityError, StoreError

MAGIC = b"APYE"
FORMAT_VERSION = 1
SIGNATURE_BYTES = 64
SIG_CONTEXT = b"apoyo-kiosk/envelope/v1\x00"
WRAP_INFO = b"apoyo-kiosk/envelope/v1/wrap\x00"
KEM_ID = "x25519-hkdf-sha256"
WRAP_ID = "chacha20poly1305"
SIG_ID = "ed25519"
AEADS = ("chacha20poly1305", "aes256gcm")
_ZERO_NONCE = bytes(12)  # safe: every key-encryption key is used exactly once
_OPAQUE = "sealed record failed verification"


@dataclass(frozen=True)
class AeadChoice:
    name: str
    reason: str
    mb_per_s: dict[str, float]


def _aead(name: str, key: bytes):
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305

    if name == "chacha20poly1305":
        return ChaCha20Poly1305(key)
    if name == "aes256gcm":
        return AESGCM(key)
    raise ValueError(f"unknown AEAD {name!r}")


def measure_aead(name: str, size_bytes: int = 1 << 20, repeats: int = 3) -> float:
    """Encryption throughput of ``name`` in MB/s (best of ``repeats`` passes over ``size_bytes``)."""
    aead = _aead(name, os.urandom(32))
    data = os.urandom(size_bytes)
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        aead.encrypt(os.urandom(12), data, b"")
        best = min(best, time.perf_counter() - t0)
    return size_bytes / 1e6 / max(best, 1e-9)


def cpu_has_aes() -> bool | None:
    """Whether /proc/cpuinfo lists AES instructions ('aes' flag on x86 and arm64); None if unknown."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as fh:
            text = fh.read()
    except OSError:
        return None
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() in {"flags", "features"}:
            return "aes" in value.split()
    return None


_AUTO_CACHE: AeadChoice | None = None


def choose_aead(setting: str) -> AeadChoice:
    """Resolve ``store.aead``: a named cipher as is, or ``auto`` = the faster of the two measured on this CPU
    (about 10 ms, once per process). A Pi 4 has no AES unit, so ChaCha20 wins there; a Pi 5 or x86 with AES
    instructions usually picks AES-256-GCM."""
    global _AUTO_CACHE
    if setting in AEADS:
        return AeadChoice(setting, "configured", {})
    if setting != "auto":
        raise ValueError(f"store.aead must be auto or one of {AEADS}")
    if _AUTO_CACHE is None:
        speeds = {name: round(measure_aead(name, 256 << 10, 3), 1) for name in AEADS}
        best = max(speeds, key=speeds.__getitem__)
        _AUTO_CACHE = AeadChoice(best, f"auto: measured fastest (cpu aes flag: {cpu_has_aes()})", speeds)
    return _AUTO_CACHE


def _canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def _raw_public(key: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _kek(shared: bytes, epk_raw: bytes, central_raw: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=WRAP_INFO + epk_raw + central_raw).derive(shared)


def _to_sign(body: bytes) -> bytes:
    return SIG_CONTEXT + hashlib.sha512(body).digest()


@dataclass(frozen=True)
class SealedEnvelope:
    data: bytes
    header: dict[str, Any]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def seal(payload: bytes, *, device_id: str, record_id: str, folio: str, seq: int, sealed_wall_s: float,
         sealed_mono_s: float, is_clock_synced: bool, aead: str, central_public_key: Any, central_key_id: str,
         device_key: Any, device_key_id: str) -> SealedEnvelope:
    """Encrypt ``payload`` to the central public key and sign the envelope with the device key.

    Raises :class:`StoreError` if the payload is too large for the format (4 GiB).
    """
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    if len(payload) >= 1 << 32:
        raise StoreError("record payload too large to seal")
    eph = X25519PrivateKey.generate()
    epk_raw = _raw_public(eph.public_key())
    central_raw = _raw_public(central_public_key)
    shared = eph.exchange(central_public_key)
    del eph  # forget the ephemeral secret: from here on only central can recover the content key
    nonce = os.urandom(12)
    header = {
        "v": FORMAT_VERSION, "type": "apoyo.record", "device_id": device_id, "record_id": record_id,
        "folio": folio, "seq": seq, "sealed_wall_s": round(sealed_wall_s, 6), "sealed_mono_s": round(sealed_mono_s, 6),
        "is_clock_synced": bool(is_clock_synced), "aead": aead, "kem": KEM_ID, "wrap": WRAP_ID, "sig": SIG_ID,
        "central_key_id": central_key_id, "device_key_id": device_key_id,
        "epk": base64.b64encode(epk_raw).decode(), "nonce": base64.b64encode(nonce).decode(), "payload_format": 1,
    }
    header_bytes = _canonical(header)
    content_key = os.urandom(32)
    wrapped = _aead(WRAP_ID, _kek(shared, epk_raw, central_raw)).encrypt(_ZERO_NONCE, content_key, header_bytes)
    ciphertext = _aead(aead, content_key).encrypt(nonce, payload, header_bytes)
    del content_key
    body = b"".join([MAGIC, struct.pack(">BI", FORMAT_VERSION, len(header_bytes)), header_bytes,
                     struct.pack(">H", len(wrapped)), wrapped, struct.pack(">I", len(ciphertext)), ciphertext])
    signature = device_key.sign(_to_sign(body))
    return SealedEnvelope(body + signature, header)


@dataclass(frozen=True)
class _Parts:
    body: bytes
    header_bytes: bytes
    header: dict[str, Any]
    wrapped: bytes
    ciphertext: bytes
    signature: bytes


def _parse(envelope: bytes) -> _Parts:
    """Split an envelope strictly (exact lengths, no trailing bytes). Raises IntegrityError."""
    try:
        mv = bytes(envelope)
        if len(mv) < 4 + 5 + 2 + 4 + SIGNATURE_BYTES or mv[:4] != MAGIC:
            raise ValueError
        version, hlen = struct.unpack_from(">BI", mv, 4)
        if version != FORMAT_VERSION:
            raise ValueError
        pos = 9
        header_bytes = mv[pos:pos + hlen]
        pos += hlen
        (wlen,) = struct.unpack_from(">H", mv, pos)
        pos += 2
        wrapped = mv[pos:pos + wlen]
        pos += wlen
        (clen,) = struct.unpack_from(">I", mv, pos)
        pos += 4
        ciphertext = mv[pos:pos + clen]
        pos += clen
        if len(header_bytes) != hlen or len(wrapped) != wlen or len(ciphertext) != clen:
            raise ValueError
        if len(mv) != pos + SIGNATURE_BYTES:
            raise ValueError
        header = json.loads(header_bytes.decode("utf-8"))
        if not isinstance(header, dict) or header.get("v") != FORMAT_VERSION or header.get("aead") not in AEADS:
            raise ValueError
        if header.get("kem") != KEM_ID or header.get("wrap") != WRAP_ID or header.get("sig") != SIG_ID:
            raise ValueError
        if _canonical(header) != header_bytes:  # one byte string per header: no malleable encodings
            raise ValueError
        return _Parts(mv[:pos], header_bytes, header, wrapped, ciphertext, mv[pos:])
    except (ValueError, struct.error, UnicodeDecodeError, TypeError) as exc:
        raise IntegrityError(_OPAQUE) from exc


def verify_envelope(envelope: bytes, device_public_key: Any) -> dict[str, Any]:
    """Check the envelope's structure and device signature (no decryption); return its header.

    Raises :class:`IntegrityError` on any problem.
    """
    from cryptography.exceptions import InvalidSignature

    parts = _parse(envelope)
    try:
        device_public_key.verify(parts.signature, _to_sign(parts.body))
    except InvalidSignature as exc:
        raise IntegrityError(_OPAQUE) from exc
    return parts.header


def read_header(envelope: bytes) -> dict[str, Any]:
    """The header of a structurally valid envelope, WITHOUT checking the signature (for listing only)."""
    return _parse(envelope).header


def open_envelope(envelope: bytes, central_private_key: Any, device_public_key: Any) -> bytes:
    """Central side: verify the device signature, unwrap the content key and decrypt the payload.

    Raises :class:`IntegrityError` (always the same message) if the signature, structure, key or any byte is
    wrong, or if ``central_private_key`` is not the key the record was sealed to.
    """
    from cryptography.exceptions import InvalidTag

    header = verify_envelope(envelope, device_public_key)
    parts = _parse(envelope)
    try:
        central_raw = _raw_public(central_private_key.public_key())
        from kiosk.store.keys import key_id

        if header.get("central_key_id") != key_id("sealing", central_raw):
            raise ValueError
        epk_raw = base64.b64decode(header["epk"], validate=True)
        nonce = base64.b64decode(header["nonce"], validate=True)
        if len(epk_raw) != 32 or len(nonce) != 12:
            raise ValueError
        from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

        shared = central_private_key.exchange(X25519PublicKey.from_public_bytes(epk_raw))
        kek = _kek(shared, epk_raw, central_raw)
        content_key = _aead(WRAP_ID, kek).decrypt(_ZERO_NONCE, parts.wrapped, parts.header_bytes)
        return _aead(header["aead"], content_key).decrypt(nonce, parts.ciphertext, parts.header_bytes)
    except (InvalidTag, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise IntegrityError(_OPAQUE) from exc
