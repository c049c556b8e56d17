"""Controller + workers with the scripted camera, fake vision/face/store ports and a fake clock: the effects
really run (camera frames, jobs) and come back as events, without threads or sleeps."""

from __future__ import annotations

import dataclasses
import os
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from kiosk.camera.scripted import ScriptedCamera
from kiosk.clock import FakeClock
from kiosk.errors import ConfigError, InvalidField, KeyMissing, StoreError
from kiosk.flow import effects as fx
from kiosk.flow import events as ev
from kiosk.flow.machine import new_machine
from kiosk.flow.samples import SAMPLE_FIELDS, sample_settings
from kiosk.flow.states import State
from kiosk.runtime.controller import Controller
from kiosk.runtime.fakes import FakeFace, FakeStore, FakeVision
from kiosk.runtime.workers import CameraWorker, EffectRunner, EventQueue, JobWorker, Speaker
from kiosk.store.operator_pin import PinVerifier, set_operator_pin


def readings() -> tuple[ev.CardReading, ev.CardReading]:
    front = ev.CardReading(side="front", image=np.full((638, 1011, 3), 3, np.uint8),
                           face_crop=np.full((300, 240, 3), 4, np.uint8))
    back = ev.CardReading(side="back", image=np.full((638, 1011, 3), 5, np.uint8), fields=dict(SAMPLE_FIELDS),
                          model="G", details={"mrz_checks": {"cic": True}})
    return front, back


class Rig:
    def __init__(self, *, vision: FakeVision | None = None, face: FakeFace | None = None,
                 store: FakeStore | None = None, operator: bool = False, pin_check: Any = None,
                 speaker: Speaker | None = None, **settings: Any) -> None:
        self.clock = FakeClock()
        self.camera = ScriptedCamera(self.clock)
        self.camera.play([np.full((1200, 1600, 3), 100, np.uint8)])
        front, back = readings()
        self.vision = vision or FakeVision(front=front, back=back)
        self.face = face or FakeFace()
        self.store = store or FakeStore()
        self.events = EventQueue()
        self.camera_worker = CameraWorker(self.camera, self.clock, self.vision, self.face, self.events.post,
                                          threaded=False, rng=random.Random(1), selfie_timeout_s=20.0)
        self.jobs = JobWorker(self.events.post, threaded=False)
        self.runner = EffectRunner(self.camera_worker, self.jobs, self.vision, self.face, self.store, self.clock,
                                   pin_check=pin_check, speaker=speaker)
        s = sample_settings(is_operator_mode=operator, **settings)
        self.controller = Controller(new_machine(s, self.clock.monotonic()), self.clock, self.runner, self.events,
                                     periodic=[(60.0, fx.CheckStorage())])

    @property
    def state(self) -> State:
        return self.controller.state

    def frames(self, n: int, dt_s: float = 1 / 15) -> None:
        for _ in range(n):
            self.clock.advance(dt_s)
            self.camera_worker.step()
            self.jobs.run_pending()
            self.controller.screen_model()

    def until(self, state: State, max_frames: int = 300) -> None:
        for _ in range(max_frames):
            if self.state == state:
                return
            self.frames(1)
        raise AssertionError(f"stuck in {self.state}, wanted {state}")

    def to_card_front(self) -> None:
        c = self.controller
        c.dispatch(ev.StartPressed())
        s = c.machine.settings
        c.dispatch(ev.ProcessChosen(s.processes[0].id))
        c.dispatch(ev.AspirantChosen(s.processes[0].aspirants[0].id))
        c.dispatch(ev.ConsentGiven())
        assert self.state == State.CARD_FRONT


