"""Operator PINs for field mode: stored only as scrypt hashes, checked in constant time.

File ``<data_dir>/operator_pin`` (or ``device.operator_pin_file``), JSON, mode 0600::

    {"version": 1, "operators": [{"id": "aux-01", "n": 16384, "r": 8, "p": 1,
                                  "salt": "<base64>", "hash": "<base64>"}]}

Each operator (auxiliar) has a PIN; the PIN entered says which operator is capturing (recorded with each
support, FACTS §6). The PIN itself is never written, logged or kept after the check.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import re
from pathlib import Path
from typing import Any

from kiosk.errors import ConfigError, InvalidField
from kiosk.store.durable import write_atomic

log = logging.getLogger(__name__)

PIN_FILE = "operator_pin"
PIN_STATE_FILE = "operator_pin_state"
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 14, 8, 1
MIN_PIN_DIGITS = 4
MAX_PIN_DIGITS = 12


def _derive(pin: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(pin.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=32, maxmem=64 * 1024 * 1024)


_PIN_RE = re.compile(rf"[0-9]{{{MIN_PIN_DIGITS},{MAX_PIN_DIGITS}}}")
# What the field keypad and a technician's terminal can type: ASCII only (str.isalnum/isdigit also accept
# full-width, superscript and other scripts' digits, which nobody could enter at the kiosk).
_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}")


def is_keypad_pin(pin: str) -> bool:
    """Whether ``pin`` is something the keypad can type: 4-12 ASCII digits."""
    return isinstance(pin, str) and _PIN_RE.fullmatch(pin) is not None


def _check_pin_text(pin: str) -> None:
    if not is_keypad_pin(pin):
        raise InvalidField("pin", f"must be {MIN_PIN_DIGITS} to {MAX_PIN_DIGITS} digits 0-9")


def hash_entry(operator_id: str, pin: str, salt: bytes | None = None) -> dict[str, object]:
    """A file entry for ``operator_id`` with ``pin``. Raises InvalidField for a bad id or PIN."""
    if not isinstance(operator_id, str) or _ID_RE.fullmatch(operator_id) is None:
        raise InvalidField("operator_id", "must be 1-40 ASCII letters, digits, '-' or '_', starting with a letter "
                                          "or digit")
    _check_pin_text(pin)
    salt = salt or os.urandom(16)
    return {"id": operator_id, "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P,
            "salt": base64.b64encode(salt).decode(), "hash": base64.b64encode(_derive(pin, salt, SCRYPT_N, SCRYPT_R,
                                                                                      SCRYPT_P)).decode()}


def set_operator_pin(path: Path, operator_id: str, pin: str) -> None:
    """Add or replace ``operator_id``'s PIN in the file at ``path`` (written durably, mode 0600).

    Raises InvalidField when the id or PIN cannot be typed on the keypad, or when the PIN is already another
    operator's: the PIN is what says who is capturing, so two operators sharing one would have captures
    attributed to the wrong person.
    """
    _check_pin_text(pin)
    existing = _read(path)["operators"] if path.exists() else []
    others = [e for e in existing if e.get("id") != operator_id]
    if others and _matches(_parse_entries(others, path), pin):
        raise InvalidField("pin", "is already another operator's PIN; choose a different one")
    entries = others + [hash_entry(operator_id, pin)]
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, json.dumps({"version": 1, "operators": entries}, indent=1).encode(), 0o600)


def _read(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(str(path), "no operator PIN file: operator mode needs one; set it with `python -m kiosk operator-pin --id ID`") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(str(path), f"operator PIN file unreadable: {exc}") from exc
    if not isinstance(data, dict) or data.get("version") != 1 or not isinstance(data.get("operators"), list):
        raise ConfigError(str(path), "operator PIN file has an unknown format")
    return data


class PinVerifier:
    """Checks PINs against the hashes in one file (read once, at construction).

    Raises ConfigError when the file is missing or malformed (operator mode cannot start without it).
    """

    def __init__(self, path: Path) -> None:
        self._entries = _parse_entries(_read(path)["operators"], path)
        if not self._entries:
            raise ConfigError(str(path), "no operator in the PIN file")
        ids = [e[0] for e in self._entries]
        if len(set(ids)) != len(ids):
            raise ConfigError(str(path), "an operator id appears twice in the PIN file")

    def check(self, pin: str) -> str | None:
        """The operator id whose PIN this is, or None. Every entry is checked, so timing says nothing.

        A PIN that matches several operators (a file edited by hand, or written before PINs had to be unique)
        is refused and logged: guessing which one is capturing would attribute captures to the wrong person.
        """
        found = _matches(self._entries, pin)
        if len(found) > 1:
            log.error("an operator PIN matches %d operators in the PIN file; refused. Set a new PIN for each "
                      "with `python -m kiosk operator-pin`", len(found))
            return None
        return found[0] if found else None


_Entry = tuple[str, bytes, bytes, int, int, int]


def _parse_entries(raw: list, path: Path) -> list[_Entry]:
    entries: list[_Entry] = []
    for i, e in enumerate(raw):
        try:
            entries.append((str(e["id"]), base64.b64decode(e["salt"]), base64.b64decode(e["hash"]),
                            int(e["n"]), int(e["r"]), int(e["p"])))
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"{path}: operators[{i}]", f"malformed entry ({exc})") from exc
    return entries


def _matches(entries: list[_Entry], pin: str) -> list[str]:
    """Ids of every entry whose hash this PIN gives (each entry is derived, so timing says nothing)."""
    valid = is_keypad_pin(pin)
    found: list[str] = []
    for op_id, salt, digest, n, r, p in entries:
        candidate = _derive(pin if valid else "0" * MIN_PIN_DIGITS, salt, n, r, p)
        if hmac.compare_digest(candidate, digest) and valid:
            found.append(op_id)
    return found


class PinGuardFile:
    """The PIN guard (wrong attempts left, lockout) kept on disk, so pulling the plug does not hand out fresh
    attempts: ``<data_dir>/operator_pin_state``, JSON, written atomically (fsync + rename), mode 0600.

    The lockout is stored as a wall-clock deadline (the monotonic clock restarts with the device). A Pi has
    no real-time clock: if the wall clock now reads earlier than when the state was saved, the time served
    cannot be known and the whole lockout is served again.
    """

    def __init__(self, path: Path, wall_clock: Any) -> None:
        self.path = Path(path)
        self._wall = wall_clock

    def save(self, attempts_left: int, locked_for_s: float = 0.0) -> None:
        """Record the guard now. Raises OSError when the disk refuses (the caller logs it)."""
        now = float(self._wall())
        state = {"version": 1, "attempts_left": int(attempts_left), "saved_wall_s": now,
                 "lockout_s": float(locked_for_s), "locked_until_wall_s": now + float(locked_for_s)}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(self.path, json.dumps(state).encode(), 0o600)

    def load(self) -> tuple[int, float] | None:
        """(attempts left, seconds of lockout still to serve), or None when there is nothing to restore
        (nothing saved, or a lockout already served). An unreadable file (tampered with) leaves one attempt:
        the operator can still get in, a guesser gets no more."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            attempts = int(data["attempts_left"])
            saved, lockout = float(data["saved_wall_s"]), float(data["lockout_s"])
            until = float(data["locked_until_wall_s"])
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):
            return 1, 0.0
        if lockout <= 0:
            return max(0, attempts), 0.0
        now = float(self._wall())
        left = lockout if now < saved else min(lockout, until - now)
        # A lockout served while the kiosk was off ends like one served on screen: fresh attempts.
        return (0, left) if left > 0 else None


