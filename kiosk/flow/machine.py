"""The whole capture flow in one pure function: ``step(machine, event) -> (machine, effects)``.

No I/O, no clock reads, no threads: time arrives as ``Tick(now_s)``, results of slow work arrive as events
carrying the job number of the effect that asked for them. The graph (read it top to bottom):

    welcome ─Start─▶ [operator_pin] ─▶ [choose_process] ─▶ [choose_aspirant] ─▶ privacy_notice
      ─Consent─▶ card_front ─captured─▶ card_back ─captured─▶ ([choose_card_model] ─▶ evaluate)
      ─▶ duplicate check ─▶ [duplicate_warning] ─▶ review_data ─▶ review_photo ─▶ selfie_tips ─▶ selfie
      ─live─▶ face_match ─match─▶ signature ─▶ confirm ─▶ sealing ─sealed─▶ receipt ─▶ welcome
    face_match/selfie failures ─▶ match_retry (attempts left) | match_refused (none left)
    bad card ─▶ card_refused (retry when it may help) ; no space ─▶ out_of_service ; worker error ─▶ failsafe
    any citizen step: Cancel ─▶ welcome (wiped), Help ─▶ help ─▶ back, idle ─▶ idle_warning ─▶ welcome (wiped)

Every path back to welcome emits ``WipeSession`` and replaces the session with an empty one.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kiosk.flow import effects as fx
from kiosk.flow import events as ev
from kiosk.flow.session import Session, draft_from_session
from kiosk.flow.states import (
    CAMERA_STATES,
    CITIZEN_STATES,
    CONFIRM_CANCEL_STATES,
    HELP_STATES,
    IDLE_WATCHED_STATES,
    State,
)

#: Card refusals worth another try with the original card (the others are final: expired, unsupported model).
RETRYABLE_CARD_REASONS = frozenset({
    "card.photocopy", "card.screen", "card.unreadable", "card.pair_mismatch", "card.partial", "card.no_face",
    "card.blank", "card.data_rejected", "card.photo_rejected",
})
ACCESSIBILITY_FLAGS = ("high_contrast", "large_text", "voice")
LANGUAGES = ("es", "en")
CARD_MODELS = ("A", "B", "C", "D", "E", "F", "G", "H")


@dataclass(frozen=True)
class FlowSettings:
    """What the flow needs from configuration and the catalog (built by the composition root)."""

    processes: tuple[Any, ...] = ()  # kiosk.catalog.Process: every process of the catalog (which are active
    # today arrives as ProcessesActive; until then all of these are offered)
    is_operator_mode: bool = False
    idle_timeout_s: float = 60.0
    idle_countdown_s: float = 15.0
    pin_attempts: int = 3
    pin_lockout_s: float = 300.0
    max_match_attempts: int = 3
    max_card_attempts: int = 3
    receipt_timeout_s: float = 30.0
    failsafe_timeout_s: float = 30.0
    capture_timeout_s: float = 120.0
    language: str = "es"
    high_contrast: bool = False
    large_text: bool = False
    voice: bool = False
    accepted_models: tuple[str, ...] = ("E", "F", "G", "H")
    support: Mapping[str, str] = field(default_factory=dict)  # phone, email, hours

    @classmethod
    def from_config(cls, cfg: Any, processes: Sequence[Any]) -> FlowSettings:
        """From a ``kiosk.config.Config`` and the active processes."""
        ui = cfg.ui
        return cls(
            processes=tuple(processes), is_operator_mode=cfg.device.mode == "operator",
            idle_timeout_s=ui.idle_timeout_s, idle_countdown_s=ui.idle_countdown_s,
            pin_attempts=ui.operator_pin_attempts, pin_lockout_s=ui.operator_lockout_s,
            max_match_attempts=cfg.face.max_match_attempts, max_card_attempts=ui.max_card_attempts,
            receipt_timeout_s=ui.receipt_timeout_s, failsafe_timeout_s=ui.failsafe_timeout_s,
            capture_timeout_s=ui.capture_timeout_s,
            language=ui.language, high_contrast=ui.high_contrast, large_text=ui.large_text, voice=ui.voice,
            accepted_models=tuple(cfg.credential.accepted_models),
            support={"phone": cfg.support.phone, "email": cfg.support.email, "hours": cfg.support.hours,
                     "hours_en": cfg.support.hours_en,
                     # the privacy notice says how long records stay after INE's receipt: from config, truthfully
                     "purge_grace_days": f"{cfg.store.purge_grace_days:g}"},
        )


@dataclass(frozen=True)
class Machine:
    """The flow's whole state. Immutable; ``step`` returns a new one."""

    settings: FlowSettings
    state: State = State.WELCOME
    session: Session = field(default_factory=Session)
    now_s: float = 0.0
    last_activity_s: float = 0.0
    step_started_s: float = 0.0  # when the current state was entered
    deadline_s: float | None = None  # idle countdown, receipt, failsafe, PIN lockout
    resume: State | None = None  # where help / idle warning return to
    job: int = 0  # the worker job whose results are awaited; older results are dropped
    pending: str | None = None  # 'pin' | 'duplicate' | 'evaluate' while a quick check runs
    language: str = "es"
    high_contrast: bool = False
    large_text: bool = False
    voice: bool = False
    pin_attempts_left: int = 3
    is_storage_ok: bool = True
    guidance: str | None = None
    progress: float = 0.0
    challenge: str | None = None
    challenge_guidance: str | None = None
    liveness_completed: int = 0
    liveness_total: int = 0
    reason: str | None = None  # refusal / failsafe / out-of-service reason code
    notice: str | None = None  # transient message code: 'pin.wrong', 'signature.empty', ...
    is_cancel_asked: bool = False  # "¿Quieres salir?" is open over the current step (or "No acepto" was tapped)
    held: Any = None  # a result of the step's work that arrived while help/idle/cancel was in front
    active_process_ids: frozenset[str] | None = None  # offered to a new citizen; None = every process

    def with_(self, **changes: Any) -> Machine:
        return dataclasses.replace(self, **changes)


