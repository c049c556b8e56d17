"""Benchmark of kiosk.credential → bench/results/credential.json.

Side by side, in the same run, on the same synthetic data, with what a user would otherwise pick:
* CURP validation: ours vs python-stdnum ``stdnum.mx.curp.is_valid`` (throughput and agreement);
* INE TD1 MRZ parsing with check digits: ours vs PassportEye's ``passporteye.mrz.text.MRZ`` (throughput and
  agreement of the four check-digit verdicts), on valid and corrupted MRZs.

Run from the repository root: ``.venv/bin/python bench/bench_credential.py``.
"""

from __future__ import annotations

import json
import random
import sys
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.environment import describe_machine  # noqa: E402
from kiosk.credential.citizen import generate_citizen, mrz_lines  # noqa: E402
from kiosk.credential.curp import validate_curp  # noqa: E402
from kiosk.credential.mrz import parse_td1  # noqa: E402
from kiosk.errors import InvalidField  # noqa: E402

RESULT = REPO / "bench" / "results" / "credential.json"
TODAY = date(2026, 12, 31)


def _rate(fn, items, repeat=3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        for x in items:
            fn(x)
        best = min(best, time.perf_counter() - t)
    return len(items) / best


def _ours_curp(s: str) -> bool:
    try:
        validate_curp(s)
    except InvalidField:
        return False
    return True


def _corrupt_line(lines, rng):
    i = rng.randrange(2)
    line = lines[i]
    pos = rng.randrange(30)
    if line[pos].isdigit():
        line = line[:pos] + str((int(line[pos]) + rng.randrange(1, 10)) % 10) + line[pos + 1:]
    out = list(lines)
    out[i] = line
    return tuple(out)


def main() -> int:
    rng = random.Random(1)
    citizens = [generate_citizen(rng) for _ in range(5000)]
    curps = [c.curp for c in citizens]
    curps += [c[:5] + str((int(c[5]) + 1) % 10) + c[6:] for c in curps]  # half corrupted
    from stdnum.mx import curp as stdnum_curp

    ours_rate = _rate(_ours_curp, curps)
    theirs_rate = _rate(stdnum_curp.is_valid, curps)
    curp_agree = sum(_ours_curp(c) == stdnum_curp.is_valid(c) for c in curps)

    mrzs = [mrz_lines(c) for c in citizens[:3000]]
    mrzs += [_corrupt_line(m, rng) for m in mrzs]

    def ours_mrz(lines):
        try:
            p = parse_td1(lines, today=TODAY)
        except InvalidField:
            return None
        return (p.checks["cic"], p.checks["birth_date"], p.checks["expiry_date"], p.checks["composite"])

    result: dict = {
        "machine": describe_machine(),
        "curp_validation": {
            "n": len(curps), "ours_per_s": round(ours_rate), "stdnum_per_s": round(theirs_rate),
            "speed_ratio_ours_over_stdnum": round(ours_rate / theirs_rate, 2), "agreement": curp_agree / len(curps),
        },
    }
    try:
        from passporteye.mrz.text import MRZ

        def theirs_mrz(lines):
            m = MRZ(list(lines))
            return (m.valid_number, m.valid_date_of_birth, m.valid_expiration_date, m.valid_composite)

        agree = sum(ours_mrz(m) == theirs_mrz(m) for m in mrzs)
        # Our parser raises InvalidField on impossible dates (e.g. month 13) where PassportEye only reports the
        # date's check digit as failed: the verdicts differ in form, but both reject. Acceptance must agree.
        accept_agree = sum((ours_mrz(m) is not None and all(ours_mrz(m))) == all(theirs_mrz(m)) for m in mrzs)
        result["mrz_parse"] = {
            "n": len(mrzs), "ours_per_s": round(_rate(ours_mrz, mrzs)),
            "passporteye_per_s": round(_rate(theirs_mrz, mrzs)),
            "check_verdict_agreement": agree / len(mrzs),
            "accept_reject_agreement": accept_agree / len(mrzs),
            "note": "verdicts differ only where we raise InvalidField for an impossible date; both reject",
        }
        result["mrz_parse"]["speed_ratio_ours_over_passporteye"] = round(
            result["mrz_parse"]["ours_per_s"] / result["mrz_parse"]["passporteye_per_s"], 2)
    except ImportError:
        result["mrz_parse"] = {"skipped": "passporteye not installed (pip install -e .[bench])",
                               "ours_per_s": round(_rate(ours_mrz, mrzs))}
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
