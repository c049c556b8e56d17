"""Development camera director: plays one SYNTHETIC citizen per session into the scripted camera.

In ``card_front`` it shows a camera scene of the citizen's SPECIMEN card front, in ``card_back`` its back, in
``selfie`` a live sequence of the same face answering the liveness challenges asked (H3's
``kiosk.dev.synth.live_sequence``). Scenarios replace one of these with an attack or a refusal case:

* ``photocopy``: the front is a grey photocopy;  ``expired``: the card's vigencia has passed;
* ``other_person``: the selfie shows someone else;  ``photo_held``: a printed photo is held to the camera;
* ``walk_away``: nothing is shown (the citizen left; the idle timer must reset the kiosk).

Faces come from the shared test photos (``../shared/faces`` beside the repository); citizens are generated.
"""

from __future__ import annotations

import csv
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from kiosk.errors import ConfigError

log = logging.getLogger(__name__)

SCENARIOS = ("happy", "photocopy", "other_person", "photo_held", "expired", "walk_away")
DEFAULT_FACES_DIR = Path(__file__).resolve().parents[3] / "shared" / "faces"
SELFIE_SIZE_PX = (640, 480)


@dataclass
class SyntheticSession:
    """The one synthetic citizen of a session and the scenes shown to the camera."""

    citizen: Any
    face_bgr: Any
    person: str
    other_face_bgr: Any
    front_scene: Any
    back_scene: Any


def read_faces(faces_dir: Path) -> list[tuple[Path, str]]:
    """(photo path, person label) from ``labels.csv``. Raises ConfigError when the folder is unusable."""
    labels = faces_dir / "labels.csv"
    if not labels.is_file():
        raise ConfigError(str(faces_dir), "no labels.csv: the development camera needs the shared face photos")
    out = []
    with labels.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            path = faces_dir / row["file"]
            if path.is_file() and row.get("person"):
                out.append((path, row["person"]))
    if len({p for _, p in out}) < 2:
        raise ConfigError(str(faces_dir), "needs photos of at least two people")
    return out


