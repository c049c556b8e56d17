"""Benchmark of the card checks on cards the cues were not tuned on → section 'varied_cards' of
bench/results/document.json.

Scenes come from ``kiosk.dev.synth.varied`` (a generator independent of ``kiosk.dev.synth.card``/``scene``) under its
REPORT seeds only (``kiosk.dev.synth.varied.cells.REPORT_SEEDS``; calibration never sees them). Each case is a
synthetic citizen's card, front and back, in one cell design × tint × cast × attack, and goes through the
kiosk's own card capture (``VisionAdapter.new_capture(...).analyse_still``: ``analyse_front``,
``analyse_back`` and ``check_pair``, what ``python -m kiosk read-card --front F --back B --json`` runs, plus
the kiosk's refusal policy, and the white balance the scene's camera reports when the capture takes it) with one
still per side taken as the last (so a cue that fires refuses at once; the
kiosk asks for a second still before refusing, so these rates are an upper bound for refusals).

Per case, the kiosk's outcome:
* ``refused``: a side refused by a fraud cue (photocopy/screen/blank) or the pair refused as mismatched;
* ``review``: both sides accepted, with a fraud flag on the record (for central's review queue);
* ``not_accepted``: no fraud refusal, but a side was not accepted (MRZ unread, no face found, card cut...);
* ``accepted``: both sides accepted, no flag.
Attacks are "caught" when refused or sent to review. A wrong MRZ accepted (any accepted field differing from
the citizen's) must never happen.

Sizes: ``BENCH_VARIED_GENUINE`` genuine cases per cell (80 cells, default 3), ``BENCH_VARIED_ATTACK`` cases per
attack kind spread over the cells (default 40), ``BENCH_VARIED_FRAMING`` genuine cases per framing
('tight' and 'cut', default 30). ``--quick``: 1 genuine case in each of 16 cells, 6 per attack, 6 per framing
(~2 min). The full run is ~10 min on 2 idle cores. Rates come with Wilson 95 % intervals: per cell n is small,
so a cell's rate says where to look, and the marginals (per design, tint, cast, typeface) carry the confidence.

Run from the repository root: ``.venv/bin/python bench/bench_document_varied.py [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing as mp
import os
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import cv2

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.environment import describe_machine  # noqa: E402
from kiosk.dev.synth.varied import cells as vcells  # noqa: E402
from kiosk.dev.synth.varied.cases import TODAY, make_case  # noqa: E402

RESULT = REPO / "bench" / "results" / "document.json"
SECTION = "varied_cards"
SEED = vcells.REPORT_SEEDS[0]
ATTACKS = tuple(a for a in vcells.ATTACKS if a != "genuine")
FIELDS_COMPARED = ("cic", "identificador", "seccion", "birth_date", "sex", "surname_paternal", "surname_maternal",
                   "given_names")


def _adapters_module():
    try:  # after the restructure (issue 14) the adapters live in kiosk.runtime
        from kiosk.runtime import adapters
    except ImportError:
        from kiosk import adapters
    return adapters


_WORKER: dict[str, Any] = {}


def _worker() -> dict[str, Any]:
    if not _WORKER:
        from kiosk.clock import SystemClock
        from kiosk.config import load_config
        from kiosk.face.detector import FaceDetector

        adapters = _adapters_module()
        cfg = load_config(env={})
        detector = FaceDetector(threads=1)
        _WORKER.update(cfg=cfg, adapter=adapters.VisionAdapter(cfg, SystemClock(), detector.detect, lambda: TODAY),
                       fraud_reasons=frozenset(adapters.REFUSING_FRAUD.values()) | {"card.pair_mismatch"},
                       detector=detector)
    return _WORKER


def _truth_fields(mrz_lines: list[str]) -> dict[str, str]:
    """The fields the kiosk should accept: the true MRZ parsed the kiosk's way (an MRZ cannot say where a
    compound surname ends, and truncates long names, so the citizen's own record is not the yardstick)."""
    from kiosk.credential.mrz import parse_td1
    from kiosk.store.record import mrz_to_text

    return mrz_to_text(parse_td1(mrz_lines, today=TODAY).fields)


def _norm(value: Any) -> str:
    import unicodedata

    text = unicodedata.normalize("NFKD", str(value or "")).encode("ascii", "ignore").decode()
    return " ".join(text.upper().replace("-", " ").split())