Result = tuple[Machine, tuple[Any, ...]]


def new_machine(settings: FlowSettings, now_s: float = 0.0) -> Machine:
    """The machine at power-on: welcome screen, defaults from the settings."""
    return Machine(settings=settings, now_s=now_s, last_activity_s=now_s, language=settings.language,
                   high_contrast=settings.high_contrast, large_text=settings.large_text, voice=settings.voice,
                   pin_attempts_left=settings.pin_attempts)


# ------------------------------------------------------------------------------------------------------------
# Helpers: entering states, resets
# ------------------------------------------------------------------------------------------------------------


def _go(m: Machine, state: State, effects: Sequence[Any] = (), **changes: Any) -> Result:
    """Enter ``state``: stop/start the camera as needed, clear transient fields, speak the step."""
    out: list[Any] = []
    was_camera = m.state in CAMERA_STATES
    m = m.with_(state=state, last_activity_s=m.now_s, step_started_s=m.now_s, pending=None, guidance=None,
                progress=0.0,
                challenge=None, challenge_guidance=None, liveness_completed=0, liveness_total=0, notice=None,
                is_cancel_asked=False, held=None, **changes)
    if state == State.CARD_FRONT or state == State.CARD_BACK:
        m = m.with_(job=m.job + 1)
        out.append(fx.StartCardCapture(job=m.job, side="front" if state == State.CARD_FRONT else "back"))
    elif state == State.SELFIE:
        m = m.with_(job=m.job + 1)
        out.append(fx.StartSelfie(job=m.job))
    elif was_camera:
        out.append(fx.StopCamera())
    out.extend(effects)
    if m.voice:
        out.append(fx.Speak(key=f"voice.{state.value}", language=m.language))
    return m, tuple(out)


def _reset(m: Machine, audit: str, state: State = State.WELCOME, reason: str | None = None,
           deadline_s: float | None = None) -> Result:
    """End the citizen's session: a fresh session, defaults restored, every pending job abandoned."""
    s = m.settings
    fresh = m.with_(state=state, session=Session(), resume=None, job=m.job + 1, pending=None,
                    language=s.language, high_contrast=s.high_contrast, large_text=s.large_text,
                    voice=s.voice, guidance=None, progress=0.0, challenge=None, challenge_guidance=None,
                    liveness_completed=0, liveness_total=0, reason=reason, notice=None,
                    is_cancel_asked=False, held=None, deadline_s=deadline_s, last_activity_s=m.now_s, step_started_s=m.now_s)
    # the next citizen is offered only what is open by the clock now (re-checked at every return to welcome)
    return fresh, (fx.StopCamera(), fx.WipeSession(), fx.AuditNote(kind=audit, detail=reason or ""),
                   fx.CheckProcesses())


def fail(m: Machine, reason: str) -> Result:
    """Go to the failsafe screen (unexpected error), wiping the session. Used by the controller too."""
    return _reset(m, "flow.failsafe", State.FAILSAFE, reason=reason,
                  deadline_s=m.now_s + m.settings.failsafe_timeout_s)


def _process(m: Machine, process_id: str | None) -> Any | None:
    """Any process of the catalog (a session goes on in a process that closed after it started)."""
    return next((p for p in m.settings.processes if p.id == process_id), None)


def offered_processes(m: Machine) -> tuple[Any, ...]:
    """The processes a citizen starting now may choose: the active ones."""
    ids = m.active_process_ids
    return tuple(p for p in m.settings.processes if ids is None or p.id in ids)


