"""Audit chain: edited, removed and reordered entries and forged or missing checkpoints are all found."""

from __future__ import annotations

import sqlite3

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from store_support import make_record

from kiosk.errors import InvalidField
from kiosk.store import audit
from kiosk.store.audit import entry_hash, genesis_hash
from kiosk.store.db import RecordStore


def _filled(env, rng, n_admin=10, every=4):
    cfg = env.cfg.__class__(min_free_mb=1, warn_free_mb=1, aead="chacha20poly1305", audit_checkpoint_every=every)
    store = RecordStore(env.data_dir, cfg, env.clock, env.keys)
    store.seal_and_commit(make_record(env.clock, rng))
    for i in range(n_admin):
        env.clock.advance(1)
        store.audit.append(audit.ADMIN_ACTION, {"action": "process.selected", "n": i})
    return store


def _raw(env) -> sqlite3.Connection:
    conn = sqlite3.connect(env.data_dir / "store" / "records.sqlite3", isolation_level=None)
    for t in ("audit_log_append_only_u", "audit_log_append_only_d", "audit_cp_append_only_u",
              "audit_cp_append_only_d"):
        conn.execute(f"DROP TRIGGER {t}")  # an attacker with the file can do this; the chain must still tell
    return conn


def _rechain(conn, device_id, from_seq=1):
    """What a careful attacker does after an edit: recompute every later hash so the chain links again."""
    rows = conn.execute("SELECT seq, at_s, kind, details FROM audit_log ORDER BY seq").fetchall()
    prev = genesis_hash(device_id)
    for seq, at_s, kind, details in rows:
        h = entry_hash(prev, seq, at_s, kind, details)
        if seq >= from_seq:
            conn.execute("UPDATE audit_log SET prev_hash = ?, entry_hash = ? WHERE seq = ?", (prev, h, seq))
        prev = h


def test_intact_log_verifies_with_periodic_and_on_demand_checkpoints(env, rng):
    with _filled(env, rng) as store:
        assert store.audit.checkpoint() == 11
        report = store.audit.verify()
        assert report.is_ok, report.problems
        assert report.entries == 11 and report.checkpoints == 3  # at 4, 8 (periodic) and 11 (on demand)
        kinds = [e.kind for e in store.audit.entries(limit=100)]
        assert kinds[-1] == audit.CAPTURE_SEALED and kinds.count(audit.ADMIN_ACTION) == 10


def test_edited_entry_is_found(env, rng):
    _filled(env, rng).close()
    conn = _raw(env)
    conn.execute("UPDATE audit_log SET details = ? WHERE seq = 6", ('{"action":"process.deleted","n":4}',))
    with RecordStore(env.data_dir, env.cfg, env.clock, env.keys) as store:
        assert any("entry 6 was altered" in p for p in store.audit.verify().problems)
    _rechain(conn, env.keys.device_id)  # now every hash links up again ...
    with RecordStore(env.data_dir, env.cfg, env.clock, env.keys) as store:
        problems = store.audit.verify().problems
    assert any("differ from the signed checkpoint 8" in p for p in problems), problems  # ... but checkpoint 8 says no


def test_removed_entry_is_found(env, rng):
    _filled(env, rng).close()
    conn = _raw(env)
    conn.execute("DELETE FROM audit_log WHERE seq = 3")
    with RecordStore(env.data_dir, env.cfg, env.clock, env.keys) as store:
        problems = store.audit.verify().problems
    assert any("entries 3…3 are missing" in p for p in problems)
    assert any("entry 4 does not follow" in p for p in problems)


def test_removed_tail_covered_by_a_checkpoint_is_found(env, rng):
    _filled(env, rng).close()
    conn = _raw(env)
    conn.execute("DELETE FROM audit_log WHERE seq >= 8")
    with RecordStore(env.data_dir, env.cfg, env.clock, env.keys) as store:
        problems = store.audit.verify().problems
    assert any("entries up to 8 differ from the signed checkpoint 8" in p for p in problems), problems
    assert any("entry 8 records that entries had been cut off the end" in p for p in problems), problems


def test_reordered_entries_are_found(env, rng):
    _filled(env, rng).close()
    conn = _raw(env)
    a = conn.execute("SELECT at_s, kind, details, prev_hash, entry_hash FROM audit_log WHERE seq = 5").fetchone()
    b = conn.execute("SELECT at_s, kind, details, prev_hash, entry_hash FROM audit_log WHERE seq = 6").fetchone()
    upd = "UPDATE audit_log SET at_s = ?, kind = ?, details = ?, prev_hash = ?, entry_hash = ? WHERE seq = ?"
    conn.execute(upd, (*b, 5))
    conn.execute(upd, (*a, 6))
    with RecordStore(env.data_dir, env.cfg, env.clock, env.keys) as store:
        problems = store.audit.verify().problems
    assert any("entry 5" in p for p in problems) and any("entry 6" in p for p in problems)


def test_forged_and_missing_checkpoints_are_found(env, rng):
    _filled(env, rng).close()
    conn = _raw(env)
    sig = conn.execute("SELECT signature FROM audit_checkpoints WHERE seq = 4").fetchone()[0]
    conn.execute("UPDATE audit_checkpoints SET signature = ? WHERE seq = 4", (bytes([sig[0] ^ 1]) + sig[1:],))
    with RecordStore(env.data_dir, env.cfg, env.clock, env.keys) as store:
        assert any("checkpoint 4 has an invalid signature" in p for p in store.audit.verify().problems)
    # ... nor one made by another key
    conn.execute("UPDATE audit_checkpoints SET signature = ? WHERE seq = 4",
                 (Ed25519PrivateKey.generate().sign(b"x"),))
    with RecordStore(env.data_dir, env.cfg, env.clock, env.keys) as store:
        assert any("checkpoint 4 has an invalid signature" in p for p in store.audit.verify().problems)
    conn.execute("UPDATE audit_checkpoints SET signature = ? WHERE seq = 4", (sig,))
    conn.execute("DELETE FROM audit_checkpoints WHERE seq = 8")
    with RecordStore(env.data_dir, env.cfg, env.clock, env.keys) as store:
        problems = store.audit.verify().problems
    assert problems == ["the checkpoint due at entry 8 is missing"]


@pytest.mark.parametrize(("kind", "details"), [
    (audit.CAPTURE_SEALED, {"folio": "AAAA-BBBB-C", "cic": "123456789"}),
    (audit.ADMIN_ACTION, {"note": "citizen GOMR900401HDFRRN09 complained"}),
    (audit.ADMIN_ACTION, {"note": "CIC 123456789"}),
    (audit.ADMIN_ACTION, {"nombre": "x"}),
    (audit.ADMIN_ACTION, {"blob": b"bytes"}),
    (audit.ADMIN_ACTION, {"record_id": "not-an-id"}),
    ("gossip", {}),
])
def test_personal_data_and_bad_details_are_refused(env, rng, kind, details):
    with _filled(env, rng, n_admin=0) as store:
        with pytest.raises(InvalidField):
            store.audit.append(kind, details)
        assert store.audit.verify().entries == 1
