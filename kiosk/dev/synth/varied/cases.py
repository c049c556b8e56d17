"""One labelled case of the varied benchmark: a synthetic citizen's card, front and back, photographed in a cell.

``make_case(seed, index, cell)`` is deterministic in its arguments. The label says everything the scenes were
made from: the cell, the seed's purpose (calibration / report / test, see ``cells``), the citizen(s) behind
each side (a mixed pair shows one citizen's front and another's back, both genuine cards of one design), the
card style, and per side the true corners in the frame, the card→frame homography, the attack's parameters,
the lamp, the camera's balance and the metadata it reports.
"""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from kiosk.credential.citizen import Citizen, generate_citizen
from kiosk.credential.models import CardModel
from kiosk.dev.synth.faces import list_faces, load_face
from kiosk.dev.synth.varied import attacks, camera, design, typefaces
from kiosk.dev.synth.varied.cells import CASTS, Cell, seed_purpose
from kiosk.errors import InvalidField

# The benchmark's "today": every generated card is within its vigencia on this date (E/F issued 2016-2019).
TODAY = date(2026, 6, 1)
_FIRST_ISSUE = {"E": 2016, "F": 2016, "G": 2020, "H": 2020}
_LAST_ISSUE = {"E": 2019, "F": 2019, "G": 2026, "H": 2026}


@dataclass
class Case:
    """Front and back scenes (BGR uint8, 1600×1200) of one cell, with their JSON-able ``label``."""

    cell: Cell
    seed: int
    index: int
    front: np.ndarray = field(repr=False)
    back: np.ndarray = field(repr=False)
    label: dict[str, Any]
    front_citizen: Citizen = field(repr=False)
    back_citizen: Citizen = field(repr=False)


def typeface_pool(seed: int) -> tuple[str, ...]:
    """Typefaces the printed fields may use under ``seed``: held-out ones never under calibration seeds."""
    if seed_purpose(seed) == "calibration":
        return typefaces.FIELD_TYPEFACES
    return typefaces.FIELD_TYPEFACES + typefaces.HELD_OUT


def _streams(seed: int, index: int, cell: Cell) -> list[np.random.Generator]:
    ss = np.random.SeedSequence([int(seed), int(index), zlib.crc32(cell.key.encode())])
    return [np.random.default_rng(s) for s in ss.spawn(8)]


def _citizen(rng: np.random.Generator, model: str) -> Citizen:
    r = random.Random(int(rng.integers(0, 2**62)))
    emission = r.randint(_FIRST_ISSUE[model], _LAST_ISSUE[model])
    return generate_citizen(r, model=CardModel(model), emission_year=emission)


def _plane(art: np.ndarray, style: dict[str, Any], attack: str, rng: np.random.Generator) -> camera.Plane:
    radius = style["corner_radius_mm"] * design.MM
    if attack in ("genuine", "mixed_pair"):
        return camera.card_plane(art, radius)
    if attack == "grey_photocopy":
        return attacks.grey_photocopy(art, rng)
    if attack == "colour_photocopy":
        return attacks.colour_photocopy(art, rng)
    if attack == "laser_print":
        return attacks.laser_print(art, rng)
    if attack == "inkjet_print":
        return attacks.inkjet_print(art, rng)
    if attack == "phone_replay":
        return attacks.phone_replay(art, radius, rng)
    if attack == "monitor_replay":
        return attacks.monitor_replay(art, radius, rng)
    if attack == "photo_of_photo":
        return attacks.photo_of_photo(art, radius, rng)
    raise InvalidField("attack", f"unknown attack {attack!r}")


def photograph_side(art: design.CardArt, style: dict[str, Any], cell: Cell, cam: camera.CameraState, desk: str,
                    rng: np.random.Generator, quality: str = "normal") -> tuple[np.ndarray, dict[str, Any]]:
    """One side's scene and label: the attack's plane, placed per the cell's framing, photographed."""
    plane = _plane(art.image, style, cell.attack, rng)
    q = plane.card_quad
    # Every attack keeps the card's shape (a screen's plane is anisotropic, so not measured on the plane).
    quad, placement = camera.place_quad(rng, art.image.shape[1] / art.image.shape[0], cell.framing)
    to_frame = cv2.getPerspectiveTransform(q.astype(np.float32), quad)
    desk_img = camera.make_desk(rng, desk, *camera.FRAME_SIZE)
    scene, photo = camera.photograph(plane, to_frame, desk_img, cam, rng, quality=quality)
    h, w = art.image.shape[:2]
    card_to_plane = cv2.getPerspectiveTransform(np.float32([[0, 0], [w, 0], [w, h], [0, h]]), q.astype(np.float32))
    photo["card_to_frame"] = [[float(v) for v in row] for row in to_frame @ card_to_plane]
    photo["placement"] = placement
    photo["attack"] = {"kind": cell.attack, **plane.info}
    photo["desk"] = desk
    photo["art"] = art.label
    return scene, photo


def _build(seed: int, index: int, cell: Cell, faces_dir: Path | None) -> dict[str, Any]:
    """Everything of a case but its photographs: citizens, style, card art, camera, desk, scene rngs."""
    if not isinstance(index, int) or index < 0:
        raise InvalidField("index", f"must be a non-negative integer, got {index!r}")
    r_cit, r_style, r_front, r_back, r_scene_f, r_scene_b, r_cam, r_face = _streams(seed, index, cell)
    citizen = _citizen(r_cit, cell.design)
    back_citizen = _citizen(r_cit, cell.design) if cell.attack == "mixed_pair" else citizen
    style = design.sample_style(r_style, cell.tint, typeface_pool(seed))
    faces = list_faces(Path(faces_dir) if faces_dir is not None else None)
    face_file = faces[int(r_face.integers(len(faces)))]
    face_img, face_box = load_face(face_file.path)
    cast = CASTS[cell.cast]
    cam = camera.sample_camera(r_cam, str(cast["camera"]), tuple(cast["kelvin"]))  # type: ignore[arg-type]
    return {"citizen": citizen, "back_citizen": back_citizen, "style": style, "face_file": face_file,
            "front_art": design.render_front(citizen, style, face_img, face_box, r_front),
            "back_art": design.render_back(back_citizen, style, r_back), "camera": cam,
            "desk": str(r_cam.choice(camera.DESKS)), "rng_front": r_scene_f, "rng_back": r_scene_b}


