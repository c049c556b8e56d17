"""Effects: what the machine asks the outside world to do, as data named like commands.

The controller hands them to ``kiosk.runtime.workers``; results come back as events (see ``events.py``) carrying the
same ``job`` number. Effects never carry callbacks, so tests compare them with ``==``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kiosk.flow.session import RecordDraft

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray


@dataclass(frozen=True)
class StartCardCapture:
    """Start the camera (if needed) and auto-capture one side. Results: CardGuidance*, CardCaptured | CameraFailed."""

    job: int
    side: str  # 'front' | 'back'


@dataclass(frozen=True)
class StopCamera:
    """Stop capturing (leaving a camera step, help, idle warning, reset). Idempotent."""


@dataclass(frozen=True)
class EvaluateCard:
    """Check a hand-picked card model against the accepted models and the vigencia. Result: CardEvaluated."""

    job: int
    model: str
    vigencia_year: int | None


@dataclass(frozen=True)
class CheckDuplicate:
    """Has this credential already supported this process on this device? Result: DuplicateChecked."""

    job: int
    process_id: str
    cic: str
    identificador: str


@dataclass(frozen=True)
class StartSelfie:
    """Start the selfie with a liveness challenge. ``challenges`` empty = the worker plans them
    (``kiosk.face.liveness.plan_challenges``). Results: SelfieGuidance*, LivenessProgressed*, LivenessFinished."""

    job: int
    challenges: tuple[str, ...] = ()


@dataclass(frozen=True)
class RunFaceMatch:
    """Compare the live selfie with the photo cut from the card. Result: FaceMatched."""

    job: int
    selfie: NDArray[np.uint8] = field(compare=False)  # BGR
    reference: NDArray[np.uint8] = field(compare=False)  # BGR


@dataclass(frozen=True)
class SealRecord:
    """Seal the record and commit it durably. Result: RecordSealed(folio) | SealFailed(reason)."""

    job: int
    draft: RecordDraft


@dataclass(frozen=True)
class CheckOperatorPin:
    """Verify the operator PIN against the stored hash. Result: OperatorPinChecked."""

    job: int
    pin: str


@dataclass(frozen=True)
class CheckProcesses:
    """Which processes are active today, by the clock now. Result: ProcessesActive."""


@dataclass(frozen=True)
class CheckStorage:
    """Check free space. Result: StorageChecked."""


@dataclass(frozen=True)
class Speak:
    """Read a catalog string aloud (voice guidance on). ``key`` is an i18n key such as 'voice.card_front'."""

    key: str
    language: str


@dataclass(frozen=True)
class WipeSession:
    """The session ended: the controller scrubs the old session's images and drops every reference."""


@dataclass(frozen=True)
class SavePinState:
    """Keep the operator PIN guard across restarts: attempts left, and the lockout (seconds) just started
    (0 = none)."""

    attempts_left: int
    locked_for_s: float = 0.0


@dataclass(frozen=True)
class AuditNote:
    """Something an auditor should see ('session.cancelled', 'face.refused', ...). Never personal data."""

    kind: str
    detail: str = ""


#: Any one effect (the machine returns a tuple of them).
Effect = (StartCardCapture | StopCamera | EvaluateCard | CheckDuplicate | StartSelfie | RunFaceMatch |
    SealRecord | CheckOperatorPin | CheckStorage | Speak | WipeSession | SavePinState | AuditNote)
