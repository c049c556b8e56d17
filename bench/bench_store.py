"""Benchmark of the sealed record store → bench/results/store.json.

Measures, on a typical record (~400 KB: two SPECIMEN card images and a selfie as JPEG at store.jpeg_quality, a
signature PNG, MRZ and results):
* seal + durable commit (what the citizen waits for before the folio): median / p95 ms, target ≤ 25 ms;
* the seal alone (crypto) and the commit alone; bytes per record (payload, envelope, database growth);
* AEAD throughput for ChaCha20-Poly1305 and AES-256-GCM, and what ``store.aead = auto`` picks here;
* the HPKE KEM: X25519 alone vs the ML-KEM-768 + X25519 hybrid (ms per seal and per open, bytes per envelope);
* records/s sustained over a long run (auto-checkpoints included);
and, in the same run on the same payload, what a user would otherwise pick, with ratios:
* Fernet (a symmetric key kept on the kiosk: it CAN read records back) + SQLite defaults (rollback journal);
* age (pyrage: X25519 + ChaCha20-Poly1305, no device signature) + SQLite defaults;
* GnuPG encrypt+sign per record (subprocess), if ``gpg`` is installed;
* our envelope with ``synchronous=NORMAL`` (faster, but not durable on power loss) to show what FULL costs.

Run from the repository root: ``.venv/bin/python bench/bench_store.py [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from apoyo_protocol.envelope import AEADS, open_envelope  # noqa: E402
from bench.environment import describe_machine  # noqa: E402
from kiosk.clock import SystemClock  # noqa: E402
from kiosk.config import StoreConfig  # noqa: E402
from kiosk.store.db import RecordStore  # noqa: E402
from kiosk.store.keys import ensure_dev_keys, load_dev_central, load_keys  # noqa: E402
from kiosk.store.record import CaptureRecord, build_record  # noqa: E402
from kiosk.store.seal import choose_aead, cpu_has_aes, measure_aead  # noqa: E402

RESULT = REPO / "bench" / "results" / "store.json"
DEVICE_ID = "bench-kiosk-0001"


def _ms(xs: list[float]) -> dict[str, float]:
    xs = sorted(xs)
    return {"median_ms": round(statistics.median(xs) * 1000, 2),
            "p95_ms": round(xs[min(len(xs) - 1, int(round(0.95 * (len(xs) - 1))))] * 1000, 2),
            "n": len(xs)}


def _images(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """SPECIMEN card images from the synthetic generator and a real face photo as selfie, or textured noise
    if the generator is unavailable."""
    try:
        import cv2

        from kiosk.dev.synth.dataset import generate_sample

        sample = generate_sample(7, 0, "normal", faces_dir=REPO.parent / "shared" / "faces")
        face = cv2.imread(str(sample.face_path))
        h, w = face.shape[:2]
        side = min(h, w * 3 // 4)
        crop = face[(h - side) // 2:(h - side) // 2 + side, (w - side * 4 // 3) // 2:][:, :side * 4 // 3]
        return sample.front_card, sample.back_card, cv2.resize(crop, (640, 480)), "kiosk.synth SPECIMEN + face"
    except Exception as exc:  # noqa: BLE001 - the benchmark still runs without the generator
        yy, xx = np.mgrid[0:638, 0:1011]
        card = np.clip(128 + 50 * np.sin(xx / 30)[..., None] + rng.normal(0, 18, (638, 1011, 3)), 0, 255)
        return card.astype(np.uint8), card.astype(np.uint8), card[:480, :640].astype(np.uint8), f"noise ({exc})"


def typical_record(rng: np.random.Generator, quality: int, i: int = 0) -> tuple[CaptureRecord, str]:
    front, back, selfie, source = _images(rng)
    strokes = [[(20 + k * 4.0, 100 + 40 * np.sin(k / 5 + s), s * 1.5 + k * 0.012) for k in range(120)]
               for s in range(3)]
    clock = SystemClock()
    record = build_record(
        front_bgr=front, back_bgr=back, selfie_bgr=selfie, signature_strokes=strokes,
        mrz_fields={"cic": f"{123456789 + i}", "identificador": "987654321", "surname_paternal": "MUESTRA"},
        mrz_checks={"cic": True, "birth_date": True, "expiry_date": True, "composite": True},
        jpeg_quality=quality, process_id="bench-process", aspirant_id="bench-aspirant", capture_mode="self-service",
        device_id=DEVICE_ID, captured_wall_s=clock.wall(), captured_mono_s=clock.monotonic(), is_clock_synced=True,
        face_distance=0.42, face_threshold=0.6, liveness_is_live=True, liveness_score=0.95,
        consent_notice_version="bench", consent_language="es", fraud_flags=(), fraud_scores={"screen": 0.01})
    return record, source


def _vary(record: CaptureRecord, i: int) -> CaptureRecord:
    """Same size, different identifiers, so the duplicate index grows like in real use."""
    import dataclasses

    return dataclasses.replace(record, mrz_fields={**record.mrz_fields, "cic": f"{100000000 + i}"})


class Ours:
    """Our store: seal + commit through RecordStore."""

    def __init__(self, work: Path, record: CaptureRecord, aead: str, synchronous: str = "FULL") -> None:
        data = work / f"ours-{aead}-{synchronous}"
        ensure_dev_keys(data, dev_mode=True, device_id=DEVICE_ID)
        self.keys = load_keys(data, allow_development=True)
        self.cfg = StoreConfig(aead=aead, min_free_mb=1, warn_free_mb=1)
        self.store = RecordStore(data, self.cfg, SystemClock(), self.keys)
        self.store._conn.execute(f"PRAGMA synchronous={synchronous}")
        self.data, self.record, self.i = data, record, 0
        self.store.seal_and_commit(_vary(record, -1))  # warm-up

    def prepare(self) -> None:
        self.i += 1
        self.next = _vary(self.record, self.i)  # built before the clock starts: the capture's job, not the store's

    def step(self) -> None:
        self.last = self.store.seal_and_commit(self.next)

    def seal_only(self, n: int) -> list[float]:
        from apoyo_protocol.envelope import seal

        k, times = self.keys, []
        for i in range(n):
            payload = _vary(self.record, i).to_payload()
            t0 = time.perf_counter()
            seal(payload, device_id=DEVICE_ID, record_id="0" * 32, folio="X", seq=1, sealed_wall_s=0.0,
                 sealed_mono_s=0.0, is_clock_synced=True, aead=self.cfg.aead, central_public_key=k.current_sealing_key,
                 device_key=k.device_key, device_key_id=k.device_key_id)
            times.append(time.perf_counter() - t0)
        return times

    def finish(self) -> dict:
        stats = self.store.stats()
        envelope = self.store.envelope(self.last.record_id)
        dev = load_dev_central(self.data)
        CaptureRecord.from_payload(open_envelope(envelope, dev.sealing_private, self.keys.device_public_key))
        self.store.close()
        return {"envelope_bytes": len(envelope), "db_bytes_per_record": round(stats.db_bytes / (self.i + 1))}


def bench_kems(payload: bytes, aead: str, n: int) -> dict:
    """Seal (HPKE + Ed25519) and open the same payload with each KEM: ms per seal and per open, bytes per
    envelope, and the hybrid's cost over X25519 alone (the price of post-quantum confidentiality)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from apoyo_protocol.envelope import seal
    from apoyo_protocol.keys import DEFAULT_KEM, KEMS, SealingPrivateKey

    device = Ed25519PrivateKey.generate()
    out: dict = {}
    for kem in KEMS:
        central = SealingPrivateKey.generate(kem)
        seal_t, open_t = [], []
        for i in range(n):
            t0 = time.perf_counter()
            env = seal(payload, device_id=DEVICE_ID, record_id=f"{i:032x}", folio="X", seq=i + 1, sealed_wall_s=0.0,
                       sealed_mono_s=0.0, is_clock_synced=True, aead=aead, central_public_key=central.public,
                       device_key=device, device_key_id="bench")
            seal_t.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            open_envelope(env.data, central, device.public_key())
            open_t.append(time.perf_counter() - t0)
        out[kem] = {"seal": _ms(seal_t), "open_at_central": _ms(open_t), "envelope_bytes": len(env.data),
                    "envelope_overhead_bytes": len(env.data) - len(payload),
                    "public_key_bytes": len(central.public.raw)}
    x, h = out["X25519"], out["MLKEM768-X25519"]
    out["hybrid_minus_x25519"] = {"seal_median_ms": round(h["seal"]["median_ms"] - x["seal"]["median_ms"], 3),
                                  "envelope_bytes": h["envelope_bytes"] - x["envelope_bytes"]}
    out["default_kem"] = DEFAULT_KEM
    out["aead"] = aead
    return out


