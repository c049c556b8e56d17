"""Central's private keys behind small interfaces: files under the key directory here, an HSM in production.

* the **sealing key** opens envelopes: anything with :class:`apoyo_protocol.envelope.EnvelopeOpener`'s
  ``hpke_decrypt`` (``SealingPrivateKey`` from a file, or an HSM client that performs the HPKE Open inside the
  module and never exports the key);
* the **receipt key** (Ed25519) signs receipts: anything with ``sign(bytes) -> bytes`` and a ``key_id``.

Files (mode 0600, owned by the service user): ``sealing.key`` (apoyo_protocol's canonical JSON) and
``receipt.key`` (PKCS#8 PEM). They are never in the repository and never logged.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from central.errors import ConfigError

SEALING_FILE = "sealing.key"
RECEIPT_FILE = "receipt.key"


class Signer(Protocol):
    key_id: str

    def sign(self, data: bytes) -> bytes: ...

    def public_raw(self) -> bytes: ...


class FileEd25519Signer:
    """An Ed25519 key held in process memory (loaded from a 0600 file)."""

    def __init__(self, private_key: Any, kind: str) -> None:
        from apoyo_protocol.keys import ed25519_raw, key_id

        self._key = private_key
        self.key_id = key_id(kind, ed25519_raw(private_key.public_key()))

    def sign(self, data: bytes) -> bytes:
        return self._key.sign(data)

    def public_key(self) -> Any:
        return self._key.public_key()

    def public_raw(self) -> bytes:
        from apoyo_protocol.keys import ed25519_raw

        return ed25519_raw(self._key.public_key())

    def __repr__(self) -> str:
        return f"FileEd25519Signer(key_id={self.key_id!r})"


@dataclass
class CentralKeys:
    sealing: Any  # apoyo_protocol.envelope.EnvelopeOpener
    receipt: Signer


def _write_secret(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def create(key_dir: Path, *, kem: str | None = None) -> CentralKeys:
    """Generate a fresh sealing and receipt key in ``key_dir`` (refuses to overwrite existing keys)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from apoyo_protocol.keys import DEFAULT_KEM, SealingPrivateKey

    key_dir = Path(key_dir)
    key_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    for name in (SEALING_FILE, RECEIPT_FILE):
        if (key_dir / name).exists():
            raise ConfigError(f"{key_dir / name} already exists: central keys are never overwritten")
    sealing = SealingPrivateKey.generate(kem or DEFAULT_KEM)
    receipt = Ed25519PrivateKey.generate()
    _write_secret(key_dir / SEALING_FILE, sealing.to_file_bytes())
    _write_secret(key_dir / RECEIPT_FILE, receipt.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return CentralKeys(sealing, FileEd25519Signer(receipt, "receipt"))


def load(key_dir: Path) -> CentralKeys:
    """Load the keys in ``key_dir``; raises ConfigError naming a missing or unreadable file."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from apoyo_protocol.errors import ApoyoError
    from apoyo_protocol.keys import SealingPrivateKey

    key_dir = Path(key_dir)
    try:
        sealing = SealingPrivateKey.from_file_bytes((key_dir / SEALING_FILE).read_bytes())
        receipt = serialization.load_pem_private_key((key_dir / RECEIPT_FILE).read_bytes(), password=None)
    except FileNotFoundError as exc:
        raise ConfigError(f"central key missing: {exc.filename} (create keys with `python -m central keys`)") \
            from exc
    except (ValueError, ApoyoError) as exc:
        raise ConfigError(f"central key in {key_dir} is unreadable: {exc}") from exc
    if not isinstance(receipt, Ed25519PrivateKey):
        raise ConfigError(f"{key_dir / RECEIPT_FILE} must be an Ed25519 key")
    return CentralKeys(sealing, FileEd25519Signer(receipt, "receipt"))