def test_a_whole_session_runs_through_the_workers_and_seals_once() -> None:
    rig = Rig()
    c = rig.controller
    assert c.preview() is None
    rig.to_card_front()
    rig.frames(1)
    assert c.preview() is not None and c.preview().image.shape == (480, 640, 3)
    rig.until(State.CARD_BACK)
    rig.until(State.REVIEW_DATA)
    assert not rig.camera.is_running  # stopped after the back was read
    assert c.screen_model().review.cic_masked == "****56789"
    c.dispatch(ev.DataConfirmed())
    c.dispatch(ev.PhotoConfirmed())
    c.dispatch(ev.SelfieTipsRead())
    assert rig.state == State.SELFIE
    rig.frames(2)
    sm = c.screen_model()
    assert sm.challenge in ("blink", "turn_left") and sm.liveness_total == 2
    rig.until(State.SIGNATURE)
    assert rig.face.matches == 1
    c.dispatch(ev.SignatureSubmitted(strokes=(ev.Stroke(points=((0, 0, 0.0), (30, 20, 0.2))),)))
    c.dispatch(ev.Confirmed())
    rig.until(State.RECEIPT)
    assert c.screen_model().folio == "FAKE-0001-X"
    draft = rig.store.sealed[0]
    assert draft.fields["cic"] == "123456789" and draft.card_model == "G"
    assert draft.selfie.shape == (480, 640, 3)
    # the plaintext images were zeroed as soon as the record was sealed
    assert not draft.front_image.any() and not draft.selfie.any() and not draft.face_crop.any()
    assert c.machine.session.folio == "FAKE-0001-X" and c.machine.session.front is None
    c.dispatch(ev.Confirmed())
    assert rig.state == State.WELCOME and c.machine.session.is_empty
    assert len(rig.store.sealed) == 1
    # nothing of the card stays in the workers either
    assert rig.camera_worker._front_context is None and rig.camera_worker.latest_preview() is None
    assert rig.events.drain() == []


def test_second_session_of_the_same_card_warns_about_the_duplicate() -> None:
    rig = Rig()
    s = sample_settings()
    front, back = readings()
    rig.store.supported.add((s.processes[0].id, back.fields["cic"], back.fields["identificador"]))
    rig.to_card_front()
    rig.until(State.DUPLICATE_WARNING)


def test_camera_disconnect_goes_to_failsafe_and_wipes() -> None:
    rig = Rig()
    rig.to_card_front()
    rig.until(State.CARD_BACK)
    rig.camera.disconnect()
    rig.frames(2)
    assert rig.state == State.FAILSAFE and rig.controller.machine.reason == "camera.unavailable"
    assert rig.controller.machine.session.is_empty


def test_camera_timeout_is_reported_as_such() -> None:
    rig = Rig()
    rig.to_card_front()
    rig.camera.fail_next(1)
    rig.frames(2)
    assert rig.state == State.FAILSAFE and rig.controller.machine.reason == "camera.timeout"


def test_unreadable_stills_keep_capturing_with_guidance() -> None:
    front, back = readings()
    rig = Rig(vision=FakeVision(front=front, back=back, unreadable_stills=2))
    rig.to_card_front()
    seen = set()
    for _ in range(40):
        rig.frames(1)
        seen.add(rig.controller.screen_model().guidance)
        if rig.state != State.CARD_FRONT:
            break
    assert "card.blurry" in seen and rig.state == State.CARD_BACK


def test_refused_card_from_the_vision_port() -> None:
    front, back = readings()
    expired = dataclasses.replace(back, refusal_reason="card.expired")
    rig = Rig(vision=FakeVision(front=front, back=expired))
    rig.to_card_front()
    rig.until(State.CARD_REFUSED)
    assert rig.controller.screen_model().reason == "card.expired" and not rig.camera.is_running
    rig.frames(1)
    assert rig.store.notes == [("card.refused", "card.expired")]  # the refusal is in the audit log


def test_model_picker_round_trip_through_the_job_worker() -> None:
    front, back = readings()
    rig = Rig(vision=FakeVision(front=front, back=dataclasses.replace(back, model=None),
                                refusal_for_model={"G": None}))
    rig.to_card_front()
    rig.until(State.CHOOSE_CARD_MODEL)
    rig.controller.dispatch(ev.CardModelChosen("B"))
    rig.frames(1)
    assert rig.state == State.CARD_REFUSED and rig.controller.machine.reason == "card.model_unsupported"


