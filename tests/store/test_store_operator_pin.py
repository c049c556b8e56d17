"""Operator PINs: one PIN one operator, only what the keypad can type, and a lockout that survives a power cut."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from kiosk.errors import InvalidField
from kiosk.store import durable
from kiosk.store.operator_pin import PinGuardFile, PinVerifier, hash_entry, set_operator_pin


def test_a_pin_already_held_by_another_operator_is_refused(tmp_path: Path) -> None:
    pins = tmp_path / "operator_pin"
    set_operator_pin(pins, "aux-01", "482913")
    with pytest.raises(InvalidField, match="already another operator's PIN"):
        set_operator_pin(pins, "aux-05", "482913")
    assert PinVerifier(pins).check("482913") == "aux-01"
    set_operator_pin(pins, "aux-01", "482913")  # the same operator setting the same PIN again is fine
    set_operator_pin(pins, "aux-05", "551177")
    assert PinVerifier(pins).check("551177") == "aux-05"


def test_a_file_where_one_pin_matches_two_operators_attributes_to_nobody(tmp_path: Path) -> None:
    # Written by hand (or by an older version that allowed it): the verifier must not pick one of the two.
    pins = tmp_path / "operator_pin"
    entries = [hash_entry("aux-01", "482913"), hash_entry("aux-05", "482913"), hash_entry("aux-07", "111222")]
    pins.write_text(json.dumps({"version": 1, "operators": entries}))
    verifier = PinVerifier(pins)
    assert verifier.check("482913") is None
    assert verifier.check("111222") == "aux-07"


@pytest.mark.parametrize("pin", ["¹²³⁴", "１２３４", "١٢٣٤", "12 34", "123", "1234567890123", ""])
def test_pins_the_keypad_cannot_type_are_refused(tmp_path: Path, pin: str) -> None:
    with pytest.raises(InvalidField, match="digits 0-9"):
        set_operator_pin(tmp_path / "operator_pin", "aux-01", pin)


@pytest.mark.parametrize("op_id", ["ａｕｘ０１", "aux-ü", "-aux", "", "a" * 41, "aux 01"])
def test_ids_a_technician_cannot_type_are_refused(tmp_path: Path, op_id: str) -> None:
    with pytest.raises(InvalidField, match="ASCII"):
        set_operator_pin(tmp_path / "operator_pin", op_id, "482913")


def test_a_superscript_pin_never_matches_its_ascii_twin(tmp_path: Path) -> None:
    pins = tmp_path / "operator_pin"
    set_operator_pin(pins, "aux-01", "1234")
    assert PinVerifier(pins).check("¹²³⁴") is None


def _spy_fsyncs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    synced: list[str] = []
    real = os.fsync

    def fsync(fd: int) -> None:
        synced.append("dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file")
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    return synced


def test_the_lockout_state_and_pin_file_are_written_durably_including_their_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    guard = PinGuardFile(tmp_path / "operator_pin_state", lambda: 1000.0)
    synced = _spy_fsyncs(monkeypatch)
    guard.save(0, 300.0)
    assert synced == ["file", "dir"]  # without the directory fsync a power cut may lose the renamed file
    synced.clear()
    set_operator_pin(tmp_path / "operator_pin", "aux-01", "482913")
    assert synced == ["file", "dir"]
    assert stat.S_IMODE((tmp_path / "operator_pin_state").stat().st_mode) == 0o600
    assert guard.load() == (0, 300.0)


def test_write_atomic_leaves_the_old_content_when_the_write_fails(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "f"
    durable.write_atomic(target, b"old", 0o600)

    def full(fd: int, data: object) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "write", full)
    with pytest.raises(OSError):
        durable.write_atomic(target, b"new", 0o600)
    monkeypatch.undo()
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["f"]  # no temporary file left behind
