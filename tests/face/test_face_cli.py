"""The face-match and liveness commands end to end: JSON, exit codes, and clear errors for bad input."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from kiosk.__main__ import main as kiosk_main
from kiosk.face.cli import (
    EXIT_FACE,
    EXIT_IMAGE,
    EXIT_NEGATIVE,
    EXIT_OK,
    EXIT_USAGE,
    face_match_main,
    liveness_main,
)


def _json(capsys) -> dict:
    return json.loads(capsys.readouterr().out)


def test_face_match_same_person_json(faces_dir, capsys):
    rc = kiosk_main(["face-match", str(faces_dir / "obama-480p.jpg"), str(faces_dir / "train-obama-obama.jpg"),
                     "--json"])
    out = _json(capsys)
    assert rc == EXIT_OK and out["ok"] and out["is_match"] and out["distance"] < 0.3
    assert out["threshold"] == 0.6 and out["model_variant"] == "fp16"
    assert len(out["boxes"]["selfie"]) == 4 and out["timings_ms"]["total"] > 0
    assert out["quality"]["selfie"]["face_count"] == 1


def test_face_match_other_person_with_variant_and_threshold(faces_dir, capsys):
    rc = face_match_main([str(faces_dir / "biden.jpg"), str(faces_dir / "train-rose_leslie-img1.jpg"), "--json",
                          "--variant", "int8", "--threshold", "0.5"])
    out = _json(capsys)
    assert rc == EXIT_NEGATIVE and out["is_match"] is False and out["threshold"] == 0.5
    assert out["model_variant"] == "int8"


def test_face_match_text_output(faces_dir, capsys):
    rc = face_match_main([str(faces_dir / "biden.jpg"), str(faces_dir / "train-biden-biden2.jpg")])
    assert rc == EXIT_OK and capsys.readouterr().out.startswith("MATCH: distance")


@pytest.mark.parametrize("case,code,kind", [
    ("missing", EXIT_USAGE, "file_missing"),
    ("corrupt", EXIT_IMAGE, "image_unreadable"),
    ("noface", EXIT_FACE, "no_face"),
    ("two", EXIT_FACE, "too_many_faces"),
])
def test_face_match_bad_input_is_a_clear_error(faces_dir, tmp_path, capsys, case, code, kind):
    good = str(faces_dir / "biden.jpg")
    if case == "missing":
        bad = str(tmp_path / "nope.jpg")
    elif case == "corrupt":
        bad = str(tmp_path / "corrupt.jpg")
        (tmp_path / "corrupt.jpg").write_bytes(b"\xff\xd8\xff\xe0 this is not really a jpeg")
    elif case == "noface":
        bad = str(tmp_path / "blank.png")
        cv2.imwrite(bad, np.full((240, 320, 3), 180, np.uint8))
    else:
        bad = str(faces_dir / "two_people.jpg")
    rc = face_match_main([bad, good, "--json"])
    out = _json(capsys)
    assert rc == code and out["ok"] is False and out["error"]["kind"] == kind and out["error"]["message"]


def test_face_match_rejects_an_out_of_range_threshold(faces_dir, capsys):
    rc = face_match_main([str(faces_dir / "biden.jpg"), str(faces_dir / "biden.jpg"), "--threshold", "-1", "--json"])
    assert rc == EXIT_USAGE and _json(capsys)["error"]["kind"] == "bad_threshold"


def test_face_match_error_without_json_goes_to_stderr(tmp_path, faces_dir, capsys):
    rc = face_match_main([str(tmp_path / "missing.png"), str(faces_dir / "biden.jpg")])
    captured = capsys.readouterr()
    assert rc == EXIT_USAGE and captured.out == "" and "no such file" in captured.err


@pytest.fixture(scope="module")
def sequence_dirs(tmp_path_factory, face_pipeline, faces_dir):
    from kiosk.dev.synth.face_sequence import make_face_sequence
    from kiosk.dev.synth.live_sequence import make_live_sequence, write_sequence

    img = cv2.imread(str(faces_dir / "train-obama-obama.jpg"))
    root = tmp_path_factory.mktemp("seq")
    live = make_live_sequence(img, ["turn_left", "blink"], np.random.default_rng(3), detector=face_pipeline.detector)
    write_sequence(live, root / "live", ["turn_left", "blink"])
    write_sequence(make_face_sequence(img, "screen_replay", 25, np.random.default_rng(3)), root / "screen")
    return root


def test_liveness_cli_live_and_not_live(sequence_dirs, capsys):
    rc = kiosk_main(["liveness", str(sequence_dirs / "live"), "--json"])
    out = _json(capsys)
    assert rc == EXIT_OK and out["is_live"] and out["details"]["challenges"] == ["turn_left", "blink"]
    rc = liveness_main([str(sequence_dirs / "screen"), "--json"])
    out = _json(capsys)
    assert rc == EXIT_NEGATIVE and not out["is_live"] and "passive.screen_pattern" in out["reasons"]
    assert "note" in out  # no challenges known for that folder


def test_liveness_cli_wrong_challenges_and_bad_folders(sequence_dirs, tmp_path, capsys):
    rc = liveness_main([str(sequence_dirs / "live"), "--challenges", "turn_right", "--json"])
    assert rc == EXIT_NEGATIVE and not _json(capsys)["is_live"]
    rc = liveness_main([str(sequence_dirs / "live"), "--challenges", "smile", "--json"])
    assert rc == EXIT_USAGE and _json(capsys)["error"]["kind"] == "bad_challenge"
    rc = liveness_main([str(tmp_path / "none"), "--json"])
    assert rc == EXIT_USAGE and _json(capsys)["error"]["kind"] == "folder_missing"
    (tmp_path / "empty").mkdir()
    rc = liveness_main([str(tmp_path / "empty"), "--json"])
    assert rc == EXIT_USAGE and _json(capsys)["error"]["kind"] == "no_frames"
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "frame_0000.png").write_bytes(b"garbage")
    rc = liveness_main([str(tmp_path / "broken"), "--json"])
    assert rc == EXIT_IMAGE and _json(capsys)["error"]["kind"] == "image_unreadable"


def test_live_sequence_is_deterministic_and_checks_its_input(face_pipeline, faces_dir):
    from kiosk.dev.synth.live_sequence import make_live_sequence
    from kiosk.errors import FaceNotFound, ImageError, InvalidField

    img = cv2.imread(str(faces_dir / "biden.jpg"))
    a = make_live_sequence(img, ["blink"], np.random.default_rng(9), frame_size=(320, 240),
                           detector=face_pipeline.detector)
    b = make_live_sequence(img, ["blink"], np.random.default_rng(9), frame_size=(320, 240),
                           detector=face_pipeline.detector)
    assert len(a) == len(b) > 15 and all(np.array_equal(x[1], y[1]) and x[0] == y[0] for x, y in zip(a, b, strict=True))
    assert a[0][1].shape == (240, 320, 3) and all(b2[0] > b1[0] for b1, b2 in zip(a, a[1:], strict=False))
    with pytest.raises(FaceNotFound):
        make_live_sequence(np.full((200, 200, 3), 99, np.uint8), ["blink"], np.random.default_rng(0),
                           detector=face_pipeline.detector)
    with pytest.raises(InvalidField):
        make_live_sequence(img, ["smile"], np.random.default_rng(0), detector=face_pipeline.detector)
    with pytest.raises(ImageError):
        make_live_sequence(np.zeros((10, 10), np.uint8), ["blink"], np.random.default_rng(0))
