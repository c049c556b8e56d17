"""Events: things that happened, named in the past tense, as frozen dataclasses.

Two families reach :func:`kiosk.flow.machine.step`:

* **UI intents** (the citizen or operator touched something): posted by ``controller.dispatch(event)``.
* **Worker results** (camera, vision, face, store finished something): posted by ``kiosk.runtime.workers``.
  Every worker result carries the ``job`` number of the effect that asked for it; the machine drops results
  of jobs it no longer waits for (the citizen cancelled, opened help, or the step moved on), so a late frame
  can never leak into the next step or the next citizen.

Images are carried as opaque objects (numpy arrays in practice); the flow never looks inside them, and they
are left out of ``==`` (``field(compare=False)``) so comparing events or sessions never compares pixels.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# ---------------------------------------------------------------------------------------------------------
# Payloads carried by worker results
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CardReading:
    """What the vision worker read from one side of the credential (already turned into flow terms).

    ``fields`` (back side, from the MRZ): ``surname_paternal``, ``surname_maternal``, ``given_names``,
    ``cic``, ``identificador``, ``seccion``, ``birth_date`` (ISO), ``sex``, ``expiry_date`` (ISO),
    ``vigencia_year``; plus ``curp``/``clave_elector`` when read. Empty for the front.
    ``model``: card model letter 'A'..'H' or None when it could not be detected.
    ``refusal_reason``: None, or a code such as 'card.expired', 'card.model_unsupported', 'card.photocopy',
    'card.screen', 'card.unreadable', 'card.pair_mismatch'.
    """

    side: str  # 'front' | 'back'
    image: Any = field(default=None, compare=False)  # rectified card image (BGR) kept for the record
    fields: Mapping[str, str] = field(default_factory=dict)
    model: str | None = None
    refusal_reason: str | None = None
    face_crop: Any = field(default=None, compare=False)  # front only: the photo printed on the card
    fraud_flags: tuple[str, ...] = ()
    details: Mapping[str, Any] = field(default_factory=dict)  # scores and timings, no personal data


@dataclass(frozen=True)
class Stroke:
    """One signature stroke: points as (x_px, y_px, t_s) relative to the pad's top-left and the first touch."""

    points: tuple[tuple[float, float, float], ...]


# ---------------------------------------------------------------------------------------------------------
# UI intents
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StartPressed:
    """The citizen (or operator) touched "Comenzar" on the welcome screen."""


@dataclass(frozen=True)
class BackRequested:
    """The citizen touched "Volver" on the aspirant list: the process was the wrong one, choose it again."""


@dataclass(frozen=True)
class LanguageChosen:
    language: str  # 'es' | 'en'


@dataclass(frozen=True)
class AccessibilityToggled:
    flag: str  # 'high_contrast' | 'large_text' | 'voice'


@dataclass(frozen=True)
class PinEntered:
    pin: str  # digits typed on the operator keypad; never logged


@dataclass(frozen=True)
class ProcessChosen:
    process_id: str


@dataclass(frozen=True)
class AspirantChosen:
    aspirant_id: str


@dataclass(frozen=True)
class ConsentGiven:
    """The citizen ticked the consent box and pressed "Acepto" after reading the privacy notice."""


@dataclass(frozen=True)
class ConsentDeclined:
    """The citizen chose not to consent: no penalty, back to the welcome screen."""


@dataclass(frozen=True)
class CardModelChosen:
    model: str  # 'A'..'H' as picked from the pictures


@dataclass(frozen=True)
class DataConfirmed:
    """The data read from the card are right."""


@dataclass(frozen=True)
class DataRejected:
    """The data read are wrong: capture the card again."""


@dataclass(frozen=True)
class PhotoConfirmed:
    """"Sí, es mi foto"."""


@dataclass(frozen=True)
class PhotoRejected:
    """"No es mi foto" (or the crop is bad): capture the card again."""


@dataclass(frozen=True)
class SelfieTipsRead:
    """The citizen is ready for the selfie."""


@dataclass(frozen=True)
class SignatureSubmitted:
    strokes: tuple[Stroke, ...]


@dataclass(frozen=True)
class SignatureCleared:
    """The citizen cleared the pad to sign again."""


@dataclass(frozen=True)
class Confirmed:
    """Generic "continue / finish" on screens with one main button (confirm, duplicate warning, receipt,
    refusals, failsafe)."""


@dataclass(frozen=True)
class CancelRequested:
    """"Cancelar": end the session now and wipe it, or, once something of the citizen has been captured, ask
    "¿Quieres salir?" first (the flow decides which; see ``kiosk.flow.states.CONFIRM_CANCEL_STATES``)."""


@dataclass(frozen=True)
class CancelConfirmed:
    """"Sí, salir" on the "¿Quieres salir?" dialog (or "Terminar" after "No acepto"): end and wipe now."""


@dataclass(frozen=True)
class CancelKept:
    """"No, seguir" on the "¿Quieres salir?" dialog: close it and go on with the step where it was."""


@dataclass(frozen=True)
class HelpRequested:
    """Open the help overlay."""


@dataclass(frozen=True)
class HelpClosed:
    """Close the help overlay and return to the step it was opened from."""


@dataclass(frozen=True)
class StillHereConfirmed:
    """"Sí, sigo aquí" on the idle warning."""


@dataclass(frozen=True)
class RetryRequested:
    """Try again (selfie after a failed match, card after an unreadable/photocopy refusal)."""