def main(argv: list[str] | None = None) -> int:
    """``python -m kiosk operator-pin --id AUX [--data-dir D | --file F]``: set an operator's PIN (asked twice,
    never echoed; from stdin when not a terminal)."""
    import argparse
    import getpass
    import sys

    from kiosk.config import load_config

    parser = argparse.ArgumentParser(prog="python -m kiosk operator-pin", description=main.__doc__)
    parser.add_argument("--id", required=True, help="operator (auxiliar) id, e.g. aux-01")
    parser.add_argument("--data-dir", type=Path, help="data directory (default: from the configuration)")
    parser.add_argument("--file", type=Path, help="PIN file (default: <data_dir>/operator_pin)")
    args = parser.parse_args(argv)
    try:
        if args.file:
            path = args.file
        else:
            cfg = load_config()
            data_dir = args.data_dir or cfg.data_path
            path = Path(cfg.device.operator_pin_file) if cfg.device.operator_pin_file else data_dir / PIN_FILE
        if sys.stdin.isatty():
            pin = getpass.getpass("PIN: ")
            if getpass.getpass("PIN again: ") != pin:
                print("the two PINs differ; nothing changed", file=sys.stderr)
                return 1
        else:
            pin = sys.stdin.readline().strip()
        set_operator_pin(path, args.id, pin)
    except (InvalidField, ConfigError, OSError) as exc:
        print(f"operator-pin: {exc}", file=sys.stderr)
        return 2
    print(f"PIN set for {args.id} in {path}")
    return 0