def _analyse(capture: Any, still: Any, metadata: dict[str, Any] | None) -> Any:
    """One still through the capture, with the white balance the camera reported (picamera2-style metadata in
    the case's label; None for a camera that reports none) when the kiosk's capture takes one."""
    import inspect

    try:
        from kiosk.camera.base import WhiteBalance
    except ImportError:  # a kiosk without white-balance-aware cues
        return capture.analyse_still(still, 1, True)
    if "white_balance" not in inspect.signature(capture.analyse_still).parameters:
        return capture.analyse_still(still, 1, True)
    return capture.analyse_still(still, 1, True, white_balance=WhiteBalance.from_metadata(metadata))


def run_case(job: tuple[str, str, str, int]) -> dict[str, Any]:
    """One case through the kiosk's card capture; returns a JSON-able row (no images, no personal data)."""
    cell_key, _, _, index = job
    cell = vcells.Cell.parse(cell_key)
    w = _worker()
    t0 = time.perf_counter()
    case = make_case(SEED, index, cell)
    t_gen = time.perf_counter() - t0
    adapter, fraud_reasons = w["adapter"], w["fraud_reasons"]
    front_v = _analyse(adapter.new_capture("front", None), case.front, case.label["front"]["metadata"])
    front_ctx = front_v.context
    back_v = _analyse(adapter.new_capture("back", front_ctx), case.back, case.label["back"]["metadata"])
    t_an = time.perf_counter() - t0 - t_gen
    fr, br = front_v.reading, back_v.reading
    row: dict[str, Any] = {"cell": cell.key, "design": cell.design, "tint": cell.tint, "cast": cell.cast,
                           "attack": cell.attack, "framing": cell.framing, "index": index,
                           "typeface": case.label["style"]["typeface"],
                           "is_held_out_typeface": case.label["style"]["typeface"] in vcells_held_out(),
                           "desk": case.label["front"]["desk"], "camera": case.label["front"]["cast"]["camera"],
                           "lamp_kelvin": case.label["front"]["cast"]["lamp_kelvin"],
                           "tint_saturation": case.label["style"]["tint_saturation"],
                           "guilloche_grey": case.label["style"]["guilloche"]["is_grey"],
                           "guilloche_spacing_mm": case.label["style"]["guilloche"]["spacing_mm"]}
    row["front_reason"] = None if fr is None else fr.refusal_reason
    row["front_flags"] = [] if fr is None else list(fr.fraud_flags)
    row["front_accepted"] = fr is not None and fr.refusal_reason is None and front_ctx is not None
    row["back_reason"] = None if br is None else br.refusal_reason
    row["back_flags"] = [] if br is None else list(br.fraud_flags)
    row["back_read"] = bool(br is not None and br.fields)
    row["back_accepted"] = bool(row["back_read"] and br.refusal_reason is None)
    pair = {} if br is None else dict(br.details.get("pair", {}))
    text = pair.get("front_text") or {}
    row["front_text_verdict"] = text.get("verdict") if isinstance(text, dict) else None
    # A wrong MRZ accepted: an accepted back whose fields are not the card's citizen's.
    wrong = False
    if row["back_read"]:
        truth = _truth_fields(case.label["mrz_lines"])
        wrong = any(_norm(br.fields.get(k)) != _norm(truth[k]) for k in FIELDS_COMPARED)
    row["wrong_mrz_accepted"] = bool(wrong and row["back_accepted"])
    row["wrong_mrz_read"] = bool(wrong)
    is_refused = row["front_reason"] in fraud_reasons or row["back_reason"] in fraud_reasons
    flags = set(row["front_flags"]) | set(row["back_flags"])
    if is_refused:
        outcome = "refused"
    elif not (row["front_accepted"] and row["back_accepted"]):
        outcome = "not_accepted"
    elif flags:
        outcome = "review"
    else:
        outcome = "accepted"
    row["outcome"] = outcome
    row["pair_flagged"] = bool({"front_text_mismatch", "front_back_mismatch"} & flags) or \
        row["back_reason"] == "card.pair_mismatch"
    row["refused_by"] = sorted({f for f in flags if f in _adapters_module().REFUSING_FRAUD}) if is_refused else []
    row["gen_s"], row["analysis_s"] = round(t_gen, 3), round(t_an, 3)
    return row


def vcells_held_out() -> tuple[str, ...]:
    from kiosk.dev.synth.varied.typefaces import HELD_OUT

    return HELD_OUT


