"""Ports: what the workers need from the parts (vision, face, store, the development camera director).

The workers (:mod:`kiosk.runtime.workers`) depend only on these; :mod:`kiosk.runtime.adapters` implements them
over the real parts and :mod:`kiosk.runtime.fakes` with fakes that keep the real rules.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from kiosk.flow import events as ev
from kiosk.flow.session import RecordDraft

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from kiosk.camera.base import Frame

    #: An H×W×3 BGR image as the camera and OpenCV give it.
    ImageBGR = NDArray[np.uint8]


@dataclass(frozen=True)
class FeedResult:
    """One preview judged for auto-capture. ``card_outline``: the card's corners (TL, TR, BR, BL) as fractions
    of the frame's width and height, when one was found, so the screen can draw it over the preview."""

    guidance: str | None
    progress: float
    is_ready: bool
    is_card_present: bool
    card_outline: tuple[tuple[float, float], ...] | None = None


@dataclass(frozen=True)
class PreviewView:
    """What the screen shows of one preview frame: the image (same ``image``/``index``/``timestamp_s`` as the
    camera's Frame) and, during a card step, the outline found in that very frame (None when none was)."""

    image: ImageBGR
    timestamp_s: float
    index: int
    card_outline: tuple[tuple[float, float], ...] | None = None


@dataclass(frozen=True)
class StillVerdict:
    """What one still gave: a reading to post, or guidance and 'try another still'."""

    reading: ev.CardReading | None  # set = done (accepted or refused)
    guidance: str | None = None  # when reading is None: what to tell the citizen
    # front: the analysis kept for the back's pair check; opaque to the workers, handed back to new_capture
    context: object | None = None


class CardCapturePort(Protocol):
    def feed(self, frame: Frame) -> FeedResult: ...
    def analyse_still(self, still_bgr: ImageBGR, attempt: int, is_last: bool, white_balance: Any = None
                      ) -> StillVerdict: ...
    def reset(self) -> None: ...


class VisionPort(Protocol):
    def new_capture(self, side: str, front_context: object | None) -> CardCapturePort: ...
    def evaluate(self, model: str, vigencia_year: int | None) -> str | None: ...


@dataclass(frozen=True)
class SelfieStep:
    guidance: str | None
    is_face_present: bool
    challenge: str | None
    challenge_guidance: str | None
    completed: int
    total: int
    is_done: bool


@dataclass(frozen=True)
class SelfieOutcome:
    is_live: bool
    score: float
    reasons: tuple[str, ...]


class SelfieSessionPort(Protocol):
    challenges: tuple[str, ...]

    def feed(self, image_bgr: ImageBGR, t_s: float) -> SelfieStep: ...
    def result(self) -> SelfieOutcome: ...


@dataclass(frozen=True)
class MatchOutcome:
    is_match: bool
    distance: float
    threshold: float


class FacePort(Protocol):
    def new_selfie(self, challenges: Sequence[str], rng: random.Random) -> SelfieSessionPort: ...
    def verify(self, selfie_bgr: ImageBGR, reference_bgr: ImageBGR) -> MatchOutcome: ...


class StorePort(Protocol):
    def check_space(self) -> tuple[bool, float]: ...
    def has_supported(self, process_id: str, cic: str, identificador: str) -> bool: ...
    def seal(self, draft: RecordDraft, consent_wall_s: float) -> str: ...
    def receipt_qr(self, folio: str, process_id: str, aspirant_id: str, sealed_wall_s: float) -> str: ...
    def note(self, event: str, reason: str) -> None: ...


class Director(Protocol):
    """Development only: plays the right synthetic scenes into a scripted camera for each capture step."""

    def on_card(self, side: str) -> None: ...
    def on_selfie(self, challenges: Sequence[str]) -> None: ...
    def on_session_end(self) -> None: ...


class PinGuardPort(Protocol):
    """Operator mode: wrong PIN tries and a running lockout, kept across restarts (``PinGuardFile``)."""

    def save(self, attempts_left: int, locked_for_s: float = 0.0) -> None: ...
    def load(self) -> tuple[int, float] | None: ...