class CameraDirector:
    """Plays the scenes of the current synthetic citizen into a ScriptedCamera (see the module doc)."""

    def __init__(self, camera: Any, *, faces_dir: Path | None = None, seed: int = 0, scenario: str = "happy",
                 difficulty: str = "easy", today: date | None = None, selfie_fps: float = 15.0) -> None:
        if scenario not in SCENARIOS:
            raise ConfigError("scenario", f"{scenario!r} is not one of {', '.join(SCENARIOS)}")
        self._camera = camera
        self._faces = read_faces(faces_dir or DEFAULT_FACES_DIR)
        self._seed = seed
        self.scenario = scenario
        self._difficulty = difficulty
        self._today = today or date.today()
        self._selfie_fps = selfie_fps
        self._index = 0
        self._session: SyntheticSession | None = None
        self._detector: Any = None
        self._sequences: dict[tuple[str, tuple[str, ...]], list[tuple[float, Any]]] = {}

    # -- the citizen ------------------------------------------------------------------------------------------
    @property
    def session(self) -> SyntheticSession:
        if self._session is None:
            self._session = self._make(self._index)
        return self._session

    def _usable_face(self, rng: random.Random, exclude_person: str | None = None) -> tuple[Any, str]:
        import cv2

        from kiosk.face.detector import FaceDetector

        candidates = [(p, who) for p, who in self._faces if who != exclude_person]
        rng.shuffle(candidates)
        if self._detector is None:
            self._detector = FaceDetector()
        detector = self._detector
        for path, who in candidates:
            img = cv2.imread(str(path))
            if img is None or min(img.shape[:2]) < 200:
                continue
            faces = detector.detect(img)
            if len(faces) == 1:  # one clear face: a good card photo and selfie source
                return img, who
        raise ConfigError("faces", "no usable face photo found")

    def _make(self, index: int) -> SyntheticSession:
        import numpy as np

        from kiosk.credential.citizen import generate_citizen
        from kiosk.credential.models import CardModel
        from kiosk.dev.synth.card import render_back, render_front
        from kiosk.dev.synth.scene import make_scene

        rng = random.Random(self._seed * 1000 + index)
        face, person = self._usable_face(rng)
        other, _ = self._usable_face(rng, exclude_person=person)
        if self.scenario == "expired":
            citizen = generate_citizen(rng, model=CardModel.E, vigencia_year=self._today.year - 2)
        else:
            citizen = generate_citizen(rng, model=CardModel.G, vigencia_year=self._today.year + 5)
        nrng = np.random.default_rng(self._seed * 1000 + index)
        attack = "photocopy" if self.scenario == "photocopy" else None
        # The simulated camera balanced the light (as picamera2's auto white balance does, and says so in the
        # frame's metadata, see on_card): the scenes carry no residual colour cast.
        balanced = {"white_balance": [1.0, 1.0, 1.0]}
        front_scene, _ = make_scene(render_front(citizen, face), nrng, self._difficulty, attack=attack,
                                    overrides=balanced)
        back_scene, _ = make_scene(render_back(citizen), nrng, self._difficulty, overrides=balanced)
        return SyntheticSession(citizen, face, person, other, front_scene, back_scene)

    def _empty_scene(self) -> Any:
        """Nobody at the kiosk: the camera looks at the empty, dim document tray (sensor noise only)."""
        import numpy as np

        rng = np.random.default_rng(self._seed)
        return rng.normal(70.0, 4.0, (1200, 1600, 3)).clip(0, 255).astype(np.uint8)

    # -- Director ---------------------------------------------------------------------------------------------
    def on_card(self, side: str) -> None:
        if self.scenario == "walk_away":
            self._camera.play([self._empty_scene()])
            return
        from kiosk.camera.base import WhiteBalance

        s = self.session
        # What a Pi camera reports with each frame under the kiosk's ~4,500 K light (the fraud cues' reference).
        self._camera.play([s.front_scene if side == "front" else s.back_scene],
                          white_balance=WhiteBalance((1.62, 1.71), 4500.0))

    def on_selfie(self, challenges: Sequence[str]) -> None:
        self._camera.play(self.selfie_frames(challenges), loop=False)

    def selfie_frames(self, challenges: Sequence[str]) -> list[tuple[float, Any]]:
        """The (t_s, frame) sequence the selfie step shows for this scenario."""
        import numpy as np

        s = self.session
        rng = np.random.default_rng(self._seed * 7919 + self._index)
        if self.scenario == "photo_held":
            from kiosk.dev.synth.face_sequence import make_face_sequence

            return make_face_sequence(s.face_bgr, "photo_held", int(4 * self._selfie_fps), rng,
                                      frame_size=SELFIE_SIZE_PX)
        key = (self.scenario, tuple(challenges))
        if key not in self._sequences:
            from kiosk.dev.synth.live_sequence import make_live_sequence

            face = s.other_face_bgr if self.scenario == "other_person" else s.face_bgr
            self._sequences[key] = make_live_sequence(self._head(face), list(challenges), rng,
                                                      frame_size=SELFIE_SIZE_PX)
        return self._sequences[key]

    def _head(self, face_bgr: Any) -> Any:
        """Head and shoulders cut from the photo at about 420 px: the sequence generator warps the whole
        image, so a small source makes it several times faster with the same selfie framing."""
        import cv2

        boxes = self._detector.detect(face_bgr) if self._detector is not None else []
        if not boxes:
            return face_bgr
        x0, y0, x1, y1 = boxes[0].box_xyxy
        half = 1.6 * (x1 - x0)
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        h, w = face_bgr.shape[:2]
        crop = face_bgr[int(max(0, cy - 1.1 * half)):int(min(h, cy + 1.2 * half)),
                        int(max(0, cx - half)):int(min(w, cx + half))]
        scale = 420 / max(crop.shape[:2])
        return cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else crop.copy()

    def on_session_end(self) -> None:
        if self._session is not None:
            self._index += 1
            self._session = None
            self._sequences.clear()

