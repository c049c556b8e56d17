"""Progress reports: per process and aspirant, counts by outcome and per day, progress against the legal
threshold with its distribution rule (FACTS §4), and totals per process type.

A threshold rule (the process entry's ``threshold``)::

    {"percent": 1.0,                      # of the base within the process's ámbito …
     "base": "lista_nominal" | "padron",  # … vigentes, or vigentes + no vigentes (the padrón)
     "absolute": 5000,                    # or a fixed number instead of a percent
     "distribution": {"unit": "entidad" | "distrito" | "seccion", "min_units": 17 | "half",
                      "unit_percent": 1.0 | "unit_absolute": 1}}

e.g. President: 1 % of the LN from ≥ 17 entidades with ≥ 1 % each; federal deputy: 2 % of the district from at
least half of its secciones with ≥ 1 % each. Only records that count are counted.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from typing import Any

from central import outcomes
from central import processes as procs
from central.db import Transaction

UNIT_COLUMN = {"entidad": "entidad", "distrito": "distrito", "seccion": "seccion"}


def _ambito_where(process: procs.Process) -> tuple[str, list[Any]]:
    level = process.ambito.get("level", "nacional")
    where, params = [], []
    for key in ("entidad", "distrito", "seccion"):
        if key in procs.AMBITO_LEVELS[1:procs.AMBITO_LEVELS.index(level) + 1]:
            where.append(f"{key} = ?")
            params.append(process.ambito[key])
    return (" AND " + " AND ".join(where)) if where else "", params


def _unit_key(unit: str) -> str:
    # districts are numbered within an entidad and secciones within an entidad: key units by entidad too
    return "entidad" if unit == "entidad" else f"entidad, {UNIT_COLUMN[unit]}"


def threshold_progress(tx: Transaction, process: procs.Process, aspirant_id: str) -> dict[str, Any] | None:
    rule = process.threshold
    if not rule:
        return None
    amb_sql, amb_params = _ambito_where(process)
    situaciones = "('vigente', 'no_vigente')" if rule.get("base") == "padron" else "('vigente')"
    base = int(tx.scalar(f"SELECT COUNT(*) FROM lista_nominal WHERE situacion IN {situaciones}{amb_sql}",
                         amb_params))
    required = int(rule["absolute"]) if "absolute" in rule else math.ceil(base * float(rule["percent"]) / 100)
    valid = int(tx.scalar("SELECT COUNT(*) FROM records WHERE process_id = ? AND aspirant_id = ? AND counts = 1",
                          (process.process_id, aspirant_id)))
    out: dict[str, Any] = {"base": rule.get("base", "lista_nominal"), "base_count": base, "required": required,
                           "valid": valid, "percent_of_required": round(100 * valid / required, 2) if required else None,
                           "total_met": valid >= required}
    dist = rule.get("distribution")
    met = out["total_met"]
    if dist:
        unit = dist["unit"]
        key = _unit_key(unit)
        bases = {tuple(r[:-1]): r[-1] for r in tx.all(
            f"SELECT {key}, COUNT(*) FROM lista_nominal WHERE situacion IN {situaciones}{amb_sql} GROUP BY {key}",
            amb_params)}
        got = {tuple(r[:-1]): r[-1] for r in tx.all(
            f"SELECT {key}, COUNT(*) FROM records WHERE process_id = ? AND aspirant_id = ? AND counts = 1"
            f" GROUP BY {key}", (process.process_id, aspirant_id))}
        units_met = 0
        for u, n in bases.items():
            need = int(dist["unit_absolute"]) if "unit_absolute" in dist else \
                math.ceil(n * float(dist.get("unit_percent", 0)) / 100)
            units_met += got.get(u, 0) >= max(need, 1)
        min_units = math.ceil(len(bases) / 2) if dist.get("min_units") == "half" else int(dist["min_units"])
        out["distribution"] = {"unit": unit, "units_in_ambito": len(bases), "units_required": min_units,
                               "units_met": units_met, "met": units_met >= min_units,
                               "unit_percent": dist.get("unit_percent"), "unit_absolute": dist.get("unit_absolute")}
        met = met and units_met >= min_units
    out["met"] = met
    return out


def process_report(tx: Transaction, process: procs.Process) -> dict[str, Any]:
    by = tx.all("SELECT aspirant_id, COALESCE(outcome, state), COUNT(*) FROM records WHERE process_id = ?"
                " GROUP BY aspirant_id, COALESCE(outcome, state)", (process.process_id,))
    days = tx.all("SELECT aspirant_id, captured_wall_s FROM records WHERE process_id = ? AND counts = 1",
                  (process.process_id,))
    aspirants: dict[str, Any] = {a: {"name": n, "by_outcome": {}, "per_day": {}} for a, n in process.aspirants.items()}
    for aid, code, n in by:
        aspirants.setdefault(aid, {"name": aid, "by_outcome": {}, "per_day": {}})["by_outcome"][code] = n
    for aid, at_s in days:
        day = dt.datetime.fromtimestamp(at_s, procs.MEXICO_CITY).date().isoformat()
        per = aspirants[aid]["per_day"]
        per[day] = per.get(day, 0) + 1
    for aid, entry in aspirants.items():
        entry["received"] = sum(entry["by_outcome"].values())
        entry["valid"] = entry["by_outcome"].get("en_lista_nominal", 0)
        entry["per_day"] = dict(sorted(entry["per_day"].items()))
        entry["threshold"] = threshold_progress(tx, process, aid)
    return {"process_id": process.process_id, "kind": process.kind, "title": process.title,
            "ambito": process.ambito, "aspirants": aspirants}


def full_report(tx: Transaction) -> dict[str, Any]:
    reports = [process_report(tx, p) for p in procs.all_processes(tx)]
    by_kind: dict[str, dict[str, int]] = {}
    for r in reports:
        k = by_kind.setdefault(r["kind"], {"processes": 0, "received": 0, "valid": 0})
        k["processes"] += 1
        for a in r["aspirants"].values():
            k["received"] += a["received"]
            k["valid"] += a["valid"]
    return {"generated_at_s": dt.datetime.now(dt.UTC).timestamp(), "processes": reports, "totals_by_kind": by_kind,
            "outcome_labels": {o: outcomes.get(o).label for o in outcomes.CODES}}


def to_csv(report: dict[str, Any]) -> str:
    """One row per process, aspirant and outcome (plus the threshold columns)."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["process_id", "kind", "aspirant_id", "outcome", "records", "valid", "required", "threshold_met"])
    for p in report["processes"]:
        for aid, a in p["aspirants"].items():
            t = a["threshold"] or {}
            for code, n in sorted(a["by_outcome"].items()) or [("", 0)]:
                w.writerow([p["process_id"], p["kind"], aid, code, n, a["valid"], t.get("required", ""),
                            t.get("met", "")])
    return buf.getvalue()
