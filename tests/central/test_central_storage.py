"""The data-access layer, migrations, blob store and lista nominal behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import os
import threading

import pytest

from central import audit
from central import lista_nominal as ln
from central.blobstore import FilesystemBlobStore
from central.db import Database
from central.errors import StorageError


def test_migrate_is_idempotent_and_versioned(db: Database) -> None:
    version = db.migrate()
    assert version >= 1
    assert db.migrate() == version
    assert db.schema_version() == version


def test_transaction_rolls_back_on_error(db: Database) -> None:
    with pytest.raises(RuntimeError), db.transaction() as tx:
        audit.record_event(tx, actor="test", action="a")
        raise RuntimeError("boom")
    with db.transaction() as tx:
        assert audit.events(tx) == []


def test_audit_round_trip(db: Database) -> None:
    with db.transaction() as tx:
        audit.record_event(tx, actor="reviewer:ana", action="review.view", subject="rec-1", detail={"n": 1})
        audit.record_event(tx, actor="device:d1", action="ingest.rejected", subject="rec-2")
    with db.transaction() as tx:
        got = audit.events(tx, subject="rec-1")
    assert [(e["actor"], e["action"], e["detail"]) for e in got] == [("reviewer:ana", "review.view", {"n": 1})]


def test_lista_nominal_bulk_load_and_lookup(db: Database) -> None:
    with db.transaction() as tx:
        assert ln.load(tx, ln.generate(3000, seed=7)) == 3000
    cic, ident = ln.synthetic_keys(1234)
    with db.transaction() as tx:
        found = ln.lookup(tx, cic, ident)
        assert found is not None and (found.cic, found.identificador) == (cic, ident)
        assert 1 <= found.entidad <= 32
        assert ln.lookup(tx, cic, "000000000" if ident != "000000000" else "000000001") is None
        counts = dict(tx.all("SELECT situacion, COUNT(*) FROM lista_nominal GROUP BY situacion"))
    assert counts["vigente"] > 2800 and counts.get("baja", 0) > 0 and counts.get("no_vigente", 0) > 0


def test_synthetic_keys_are_unique_and_well_formed() -> None:
    keys = {ln.synthetic_keys(i) for i in range(20000)}
    assert len(keys) == 20000
    assert all(len(c) == 9 and c.isdigit() and len(i) == 9 and i.isdigit() for c, i in keys)


def test_lista_nominal_csv_import_names_bad_line(tmp_path) -> None:
    good = tmp_path / "ln.csv"
    good.write_text(",".join(ln.COLUMNS) + "\n123456789,000123456,9,3,5,100,vigente,\n"
                    "223456789,000123457,9,3,5,100,baja,defuncion\n", encoding="utf-8")
    assert [r[6] for r in ln.read_csv(good)] == ["vigente", "baja"]
    bad = tmp_path / "bad.csv"
    bad.write_text(",".join(ln.COLUMNS) + "\n123456789,000123456,9,3,5,100,vigente,\n"
                   "12345,000123457,9,3,5,100,vigente,\n", encoding="utf-8")
    with pytest.raises(ln.ListaNominalError, match=r"bad.csv:3"):
        list(ln.read_csv(bad))


def test_blob_store_is_content_addressed_and_detects_corruption(tmp_path) -> None:
    store = FilesystemBlobStore(tmp_path / "blobs")
    data = os.urandom(5000)
    key = store.put(data)
    assert key == hashlib.sha256(data).hexdigest()
    assert store.put(data) == key and store.get(key) == data and store.exists(key)
    path = tmp_path / "blobs" / key[:2] / key[2:4] / key
    path.write_bytes(b"x" + data[1:])
    with pytest.raises(StorageError, match="corrupted"):
        store.get(key)
    with pytest.raises(StorageError, match="missing"):
        store.get(hashlib.sha256(b"other").hexdigest())
    with pytest.raises(StorageError):
        store.get("../../etc/passwd")
    assert not [p for p in (tmp_path / "blobs").rglob(".tmp-*")]


def test_bad_database_url_is_a_clear_error() -> None:
    with pytest.raises(StorageError, match="sqlite:///"):
        Database("mysql://x")


def test_exclusive_transactions_serialise_writers(db: Database) -> None:
    """Two writers doing read-then-write under ``exclusive`` never lose an update (the claim pattern)."""
    with db.transaction() as tx:
        audit.record_event(tx, actor="counter", action="0")
    errors: list[BaseException] = []

    def bump() -> None:
        try:
            for _ in range(20):
                with db.transaction(exclusive=True) as tx:
                    if tx.dialect == "postgresql":
                        tx.execute("LOCK TABLE audit IN EXCLUSIVE MODE")
                    n = int(tx.scalar("SELECT action FROM audit WHERE actor = 'counter'"))
                    tx.execute("UPDATE audit SET action = ? WHERE actor = 'counter'", (str(n + 1),))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=bump) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    with db.transaction() as tx:
        assert tx.scalar("SELECT action FROM audit WHERE actor = 'counter'") == "40"


def test_blob_batch_put_is_idempotent_and_leaves_no_temporaries(tmp_path) -> None:
    store = FilesystemBlobStore(tmp_path / "blobs")
    a, b = os.urandom(3000), os.urandom(4000)
    first = store.put(a)
    keys = store.put_many([a, b, b])
    assert keys == [first, hashlib.sha256(b).hexdigest(), hashlib.sha256(b).hexdigest()]
    assert store.get(keys[1]) == b
    assert sorted(p.name for p in (tmp_path / "blobs").rglob("*") if p.is_file()) == sorted(set(keys))
