"""The crash-safe record store: sealed envelopes in SQLite, their lifecycle, the duplicate check, the audit log.

Lifecycle: **sealed** (durable before the folio is returned) → exported (USB, optional) → **synced** (central's
signed receipt verified and kept) → purged (envelope deleted after ``store.purge_grace_days``, a tombstone with
folio, hashes and receipt stays). Triggers in the schema refuse purging a record that has no receipt and refuse
deleting rows, so even a bug cannot lose an unsynced record.

Durability: WAL journal with ``synchronous=FULL`` (the WAL is fsync'd at every commit; NORMAL would be faster but
may lose the newest commits on power loss, which would break the promise the folio makes); the directory is
fsync'd when the database is created so the file itself survives a power cut.

Thread rules: a :class:`RecordStore` may be created on one thread and used from another (e.g. the kiosk's
worker thread); every public method takes an internal lock, so calls from several threads are serialised and
safe, but sealing takes tens of milliseconds, so never call it from the UI thread. Other processes (admin page,
sync worker) open their own RecordStore on the same directory; SQLite's WAL locking serialises writers and a
writer waits up to ``store.busy_timeout_s`` for another.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import sqlite3
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from apoyo_protocol.envelope import aead_name, read_header, seal, verify_envelope
from apoyo_protocol.receipt import PinnedReceiptVerifier, VerifiedReceipt
from apoyo_protocol.record import CaptureRecord
from kiosk.config import StoreConfig
from kiosk.errors import InvalidField, KeyMissing, StorageFull, StoreError
from kiosk.store import audit as audit_mod
from kiosk.store.audit import AuditLog, AuditReport
from kiosk.store.audit_head import HEAD_FILE
from kiosk.store.durable import fsync_dir as _fsync_dir
from kiosk.store.folio import new_folio
from kiosk.store.keys import KeyRing
from kiosk.store.seal import AeadChoice, choose_aead

log = logging.getLogger("kiosk.store")

STORE_DIR = "store"
DB_NAME = "records.sqlite3"
STATES = ("sealed", "exported", "synced", "purged")
MB = 1024 * 1024
# The write-ahead log is truncated back to this size after a checkpoint; check_space holds it back from the
# space a capture may use.
WAL_LIMIT_BYTES = 8 * MB


# --- free space, behind an interface so tests can fake a nearly full disk -----------------------------------

class SpaceProbe(Protocol):
    def free_bytes(self, path: Path) -> int:
        """Bytes available to the kiosk's user on the filesystem holding ``path``."""


class DiskSpaceProbe:
    """The real probe: ``statvfs`` (blocks available to unprivileged users)."""

    def free_bytes(self, path: Path) -> int:
        st = os.statvfs(path)
        return st.f_bavail * st.f_frsize


class FakeSpaceProbe:
    """A probe that reports whatever ``free_bytes_value`` is set to."""

    def __init__(self, free_bytes_value: int) -> None:
        self.free_bytes_value = free_bytes_value

    def free_bytes(self, path: Path) -> int:
        return self.free_bytes_value


@dataclass(frozen=True)
class SpaceStatus:
    free_mb: float
    is_ok: bool  # at or above store.min_free_mb: a capture may start
    is_low: bool  # below store.warn_free_mb: tell a technician
    message: str


@dataclass(frozen=True)
class SealResult:
    folio: str
    record_id: str
    size_bytes: int
    was_duplicate: bool  # this process + credential had already been captured on this device


@dataclass(frozen=True)
class PendingRecord:
    record_id: str
    folio: str
    seq: int
    state: str
    envelope: bytes = field(repr=False)

    @property
    def envelope_sha256(self) -> str:
        return hashlib.sha256(self.envelope).hexdigest()


@dataclass(frozen=True)
class PurgeResult:
    purged: int
    bytes_freed: int
    refused: int  # synced records whose stored receipt no longer verifies: kept, and logged as an error