def test_other_person_is_refused_after_the_allowed_attempts() -> None:
    rig = Rig(face=FakeFace(is_same_person=False))
    rig.to_card_front()
    rig.until(State.REVIEW_DATA)
    c = rig.controller
    c.dispatch(ev.DataConfirmed())
    c.dispatch(ev.PhotoConfirmed())
    c.dispatch(ev.SelfieTipsRead())
    for _ in range(c.machine.settings.max_match_attempts - 1):
        rig.until(State.MATCH_RETRY)
        c.dispatch(ev.RetryRequested())
    rig.until(State.MATCH_REFUSED)
    assert rig.face.matches == c.machine.settings.max_match_attempts
    assert rig.store.sealed == []


def test_a_selfie_that_never_finishes_times_out_as_not_live() -> None:
    rig = Rig(face=FakeFace(frames_to_live=10_000))
    rig.to_card_front()
    rig.until(State.REVIEW_DATA)
    c = rig.controller
    c.dispatch(ev.DataConfirmed())
    c.dispatch(ev.PhotoConfirmed())
    c.dispatch(ev.SelfieTipsRead())
    rig.frames(int(20.0 * 15) + 5)
    assert rig.state == State.MATCH_RETRY and c.machine.reason == "face.timeout"


@pytest.mark.parametrize(("error", "state", "reason"), [
    (StoreError("disk"), State.FAILSAFE, "store.error"),
    (KeyMissing("no key"), State.FAILSAFE, "store.key_missing"),
    (RuntimeError("bug"), State.FAILSAFE, "job:RuntimeError"),
])
def test_seal_failures(error: Exception, state: State, reason: str) -> None:
    rig = Rig(store=FakeStore(fail_with=error))
    _to_confirm(rig)
    rig.controller.dispatch(ev.Confirmed())
    rig.frames(1)
    assert rig.state == state and rig.controller.machine.reason == reason
    assert rig.controller.machine.session.is_empty


def test_storage_full_at_sealing_and_recovery_by_the_periodic_check() -> None:
    rig = Rig()
    _to_confirm(rig)
    rig.store.free_mb = 10.0
    rig.controller.dispatch(ev.Confirmed())
    rig.frames(1)
    assert rig.state == State.OUT_OF_SERVICE and rig.controller.machine.reason == "storage.full"
    rig.store.free_mb = 4000.0
    rig.frames(int(61 * 15))
    assert rig.state == State.WELCOME


def _to_confirm(rig: Rig) -> None:
    c = rig.controller
    rig.to_card_front()
    rig.until(State.REVIEW_DATA)
    for e in (ev.DataConfirmed(), ev.PhotoConfirmed(), ev.SelfieTipsRead()):
        c.dispatch(e)
    rig.until(State.SIGNATURE)
    c.dispatch(ev.SignatureSubmitted(strokes=(ev.Stroke(points=((0, 0, 0.0), (30, 20, 0.2))),)))
    assert rig.state == State.CONFIRM


def test_results_of_a_cancelled_capture_never_reach_the_next_citizen() -> None:
    rig = Rig()
    rig.to_card_front()
    rig.frames(2)
    rig.controller.dispatch(ev.CancelRequested())
    assert not rig.camera.is_running and rig.controller.preview() is None
    rig.frames(20)
    assert rig.state == State.WELCOME and rig.controller.machine.session.is_empty


def test_a_bug_in_the_flow_ends_on_the_failsafe_screen() -> None:
    rig = Rig()
    broken = dataclasses.replace(rig.controller.machine.settings, processes=(object(),))
    rig.controller._machine = dataclasses.replace(rig.controller.machine, settings=broken)
    rig.controller.dispatch(ev.StartPressed())  # the single "process" has no aspirants attribute
    assert rig.state == State.FAILSAFE and rig.controller.machine.reason == "flow.exception"


