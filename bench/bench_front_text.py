"""Benchmark of the front-text vs MRZ check (kiosk.vision.front_text) → bench/results/front_text.json.

Fraud cue "front and back from different cards". On synthetic SPECIMEN samples from kiosk.dev.synth.dataset
(seed 9032: used neither by the tests nor by the document benchmark's 9031; development used seed 4242), per
difficulty (easy / normal / hard, ``BENCH_FRONT_N`` samples each, default 100):

* the front scene (1600×1200) goes through ``analyse_front`` (detection, rectification), then
  ``compare_front_to_mrz`` runs on the rectified front with the MRZ of the same sample (genuine pair) and with the
  MRZ of the next sample of the same difficulty (swapped pair: a front and a back from different cards);
* the MRZ given is the sample's true MRZ parsed, i.e. what an accepted back read gives (the MRZ reader has 0
  false accepts on its own benchmark);
* reported: genuine pairs' mismatch rate (false fraud flags, target ≤ 1 %) and 'unreadable' rate, swapped
  pairs' mismatch (detection) rate, per-field verdict counts, and ms per check (median / p95 of the check alone,
  wall, measured in the worker processes, and sequentially in this process on ``BENCH_FRONT_TIMING`` fronts).

Run from the repository root: ``.venv/bin/python bench/bench_front_text.py`` (about 2-3 min on 2 idle cores;
``BENCH_FRONT_N=30`` for a quick look).
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import random
import sys
import time
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import cv2
import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.environment import describe_machine  # noqa: E402
from kiosk.credential.citizen import generate_citizen, mrz_lines  # noqa: E402
from kiosk.credential.mrz import parse_td1  # noqa: E402
from kiosk.dev.synth.dataset import generate_sample  # noqa: E402
from kiosk.vision.document import analyse_front  # noqa: E402
from kiosk.vision.front_text import compare_front_to_mrz  # noqa: E402

RESULT = REPO / "bench" / "results" / "front_text.json"
SEED = 9032
TODAY = date(2026, 6, 1)
DIFFICULTIES = ("easy", "normal", "hard")
N = int(os.environ.get("BENCH_FRONT_N", "100"))
N_TIMING = int(os.environ.get("BENCH_FRONT_TIMING", "20"))


def _case(args: tuple[str, int]) -> dict[str, Any]:
    difficulty, index = args
    sample = generate_sample(SEED, index, difficulty)
    # The next sample's citizen, drawn as generate_sample draws it (first use of its rng), without rendering it.
    other = SimpleNamespace(citizen=generate_citizen(random.Random(f"kiosk-synth:{SEED}:{(index + 1) % N}")))
    front = analyse_front(sample.front_scene)
    out: dict[str, Any] = {"difficulty": difficulty, "index": index, "model": sample.citizen.model.value,
                           "front_guidance": front.guidance, "has_rectified": front.rectified is not None,
                           "same_birth_date": sample.citizen.birth_date == other.citizen.birth_date}
    for kind, citizen in (("genuine", sample.citizen), ("swapped", other.citizen)):
        parse = parse_td1(mrz_lines(citizen), TODAY)
        if front.rectified is None:
            out[kind] = {"verdict": "unreadable", "fields": {}, "ms": None}
            continue
        t0 = time.perf_counter()
        check = compare_front_to_mrz(front.rectified, parse)
        ms = (time.perf_counter() - t0) * 1000.0
        out[kind] = {"verdict": check.verdict, "fields": {k: f.verdict for k, f in check.fields.items()},
                     "ms": round(ms, 1)}
    return out


def _rate(items: list[bool]) -> float | None:
    return round(sum(1 for x in items if x) / len(items), 4) if items else None


def _pct(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 1) if values else None


def _counts(rows: list[dict[str, Any]], kind: str) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for r in rows:
        for field, verdict in r[kind]["fields"].items():
            out.setdefault(field, {})
            out[field][verdict] = out[field].get(verdict, 0) + 1
    return out


def _summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    swapped = [r for r in rows if not r["same_birth_date"]]
    times = [r[k]["ms"] for r in rows for k in ("genuine", "swapped") if r[k]["ms"] is not None]
    return {
        "n": len(rows),
        "front_not_rectified": sum(1 for r in rows if not r["has_rectified"]),
        "genuine": {"mismatch_rate": _rate([r["genuine"]["verdict"] == "mismatch" for r in rows]),
                    "match_rate": _rate([r["genuine"]["verdict"] == "match" for r in rows]),
                    "unreadable_rate": _rate([r["genuine"]["verdict"] == "unreadable" for r in rows]),
                    "false_flags": [r["index"] for r in rows if r["genuine"]["verdict"] == "mismatch"],
                    "field_verdicts": _counts(rows, "genuine")},
        "swapped": {"n": len(swapped), "mismatch_rate": _rate([r["swapped"]["verdict"] == "mismatch" for r in swapped]),
                    "match_rate": _rate([r["swapped"]["verdict"] == "match" for r in swapped]),
                    "unreadable_rate": _rate([r["swapped"]["verdict"] == "unreadable" for r in swapped]),
                    "field_verdicts": _counts(swapped, "swapped")},
        "check_ms_in_workers": {"median": _pct(times, 50), "p95": _pct(times, 95)},
    }


def main() -> int:
    t_start = time.perf_counter()
    cv2.setNumThreads(1)
    jobs = [(d, i) for d in DIFFICULTIES for i in range(N)]
    ctx = mp.get_context("fork")
    with ctx.Pool(processes=max(1, min(2, os.cpu_count() or 1))) as pool:
        rows = pool.map(_case, jobs, chunksize=4)
    per = {d: _summarise([r for r in rows if r["difficulty"] == d]) for d in DIFFICULTIES}

    # Timing of the check alone, sequential in this process (the workers shared the cores).
    fronts = []
    for i in range(N_TIMING):
        s = generate_sample(SEED, i, "normal")
        res = analyse_front(s.front_scene)
        if res.rectified is not None:
            fronts.append((res.rectified, parse_td1(mrz_lines(s.citizen), TODAY)))
    walls, cpus = [], []
    if fronts:
        compare_front_to_mrz(*fronts[0])  # warm-up: atlas, template caches
    for rect, parse in fronts:
        t0, c0 = time.perf_counter(), time.process_time()
        compare_front_to_mrz(rect, parse)
        walls.append((time.perf_counter() - t0) * 1000.0)
        cpus.append((time.process_time() - c0) * 1000.0)

    result = {
        "what": "front text (birth date, names, sex) vs MRZ on synthetic SPECIMEN fronts (kiosk.synth), seed 9032",
        "machine": describe_machine(load_avg_at_end=os.getloadavg()),
        "n_per_difficulty": N,
        "per_difficulty": per,
        "timing_sequential": {"n": len(walls), "wall_median_ms": _pct(walls, 50), "wall_p95_ms": _pct(walls, 95),
                              "cpu_median_ms": _pct(cpus, 50), "cpu_p95_ms": _pct(cpus, 95)},
        "targets": {"genuine_mismatch_rate_le": 0.01, "swapped_mismatch_rate": "as high as possible; "
                    "'unreadable' never flags"},
        "notes": "Synthetic fronts only (DejaVu type). Real INE fronts use another typeface: the decisions are "
                 "relative (MRZ string vs other strings in the same font) but re-validate on real fronts.",
        "runtime_s": round(time.perf_counter() - t_start, 1),
    }
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps({k: result[k] for k in ("per_difficulty", "timing_sequential")}, indent=1)[:5000])
    print(f"wrote {RESULT} in {result['runtime_s']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
