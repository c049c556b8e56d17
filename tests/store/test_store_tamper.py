"""The probe of issue 12, replayed: an attacker with the database file deletes records, cuts the log's end or
forges entries; `store verify` must say so every time, and keep saying so."""

from __future__ import annotations

import hashlib
import sqlite3

from store_support import make_record

from apoyo_protocol.receipt import sign_receipt
from kiosk.store import audit
from kiosk.store.audit import entry_hash
from kiosk.store.audit_head import HEAD_FILE
from kiosk.store.db import RecordStore

TRIGGERS = ("audit_log_append_only_u", "audit_log_append_only_d", "audit_cp_append_only_u",
            "audit_cp_append_only_d", "records_keep_tombstones", "records_purge_needs_receipt")


def _store(env) -> RecordStore:
    cfg = env.cfg.__class__(min_free_mb=1, warn_free_mb=1, aead="chacha20poly1305", audit_checkpoint_every=4)
    return RecordStore(env.data_dir, cfg, env.clock, env.keys)


def _seal(env, rng, n: int, first: int = 0) -> list:
    with _store(env) as store:
        out = []
        for i in range(n):
            env.clock.advance(1)
            out.append(store.seal_and_commit(make_record(env.clock, rng, cic=f"{700000000 + first + i}")))
        return out


def _raw(env) -> sqlite3.Connection:
    conn = sqlite3.connect(env.data_dir / "store" / "records.sqlite3", isolation_level=None)
    for t in TRIGGERS:
        conn.execute(f"DROP TRIGGER {t}")  # what the probe did first
    return conn


def _verify(env):
    with _store(env) as store:
        return store.verify()


def test_an_intact_store_verifies(env, rng):
    _seal(env, rng, 6)
    report = _verify(env)
    assert report.is_ok, (report.record_problems, report.audit.problems)


def test_a_deleted_record_is_found(env, rng):
    sealed = _seal(env, rng, 5)
    _raw(env).execute("DELETE FROM records WHERE seq = 3")
    report = _verify(env)
    assert not report.is_ok
    assert report.missing_folios == [sealed[2].folio]
    assert any("records 3…3 of the sequence are missing" in p for p in report.record_problems)


def test_a_deleted_record_and_its_audit_entry_are_found(env, rng):
    sealed = _seal(env, rng, 5)
    conn = _raw(env)
    seq = conn.execute("SELECT seq FROM audit_log WHERE details LIKE ?", (f'%{sealed[2].folio}%',)).fetchone()[0]
    conn.execute("DELETE FROM records WHERE seq = 3")
    conn.execute("DELETE FROM audit_log WHERE seq = ?", (seq,))
    report = _verify(env)
    assert any("sequence are missing" in p for p in report.record_problems)
    assert any(f"entries {seq}…{seq} are missing" in p for p in report.audit.problems)


def test_the_dropped_tail_after_a_checkpoint_is_found(env, rng):
    # Delete the newest checkpoint together with every entry after the previous one, and the records those
    # entries described: a shorter but self-consistent store.
    _seal(env, rng, 10)
    conn = _raw(env)
    cps = [r[0] for r in conn.execute("SELECT seq FROM audit_checkpoints ORDER BY seq")]
    keep = cps[-2]
    conn.execute("DELETE FROM audit_checkpoints WHERE seq > ?", (keep,))
    conn.execute("DELETE FROM audit_log WHERE seq > ?", (keep,))
    conn.execute("DELETE FROM records WHERE seq > ?", (keep,))
    report = _verify(env)
    assert not report.is_ok
    assert any("entries had been cut off the end" in p for p in report.audit.problems), report.audit.problems


def test_a_whole_session_removed_is_found_and_stays_found(env, rng):
    _seal(env, rng, 4)
    with _store(env) as store:
        store.checkpoint()  # an orderly stop
    _seal(env, rng, 3, first=100)  # the next session ...
    conn = _raw(env)
    conn.execute("DELETE FROM audit_checkpoints WHERE seq > 4")
    conn.execute("DELETE FROM audit_log WHERE seq > 4")
    conn.execute("DELETE FROM records WHERE seq > 4")  # ... wiped from the database
    assert not _verify(env).is_ok
    _seal(env, rng, 2, first=200)  # the kiosk goes on capturing afterwards
    problems = _verify(env).audit.problems
    assert any("entries had been cut off the end" in p for p in problems), problems


