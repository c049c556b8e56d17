"""Fakes of the worker ports (vision, face, store) that keep the real rules, for tests and UI development.

They decide from what the camera shows, not from call order: a card is "read" once the scripted camera has
shown a frame for the fake's ``frames_to_ready``; a selfie is live once enough frames with a face went by.
Images are numpy arrays; what they return is tagged so tests can check what went where.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from kiosk.errors import StorageFull
from kiosk.flow import events as ev
from kiosk.flow.session import RecordDraft
from kiosk.runtime.ports import FeedResult, MatchOutcome, SelfieOutcome, SelfieStep, StillVerdict


@dataclass
class FakeVision:
    """Auto-captures after ``frames_to_ready`` previews; the still gives ``front``/``back`` readings
    (``None`` results in ``unreadable_stills`` first). Every preview reports ``card_outline`` (fractions of the
    frame) as the card found."""

    front: ev.CardReading
    back: ev.CardReading
    frames_to_ready: int = 3
    unreadable_stills: int = 0
    refusal_for_model: dict[str, str | None] = field(default_factory=dict)
    card_outline: tuple[tuple[float, float], ...] | None = ((0.2, 0.25), (0.8, 0.25), (0.8, 0.75), (0.2, 0.75))
    stills_analysed: int = 0

    def new_capture(self, side: str, front_context: Any) -> _FakeCapture:
        return _FakeCapture(self, side)

    def evaluate(self, model: str, vigencia_year: int | None) -> str | None:
        return self.refusal_for_model.get(model, "card.model_unsupported")


class _FakeCapture:
    def __init__(self, owner: FakeVision, side: str) -> None:
        self._o = owner
        self._side = side
        self._seen = 0

    def feed(self, frame: Any) -> FeedResult:
        self._seen += 1
        progress = min(1.0, self._seen / self._o.frames_to_ready)
        return FeedResult(guidance=None if progress >= 0.5 else "card.hold_still", progress=progress,
                          is_ready=progress >= 1.0, is_card_present=True,
                          card_outline=self._o.card_outline)

    def reset(self) -> None:
        self._seen = 0

    def analyse_still(self, still_bgr: Any, attempt: int, is_last: bool, white_balance: Any = None) -> StillVerdict:
        self._o.stills_analysed += 1
        if attempt <= self._o.unreadable_stills and not is_last:
            return StillVerdict(None, guidance="card.blurry")
        return StillVerdict(self._o.front if self._side == "front" else self._o.back, context=self._side)


@dataclass
class FakeFace:
    """Live after ``frames_to_live`` frames; matches when ``is_same_person``."""

    is_same_person: bool = True
    is_live: bool = True
    frames_to_live: int = 6
    distance_same: float = 0.35
    distance_other: float = 0.85
    threshold: float = 0.6
    matches: int = 0
    pipeline: Any = None

    def new_selfie(self, challenges: Sequence[str], rng: random.Random) -> _FakeSelfie:
        return _FakeSelfie(self, tuple(challenges) or ("blink", "turn_left"))

    def verify(self, selfie_bgr: Any, reference_bgr: Any) -> MatchOutcome:
        self.matches += 1
        d = self.distance_same if self.is_same_person else self.distance_other
        return MatchOutcome(is_match=d < self.threshold, distance=d, threshold=self.threshold)


class _FakeSelfie:
    def __init__(self, owner: FakeFace, challenges: tuple[str, ...]) -> None:
        self._o = owner
        self.challenges = challenges
        self._frames = 0

    def feed(self, image_bgr: Any, t_s: float) -> SelfieStep:
        self._frames += 1
        per = max(1, self._o.frames_to_live // len(self.challenges))
        done = min(len(self.challenges), self._frames // per)
        current = self.challenges[min(done, len(self.challenges) - 1)]
        return SelfieStep(guidance=None, is_face_present=True, challenge=current, challenge_guidance=None,
                          completed=done, total=len(self.challenges), is_done=self._frames >= self._o.frames_to_live)

    def result(self) -> SelfieOutcome:
        if self._o.is_live:
            return SelfieOutcome(is_live=True, score=0.92, reasons=())
        return SelfieOutcome(is_live=False, score=0.1, reasons=("face.not_live",))


@dataclass
class FakeStore:
    """Keeps drafts in memory; ``free_mb`` below ``min_free_mb`` = full. ``supported`` holds (process, cic, id)."""

    free_mb: float = 5000.0
    min_free_mb: float = 200.0
    supported: set[tuple[str, str, str]] = field(default_factory=set)
    sealed: list[RecordDraft] = field(default_factory=list)
    fail_with: Exception | None = None
    notes: list[tuple[str, str]] = field(default_factory=list)

    def note(self, event: str, reason: str) -> None:
        self.notes.append((event, reason))

    def check_space(self) -> tuple[bool, float]:
        return self.free_mb >= self.min_free_mb, self.free_mb

    def has_supported(self, process_id: str, cic: str, identificador: str) -> bool:
        return (process_id, cic, identificador) in self.supported

    def seal(self, draft: RecordDraft, wall_s: float) -> str:
        if self.fail_with is not None:
            raise self.fail_with
        if self.free_mb < self.min_free_mb:
            raise StorageFull("fake store is full")
        self.sealed.append(draft)
        self.supported.add((draft.process_id, draft.fields.get("cic", ""), draft.fields.get("identificador", "")))
        return f"FAKE-{len(self.sealed):04d}-X"