def _after_start(m: Machine) -> Result:
    """After the PIN (or straight from welcome): choose the process, skipped when there is only one."""
    processes = offered_processes(m)
    if len(processes) == 1:
        return _after_process(m, processes[0])
    return _go(m, State.CHOOSE_PROCESS)


def _after_process(m: Machine, process: Any) -> Result:
    m = m.with_(session=dataclasses.replace(m.session, process_id=process.id))
    if len(process.aspirants) == 1:
        return _go(m, State.PRIVACY_NOTICE,
                   session=dataclasses.replace(m.session, aspirant_id=process.aspirants[0].id))
    return _go(m, State.CHOOSE_ASPIRANT)


def _refuse_card(m: Machine, reason: str) -> Result:
    s = dataclasses.replace(m.session, card_attempts=m.session.card_attempts + 1)
    return _go(m, State.CARD_REFUSED, (fx.AuditNote(kind="card.refused", detail=reason),), session=s,
               reason=reason)


def _recapture(m: Machine, why: str) -> Result:
    """The citizen says the data or photo are wrong: capture the card again, while attempts remain."""
    attempts = m.session.card_attempts + 1
    if attempts >= m.settings.max_card_attempts:
        return _refuse_card(m, why)
    s = dataclasses.replace(m.session, front=None, back=None, card_model=None, is_model_picked=False,
                            is_duplicate=False, card_attempts=attempts)
    # Say so first, with a button that does what it says ("Tomar otra vez"): jumping straight back to the camera
    # left the citizen looking at "Ahora muestra la parte de atrás" with no word of why.
    return _go(m, State.CARD_REFUSED, session=s, reason=why)


def _check_duplicate(m: Machine) -> Result:
    fields = m.session.back.fields if m.session.back else {}
    cic, ident = fields.get("cic"), fields.get("identificador")
    if not cic or not ident or not m.session.process_id:
        return _go(m, State.REVIEW_DATA)
    job = m.job + 1
    out: list[Any] = []
    if m.state in CAMERA_STATES:
        out.append(fx.StopCamera())
    out.append(fx.CheckDuplicate(job=job, process_id=m.session.process_id, cic=cic, identificador=ident))
    return m.with_(job=job, pending="duplicate", guidance=None, progress=1.0), tuple(out)


def _face_failed(m: Machine, reason: str) -> Result:
    attempts = m.session.match_attempts + 1
    s = dataclasses.replace(m.session, match_attempts=attempts, selfie=None, liveness_score=None)
    if attempts >= m.settings.max_match_attempts:
        return _go(m, State.MATCH_REFUSED, (fx.AuditNote(kind="face.refused", detail=reason),), session=s,
                   reason=reason)
    return _go(m, State.MATCH_RETRY, session=s, reason=reason)


def _vigencia_year(reading: ev.CardReading | None) -> int | None:
    raw = reading.fields.get("vigencia_year") if reading else None
    return int(raw) if raw and str(raw).isdigit() else None


# ------------------------------------------------------------------------------------------------------------
# Handlers per (state, event type)
# ------------------------------------------------------------------------------------------------------------


def _welcome_start(m: Machine, e: ev.StartPressed) -> Result:
    if not m.is_storage_ok:
        return _reset(m, "flow.out_of_service", State.OUT_OF_SERVICE, reason="storage.full")
    if not offered_processes(m):
        return _reset(m, "flow.out_of_service", State.OUT_OF_SERVICE, reason="catalog.empty")
    if m.settings.is_operator_mode:
        return _go(m, State.OPERATOR_PIN, reason=None)
    return _after_start(m.with_(reason=None))


def _pin_entered(m: Machine, e: ev.PinEntered) -> Result:
    if m.pending == "pin":
        return m, ()
    if not e.pin.isdigit():
        return m.with_(notice="pin.empty"), ()
    job = m.job + 1
    return m.with_(job=job, pending="pin", notice=None), (fx.CheckOperatorPin(job=job, pin=e.pin),)


def _pin_checked(m: Machine, e: ev.OperatorPinChecked) -> Result:
    if e.is_ok:
        was_left = m.pin_attempts_left
        m = m.with_(pin_attempts_left=m.settings.pin_attempts, pending=None,
                    session=dataclasses.replace(m.session, operator_id=e.operator_id))
        m, effects = _after_start(m)
        if was_left < m.settings.pin_attempts:
            effects = (fx.SavePinState(attempts_left=m.settings.pin_attempts), *effects)
        return m, effects
    left = m.pin_attempts_left - 1
    if left <= 0:
        return _lock_out(m, m.settings.pin_lockout_s)
    return m.with_(pin_attempts_left=left, pending=None, notice="pin.wrong"), (
        fx.SavePinState(attempts_left=left), fx.AuditNote(kind="operator.pin_wrong"))