@dataclass(frozen=True)
class StoreStats:
    counts: dict[str, int]
    envelope_bytes: int
    db_bytes: int
    free_mb: float
    oldest_unsynced_age_s: float | None
    audit_entries: int
    schema_version: int
    aead: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"counts": self.counts, "envelope_bytes": self.envelope_bytes, "db_bytes": self.db_bytes,
                "free_mb": round(self.free_mb, 1), "oldest_unsynced_age_s": self.oldest_unsynced_age_s,
                "audit_entries": self.audit_entries, "schema_version": self.schema_version, "aead": self.aead}


@dataclass
class StoreVerifyReport:
    """``bad_folios``: records whose envelope, bookkeeping or receipt fails; ``missing_folios``: folios the
    audit log says were sealed whose record (or purge tombstone) is gone; ``record_problems``: gaps in the
    records' sequence and records the log never saw sealed. Folios and numbers only, never citizen data."""

    records_checked: int = 0
    bad_folios: list[str] = field(default_factory=list)
    missing_folios: list[str] = field(default_factory=list)
    record_problems: list[str] = field(default_factory=list)
    is_db_intact: bool = True
    db_problems: list[str] = field(default_factory=list)
    audit: AuditReport = field(default_factory=AuditReport)

    @property
    def is_ok(self) -> bool:
        return (not self.bad_folios and not self.missing_folios and not self.record_problems
                and self.is_db_intact and self.audit.is_ok)

    def as_dict(self) -> dict[str, Any]:
        return {"is_ok": self.is_ok, "records_checked": self.records_checked, "bad_folios": self.bad_folios,
                "missing_folios": self.missing_folios, "record_problems": self.record_problems,
                "is_db_intact": self.is_db_intact, "db_problems": self.db_problems,
                "audit": {"is_ok": self.audit.is_ok, "entries": self.audit.entries,
                          "checkpoints": self.audit.checkpoints, "problems": self.audit.problems}}


# --- schema and migrations -----------------------------------------------------------------------------------

def _run_script(conn: sqlite3.Connection, script: str) -> None:
    """Run several statements inside the caller's transaction (``executescript`` would commit first)."""
    buf = ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            conn.execute(buf)
            buf = ""
    if buf.strip():
        raise ValueError("incomplete SQL statement in a migration")


def _m1_initial(conn: sqlite3.Connection) -> None:
    _run_script(conn, """
        CREATE TABLE schema_version(version INTEGER PRIMARY KEY, applied_at_s REAL NOT NULL);
        CREATE TABLE records(
            record_id TEXT PRIMARY KEY,
            seq INTEGER NOT NULL UNIQUE,
            folio TEXT NOT NULL UNIQUE,
            state TEXT NOT NULL CHECK (state IN ('sealed', 'exported', 'synced', 'purged')),
            envelope BLOB,
            envelope_sha256 TEXT NOT NULL,
            size_bytes INTEGER NOT NULL,
            sealed_at_s REAL NOT NULL,
            exported_at_s REAL,
            synced_at_s REAL,
            receipt BLOB,
            purged_at_s REAL,
            CHECK (envelope IS NOT NULL OR state = 'purged')
        );
        CREATE TABLE dup_keys(dup_key TEXT PRIMARY KEY, record_id TEXT NOT NULL, at_s REAL NOT NULL);
        CREATE TABLE audit_log(
            seq INTEGER PRIMARY KEY,
            at_s REAL NOT NULL,
            kind TEXT NOT NULL,
            details TEXT NOT NULL,
            prev_hash BLOB NOT NULL,
            entry_hash BLOB NOT NULL
        );
    """)