def test_removing_the_head_file_as_well_is_recorded(env, rng):
    _seal(env, rng, 6)
    conn = _raw(env)
    conn.execute("DELETE FROM audit_log WHERE seq > 3")
    conn.execute("DELETE FROM audit_checkpoints WHERE seq > 3")
    conn.execute("DELETE FROM records WHERE seq > 3")
    (env.data_dir / "store" / HEAD_FILE).unlink()
    _seal(env, rng, 1, first=300)
    problems = _verify(env).audit.problems
    assert any("the audit head file had been removed" in p for p in problems), problems


def test_a_forged_entry_without_the_device_key_is_found(env, rng):
    # After the last checkpoint, with the triggers gone: append an entry whose hash links up (no key needed
    # for that) and, separately, rewrite an existing one and re-chain it.
    _seal(env, rng, 5)
    conn = _raw(env)
    seq, ehash = conn.execute("SELECT seq, entry_hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    details = '{"action":"records.reviewed"}'
    forged = entry_hash(ehash, seq + 1, 1.0, audit.ADMIN_ACTION, details)
    conn.execute("INSERT INTO audit_log(seq, at_s, kind, details, prev_hash, entry_hash, signature) "
                 "VALUES (?, 1.0, ?, ?, ?, ?, NULL)", (seq + 1, audit.ADMIN_ACTION, details, ehash, forged))
    problems = _verify(env).audit.problems
    assert any(f"entry {seq + 1} carries no device signature" in p for p in problems), problems
    conn.execute("UPDATE audit_log SET signature = ? WHERE seq = ?", (b"\x01" * 64, seq + 1))
    problems = _verify(env).audit.problems
    assert any(f"entry {seq + 1} is not signed by this device" in p for p in problems), problems


def test_a_purged_record_keeps_its_place_in_the_cross_check(env, rng):
    sealed = _seal(env, rng, 3)
    with _store(env) as store:
        env_bytes = store.envelope(sealed[0].record_id)
        receipt = sign_receipt(env.central.receipt_private, env.central.receipt_key_id, device_id=env.keys.device_id,
                               record_id=sealed[0].record_id, envelope_sha256=hashlib.sha256(env_bytes).hexdigest(),
                               received_at_s=env.clock.wall())
        store.mark_synced(sealed[0].record_id, receipt)
        assert store.purge(now=env.clock.wall() + 400 * 86400).purged == 1
        report = store.verify()
    assert report.is_ok, (report.record_problems, report.audit.problems)


def test_export_signs_a_checkpoint(env, rng):
    sealed = _seal(env, rng, 1)
    with _store(env) as store:
        store.mark_exported([sealed[0].record_id])
        newest = store._conn.execute("SELECT MAX(seq) FROM audit_log").fetchone()[0]
        assert store._conn.execute("SELECT MAX(seq) FROM audit_checkpoints").fetchone()[0] == newest


def test_an_upgraded_log_without_entry_signatures_is_adopted_once(env, rng):
    _seal(env, rng, 3)
    conn = sqlite3.connect(env.data_dir / "store" / "records.sqlite3", isolation_level=None)
    conn.execute("DROP TRIGGER audit_log_append_only_u")
    conn.execute("UPDATE audit_log SET signature = NULL")  # as a schema-2 kiosk left it
    conn.execute("CREATE TRIGGER audit_log_append_only_u BEFORE UPDATE ON audit_log "
                 "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END")
    (env.data_dir / "store" / HEAD_FILE).unlink()
    report = _verify(env)  # opening covers the unsigned entries with a checkpoint and starts the head
    assert report.is_ok, report.audit.problems
    _seal(env, rng, 1, first=50)
    assert _verify(env).is_ok