def _lock_out(m: Machine, seconds: float) -> Result:
    m, effects = _reset(m.with_(pin_attempts_left=0), "operator.locked", State.OUT_OF_SERVICE,
                        reason="pin.locked", deadline_s=m.now_s + seconds)
    return m, (fx.SavePinState(attempts_left=0, locked_for_s=seconds), *effects)


def _pin_state_restored(m: Machine, e: ev.PinStateRestored) -> Result:
    """Only at rest (welcome or the PIN screen) and in operator mode: a restored guard never interrupts a
    citizen, and can only take attempts away, never add them."""
    if not m.settings.is_operator_mode or m.state not in (State.WELCOME, State.OPERATOR_PIN) or m.pending:
        return m, ()
    if e.locked_for_s > 0:
        seconds = min(float(e.locked_for_s), m.settings.pin_lockout_s)
        m, effects = _reset(m.with_(pin_attempts_left=0), "operator.still_locked", State.OUT_OF_SERVICE,
                            reason="pin.locked", deadline_s=m.now_s + seconds)
        return m, effects
    return m.with_(pin_attempts_left=max(1, min(int(e.attempts_left), m.pin_attempts_left))), ()


def _process_chosen(m: Machine, e: ev.ProcessChosen) -> Result:
    process = next((p for p in offered_processes(m) if p.id == e.process_id), None)
    if process is None:
        return m.with_(notice="process.unknown"), ()
    return _after_process(m, process)


def _aspirant_chosen(m: Machine, e: ev.AspirantChosen) -> Result:
    process = _process(m, m.session.process_id)
    if process is None or all(a.id != e.aspirant_id for a in process.aspirants):
        return m.with_(notice="aspirant.unknown"), ()
    return _go(m, State.PRIVACY_NOTICE, session=dataclasses.replace(m.session, aspirant_id=e.aspirant_id))


def _back_to_processes(m: Machine, e: ev.BackRequested) -> Result:
    if len(offered_processes(m)) < 2:
        return m, ()  # the aspirant list is the first step: there is nothing to go back to
    return _go(m, State.CHOOSE_PROCESS, session=dataclasses.replace(m.session, process_id=None))


def can_leave_notice_back(m: Machine) -> bool:
    """Whether the privacy notice has a step before it (a choice of aspirant or process) to go back to."""
    process = _process(m, m.session.process_id)
    return bool(process is not None and len(process.aspirants) > 1) or len(offered_processes(m)) > 1


def _back_from_notice(m: Machine, e: ev.BackRequested) -> Result:
    process = _process(m, m.session.process_id)
    if process is not None and len(process.aspirants) > 1:
        return _go(m, State.CHOOSE_ASPIRANT, session=dataclasses.replace(m.session, aspirant_id=None))
    if len(offered_processes(m)) > 1:
        return _go(m, State.CHOOSE_PROCESS, session=dataclasses.replace(m.session, process_id=None,
                                                                         aspirant_id=None))
    return m, ()  # the notice is the first step: nothing to go back to (Cancelar leaves)


def _consent(m: Machine, e: ev.ConsentGiven) -> Result:
    return _go(m, State.CARD_FRONT, (fx.AuditNote(kind="consent.given"),),
               session=dataclasses.replace(m.session, consent_at_s=m.now_s))


def _consent_declined(m: Machine, e: ev.ConsentDeclined) -> Result:
    # Not a silent drop to welcome: the screen says that nothing was kept and offers the notice again.
    return m.with_(is_cancel_asked=True), ()


def _card_guidance(m: Machine, e: ev.CardGuidance) -> Result:
    if m.pending:
        return m, ()
    m = m.with_(guidance=e.guidance, progress=max(0.0, min(1.0, e.progress)))
    if e.is_card_present:
        m = m.with_(last_activity_s=m.now_s)
    return m, ()


def _card_captured(m: Machine, e: ev.CardCaptured) -> Result:
    expected = "front" if m.state == State.CARD_FRONT else "back"
    if e.side != expected or m.pending:
        return m, ()
    r = e.reading
    if r.refusal_reason:
        return _refuse_card(m, r.refusal_reason)
    if expected == "front":
        return _go(m, State.CARD_BACK, session=dataclasses.replace(m.session, front=r), reason=None)
    s = dataclasses.replace(m.session, back=r, card_model=r.model, is_model_picked=False)
    m = m.with_(session=s)
    if r.model is None:
        return _go(m, State.CHOOSE_CARD_MODEL)
    return _check_duplicate(m)


def _model_chosen(m: Machine, e: ev.CardModelChosen) -> Result:
    if e.model not in CARD_MODELS or m.pending:
        return m, ()
    job = m.job + 1
    return m.with_(job=job, pending="evaluate"), (
        fx.EvaluateCard(job=job, model=e.model, vigencia_year=_vigencia_year(m.session.back)),)


