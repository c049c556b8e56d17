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
import os
from pathlib import Path
from typing import Any

from kiosk.errors import ConfigError, InvalidField

PIN_FILE = "operator_pin"
PIN_STATE_FILE = "operator_pin_state"
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 14, 8, 1
MIN_PIN_DIGITS = 4
MAX_PIN_DIGITS = 12


def _derive(pin: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(pin.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=32, maxmem=64 * 1024 * 1024)


def _check_pin_text(pin: str) -> None:
    if not pin.isdigit() or not MIN_PIN_DIGITS <= len(pin) <= MAX_PIN_DIGITS:
        raise InvalidField("pin", f"must be {MIN_PIN_DIGITS} to {MAX_PIN_DIGITS} digits")


def hash_entry(operator_id: str, pin: str, salt: bytes | None = None) -> dict[str, object]:
    """A file entry for ``operator_id`` with ``pin``. Raises InvalidField for a bad id or PIN."""
    if not operator_id or not operator_id.replace("-", "").replace("_", "").isalnum() or len(operator_id) > 40:
        raise InvalidField("operator_id", "must be 1-40 letters, digits, '-' or '_'")
    _check_pin_text(pin)
    salt = salt or os.urandom(16)
    return {"id": operator_id, "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P,
            "salt": base64.b64encode(salt).decode(), "hash": base64.b64encode(_derive(pin, salt, SCRYPT_N, SCRYPT_R,
                                                                                      SCRYPT_P)).decode()}


def set_operator_pin(path: Path, operator_id: str, pin: str) -> None:
    """Add or replace ``operator_id``'s PIN in the file at ``path`` (written atomically, mode 0600)."""
    entries = [e for e in _read(path)["operators"] if e.get("id") != operator_id] if path.exists() else []
    entries.append(hash_entry(operator_id, pin))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump({"version": 1, "operators": entries}, f, indent=1)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


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
        self._entries = []
        for i, e in enumerate(_read(path)["operators"]):
            try:
                self._entries.append((str(e["id"]), base64.b64decode(e["salt"]), base64.b64decode(e["hash"]),
                                      int(e["n"]), int(e["r"]), int(e["p"])))
            except (KeyError, TypeError, ValueError) as exc:
                raise ConfigError(f"{path}: operators[{i}]", f"malformed entry ({exc})") from exc
        if not self._entries:
            raise ConfigError(str(path), "no operator in the PIN file")

    def check(self, pin: str) -> str | None:
        """The operator id whose PIN this is, or None. Every entry is checked, so timing says nothing."""
        found: str | None = None
        valid = pin.isdigit() and MIN_PIN_DIGITS <= len(pin) <= MAX_PIN_DIGITS
        for op_id, salt, digest, n, r, p in self._entries:
            candidate = _derive(pin if valid else "0" * MIN_PIN_DIGITS, salt, n, r, p)
            if hmac.compare_digest(candidate, digest) and valid and found is None:
                found = op_id
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
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(state, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)

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