def jobs(genuine_per_cell: int, per_attack: int, per_framing: int, quick: bool) -> list[tuple[str, str, str, int]]:
    grid = vcells.cells(("genuine",))
    out: list[tuple[str, str, str, int]] = []
    genuine_cells = grid[::5] if quick else grid
    for k in range(genuine_per_cell):
        out += [(c.key, "genuine", "inside", k) for c in genuine_cells]
    for a_i, attack in enumerate(ATTACKS):
        for j in range(per_attack):
            # Spread each attack over the cells, a different stride per attack so the cells mix.
            c = grid[(j * 7 + a_i * 11) % len(grid)]
            cell = vcells.Cell(c.design, c.tint, c.cast, attack)
            out.append((cell.key, attack, "inside", j // len(grid)))
    for framing in ("tight", "cut"):
        for j in range(per_framing):
            c = grid[(j * 13 + (3 if framing == "cut" else 0)) % len(grid)]
            cell = vcells.Cell(c.design, c.tint, c.cast, "genuine", framing)
            out.append((cell.key, "genuine", framing, j // len(grid)))
    return out


def wilson(k: int, n: int, z: float = 1.96) -> list[float] | None:
    """95 % Wilson score interval of k successes in n."""
    if n == 0:
        return None
    p = k / n
    d = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / d
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return [round(max(0.0, centre - half), 4), round(min(1.0, centre + half), 4)]


def _counts(rows: list[dict[str, Any]]) -> dict[str, Any]:
    n = len(rows)
    c = {o: sum(1 for r in rows if r["outcome"] == o) for o in ("refused", "review", "not_accepted", "accepted")}
    caught = c["refused"] + c["review"]
    return {"n": n, **c,
            "refused_rate": round(c["refused"] / n, 4) if n else None, "refused_ci95": wilson(c["refused"], n),
            "caught_rate": round(caught / n, 4) if n else None, "caught_ci95": wilson(caught, n),
            "wrong_mrz_accepted": sum(1 for r in rows if r["wrong_mrz_accepted"]),
            "refused_by": dict(sorted(_tally(f for r in rows for f in r["refused_by"]).items())),
            "not_accepted_reasons": dict(sorted(_tally(
                (r["front_reason"] or ("front:not_accepted" if not r["front_accepted"] else None)) if not
                r["front_accepted"] else (r["back_reason"] or ("back:mrz_unread" if not r["back_read"] else None))
                for r in rows if r["outcome"] == "not_accepted").items()))}


def _tally(items: Any) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for it in items:
        if it is not None:
            out[str(it)] += 1
    return dict(out)


def _by(rows: list[dict[str, Any]], key: str) -> dict[str, Any]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        groups[str(r[key])].append(r)
    return {k: _counts(v) for k, v in sorted(groups.items())}


def summarise(rows: list[dict[str, Any]], runtime_s: float, quick: bool) -> dict[str, Any]:
    genuine = [r for r in rows if r["attack"] == "genuine" and r["framing"] == "inside"]
    attacks = {a: [r for r in rows if r["attack"] == a] for a in ATTACKS}
    mixed = attacks["mixed_pair"]
    genuine_pairs_called_mixed = sum(1 for r in genuine if r["pair_flagged"])
    per_cell = {}
    for r in rows:
        per_cell.setdefault(r["cell"], []).append(r)
    cell_table = {k: {kk: v[kk] for kk in ("n", "refused", "review", "not_accepted", "accepted",
                                            "wrong_mrz_accepted")}
                  for k, v in ((k, _counts(rs)) for k, rs in sorted(per_cell.items()))}
    failing_genuine_cells = sorted(k for k, v in cell_table.items()
                                   if k.endswith("/genuine") and v["refused"] > 0)
    tight = [r for r in rows if r["framing"] == "tight"]
    cut = [r for r in rows if r["framing"] == "cut"]
    kg = sum(1 for r in genuine if r["outcome"] == "refused")
    headline = {
        "genuine_refused": {"k": kg, "n": len(genuine), "rate": round(kg / len(genuine), 4) if genuine else None,
                            "ci95": wilson(kg, len(genuine)), "target_le": 0.01,
                            "cells_with_a_refusal": len(failing_genuine_cells),
                            "cells": len({r["cell"] for r in genuine})},
        "grey_photocopy_caught": _counts(attacks["grey_photocopy"])["caught_rate"],
        "phone_replay_caught": _counts(attacks["phone_replay"])["caught_rate"],
        "monitor_replay_caught": _counts(attacks["monitor_replay"])["caught_rate"],
        "targets_copies_screens_caught_ge": 0.95,
        "mixed_pairs_caught": _counts(mixed)["caught_rate"],
        "mixed_pairs_caught_by_pair_check": round(sum(1 for r in mixed if r["pair_flagged"]) / len(mixed), 4)
        if mixed else None,
        "target_mixed_caught_ge": 0.90,
        "genuine_pairs_called_mixed": {"k": genuine_pairs_called_mixed, "n": len(genuine),
                                       "ci95": wilson(genuine_pairs_called_mixed, len(genuine)),
                                       "target_le": 0.01},
        "wrong_mrz_accepted": sum(1 for r in rows if r["wrong_mrz_accepted"]),
        "target_wrong_mrz_accepted": 0,
    }
    return {
        "what": "kiosk card checks (VisionAdapter: analyse_front/analyse_back/check_pair + refusal policy) on "
                "kiosk.dev.synth.varied scenes, report seeds only, one still per side taken as the last",
        "seed": SEED, "seed_purpose": vcells.seed_purpose(SEED), "today_for_vigencia": TODAY.isoformat(),
        "quick": quick,
        "machine": describe_machine(load_avg_at_end=[round(v, 2) for v in os.getloadavg()]),
        "runtime_s": round(runtime_s, 1), "n_cases": len(rows),
        "seconds_per_case_median": {"generate": _median([r["gen_s"] for r in rows]),
                                    "analyse": _median([r["analysis_s"] for r in rows])},
        "headline": headline,
        "genuine": {"all": _counts(genuine), "by_design": _by(genuine, "design"), "by_tint": _by(genuine, "tint"),
                    "by_cast": _by(genuine, "cast"), "by_typeface": _by(genuine, "typeface"),
                    "by_desk": _by(genuine, "desk"), "by_guilloche_grey": _by(genuine, "guilloche_grey"),
                    "by_guilloche_spacing_mm": _by(genuine, "guilloche_spacing_mm"),
                    "front_text_verdicts": _tally(r["front_text_verdict"] for r in genuine),
                    "cells_with_a_refusal": failing_genuine_cells},
        "attacks": {a: {"all": _counts(rs), "by_design": _by(rs, "design"), "by_tint": _by(rs, "tint"),
                        "by_cast": _by(rs, "cast")} for a, rs in attacks.items()},
        "mixed_pairs": {"by_typeface": _by(mixed, "typeface"), "by_held_out_typeface": _by(mixed,
                                                                                           "is_held_out_typeface"),
                        "front_text_verdicts": _tally(r["front_text_verdict"] for r in mixed)},
        "framing": {"tight_whole_card": {**_counts(tight),
                                         "told_move_into_frame": sum(1 for r in tight if "move_into_frame" in
                                                                     str(r["back_reason"]) + str(r["front_reason"]))},
                    "cut_by_frame": _counts(cut)},
        "per_cell": cell_table,
        "confidence_note": "Per-cell n is 1-3 at the default sizes: a cell's count only says where to look. The "
                           "marginals and the headline carry the confidence (Wilson 95 % intervals); with 0 "
                           "refusals in n genuine cases the upper bound is about 3.7/n.",
    }


def _median(values: list[float]) -> float | None:
    if not values:
        return None
    s = sorted(values)
    return round(s[len(s) // 2], 3)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small run (~2 min) to see the shape of the table")
    args = parser.parse_args(argv)
    if args.quick:
        sizes = (1, 6, 6)
    else:
        sizes = (int(os.environ.get("BENCH_VARIED_GENUINE", "3")), int(os.environ.get("BENCH_VARIED_ATTACK", "40")),
                 int(os.environ.get("BENCH_VARIED_FRAMING", "30")))
    work = jobs(*sizes, quick=args.quick)
    t0 = time.perf_counter()
    cv2.setNumThreads(1)
    with mp.get_context("fork").Pool(processes=max(1, min(2, os.cpu_count() or 1))) as pool:
        rows = pool.map(run_case, work, chunksize=2)
    section = summarise(rows, time.perf_counter() - t0, args.quick)
    section["sizes"] = {"genuine_per_cell": sizes[0], "per_attack": sizes[1], "per_framing": sizes[2]}
    data: dict[str, Any] = {}
    if RESULT.is_file():
        data = json.loads(RESULT.read_text(encoding="utf-8"))
    data[SECTION] = section
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(section["headline"], indent=1))
    print(json.dumps({k: v["all"] for k, v in section["attacks"].items()}, indent=None)[:3000])
    print(f"wrote section {SECTION!r} of {RESULT} in {section['runtime_s']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