def _card_evaluated(m: Machine, e: ev.CardEvaluated) -> Result:
    m = m.with_(pending=None)
    if e.refusal_reason:
        return _refuse_card(m, e.refusal_reason)
    m = m.with_(session=dataclasses.replace(m.session, card_model=e.model, is_model_picked=True))
    return _check_duplicate(m)


def _duplicate_checked(m: Machine, e: ev.DuplicateChecked) -> Result:
    m = m.with_(session=dataclasses.replace(m.session, is_duplicate=e.is_duplicate))
    if e.is_duplicate:
        return _go(m, State.DUPLICATE_WARNING, (fx.AuditNote(kind="card.duplicate_warning"),))
    return _go(m, State.REVIEW_DATA)


def _card_retry(m: Machine, e: ev.RetryRequested) -> Result:
    if m.reason not in RETRYABLE_CARD_REASONS or m.session.card_attempts >= m.settings.max_card_attempts:
        return m, ()
    s = dataclasses.replace(m.session, front=None, back=None, card_model=None, is_model_picked=False,
                            is_duplicate=False)
    return _go(m, State.CARD_FRONT, session=s, reason=None)


def _data_confirmed(m: Machine, e: ev.DataConfirmed) -> Result:
    return _go(m, State.REVIEW_PHOTO)


def _selfie_guidance(m: Machine, e: ev.SelfieGuidance) -> Result:
    m = m.with_(guidance=e.guidance)
    if e.is_face_present:
        m = m.with_(last_activity_s=m.now_s)
    return m, ()


def _liveness_progressed(m: Machine, e: ev.LivenessProgressed) -> Result:
    return m.with_(challenge=e.challenge, challenge_guidance=e.guidance, liveness_completed=e.completed,
                   liveness_total=e.total, last_activity_s=m.now_s), ()


def _liveness_finished(m: Machine, e: ev.LivenessFinished) -> Result:
    if not e.is_live or e.selfie is None:
        # The screen explains one of two things; the liveness cues themselves go to the log, not the citizen.
        return _face_failed(m, "face.timeout" if "face.timeout" in e.reasons else "face.not_live")
    reference = m.session.front.face_crop if m.session.front else None
    if reference is None:
        return fail(m, "flow.no_reference_photo")
    s = dataclasses.replace(m.session, selfie=e.selfie, liveness_score=e.score)
    m, out = _go(m, State.FACE_MATCH, session=s)
    job = m.job + 1
    return m.with_(job=job), (*out, fx.RunFaceMatch(job=job, selfie=e.selfie, reference=reference))


def _face_matched(m: Machine, e: ev.FaceMatched) -> Result:
    if not e.is_match:
        return _face_failed(m, "face.no_match")
    s = dataclasses.replace(m.session, match_distance=e.distance, match_threshold=e.threshold)
    return _go(m, State.SIGNATURE, session=s, reason=None)


def _signature_submitted(m: Machine, e: ev.SignatureSubmitted) -> Result:
    # The UI checks the minimum ink; the flow still refuses an empty pad, whatever the UI did.
    inked = tuple(st for st in e.strokes if len(st.points) >= 2)
    if not inked:
        return m.with_(notice="signature.empty", last_activity_s=m.now_s), ()
    return _go(m, State.CONFIRM, session=dataclasses.replace(m.session, signature=inked))


def _signature_cleared(m: Machine, e: ev.SignatureCleared) -> Result:
    return m.with_(session=dataclasses.replace(m.session, signature=()), notice=None,
                   last_activity_s=m.now_s), ()


def _confirmed_seal(m: Machine, e: ev.Confirmed) -> Result:
    try:
        draft = draft_from_session(m.session, m.language)
    except ValueError:
        return fail(m, "flow.session_incomplete")
    m, out = _go(m, State.SEALING)
    job = m.job + 1
    return m.with_(job=job), (*out, fx.SealRecord(job=job, draft=draft))


def _record_sealed(m: Machine, e: ev.RecordSealed) -> Result:
    # Sealed and durable: the plaintext is no longer needed, so drop it now; only the folio stays on screen.
    m = m.with_(session=Session(folio=e.folio, process_id=m.session.process_id,
                                aspirant_id=m.session.aspirant_id, receipt_qr=e.receipt_qr,
                                sealed_wall_s=e.sealed_wall_s))
    return _go(m, State.RECEIPT, (fx.WipeSession(), fx.AuditNote(kind="record.sealed"), fx.CheckStorage()),
               deadline_s=m.now_s + m.settings.receipt_timeout_s)