def _m2_checkpoints_guards(conn: sqlite3.Connection) -> None:
    _run_script(conn, """
        ALTER TABLE records ADD COLUMN aead TEXT;
        ALTER TABLE records ADD COLUMN central_key_id TEXT;
        ALTER TABLE records ADD COLUMN receipt_key_id TEXT;
        CREATE INDEX records_state ON records(state, seq);
        CREATE TABLE audit_checkpoints(
            seq INTEGER PRIMARY KEY,
            entry_hash BLOB NOT NULL,
            at_s REAL NOT NULL,
            next_due_seq INTEGER NOT NULL,
            key_id TEXT NOT NULL,
            signature BLOB NOT NULL
        );
        CREATE TRIGGER audit_log_append_only_u BEFORE UPDATE ON audit_log
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        CREATE TRIGGER audit_log_append_only_d BEFORE DELETE ON audit_log
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        CREATE TRIGGER audit_cp_append_only_u BEFORE UPDATE ON audit_checkpoints
            BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;
        CREATE TRIGGER audit_cp_append_only_d BEFORE DELETE ON audit_checkpoints
            BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;
        CREATE TRIGGER records_keep_tombstones BEFORE DELETE ON records
            BEGIN SELECT RAISE(ABORT, 'records are never deleted, only purged to a tombstone'); END;
        CREATE TRIGGER records_purge_needs_receipt BEFORE UPDATE OF state ON records
            WHEN NEW.state = 'purged' AND (OLD.state != 'synced' OR OLD.receipt IS NULL)
            BEGIN SELECT RAISE(ABORT, 'a record is purged only after a verified receipt'); END;
    """)
    # Backfill the new columns from each envelope's header (schema 1 did not keep them).
    rows = conn.execute("SELECT record_id, envelope FROM records WHERE envelope IS NOT NULL").fetchall()
    for record_id, envelope in rows:
        try:
            header = read_header(envelope)
        except Exception:  # noqa: BLE001 - a damaged envelope is reported by verify(), not by the migration
            continue
        conn.execute("UPDATE records SET aead = ?, central_key_id = ? WHERE record_id = ?",
                     (aead_name(header), header.get("central_key_id"), record_id))


def _m3_signed_entries(conn: sqlite3.Connection) -> None:
    # Every new audit entry carries the device's signature (older entries stay covered by their checkpoints).
    conn.execute("ALTER TABLE audit_log ADD COLUMN signature BLOB")


MIGRATIONS: tuple[tuple[int, Callable[[sqlite3.Connection], None]], ...] = (
    (1, _m1_initial),
    (2, _m2_checkpoints_guards),
    (3, _m3_signed_entries),
)
SCHEMA_VERSION = MIGRATIONS[-1][0]


def schema_version(conn: sqlite3.Connection) -> int:
    has_table = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
                             ).fetchone()
    if not has_table:
        return 0
    return conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()[0]


def migrate(conn: sqlite3.Connection, now_s: float, target: int | None = None) -> int:
    """Bring the schema up to ``target`` (default: the newest), one transaction per step; returns the version.

    Raises :class:`StoreError` when the database is newer than this software.
    """
    target = SCHEMA_VERSION if target is None else target
    current = schema_version(conn)
    if current > SCHEMA_VERSION:
        raise StoreError(f"the record database has schema {current}, newer than this software knows "
                         f"({SCHEMA_VERSION}); update the kiosk software")
    for version, step in MIGRATIONS:
        if current < version <= target:
            conn.execute("BEGIN IMMEDIATE")
            try:
                step(conn)
                conn.execute("INSERT INTO schema_version(version, applied_at_s) VALUES (?, ?)", (version, now_s))
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            log.info("record database migrated to schema %d", version)
            current = version
    return current


def _translate(exc: sqlite3.Error, doing: str) -> StoreError:
    """An sqlite error as an error from our hierarchy with a message a technician can act on."""
    text = str(exc).lower()
    name = getattr(exc, "sqlite_errorname", "") or ""
    if name.startswith("SQLITE_FULL") or "full" in text:
        return StorageFull(f"storage is full while {doing}: nothing was saved. Free space on the kiosk "
                           f"(sync and purge records) before capturing again")
    if "locked" in text or "busy" in text:
        return StoreError(f"the record database stayed busy while {doing}; nothing was saved, try again")
    if "malformed" in text or "not a database" in text:
        return StoreError(f"the record database is damaged ({exc}) while {doing}; call support")
    if name.startswith("SQLITE_IOERR") or "i/o error" in text:
        return StoreError(f"the storage refused a write while {doing} ({name or exc}): nothing was saved. The "
                          f"disk may be full, over quota or failing; call support")
    return StoreError(f"storage error while {doing}: {exc}; nothing was saved")


