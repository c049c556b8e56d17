"""The audit log's signed head, kept outside the database: how cutting entries off the end is noticed.

A chain of signed entries shows any edit, insertion or removal *inside* the log, but not a log cut short: the
shorter log is still a valid chain. So after every committed append the device also writes the newest entry's
(seq, entry_hash), signed with the device key, to ``<data_dir>/store/audit_head``. An attacker who deletes the
newest entries (and records) from the database leaves a head that names an entry the log no longer has; writing
a head for the shorter log needs the device key. What is left undetectable on the device itself is rolling the
*whole* data directory (database and head file together) back to an older copy; only a witness off the device
(central, which receives signed checkpoints at every sync) can see that.

File layout: two 128-byte slots; each slot is::

    b"APYH" | version u8 = 1 | seq u64 big-endian | entry_hash (32) | signature (64) | zero padding

signature = Ed25519(device key, b"apoyo-audit/head/v1\\0" + canonical JSON [device_id, seq, entry_hash hex]).
A write goes to the slot not holding the newest valid head and is flushed with ``fdatasync``, so a power cut
mid-write tears at most that slot and the other still holds the previous head. Writers (the kiosk, the sync
worker) take an exclusive ``flock`` and never lower the head: a writer that lost the race to a newer entry
leaves the file alone. The head may lag the database by the appends of one transaction after a crash between
commit and head write; it is never ahead of it.
"""

from __future__ import annotations

import fcntl
import json
import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.store.durable import fsync_dir

HEAD_FILE = "audit_head"
MAGIC = b"APYH"
VERSION = 1
SLOT = 128
_LABEL = b"apoyo-audit/head/v1\x00"
_FMT = ">4sBQ32s64s"
_USED = struct.calcsize(_FMT)


@dataclass(frozen=True)
class Head:
    seq: int
    entry_hash: bytes


def _message(device_id: str, seq: int, entry_hash: bytes) -> bytes:
    return _LABEL + json.dumps([device_id, seq, entry_hash.hex()], separators=(",", ":")).encode()


def _parse_slot(raw: bytes, device_id: str, public_key: Any) -> Head | None:
    from cryptography.exceptions import InvalidSignature

    if len(raw) < _USED:
        return None
    magic, version, seq, ehash, sig = struct.unpack_from(_FMT, raw)
    if magic != MAGIC or version != VERSION:
        return None
    try:
        public_key.verify(sig, _message(device_id, seq, ehash))
    except (InvalidSignature, TypeError, ValueError):
        return None
    return Head(seq, ehash)


def _slots(fd: int, device_id: str, public_key: Any) -> list[Head | None]:
    return [_parse_slot(os.pread(fd, SLOT, i * SLOT), device_id, public_key) for i in (0, 1)]


def read_head(path: Path, device_id: str, public_key: Any) -> Head | None | bool:
    """The newest validly signed head; ``None`` when the file does not exist; ``False`` when it exists but no
    slot holds a head signed by this device (damaged or forged)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        heads = [h for h in _slots(fd, device_id, public_key) if h is not None]
    finally:
        os.close(fd)
    return max(heads, key=lambda h: h.seq) if heads else False


def write_head(path: Path, device_id: str, signing_key: Any, seq: int, entry_hash: bytes) -> None:
    """Record ``(seq, entry_hash)`` as the newest entry, unless the file already holds a newer one.
    Raises OSError when the disk refuses (the caller logs it; the database stays the authority)."""
    sig = signing_key.sign(_message(device_id, seq, entry_hash))
    slot_bytes = struct.pack(_FMT, MAGIC, VERSION, seq, entry_hash, sig).ljust(SLOT, b"\x00")
    is_new = not path.exists()
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        heads = _slots(fd, device_id, signing_key.public_key())
        valid = [(h.seq, i) for i, h in enumerate(heads) if h is not None]
        if valid and max(valid)[0] >= seq:
            return
        target = 1 - max(valid)[1] if valid else 0
        os.pwrite(fd, slot_bytes, target * SLOT)
        os.fdatasync(fd)
    finally:
        os.close(fd)  # closing releases the lock
    if is_new:
        fsync_dir(path.parent)
