import csv
import json
import shutil
from datetime import date

import cv2
import numpy as np
import pytest

from kiosk.credential.curp import validate_curp
from kiosk.credential.mrz import parse_td1
from kiosk.dev.synth import dataset
from kiosk.dev.synth.faces import FacesMissing, default_faces_dir, list_faces
from kiosk.errors import InvalidField

SMALL = (640, 480)


def test_default_faces_dir_is_shared_beside_repo(faces_dir):
    assert default_faces_dir() == faces_dir.resolve()


def test_only_single_person_labelled_faces(faces_dir):
    with (faces_dir / "labels.csv").open() as fh:
        persons = {row["file"]: row["person"] for row in csv.DictReader(fh)}
    faces = list_faces()
    assert faces and all(persons[f.path.name] not in ("several", "unlabelled") for f in faces)
    assert {"two_people.jpg", "test-obama_and_biden.jpg", "32bit.png"}.isdisjoint(f.path.name for f in faces)


def test_sample_is_deterministic_and_differs_per_index():
    a = dataset.generate_sample(7, 3, "normal", frame_size=SMALL)
    b = dataset.generate_sample(7, 3, "normal", frame_size=SMALL)
    assert a.label == b.label and a.citizen == b.citizen
    assert np.array_equal(a.front_scene, b.front_scene) and np.array_equal(a.back_scene, b.back_scene)
    c = dataset.generate_sample(7, 4, "normal", frame_size=SMALL)
    assert c.citizen != a.citizen and not np.array_equal(a.back_card, c.back_card)
    d = dataset.generate_sample(8, 3, "normal", frame_size=SMALL)
    assert d.citizen != a.citizen


def test_label_truth_reparses():
    for index in range(4):
        s = dataset.generate_sample(11, index, "hard", attack="mixed", frame_size=SMALL)
        label = json.loads(json.dumps(s.label))  # JSON round trip, as on disk
        parsed = parse_td1(label["mrz_lines"], today=date(2026, 12, 31))
        assert parsed.is_valid
        truth = label["truth"]
        assert (parsed.fields.cic, parsed.fields.identificador, parsed.fields.seccion) == (
            truth["cic"], truth["identificador"], truth["seccion"])
        assert parsed.fields.birth_date.isoformat() == truth["birth_date"]
        assert validate_curp(truth["curp"]).birth_date.isoformat() == truth["birth_date"]
        assert label["attack"] == dataset.resolve_attack("mixed", index)
        assert label["front"]["attack"] == label["back"]["attack"] == label["attack"]
        assert label["face"]["person"] == s.person and s.person not in (None, "several", "unlabelled")
        assert label["is_specimen"] and truth["is_synthetic"]


@pytest.mark.parametrize("attack", [None, "photocopy", "screen"])
def test_mrz_region_holds_the_mrz(attack):
    s = dataset.generate_sample(2, 0, "normal", attack=attack, frame_size=(1600, 1200))
    quad = np.float32(s.label["back"]["regions"]["mrz"])
    w, h = 912, 144
    m = cv2.getPerspectiveTransform(quad, np.float32([[0, 0], [w, 0], [w, h], [0, h]]))
    band = cv2.cvtColor(cv2.warpPerspective(s.back_scene, m, (w, h)), cv2.COLOR_BGR2GRAY)
    rows = (band < band.mean() - band.std()).mean(axis=1)  # ink per row: three text lines separated by gaps
    is_ink = rows > 0.05
    starts = np.flatnonzero(is_ink[1:] & ~is_ink[:-1])
    assert len(starts) + int(is_ink[0]) == 3
    assert "photo" in s.label["front"]["regions"]


def test_mixed_cycle_covers_every_attack():
    kinds = {dataset.resolve_attack("mixed", i) for i in range(6)}
    assert kinds == {None, "photocopy", "screen", "partial", "blank"}
    with pytest.raises(InvalidField):
        dataset.resolve_attack("hologram", 0)


def test_bad_arguments(tmp_path):
    with pytest.raises(InvalidField):
        dataset.generate_sample(1, 0, "medium")
    with pytest.raises(InvalidField):
        dataset.generate_sample(1, -1, "easy")
    with pytest.raises(InvalidField):
        dataset.generate(tmp_path, 0)
    with pytest.raises(FacesMissing):
        dataset.generate_sample(1, 0, "easy", faces_dir=tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FacesMissing):
        dataset.generate(tmp_path / "out", 1, faces_dir=tmp_path / "empty")
    assert not (tmp_path / "out").exists()  # nothing written before the faces were checked


def test_unlabelled_folder_is_used_whole(tmp_path, faces_dir):
    shutil.copy(faces_dir / "biden.jpg", tmp_path / "someone.jpg")
    s = dataset.generate_sample(1, 0, "easy", faces_dir=tmp_path, frame_size=SMALL)
    assert s.face_path.name == "someone.jpg" and s.person is None


def test_generate_writes_files(tmp_path):
    assert dataset.generate(tmp_path, 2, seed=3, difficulty="easy", frame_size=SMALL) == 2
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["0000.json", "0000_back.jpg", "0000_front.jpg", "0001.json", "0001_back.jpg", "0001_front.jpg"]
    label = json.loads((tmp_path / "0001.json").read_text())
    sample = dataset.generate_sample(3, 1, "easy", frame_size=SMALL)
    assert label == json.loads(json.dumps(sample.label))
    # the files are the scenes' own JPEG bytes: decoding them gives the scenes exactly (one compression only)
    assert np.array_equal(cv2.imread(str(tmp_path / "0001_back.jpg")), sample.back_scene)
