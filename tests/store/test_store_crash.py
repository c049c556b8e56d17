"""Crash safety and full disks, with real processes, real SIGKILLs and a real small filesystem."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from store_support import make_env, make_record

from apoyo_protocol.envelope import open_envelope
from kiosk.errors import StorageFull, StoreError
from kiosk.store.db import FakeSpaceProbe, RecordStore
from kiosk.store.record import CaptureRecord

REPO = Path(__file__).resolve().parents[2]
WRITER = Path(__file__).resolve().parent / "crash_writer.py"


def _spawn(data_dir: Path, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, str(WRITER), str(data_dir), *extra], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=REPO, env=env)


def _check_everything_emitted_is_there(data_dir: Path, emitted: dict[str, str]) -> int:
    env = make_env(data_dir)
    with RecordStore(env.data_dir, env.cfg, env.clock, env.keys) as store:
        report = store.verify()  # PRAGMA integrity_check + every envelope signature + the audit chain
        assert report.is_ok, report.as_dict()
        n_records = store.stats().counts["sealed"]
        for folio, record_id in emitted.items():
            assert store.state_of(folio) == "sealed", folio
            payload = open_envelope(store.envelope(record_id), env.central.sealing_private,
                                    env.keys.device_public_key)
            CaptureRecord.from_payload(payload)  # the whole record is there, not a partial one
        seqs = sorted(store._conn.execute("SELECT seq FROM records WHERE folio = ?", (f,)).fetchone()[0]
                      for f in emitted)
        assert len(set(seqs)) == len(seqs)
        return n_records


@pytest.mark.slow
def test_sigkill_at_random_moments_loses_no_emitted_folio(tmp_path):
    data_dir = tmp_path / "data"
    rnd = random.Random(20261128)
    emitted: dict[str, str] = {}
    kills = runs_killed_early = 0
    # The loop ends on counts, not on time: a loaded machine only takes longer. The deadline is a safety net
    # below pytest's timeout, so a writer that stopped making progress fails with the counts reached.
    deadline = time.monotonic() + 420
    while (len(emitted) < 500 or kills < 40) and time.monotonic() < deadline:
        proc = _spawn(data_dir)
        early = rnd.random() < 0.15  # sometimes during start-up: imports, opening, migrating, first seal
        delay = rnd.uniform(0.0, 0.9) if early else None
        if not early:
            first = proc.stdout.readline()
            if first != b"READY\n":
                proc.kill()
                pytest.fail(f"writer did not start: {first!r} {proc.stderr.read().decode()[-2000:]}")
            # short runs for many kills first; once there are enough, longer runs reach 500 seals sooner
            delay = rnd.uniform(0.0, 0.1 if kills < 40 else 0.6)
        timer = threading.Timer(delay, proc.kill)  # SIGKILL, wherever the writer happens to be
        timer.start()
        for line in proc.stdout:  # until the pipe closes
            if line.startswith(b"FOLIO ") and line.endswith(b"\n"):  # printed only after the commit returned
                _, folio, record_id = line.decode().split()
                emitted[folio] = record_id
        proc.wait()
        timer.cancel()
        if proc.returncode == -9:
            kills += 1
            runs_killed_early += early
        else:
            pytest.fail(f"writer exited {proc.returncode}: {proc.stderr.read().decode()[-2000:]}")
    print(f"kill trials: {len(emitted)} folios emitted, {kills} SIGKILLs ({runs_killed_early} during start-up)")
    assert len(emitted) >= 500 and kills >= 40, (len(emitted), kills)
    n_records = _check_everything_emitted_is_there(data_dir, emitted)
    # a record may be committed but killed before its folio was printed; never the other way round
    print(f"records in the store: {n_records} (committed but killed before printing: {n_records - len(emitted)})")
    assert len(emitted) <= n_records <= len(emitted) + kills


def _mount_tmpfs(path: Path, size: str) -> bool:
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        return False
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(path)],
                          capture_output=True)
    return done.returncode == 0


@pytest.fixture
def small_fs(tmp_path, request):
    mount = tmp_path / "small"
    size = getattr(request, "param", "2m")
    if not _mount_tmpfs(mount, size):
        pytest.skip("mounting a small tmpfs needs root; the RLIMIT_FSIZE test covers this case")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.mark.slow
def test_real_enospc_mid_write_refuses_clearly_and_corrupts_nothing(small_fs, rng):
    env = make_env(small_fs / "data")
    probe = FakeSpaceProbe(10**12)  # the floor check is fooled, so SQLite itself meets the full disk
    folios = {}
    with RecordStore(env.data_dir, env.cfg, env.clock, env.keys, space_probe=probe) as store:
        with pytest.raises(StorageFull, match="storage is full while saving the record: nothing was saved"):
            for i in range(40):
                r = store.seal_and_commit(make_record(env.clock, rng, size="typical", cic=f"{400000000 + i}"))
                folios[r.folio] = r.record_id
        assert 0 < len(folios) < 40
        assert store.verify().is_ok and store.stats().counts["sealed"] == len(folios)
    assert _check_everything_emitted_is_there(env.data_dir, folios) == len(folios)
    with RecordStore(env.data_dir, env.cfg, env.clock, env.keys) as store:  # the real probe now
        assert not store.check_space(raise_on_full=False).is_ok
        with pytest.raises(StorageFull, match="below the 1 MB minimum"):
            store.seal_and_commit(make_record(env.clock, rng))


@pytest.mark.slow
@pytest.mark.parametrize("small_fs", ["24m"], indirect=True)
def test_free_space_floor_refuses_before_the_disk_fills(small_fs, rng):
    env = make_env(small_fs / "data", min_free_mb=6, warn_free_mb=9)
    folios = {}
    with RecordStore(env.data_dir, env.cfg, env.clock, env.keys) as store:
        saw_low = False
        with pytest.raises(StorageFull, match=r"journal\) on the kiosk's storage, below the 6 MB minimum"):
            for i in range(100):
                saw_low |= store.check_space().is_low
                r = store.seal_and_commit(make_record(env.clock, rng, size="typical", cic=f"{500000000 + i}"))
                folios[r.folio] = r.record_id
        assert saw_low and len(folios) >= 5
    assert _check_everything_emitted_is_there(env.data_dir, folios) == len(folios)


@pytest.mark.slow
def test_file_size_quota_refuses_clearly_and_corrupts_nothing(tmp_path):
    """Works without root: RLIMIT_FSIZE makes the writer's file writes fail past a size, like a quota."""
    data_dir = tmp_path / "data"
    proc = _spawn(data_dir, "--limit-file-bytes", "600000", "--count", "200")
    out, err = proc.communicate(timeout=60)
    lines = out.decode().splitlines()
    assert proc.returncode == 3, err.decode()[-2000:]
    emitted = dict(line.split()[1:3] for line in lines if line.startswith("FOLIO "))
    refusal = lines[-1]
    assert refusal.startswith("REFUSED ") and "nothing was saved" in refusal
    assert 5 <= len(emitted) < 200
    assert _check_everything_emitted_is_there(data_dir, emitted) == len(emitted)


def test_store_error_classes_for_the_ui():
    assert issubclass(StorageFull, StoreError) and issubclass(StorageFull, OSError)


@pytest.mark.slow
@pytest.mark.parametrize("small_fs", ["24m"], indirect=True)
def test_the_floor_counts_the_journal_so_the_disk_never_runs_dry(small_fs, rng):
    # The probe: with store.min_free_mb = 1, captures went on until the write-ahead log and its checkpoint
    # took the disk to 0 bytes free. Now the floor refuses first, and the disk keeps its minimum.
    env = make_env(small_fs / "data", min_free_mb=1, warn_free_mb=1)
    with RecordStore(env.data_dir, env.cfg, env.clock, env.keys) as store:
        with pytest.raises(StorageFull, match="below the 1 MB minimum"):
            for i in range(200):
                store.seal_and_commit(make_record(env.clock, rng, size="typical", cic=f"{510000000 + i}"))
        store.audit.checkpoint()
        assert store.verify().is_ok
    st = os.statvfs(small_fs)
    assert st.f_bavail * st.f_frsize >= 1024 * 1024