def _seal_failed(m: Machine, e: ev.SealFailed) -> Result:
    if e.reason == "storage.full":
        return _reset(m.with_(is_storage_ok=False), "flow.out_of_service", State.OUT_OF_SERVICE,
                      reason="storage.full")
    return fail(m, e.reason)


def _pause(m: Machine) -> Result:
    """Something goes in front of the step (help, idle warning, cancel dialog): a live capture stops and its
    job is abandoned (it restarts on return, the citizen holds the card up again); a check or comparison
    already running goes on, and its result is held until the citizen is back (see ``step``)."""
    if m.state in CAMERA_STATES and m.pending is None:
        return m.with_(job=m.job + 1, guidance=None, progress=0.0), (fx.StopCamera(),)
    return m, ()


def _overlay(m: Machine, state: State, resume: State | None, **changes: Any) -> Result:
    """Enter help or the idle warning over the step ``resume``, keeping the running check and its held result."""
    m, out = _pause(m)
    pending, held = m.pending, m.held
    m, more = _go(m, state, resume=resume, **changes)
    return m.with_(pending=pending, held=held), (*out, *more)


def _resume(m: Machine, back: State, **changes: Any) -> Result:
    """Back to the step ``back`` after help, the idle warning or "No, seguir": a capture restarts; a check or
    comparison goes on waiting, or its held result is applied now."""
    held = m.held
    if back in CAMERA_STATES and m.pending is None:
        return _go(m, back, resume=None, **changes)
    m = m.with_(state=back, resume=None, is_cancel_asked=False, held=None, last_activity_s=m.now_s, notice=None,
                **changes)
    out: tuple[Any, ...] = (fx.Speak(key=f"voice.{back.value}", language=m.language),) if m.voice else ()
    if held is not None:
        m, more = step(m, held)
        out = (*out, *more)
    return m, out


def _help(m: Machine, e: Any) -> Result:
    return _overlay(m, State.HELP, m.state, reason=m.reason)


def _help_closed(m: Machine, e: ev.HelpClosed) -> Result:
    return _resume(m, m.resume or State.WELCOME)


def _still_here(m: Machine, e: ev.StillHereConfirmed) -> Result:
    return _resume(m, m.resume or State.WELCOME, deadline_s=None)


def _is_cancel_asked_first(m: Machine) -> bool:
    step_state = m.resume if m.state == State.HELP else m.state
    return step_state in CONFIRM_CANCEL_STATES


def _cancel(m: Machine, e: ev.CancelRequested) -> Result:
    if _is_cancel_asked_first(m):
        m, out = _pause(m)
        return m.with_(is_cancel_asked=True), out
    return _reset(m, "session.cancelled")


def _cancel_confirmed(m: Machine, e: ev.CancelConfirmed) -> Result:
    return _reset(m, "consent.declined" if m.state == State.PRIVACY_NOTICE else "session.cancelled")


def _cancel_kept(m: Machine, e: ev.CancelKept) -> Result:
    if m.state in (State.HELP, State.IDLE_WARNING):
        return m.with_(is_cancel_asked=False), ()  # the overlay stays; its step's held result keeps waiting
    if m.state == State.PRIVACY_NOTICE:
        return m.with_(is_cancel_asked=False), ()
    return _resume(m, m.state)


def _done(m: Machine, e: Any) -> Result:
    return _reset(m, "session.completed" if m.state == State.RECEIPT else f"session.ended.{m.state.value}")


def _failsafe_back(m: Machine, e: Any) -> Result:
    return _reset(m, "flow.recovered")


def _camera_failed(m: Machine, e: ev.CameraFailed) -> Result:
    return fail(m, e.reason)


Handler = Callable[[Machine, Any], Result]

