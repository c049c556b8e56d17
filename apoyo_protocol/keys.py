"""Key identities and central's sealing keys (HPKE recipients), as bytes both sides agree on.

* :func:`key_id`: the short id every public key goes by (16 hex chars of SHA-256 over its kind and raw bytes).
* :class:`SealingPublicKey` / :class:`SealingPrivateKey`: central's HPKE key pair, for one of two KEMs:
  ``X25519`` (DHKEM(X25519, HKDF-SHA256), RFC 9180 KEM id 0x0020; 32-byte public key) or the post-quantum hybrid
  ``MLKEM768-X25519`` (X-Wing, KEM id 0x647A; public key = ML-KEM-768 encapsulation key 1184 bytes || X25519
  32 bytes). The public encoding's length tells the KEM apart.

A private key file (central only; mode 0600, an HSM in production) is canonical JSON
``{"format": "apoyo.sealing_private_key", "v": 1, "kem": ..., "private": base64}`` where ``private`` is the
X25519 scalar (32 bytes) or the ML-KEM-768 seed (64 bytes) followed by the X25519 scalar.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from typing import Any

from apoyo_protocol.canonical import canonical_json, parse_canonical
from apoyo_protocol.errors import InvalidField, UnsupportedVersion

KEM_X25519 = "X25519"
KEM_MLKEM768_X25519 = "MLKEM768-X25519"
#: RFC 9180 / IANA HPKE KEM identifiers.
KEM_IDS = {KEM_X25519: 0x0020, KEM_MLKEM768_X25519: 0x647A}
KEMS = tuple(KEM_IDS)
#: The default: affiliation must stay confidential for decades, past the day X25519 alone may fall
#: (bench/results/store.json measures the cost: about 1.1 KB and a few microseconds per record).
DEFAULT_KEM = KEM_MLKEM768_X25519
_X25519_BYTES = 32
_MLKEM768_PUBLIC_BYTES = 1184
_MLKEM_SEED_BYTES = 64
_PUBLIC_BYTES = {KEM_X25519: _X25519_BYTES, KEM_MLKEM768_X25519: _MLKEM768_PUBLIC_BYTES + _X25519_BYTES}
_PRIVATE_BYTES = {KEM_X25519: _X25519_BYTES, KEM_MLKEM768_X25519: _MLKEM_SEED_BYTES + _X25519_BYTES}
PRIVATE_KEY_FORMAT = "apoyo.sealing_private_key"


def key_id(kind: str, public_raw: bytes) -> str:
    """Short stable id of a public key: 16 hex chars of SHA-256 over its kind and raw bytes."""
    return hashlib.sha256(b"apoyo-key-id\x00" + kind.encode() + b"\x00" + bytes(public_raw)).hexdigest()[:16]


def ed25519_raw(public_key: Any) -> bytes:
    """The 32 raw bytes of an Ed25519 (or X25519) public key object."""
    from cryptography.hazmat.primitives import serialization

    raw: bytes = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return raw


def ed25519_public(raw: bytes, what: str = "public_key") -> Any:
    """An Ed25519PublicKey from 32 raw bytes. Raises InvalidField naming ``what``."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    if not isinstance(raw, bytes) or len(raw) != 32:
        raise InvalidField(what, "an Ed25519 public key is 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: Any, what: str) -> bytes:
    """Strict base64 decoding. Raises InvalidField naming ``what``."""
    try:
        if not isinstance(text, str):
            raise ValueError
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError) as exc:
        raise InvalidField(what, "not valid base64") from exc


