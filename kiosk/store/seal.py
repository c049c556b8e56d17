"""The device's choice of record cipher (the AEAD inside the HPKE suite of envelope v2).

The envelope itself (HPKE to central, Ed25519 by the device) is the protocol's: ``apoyo_protocol.envelope``.
This module only decides, per device, which of the two RFC 9180 AEADs to use: ``store.aead = auto`` measures
both once per process and takes the faster (a Pi 4 has no AES unit, so ChaCha20-Poly1305 wins there; a Pi 5 or
x86 with AES instructions picks AES-256-GCM).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

from apoyo_protocol.envelope import AEADS

__all__ = ["AEADS", "AeadChoice", "choose_aead", "cpu_has_aes", "measure_aead"]


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