#: The graph. Anything not listed is ignored in that state (a stale touch or result changes nothing).
TRANSITIONS: dict[tuple[State, type], Handler] = {
    (State.WELCOME, ev.StartPressed): _welcome_start,
    (State.OPERATOR_PIN, ev.PinEntered): _pin_entered,
    (State.OPERATOR_PIN, ev.OperatorPinChecked): _pin_checked,
    (State.CHOOSE_PROCESS, ev.ProcessChosen): _process_chosen,
    (State.CHOOSE_ASPIRANT, ev.AspirantChosen): _aspirant_chosen,
    (State.CHOOSE_ASPIRANT, ev.BackRequested): _back_to_processes,
    (State.PRIVACY_NOTICE, ev.ConsentGiven): _consent,
    (State.PRIVACY_NOTICE, ev.ConsentDeclined): _consent_declined,
    (State.PRIVACY_NOTICE, ev.BackRequested): _back_from_notice,
    (State.CARD_FRONT, ev.CardGuidance): _card_guidance,
    (State.CARD_FRONT, ev.CardCaptured): _card_captured,
    (State.CARD_FRONT, ev.CameraFailed): _camera_failed,
    (State.CARD_BACK, ev.CardGuidance): _card_guidance,
    (State.CARD_BACK, ev.CardCaptured): _card_captured,
    (State.CARD_BACK, ev.CameraFailed): _camera_failed,
    (State.CARD_BACK, ev.DuplicateChecked): _duplicate_checked,
    (State.CHOOSE_CARD_MODEL, ev.CardModelChosen): _model_chosen,
    (State.CHOOSE_CARD_MODEL, ev.CardEvaluated): _card_evaluated,
    (State.CHOOSE_CARD_MODEL, ev.DuplicateChecked): _duplicate_checked,
    (State.DUPLICATE_WARNING, ev.Confirmed): lambda m, e: _go(m, State.REVIEW_DATA),
    (State.CARD_REFUSED, ev.RetryRequested): _card_retry,
    (State.CARD_REFUSED, ev.Confirmed): _done,
    (State.CARD_REFUSED, ev.StaffHelpRequested): _help,
    (State.REVIEW_DATA, ev.DataConfirmed): _data_confirmed,
    (State.REVIEW_DATA, ev.DataRejected): lambda m, e: _recapture(m, "card.data_rejected"),
    (State.REVIEW_PHOTO, ev.PhotoConfirmed): lambda m, e: _go(m, State.SELFIE_TIPS),
    (State.REVIEW_PHOTO, ev.PhotoRejected): lambda m, e: _recapture(m, "card.photo_rejected"),
    (State.SELFIE_TIPS, ev.SelfieTipsRead): lambda m, e: _go(m, State.SELFIE),
    (State.SELFIE, ev.SelfieGuidance): _selfie_guidance,
    (State.SELFIE, ev.LivenessProgressed): _liveness_progressed,
    (State.SELFIE, ev.LivenessFinished): _liveness_finished,
    (State.SELFIE, ev.CameraFailed): _camera_failed,
    (State.FACE_MATCH, ev.FaceMatched): _face_matched,
    (State.MATCH_RETRY, ev.RetryRequested): lambda m, e: _go(m, State.SELFIE, reason=None),
    (State.MATCH_REFUSED, ev.StaffHelpRequested): _help,
    (State.MATCH_REFUSED, ev.Confirmed): _done,
    (State.SIGNATURE, ev.SignatureSubmitted): _signature_submitted,
    (State.SIGNATURE, ev.SignatureCleared): _signature_cleared,
    (State.CONFIRM, ev.Confirmed): _confirmed_seal,
    (State.SEALING, ev.RecordSealed): _record_sealed,
    (State.SEALING, ev.SealFailed): _seal_failed,
    (State.RECEIPT, ev.Confirmed): _done,
    (State.HELP, ev.HelpClosed): _help_closed,
    (State.IDLE_WARNING, ev.StillHereConfirmed): _still_here,
    (State.FAILSAFE, ev.Confirmed): _failsafe_back,
}

#: Results the flow waits for to move on: held while help, the idle warning or the cancel dialog is in front.
HELD_EVENTS = (ev.CardCaptured, ev.CardEvaluated, ev.DuplicateChecked, ev.LivenessFinished, ev.FaceMatched,
               ev.OperatorPinChecked, ev.CameraFailed)
#: Events honoured while the cancel dialog is open (besides held results, time and the world's reports).
CANCEL_DIALOG_EVENTS = (ev.CancelConfirmed, ev.CancelKept, ev.LanguageChosen, ev.AccessibilityToggled)

#: Events whose ``job`` must match the machine's current job (late results of abandoned work are dropped).
JOB_EVENTS = (ev.CardGuidance, ev.CardCaptured, ev.CardEvaluated, ev.DuplicateChecked, ev.SelfieGuidance,
              ev.LivenessProgressed, ev.LivenessFinished, ev.FaceMatched, ev.OperatorPinChecked,
              ev.RecordSealed, ev.SealFailed, ev.CameraFailed)


# ------------------------------------------------------------------------------------------------------------
# Time
# ------------------------------------------------------------------------------------------------------------