def bench_sustained(work: Path, record: CaptureRecord, seconds: float, aead: str) -> dict:
    data = work / "sustained"
    ensure_dev_keys(data, dev_mode=True, device_id=DEVICE_ID)
    keys = load_keys(data, allow_development=True)
    varied = [_vary(record, i) for i in range(64)]
    with RecordStore(data, StoreConfig(aead=aead, min_free_mb=1, warn_free_mb=1), SystemClock(), keys) as store:
        n, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            store.seal_and_commit(varied[n % len(varied)])
            n += 1
        elapsed = time.perf_counter() - t0
    return {"records": n, "seconds": round(elapsed, 2), "records_per_s": round(n / elapsed, 1)}


class SqliteDefault:
    """Encrypt with ``encrypt(payload)`` and insert with plain sqlite3 defaults (rollback journal,
    synchronous=FULL, one commit per record): what a user writing it by hand would get."""

    def __init__(self, path: Path, payload: bytes, encrypt, note: str) -> None:
        self.conn = sqlite3.connect(path)
        self.conn.execute("CREATE TABLE IF NOT EXISTS records(id INTEGER PRIMARY KEY, blob BLOB NOT NULL)")
        self.conn.commit()
        self.payload, self.encrypt, self.note = payload, encrypt, note

    def prepare(self) -> None:
        pass

    def step(self) -> None:
        self.blob = self.encrypt(self.payload)
        self.conn.execute("INSERT INTO records(blob) VALUES (?)", (self.blob,))
        self.conn.commit()

    def finish(self) -> dict:
        self.conn.close()
        return {"envelope_bytes": len(self.blob), "note": self.note}