def test_operator_pin_through_the_verifier(tmp_path: Path) -> None:
    pin_file = tmp_path / "operator_pin"
    set_operator_pin(pin_file, "aux-07", "482913")
    text = pin_file.read_text()
    assert "482913" not in text and oct(os.stat(pin_file).st_mode & 0o777) == "0o600"
    rig = Rig(operator=True, pin_check=PinVerifier(pin_file).check)
    c = rig.controller
    c.dispatch(ev.StartPressed())
    c.dispatch(ev.PinEntered("111111"))
    rig.frames(1)
    assert rig.state == State.OPERATOR_PIN and c.screen_model().notice == "pin.wrong"
    c.dispatch(ev.PinEntered("482913"))
    rig.frames(1)
    assert rig.state == State.CHOOSE_PROCESS and c.machine.session.operator_id == "aux-07"


def test_operator_pin_file_rules(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no operator PIN file"):
        PinVerifier(tmp_path / "missing")
    with pytest.raises(InvalidField):
        set_operator_pin(tmp_path / "p", "aux-1", "12")
    set_operator_pin(tmp_path / "p", "aux-1", "1234")
    set_operator_pin(tmp_path / "p", "aux-2", "5678")
    set_operator_pin(tmp_path / "p", "aux-1", "4321")  # replaced
    v = PinVerifier(tmp_path / "p")
    assert (v.check("1234"), v.check("4321"), v.check("5678"), v.check("abcd")) == (None, "aux-1", "aux-2", None)


def test_speaker_runs_espeak_without_waiting(tmp_path: Path) -> None:
    log = tmp_path / "said.txt"
    fake = tmp_path / "espeak-ng"
    fake.write_text(f"#!/bin/sh\necho \"$@\" >> {log}\n")
    fake.chmod(0o755)
    spoken: list[tuple[str, str]] = []

    def text_for(key: str, lang: str) -> str | None:
        spoken.append((key, lang))
        return "Bienvenido" if key == "voice.welcome" else None

    sp = Speaker(text_for, executable=str(fake))
    rig = Rig(speaker=sp)
    rig.controller.dispatch(ev.AccessibilityToggled("voice"))
    assert spoken == [("voice.welcome", "es")]
    sp._proc.wait(timeout=10)
    assert "Bienvenido" in log.read_text() and "-v es-419" in log.read_text()
    rig.controller.dispatch(ev.StartPressed())
    assert ("voice.choose_process", "es") in spoken
    spoken.clear()
    mute = Speaker(text_for, executable="")
    mute.say("voice.welcome", "es")
    assert not mute.is_available and spoken == []


def test_threaded_workers_capture_and_stop_the_camera_themselves() -> None:
    """The kiosk's real mode: the camera worker and job worker on their own threads (waits on events, no sleep)."""
    import threading

    from kiosk.clock import SystemClock

    clock = SystemClock()
    camera = ScriptedCamera(clock)
    camera.play([np.full((1200, 1600, 3), 100, np.uint8)])
    front, back = readings()
    got: list[Any] = []
    captured = threading.Event()

    def sink(e: Any) -> None:
        got.append(e)
        if isinstance(e, (ev.CardCaptured, ev.DuplicateChecked)):
            captured.set()

    worker = CameraWorker(camera, clock, FakeVision(front=front, back=back), FakeFace(), sink, threaded=True,
                          frame_period_s=0.005)
    jobs = JobWorker(sink, threaded=True)
    try:
        worker.start_card(7, "front")
        assert captured.wait(timeout=20)
        assert any(isinstance(e, ev.CardCaptured) and e.job == 7 for e in got)
        captured.clear()
        jobs.submit(lambda: ev.DuplicateChecked(job=8, is_duplicate=False))
        assert captured.wait(timeout=20)
        worker.stop()
        for _ in range(200):  # the worker thread stops the camera at its next turn
            if not camera.is_running:
                break
            threading.Event().wait(0.01)
        assert not camera.is_running
    finally:
        worker.close()
        jobs.close()


def test_the_preview_shown_carries_the_outline_found_in_that_frame() -> None:
    rig = Rig()
    rig.to_card_front()
    rig.frames(1)
    shown = rig.controller.preview()
    assert shown is not None and shown.image.shape == (480, 640, 3)
    assert shown.card_outline == rig.vision.card_outline
    rig.vision.card_outline = None  # the card left the frame: the next preview shows no outline
    rig.frames(1)
    assert rig.controller.preview().card_outline is None
