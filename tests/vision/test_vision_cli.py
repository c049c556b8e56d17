"""``python -m kiosk read-card``: JSON output on real generated photos, and clear errors for bad files."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import pytest
from vision_helpers import sample

from kiosk.__main__ import main as kiosk_main
from kiosk.vision.cli import read_card_main


def _write(tmp_path: Path, name: str, img) -> Path:
    path = tmp_path / name
    cv2.imwrite(str(path), img, [cv2.IMWRITE_JPEG_QUALITY, 92])
    return path


def test_back_alone_prints_fields_and_checks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    s = sample("easy", 0)
    back = _write(tmp_path, "back.jpg", s.back_scene)
    rc = read_card_main(["--back", str(back), "--json", "--today", "2026-06-01"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0
    b = out["back"]
    assert b["is_accepted"] and b["guidance"] is None and b["side"] == "back"
    assert b["mrz"]["lines"] == list(s.label["mrz_lines"])
    assert b["mrz"]["checks"] == {"cic": True, "birth_date": True, "expiry_date": True, "composite": True}
    assert b["mrz"]["fields"]["cic"] == s.citizen.cic
    assert b["mrz"]["fields"]["identificador"] == s.citizen.identificador
    assert len(b["corners"]) == 4 and b["model_family"] in ("E/F", "G/H")
    assert b["fraud"]["flags"] == [] and "mrz_ocr" in b["timings_ms"]
    assert "front" not in out


def test_both_sides_through_the_kiosk_entry_point(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    s = sample("easy", 1)
    front = _write(tmp_path, "front.jpg", s.front_scene)
    back = _write(tmp_path, "back.jpg", s.back_scene)
    rc = kiosk_main(["read-card", "--front", str(front), "--back", str(back), "--json", "--today", "2026-06-01"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0
    assert out["front"]["side"] == "front" and out["front"]["face_box"] is not None
    assert out["back"]["is_accepted"] and out["pair"]["is_consistent"]


def test_text_output_and_refused_card(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    s = sample("easy", 0)
    wrong = _write(tmp_path, "front_as_back.jpg", s.front_scene)
    rc = read_card_main(["--back", str(wrong), "--no-face"])
    text = capsys.readouterr().out
    assert rc == 1
    assert "card.flip_to_back" in text and "Voltea la credencial" in text


@pytest.mark.parametrize("content", [b"", b"this is not a jpeg at all", b"\xff\xd8\xff\xe0" + b"\x00" * 64])
def test_corrupted_file_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes) -> None:
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(content)
    rc = read_card_main(["--back", str(bad), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 2 and "bad.jpg" in out["error"]


def test_missing_file_and_missing_arguments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert read_card_main(["--back", str(tmp_path / "nope.jpg")]) == 2
    assert "cannot be read" in capsys.readouterr().err
    assert read_card_main([]) == 2
    assert read_card_main(["--back", "x.jpg", "--today", "not-a-date"]) == 2
