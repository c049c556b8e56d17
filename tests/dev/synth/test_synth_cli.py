import json
from datetime import date

import cv2
import pytest

from kiosk.__main__ import main as kiosk_main
from kiosk.credential.mrz import parse_td1
from kiosk.dev.synth.cli import main


def test_end_to_end_scenes(tmp_path, capsys):
    out = tmp_path / "set"
    args = ["--out", str(out), "--count", "3", "--seed", "5", "--difficulty", "hard", "--attack", "mixed",
            "--frame-size", "800x600", "--workers", "1"]
    assert kiosk_main(["synth", *args]) == 0
    assert "wrote 3 hard scenes" in capsys.readouterr().out
    for i in range(3):
        label = json.loads((out / f"{i:04d}.json").read_text())
        assert parse_td1(label["mrz_lines"], today=date(2026, 12, 31)).is_valid
        for side in ("front", "back"):
            img = cv2.imread(str(out / f"{i:04d}_{side}.jpg"))
            assert img.shape == (600, 800, 3)
            assert label[side]["frame_size"] == [800, 600]


@pytest.mark.slow
def test_workers_do_not_change_output(tmp_path):
    common = ["--count", "4", "--seed", "9", "--frame-size", "640x480"]
    assert main(["--out", str(tmp_path / "a"), "--workers", "1", *common]) == 0
    assert main(["--out", str(tmp_path / "b"), "--workers", "2", *common]) == 0
    for name in ("0003.json", "0003_front.jpg", "0002_back.jpg"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_face_sequence_mode(tmp_path):
    assert main(["--out", str(tmp_path), "--count", "2", "--face-sequence", "screen_replay", "--frames", "4"]) == 0
    label = json.loads((tmp_path / "0001.json").read_text())
    assert label["kind"] == "screen_replay" and label["is_live"] is False and len(label["frames"]) == 4
    assert cv2.imread(str(tmp_path / label["frames"][3]["file"])).shape == (480, 640, 3)


@pytest.mark.parametrize(("args", "message"), [
    (["--count", "0"], "--count must be at least 1"),
    (["--difficulty", "extreme"], "invalid choice: 'extreme'"),
    (["--attack", "hologram"], "invalid choice: 'hologram'"),
    (["--faces", "/nonexistent/faces"], "faces folder not found"),
    (["--frame-size", "big"], "is not WIDTHxHEIGHT"),
    (["--workers", "0"], "--workers must be at least 1"),
    (["--face-sequence", "still", "--frames", "0"], "--frames must be 1-2000"),
])
def test_bad_arguments_give_clear_errors(tmp_path, capsys, args, message):
    assert main(["--out", str(tmp_path / "o"), *args]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_missing_out_is_an_error(capsys):
    assert main(["--count", "1"]) == 2
    assert "--out" in capsys.readouterr().err
