"""``python -m kiosk store``: stats, verify and purge, with no citizen data in any output."""

from __future__ import annotations

import hashlib
import json
import sqlite3

import pytest
from store_support import CANARY_CIC, CANARY_ID, CANARY_NAME, DEVICE_ID, make_record

from apoyo_protocol.receipt import sign_receipt
from kiosk.__main__ import main as kiosk_main
from kiosk.clock import SystemClock
from kiosk.store.db import RecordStore


@pytest.fixture
def filled(env, rng, monkeypatch):
    monkeypatch.setenv("APOYO_KIOSK_CONFIG", str(env.data_dir / "absent.toml"))
    (env.data_dir / "absent.toml").write_text("")
    clock = SystemClock()  # the CLI uses the real clock, so the records do too
    with RecordStore(env.data_dir, env.cfg, clock, env.keys) as store:
        results = [store.seal_and_commit(make_record(env.clock, rng, cic=f"{600000000 + i}")) for i in range(3)]
        envelope = store.envelope(results[0].record_id)
        receipt = sign_receipt(env.central.receipt_private, env.central.receipt_key_id, device_id=DEVICE_ID,
                               record_id=results[0].record_id, envelope_sha256=hashlib.sha256(envelope).hexdigest(),
                               received_at_s=clock.wall() - 40 * 86400)
        store.mark_synced(results[0].record_id, receipt)
        store._conn.execute("UPDATE records SET synced_at_s = synced_at_s - 40 * 86400")  # synced 40 days ago
    return env, results


def _run(capsys, *argv):
    status = kiosk_main(["store", *argv])
    out, err = capsys.readouterr()
    for secret in (CANARY_CIC, CANARY_ID, CANARY_NAME, "1990-04-01"):
        assert secret not in out and secret not in err
    return status, out, err


def test_stats_verify_purge_json(filled, capsys):
    env, results = filled
    status, out, _ = _run(capsys, "stats", "--json", "--data-dir", str(env.data_dir))
    stats = json.loads(out)
    assert status == 0 and stats["counts"] == {"sealed": 2, "exported": 0, "synced": 1, "purged": 0}
    assert stats["envelope_bytes"] > 0 and stats["free_mb"] > 0 and stats["oldest_unsynced_age_s"] >= 0
    status, out, _ = _run(capsys, "verify", "--dev", "--json", "--data-dir", str(env.data_dir))
    report = json.loads(out)
    assert status == 0 and report["is_ok"] and report["records_checked"] == 3 and report["audit"]["entries"] == 4
    status, out, _ = _run(capsys, "purge", "--dev", "--json", "--data-dir", str(env.data_dir))
    assert status == 0 and json.loads(out) == {"purged": 1, "bytes_freed": results[0].size_bytes, "refused": 0}
    status, out, _ = _run(capsys, "stats", "--data-dir", str(env.data_dir))
    assert status == 0 and "sealed 2, exported 0, synced 0, purged 1" in out


def test_verify_reports_tampering_with_exit_1(filled, capsys):
    env, results = filled
    conn = sqlite3.connect(env.data_dir / "store" / "records.sqlite3")
    conn.execute("DROP TRIGGER audit_log_append_only_u")
    conn.execute("UPDATE audit_log SET kind = 'admin.action' WHERE seq = 2")
    blob = bytearray(conn.execute("SELECT envelope FROM records WHERE folio = ?", (results[2].folio,)).fetchone()[0])
    blob[-1] ^= 1
    conn.execute("UPDATE records SET envelope = ? WHERE folio = ?", (bytes(blob), results[2].folio))
    conn.commit()
    conn.close()
    status, out, _ = _run(capsys, "verify", "--dev", "--data-dir", str(env.data_dir))
    assert status == 1 and "PROBLEMS FOUND" in out and results[2].folio in out and "entry 2 was altered" in out


def test_clear_errors(tmp_path, env, capsys, monkeypatch):
    monkeypatch.setenv("APOYO_KIOSK_CONFIG", str(tmp_path / "k.toml"))
    (tmp_path / "k.toml").write_text("")
    status, _, err = _run(capsys, "stats", "--data-dir", str(tmp_path / "nothing"))
    assert status == 2 and "no record store" in err
    with RecordStore(env.data_dir, env.cfg, env.clock, env.keys):
        pass
    status, _, err = _run(capsys, "verify", "--data-dir", str(env.data_dir))  # no --dev: production rules
    assert status == 2 and "DEVELOPMENT central keys" in err
    with pytest.raises(SystemExit):
        kiosk_main(["store", "explode"])


def test_verify_on_a_development_directory_needs_only_the_dev_flag(filled, capsys, monkeypatch):
    env, _ = filled
    for name in list(__import__("os").environ):
        if name.startswith("APOYO_") and name != "APOYO_KIOSK_CONFIG":
            monkeypatch.delenv(name)
    status, out, err = _run(capsys, "verify", "--dev", "--data-dir", str(env.data_dir))
    assert status == 0 and out.startswith("OK"), err


def test_stats_on_an_empty_database_file_is_an_error_and_creates_nothing(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("APOYO_KIOSK_CONFIG", str(tmp_path / "k.toml"))
    (tmp_path / "k.toml").write_text("")
    db = tmp_path / "d" / "store" / "records.sqlite3"
    db.parent.mkdir(parents=True)
    db.write_bytes(b"")
    status, out, err = _run(capsys, "stats", "--data-dir", str(tmp_path / "d"))
    assert status == 2 and "is empty (0 bytes)" in err and "sealed 0" not in out
    assert db.stat().st_size == 0


def test_output_into_a_closed_pipe_ends_quietly(filled, tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    env, _ = filled
    repo = Path(__file__).resolve().parents[2]
    # `store verify | head`, with a reader that has already left (`true` exits at once; Python takes far
    # longer to start), so the write always meets a closed pipe.
    cmd = f"{sys.executable} -m kiosk store verify --dev --json --data-dir {env.data_dir} | true; exit ${{PIPESTATUS[0]}}"
    proc = subprocess.run(["bash", "-c", cmd], cwd=repo, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "APOYO_KIOSK_CONFIG": str(env.data_dir / "absent.toml")})
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr, proc.stderr
    assert proc.returncode in (0, 141)


def test_verify_names_a_deleted_record(filled, capsys):
    env, results = filled
    conn = sqlite3.connect(env.data_dir / "store" / "records.sqlite3", isolation_level=None)
    conn.execute("DROP TRIGGER records_keep_tombstones")
    conn.execute("DELETE FROM records WHERE seq = 3")  # the probe's reproduction
    conn.close()
    status, out, _ = _run(capsys, "verify", "--dev", "--data-dir", str(env.data_dir))
    assert status == 1 and "PROBLEMS FOUND" in out and results[2].folio in out