def _tick(m: Machine, now_s: float) -> Result:
    m = m.with_(now_s=max(m.now_s, now_s))
    st = m.state
    if m.is_cancel_asked:
        # "¿Quieres salir?" left unanswered: the citizen has gone, so do what they last asked for
        if m.now_s - m.last_activity_s >= m.settings.idle_timeout_s:
            return _reset(m, "session.idle")
        return m, ()
    if m.deadline_s is not None and m.now_s >= m.deadline_s:
        if st == State.IDLE_WARNING:
            return _reset(m, "session.idle")
        if st == State.RECEIPT:
            return _reset(m, "session.completed")
        if st == State.FAILSAFE:
            return _reset(m, "flow.recovered")
        if st == State.OUT_OF_SERVICE and m.reason == "pin.locked":
            m, effects = _reset(m.with_(pin_attempts_left=m.settings.pin_attempts), "operator.unlocked")
            return m, (fx.SavePinState(attempts_left=m.settings.pin_attempts), *effects)
    # Camera activity keeps a capture step alive, but not for ever: a false detection must not hold the kiosk.
    is_capture_stuck = st in CAMERA_STATES and m.now_s - m.step_started_s >= m.settings.capture_timeout_s
    if st in IDLE_WATCHED_STATES and (m.pending is None or st == State.HELP) \
            and (m.now_s - m.last_activity_s >= m.settings.idle_timeout_s or is_capture_stuck):
        resume = m.resume if st == State.HELP else st
        if resume in (None, State.WELCOME):
            return _reset(m, "session.idle")
        return _overlay(m, State.IDLE_WARNING, resume, deadline_s=m.now_s + m.settings.idle_countdown_s)
    return m, ()


# ------------------------------------------------------------------------------------------------------------
# The one entry point
# ------------------------------------------------------------------------------------------------------------


def step(m: Machine, e: Any) -> Result:
    """Apply one event. Returns the new machine and the effects to run, in order. Never raises for a
    well-formed event; an event that does not apply in the current state changes nothing."""
    if isinstance(e, ev.Tick):
        return _tick(m, e.now_s)
    if isinstance(e, JOB_EVENTS) and e.job != m.job:
        return m, ()
    is_step_hidden = m.is_cancel_asked or m.state in (State.HELP, State.IDLE_WARNING)
    if is_step_hidden and isinstance(e, JOB_EVENTS):
        # the citizen is not looking at the step: a result waits for them, progress is dropped
        return (m.with_(held=e), ()) if isinstance(e, HELD_EVENTS) else (m, ())
    if isinstance(e, ev.WorkerCrashed):
        return (m, ()) if m.state == State.FAILSAFE else fail(m, e.reason)
    if isinstance(e, ev.PinStateRestored):
        return _pin_state_restored(m, e)
    if isinstance(e, ev.ProcessesActive):
        m = m.with_(active_process_ids=frozenset(e.process_ids))
        if m.state == State.OUT_OF_SERVICE and m.reason == "catalog.empty" and offered_processes(m):
            return _reset(m, "flow.back_in_service")
        return m, ()
    if isinstance(e, ev.StorageChecked):
        m = m.with_(is_storage_ok=e.is_ok)
        if not e.is_ok and m.state == State.WELCOME:
            return _reset(m, "flow.out_of_service", State.OUT_OF_SERVICE, reason="storage.full")
        if e.is_ok and m.state == State.OUT_OF_SERVICE and m.reason == "storage.full":
            return _reset(m, "flow.back_in_service")
        return m, ()
    is_intent = isinstance(e, ev.UI_INTENTS)
    if m.is_cancel_asked and is_intent and not isinstance(e, CANCEL_DIALOG_EVENTS):
        return m, ()  # the dialog covers the step: only its two buttons (and language/accessibility) count
    if is_intent:
        m = m.with_(last_activity_s=m.now_s)
    if isinstance(e, ev.CancelConfirmed):
        return _cancel_confirmed(m, e) if m.is_cancel_asked else (m, ())
    if isinstance(e, ev.CancelKept):
        return _cancel_kept(m, e) if m.is_cancel_asked else (m, ())
    if isinstance(e, ev.LanguageChosen):
        if e.language not in LANGUAGES:
            return m, ()
        m = m.with_(language=e.language)
        return m, ((fx.Speak(key=f"voice.{m.state.value}", language=m.language),) if m.voice else ())
    if isinstance(e, ev.AccessibilityToggled):
        if e.flag not in ACCESSIBILITY_FLAGS:
            return m, ()
        m = m.with_(**{e.flag: not getattr(m, e.flag)})
        speak = (fx.Speak(key=f"voice.{m.state.value}", language=m.language),) if e.flag == "voice" and m.voice else ()
        return m, speak
    if isinstance(e, ev.HelpRequested):
        return _help(m, e) if m.state in HELP_STATES else (m, ())
    if isinstance(e, ev.CancelRequested):
        if m.state in CITIZEN_STATES or m.state == State.IDLE_WARNING:
            return _cancel(m, e)
        return _done(m, e) if m.state == State.RECEIPT else (m, ())
    handler = TRANSITIONS.get((m.state, type(e)))
    if handler is None:
        return m, ()
    return handler(m, e)


def countdown_s(m: Machine) -> int | None:
    """Whole seconds left on the current deadline (idle warning, receipt, lockout), for the screen."""
    if m.deadline_s is None:
        return None
    return max(0, math.ceil(m.deadline_s - m.now_s))
