"""``python -m kiosk <command>``: one entry point, each command in the module that owns its job.

Commands are imported lazily so that ``--help`` is instant and a command that needs pygame or a model does
not load them for the others.
"""

from __future__ import annotations

import importlib
import os
import sys

# command -> (module, function, one-line help)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "run": ("kiosk.app", "main", "start the kiosk (UI, camera, sealing)"),
    "demo": ("kiosk.dev.demo", "main", "play one scripted citizen session, optionally headless"),
    "synth": ("kiosk.dev.synth.cli", "main", "render synthetic SPECIMEN credentials and camera scenes"),
    "read-card": ("kiosk.vision.cli", "read_card_main", "read a credential's front/back images"),
    "face-match": ("kiosk.face.cli", "face_match_main", "compare two face images 1:1"),
    "liveness": ("kiosk.face.cli", "liveness_main", "check a folder of selfie frames for liveness"),
    "store": ("kiosk.store.cli", "main", "sealed record store: stats, verify, purge"),
    "config": ("kiosk.config_cli", "main", "validate and print the effective configuration"),
    "operator-pin": ("kiosk.store.operator_pin", "main", "set a field operator's PIN (stored as a scrypt hash)"),
}


def _usage() -> str:
    width = max(map(len, COMMANDS))
    lines = ["usage: python -m kiosk <command> [options]", "", "commands:"]
    lines += [f"  {name:<{width}}  {help_}" for name, (_, _, help_) in COMMANDS.items()]
    lines += ["", "Every command has --help."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in {"-h", "--help", "help"}:
        print(_usage())
        return 0
    name, rest = args[0], args[1:]
    if name not in COMMANDS:
        print(f"unknown command {name!r}\n\n{_usage()}", file=sys.stderr)
        return 2
    module_name, func_name, _ = COMMANDS[name]
    module = importlib.import_module(module_name)
    try:
        status = int(getattr(module, func_name)(rest) or 0)
        sys.stdout.flush()
    except BrokenPipeError:
        # `python -m kiosk store verify | head`: the reader left. Not an error of ours, and no traceback; point
        # stdout at /dev/null so the interpreter's own flush at exit does not raise again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141  # what a shell reports for a command ended by SIGPIPE (128 + 13)
    return status


if __name__ == "__main__":
    sys.exit(main())
