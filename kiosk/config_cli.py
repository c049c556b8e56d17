"""``python -m kiosk config``: validate the layered configuration and print it (no secrets live in it)."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys

from kiosk.config import describe, load_config
from kiosk.errors import ConfigError


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m kiosk config", description=__doc__)
    parser.add_argument("--file", help="TOML file instead of /etc/apoyo-kiosk/kiosk.toml")
    parser.add_argument("--json", action="store_true", help="print the effective configuration as JSON")
    parser.add_argument("--keys", action="store_true", help="list every key with its default and meaning")
    args = parser.parse_args(argv)
    if args.keys:
        for key, default, doc in describe():
            print(f"{key} = {default!r}    # {doc}" if doc else f"{key} = {default!r}")
        return 0
    try:
        cfg = load_config(args.file)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    data = dataclasses.asdict(cfg)
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        for section, values in data.items():
            print(f"[{section}]")
            for k, v in values.items():
                print(f"{k} = {json.dumps(v, ensure_ascii=False)}")
            print()
    return 0