def make_case(seed: int, index: int, cell: Cell, faces_dir: Path | None = None, quality: str = "normal") -> Case:
    """Case ``index`` of ``cell`` under ``seed``. Raises InvalidField on a bad index, FacesMissing without face
    photos, FontMissing without the Debian fonts (``typefaces.DEBIAN_PACKAGES``)."""
    b = _build(seed, index, cell, faces_dir)
    citizen, back_citizen, style, cam, desk = b["citizen"], b["back_citizen"], b["style"], b["camera"], b["desk"]
    front_art, back_art, face_file = b["front_art"], b["back_art"], b["face_file"]
    front, front_label = photograph_side(front_art, style, cell, cam, desk, b["rng_front"], quality)
    back, back_label = photograph_side(back_art, style, cell, cam, desk, b["rng_back"], quality)
    label = {
        "generator": "kiosk.dev.synth.varied",
        "is_specimen": True,
        "seed": seed,
        "seed_purpose": seed_purpose(seed),
        "index": index,
        "cell": cell.key,
        "design": cell.design, "tint": cell.tint, "cast": cell.cast, "attack": cell.attack,
        "framing": cell.framing,
        "is_attack": cell.attack != "genuine",
        "is_mixed_pair": cell.attack == "mixed_pair",
        "today": TODAY.isoformat(),
        "style": style,
        "face": {"file": face_file.path.name, "person": face_file.person},
        "front_truth": citizen.to_dict(),
        "back_truth": back_citizen.to_dict(),
        "mrz_lines": back_art.label["mrz_lines"],
        "front": front_label,
        "back": back_label,
    }
    return Case(cell, seed, index, front, back, label, citizen, back_citizen)


def preview_frames(seed: int, index: int, cell: Cell, side: str = "back", n_frames: int = 8,
                   frame_size: tuple[int, int] = (640, 480), fps: float = 15.0, faces_dir: Path | None = None
                   ) -> list[tuple[float, np.ndarray, dict[str, Any]]]:
    """Preview frames of one side of case (seed, index, cell) held in front of the camera: the same card, desk,
    light and camera, with hand tremor (≤ 0.4 % of the frame per corner), the laminate highlight sliding as
    the card tilts, a display's refresh banding drifting (its PWM is not locked to the frame rate), fresh
    noise each frame. Returns (timestamp_s, frame, label) with the true corners of each frame.

    Raises InvalidField for a bad side, n_frames outside 1-300, and what :func:`make_case` raises.
    """
    if side not in ("front", "back"):
        raise InvalidField("side", f"{side!r} is not 'front' or 'back'")
    if not isinstance(n_frames, int) or not 1 <= n_frames <= 300:
        raise InvalidField("n_frames", f"must be an integer 1-300, got {n_frames!r}")
    b = _build(seed, index, cell, faces_dir)
    art = b[f"{side}_art"]
    rng = b[f"rng_{side}"]
    plane = _plane(art.image, b["style"], cell.attack, rng)
    quad, placement = camera.place_quad(rng, art.image.shape[1] / art.image.shape[0], cell.framing, frame_size)
    desk_img = camera.make_desk(rng, b["desk"], *frame_size)
    hl = None
    if plane.gloss > 0 and rng.random() < 0.7:
        hl = {"strength": float(plane.gloss * rng.uniform(0.1, 1.0)),
              "centre_plane": [float(rng.uniform(0.2, 0.8)), float(rng.uniform(0.2, 0.8))],
              "radii_card": [float(rng.uniform(0.08, 0.35)), float(rng.uniform(0.04, 0.15))],
              "rot": float(rng.uniform(0, np.pi))}
    drift = rng.uniform(-1, 1, 2) * rng.uniform(0.01, 0.04)  # plane fractions per frame
    phase0, phase_rate = float(rng.uniform(0, 2 * np.pi)), float(rng.uniform(0.3, 2.5))
    fw, fh = frame_size
    base_seed = int(rng.integers(0, 2**62))
    frames = []
    for k in range(n_frames):
        fr = np.random.default_rng([base_seed, k])
        tremor = fr.normal(0, 0.0015 * fw, 2) + fr.normal(0, 0.0005 * fw, (4, 2))
        q = (quad + tremor).astype(np.float32)
        to_frame = cv2.getPerspectiveTransform(plane.card_quad.astype(np.float32), q)
        frame_hl = None
        if hl is not None:
            frame_hl = dict(hl, centre_plane=[float(np.clip(hl["centre_plane"][i] + k * drift[i], -0.2, 1.2))
                                              for i in range(2)])
        img, label = camera.photograph(plane, to_frame, desk_img, b["camera"], fr, frame_size, highlight=frame_hl,
                                       banding_phase=phase0 + k * phase_rate)
        label.update(placement=placement, attack={"kind": cell.attack, **plane.info}, desk=b["desk"],
                     cell=cell.key, side=side, frame_index=k)
        frames.append((round(k / fps, 4), img, label))
    return frames
