"""Append-only, hash-chained audit log with device-signed checkpoints.

Where: two tables in the record store's SQLite database (``audit_log``, ``audit_checkpoints``), not a separate
file, because the "capture sealed" entry must commit in the *same* transaction as the record it describes: after
a crash there is never a record without its entry or an entry without its record, and the log inherits the
store's WAL durability. Triggers refuse UPDATE and DELETE (against bugs; an attacker with the file can drop
them, which is what the chain and signatures are for).

Each entry commits to the one before: ``entry_hash = SHA-256(label | prev_hash | canonical([seq, at_s, kind,
details]))``, starting from a genesis hash of the device id, and each entry is **signed by the device key**
(Ed25519 over its seq and entry_hash), so no entry can be forged, edited, inserted or removed without the device
key. The newest entry's signed (seq, hash) is also written outside the database after every commit
(:mod:`kiosk.store.audit_head`), so entries cut off the end are noticed too: by :meth:`AuditLog.verify`, and at
every opening of the store, which then appends a signed ``error`` entry saying so (``audit.tail_missing``,
``audit.head_missing``) that stays in the log for good.

Checkpoints: every ``checkpoint_every`` entries, and on demand (:meth:`AuditLog.checkpoint`: at every orderly
stop, before every export and sync batch), the device signs (seq, entry_hash, next_due_seq): the statement a
sync hands to central, the witness off the device that also sees a whole data directory rolled back. Entries
written before per-entry signatures (schema 2) are trusted only as far as a signed checkpoint covers them.

Details never hold personal data: only flat scalars, and values that look like a CURP, a clave de elector or a
long number (CIC, identificador) are refused.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import sqlite3
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from apoyo_protocol.canonical import canonical_json
from kiosk.errors import InvalidField, KeyMissing
from kiosk.store.audit_head import read_head, write_head

log = logging.getLogger(__name__)

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
_ENTRY_SIG_LABEL = b"apoyo-audit/entry/v1\x00"
# Reasons of the signed error entries the store appends when it finds the log's end tampered with; verify()
# reports them for as long as the log exists.
TAIL_MISSING = "audit.tail_missing"
HEAD_MISSING = "audit.head_missing"
HEAD_INVALID = "audit.head_invalid"
TAMPER_REASONS = (TAIL_MISSING, HEAD_MISSING, HEAD_INVALID)
_CHECKPOINT_LABEL = b"apoyo-audit/checkpoint/v1\x00"
_MAX_TEXT = 200
_MAX_KEYS = 16
# Patterns of citizen identifiers that must never reach the log.
_PII = (
    re.compile(r"[A-Z][AEIOUX][A-Z]{2}\d{6}[HMX][A-Z]{5}[A-Z0-9]\d", re.I),  # CURP
    re.compile(r"[A-Z]{6}\d{8}[HM]\d{3}", re.I),  # clave de elector
    re.compile(r"\d{9,}"),  # CIC, identificador, phone numbers, ...
)
_ID_KEYS = {"record_id": re.compile(r"[0-9a-f]{32}"), "folio": re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}(-[0-9A-Z]{4})?-[0-9A-Z]"),  # + the 9-char folios of old logs
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


def _entry_sig_message(device_id: str, seq: int, ehash: bytes) -> bytes:
    return _ENTRY_SIG_LABEL + canonical_json([device_id, seq, ehash.hex()])


def _checkpoint_message(device_id: str, seq: int, ehash: bytes, at_s: float, next_due: int) -> bytes:
    return _CHECKPOINT_LABEL + canonical_json([device_id, seq, ehash.hex(), at_s, next_due])


_TAMPER_TEXT = {TAIL_MISSING: "entries had been cut off the end of the log",
                HEAD_MISSING: "the audit head file had been removed",
                HEAD_INVALID: "the audit head file had been forged or damaged"}


def _reason(details_json: str) -> str | None:
    try:
        value = json.loads(details_json).get("reason")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


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
                 checkpoint_every: int = 100, require_open: Any = None, head_path: Path | None = None) -> None:
        self._require_open = require_open or (lambda: None)
        self._head_path = head_path
        self._pending_head: tuple[int, bytes] | None = None
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
                self.discard_pending()
                raise
            self.publish_head()
            return seq

    def append_in_transaction(self, kind: str, details: Mapping[str, Any] | str) -> int:
        """Append inside the caller's open write transaction (the store uses this so a capture and its entry
        commit together). A checkpoint is added in the same transaction when one is due. After COMMIT the
        caller calls :meth:`publish_head` (after a rollback, :meth:`discard_pending`)."""
        if self._signing_key is None:
            raise KeyMissing("the audit log needs the device key to append; load the keys first")
        details_json = details if isinstance(details, str) else check_details(kind, details)
        row = self._conn.execute("SELECT seq, entry_hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev = (row[0] + 1, row[1]) if row else (1, genesis_hash(self._device_id))
        at_s = round(float(self._clock.wall()), 6)
        ehash = entry_hash(prev, seq, at_s, kind, details_json)
        sig = self._signing_key.sign(_entry_sig_message(self._device_id, seq, ehash))
        self._conn.execute("INSERT INTO audit_log(seq, at_s, kind, details, prev_hash, entry_hash, signature) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?)", (seq, at_s, kind, details_json, prev, ehash, sig))
        self._pending_head = (seq, ehash)
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
                seq = self.checkpoint_in_transaction()
                self._conn.execute("COMMIT")
                return seq
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise

    def checkpoint_in_transaction(self) -> int | None:
        """Sign a checkpoint at the newest entry inside the caller's write transaction (unless one is there);
        returns the newest entry's seq (None for an empty log)."""
        if self._signing_key is None:
            raise KeyMissing("the audit log needs the device key to sign a checkpoint")
        row = self._conn.execute("SELECT seq, entry_hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
        last = self._conn.execute("SELECT seq, next_due_seq FROM audit_checkpoints ORDER BY seq DESC LIMIT 1"
                                  ).fetchone()
        if row is not None and (last is None or last[0] < row[0]):
            next_due = last[1] if last and last[1] > row[0] else row[0] + self._every
            self._checkpoint_in_transaction(row[0], row[1], round(float(self._clock.wall()), 6), next_due)
        return row[0] if row is not None else None

    def publish_head(self) -> None:
        """Write the signed head for the entries the last transaction committed (see :mod:`audit_head`). A disk
        that refuses is logged, never raised: the entries are committed, and the next append catches up."""
        pending, self._pending_head = self._pending_head, None
        if pending is None or self._head_path is None or self._signing_key is None:
            return
        try:
            write_head(self._head_path, self._device_id, self._signing_key, *pending)
        except OSError as exc:
            log.warning("could not write the audit head at %s: %s", self._head_path, exc.strerror)

    def discard_pending(self) -> None:
        self._pending_head = None

    def check_end(self) -> None:
        """At opening: compare the log's end with the signed head outside the database. When entries were cut
        off, or the head file was removed or forged, append a signed error entry saying so (the evidence then
        stays in the log for good) and restart the head at the new end. A log written entirely before per-entry
        signatures (an upgrade from schema 2) is first covered by a checkpoint, trusting what was there as its
        old checkpoints did."""
        if self._signing_key is None or self._head_path is None:
            return
        with self._lock:
            self._require_open()
            last = self._conn.execute("SELECT seq, entry_hash, signature FROM audit_log ORDER BY seq DESC LIMIT 1"
                                      ).fetchone()
            any_signed = self._conn.execute("SELECT 1 FROM audit_log WHERE signature IS NOT NULL LIMIT 1"
                                            ).fetchone() is not None
            head = read_head(self._head_path, self._device_id, self._signing_key.public_key())
            at_head = None
            if head:
                row = self._conn.execute("SELECT entry_hash FROM audit_log WHERE seq = ?", (head.seq,)).fetchone()
                at_head = row[0] if row else None
        last_seq = last[0] if last else 0
        problem: dict[str, Any] | None = None
        if head is False:
            problem = {"reason": HEAD_INVALID, "log_seq": last_seq}
        elif head is None:
            if any_signed:
                problem = {"reason": HEAD_MISSING, "log_seq": last_seq}
        elif at_head != head.entry_hash:
            problem = {"reason": TAIL_MISSING, "head_seq": head.seq, "log_seq": last_seq}
        if problem is not None:
            log.error("the audit log's end does not match its signed head (%s): entries were removed or the "
                      "head file was tampered with; recorded in the log", problem["reason"])
            self.append(ERROR, problem)
            self._rewrite_head()
            return
        if last is not None and not any_signed:
            self.checkpoint()  # an upgraded log: its unsigned entries were covered by checkpoints only
        if last is not None and last[2] is not None and (head is None or head.seq < last_seq):
            self._pending_head = (last[0], last[1])  # a crash between commit and head write, or a new head
            self.publish_head()

    def _rewrite_head(self) -> None:
        """Start the head afresh at the log's current end (after the tampering has been recorded)."""
        with self._lock:
            last = self._conn.execute("SELECT seq, entry_hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
        self._head_path.unlink(missing_ok=True)
        if last is not None:
            self._pending_head = (last[0], last[1])
            self.publish_head()

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
            rows = self._conn.execute("SELECT seq, at_s, kind, details, prev_hash, entry_hash, signature "
                                      "FROM audit_log ORDER BY seq").fetchall()
            cps = self._conn.execute("SELECT seq, entry_hash, at_s, next_due_seq, key_id, signature "
                                     "FROM audit_checkpoints ORDER BY seq").fetchall()
        report.entries, report.checkpoints = len(rows), len(cps)
        stored: dict[int, bytes] = {}
        expected_seq, prev = 1, genesis_hash(self._device_id)
        unsigned: list[int] = []
        for seq, at_s, kind, details, prev_hash, ehash, sig in rows:
            if sig is None:
                unsigned.append(seq)
            elif self._public_key is not None:
                try:
                    self._public_key.verify(sig, _entry_sig_message(self._device_id, seq, ehash))
                except (InvalidSignature, TypeError, ValueError):
                    report.problems.append(f"entry {seq} is not signed by this device (forged or altered)")
            if kind == ERROR:
                reason = _reason(details)
                if reason in TAMPER_REASONS:
                    report.problems.append(f"entry {seq} records that {_TAMPER_TEXT[reason]}")
            if seq != expected_seq:
                report.problems.append(f"entries {expected_seq}…{seq - 1} are missing")
            if prev_hash != prev:
                report.problems.append(f"entry {seq} does not follow the entry before it (removed or reordered)")
            if entry_hash(prev_hash, seq, at_s, kind, details) != ehash:
                report.problems.append(f"entry {seq} was altered")
            stored[seq] = ehash
            prev, expected_seq = ehash, seq + 1
        max_seq = rows[-1][0] if rows else 0
        covered = 0  # the newest entry a valid checkpoint vouches for
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
                if stored.get(seq) == ehash:
                    covered = max(covered, seq)
            except (InvalidSignature, TypeError, ValueError):
                report.problems.append(f"checkpoint {seq} has an invalid signature")
            later = cps[i + 1][0] if i + 1 < len(cps) else None
            if max_seq >= next_due and (later is None or later > next_due):
                report.problems.append(f"the checkpoint due at entry {next_due} is missing")
        if not cps and max_seq >= self._every:
            report.problems.append(f"the checkpoint due at entry {self._every} is missing")
        loose = [n for n in unsigned if n > covered]
        if loose:
            report.problems.append(f"entries {loose[0]}…{loose[-1]} carry no device signature and no signed "
                                   f"checkpoint covers them (forged?)" if len(loose) > 1 else
                                   f"entry {loose[0]} carries no device signature and no signed checkpoint "
                                   f"covers it (forged?)")
        self._verify_head(report, rows)
        return report

    def _verify_head(self, report: AuditReport, rows: list) -> None:
        """The log's end against the signed head outside the database."""
        if self._head_path is None or self._public_key is None:
            return
        head = read_head(self._head_path, self._device_id, self._public_key)
        if head is False:
            report.problems.append("the audit head file is not signed by this device (forged or damaged)")
        elif head is None:
            if any(r[6] is not None for r in rows):
                report.problems.append("the audit head file is missing: entries may have been cut off the end")
        else:
            by_seq = {r[0]: r[5] for r in rows}
            max_seq = rows[-1][0] if rows else 0
            if head.seq > max_seq:
                report.problems.append(f"entries {max_seq + 1}…{head.seq} were cut off the end of the log "
                                       f"(the signed head names entry {head.seq})")
            elif by_seq.get(head.seq) != head.entry_hash:
                report.problems.append(f"entry {head.seq} differs from the signed head")
