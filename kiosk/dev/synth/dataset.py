"""Labelled synthetic samples: a synthetic citizen, their SPECIMEN card (front and back) and camera scenes of both.

Deterministic per (seed, index): the same arguments give the same citizen, face, cards, scenes and label.
On disk (:func:`generate`): ``NNNN_front.jpg``, ``NNNN_back.jpg`` and ``NNNN.json`` per sample; not-live selfie
sequences (:func:`generate_face_sequences`): ``NNNN_fFFF.jpg`` frames and ``NNNN.json``.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from kiosk.credential.citizen import Citizen, generate_citizen, mrz_lines
from kiosk.dev.synth import card, face_sequence, scene
from kiosk.dev.synth.faces import list_faces, load_face
from kiosk.errors import InvalidField

ATTACK_CHOICES = ("none", "mixed") + scene.ATTACKS
# 'mixed' cycles through genuine scenes and every attack: 2 genuine in every 6.
_MIXED_CYCLE = (None, "photocopy", "screen", None, "partial", "blank")
JPEG_QUALITY = 95


@dataclass
class Sample:
    """One synthetic sample; ``label`` is JSON-able."""

    citizen: Citizen
    face_path: Path
    person: str | None
    front_card: np.ndarray
    back_card: np.ndarray
    front_scene: np.ndarray
    back_scene: np.ndarray
    label: dict[str, Any] = field(default_factory=dict)
    front_jpeg: bytes = b""  # the scenes as JPEG (quality from the scene parameters); decoding gives *_scene
    back_jpeg: bytes = b""


def resolve_attack(attack: str | None, index: int) -> str | None:
    """The attack for sample ``index``: None/'none' → None, 'mixed' → a fixed cycle, else the kind itself.

    Raises InvalidField('attack', ...) for an unknown kind.
    """
    if attack in (None, "none"):
        return None
    if attack == "mixed":
        return _MIXED_CYCLE[index % len(_MIXED_CYCLE)]
    if attack not in scene.ATTACKS:
        raise InvalidField("attack", f"{attack!r} is not one of {', '.join(ATTACK_CHOICES)}")
    return attack


def generate_sample(seed: int, index: int, difficulty: str = "normal", attack: str | None = None,
                    faces_dir: Path | None = None, frame_size: tuple[int, int] = (1600, 1200)) -> Sample:
    """Build sample ``index`` of the set ``seed``.

    Raises InvalidField for a bad difficulty/attack/index, FacesMissing when no face photo is available.
    """
    if difficulty not in scene.DIFFICULTIES:
        raise InvalidField("difficulty", f"{difficulty!r} is not one of {', '.join(scene.DIFFICULTIES)}")
    if not isinstance(index, int) or index < 0:
        raise InvalidField("index", f"must be a non-negative integer, got {index!r}")
    kind = resolve_attack(attack, index)
    faces = list_faces(Path(faces_dir) if faces_dir is not None else None)
    rng = random.Random(f"kiosk-synth:{seed}:{index}")
    citizen = generate_citizen(rng)
    face_file = faces[rng.randrange(len(faces))]
    face_img, face_box = load_face(face_file.path)
    front_card = card.render_front(citizen, face_img, face_box)
    back_card = card.render_back(citizen)
    front_rng, back_rng = (np.random.default_rng(s) for s in np.random.SeedSequence([seed, index]).spawn(2))
    front_scene, front_label, front_jpeg = scene.make_scene_jpeg(front_card, front_rng, difficulty, kind,
                                                                 frame_size)
    back_scene, back_label, back_jpeg = scene.make_scene_jpeg(back_card, back_rng, difficulty, kind, frame_size)
    if kind != "blank":  # a blank card has no content regions
        front_label["regions"] = {"photo": _region(front_label, card.PHOTO_BOX)}
        back_label["regions"] = {"mrz": _region(back_label, card.MRZ_BOX)}
    lines = mrz_lines(citizen)
    label = {
        "seed": seed,
        "index": index,
        "is_specimen": True,
        "difficulty": difficulty,
        "attack": kind,
        "truth": citizen.to_dict(),
        "mrz_lines": list(lines),
        "qr_payloads": card.qr_payloads(citizen),
        "face": {"file": face_file.path.name, "person": face_file.person,
                 "box_on_source": list(face_box) if face_box else None,
                 "photo_box_on_card": list(card.PHOTO_BOX)},
        "card_size": [card.CARD_W_PX, card.CARD_H_PX],
        "mrz_render": {"font": "OCR-B", "size_px": card.MRZ_FONT_SIZE_PX, "pitch_px": card.MRZ_PITCH_PX,
                       "left_px": card.MRZ_LEFT_PX, "baselines_px": list(card.MRZ_BASELINES_PX)},
        "front": front_label,
        "back": back_label,
    }
    return Sample(citizen=citizen, face_path=face_file.path, person=face_file.person, front_card=front_card,
                  back_card=back_card, front_scene=front_scene, back_scene=back_scene, label=label,
                  front_jpeg=front_jpeg, back_jpeg=back_jpeg)


def _region(scene_label: dict[str, Any], box: tuple[int, int, int, int]) -> list[list[float]]:
    """Corners (TL, TR, BR, BL, scene px) of a card-pixel box, through the scene's card→scene homography."""
    x0, y0, x1, y1 = box
    pts = np.float32([[[x0, y0]], [[x1, y0]], [[x1, y1]], [[x0, y1]]])
    out = cv2.perspectiveTransform(pts, np.array(scene_label["homography"], np.float64))[:, 0]
    return [[round(float(x), 2), round(float(y), 2)] for x, y in out]


