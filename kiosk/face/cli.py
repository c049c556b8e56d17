"""``python -m kiosk face-match A B`` and ``python -m kiosk liveness DIR``.

Exit codes: 0 match / live; 1 no match / not live; 2 bad usage (missing file or folder, no frames);
3 an image cannot be read; 4 no face or more than one face; 5 models or runtime missing. With ``--json`` the
answer (or the error) is one JSON object on stdout; errors never print a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path

import numpy as np

from kiosk.errors import FaceNotFound, ImageError, KioskError, ModelError, TooManyFaces

EXIT_OK, EXIT_NEGATIVE, EXIT_USAGE, EXIT_IMAGE, EXIT_FACE, EXIT_MODEL = 0, 1, 2, 3, 4, 5
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp"}


class _Failure(Exception):
    def __init__(self, code: int, kind: str, message: str) -> None:
        super().__init__(message)
        self.code, self.kind, self.message = code, kind, message


def _read_image(path: Path) -> np.ndarray:
    if not path.is_file():
        raise _Failure(EXIT_USAGE, "file_missing", f"no such file: {path}")
    from kiosk.image_input import load_image_file

    try:
        return load_image_file(path)
    except ImageError as exc:
        raise _Failure(EXIT_IMAGE, "image_unreadable", str(exc)) from None


def _emit(as_json: bool, payload: dict, text: str, stream=None) -> None:  # noqa: ANN001
    # A reader that went away (piped into head) is not an error worth a traceback.
    with contextlib.suppress(BrokenPipeError):
        print(json.dumps(payload, ensure_ascii=False, indent=1) if as_json else text, file=stream or sys.stdout)


def _fail(as_json: bool, exc: _Failure) -> int:
    payload = {"ok": False, "error": {"kind": exc.kind, "message": exc.message}}
    _emit(as_json, payload, f"error: {exc.message}", sys.stdout if as_json else sys.stderr)
    return exc.code


def _translate(exc: Exception) -> _Failure:
    if isinstance(exc, _Failure):
        return exc
    if isinstance(exc, FaceNotFound):
        return _Failure(EXIT_FACE, "no_face", str(exc))
    if isinstance(exc, TooManyFaces):
        return _Failure(EXIT_FACE, "too_many_faces", str(exc))
    if isinstance(exc, ModelError):
        return _Failure(EXIT_MODEL, "model_error", str(exc))
    if isinstance(exc, ImageError):
        return _Failure(EXIT_IMAGE, "image_unusable", str(exc))
    return _Failure(EXIT_IMAGE, "error", str(exc))


def _pipeline(args: argparse.Namespace):  # noqa: ANN202
    from kiosk.config import FaceConfig, load_config
    from kiosk.face.pipeline import FacePipeline

    try:
        base = load_config().face
    except KioskError:
        base = FaceConfig()
    overrides = {}
    if args.variant:
        overrides["model_variant"] = args.variant
    if getattr(args, "threshold", None) is not None:
        if not 0.1 <= args.threshold <= 1.5:  # the same bounds the config enforces
            raise _Failure(EXIT_USAGE, "bad_threshold", "--threshold must be between 0.1 and 1.5")
        overrides["match_threshold"] = args.threshold
    import dataclasses

    cfg = dataclasses.replace(base, **overrides)
    return FacePipeline(cfg, Path(args.models_dir) if args.models_dir else None)


def face_match_main(argv: list[str]) -> int:
    """Compare the main face of image A (selfie) with image B (reference, e.g. the credential photo)."""
    ap = argparse.ArgumentParser(prog="python -m kiosk face-match", description=face_match_main.__doc__,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("selfie", type=Path)
    ap.add_argument("reference", type=Path)
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--variant", choices=("fp32", "fp16", "int8"), help="descriptor model (default: config)")
    ap.add_argument("--threshold", type=float, help="distance threshold (default: config, 0.6)")
    ap.add_argument("--models-dir", help="folder with the .tflite files")
    args = ap.parse_args(argv)
    try:
        selfie, reference = _read_image(args.selfie), _read_image(args.reference)
        with _pipeline(args) as pipe:
            result = pipe.verify(selfie, reference)
    except Exception as exc:  # the boundary: every failure becomes a clear message and an exit code
        return _fail(args.json, _translate(exc))
    payload = {"ok": True, **result.to_json()}
    text = (f"{'MATCH' if result.is_match else 'NO MATCH'}: distance {result.distance:.4f} "
            f"(threshold {result.threshold}), {result.timings_ms['total']:.1f} ms")
    _emit(args.json, payload, text)
    return EXIT_OK if result.is_match else EXIT_NEGATIVE


def _frames(folder: Path, fps: float) -> tuple[list[tuple[float, np.ndarray]], list[str]]:
    if not folder.is_dir():
        raise _Failure(EXIT_USAGE, "folder_missing", f"no such folder: {folder}")
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise _Failure(EXIT_USAGE, "no_frames", f"no image frames in {folder}")
    meta_path = folder / "sequence.json"
    meta = {}
    if meta_path.is_file():
        try:
            meta = json.loads(meta_path.read_text())
        except (OSError, ValueError) as exc:
            raise _Failure(EXIT_USAGE, "bad_metadata", f"{meta_path}: {exc}") from None
    stamps = meta.get("timestamps_s")
    if not isinstance(stamps, list) or len(stamps) != len(files):
        stamps = [i / fps for i in range(len(files))]
    frames = [(float(t), _read_image(p)) for t, p in zip(stamps, files, strict=True)]
    challenges = [str(c) for c in meta.get("challenges", [])] if isinstance(meta.get("challenges"), list) else []
    return frames, challenges


def liveness_main(argv: list[str]) -> int:
    """Judge a folder of selfie frames (sorted by name). The challenges the person performed, in order, come
    from --challenges or the folder's sequence.json; without either only the passive cues are judged."""
    ap = argparse.ArgumentParser(prog="python -m kiosk liveness", description=liveness_main.__doc__,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--challenges", help="comma list of blink,turn_left,turn_right in the order performed")
    ap.add_argument("--fps", type=float, default=15.0, help="frame rate when sequence.json has no timestamps")
    ap.add_argument("--variant", choices=("fp32", "fp16", "int8"))
    ap.add_argument("--models-dir", help="folder with the .tflite files")
    args = ap.parse_args(argv)
    from kiosk.clock import SystemClock
    from kiosk.face.liveness import CHALLENGE_KINDS, Challenge, LivenessSession

    try:
        if args.fps <= 0:
            raise _Failure(EXIT_USAGE, "bad_fps", "--fps must be positive")
        frames, kinds = _frames(args.folder, args.fps)
        if args.challenges:
            kinds = [k.strip() for k in args.challenges.split(",") if k.strip()]
        unknown = [k for k in kinds if k not in CHALLENGE_KINDS]
        if unknown:
            raise _Failure(EXIT_USAGE, "bad_challenge", f"unknown challenge(s) {unknown}; use {CHALLENGE_KINDS}")
        with _pipeline(args) as pipe:
            session = LivenessSession(pipe, [Challenge(k, 0.0) for k in kinds], SystemClock())
            for t, frame in frames:
                session.feed(frame, t)
            result = session.result()
    except Exception as exc:
        return _fail(args.json, _translate(exc))
    payload = {"ok": True, "frames": len(frames), **result.to_json()}
    if not kinds:
        payload["note"] = "no challenges given: only the passive cues were judged"
    text = f"{'LIVE' if result.is_live else 'NOT LIVE'}: score {result.score:.2f}, reasons {list(result.reasons)}"
    _emit(args.json, payload, text)
    return EXIT_OK if result.is_live else EXIT_NEGATIVE
