"""Table-driven tests of the pure flow: every transition, timeout, cancel, help and failsafe, and that no
citizen data survives a reset."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pytest

from kiosk.flow import effects as fx
from kiosk.flow import events as ev
from kiosk.flow.machine import (
    TRANSITIONS,
    FlowSettings,
    Machine,
    fail,
    new_machine,
    step,
)
from kiosk.flow.samples import SAMPLE_FIELDS, sample_settings
from kiosk.flow.screen_model import build_screen_model, mask
from kiosk.flow.session import Session, scrub
from kiosk.flow.states import (
    CAMERA_STATES,
    CITIZEN_STATES,
    CONFIRM_CANCEL_STATES,
    HELP_STATES,
    IDLE_WATCHED_STATES,
    State,
)

T0 = 100.0


def settings(**kw: Any) -> FlowSettings:
    return sample_settings(**kw)


def front_reading(**kw: Any) -> ev.CardReading:
    base = dict(side="front", image=np.full((638, 1011, 3), 7, np.uint8), face_crop=np.full((40, 30, 3), 9, np.uint8))
    base.update(kw)
    return ev.CardReading(**base)


def back_reading(**kw: Any) -> ev.CardReading:
    base = dict(side="back", image=np.full((638, 1011, 3), 8, np.uint8), fields=dict(SAMPLE_FIELDS), model="G")
    base.update(kw)
    return ev.CardReading(**base)


def selfie() -> np.ndarray:
    return np.full((480, 640, 3), 5, np.uint8)


def run(m: Machine, *events: Any) -> tuple[Machine, list[Any]]:
    out: list[Any] = []
    for e in events:
        m, effects = step(m, e)
        out.extend(effects)
    return m, out


def job(m: Machine) -> int:
    return m.job


# Each entry drives a fresh machine to one state; `path(m)` returns (machine, effects so far).
def _to(state: State, s: FlowSettings | None = None) -> Machine:
    s = s or settings()
    m = new_machine(s, now_s=T0)
    p0, a0 = s.processes[0].id, s.processes[0].aspirants[0].id
    m, _ = run(m, ev.StartPressed())
    if s.is_operator_mode:
        if state == State.OPERATOR_PIN:
            return m
        m, _ = run(m, ev.PinEntered("2468"))
        m, _ = run(m, ev.OperatorPinChecked(job=m.job, is_ok=True, operator_id="op-7"))
    if state == State.CHOOSE_PROCESS:
        return m
    m, _ = run(m, ev.ProcessChosen(p0))
    if state == State.CHOOSE_ASPIRANT:
        return m
    m, _ = run(m, ev.AspirantChosen(a0))
    if state == State.PRIVACY_NOTICE:
        return m
    m, _ = run(m, ev.ConsentGiven())
    if state == State.CARD_FRONT:
        return m
    if state == State.CARD_REFUSED:
        m, _ = run(m, ev.CardCaptured(job=m.job, side="front", reading=front_reading(refusal_reason="card.photocopy")))
        return m
    m, _ = run(m, ev.CardCaptured(job=m.job, side="front", reading=front_reading()))
    if state == State.CARD_BACK:
        return m
    if state == State.CHOOSE_CARD_MODEL:
        m, _ = run(m, ev.CardCaptured(job=m.job, side="back", reading=back_reading(model=None)))
        return m
    m, _ = run(m, ev.CardCaptured(job=m.job, side="back", reading=back_reading()))
    if state == State.DUPLICATE_WARNING:
        m, _ = run(m, ev.DuplicateChecked(job=m.job, is_duplicate=True))
        return m
    m, _ = run(m, ev.DuplicateChecked(job=m.job, is_duplicate=False))
    if state == State.REVIEW_DATA:
        return m
    m, _ = run(m, ev.DataConfirmed())
    if state == State.REVIEW_PHOTO:
        return m
    m, _ = run(m, ev.PhotoConfirmed())
    if state == State.SELFIE_TIPS:
        return m
    m, _ = run(m, ev.SelfieTipsRead())
    if state == State.SELFIE:
        return m
    if state in (State.MATCH_RETRY, State.MATCH_REFUSED):
        for _ in range(s.max_match_attempts if state == State.MATCH_REFUSED else 1):
            if m.state == State.MATCH_RETRY:
                m, _ = run(m, ev.RetryRequested())
            m, _ = run(m, ev.LivenessFinished(job=m.job, is_live=False, reasons=("face.not_live",)))
        return m
    m, _ = run(m, ev.LivenessFinished(job=m.job, is_live=True, selfie=selfie(), score=0.93))
    if state == State.FACE_MATCH:
        return m
    m, _ = run(m, ev.FaceMatched(job=m.job, is_match=True, distance=0.41, threshold=0.6))
    if state == State.SIGNATURE:
        return m
    m, _ = run(m, ev.SignatureSubmitted(strokes=(ev.Stroke(points=((0, 0, 0.0), (10, 12, 0.1), (20, 5, 0.2))),)))
    if state == State.CONFIRM:
        return m
    m, _ = run(m, ev.Confirmed())
    if state == State.SEALING:
        return m
    m, _ = run(m, ev.RecordSealed(job=m.job, folio="K1-000001-AB"))
    if state == State.RECEIPT:
        return m
    raise ValueError(state)


def at(state: State, **kw: Any) -> Machine:
    s = settings(**kw) if kw else settings(is_operator_mode=True)
    m = _to(state, s)
    assert m.state == state, (state, m.state)
    return m


REACHABLE = [st for st in State if st not in (State.WELCOME, State.HELP, State.IDLE_WARNING, State.FAILSAFE,
                                              State.OUT_OF_SERVICE)]


def citizen_data_left(obj: Any, seen: set[int] | None = None) -> list[str]:
    """Every citizen value (from SAMPLE_FIELDS, the folio, strokes) or image reachable from ``obj``."""
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return []
    seen.add(id(obj))
    secrets = set(SAMPLE_FIELDS.values()) - {"M"} | {"op-7", "K1-000001-AB"}
    if isinstance(obj, np.ndarray):
        return [f"image {obj.shape}"]
    if isinstance(obj, str):
        return [obj] if obj in secrets else []
    if isinstance(obj, ev.Stroke):
        return ["signature stroke"]
    found: list[str] = []
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        if isinstance(obj, FlowSettings):
            return []  # configuration and catalog, not citizen data
        for f in dataclasses.fields(obj):
            found += citizen_data_left(getattr(obj, f.name), seen)
    elif isinstance(obj, Mapping):
        for k, v in obj.items():
            found += citizen_data_left(k, seen) + citizen_data_left(v, seen)
    elif isinstance(obj, (tuple, list, set, frozenset)):
        for v in obj:
            found += citizen_data_left(v, seen)
    return found


def assert_wiped(m: Machine, effects: list[Any]) -> None:
    assert any(isinstance(e, fx.WipeSession) for e in effects), effects
    assert m.session.is_empty
    assert citizen_data_left(m) == []


# ------------------------------------------------------------------------------------------------------------
# The happy path and its effects
# ------------------------------------------------------------------------------------------------------------


def test_happy_path_reaches_receipt_with_the_right_effects() -> None:
    s = settings(is_operator_mode=True)
    m = new_machine(s, now_s=T0)
    m, out = run(m, ev.StartPressed())
    assert m.state == State.OPERATOR_PIN and out == []
    m, out = run(m, ev.PinEntered("2468"))
    assert out == [fx.CheckOperatorPin(job=m.job, pin="2468")] and m.pending == "pin"
    m, _ = run(m, ev.OperatorPinChecked(job=m.job, is_ok=True, operator_id="op-7"))
    assert m.state == State.CHOOSE_PROCESS and m.session.operator_id == "op-7"
    m, _ = run(m, ev.ProcessChosen(s.processes[0].id))
    assert m.state == State.CHOOSE_ASPIRANT
    m, out = run(m, ev.AspirantChosen(s.processes[0].aspirants[1].id))
    assert m.state == State.PRIVACY_NOTICE and not any(isinstance(e, fx.StartCardCapture) for e in out)
    m, out = run(m, ev.ConsentGiven())
    assert m.state == State.CARD_FRONT and fx.StartCardCapture(job=m.job, side="front") in out
    assert m.session.consent_at_s == T0
    m, _ = run(m, ev.CardGuidance(job=m.job, guidance="card.move_closer", progress=0.3, is_card_present=True))
    assert m.guidance == "card.move_closer" and m.progress == pytest.approx(0.3)
    m, out = run(m, ev.CardCaptured(job=m.job, side="front", reading=front_reading()))
    assert m.state == State.CARD_BACK and fx.StartCardCapture(job=m.job, side="back") in out
    m, out = run(m, ev.CardCaptured(job=m.job, side="back", reading=back_reading()))
    assert m.state == State.CARD_BACK and m.pending == "duplicate"
    assert fx.StopCamera() in out
    assert fx.CheckDuplicate(job=m.job, process_id=s.processes[0].id, cic="123456789", identificador="987654321") in out
    m, _ = run(m, ev.DuplicateChecked(job=m.job, is_duplicate=False))
    assert m.state == State.REVIEW_DATA
    m, _ = run(m, ev.DataConfirmed(), ev.PhotoConfirmed())
    assert m.state == State.SELFIE_TIPS
    m, out = run(m, ev.SelfieTipsRead())
    assert m.state == State.SELFIE and out[0] == fx.StartSelfie(job=m.job)
    m, _ = run(m, ev.LivenessProgressed(job=m.job, challenge="blink", guidance=None, completed=1, total=2))
    assert (m.challenge, m.liveness_completed, m.liveness_total) == ("blink", 1, 2)
    pic = selfie()
    m, out = run(m, ev.LivenessFinished(job=m.job, is_live=True, selfie=pic, score=0.9))
    assert m.state == State.FACE_MATCH
    match = [e for e in out if isinstance(e, fx.RunFaceMatch)]
    assert len(match) == 1 and match[0].job == m.job and match[0].selfie is pic
    assert match[0].reference is m.session.front.face_crop
    assert fx.StopCamera() in out
    m, _ = run(m, ev.FaceMatched(job=m.job, is_match=True, distance=0.4, threshold=0.6))
    assert m.state == State.SIGNATURE
    strokes = (ev.Stroke(points=((0, 0, 0.0), (5, 5, 0.1))),)
    m, _ = run(m, ev.SignatureSubmitted(strokes=strokes))
    assert m.state == State.CONFIRM
    m, out = run(m, ev.Confirmed())
    assert m.state == State.SEALING
    seal = [e for e in out if isinstance(e, fx.SealRecord)]
    assert len(seal) == 1
    d = seal[0].draft
    assert (d.process_id, d.aspirant_id, d.operator_id, d.card_model) == (
        s.processes[0].id, s.processes[0].aspirants[1].id, "op-7", "G")
    assert d.fields["cic"] == "123456789" and d.signature == strokes and d.selfie is pic
    assert d.match_distance == pytest.approx(0.4) and d.liveness_score == pytest.approx(0.9)
    m, out = run(m, ev.RecordSealed(job=m.job, folio="K1-000001-AB"))
    # only the folio and what the citizen supported stay, for the receipt
    assert m.state == State.RECEIPT and m.session == Session(
        folio="K1-000001-AB", process_id=s.processes[0].id, aspirant_id=s.processes[0].aspirants[1].id)
    assert fx.WipeSession() in out and fx.CheckStorage() in out
    assert build_screen_model(m).folio == "K1-000001-AB"
    m, out = run(m, ev.Confirmed())
    assert m.state == State.WELCOME
    assert_wiped(m, out)


def test_no_camera_effect_before_consent_whatever_is_sent() -> None:
    """Fuzz every event into every pre-consent state: none may start the camera."""
    for st in (State.WELCOME, State.OPERATOR_PIN, State.CHOOSE_PROCESS, State.CHOOSE_ASPIRANT,
               State.PRIVACY_NOTICE):
        m = new_machine(settings(is_operator_mode=True), now_s=T0) if st == State.WELCOME else at(st)
        for e in all_events(m):
            if isinstance(e, ev.ConsentGiven):
                continue
            _, out = step(m, e)
            assert not any(isinstance(x, (fx.StartCardCapture, fx.StartSelfie)) for x in out), (st, e)


def all_events(m: Machine) -> list[Any]:
    j = m.job
    return [
        ev.StartPressed(), ev.LanguageChosen("en"), ev.AccessibilityToggled("large_text"), ev.PinEntered("1"),
        ev.ProcessChosen(m.settings.processes[0].id), ev.AspirantChosen("asp-muestra-1"), ev.ConsentGiven(),
        ev.ConsentDeclined(), ev.CardModelChosen("G"), ev.DataConfirmed(), ev.DataRejected(), ev.PhotoConfirmed(),
        ev.PhotoRejected(), ev.SelfieTipsRead(), ev.SignatureSubmitted(strokes=()), ev.SignatureCleared(),
        ev.Confirmed(), ev.CancelRequested(), ev.HelpRequested(), ev.HelpClosed(), ev.StillHereConfirmed(),
        ev.RetryRequested(), ev.StaffHelpRequested(), ev.Tick(m.now_s + 1),
        ev.CardGuidance(job=j, guidance=None), ev.CardCaptured(job=j, side="front", reading=front_reading()),
        ev.CardEvaluated(job=j, model="G", refusal_reason=None), ev.DuplicateChecked(job=j, is_duplicate=False),
        ev.SelfieGuidance(job=j, guidance=None), ev.LivenessProgressed(job=j, challenge="blink", guidance=None),
        ev.LivenessFinished(job=j, is_live=True, selfie=selfie()),
        ev.FaceMatched(job=j, is_match=True, distance=0.1, threshold=0.6),
        ev.OperatorPinChecked(job=j, is_ok=True), ev.StorageChecked(is_ok=True), ev.RecordSealed(job=j, folio="X"),
        ev.SealFailed(job=j, reason="store.error"), ev.CameraFailed(job=j, reason="camera.unavailable"),
        ev.PinStateRestored(attempts_left=0, locked_for_s=30.0),
    ]


# ------------------------------------------------------------------------------------------------------------
# The transition table
# ------------------------------------------------------------------------------------------------------------

Make = Callable[[Machine], Any]

TABLE: list[tuple[str, State, Make, State, tuple[type, ...]]] = [
    # (case, from, event, to, effect types that must be emitted)
    ("pin ok", State.OPERATOR_PIN, lambda m: ev.OperatorPinChecked(job=m.job, is_ok=True), State.CHOOSE_PROCESS, ()),
    ("pin sent", State.OPERATOR_PIN, lambda m: ev.PinEntered("1234"), State.OPERATOR_PIN, (fx.CheckOperatorPin,)),
    ("pin empty", State.OPERATOR_PIN, lambda m: ev.PinEntered(""), State.OPERATOR_PIN, ()),
    ("process", State.CHOOSE_PROCESS, lambda m: ev.ProcessChosen(m.settings.processes[0].id), State.CHOOSE_ASPIRANT, ()),
    ("process single aspirant", State.CHOOSE_PROCESS, lambda m: ev.ProcessChosen(m.settings.processes[1].id),
     State.PRIVACY_NOTICE, ()),
    ("process unknown", State.CHOOSE_PROCESS, lambda m: ev.ProcessChosen("nope"), State.CHOOSE_PROCESS, ()),
    ("aspirant", State.CHOOSE_ASPIRANT, lambda m: ev.AspirantChosen("asp-muestra-2"), State.PRIVACY_NOTICE, ()),
    ("aspirant unknown", State.CHOOSE_ASPIRANT, lambda m: ev.AspirantChosen("prom-muestra-1"),
     State.CHOOSE_ASPIRANT, ()),
    ("back to processes", State.CHOOSE_ASPIRANT, lambda m: ev.BackRequested(), State.CHOOSE_PROCESS, ()),
    ("consent", State.PRIVACY_NOTICE, lambda m: ev.ConsentGiven(), State.CARD_FRONT, (fx.StartCardCapture,)),
    ("decline", State.PRIVACY_NOTICE, lambda m: ev.ConsentDeclined(), State.PRIVACY_NOTICE, ()),
    ("notice back", State.PRIVACY_NOTICE, lambda m: ev.BackRequested(), State.CHOOSE_ASPIRANT, ()),
    ("front", State.CARD_FRONT, lambda m: ev.CardCaptured(job=m.job, side="front", reading=front_reading()),
     State.CARD_BACK, (fx.StartCardCapture,)),
    ("front wrong side", State.CARD_FRONT, lambda m: ev.CardCaptured(job=m.job, side="back", reading=back_reading()),
     State.CARD_FRONT, ()),
    ("front photocopy", State.CARD_FRONT, lambda m: ev.CardCaptured(
        job=m.job, side="front", reading=front_reading(refusal_reason="card.photocopy")), State.CARD_REFUSED,
     (fx.StopCamera, fx.AuditNote)),
    ("front camera lost", State.CARD_FRONT, lambda m: ev.CameraFailed(job=m.job, reason="camera.unavailable"),
     State.FAILSAFE, (fx.StopCamera, fx.WipeSession)),
    ("back expired", State.CARD_BACK, lambda m: ev.CardCaptured(
        job=m.job, side="back", reading=back_reading(refusal_reason="card.expired")), State.CARD_REFUSED, ()),
    ("back no model", State.CARD_BACK, lambda m: ev.CardCaptured(
        job=m.job, side="back", reading=back_reading(model=None)), State.CHOOSE_CARD_MODEL, (fx.StopCamera,)),
    ("back camera lost", State.CARD_BACK, lambda m: ev.CameraFailed(job=m.job, reason="camera.timeout"),
     State.FAILSAFE, (fx.WipeSession,)),
    ("model picked", State.CHOOSE_CARD_MODEL, lambda m: ev.CardModelChosen("F"), State.CHOOSE_CARD_MODEL,
     (fx.EvaluateCard,)),
    ("model bogus", State.CHOOSE_CARD_MODEL, lambda m: ev.CardModelChosen("Z"), State.CHOOSE_CARD_MODEL, ()),
    ("dup continue", State.DUPLICATE_WARNING, lambda m: ev.Confirmed(), State.REVIEW_DATA, ()),
    ("refused retry", State.CARD_REFUSED, lambda m: ev.RetryRequested(), State.CARD_FRONT, (fx.StartCardCapture,)),
    ("refused finish", State.CARD_REFUSED, lambda m: ev.Confirmed(), State.WELCOME, (fx.WipeSession,)),
    ("refused staff", State.CARD_REFUSED, lambda m: ev.StaffHelpRequested(), State.HELP, ()),
    ("data ok", State.REVIEW_DATA, lambda m: ev.DataConfirmed(), State.REVIEW_PHOTO, ()),
    ("data wrong", State.REVIEW_DATA, lambda m: ev.DataRejected(), State.CARD_REFUSED, ()),
    ("photo ok", State.REVIEW_PHOTO, lambda m: ev.PhotoConfirmed(), State.SELFIE_TIPS, ()),
    ("photo wrong", State.REVIEW_PHOTO, lambda m: ev.PhotoRejected(), State.CARD_REFUSED, ()),
    ("tips read", State.SELFIE_TIPS, lambda m: ev.SelfieTipsRead(), State.SELFIE, (fx.StartSelfie,)),
    ("not live", State.SELFIE, lambda m: ev.LivenessFinished(job=m.job, is_live=False), State.MATCH_RETRY,
     (fx.StopCamera,)),
    ("live", State.SELFIE, lambda m: ev.LivenessFinished(job=m.job, is_live=True, selfie=selfie()),
     State.FACE_MATCH, (fx.RunFaceMatch, fx.StopCamera)),
    ("selfie camera lost", State.SELFIE, lambda m: ev.CameraFailed(job=m.job, reason="camera.unavailable"),
     State.FAILSAFE, (fx.WipeSession,)),
    ("match", State.FACE_MATCH, lambda m: ev.FaceMatched(job=m.job, is_match=True, distance=0.3, threshold=0.6),
     State.SIGNATURE, ()),
    ("no match", State.FACE_MATCH, lambda m: ev.FaceMatched(job=m.job, is_match=False, distance=0.9,
                                                            threshold=0.6), State.MATCH_RETRY, ()),
    ("retry selfie", State.MATCH_RETRY, lambda m: ev.RetryRequested(), State.SELFIE, (fx.StartSelfie,)),
    ("refused finish", State.MATCH_REFUSED, lambda m: ev.Confirmed(), State.WELCOME, (fx.WipeSession,)),
    ("refused staff", State.MATCH_REFUSED, lambda m: ev.StaffHelpRequested(), State.HELP, ()),
    ("empty signature", State.SIGNATURE, lambda m: ev.SignatureSubmitted(strokes=()), State.SIGNATURE, ()),
    ("dot signature", State.SIGNATURE, lambda m: ev.SignatureSubmitted(
        strokes=(ev.Stroke(points=((1, 1, 0.0),)),)), State.SIGNATURE, ()),
    ("signature", State.SIGNATURE, lambda m: ev.SignatureSubmitted(
        strokes=(ev.Stroke(points=((1, 1, 0.0), (9, 9, 0.1))),)), State.CONFIRM, ()),
    ("confirm", State.CONFIRM, lambda m: ev.Confirmed(), State.SEALING, (fx.SealRecord,)),
    ("sealed", State.SEALING, lambda m: ev.RecordSealed(job=m.job, folio="F-1"), State.RECEIPT,
     (fx.WipeSession, fx.CheckStorage)),
    ("seal full", State.SEALING, lambda m: ev.SealFailed(job=m.job, reason="storage.full"), State.OUT_OF_SERVICE,
     (fx.WipeSession,)),
    ("seal error", State.SEALING, lambda m: ev.SealFailed(job=m.job, reason="store.key_missing"), State.FAILSAFE,
     (fx.WipeSession,)),
    ("seal not cancellable", State.SEALING, lambda m: ev.CancelRequested(), State.SEALING, ()),
    ("receipt done", State.RECEIPT, lambda m: ev.Confirmed(), State.WELCOME, (fx.WipeSession,)),
]


@pytest.mark.parametrize(("case", "src", "make", "dst", "needs"), TABLE, ids=[f"{r[1].value}:{r[0]}" for r in TABLE])
def test_transition(case: str, src: State, make: Make, dst: State, needs: tuple[type, ...]) -> None:
    m = at(src)
    m2, out = step(m, make(m))
    assert m2.state == dst
    for typ in needs:
        assert any(isinstance(e, typ) for e in out), (typ, out)
    if dst == State.WELCOME:
        assert_wiped(m2, list(out))


def test_every_listed_transition_is_exercised_by_the_table() -> None:
    covered = {(src, type(make(at(src)))) for _, src, make, _, _ in TABLE}
    indirect = {  # exercised by dedicated tests below
        (State.WELCOME, ev.StartPressed), (State.CARD_FRONT, ev.CardGuidance), (State.CARD_BACK, ev.CardGuidance),
        (State.CARD_BACK, ev.DuplicateChecked), (State.CHOOSE_CARD_MODEL, ev.CardEvaluated),
        (State.CHOOSE_CARD_MODEL, ev.DuplicateChecked), (State.SELFIE, ev.SelfieGuidance),
        (State.SELFIE, ev.LivenessProgressed), (State.SIGNATURE, ev.SignatureCleared), (State.HELP, ev.HelpClosed),
        (State.IDLE_WARNING, ev.StillHereConfirmed), (State.FAILSAFE, ev.Confirmed),
    }
    missing = set(TRANSITIONS) - covered - indirect
    assert not missing, sorted((s.value, t.__name__) for s, t in missing)


# ------------------------------------------------------------------------------------------------------------
# Cancel, help, idle, failsafe: from every state
# ------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("st", sorted(CITIZEN_STATES - {State.HELP}, key=lambda s: s.value))
def test_cancel_from_every_citizen_step_wipes_everything(st: State) -> None:
    m = at(st)
    m2, out = step(m, ev.CancelRequested())
    if st in CONFIRM_CANCEL_STATES:  # something was captured: "¿Quieres salir?" first, then "Sí, salir"
        assert m2.state == st and m2.is_cancel_asked and build_screen_model(m2).is_cancel_asked
        m2, out = step(m2, ev.CancelConfirmed())
    assert m2.state == State.WELCOME
    assert_wiped(m2, out)
    assert fx.StopCamera() in out
    assert m2.job > m.job  # results of work started for this citizen will be dropped


def test_cancel_from_help_and_idle_warning_wipes() -> None:
    m, _ = run(at(State.REVIEW_DATA), ev.HelpRequested())
    m2, out = run(m, ev.CancelRequested(), ev.CancelConfirmed())
    assert m2.state == State.WELCOME
    assert_wiped(m2, out)
    m, _ = run(at(State.REVIEW_DATA), ev.Tick(T0 + 1000))
    assert m.state == State.IDLE_WARNING
    m2, out = step(m, ev.CancelRequested())
    assert m2.state == State.WELCOME
    assert_wiped(m2, out)


@pytest.mark.parametrize("st", sorted(HELP_STATES - {State.WELCOME}, key=lambda s: s.value))
def test_help_from_every_step_returns_to_it(st: State) -> None:
    m = at(st)
    m2, out = step(m, ev.HelpRequested())
    assert m2.state == State.HELP and m2.resume == st
    sm = build_screen_model(m2)
    assert sm.help_return == st and sm.support["phone"] == "800 000 0000"
    if st in CAMERA_STATES:
        assert fx.StopCamera() in out
    m3, out = step(m2, ev.HelpClosed())
    assert m3.state == st and m3.session == m.session
    if st in CAMERA_STATES:
        assert m3.job > m.job
        assert any(isinstance(e, (fx.StartCardCapture, fx.StartSelfie)) and e.job == m3.job for e in out)


def test_help_is_not_offered_while_sealing() -> None:
    m = at(State.SEALING)
    assert step(m, ev.HelpRequested())[0].state == State.SEALING


@pytest.mark.parametrize("st", sorted(IDLE_WATCHED_STATES - {State.HELP}, key=lambda s: s.value))
def test_idle_timeout_warns_then_resets_and_wipes(st: State) -> None:
    m = at(st)
    s = m.settings
    m, out = step(m, ev.Tick(m.last_activity_s + s.idle_timeout_s - 0.01))
    assert m.state == st
    m, out = step(m, ev.Tick(m.last_activity_s + s.idle_timeout_s))
    assert m.state == State.IDLE_WARNING and m.resume == st
    assert build_screen_model(m).countdown_s == round(s.idle_countdown_s)
    if st in CAMERA_STATES:
        assert fx.StopCamera() in out
    m, out = step(m, ev.Tick(m.now_s + s.idle_countdown_s / 2))
    assert m.state == State.IDLE_WARNING and out == ()
    m, out = step(m, ev.Tick(m.now_s + s.idle_countdown_s))
    assert m.state == State.WELCOME
    assert_wiped(m, list(out))


@pytest.mark.parametrize("st", [State.CARD_BACK, State.SIGNATURE, State.MATCH_REFUSED])
def test_still_here_resumes_the_step(st: State) -> None:
    m = at(st)
    m, _ = step(m, ev.Tick(m.now_s + m.settings.idle_timeout_s + 1))
    m2, out = step(m, ev.StillHereConfirmed())
    assert m2.state == st and m2.session == at(st).session and m2.deadline_s is None
    if st in CAMERA_STATES:
        assert any(isinstance(e, fx.StartCardCapture) for e in out)


def test_activity_from_the_camera_keeps_the_idle_timer_at_bay() -> None:
    m = at(State.CARD_FRONT)
    m = m.with_(settings=dataclasses.replace(m.settings, capture_timeout_s=1000.0))
    t = m.now_s
    for _ in range(10):  # 300 s: far longer than the idle timeout
        t += m.settings.idle_timeout_s / 2
        m, _ = run(m, ev.Tick(t), ev.CardGuidance(job=m.job, guidance="card.hold_still", is_card_present=True))
    assert m.state == State.CARD_FRONT
    m, _ = run(m, ev.Tick(t + m.settings.idle_timeout_s / 2),
               ev.CardGuidance(job=m.job, guidance="card.not_found", is_card_present=False))
    m, _ = run(m, ev.Tick(t + m.settings.idle_timeout_s + 0.1))
    assert m.state == State.IDLE_WARNING


def test_idle_in_help_opened_from_welcome_goes_back_to_welcome() -> None:
    m = new_machine(settings(), now_s=T0)
    m, _ = run(m, ev.HelpRequested())
    assert m.state == State.HELP
    m, out = step(m, ev.Tick(T0 + m.settings.idle_timeout_s))
    assert m.state == State.WELCOME


def test_receipt_returns_to_welcome_by_itself() -> None:
    m = at(State.RECEIPT)
    m2, _ = step(m, ev.Tick(m.now_s + m.settings.receipt_timeout_s - 1))
    assert m2.state == State.RECEIPT and build_screen_model(m2).countdown_s == 1
    m3, out = step(m2, ev.Tick(m.now_s + m.settings.receipt_timeout_s))
    assert m3.state == State.WELCOME
    assert_wiped(m3, list(out))


@pytest.mark.parametrize("st", [State.WELCOME, *REACHABLE])
def test_worker_crash_from_any_state_goes_to_failsafe_and_wipes(st: State) -> None:
    m = new_machine(settings(), now_s=T0) if st == State.WELCOME else at(st)
    m2, out = step(m, ev.WorkerCrashed(reason="RuntimeError"))
    assert m2.state == State.FAILSAFE and m2.reason == "RuntimeError"
    assert_wiped(m2, list(out))
    m3, _ = step(m2, ev.Tick(m2.now_s + m.settings.failsafe_timeout_s))
    assert m3.state == State.WELCOME
    m4, _ = step(m2, ev.Confirmed())
    assert m4.state == State.WELCOME


def test_fail_is_usable_by_the_controller() -> None:
    m, out = fail(at(State.REVIEW_PHOTO), "flow.exception")
    assert m.state == State.FAILSAFE
    assert_wiped(m, list(out))


# ------------------------------------------------------------------------------------------------------------
# Jobs: late results are dropped
# ------------------------------------------------------------------------------------------------------------


def test_results_of_abandoned_jobs_are_ignored() -> None:
    m = at(State.CARD_FRONT)
    old = m.job
    m, _ = run(m, ev.HelpRequested(), ev.HelpClosed())
    assert m.state == State.CARD_FRONT and m.job != old
    m2, out = step(m, ev.CardCaptured(job=old, side="front", reading=front_reading()))
    assert m2 == m and out == ()
    # after a cancel, a late seal/match result must not resurrect anything
    s = at(State.FACE_MATCH)
    w, _ = run(s, ev.CancelRequested(), ev.CancelConfirmed())
    for late in (ev.FaceMatched(job=s.job, is_match=True, distance=0.1, threshold=0.6),
                 ev.RecordSealed(job=s.job, folio="F"), ev.CameraFailed(job=s.job, reason="camera.timeout")):
        assert step(w, late) == (w, ())


def test_every_event_in_every_state_is_handled_without_error() -> None:
    for st in REACHABLE:
        m = at(st)
        for e in all_events(m):
            m2, out = step(m, e)
            assert isinstance(m2, Machine) and isinstance(out, tuple)


# ------------------------------------------------------------------------------------------------------------
# Specific rules
# ------------------------------------------------------------------------------------------------------------


def test_operator_pin_attempts_are_limited_then_locked_out_for_a_while() -> None:
    m = at(State.OPERATOR_PIN)
    s = m.settings
    for i in range(s.pin_attempts - 1):
        m, _ = run(m, ev.PinEntered("0000"))
        m, _ = run(m, ev.OperatorPinChecked(job=m.job, is_ok=False))
        assert m.state == State.OPERATOR_PIN and m.notice == "pin.wrong"
        assert build_screen_model(m).pin_attempts_left == s.pin_attempts - 1 - i
    m, _ = run(m, ev.PinEntered("0000"))
    m, out = run(m, ev.OperatorPinChecked(job=m.job, is_ok=False))
    assert m.state == State.OUT_OF_SERVICE and m.reason == "pin.locked"
    assert build_screen_model(m).countdown_s == round(s.pin_lockout_s)
    # a cancel or a start does nothing while locked
    assert step(m, ev.StartPressed())[0].state == State.OUT_OF_SERVICE
    assert fx.SavePinState(attempts_left=0, locked_for_s=s.pin_lockout_s) in out
    m, out = step(m, ev.Tick(m.now_s + s.pin_lockout_s))
    assert m.state == State.WELCOME and m.pin_attempts_left == s.pin_attempts
    assert fx.SavePinState(attempts_left=s.pin_attempts) in out


def test_wrong_pins_are_saved_so_a_restart_gives_no_fresh_attempts() -> None:
    m = at(State.OPERATOR_PIN)
    s = m.settings
    m, _ = run(m, ev.PinEntered("0000"))
    m, out = run(m, ev.OperatorPinChecked(job=m.job, is_ok=False))
    assert fx.SavePinState(attempts_left=s.pin_attempts - 1) in out
    # after a restart: the saved guard comes back, and can only take attempts away
    fresh = at(State.OPERATOR_PIN)
    restored, _ = step(fresh, ev.PinStateRestored(attempts_left=1))
    assert restored.pin_attempts_left == 1 and restored.state == State.OPERATOR_PIN
    assert step(fresh, ev.PinStateRestored(attempts_left=99))[0].pin_attempts_left == s.pin_attempts
    # a lockout still running is served again, at most the configured length
    locked, _ = step(fresh, ev.PinStateRestored(attempts_left=0, locked_for_s=10 * s.pin_lockout_s))
    assert locked.state == State.OUT_OF_SERVICE and locked.reason == "pin.locked"
    assert build_screen_model(locked).countdown_s == round(s.pin_lockout_s)
    # the right PIN after wrong ones resets the saved guard
    m, _ = run(restored, ev.PinEntered("1234"))
    m, out = run(m, ev.OperatorPinChecked(job=m.job, is_ok=True, operator_id="aux-01"))
    assert fx.SavePinState(attempts_left=s.pin_attempts) in out and m.state != State.OPERATOR_PIN


def test_a_restored_pin_guard_never_interrupts_a_citizen() -> None:
    m = at(State.CARD_FRONT)
    assert step(m, ev.PinStateRestored(attempts_left=0, locked_for_s=60.0))[0].state == State.CARD_FRONT


def test_pin_is_not_rechecked_while_a_check_runs() -> None:
    m = at(State.OPERATOR_PIN)
    m, out = run(m, ev.PinEntered("1111"))
    m2, out2 = step(m, ev.PinEntered("2222"))
    assert out2 == () and m2.job == m.job


def test_self_service_mode_skips_the_pin() -> None:
    m = new_machine(settings(is_operator_mode=False), now_s=T0)
    m, _ = step(m, ev.StartPressed())
    assert m.state == State.CHOOSE_PROCESS


def test_a_single_process_and_aspirant_are_chosen_automatically() -> None:
    s = settings()
    only = (s.processes[1],)  # one process with one aspirant
    m = new_machine(dataclasses.replace(s, processes=only), now_s=T0)
    m, _ = step(m, ev.StartPressed())
    assert m.state == State.PRIVACY_NOTICE
    assert (m.session.process_id, m.session.aspirant_id) == (only[0].id, only[0].aspirants[0].id)
    two = (s.processes[0],)
    m = new_machine(dataclasses.replace(s, processes=two), now_s=T0)
    m, _ = step(m, ev.StartPressed())
    assert m.state == State.CHOOSE_ASPIRANT and m.session.process_id == two[0].id


def test_no_active_process_or_no_space_means_out_of_service() -> None:
    s = settings()
    m = new_machine(dataclasses.replace(s, processes=()), now_s=T0)
    m, _ = step(m, ev.StartPressed())
    assert m.state == State.OUT_OF_SERVICE and m.reason == "catalog.empty"
    m = new_machine(s, now_s=T0)
    m, _ = step(m, ev.StorageChecked(is_ok=False, free_mb=10))
    assert m.state == State.OUT_OF_SERVICE and m.reason == "storage.full"
    m, _ = step(m, ev.StartPressed())
    assert m.state == State.OUT_OF_SERVICE
    m, _ = step(m, ev.StorageChecked(is_ok=True, free_mb=5000))
    assert m.state == State.WELCOME
    m, _ = step(m, ev.StartPressed())
    assert m.state == State.CHOOSE_PROCESS


def test_storage_full_during_a_session_waits_for_the_session_to_end() -> None:
    m = at(State.SIGNATURE)
    m, _ = step(m, ev.StorageChecked(is_ok=False, free_mb=10))
    assert m.state == State.SIGNATURE and not m.is_storage_ok
    m, _ = run(m, ev.CancelRequested(), ev.CancelConfirmed(), ev.StartPressed())
    assert m.state == State.OUT_OF_SERVICE


def test_face_match_retries_are_limited_then_a_dignified_refusal() -> None:
    m = at(State.FACE_MATCH)
    n = m.settings.max_match_attempts
    for attempt in range(1, n):
        m, _ = step(m, ev.FaceMatched(job=m.job, is_match=False, distance=0.9, threshold=0.6))
        assert m.state == State.MATCH_RETRY and build_screen_model(m).attempts_left == n - attempt
        assert m.session.selfie is None
        m, _ = run(m, ev.RetryRequested(), ev.LivenessFinished(job=m.job + 1, is_live=True, selfie=selfie()))
        assert m.state == State.FACE_MATCH
    m, out = step(m, ev.FaceMatched(job=m.job, is_match=False, distance=0.9, threshold=0.6))
    assert m.state == State.MATCH_REFUSED and m.reason == "face.no_match"
    assert any(isinstance(e, fx.AuditNote) and e.kind == "face.refused" for e in out)
    assert step(m, ev.RetryRequested())[0].state == State.MATCH_REFUSED
    m2, _ = step(m, ev.StaffHelpRequested())
    assert m2.state == State.HELP
    assert step(m2, ev.HelpClosed())[0].state == State.MATCH_REFUSED


def test_expired_card_is_refused_without_retry_and_photocopy_allows_limited_retries() -> None:
    m = at(State.CARD_BACK)
    m, _ = step(m, ev.CardCaptured(job=m.job, side="back", reading=back_reading(refusal_reason="card.expired")))
    sm = build_screen_model(m)
    assert sm.reason == "card.expired" and not sm.can_retry
    assert step(m, ev.RetryRequested())[0].state == State.CARD_REFUSED
    m = at(State.CARD_FRONT)
    for _ in range(m.settings.max_card_attempts - 1):
        m, _ = step(m, ev.CardCaptured(job=m.job, side="front", reading=front_reading(refusal_reason="card.photocopy")))
        assert build_screen_model(m).can_retry
        m, _ = step(m, ev.RetryRequested())
        assert m.state == State.CARD_FRONT
    m, _ = step(m, ev.CardCaptured(job=m.job, side="front", reading=front_reading(refusal_reason="card.photocopy")))
    assert m.state == State.CARD_REFUSED and not build_screen_model(m).can_retry
    assert step(m, ev.RetryRequested())[0].state == State.CARD_REFUSED


def test_model_picker_path_evaluates_the_pick() -> None:
    m = at(State.CHOOSE_CARD_MODEL)
    m, out = step(m, ev.CardModelChosen("C"))
    assert out == (fx.EvaluateCard(job=m.job, model="C", vigencia_year=2031),) and m.pending == "evaluate"
    assert build_screen_model(m).is_busy
    refused, _ = step(m, ev.CardEvaluated(job=m.job, model="C", refusal_reason="card.model_unsupported"))
    assert refused.state == State.CARD_REFUSED and refused.reason == "card.model_unsupported"
    ok, out = step(m, ev.CardEvaluated(job=m.job, model="G", refusal_reason=None))
    assert ok.session.card_model == "G" and ok.session.is_model_picked
    assert any(isinstance(e, fx.CheckDuplicate) for e in out)
    ok, _ = step(ok, ev.DuplicateChecked(job=ok.job, is_duplicate=False))
    assert ok.state == State.REVIEW_DATA


def test_duplicate_warning_then_continue_records_it() -> None:
    m = at(State.DUPLICATE_WARNING)
    assert build_screen_model(m).is_duplicate
    m, _ = step(m, ev.Confirmed())
    assert m.state == State.REVIEW_DATA and m.session.is_duplicate


def test_rejected_data_recaptures_until_attempts_run_out() -> None:
    m = at(State.REVIEW_DATA)
    for _ in range(m.settings.max_card_attempts - 1):
        m, _ = step(m, ev.DataRejected())
        assert m.state == State.CARD_REFUSED and m.session.front is None and m.session.back is None
        assert build_screen_model(m).can_retry  # "Tomar otra vez" does what it says
        m, _ = step(m, ev.RetryRequested())
        assert m.state == State.CARD_FRONT
        m = _recapture_to_review(m)
    m, _ = step(m, ev.DataRejected())
    assert m.state == State.CARD_REFUSED and m.reason == "card.data_rejected"
    assert not build_screen_model(m).can_retry  # the last one: no "Tomar otra vez", only finish or staff help


def _recapture_to_review(m: Machine) -> Machine:
    m, _ = run(m, ev.CardCaptured(job=m.job, side="front", reading=front_reading()))
    m, _ = run(m, ev.CardCaptured(job=m.job, side="back", reading=back_reading()))
    m, _ = run(m, ev.DuplicateChecked(job=m.job, is_duplicate=False))
    assert m.state == State.REVIEW_DATA
    return m


def test_signature_can_be_cleared() -> None:
    m = at(State.SIGNATURE)
    m, _ = step(m, ev.SignatureSubmitted(strokes=()))
    assert m.notice == "signature.empty"
    m, _ = step(m, ev.SignatureCleared())
    assert m.notice is None and m.session.signature == ()


def test_language_and_accessibility_are_per_session() -> None:
    m = new_machine(settings(), now_s=T0)
    m, _ = run(m, ev.LanguageChosen("en"), ev.AccessibilityToggled("high_contrast"),
               ev.AccessibilityToggled("large_text"), ev.LanguageChosen("xx"), ev.AccessibilityToggled("nope"))
    sm = build_screen_model(m)
    assert (sm.language, sm.high_contrast, sm.large_text) == ("en", True, True)
    m, out = run(m, ev.AccessibilityToggled("voice"))
    assert fx.Speak(key="voice.welcome", language="en") in out
    m, out = run(m, ev.LanguageChosen("es"), ev.LanguageChosen("en"))
    assert out == [fx.Speak(key="voice.welcome", language="es"), fx.Speak(key="voice.welcome", language="en")]
    m, out = run(m, ev.StartPressed())
    assert fx.Speak(key="voice.choose_process", language="en") in out
    m, _ = run(m, ev.CancelRequested())
    assert (m.language, m.high_contrast, m.large_text, m.voice) == ("es", False, False, False)


def test_guidance_is_cleared_between_steps() -> None:
    m = at(State.CARD_FRONT)
    m, _ = step(m, ev.CardGuidance(job=m.job, guidance="card.glare", progress=0.8, is_card_present=True))
    m, _ = step(m, ev.CardCaptured(job=m.job, side="front", reading=front_reading()))
    assert m.guidance is None and m.progress == 0.0


def test_no_citizen_data_survives_any_reset_path() -> None:
    """Every way back to welcome, taken from a late step where the session is full."""
    resets = [
        ("cancel", lambda m: [ev.CancelRequested(), ev.CancelConfirmed()]),
        ("idle", lambda m: [ev.Tick(m.now_s + 10_000), ev.Tick(m.now_s + 20_000)]),
        ("crash", lambda m: [ev.WorkerCrashed(reason="X"), ev.Confirmed()]),
    ]
    for name, make in resets:
        m = at(State.CONFIRM)
        assert citizen_data_left(m), "the fixture must hold citizen data"
        out: list[Any] = []
        for e in make(m):
            m, o = step(m, e)
            out += o
        assert m.state == State.WELCOME, name
        assert_wiped(m, out)


def test_scrub_zeroes_every_image_the_session_held() -> None:
    m = at(State.CONFIRM)
    images = [m.session.front.image, m.session.front.face_crop, m.session.back.image, m.session.selfie]
    assert all(img.any() for img in images)
    assert scrub(m.session) == 4
    assert not any(img.any() for img in images)
    assert scrub(None) == 0


def test_screen_model_masks_identifiers() -> None:
    sm = build_screen_model(at(State.REVIEW_DATA))
    r = sm.review
    assert r is not None
    assert r.full_name == "MUESTRA EJEMPLO ANA SOFIA"  # the card's order: what the citizen sees on the front
    assert (r.seccion, r.vigencia) == ("0542", "2031")
    assert r.cic_masked == "****56789" and r.identificador_masked == "****54321"
    assert "123456789" not in repr(sm) and "MUEA900517MDFSJN09" not in repr(sm)
    assert mask("12") == "**" and mask(None) == ""
    photo = build_screen_model(at(State.REVIEW_PHOTO))
    assert photo.card_photo is not None and photo.card_photo.shape == (40, 30, 3)


def test_screen_model_marks_a_name_the_mrz_cut() -> None:
    # Seen live: a long name cut at 30 MRZ characters read "R FERNANDEZ DE CORDOBA IBANEZ", which looks misread.
    m = at(State.REVIEW_DATA)
    fields = dict(SAMPLE_FIELDS, surname_paternal="FERNANDEZ DE CORDOBA", surname_maternal="IBANEZ",
                  given_names="R")
    back = dataclasses.replace(m.session.back, fields=fields, details={"is_name_truncated": True})
    m = m.with_(session=dataclasses.replace(m.session, back=back))
    assert build_screen_model(m).review.full_name == "FERNANDEZ DE CORDOBA IBANEZ R…"


@pytest.mark.parametrize(("state", "reject", "why"), [
    (State.REVIEW_DATA, ev.DataRejected(), "card.data_rejected"),
    (State.REVIEW_PHOTO, ev.PhotoRejected(), "card.photo_rejected"),
])
def test_the_card_asked_again_after_the_review_says_why(state, reject, why) -> None:
    # Seen live: "Están mal" jumped back to "Muestra el frente de tu credencial" with no word of why.
    # Then "No es mi foto" asked for the back at once: now a screen says what happens next, first.
    m, out = run(at(state), reject)
    assert (m.state, build_screen_model(m).reason) == (State.CARD_REFUSED, why)
    assert not any(isinstance(e, fx.StartCardCapture) for e in out)  # the camera waits for "Tomar otra vez"
    m, _ = run(m, ev.RetryRequested())
    assert m.state == State.CARD_FRONT
    m, _ = run(m, ev.CardCaptured(job=m.job, side="front", reading=front_reading()))
    assert (m.state, m.reason) == (State.CARD_BACK, None)


def test_back_from_the_aspirants_forgets_the_process_and_only_when_there_is_a_choice() -> None:
    # Seen live: a citizen who tapped the wrong process could only Cancel and start again.
    m, _ = run(at(State.CHOOSE_ASPIRANT), ev.BackRequested())
    assert (m.state, m.session.process_id) == (State.CHOOSE_PROCESS, None)
    m, _ = run(m, ev.ProcessChosen(m.settings.processes[0].id))
    assert m.state == State.CHOOSE_ASPIRANT
    one = settings(processes=settings().processes[:1])
    m = new_machine(one, now_s=T0)
    m, _ = run(m, ev.StartPressed())
    assert m.state == State.CHOOSE_ASPIRANT  # the only process was chosen for the citizen
    m2, out = step(m, ev.BackRequested())
    assert (m2.state, out) == (State.CHOOSE_ASPIRANT, ())


def test_screen_model_step_indicator() -> None:
    assert build_screen_model(at(State.PRIVACY_NOTICE)).step == 1
    assert build_screen_model(at(State.SIGNATURE)).step == 5
    sm = build_screen_model(at(State.CARD_FRONT))
    assert (sm.step, sm.step_total, sm.overlay, sm.is_preview) == (2, 6, "card", True)
    assert build_screen_model(at(State.SELFIE)).overlay == "face"


@pytest.mark.parametrize(("reasons", "shown"), [
    (("passive.screen_pattern",), "face.not_live"), (("challenge.timeout:blink",), "face.not_live"),
    ((), "face.not_live"), (("challenge.timeout:blink", "face.timeout"), "face.timeout"),
])
def test_liveness_failures_are_shown_as_one_of_two_reasons(reasons: tuple[str, ...], shown: str) -> None:
    m = at(State.SELFIE)
    m, _ = step(m, ev.LivenessFinished(job=m.job, is_live=False, reasons=reasons))
    assert m.state == State.MATCH_RETRY and m.reason == shown


def test_a_camera_that_keeps_seeing_something_cannot_hold_the_kiosk_for_ever() -> None:
    m = at(State.CARD_FRONT)
    s = m.settings
    t = m.now_s
    while t < m.step_started_s + s.capture_timeout_s - 1:
        t += 1.0
        m, _ = run(m, ev.Tick(t), ev.CardGuidance(job=m.job, guidance="card.move_closer", is_card_present=True))
        assert m.state == State.CARD_FRONT
    m, _ = run(m, ev.Tick(m.step_started_s + s.capture_timeout_s))
    assert m.state == State.IDLE_WARNING and m.resume == State.CARD_FRONT
    m, out = step(m, ev.StillHereConfirmed())
    assert m.state == State.CARD_FRONT and m.step_started_s == m.now_s


def test_help_shows_the_support_hours_in_the_citizens_language() -> None:
    s = dataclasses.replace(settings(), support={"phone": "800 1", "email": "a@b.invalid",
                                                 "hours": "Lunes 9–18", "hours_en": "Monday 9–18"})
    m = new_machine(s, now_s=T0)
    m, _ = run(m, ev.HelpRequested())
    assert build_screen_model(m).support == {"phone": "800 1", "email": "a@b.invalid", "hours": "Lunes 9–18"}
    m, _ = run(m, ev.LanguageChosen("en"))
    assert build_screen_model(m).support["hours"] == "Monday 9–18"


# ------------------------------------------------------------------------------------------------------------
# Cancel and help while work runs: the walkthrough's Cancelar on the back step, carried forward by the capture
# that finished behind the dialog. A cancel arrives before, during (dialog open) and after each step's result.
# ------------------------------------------------------------------------------------------------------------


def _pending_duplicate() -> Machine:
    m = at(State.CARD_BACK)
    m, _ = step(m, ev.CardCaptured(job=m.job, side="back", reading=back_reading()))
    assert m.state == State.CARD_BACK and m.pending == "duplicate"
    return m


def _pending_evaluation() -> Machine:
    m = at(State.CHOOSE_CARD_MODEL)
    m, _ = step(m, ev.CardModelChosen("G"))
    assert m.pending == "evaluate"
    return m


def _pending_pin() -> Machine:
    m = at(State.OPERATOR_PIN)
    m, _ = step(m, ev.PinEntered("2468"))
    assert m.pending == "pin"
    return m


#: (name, machine waiting for a result, that result, the state it leads to)
WORK: list[tuple[str, Callable[[], Machine], Callable[[Machine], Any], State]] = [
    ("front capture", lambda: at(State.CARD_FRONT),
     lambda m: ev.CardCaptured(job=m.job, side="front", reading=front_reading()), State.CARD_BACK),
    ("back capture", lambda: at(State.CARD_BACK),
     lambda m: ev.CardCaptured(job=m.job, side="back", reading=back_reading()), State.CARD_BACK),
    ("duplicate check", _pending_duplicate, lambda m: ev.DuplicateChecked(job=m.job, is_duplicate=False),
     State.REVIEW_DATA),
    ("card evaluation", _pending_evaluation, lambda m: ev.CardEvaluated(job=m.job, model="G", refusal_reason=None),
     State.CHOOSE_CARD_MODEL),
    ("operator pin", _pending_pin, lambda m: ev.OperatorPinChecked(job=m.job, is_ok=True, operator_id="op-7"),
     State.CHOOSE_PROCESS),
    ("selfie", lambda: at(State.SELFIE), lambda m: ev.LivenessFinished(job=m.job, is_live=True, selfie=selfie(),
                                                                       score=0.9), State.FACE_MATCH),
    ("face match", lambda: at(State.FACE_MATCH),
     lambda m: ev.FaceMatched(job=m.job, is_match=True, distance=0.3, threshold=0.6), State.SIGNATURE),
]


def _leave(m: Machine) -> tuple[Machine, list[Any]]:
    """Tap Cancelar, and "Sí, salir" when the flow asks."""
    m, out = run(m, ev.CancelRequested())
    if m.is_cancel_asked:
        m, more = run(m, ev.CancelConfirmed())
        out += more
    return m, out


@pytest.mark.parametrize(("name", "make", "result", "then"), WORK, ids=[w[0] for w in WORK])
def test_cancel_before_the_result_drops_it(name: str, make: Callable[[], Machine], result: Callable[[Machine], Any],
                                           then: State) -> None:
    m = make()
    late = result(m)
    m, out = _leave(m)
    assert m.state == State.WELCOME
    assert_wiped(m, out)
    assert step(m, late) == (m, ())  # the late result resurrects nothing


@pytest.mark.parametrize(("name", "make", "result", "then"), WORK, ids=[w[0] for w in WORK])
def test_a_result_during_the_cancel_dialog_waits_for_the_answer(name: str, make: Callable[[], Machine],
                                                                 result: Callable[[Machine], Any],
                                                                 then: State) -> None:
    m = make()
    st = m.state
    asked, out = run(m, ev.CancelRequested())
    if not asked.is_cancel_asked:  # nothing captured yet: Cancelar ends at once (the "before" case)
        assert asked.state == State.WELCOME
        return
    assert asked.state == st and build_screen_model(asked).is_cancel_asked
    if st in CAMERA_STATES and m.pending is None:
        assert fx.StopCamera() in out  # the capture does not go on behind the dialog
    arrived, _ = step(asked, result(m))
    assert arrived.state == st and arrived.is_cancel_asked  # the dialog stays; the flow does not move on
    # taps on the step under the dialog do nothing either
    assert step(arrived, ev.DataConfirmed())[0] == arrived
    # "Sí, salir": the held result goes with the session
    left, out = step(arrived, ev.CancelConfirmed())
    assert left.state == State.WELCOME
    assert_wiped(left, list(out))
    # "No, seguir": back to the step; a capture starts again, a finished check is applied now
    kept, out = step(arrived, ev.CancelKept())
    assert not kept.is_cancel_asked
    if st in CAMERA_STATES and m.pending is None:
        assert kept.state == st and kept.job > m.job
        assert any(isinstance(e, (fx.StartCardCapture, fx.StartSelfie)) and e.job == kept.job for e in out)
    else:
        assert kept.state == then or kept.pending != m.pending, (kept.state, kept.pending)


@pytest.mark.parametrize(("name", "make", "result", "then"), WORK, ids=[w[0] for w in WORK])
def test_cancel_after_the_result_is_honoured_in_the_next_step(name: str, make: Callable[[], Machine],
                                                              result: Callable[[Machine], Any],
                                                              then: State) -> None:
    m = make()
    m, _ = step(m, result(m))
    assert m.state == then
    m, out = _leave(m)
    assert m.state == State.WELCOME
    assert_wiped(m, out)


@pytest.mark.parametrize(("name", "make", "result", "then"), WORK, ids=[w[0] for w in WORK])
def test_help_while_work_runs_holds_the_result_until_help_closes(name: str, make: Callable[[], Machine],
                                                                 result: Callable[[Machine], Any],
                                                                 then: State) -> None:
    m = make()
    st = m.state
    in_help, _ = step(m, ev.HelpRequested())
    assert in_help.state == State.HELP and in_help.resume == st
    assert not build_screen_model(in_help).is_busy  # help is readable, not dimmed by the spinner
    arrived, _ = step(in_help, result(m))
    assert arrived.state == State.HELP  # help is not torn away by the result
    back, out = step(arrived, ev.HelpClosed())
    if st in CAMERA_STATES and m.pending is None:
        assert back.state == st and any(isinstance(e, (fx.StartCardCapture, fx.StartSelfie)) for e in out)
    else:
        assert back.state == then or back.pending != m.pending


def test_face_match_result_held_through_help_and_the_idle_warning() -> None:
    m = at(State.FACE_MATCH)
    m, _ = run(m, ev.HelpRequested(), ev.FaceMatched(job=m.job, is_match=True, distance=0.3, threshold=0.6))
    m, _ = step(m, ev.Tick(m.now_s + m.settings.idle_timeout_s + 1))
    assert m.state == State.IDLE_WARNING and m.held is not None
    m, _ = run(m, ev.StillHereConfirmed())
    assert m.state == State.HELP or m.state == State.SIGNATURE


def test_an_unanswered_cancel_dialog_ends_the_session() -> None:
    m = at(State.SIGNATURE)
    m, _ = step(m, ev.CancelRequested())
    m, out = step(m, ev.Tick(m.now_s + m.settings.idle_timeout_s + 0.1))
    assert m.state == State.WELCOME
    assert_wiped(m, list(out))


def test_cancel_is_not_offered_while_sealing_and_the_record_is_kept() -> None:
    m = at(State.SEALING)
    m2, out = step(m, ev.CancelRequested())
    assert m2 == m and out == ()
    m3, _ = step(m2, ev.RecordSealed(job=m.job, folio="F-1"))
    assert m3.state == State.RECEIPT


def test_no_acepto_says_so_and_offers_the_notice_again() -> None:
    m = at(State.PRIVACY_NOTICE)
    m, _ = step(m, ev.ConsentDeclined())
    assert m.state == State.PRIVACY_NOTICE and build_screen_model(m).is_cancel_asked
    back, _ = step(m, ev.CancelKept())
    assert back.state == State.PRIVACY_NOTICE and not back.is_cancel_asked
    gone, out = step(m, ev.CancelConfirmed())
    assert gone.state == State.WELCOME and fx.AuditNote(kind="consent.declined") in out


def test_a_process_that_closes_mid_session_still_seals_but_is_not_offered_next() -> None:
    m = at(State.CONFIRM)
    pid = m.session.process_id
    m, _ = step(m, ev.ProcessesActive(process_ids=tuple(p.id for p in m.settings.processes if p.id != pid)))
    assert m.state == State.CONFIRM and build_screen_model(m).process.id == pid  # still shown, still sealed
    m, out = step(m, ev.Confirmed())
    assert any(isinstance(e, fx.SealRecord) and e.draft.process_id == pid for e in out)
    m, out = step(m, ev.RecordSealed(job=m.job, folio="F-1"))
    assert build_screen_model(m).process.id == pid  # the receipt names what the citizen supported
    m, out = step(m, ev.Confirmed())
    assert m.state == State.WELCOME and fx.CheckProcesses() in out  # re-checked at every return to welcome
    assert pid not in [p.id for p in build_screen_model(m).processes]
    m, _ = step(m, ev.ProcessesActive(process_ids=()))
    m, _ = step(m, ev.StartPressed())
    assert (m.state, m.reason) == (State.OUT_OF_SERVICE, "catalog.empty")
    m, _ = step(m, ev.ProcessesActive(process_ids=(pid,)))  # a process opens: back in service by itself
    assert m.state == State.WELCOME
