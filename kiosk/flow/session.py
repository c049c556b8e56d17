"""The citizen's data while one session lasts, in one object that a reset drops.

Nothing here is written anywhere: it lives in the kiosk process's memory until the record is sealed (the
store encrypts it to central) or the session ends. :func:`scrub` zeroes the images in place before the last
reference is dropped, so a memory dump after a reset does not hold the citizen's face or card.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kiosk.flow.events import CardReading, Stroke


@dataclass(frozen=True)
class Session:
    """Everything captured from one citizen. Immutable: the machine replaces it step by step."""

    process_id: str | None = None
    aspirant_id: str | None = None
    operator_id: str | None = None
    consent_at_s: float | None = None  # monotonic time of the consent
    front: CardReading | None = None
    back: CardReading | None = None
    card_model: str | None = None  # detected, or picked by the citizen
    is_model_picked: bool = False
    is_duplicate: bool = False
    selfie: Any = field(default=None, compare=False)  # best live frame
    liveness_score: float | None = None
    match_distance: float | None = None
    match_threshold: float | None = None
    match_attempts: int = 0
    card_attempts: int = 0
    signature: tuple[Stroke, ...] = ()
    folio: str | None = None
    receipt_qr: str = ""  # the signed receipt text the QR carries (after sealing only)
    sealed_wall_s: float | None = None  # when the record was sealed (Unix seconds), for the receipt

    @property
    def is_empty(self) -> bool:
        """True when nothing of a citizen is held (images included, which ``==`` ignores)."""
        return self == Session() and self.selfie is None


@dataclass(frozen=True)
class RecordDraft:
    """What SealRecord hands to the store worker (which builds ``kiosk.store.record.CaptureRecord``)."""

    process_id: str
    aspirant_id: str
    operator_id: str | None
    language: str
    card_model: str
    is_model_picked: bool
    fields: Mapping[str, str]  # MRZ fields (see CardReading)
    front_image: Any = field(compare=False)
    back_image: Any = field(compare=False)
    face_crop: Any = field(compare=False)
    selfie: Any = field(compare=False)
    liveness_score: float
    match_distance: float
    match_threshold: float
    match_attempts: int
    signature: tuple[Stroke, ...]
    fraud_flags: tuple[str, ...] = ()
    details: Mapping[str, Any] = field(default_factory=dict)


def draft_from_session(s: Session, language: str) -> RecordDraft:
    """Build the record draft. Raises ValueError naming what is missing (a programming error in the flow)."""
    front, back = s.front, s.back
    missing = [name for name, value in (("process_id", s.process_id), ("aspirant_id", s.aspirant_id),
                                        ("front", front), ("back", back), ("card_model", s.card_model),
                                        ("selfie", s.selfie), ("match_distance", s.match_distance))
               if value is None]
    if not s.signature:
        missing.append("signature")
    if missing or front is None or back is None:
        raise ValueError(f"session incomplete, missing: {', '.join(missing)}")
    return RecordDraft(
        process_id=s.process_id or "", aspirant_id=s.aspirant_id or "", operator_id=s.operator_id,
        language=language, card_model=s.card_model or "", is_model_picked=s.is_model_picked,
        fields=dict(back.fields), front_image=front.image, back_image=back.image,
        face_crop=front.face_crop, selfie=s.selfie, liveness_score=float(s.liveness_score or 0.0),
        match_distance=float(s.match_distance or 0.0), match_threshold=float(s.match_threshold or 0.0),
        match_attempts=s.match_attempts, signature=s.signature,
        fraud_flags=tuple(front.fraud_flags) + tuple(back.fraud_flags),
        details={"front": dict(front.details), "back": dict(back.details)},
    )


def _arrays(obj: Any, seen: set[int]) -> list[Any]:
    """Every array-like (has ``fill`` and ``flags``) reachable from the session's dataclasses/mappings."""
    if id(obj) in seen or obj is None or isinstance(obj, (str, bytes, int, float, bool)):
        return []
    seen.add(id(obj))
    if hasattr(obj, "fill") and hasattr(obj, "flags"):
        return [obj]
    found: list[Any] = []
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            found += _arrays(getattr(obj, f.name), seen)
    elif isinstance(obj, Mapping):
        for v in obj.values():
            found += _arrays(v, seen)
    elif isinstance(obj, (tuple, list)):
        for v in obj:
            found += _arrays(v, seen)
    return found


def scrub(session: Session | None) -> int:
    """Zero, in place, every writeable image the session holds. Returns how many arrays were zeroed."""
    if session is None:
        return 0
    count = 0
    for arr in _arrays(session, set()):
        if getattr(arr.flags, "writeable", False):
            arr.fill(0)
            count += 1
    return count