class RecordStore:
    """Sealed records on disk. See the module doc for lifecycle, durability and thread rules.

    ``keys`` may be None for read-only use (stats); sealing, verifying and the audit log then raise
    :class:`KeyMissing`. Receipts verify only against the central receipt keys pinned in ``keys`` (there is no
    way to hand the store another verifier: that is the trust decision purging rests on); ``space_probe``
    defaults to the real filesystem. ``create=False`` (the technician's ``store`` command) refuses a missing or
    empty database with :class:`StoreError` instead of creating a new one there.
    """

    def __init__(self, data_dir: Path | str, cfg: StoreConfig, clock: Any, keys: KeyRing | None, *,
                 space_probe: SpaceProbe | None = None, create: bool = True) -> None:
        self._cfg = cfg
        self._clock = clock
        self._keys = keys
        self._space = space_probe or DiskSpaceProbe()
        self._lock = threading.RLock()
        self._verifier = PinnedReceiptVerifier(keys.receipt_keys) if keys else None
        self._aead: AeadChoice | None = None
        self.dir = Path(data_dir) / STORE_DIR
        self.db_path = self.dir / DB_NAME
        is_new = not self.db_path.exists() or self.db_path.stat().st_size == 0
        if is_new and not create:
            what = "is empty (0 bytes)" if self.db_path.exists() else "does not exist"
            raise StoreError(f"the record database {self.db_path} {what}: nothing was ever captured here, or "
                             f"this is the wrong data directory; not creating one")
        try:
            self.dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            self._conn = sqlite3.connect(self.db_path, isolation_level=None, check_same_thread=False,
                                         timeout=cfg.busy_timeout_s)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the record store at {self.db_path}: {exc}") from exc
        self._closed = False
        try:
            mode = self._conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise StoreError(f"the record store at {self.db_path} cannot use WAL mode (got {mode})")
            # journal_size_limit: after a checkpoint the WAL is truncated back to 8 MB, so its disk use stays
            # bounded well under store.min_free_mb.
            for pragma in ("synchronous=FULL", "foreign_keys=ON", "secure_delete=ON", "temp_store=MEMORY",
                           f"journal_size_limit={WAL_LIMIT_BYTES}", f"busy_timeout={int(cfg.busy_timeout_s * 1000)}"):
                self._conn.execute(f"PRAGMA {pragma}")
            migrate(self._conn, float(clock.wall()))
        except sqlite3.Error as exc:
            self._conn.close()
            self._closed = True
            raise _translate(exc, "opening the record store") from exc
        except BaseException:
            self._conn.close()
            self._closed = True
            raise
        if is_new:
            # The new database (and its WAL) exist as directory entries only once the directory is synced.
            _fsync_dir(self.dir)
            _fsync_dir(self.dir.parent)
        device_id = keys.device_id if keys else ""
        self.audit = AuditLog(self._conn, self._lock, device_id=device_id, clock=clock,
                              signing_key=keys.device_key if keys else None,
                              public_key=keys.device_public_key if keys else None,
                              key_id=keys.device_key_id if keys else "",
                              checkpoint_every=cfg.audit_checkpoint_every, require_open=self._require_open,
                              head_path=self.dir / HEAD_FILE)
        if keys is not None:
            try:
                self.audit.check_end()
            except BaseException:
                self.close()
                raise

    # -- lifecycle ------------------------------------------------------------------------------------------
    def close(self) -> None:
        """Close the database (idempotent). Later calls raise StoreError."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._conn.close()

    def __enter__(self) -> RecordStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def is_closed(self) -> bool:
        return self._closed

    def _require_open(self) -> None:
        if self._closed:
            raise StoreError("the record store is closed")

    def _require_keys(self) -> KeyRing:
        if self._keys is None:
            raise KeyMissing("the record store was opened without device keys; load them with "
                             "kiosk.store.keys.load_keys")
        return self._keys

    @property
    def aead(self) -> AeadChoice:
        """The record cipher in use (resolved, and for ``auto`` measured, on first use)."""
        if self._aead is None:
            self._aead = choose_aead(self._cfg.aead)
            log.info("record cipher: %s (%s)", self._aead.name, self._aead.reason)
        return self._aead

    # -- space ----------------------------------------------------------------------------------------------
    def check_space(self, raise_on_full: bool = True) -> SpaceStatus:
        """Usable space against ``store.min_free_mb`` (floor) and ``store.warn_free_mb`` (warning).

        Usable = free space minus what the database may still claim on its own before it gives space back: the
        write-ahead log may grow to its size limit before a checkpoint truncates it, and a checkpoint copies
        what the log holds into the database file. Counting only free space let a 5 MB disk reach 0 bytes.

        Below the floor raises :class:`StorageFull` with a message for the technician (or, with
        ``raise_on_full=False``, returns ``is_ok=False``). Below the warning level logs a warning and returns
        ``is_low=True``.
        """
        try:
            free_bytes = self._space.free_bytes(self.dir)
            wal = self.db_path.with_name(DB_NAME + "-wal")
            wal_bytes = wal.stat().st_size if wal.exists() else 0
        except OSError as exc:
            raise StoreError(f"cannot read free space at {self.dir}: {exc.strerror}") from exc
        reserve_mb = (max(WAL_LIMIT_BYTES - wal_bytes, 0) + wal_bytes) / MB
        free_mb = max(free_bytes / MB - reserve_mb, 0.0)
        is_ok = free_mb >= self._cfg.min_free_mb
        is_low = free_mb < self._cfg.warn_free_mb
        if not is_ok:
            msg = (f"only {free_mb:.0f} MB usable ({free_bytes / MB:.0f} MB free, {reserve_mb:.0f} MB held for the "
                   f"database's journal) on the kiosk's storage, below the {self._cfg.min_free_mb} MB "
                   f"minimum: no new capture can start. Sync and purge records or free space, then retry.")
            if raise_on_full:
                raise StorageFull(msg)
        elif is_low:
            msg = (f"storage is getting full: {free_mb:.0f} MB free (warning below {self._cfg.warn_free_mb} MB, "
                   f"captures stop below {self._cfg.min_free_mb} MB); sync soon")
            log.warning("%s", msg)
        else:
            msg = f"{free_mb:.0f} MB free"
        return SpaceStatus(free_mb, is_ok, is_low, msg)

    # -- duplicates -----------------------------------------------------------------------------------------
    def dup_key(self, process_id: str, cic: str, identificador: str) -> str:
        """HMAC-SHA256 (device secret) of the normalised process + CIC + identificador, hex."""
        keys = self._require_keys()
        parts = [p.strip().upper() for p in (process_id, cic, identificador)]
        if not all(parts):
            raise InvalidField("duplicate check", "process, CIC and identificador are all needed")
        msg = b"apoyo-dup/v1\x00" + "\x00".join(parts).encode("utf-8")
        return hmac.new(keys.hmac_secret, msg, hashlib.sha256).hexdigest()

    def has_supported(self, process_id: str, cic: str, identificador: str) -> bool:
        """Whether this credential already gave a support to this process on this device (keyed hash lookup:
        the identifiers themselves are never stored)."""
        key = self.dup_key(process_id, cic, identificador)
        with self._lock:
            self._require_open()
            try:
                row = self._conn.execute("SELECT 1 FROM dup_keys WHERE dup_key = ?", (key,)).fetchone()
            except sqlite3.Error as exc:
                raise _translate(exc, "checking for a duplicate") from exc
        return row is not None

    # -- sealing --------------------------------------------------------------------------------------------
    def seal_and_commit(self, record: CaptureRecord) -> SealResult:
        """Seal ``record`` to central, sign it, and commit it durably (WAL fsync'd); only then return its folio.

        Raises :class:`StorageFull` (below the free-space floor, or the disk filled during the write: nothing
        saved), :class:`KeyMissing`, :class:`InvalidField` (record from another device or without CIC /
        identificador), :class:`StoreError` (any other storage failure: nothing saved).
        """
        keys = self._require_keys()
        if record.device_id != keys.device_id:
            raise InvalidField("device_id", f"record says {record.device_id!r}, this store belongs to "
                                            f"{keys.device_id!r}")
        dup = self.dup_key(*record.dedup_fields())
        aead = self.aead.name
        with self._lock:
            self._require_open()
            self.check_space()
            payload = record.to_payload()
            record_id = uuid.uuid4().hex
            conn = self._conn
            try:
                conn.execute("BEGIN IMMEDIATE")
                seq = conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM records").fetchone()[0]
                # random, not device + seq: a wiped data directory restarts seq (see kiosk/store/folio.py)
                folio = new_folio()
                wall_s, mono_s = float(self._clock.wall()), float(self._clock.monotonic())
                env = seal(payload, device_id=keys.device_id, record_id=record_id, folio=folio, seq=seq,
                           sealed_wall_s=wall_s, sealed_mono_s=mono_s, is_clock_synced=record.is_clock_synced,
                           aead=aead, central_public_key=keys.current_sealing_key, device_key=keys.device_key,
                           device_key_id=keys.device_key_id)
                conn.execute(
                    "INSERT INTO records(record_id, seq, folio, state, envelope, envelope_sha256, size_bytes, "
                    "sealed_at_s, aead, central_key_id) VALUES (?, ?, ?, 'sealed', ?, ?, ?, ?, ?, ?)",
                    (record_id, seq, folio, env.data, env.sha256, len(env.data), wall_s, aead,
                     keys.current_sealing_id))
                was_dup = conn.execute("INSERT OR IGNORE INTO dup_keys(dup_key, record_id, at_s) VALUES (?, ?, ?)",
                                       (dup, record_id, wall_s)).rowcount == 0
                self.audit.append_in_transaction(audit_mod.CAPTURE_SEALED, {
                    "folio": folio, "record_id": record_id, "size_bytes": len(env.data), "aead": aead})
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback()
                raise _translate(exc, "saving the record") from exc
            except BaseException:
                self._rollback()
                raise
            finally:
                del payload
            self.audit.publish_head()
        return SealResult(folio, record_id, len(env.data), was_dup)

    def _rollback(self) -> None:
        self.audit.discard_pending()
        try:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
        except sqlite3.Error:  # the transaction is already gone (SQLite rolls back itself on some I/O errors)
            pass

    def _write(self, doing: str, fn: Callable[[sqlite3.Connection], Any]) -> Any:
        with self._lock:
            self._require_open()
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                out = fn(self._conn)
                self._conn.execute("COMMIT")
                self.audit.publish_head()
                return out
            except sqlite3.Error as exc:
                self._rollback()
                raise _translate(exc, doing) from exc
            except BaseException:
                self._rollback()
                raise

    # -- lifecycle transitions ------------------------------------------------------------------------------
    def pending(self, limit: int = 100) -> list[PendingRecord]:
        """Records not yet synced (sealed or exported), oldest first, with their envelopes (for sync/export)."""
        with self._lock:
            self._require_open()
            rows = self._conn.execute("SELECT record_id, folio, seq, state, envelope FROM records "
                                      "WHERE state IN ('sealed', 'exported') ORDER BY seq LIMIT ?",
                                      (int(limit),)).fetchall()
        return [PendingRecord(*r) for r in rows]

    def state_of(self, folio_or_record_id: str) -> str | None:
        """State of one record by folio or record id, or None if unknown."""
        with self._lock:
            self._require_open()
            row = self._conn.execute("SELECT state FROM records WHERE folio = ? OR record_id = ?",
                                     (folio_or_record_id, folio_or_record_id)).fetchone()
        return row[0] if row else None

    def mark_exported(self, record_ids: Sequence[str]) -> int:
        """sealed → exported for these records (others are left alone); returns how many changed."""
        self._require_keys()
        now = float(self._clock.wall())

        def tx(conn: sqlite3.Connection) -> int:
            n = 0
            for rid in record_ids:
                n += conn.execute("UPDATE records SET state = 'exported', exported_at_s = ? "
                                  "WHERE record_id = ? AND state = 'sealed'", (now, rid)).rowcount
            if n:
                self.audit.append_in_transaction(audit_mod.EXPORT, {"records": n})
                self.audit.checkpoint_in_transaction()  # the export carries a signed statement of the log
            return n

        return self._write("marking records exported", tx)

    def mark_synced(self, record_id: str, receipt: bytes) -> VerifiedReceipt:
        """Verify central's ``receipt`` for ``record_id`` and move it to synced, keeping the receipt.

        Raises :class:`IntegrityError` if the receipt does not verify for exactly this envelope (nothing
        changes), :class:`StoreError` if the record is unknown or already purged. Repeating it is harmless.
        """
        keys = self._require_keys()
        if self._verifier is None:
            raise KeyMissing("no receipt verifier: pin the central receipt key")
        with self._lock:
            self._require_open()
            row = self._conn.execute("SELECT state, envelope_sha256 FROM records WHERE record_id = ?",
                                     (record_id,)).fetchone()
        if row is None:
            raise StoreError(f"no record {record_id} in this store")
        if row[0] == "purged":
            raise StoreError(f"record {record_id} is already purged")
        verified = self._verifier.verify(receipt, device_id=keys.device_id, record_id=record_id,
                                         envelope_sha256=row[1])
        now = float(self._clock.wall())

        def tx(conn: sqlite3.Connection) -> None:
            n = conn.execute("UPDATE records SET state = 'synced', synced_at_s = ?, receipt = ?, receipt_key_id = ? "
                             "WHERE record_id = ? AND state IN ('sealed', 'exported')",
                             (now, bytes(receipt), verified.key_id, record_id)).rowcount
            if n:
                self.audit.append_in_transaction(audit_mod.SYNC, {"record_id": record_id,
                                                                  "key_id": verified.key_id})

        self._write("recording a receipt", tx)
        return verified

    def purge(self, now: float | None = None) -> PurgeResult:
        """Delete the envelopes of records synced at least ``store.purge_grace_days`` ago, keeping tombstones.

        Each stored receipt is verified again first; one that fails keeps its record (counted in ``refused``
        and logged as an audit error). Never touches sealed or exported records.
        """
        keys = self._require_keys()
        now = float(self._clock.wall()) if now is None else float(now)
        cutoff = now - self._cfg.purge_grace_days * 86400.0
        with self._lock:
            self._require_open()
            rows = self._conn.execute("SELECT record_id, envelope_sha256, receipt, size_bytes FROM records "
                                      "WHERE state = 'synced' AND synced_at_s <= ? AND receipt IS NOT NULL",
                                      (cutoff,)).fetchall()
        eligible, refused = [], 0
        for record_id, sha, receipt, size in rows:
            try:
                if self._verifier is None:
                    raise KeyMissing("no receipt verifier")
                self._verifier.verify(receipt, device_id=keys.device_id, record_id=record_id, envelope_sha256=sha)
                eligible.append((record_id, size))
            except Exception:  # noqa: BLE001 - any failure means: keep the record
                refused += 1

        def tx(conn: sqlite3.Connection) -> int:
            freed = 0
            for record_id, size in eligible:
                if conn.execute("UPDATE records SET state = 'purged', envelope = NULL, purged_at_s = ? "
                                "WHERE record_id = ? AND state = 'synced'", (now, record_id)).rowcount:
                    freed += size
            if eligible:
                self.audit.append_in_transaction(audit_mod.PURGE, {"records": len(eligible), "bytes": freed})
            if refused:
                self.audit.append_in_transaction(audit_mod.ERROR, {"reason": "purge.receipt_invalid",
                                                                   "records": refused})
            return freed

        freed = self._write("purging records", tx) if (eligible or refused) else 0
        return PurgeResult(len(eligible), freed, refused)

    # -- reporting ------------------------------------------------------------------------------------------
    def stats(self) -> StoreStats:
        """Counts per state, bytes, free space and the age of the oldest unsynced record (no citizen data)."""
        with self._lock:
            self._require_open()
            counts = dict.fromkeys(STATES, 0)
            for state, n in self._conn.execute("SELECT state, COUNT(*) FROM records GROUP BY state"):
                counts[state] = n
            env_bytes = self._conn.execute("SELECT COALESCE(SUM(LENGTH(envelope)), 0) FROM records").fetchone()[0]
            oldest = self._conn.execute("SELECT MIN(sealed_at_s) FROM records WHERE state IN ('sealed', 'exported')"
                                        ).fetchone()[0]
            audit_n = self._conn.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0]
            version = schema_version(self._conn)
        db_bytes = sum(p.stat().st_size for p in self.dir.glob(DB_NAME + "*") if p.is_file())
        free_mb = self._space.free_bytes(self.dir) / MB
        age = None if oldest is None else max(0.0, float(self._clock.wall()) - oldest)
        return StoreStats(counts, env_bytes, db_bytes, free_mb, age, audit_n, version,
                          self._aead.name if self._aead else None)

    def verify(self) -> StoreVerifyReport:
        """Check SQLite's integrity, every envelope's signature and bookkeeping, every tombstone's receipt, the
        audit chain, and the records against the log: every folio the log says was sealed still has its record
        (a purged one keeps a tombstone whose receipt verifies), every record was logged as sealed, and the
        records' sequence has no gaps. Returns a report naming records by folio only."""
        keys = self._require_keys()
        report = StoreVerifyReport()
        with self._lock:
            self._require_open()
            problems = [r[0] for r in self._conn.execute("PRAGMA integrity_check")]
            if problems != ["ok"]:
                report.is_db_intact = False
                report.db_problems = problems[:20]
            rows = self._conn.execute("SELECT record_id, seq, folio, state, envelope, envelope_sha256, size_bytes, "
                                      "receipt FROM records ORDER BY seq").fetchall()
            sealed_entries = self._conn.execute("SELECT seq, details FROM audit_log WHERE kind = ? ORDER BY seq",
                                                (audit_mod.CAPTURE_SEALED,)).fetchall()
        self._cross_check(report, rows, sealed_entries)
        for record_id, seq, folio, state, envelope, sha, size, receipt in rows:
            report.records_checked += 1
            try:
                if state == "purged":
                    if envelope is not None or receipt is None or self._verifier is None:
                        raise ValueError
                    self._verifier.verify(receipt, device_id=keys.device_id, record_id=record_id,
                                          envelope_sha256=sha)
                    continue
                if envelope is None or hashlib.sha256(envelope).hexdigest() != sha or len(envelope) != size:
                    raise ValueError
                header = verify_envelope(envelope, keys.device_public_key)
                if (header.get("record_id"), header.get("folio"), header.get("seq"), header.get("device_id")) != \
                        (record_id, folio, seq, keys.device_id):
                    raise ValueError
                if state == "synced":
                    if receipt is None or self._verifier is None:
                        raise ValueError
                    self._verifier.verify(receipt, device_id=keys.device_id, record_id=record_id,
                                          envelope_sha256=sha)
            except Exception:  # noqa: BLE001 - every failure is reported the same way
                report.bad_folios.append(folio)
        report.audit = self.audit.verify()
        return report

    @staticmethod
    def _cross_check(report: StoreVerifyReport, rows: list, sealed_entries: list) -> None:
        import json

        expected = 1
        for row in rows:
            seq = row[1]
            if seq != expected:
                report.record_problems.append(f"records {expected}…{seq - 1} of the sequence are missing"
                                              if seq > expected else f"record sequence {seq} repeats")
            expected = seq + 1
        by_folio = {row[2]: row[0] for row in rows}
        logged: set[str] = set()
        for entry_seq, details in sealed_entries:
            try:
                d = json.loads(details)
                folio, record_id = d["folio"], d["record_id"]
            except (ValueError, KeyError, TypeError):
                continue  # an altered entry: the audit check reports it
            logged.add(folio)
            if by_folio.get(folio) != record_id:
                report.missing_folios.append(folio)
                report.record_problems.append(f"folio {folio} was sealed (audit entry {entry_seq}) but its "
                                              f"record is gone")
        for row in rows:
            if row[2] not in logged:
                report.record_problems.append(f"record {row[2]} has no 'capture.sealed' audit entry")

    def checkpoint(self) -> int | None:
        """Sign an audit checkpoint at the newest entry now; returns its seq (None for an empty log). Call it
        before every export and every sync batch (the kiosk also does at every orderly stop)."""
        return self.audit.checkpoint()

    def envelope(self, record_id: str) -> bytes | None:
        """The sealed envelope of one record (None if unknown or purged)."""
        with self._lock:
            self._require_open()
            row = self._conn.execute("SELECT envelope FROM records WHERE record_id = ?", (record_id,)).fetchone()
        return row[0] if row else None
