"""Append-only, hash-chained audit log with device-signed checkpoints.

Where: two tables in the record store's SQLite database (``audit_log``, ``audit_checkpoints``), not a separate
file, because the "capture sealed" entry must commit in the *same* transaction as the record it describes: after
a crash there is never a record without its entry or an entry without its record, and the log inherits the
store's WAL durability. Triggers refuse UPDATE and DELETE (against bugs; an attacker with the file can drop
them, which is what the chain and signatures are for).

Each entry commits to the one before: ``entry_hash = SHA-256(label | prev_hash | canonical([seq, at_s, kind,
details]))``, starting from a genesis hash of the device id. Every ``checkpoint_every`` entries, and on demand
(:meth:`AuditLog.checkpoint`, e.g. before a sync or export), the device signs (seq, entry_hash, next_due_seq).
:meth:`AuditLog.verify` then finds an edited entry (hash mismatch, or a re-computed chain that no longer
matches a signed checkpoint), a removed or reordered entry (broken links or sequence gaps), a removed
checkpoint (the previous one promised the next at ``next_due_seq``) and a forged checkpoint (bad signature).
Limit: entries after the newest checkpoint can be cut off the end undetected, so callers checkpoint on demand
at meaningful moments.

Details never hold personal data: only flat scalars, and values that look like a CURP, a clave de elector or a
long number (CIC, identificador) are refused.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from apoyo_protocol.canonical import canonical_json
from kiosk.errors import InvalidField, KeyMissing

CAPTURE_SEALED = "capture.sealed"
ADMIN_ACTION = "admin.action"
SYNC = "sync"
EXPORT = "export"
PURGE = "purge"
ERROR = "error"
KIOSK_EVENT = "kiosk.event"  # what the flow saw that an auditor should: refusals, operator lockouts, failsafe
KINDS = (CAPTURE_SEALED, ADMIN_ACTION, SYNC, EXPORT, PURGE, ERROR, KIOSK_EVENT)
_CAPTURE_KEYS = {"folio", "record_id", "size_bytes", "aead"}
_ENTRY_LABEL = b"apoyo-audit/v1\x00"
_CHECKPOINT_LABEL = b"apoyo-audit/checkpoint/v1\x00"
_MAX_TEXT = 200
_MAX_KEYS = 16
# Patterns of citizen identifiers that must never reach the log.
_PII = (
    re.compile(r"[A-Z][AEIOUX][A-Z]{2}\d{6}[HMX][A-Z]{5}[A-Z0-9]\d", re.I),  # CURP
    re.compile(r"[A-Z]{6}\d{8}[HM]\d{3}", re.I),  # clave de elector
    re.compile(r"\d{9,}"),  # CIC, identificador, phone numbers, ...
)
_ID_KEYS = {"record_id": re.compile(r"[0-9a-f]{32}"), "folio": re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]"),
            "key_id": re.compile(r"[0-9a-f]{16}")}
_DENY_KEYS = {"cic", "curp", "identificador", "clave_elector", "name", "nombre", "names", "surname",
              "given_names", "birth_date", "address", "domicilio", "mrz", "selfie", "signature"}


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at_s: float
    kind: str
    details: dict[str, Any]


@dataclass
class AuditReport:
    """Outcome of :meth:`AuditLog.verify`; ``problems`` name entry numbers only, never content."""

    entries: int = 0
    checkpoints: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def is_ok(self) -> bool:
        return not self.problems


def genesis_hash(device_id: str) -> bytes:
    return hashlib.sha256(b"apoyo-audit/genesis\x00" + device_id.encode()).digest()


def entry_hash(prev_hash: bytes, seq: int, at_s: float, kind: str, details_json: str) -> bytes:
    return hashlib.sha256(_ENTRY_LABEL + prev_hash + canonical_json([seq, at_s, kind, details_json])).digest()


def _checkpoint_message(device_id: str, seq: int, ehash: bytes, at_s: float, next_due: int) -> bytes:
    return _CHECKPOINT_LABEL + canonical_json([device_id, seq, ehash.hex(), at_s, next_due])


def check_details(kind: str, details: Mapping[str, Any]) -> str:
    """Validate ``details`` for ``kind`` and return their canonical JSON. Raises InvalidField('details', why)."""
    if kind not in KINDS:
        raise InvalidField("kind", f"must be one of {KINDS}")
    if not isinstance(details, Mapping) or len(details) > _MAX_KEYS:
        raise InvalidField("details", f"must be a mapping of at most {_MAX_KEYS} keys")
    if kind == CAPTURE_SEALED and not set(details) <= _CAPTURE_KEYS:
        raise InvalidField("details", f"a capture entry may only hold {sorted(_CAPTURE_KEYS)}")
    for key, value in details.items():
        if not isinstance(key, str) or not re.fullmatch(r"[a-z][a-z0-9_]{0,40}", key):
            raise InvalidField("details", f"key {key!r} must be a short lower-case name")
        if key in _DENY_KEYS:
            raise InvalidField("details", f"{key!r} is personal data and never goes in the audit log")
        if value is not None and not isinstance(value, (str, int, float, bool)):
            raise InvalidField("details", f"{key!r} must be a plain value")
        if isinstance(value, str):
            if len(value) > _MAX_TEXT:
                raise InvalidField("details", f"{key!r} is longer than {_MAX_TEXT} characters")
            if key in _ID_KEYS:
                if not _ID_KEYS[key].fullmatch(value):
                    raise InvalidField("details", f"{key!r} is not a well-formed id")
            elif any(p.search(value) for p in _PII):
                raise InvalidField("details", f"{key!r} looks like a personal identifier")
    try:
        return canonical_json(dict(details)).decode()
    except ValueError as exc:  # NaN/inf
        raise InvalidField("details", "numbers must be finite") from exc


class AuditLog:
    """The audit log inside a store database.

    Built by :class:`kiosk.store.db.RecordStore` (use ``store.audit``), sharing its connection and lock, so the
    thread rules are the store's. ``signing_key`` (the device Ed25519 key) is needed to append (checkpoints are
    due automatically) and to checkpoint; ``public_key`` to verify.
    """

    def __init__(self, conn: sqlite3.Connection, lock: threading.RLock, *, device_id: str, clock: Any,
                 signing_key: Any = None, public_key: Any = None, key_id: str = "",
                 checkpoint_every: int = 100, require_open: Any = None) -> None:
        self._require_open = require_open or (lambda: None)
        self._conn = conn
        self._lock = lock
        self._device_id = device_id
        self._clock = clock
        self._signing_key = signing_key
        self._public_key = public_key
        self._key_id = key_id
        self._every = max(1, int(checkpoint_every))

    # -- writing --------------------------------------------------------------------------------------------
    def append(self, kind: str, details: Mapping[str, Any]) -> int:
        """Append one entry in its own durable transaction; returns its sequence number.

        Raises InvalidField for a bad kind or details (including anything that looks like personal data) and
        KeyMissing when the store was opened without the device key.
        """
        details_json = check_details(kind, details)
        with self._lock:
            self._require_open()
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                seq = self.append_in_transaction(kind, details_json)
                self._conn.execute("COMMIT")
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise
            return seq

    def append_in_transaction(self, kind: str, details: Mapping[str, Any] | str) -> int:
        """Append inside the caller's open write transaction (the store uses this so a capture and its entry
        commit together). A checkpoint is added in the same transaction when one is due."""
        if self._signing_key is None:
            raise KeyMissing("the audit log needs the device key to append; load the keys first")
        details_json = details if isinstance(details, str) else check_details(kind, details)
        row = self._conn.execute("SELECT seq, entry_hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev = (row[0] + 1, row[1]) if row else (1, genesis_hash(self._device_id))
        at_s = round(float(self._clock.wall()), 6)
        ehash = entry_hash(prev, seq, at_s, kind, details_json)
        self._conn.execute("INSERT INTO audit_log(seq, at_s, kind, details, prev_hash, entry_hash) "
                           "VALUES (?, ?, ?, ?, ?, ?)", (seq, at_s, kind, details_json, prev, ehash))
        last = self._conn.execute("SELECT next_due_seq FROM audit_checkpoints ORDER BY seq DESC LIMIT 1").fetchone()
        due = last[0] if last else self._every
        if seq >= due:
            self._checkpoint_in_transaction(seq, ehash, at_s, seq + self._every)
        return seq

    def checkpoint(self) -> int | None:
        """Sign a checkpoint at the newest entry now (idempotent); returns its seq, or None if the log is empty."""
        if self._signing_key is None:
            raise KeyMissing("the audit log needs the device key to sign a checkpoint")
        with self._lock:
            self._require_open()
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                row = self._conn.execute("SELECT seq, at_s, entry_hash FROM audit_log ORDER BY seq DESC LIMIT 1"
                                         ).fetchone()
                if row is None:
                    self._conn.execute("ROLLBACK")
                    return None
                last = self._conn.execute("SELECT seq, next_due_seq FROM audit_checkpoints ORDER BY seq DESC "
                                          "LIMIT 1").fetchone()
                if last is None or last[0] < row[0]:
                    next_due = last[1] if last and last[1] > row[0] else row[0] + self._every
                    self._checkpoint_in_transaction(row[0], row[2], round(float(self._clock.wall()), 6), next_due)
                self._conn.execute("COMMIT")
                return row[0]
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise

    def _checkpoint_in_transaction(self, seq: int, ehash: bytes, at_s: float, next_due: int) -> None:
        sig = self._signing_key.sign(_checkpoint_message(self._device_id, seq, ehash, at_s, next_due))
        self._conn.execute("INSERT INTO audit_checkpoints(seq, entry_hash, at_s, next_due_seq, key_id, signature) "
                           "VALUES (?, ?, ?, ?, ?, ?)", (seq, ehash, at_s, next_due, self._key_id, sig))

    # -- reading --------------------------------------------------------------------------------------------
    def entries(self, limit: int = 100, before_seq: int | None = None) -> list[AuditEntry]:
        """Newest entries first (for the admin page)."""
        with self._lock:
            self._require_open()
            rows = self._conn.execute(
                "SELECT seq, at_s, kind, details FROM audit_log WHERE seq < ? ORDER BY seq DESC LIMIT ?",
                (before_seq if before_seq is not None else 2**62, int(limit))).fetchall()
        return [AuditEntry(r[0], r[1], r[2], json.loads(r[3])) for r in rows]

    def verify(self) -> AuditReport:
        """Walk the whole chain and every checkpoint; see the module doc for what is detected."""
        from cryptography.exceptions import InvalidSignature

        report = AuditReport()
        with self._lock:
            self._require_open()
            rows = self._conn.execute("SELECT seq, at_s, kind, details, prev_hash, entry_hash FROM audit_log "
                                      "ORDER BY seq").fetchall()
            cps = self._conn.execute("SELECT seq, entry_hash, at_s, next_due_seq, key_id, signature "
                                     "FROM audit_checkpoints ORDER BY seq").fetchall()
        report.entries, report.checkpoints = len(rows), len(cps)
        stored: dict[int, bytes] = {}
        expected_seq, prev = 1, genesis_hash(self._device_id)
        for seq, at_s, kind, details, prev_hash, ehash in rows:
            if seq != expected_seq:
                report.problems.append(f"entries {expected_seq}…{seq - 1} are missing")
            if prev_hash != prev:
                report.problems.append(f"entry {seq} does not follow the entry before it (removed or reordered)")
            if entry_hash(prev_hash, seq, at_s, kind, details) != ehash:
                report.problems.append(f"entry {seq} was altered")
            stored[seq] = ehash
            prev, expected_seq = ehash, seq + 1
        max_seq = rows[-1][0] if rows else 0
        for i, (seq, ehash, at_s, next_due, _kid, sig) in enumerate(cps):
            if seq not in stored:
                report.problems.append(f"checkpoint {seq} refers to a missing entry")
            elif stored[seq] != ehash:
                report.problems.append(f"entries up to {seq} differ from the signed checkpoint {seq}")
            if self._public_key is None:
                report.problems.append("no device public key to check checkpoint signatures")
                break
            try:
                self._public_key.verify(sig, _checkpoint_message(self._device_id, seq, ehash, at_s, next_due))
            except (InvalidSignature, TypeError, ValueError):
                report.problems.append(f"checkpoint {seq} has an invalid signature")
            later = cps[i + 1][0] if i + 1 < len(cps) else None
            if max_seq >= next_due and (later is None or later > next_due):
                report.problems.append(f"the checkpoint due at entry {next_due} is missing")
        if not cps and max_seq >= self._every:
            report.problems.append(f"the checkpoint due at entry {self._every} is missing")
        return report
