"""``python -m kiosk store stats|verify|purge``: the sealed record store from a technician's shell.

Prints counts, sizes, folios of damaged records and audit entry numbers only: never citizen data.
Exit status: 0 fine, 1 verification found problems, 2 configuration, key or storage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from kiosk.errors import ConfigError, KioskError


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m kiosk store", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("action", choices=("stats", "verify", "purge"),
                   help="stats: counts per state, bytes, free space, oldest unsynced age; "
                        "verify: every envelope signature, receipts, the signed audit chain and its end, and "
                        "the records against the audit log (deleted records, gaps); "
                        "purge: delete envelopes synced longer ago than store.purge_grace_days")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--data-dir", help="data directory (default: device.data_dir from the configuration)")
    p.add_argument("--config", help="TOML configuration file (default /etc/apoyo-kiosk/kiosk.toml)")
    p.add_argument("--dev", action="store_true",
                   help="a development data directory: trust its DEVELOPMENT central keys (never on a real kiosk)")
    return p


def _fmt_age(age_s: float | None) -> str:
    if age_s is None:
        return "none"
    if age_s < 3600:
        return f"{age_s / 60:.0f} min"
    if age_s < 86400 * 2:
        return f"{age_s / 3600:.1f} h"
    return f"{age_s / 86400:.1f} days"


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    from kiosk.clock import SystemClock
    from kiosk.config import load_config
    from kiosk.store.db import RecordStore
    from kiosk.store.keys import load_keys

    try:
        device: dict[str, object] = {"data_dir": args.data_dir} if args.data_dir else {}
        if args.dev:
            device["dev_mode"] = True
        cfg = load_config(args.config, overrides={"device": device} if device else None)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    data_dir = Path(cfg.device.data_dir)
    if not (data_dir / "store").is_dir():
        print(f"no record store under {data_dir} (nothing captured yet, or wrong --data-dir)", file=sys.stderr)
        return 2
    try:
        keys = None
        if args.action != "stats":
            keys = load_keys(data_dir, pins_path=cfg.store.central_public_key or None,
                             allow_development=cfg.device.dev_mode)
        with RecordStore(data_dir, cfg.store, SystemClock(), keys, create=False) as store:
            if args.action == "stats":
                out = store.stats().as_dict()
                text = ["records: " + ", ".join(f"{k} {v}" for k, v in out["counts"].items()),
                        f"sealed envelopes: {out['envelope_bytes'] / 1e6:.1f} MB, database files "
                        f"{out['db_bytes'] / 1e6:.1f} MB, free {out['free_mb']:.0f} MB",
                        f"oldest unsynced record: {_fmt_age(out['oldest_unsynced_age_s'])}",
                        f"audit entries: {out['audit_entries']}, schema {out['schema_version']}"]
                status = 0
            elif args.action == "verify":
                report = store.verify()
                out = report.as_dict()
                text = [f"{'OK' if report.is_ok else 'PROBLEMS FOUND'}: {report.records_checked} records checked",
                        f"database integrity: {'ok' if report.is_db_intact else '; '.join(report.db_problems)}",
                        f"damaged records (folios): {', '.join(report.bad_folios) or 'none'}",
                        f"records missing (folios the audit log saw sealed): "
                        f"{', '.join(report.missing_folios) or 'none'}",
                        "records against the audit log: " + ("consistent" if not report.record_problems
                                                             else "; ".join(report.record_problems)),
                        f"audit: {report.audit.entries} entries, {report.audit.checkpoints} checkpoints, "
                        + ("chain intact" if report.audit.is_ok else "; ".join(report.audit.problems))]
                status = 0 if report.is_ok else 1
            else:
                result = store.purge()
                out = {"purged": result.purged, "bytes_freed": result.bytes_freed, "refused": result.refused}
                text = [f"purged {result.purged} records ({result.bytes_freed / 1e6:.1f} MB freed)"
                        + (f"; {result.refused} kept because their receipt no longer verifies" if result.refused
                           else "")]
                status = 1 if result.refused else 0
    except KioskError as exc:
        print(f"store error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(out, indent=2) if args.json else "\n".join(text))
    return status
