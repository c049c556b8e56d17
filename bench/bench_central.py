"""Benchmark of the central receiver -> bench/results/central.json.

For each back end (SQLite; PostgreSQL on a throwaway server with fsync ON, i.e. durable commits) and each worker
count (1, 2), against a synthetic lista nominal of ``--ln-rows`` (default 1 M) citizens:

* **ingest + signed receipts**: a real ``python -m central serve`` (gunicorn, TLS, client certificates) on
  loopback; 2 x workers client threads upload batches of ``--batch`` sealed envelopes of ~``--record-kb`` KB (the
  size of a real record) and wait for every receipt. records/s = records acknowledged / wall time;
* **verification**: ``python -m central verify --workers N`` over the ingested records (open HPKE, parse the
  record, look up the lista nominal, apply the duplicate rule, write outcomes); records/s;
* lista nominal load time (PostgreSQL COPY vs SQLite executemany), and, side by side, PostgreSQL executemany
  (what one would write without COPY) on a slice of the same rows, with the ratio;
* the 2021 revocación arithmetic: 2,758,227 records verified within INE's 20 days at the measured rate.

The client shares the machine's cores with the server, so the numbers are a floor for a dedicated host.
Run from the repository root: ``.venv/bin/python bench/bench_central.py [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.environment import describe_machine  # noqa: E402
from central import lista_nominal as ln  # noqa: E402
from central import processes  # noqa: E402
from central.db import Database  # noqa: E402
from central.dev.harness import make_harness, upload_body  # noqa: E402
from central.dev.records import make_record, seal_record  # noqa: E402
from central.devpg import ThrowawayPostgres  # noqa: E402

REVOCACION_2021_RECORDS = 2_758_227
REVOCACION_2021_DAYS = 20
TARGETS = {"ingest_sqlite_rps": 300, "ingest_postgresql_rps": 800, "verify_postgresql_2_workers_rps": 500}
PROCESS = {"id": "bench-revocacion", "kind": "revocacion_de_mandato", "title": {"es": "Revocación (MUESTRA)"},
           "starts_on": "2020-01-01", "ends_on": "2035-12-31", "aspirants": [{"id": "promovente", "name": "MUESTRA"}],
           "ambito": {"level": "nacional"}}


def seal_envelopes(harness, device, count: int, record_kb: int, ln_rows: int, out_dir: Path) -> list[Path]:
    """Seal ``count`` records of synthetic citizens (5 % repeated, 3 % not in the list) to files."""
    out_dir.mkdir(parents=True, exist_ok=True)
    image_bytes = max(1000, record_kb * 1024 // 3)
    paths = []
    now = time.time()
    for i in range(count):
        index = (i * 7919) % ln_rows
        if i % 20 == 19:
            index = ((i - 1) * 7919) % ln_rows  # the same citizen again: a duplicate
        cic, ident = ln.synthetic_keys(index) if i % 33 != 32 else ("999999999", f"{i:09d}")
        rec = make_record(device_id=device.device_id, process_id=PROCESS["id"], aspirant_id="promovente",
                          cic=cic, identificador=ident, captured_wall_s=now - count + i, image_bytes=image_bytes)
        env = seal_record(rec, device_key=device.key, device_public_raw=device.public_raw,
                          central_public_key=harness.keys.sealing.public, record_id=f"bench-{i:07d}", seq=i + 1)
        path = out_dir / f"{i:07d}.env"
        path.write_bytes(env.data)
        paths.append(path)
    return paths


def run_ingest(harness, device, paths: list[Path], batch: int, threads: int) -> dict:
    batches = [paths[i:i + batch] for i in range(0, len(paths), batch)]
    lock = threading.Lock()
    acked, errors = [0], []
    ctx = harness.context(device)

    def client() -> None:
        while True:
            with lock:
                if not batches:
                    return
                chunk = batches.pop(0)
            body = upload_body([(f"bench-{int(p.stem):07d}", p.read_bytes()) for p in chunk])
            status, data = harness.request("POST", "/v1/records", body, ctx=ctx,
                                           headers={"Content-Type": "application/json"})
            try:
                results = json.loads(data).get("results", [])
            except ValueError:
                results = []
            ok = sum(1 for r in results if r["status"] in ("stored", "already_stored") and r.get("receipt"))
            with lock:
                acked[0] += ok
                if status != 200 or ok != len(chunk):
                    errors.append(status)

    t0 = time.perf_counter()
    workers = [threading.Thread(target=client) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - t0
    return {"records": acked[0], "elapsed_s": round(elapsed, 2), "records_per_s": round(acked[0] / elapsed, 1),
            "failed_batches": len(errors), "client_threads": threads, "batch": batch}


def run_verify(harness, workers: int) -> dict:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.run([sys.executable, "-m", "central", "verify", "--data-dir", str(harness.data_dir),
                           "--database-url", harness.database_url, "--workers", str(workers), "--json"],
                          cwd=REPO, env=env, capture_output=True, text=True, check=True)
    out = json.loads(proc.stdout)
    with harness.db.transaction() as tx:
        outcomes = dict(tx.all("SELECT COALESCE(outcome, state), COUNT(*) FROM records GROUP BY 1"))
    return {"records": out["verified"], "elapsed_s": out["elapsed_s"], "records_per_s": out["records_per_s"],
            "workers": workers, "outcomes": outcomes}


def reset_records(db: Database) -> None:
    with db.transaction() as tx:
        for table in ("review_items", "citizen_supports", "records", "audit"):
            tx.execute(f"DELETE FROM {table}")


def bench_backend(name: str, url: str, args, tmp: Path, rows: list[tuple]) -> dict:
    db = Database(url)
    db.migrate()
    t0 = time.perf_counter()
    with db.transaction() as tx:
        ln.load(tx, iter(rows))
    load_s = time.perf_counter() - t0
    result: dict = {"lista_nominal_rows": len(rows), "lista_nominal_load_s": round(load_s, 2),
                    "lista_nominal_load_method": "COPY FROM STDIN" if db.dialect == "postgresql" else "executemany"}
    if db.dialect == "postgresql":  # what one would write without COPY, same rows, a slice
        slice_rows = rows[:100_000]
        scratch = Database(url)
        with scratch.transaction() as tx:
            tx.execute("CREATE TEMP TABLE ln_scratch (LIKE lista_nominal)")
            t0 = time.perf_counter()
            tx.executemany(f"INSERT INTO ln_scratch VALUES ({', '.join('?' * len(ln.COLUMNS))})", slice_rows)
            em_s = time.perf_counter() - t0
        copy_rate = len(rows) / load_s
        result["executemany_rows_per_s"] = round(len(slice_rows) / em_s)
        result["copy_rows_per_s"] = round(copy_rate)
        result["copy_vs_executemany"] = round(copy_rate / (len(slice_rows) / em_s), 1)
    harness = make_harness(tmp / f"h-{name}", url)
    with db.transaction() as tx:
        processes.install(tx, [PROCESS], catalog_version=1)
    device = harness.enroll("bench-kiosk")
    paths = seal_envelopes(harness, device, args.records, args.record_kb, len(rows), tmp / f"env-{name}")
    result["envelope_bytes_mean"] = round(sum(p.stat().st_size for p in paths) / len(paths))
    result["ingest"], result["verify"] = {}, {}
    for workers in (1, 2):
        reset_records(db)
        shutil.rmtree(harness.data_dir / "envelopes", ignore_errors=True)
        harness.start(workers=workers)
        try:
            result["ingest"][f"{workers}_workers"] = run_ingest(harness, device, paths, args.batch, 2 * workers)
        finally:
            harness.stop()
        print(f"  {name} ingest {workers}w: {result['ingest'][f'{workers}_workers']['records_per_s']} rec/s",
              flush=True)
    for workers in (1, 2):
        with db.transaction() as tx:
            tx.execute("UPDATE records SET state = 'pending', outcome = NULL, counts = 0, claimed_by = NULL,"
                       " claimed_at_s = NULL")
            tx.execute("DELETE FROM citizen_supports")
            tx.execute("DELETE FROM review_items")
        result["verify"][f"{workers}_workers"] = run_verify(harness, workers)
        print(f"  {name} verify {workers}w: {result['verify'][f'{workers}_workers']['records_per_s']} rec/s",
              flush=True)
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="small run for development (100 k list, 200 records)")
    ap.add_argument("--ln-rows", type=int, default=1_000_000)
    ap.add_argument("--records", type=int, default=1200)
    ap.add_argument("--record-kb", type=int, default=400)
    ap.add_argument("--batch", type=int, default=25)
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "central.json")
    args = ap.parse_args()
    if args.quick:
        args.ln_rows, args.records = 100_000, 200
    t_start = time.perf_counter()
    t0 = time.perf_counter()
    rows = list(ln.generate(args.ln_rows))
    gen_s = time.perf_counter() - t0
    results: dict = {}
    with tempfile.TemporaryDirectory(prefix="bench-central-") as tmpname:
        tmp = Path(tmpname)
        print("== sqlite", flush=True)
        results["sqlite"] = bench_backend("sqlite", f"sqlite:///{tmp / 'central.db'}", args, tmp, rows)
        print("== postgresql", flush=True)
        with ThrowawayPostgres(durable=True) as pg:
            results["postgresql"] = bench_backend("postgresql", pg.url, args, tmp, rows)
            pg_version = subprocess.run([str(pg.bindir / "postgres"), "--version"], capture_output=True,
                                        text=True).stdout.strip()
    best_verify = max(r["records_per_s"] for b in results.values() for r in b["verify"].values())
    pg_verify_2 = results["postgresql"]["verify"]["2_workers"]["records_per_s"]
    measured = {
        "ingest_sqlite_rps": max(r["records_per_s"] for r in results["sqlite"]["ingest"].values()),
        "ingest_postgresql_rps": max(r["records_per_s"] for r in results["postgresql"]["ingest"].values()),
        "verify_postgresql_2_workers_rps": pg_verify_2,
    }
    days = REVOCACION_2021_RECORDS / pg_verify_2 / 86400
    out = {
        "benchmark": "central", "quick": args.quick,
        "platform": describe_machine(postgresql=pg_version, load_average_at_end=os.getloadavg(),
                                     note="client, server and verifier share the same cores, and this machine's "
                                          "cores with other jobs: see load_average_at_end"),
        "params": {"ln_rows": args.ln_rows, "records": args.records, "record_kb": args.record_kb,
                   "batch": args.batch, "lista_nominal_generate_s": round(gen_s, 2)},
        "results": results,
        "targets": {k: {"target": v, "measured": measured[k], "met": measured[k] >= v} for k, v in TARGETS.items()},
        "revocacion_2021": {
            "records": REVOCACION_2021_RECORDS, "ine_days": REVOCACION_2021_DAYS,
            "rate_used_rps": pg_verify_2, "rate_source": "postgresql, 2 verification workers, this machine",
            "days_needed": round(days, 2), "hours_needed": round(days * 24, 1),
            "fits_in_20_days": days <= REVOCACION_2021_DAYS,
            "rate_needed_for_20_days_rps": round(REVOCACION_2021_RECORDS / (REVOCACION_2021_DAYS * 86400), 2),
            "best_measured_rps": best_verify,
        },
        "wall_s": round(time.perf_counter() - t_start, 1),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps({"targets": out["targets"], "revocacion_days": out["revocacion_2021"]["days_needed"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