def make_fernet(work: Path, payload: bytes) -> SqliteDefault:
    from cryptography.fernet import Fernet

    f = Fernet(Fernet.generate_key())
    return SqliteDefault(work / "fernet.sqlite3", payload, f.encrypt,
                         "Fernet: symmetric key on the kiosk (it can read every record back); no device signature")


def make_age(work: Path, payload: bytes) -> SqliteDefault | None:
    try:
        from pyrage import encrypt, x25519
    except ImportError:
        return None
    recipient = x25519.Identity.generate().to_public()
    return SqliteDefault(work / "age.sqlite3", payload, lambda p: encrypt(p, [recipient]),
                         "age via pyrage (X25519 + ChaCha20-Poly1305); no device signature")


def make_gpg(work: Path, payload: bytes) -> SqliteDefault | None:
    gpg = shutil.which("gpg")
    if not gpg:
        return None
    home = work / "gnupg"
    home.mkdir(mode=0o700)
    env = {**os.environ, "GNUPGHOME": str(home)}
    run = dict(env=env, capture_output=True, check=True)
    subprocess.run([gpg, "--batch", "--passphrase", "", "--quick-gen-key", "bench <bench@example.invalid>",
                    "ed25519", "sign", "never"], **run)
    fpr = [line.split(":")[9] for line in subprocess.run([gpg, "--with-colons", "--list-keys"], **run)
           .stdout.decode().splitlines() if line.startswith("fpr:")][0]
    subprocess.run([gpg, "--batch", "--passphrase", "", "--quick-add-key", fpr, "cv25519", "encr", "never"], **run)
    version = subprocess.run([gpg, "--version"], **run).stdout.decode().splitlines()[0]

    def encrypt(p: bytes) -> bytes:
        return subprocess.run([gpg, "--batch", "--yes", "--trust-model", "always", "--compress-algo", "none",
                               "--pinentry-mode", "loopback", "--passphrase", "", "--sign", "--encrypt",
                               "--recipient", fpr, "--output", "-"], input=p, **run).stdout

    return SqliteDefault(work / "gpg.sqlite3", payload, encrypt,
                         f"{version}: --sign --encrypt per record (subprocess)")


def interleaved(contenders: dict, n: int, every: dict[str, int], rnd) -> dict[str, list[float]]:
    """Run one step of each contender per round, in a shuffled order, so disk-speed drift hits all alike."""
    times: dict[str, list[float]] = {k: [] for k in contenders}
    for i in range(n):
        names = [k for k in contenders if i % every.get(k, 1) == 0]
        rnd.shuffle(names)
        for name in names:
            contenders[name].prepare()
            t0 = time.perf_counter()
            contenders[name].step()
            times[name].append(time.perf_counter() - t0)
    return times


