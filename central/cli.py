"""``python -m central <command>``: one entry point for every central command, each with ``--help``.

Commands register themselves in :data:`COMMANDS` (name -> (help, add_arguments, run)); enrollment's commands
(``token``, ``revoke``, ``catalog``) are added the same way by their module.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from central.errors import CentralError

Command = tuple[str, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]
COMMANDS: dict[str, Command] = {}


def command(name: str, help_text: str, add_arguments: Callable[[argparse.ArgumentParser], None]):
    def register(run: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
        COMMANDS[name] = (help_text, add_arguments, run)
        return run
    return register


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data-dir", type=Path, default=Path("var/central"),
                   help="central's data directory (database, envelopes, keys, TLS); default ./var/central")
    p.add_argument("--config", type=Path, default=None, help="TOML file with a [central] table")
    p.add_argument("--database-url", default=None, help="sqlite:///… or postgresql://… (default: SQLite in data dir)")


def load_config(args: argparse.Namespace) -> Any:
    from central import config

    overrides = {}
    if getattr(args, "database_url", None):
        overrides["database_url"] = args.database_url
    if getattr(args, "bind", None):
        overrides["bind"] = args.bind
    return config.load(args.data_dir, config_file=args.config, overrides=overrides)


def _print(obj: Any, as_json: bool) -> None:
    if as_json:
        print(json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=True))
    elif isinstance(obj, dict):
        for k, v in obj.items():
            print(f"{k}: {v}")
    else:
        print(obj)


# -- serve ---------------------------------------------------------------------------------------------------
def _serve_args(p: argparse.ArgumentParser) -> None:
    _common(p)
    p.add_argument("--bind", default=None, help="address:port (default 127.0.0.1:8444)")
    p.add_argument("--workers", type=int, default=None, help="gunicorn worker processes (default 2)")


@command("serve", "run the HTTPS API (gunicorn, mutual TLS for devices)", _serve_args)
def _serve(args: argparse.Namespace) -> int:
    from central.serve import serve

    serve(load_config(args), workers=args.workers)
    return 0


# -- migrate / keys ------------------------------------------------------------------------------------------
@command("migrate", "create or upgrade the database schema", _common)
def _migrate(args: argparse.Namespace) -> int:
    from central.db import Database

    print(f"schema version {Database(load_config(args).database).migrate()}")
    return 0


def _keys_args(p: argparse.ArgumentParser) -> None:
    _common(p)
    p.add_argument("--kem", default=None, help="sealing KEM (default: the post-quantum hybrid MLKEM768-X25519)")


@command("keys", "create central's sealing and receipt keys (never overwrites)", _keys_args)
def _keys(args: argparse.Namespace) -> int:
    from central import keystore

    cfg = load_config(args)
    keys = keystore.create(cfg.key_dir, kem=args.kem)
    print(f"sealing key {keys.sealing.key_id} ({keys.sealing.kem}), receipt key {keys.receipt.key_id} "
          f"in {cfg.key_dir}")
    return 0


# -- import --------------------------------------------------------------------------------------------------
def _import_args(p: argparse.ArgumentParser) -> None:
    _common(p)
    p.add_argument("what", choices=("lista-nominal",), help="what to import")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--csv", type=Path, help="CSV with header cic,identificador,entidad,distrito,municipio,"
                     "seccion,situacion,baja_causa")
    src.add_argument("--synthetic", type=int, metavar="ROWS", help="generate ROWS synthetic citizens instead")
    p.add_argument("--seed", type=int, default=2026, help="seed of the synthetic list")
    p.add_argument("--replace", action="store_true", help="empty the table first (a new cut of the list)")


@command("import", "load the lista nominal (CSV or synthetic)", _import_args)
def _import(args: argparse.Namespace) -> int:
    import time

    from central import audit
    from central import lista_nominal as ln
    from central.db import Database

    db = Database(load_config(args).database)
    db.migrate()
    t0 = time.perf_counter()
    rows = ln.read_csv(args.csv) if args.csv else ln.generate(args.synthetic, seed=args.seed)
    with db.transaction(exclusive=True) as tx:
        n = ln.load(tx, rows, replace=args.replace)
        audit.record_event(tx, actor="cli", action="lista_nominal.import",
                           detail={"rows": n, "source": "csv" if args.csv else "synthetic", "replace": args.replace})
    print(f"imported {n} rows in {time.perf_counter() - t0:.1f} s")
    return 0


# -- verify --------------------------------------------------------------------------------------------------
def _verify_args(p: argparse.ArgumentParser) -> None:
    _common(p)
    p.add_argument("--workers", type=int, default=1, help="worker processes sharing the queue (default 1)")
    p.add_argument("--follow", action="store_true", help="keep polling for new records until interrupted")
    p.add_argument("--poll-s", type=float, default=2.0, help="pause between polls with --follow, seconds")
    p.add_argument("--json", action="store_true")


def _verify_worker(data_dir: str, config_file: str | None, database_url: str | None, follow: bool,
                   poll_s: float) -> int:
    import time

    from central import config, keystore
    from central.blobstore import FilesystemBlobStore
    from central.db import Database
    from central.verify import Verifier

    cfg = config.load(Path(data_dir), config_file=Path(config_file) if config_file else None,
                      overrides={"database_url": database_url} if database_url else None)
    verifier = Verifier(Database(cfg.database), FilesystemBlobStore(cfg.blob_dir), keystore.load(cfg.key_dir).sealing)
    total = 0
    while True:
        total += verifier.run_until_idle()
        if not follow:
            return total
        time.sleep(poll_s)


@command("verify", "verify pending records (decrypt, lista nominal, outcomes)", _verify_args)
def _verify(args: argparse.Namespace) -> int:
    import time
    from concurrent.futures import ProcessPoolExecutor

    from central.db import Database

    cfg = load_config(args)
    Database(cfg.database).migrate()
    t0 = time.perf_counter()
    params = (str(args.data_dir), str(args.config) if args.config else None, args.database_url, args.follow,
              args.poll_s)
    if args.workers <= 1:
        total = _verify_worker(*params)
    else:
        with ProcessPoolExecutor(args.workers) as pool:
            total = sum(pool.map(_verify_worker, *[[p] * args.workers for p in params]))
    elapsed = time.perf_counter() - t0
    _print({"verified": total, "elapsed_s": round(elapsed, 2),
            "records_per_s": round(total / elapsed, 1) if elapsed > 0 else None}, args.json)
    return 0


# -- report --------------------------------------------------------------------------------------------------
def _report_args(p: argparse.ArgumentParser) -> None:
    _common(p)
    p.add_argument("--format", choices=("json", "csv", "text"), default="text")
    p.add_argument("--out", type=Path, default=None, help="write to this file instead of standard output")


@command("report", "progress per process and aspirant (outcomes, per day, legal threshold)", _report_args)
def _report(args: argparse.Namespace) -> int:
    from central import reports
    from central.db import Database

    with Database(load_config(args).database).transaction() as tx:
        data = reports.full_report(tx)
    if args.format == "json":
        text = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True)
    elif args.format == "csv":
        text = reports.to_csv(data)
    else:
        lines = []
        for p in data["processes"]:
            lines.append(f"{p['process_id']} ({p['kind']}): {p['title']}")
            for aid, a in p["aspirants"].items():
                t = a["threshold"]
                goal = f", {a['valid']}/{t['required']} {'CUMPLE' if t['met'] else 'no cumple'}" if t else ""
                lines.append(f"  {aid}: {a['received']} recibidos, {a['valid']} válidos{goal}")
                for code, n in sorted(a["by_outcome"].items()):
                    lines.append(f"      {code}: {n}")
        text = "\n".join(lines) or "no processes installed"
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    return 0


# -- review --------------------------------------------------------------------------------------------------
def _review_args(p: argparse.ArgumentParser) -> None:
    _common(p)
    sub = p.add_subparsers(dest="action", required=True, metavar="action")
    sub.add_parser("list", help="open review items")
    d = sub.add_parser("decide", help="decide one item")
    d.add_argument("review_id", type=int)
    d.add_argument("--reviewer", required=True, help="the reviewer account taking the decision")
    g = d.add_mutually_exclusive_group(required=True)
    g.add_argument("--counts", action="store_true", help="the record is valid")
    g.add_argument("--inconsistency", help="why it does not count (simulacion, fotocopia, …)")
    d.add_argument("--note", default="")
    a = sub.add_parser("add-account", help="create a reviewer, aspirant or admin account (password on stdin)")
    a.add_argument("username")
    a.add_argument("--role", required=True, choices=("reviewer", "aspirant", "admin"))
    a.add_argument("--process", default=None)
    a.add_argument("--aspirant", default=None)
    p.add_argument("--json", action="store_true")


@command("review", "mesa de control: list and decide review items, manage accounts", _review_args)
def _review(args: argparse.Namespace) -> int:
    from central import review
    from central.db import Database

    db = Database(load_config(args).database)
    with db.transaction() as tx:
        if args.action == "list":
            items = review.open_items(tx)
            if args.json:
                _print(items, True)
            for it in [] if args.json else items:
                print(f"{it['review_id']:>6}  {it['record_id']}  {it['source']:<12} {it['reason_text']}")
        elif args.action == "decide":
            row = tx.one("SELECT username, role, process_id, aspirant_id FROM accounts WHERE username = ?",
                         (args.reviewer,))
            account = review.Account(*row) if row else None
            outcome = review.decide(tx, args.review_id, account, counts=args.counts, category=args.inconsistency,
                                    note=args.note)
            print(f"review {args.review_id}: {outcome}")
        else:
            password = sys.stdin.readline().rstrip("\n")
            review.create_account(tx, args.username, args.role, password, process_id=args.process,
                                  aspirant_id=args.aspirant)
            print(f"account {args.username} ({args.role}) created")
    return 0


def _dev_init_args(p: argparse.ArgumentParser) -> None:
    _common(p)
    p.add_argument("--ln-rows", type=int, default=100_000, help="synthetic lista nominal size")


@command("dev-init", "DEVELOPMENT ONLY: keys, a dev CA + TLS, dev processes and a synthetic list", _dev_init_args)
def _dev_init(args: argparse.Namespace) -> int:
    from central.dev.init import describe, dev_init

    cfg = load_config(args)
    for line in dev_init(cfg, ln_rows=args.ln_rows) or ["already initialised"]:
        print(f"created: {line}")
    print(describe(cfg))
    return 0


def build_parser() -> argparse.ArgumentParser:
    with_enrollment = True
    try:
        import central.enrollment_cli  # noqa: F401  (token, revoke, catalog)
    except ImportError:
        with_enrollment = False
    parser = argparse.ArgumentParser(prog="python -m central", description="Apoyo central: the receiving side")
    sub = parser.add_subparsers(dest="command", required=True, metavar="command")
    for name, (help_text, add_arguments, _run) in COMMANDS.items():
        add_arguments(sub.add_parser(name, help=help_text, description=help_text))
    parser.set_defaults(with_enrollment=with_enrollment)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return COMMANDS[args.command][2](args)
    except CentralError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