@dataclass(frozen=True)
class SealingPublicKey:
    """Central's HPKE public key as the kiosk pins it."""

    kem: str
    raw: bytes = field(repr=False)

    @classmethod
    def from_raw(cls, raw: bytes) -> SealingPublicKey:
        """Decode a public key; its length says which KEM. Raises InvalidField."""
        raw = bytes(raw)
        for kem, size in _PUBLIC_BYTES.items():
            if len(raw) == size:
                key = cls(kem, raw)
                key.hpke_key()  # parse now: a bad key is refused when pinned, not at the first seal
                return key
        raise InvalidField("sealing_public_key", f"{len(raw)} bytes is neither an X25519 ({_X25519_BYTES}) nor "
                                                 f"an MLKEM768-X25519 ({_PUBLIC_BYTES[KEM_MLKEM768_X25519]}) key")

    @property
    def key_id(self) -> str:
        return key_id("sealing", self.raw)

    def hpke_key(self) -> Any:
        """The object ``cryptography``'s HPKE takes. Raises InvalidField on a malformed key."""
        from cryptography.hazmat.primitives.asymmetric import mlkem, x25519
        from cryptography.hazmat.primitives.hpke import MLKEM768X25519PublicKey

        try:
            if self.kem == KEM_X25519:
                return x25519.X25519PublicKey.from_public_bytes(self.raw)
            return MLKEM768X25519PublicKey(
                mlkem.MLKEM768PublicKey.from_public_bytes(self.raw[:_MLKEM768_PUBLIC_BYTES]),
                x25519.X25519PublicKey.from_public_bytes(self.raw[_MLKEM768_PUBLIC_BYTES:]))
        except ValueError as exc:
            raise InvalidField("sealing_public_key", f"not a valid {self.kem} public key") from exc


class SealingPrivateKey:
    """Central's HPKE private key (a file here; an HSM offers the same :meth:`hpke_decrypt` in production)."""

    def __init__(self, kem: str, private_raw: bytes) -> None:
        from cryptography.hazmat.primitives.asymmetric import mlkem, x25519
        from cryptography.hazmat.primitives.hpke import MLKEM768X25519PrivateKey

        if kem not in KEMS:
            raise UnsupportedVersion(f"unknown KEM {kem!r} (known: {', '.join(KEMS)})")
        if len(private_raw) != _PRIVATE_BYTES[kem]:
            raise InvalidField("sealing_private_key", f"a {kem} private key is {_PRIVATE_BYTES[kem]} bytes")
        self.kem = kem
        self._raw = bytes(private_raw)
        if kem == KEM_X25519:
            self._key: Any = x25519.X25519PrivateKey.from_private_bytes(self._raw)
            public = ed25519_raw(self._key.public_key())
        else:
            mk = mlkem.MLKEM768PrivateKey.from_seed_bytes(self._raw[:_MLKEM_SEED_BYTES])
            xk = x25519.X25519PrivateKey.from_private_bytes(self._raw[_MLKEM_SEED_BYTES:])
            self._key = MLKEM768X25519PrivateKey(mk, xk)
            public = mk.public_key().public_bytes_raw() + ed25519_raw(xk.public_key())
        self.public = SealingPublicKey(kem, public)

    def __repr__(self) -> str:
        return f"SealingPrivateKey(kem={self.kem!r}, key_id={self.key_id!r})"

    @classmethod
    def generate(cls, kem: str = DEFAULT_KEM) -> SealingPrivateKey:
        import os

        if kem not in KEMS:
            raise UnsupportedVersion(f"unknown KEM {kem!r} (known: {', '.join(KEMS)})")
        return cls(kem, os.urandom(_PRIVATE_BYTES[kem]) if kem == KEM_MLKEM768_X25519 else _x25519_scalar())

    @property
    def key_id(self) -> str:
        return self.public.key_id

    def hpke_decrypt(self, suite: Any, ciphertext: bytes, info: bytes) -> bytes:
        """Open one HPKE single-shot ciphertext (raises cryptography's InvalidTag on failure)."""
        plaintext: bytes = suite.decrypt(ciphertext, self._key, info=info)
        return plaintext

    def to_file_bytes(self) -> bytes:
        return canonical_json({"format": PRIVATE_KEY_FORMAT, "v": 1, "kem": self.kem, "private": b64(self._raw)})

    @classmethod
    def from_file_bytes(cls, data: bytes) -> SealingPrivateKey:
        """Parse :meth:`to_file_bytes`. Raises InvalidField / UnsupportedVersion."""
        doc = parse_canonical(data, "sealing_private_key")
        if not isinstance(doc, dict) or doc.get("format") != PRIVATE_KEY_FORMAT:
            raise InvalidField("sealing_private_key", "not an apoyo sealing private key file")
        if doc.get("v") != 1:
            raise UnsupportedVersion(f"sealing private key file version {doc.get('v')!r}")
        return cls(str(doc.get("kem")), unb64(doc.get("private"), "sealing_private_key.private"))


def _x25519_scalar() -> bytes:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import x25519

    return x25519.X25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