def write_sample(sample: Sample, out_dir: Path, index: int) -> list[Path]:
    """Write ``NNNN_front.jpg``, ``NNNN_back.jpg`` and ``NNNN.json`` into ``out_dir``; returns the paths.

    The JPEGs are the scenes' own bytes (compressed once, at the scene's quality), so reading a file back gives
    exactly ``front_scene`` / ``back_scene``. Raises OSError if the folder cannot be written.
    """
    stem = f"{index:04d}"
    paths = [out_dir / f"{stem}_front.jpg", out_dir / f"{stem}_back.jpg", out_dir / f"{stem}.json"]
    for path, img, data in zip(paths[:2], (sample.front_scene, sample.back_scene),
                               (sample.front_jpeg, sample.back_jpeg), strict=True):
        if not data:
            ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
            if not ok:
                raise OSError(f"could not encode {path.name}")
            data = buf.tobytes()
        path.write_bytes(data)
    paths[2].write_text(json.dumps(sample.label, ensure_ascii=False, indent=1), encoding="utf-8")
    return paths


def _single_threaded_opencv() -> None:
    # One OpenCV thread per worker process: the processes already use every core; more threads only contend.
    cv2.setNumThreads(1)


def _one(args: tuple) -> int:
    seed, index, difficulty, attack, faces_dir, frame_size, out_dir = args
    sample = generate_sample(seed, index, difficulty, attack, faces_dir, frame_size)
    write_sample(sample, out_dir, index)
    return index


def generate(out_dir: Path, count: int, seed: int = 0, difficulty: str = "normal", attack: str | None = None,
             faces_dir: Path | None = None, frame_size: tuple[int, int] = (1600, 1200), workers: int = 1) -> int:
    """Generate ``count`` samples into ``out_dir`` (created if needed) with ``workers`` processes.

    Output does not depend on ``workers``. Returns the number written. Raises InvalidField for bad arguments
    (checked before any work), FacesMissing without faces, OSError when the folder cannot be written.
    """
    if not isinstance(count, int) or count < 1:
        raise InvalidField("count", f"must be at least 1, got {count!r}")
    if difficulty not in scene.DIFFICULTIES:
        raise InvalidField("difficulty", f"{difficulty!r} is not one of {', '.join(scene.DIFFICULTIES)}")
    resolve_attack(attack, 0)
    list_faces(Path(faces_dir) if faces_dir is not None else None)  # fail early, before any process starts
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    jobs = [(seed, i, difficulty, attack, faces_dir, frame_size, out) for i in range(count)]
    if workers <= 1 or count < 4:
        for job in jobs:
            _one(job)
        return count
    import concurrent.futures
    import multiprocessing

    # 'forkserver' so children never inherit font, OpenCV-thread or inference state from the caller, while the
    # heavy imports happen once in the server instead of once per worker ('spawn').
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    ctx = multiprocessing.get_context(method)
    if method == "forkserver":
        ctx.set_forkserver_preload(["kiosk.dev.synth.dataset"])
    with concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=ctx,
                                                initializer=_single_threaded_opencv) as pool:
        for _ in pool.map(_one, jobs, chunksize=max(1, count // (workers * 4))):
            pass
    return count


def generate_face_sequences(out_dir: Path, count: int, seed: int = 0, kind: str = "still", n_frames: int = 30,
                            faces_dir: Path | None = None, frame_size: tuple[int, int] = (640, 480)) -> int:
    """Write ``count`` not-live face sequences of ``kind``: ``NNNN_fFFF.jpg`` frames and ``NNNN.json`` (kind,
    is_live=False, face file and person, per-frame timestamps). Deterministic per (seed, index). Returns the count.

    Raises FacesMissing without faces, InvalidField for bad arguments, OSError if the folder is not writable.
    """
    if not isinstance(count, int) or count < 1:
        raise InvalidField("count", f"must be at least 1, got {count!r}")
    if kind not in face_sequence.KINDS:
        raise InvalidField("kind", f"{kind!r} is not one of {', '.join(face_sequence.KINDS)}")
    faces = list_faces(Path(faces_dir) if faces_dir is not None else None)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        pick = random.Random(f"kiosk-synth-face:{seed}:{index}")
        face_file = faces[pick.randrange(len(faces))]
        img, box = load_face(face_file.path)
        rng = np.random.default_rng([seed, index, 7])
        frames = face_sequence.make_face_sequence(img, kind, n_frames, rng, frame_size, face_box=box)
        names = []
        for i, (_, frame) in enumerate(frames):
            name = f"{index:04d}_f{i:03d}.jpg"
            if not cv2.imwrite(str(out / name), frame, [cv2.IMWRITE_JPEG_QUALITY, 92]):
                raise OSError(f"could not write {out / name}")
            names.append(name)
        label = {"seed": seed, "index": index, "kind": kind, "is_live": False, "fps": face_sequence.FPS,
                 "face": {"file": face_file.path.name, "person": face_file.person},
                 "frames": [{"file": n, "timestamp_s": t} for n, (t, _) in zip(names, frames, strict=True)]}
        (out / f"{index:04d}.json").write_text(json.dumps(label, indent=1), encoding="utf-8")
    return count