def _fs_type(path: Path) -> str:
    try:
        out = subprocess.run(["df", "--output=fstype", str(path)], capture_output=True, text=True).stdout
        return out.split()[-1]
    except (OSError, IndexError):
        return "unknown"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (a smoke run)")
    parser.add_argument("--out", default=str(RESULT))
    args = parser.parse_args()
    n, sustain_s = (30, 2.0) if args.quick else (200, 10.0)
    rng = np.random.default_rng(2026)
    cfg = StoreConfig()
    record, source = typical_record(rng, cfg.jpeg_quality)
    payload = record.to_payload()
    auto = choose_aead("auto")
    aead_speed = {name: {"encrypt_mb_per_s_4mb": round(measure_aead(name, 4 << 20, 5), 1),
                         "encrypt_mb_per_s_400kb": round(measure_aead(name, len(payload), 20), 1)} for name in AEADS}
    with tempfile.TemporaryDirectory(dir=REPO / "bench" / "results", prefix=".store-bench-") as tmp:
        work = Path(tmp)
        contenders = {f"ours_{name}": Ours(work, record, name) for name in AEADS}
        contenders["ours_synchronous_normal_not_durable"] = Ours(work, record, auto.name, "NORMAL")
        for name, make in (("fernet_sqlite_default", make_fernet), ("age_sqlite_default", make_age),
                           ("gpg_sqlite_default", make_gpg)):
            c = make(work, payload)
            if c is not None:
                contenders[name] = c
        times = interleaved(contenders, n, {"gpg_sqlite_default": 4}, random.Random(1))
        seal_only = {name: _ms(contenders[f"ours_{name}"].seal_only(60 if not args.quick else 15)) for name in AEADS}
        finished = {k: {"seal_and_commit": _ms(times[k]), **c.finish()} for k, c in contenders.items()}
        sustained = bench_sustained(work, record, sustain_s, auto.name)
        kems = bench_kems(payload, auto.name, n // 2)
        fs = _fs_type(work)
    ours = {name: {**finished[f"ours_{name}"], "seal_only": seal_only[name]} for name in AEADS}
    comparisons = {k: v for k, v in finished.items() if not k.startswith("ours_") or "normal" in k}
    for k in ("fernet_sqlite_default", "age_sqlite_default", "gpg_sqlite_default"):
        comparisons.setdefault(k, None)
    chosen = ours[auto.name]["seal_and_commit"]
    ratios = {k: round(v["seal_and_commit"]["median_ms"] / chosen["median_ms"], 2)
              for k, v in comparisons.items() if v}
    result = {
        "what": "seal (envelope v2: RFC 9180 HPKE to central, Ed25519 by the device) + durable SQLite WAL commit "
                "of a typical record; the store seals to the default KEM (hpke_kem.default_kem)",
        "platform": describe_machine(cpu_aes_flag=cpu_has_aes(), filesystem=fs,
                                     note="measured on the development machine, not on a Raspberry Pi"),
        "record": {"image_source": source, "payload_bytes": len(payload), "front_jpeg_bytes": len(record.front_jpeg),
                   "back_jpeg_bytes": len(record.back_jpeg), "selfie_jpeg_bytes": len(record.selfie_jpeg),
                   "signature_png_bytes": len(record.signature_png), "jpeg_quality": cfg.jpeg_quality},
        "aead": {"auto_choice": auto.name, "auto_reason": auto.reason, "auto_quick_mb_per_s": auto.mb_per_s,
                 **aead_speed},
        "ours": {"cipher_" + k: v for k, v in ours.items()},
        "ours_chosen_cipher": {"aead": auto.name, **ours[auto.name]},
        "hpke_kem": kems,
        "sustained": sustained,
        "bytes_per_record": {"payload": len(payload), "envelope": ours[auto.name]["envelope_bytes"],
                             "envelope_overhead": ours[auto.name]["envelope_bytes"] - len(payload),
                             "db_files_per_record": ours[auto.name]["db_bytes_per_record"]},
        "comparisons": comparisons,
        "ratio_other_over_ours_median": ratios,
        "target": {"seal_and_commit_median_ms_max": 25.0, "is_met": chosen["median_ms"] <= 25.0,
                   "lost_in_kill_trials": "0 (tests/store/test_store_crash.py: >=500 seals, >=40 SIGKILLs per run)"},
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({"seal_and_commit": chosen, "hpke_kem": kems, "aead": auto.name, "sustained_rps": sustained["records_per_s"],
                      "ratios_other_over_ours": ratios, "target_met": result["target"]["is_met"]}, indent=2))
    print(f"written {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