@dataclass(frozen=True)
class StaffHelpRequested:
    """The citizen asks for staff help from a refusal screen (opens help with the contacts)."""


@dataclass(frozen=True)
class ProcessesActive:
    """Which catalog processes are collecting today (by id), from the clock at the time of the check. Sent at
    every return to welcome and every minute: a process whose window closed is not offered to the next
    citizen, while a session already inside it still seals (its window was open when it started)."""

    process_ids: tuple[str, ...]


@dataclass(frozen=True)
class Tick:
    """Time passed; ``now_s`` is the injected clock's monotonic seconds. Sent by the controller every frame."""

    now_s: float


# ---------------------------------------------------------------------------------------------------------
# Worker results (each carries the job number of the effect that asked for it)
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CardGuidance:
    """Auto-capture feedback for the live preview. ``guidance``: code like 'card.move_closer' or None when
    good; ``progress`` 0..1 towards the auto-capture; ``is_card_present`` counts as activity for the idle timer."""

    job: int
    guidance: str | None
    progress: float = 0.0
    is_card_present: bool = False


@dataclass(frozen=True)
class CardCaptured:
    job: int
    side: str  # 'front' | 'back'
    reading: CardReading


@dataclass(frozen=True)
class CardEvaluated:
    """Result of EvaluateCard after the citizen picked the model by hand."""

    job: int
    model: str
    refusal_reason: str | None


@dataclass(frozen=True)
class DuplicateChecked:
    job: int
    is_duplicate: bool


@dataclass(frozen=True)
class SelfieGuidance:
    """Selfie quality feedback (e.g. 'face.move_closer', 'face.more_light'); None when good."""

    job: int
    guidance: str | None
    is_face_present: bool = False


@dataclass(frozen=True)
class LivenessProgressed:
    job: int
    challenge: str | None  # the challenge being asked now: 'blink' | 'turn_left' | 'turn_right' | ...
    guidance: str | None
    completed: int = 0  # challenges done so far
    total: int = 0


@dataclass(frozen=True)
class LivenessFinished:
    job: int
    is_live: bool
    selfie: Any = field(default=None, compare=False)  # best frame of the sequence (BGR), for the match and the record
    score: float = 0.0
    reasons: tuple[str, ...] = ()  # codes such as 'face.not_live', 'face.timeout'


@dataclass(frozen=True)
class FaceMatched:
    job: int
    is_match: bool
    distance: float
    threshold: float


@dataclass(frozen=True)
class OperatorPinChecked:
    job: int
    is_ok: bool
    operator_id: str | None = None


@dataclass(frozen=True)
class PinStateRestored:
    """At start, what the last run left of the operator PIN guard: wrong attempts still allowed, and seconds
    of lockout still to serve (0 = not locked). A restart must not hand out fresh attempts."""

    attempts_left: int
    locked_for_s: float = 0.0


@dataclass(frozen=True)
class StorageChecked:
    """Free space status (sent at start and after each seal). ``is_ok`` False = below the floor."""

    is_ok: bool
    free_mb: float = 0.0


@dataclass(frozen=True)
class RecordSealed:
    """Sealed and durable. ``receipt_qr``: the signed receipt text (kiosk.store.citizen_receipt), '' if none;
    ``sealed_wall_s``: when (Unix seconds), for the receipt's date and time."""

    job: int
    folio: str
    receipt_qr: str = ""
    sealed_wall_s: float | None = None


@dataclass(frozen=True)
class SealFailed:
    job: int
    reason: str  # 'storage.full' | 'store.key_missing' | 'store.error'


@dataclass(frozen=True)
class CameraFailed:
    job: int
    reason: str  # 'camera.unavailable' | 'camera.timeout'


@dataclass(frozen=True)
class WorkerCrashed:
    """An unexpected exception in a worker (or in the machine itself): go to the failsafe screen."""

    reason: str  # short code or exception class name; never personal data


UI_INTENTS: tuple[type, ...] = (
    StartPressed, LanguageChosen, AccessibilityToggled, PinEntered, ProcessChosen, AspirantChosen, ConsentGiven,
    ConsentDeclined, CardModelChosen, DataConfirmed, DataRejected, PhotoConfirmed, PhotoRejected, SelfieTipsRead,
    SignatureSubmitted, SignatureCleared, Confirmed, CancelRequested, CancelConfirmed, CancelKept, HelpRequested, HelpClosed,
    StillHereConfirmed, RetryRequested, StaffHelpRequested,
)

#: Any one event (what the machine's step function takes; CardReading and Stroke are what some carry).
Event = (StartPressed | BackRequested | LanguageChosen | AccessibilityToggled |
    PinEntered | ProcessChosen | AspirantChosen | ConsentGiven | ConsentDeclined | CardModelChosen |
    DataConfirmed | DataRejected | PhotoConfirmed | PhotoRejected | SelfieTipsRead | SignatureSubmitted |
    SignatureCleared | Confirmed | CancelRequested | HelpRequested | HelpClosed | StillHereConfirmed |
    RetryRequested | StaffHelpRequested | Tick | CardGuidance | CardCaptured | CardEvaluated |
    DuplicateChecked | SelfieGuidance | LivenessProgressed | LivenessFinished | FaceMatched |
    OperatorPinChecked | PinStateRestored | StorageChecked | RecordSealed | SealFailed | CameraFailed |
    WorkerCrashed)
