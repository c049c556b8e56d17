"""Workers: run the flow's effects off the render loop and post the results back as events.

* :class:`CameraWorker` owns the camera: it auto-captures a card side (``CardAutoCapture`` on every preview,
  then a still analysed by ``kiosk.vision.document``) or runs the selfie (quality + liveness). It keeps the
  latest preview for the UI (``latest_preview()``, never blocks).
* :class:`JobWorker` runs short jobs one at a time: face match, duplicate check, sealing, card evaluation,
  operator PIN, free space.
* :class:`Speaker` reads steps aloud with espeak-ng (a subprocess, never waited for), if installed.
* :class:`EffectRunner` maps each effect to the worker that handles it.

Each worker works either as a thread (the kiosk) or stepped by the caller (``threaded=False``: the headless
demo, tests, benchmarks), so the same code runs deterministically on a :class:`~kiosk.clock.FakeClock`.
The parts they drive (vision, face, store) sit behind the small ports of :mod:`kiosk.runtime.ports`;
:mod:`kiosk.app` builds the real adapters, tests may pass fakes with the same methods.
"""

from __future__ import annotations

import logging
import queue
import random
import shutil
import subprocess
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from kiosk.camera.base import Camera
from kiosk.clock import Clock
from kiosk.config import FaceConfig, UIConfig, VisionConfig
from kiosk.errors import CameraError, CameraTimeout, ImageError, KeyMissing, StorageFull, StoreError
from kiosk.flow import effects as fx
from kiosk.flow import events as ev
from kiosk.image_input import check_array
from kiosk.runtime.ports import (
    CardCapturePort,
    Director,
    FacePort,
    PinGuardPort,
    PreviewView,
    SelfieSessionPort,
    StorePort,
    VisionPort,
)

log = logging.getLogger(__name__)

#: Flow notes that go into the device's signed audit log (the others are only logged): what an auditor needs
#: to see at a kiosk — attacks refused, operators locked out, the kiosk failing. Codes only, never citizen data.
AUDITED_NOTES = ("card.refused", "face.refused", "operator.pin_wrong", "operator.locked", "operator.still_locked",
                 "flow.failsafe", "flow.out_of_service")


Sink = Callable[[Any], None]


class EventQueue:
    """Thread-safe queue of events from the workers to the controller."""

    def __init__(self) -> None:
        self._q: queue.SimpleQueue[Any] = queue.SimpleQueue()

    def post(self, event: Any) -> None:
        self._q.put(event)

    def drain(self) -> list[Any]:
        out = []
        while True:
            try:
                out.append(self._q.get_nowait())
            except queue.Empty:
                return out


# ------------------------------------------------------------------------------------------------------------
# Camera worker
# ------------------------------------------------------------------------------------------------------------


@dataclass
class _Task:
    kind: str  # 'card' | 'selfie'
    job: int
    side: str = ""
    capture: CardCapturePort | None = None
    selfie: SelfieSessionPort | None = None
    challenges: tuple[str, ...] = ()
    started_s: float = 0.0
    stills: int = 0
    best: Any = None  # selfie: the best frame so far (a copy)
    done: bool = False


class CameraWorker:
    """Owns the camera while a capture step runs. See the module doc.

    ``max_stills``: full-resolution stills analysed per card side before giving up (the last one decides;
    ``vision.stills_per_side``). ``selfie_timeout_s``: a selfie that has not finished its challenges by then is
    not live ('face.timeout'; ``face.selfie_timeout_s``).
    ``frame_period_s``: pacing of the thread (the camera's own rate limits it too).
    """

    def __init__(self, camera: Camera, clock: Clock, vision: VisionPort, face: FacePort, sink: Sink, *,
                 director: Director | None = None, rng: random.Random | None = None, max_stills: int = VisionConfig.stills_per_side,
                 selfie_timeout_s: float = FaceConfig.selfie_timeout_s, frame_period_s: float = 1 / 30, preview_timeout_s: float = 1.0,
                 threaded: bool = True) -> None:
        self._camera = camera
        self._clock = clock
        self._vision = vision
        self._face = face
        self._sink = sink
        self.director = director
        self._rng = rng or random.Random()
        self._max_stills = max_stills
        self._selfie_timeout_s = selfie_timeout_s
        self._period_s = frame_period_s
        self._preview_timeout_s = preview_timeout_s
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._task: _Task | None = None
        self._preview: PreviewView | None = None
        self._front_context: object | None = None  # the accepted front analysis, for the front/back pair check
        self._closed = False
        self._thread: threading.Thread | None = None
        if threaded:
            self._thread = threading.Thread(target=self._run, name="camera-worker", daemon=True)
            self._thread.start()

    # -- commands (any thread) ------------------------------------------------------------------------------
    def start_card(self, job: int, side: str) -> None:
        """Start auto-capturing ``side``; the set-up itself happens on the worker (never on the UI thread)."""
        self._set_task(_Task(kind="card", job=job, side=side, started_s=self._clock.monotonic()))

    def start_selfie(self, job: int, challenges: Sequence[str]) -> None:
        self._set_task(_Task(kind="selfie", job=job, challenges=tuple(challenges),
                             started_s=self._clock.monotonic()))

    def _prepare(self, task: _Task) -> None:
        """Build the capture session (and let the development director change the scene) for a new task."""
        if task.kind == "card":
            if self.director is not None:
                self.director.on_card(task.side)
            task.capture = self._vision.new_capture(task.side, self._front_context if task.side == "back" else None)
        else:
            task.selfie = self._face.new_selfie(task.challenges, self._rng)
            if self.director is not None:
                self.director.on_selfie(task.selfie.challenges)
        task.started_s = self._clock.monotonic()

    def stop(self) -> None:
        """Stop capturing. Threaded, the worker thread itself stops the camera (it may be mid-read)."""
        with self._lock:
            self._task = None
            self._preview = None
        if self._thread is None:
            self._stop_camera()
        else:
            self._wake.set()

    def forget_session(self) -> None:
        """The citizen's session ended: drop what was kept of their card."""
        with self._lock:
            self._front_context = None
        if self.director is not None:
            self.director.on_session_end()

    def latest_preview(self) -> PreviewView | None:
        """The newest preview while a capture runs (with the card outline found in it), else None. Never
        blocks."""
        return self._preview

    @property
    def is_busy(self) -> bool:
        return self._task is not None

    def close(self) -> None:
        self._closed = True
        with self._lock:
            self._task = None
            self._preview = None
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5.0)
        self._stop_camera()

    # -- work ------------------------------------------------------------------------------------------------
    def _set_task(self, task: _Task) -> None:
        with self._lock:
            self._task = task
            self._preview = None
        self._wake.set()

    def _stop_camera(self) -> None:
        try:
            if self._camera.is_running:
                self._camera.stop()
        except CameraError as exc:  # stopping a camera that is gone is not worth the failsafe
            log.warning("camera stop failed: %s", exc)

    def _post(self, task: _Task, event: Any) -> None:
        if self._task is task:  # a task replaced meanwhile posts nothing
            self._sink(event)

    def step(self) -> bool:
        """Do one unit of work (one preview frame, maybe a still). Returns False when idle."""
        task = self._task
        if task is None or task.done:
            return False
        try:
            if task.capture is None and task.selfie is None:
                self._prepare(task)
            if not self._camera.is_running:
                self._camera.start()
            frame = self._camera.latest_preview(timeout_s=self._preview_timeout_s)
            if task.kind != "card":
                self._preview = PreviewView(frame.image, frame.timestamp_s, frame.index)
            if task.kind == "card":
                self._step_card(task, frame)
            else:
                self._step_selfie(task, frame)
        except CameraTimeout:
            log.warning("camera frame timeout")
            self._finish(task, ev.CameraFailed(job=task.job, reason="camera.timeout"))
        except CameraError:
            log.exception("camera failed")
            self._finish(task, ev.CameraFailed(job=task.job, reason="camera.unavailable"))
        except Exception as exc:  # noqa: BLE001 - any other failure is the failsafe, never a silent hang
            log.exception("camera worker crashed")
            self._finish(task, ev.WorkerCrashed(reason=f"camera:{type(exc).__name__}"))
        return True

    def _finish(self, task: _Task, event: Any) -> None:
        task.done = True
        self._post(task, event)

    def _step_card(self, task: _Task, frame: Any) -> None:
        if task.capture is None:
            raise RuntimeError("card task without a capture")
        fed = task.capture.feed(frame)
        # published after the analysis so the outline drawn is the one of the frame shown
        self._preview = PreviewView(frame.image, frame.timestamp_s, frame.index, fed.card_outline)
        self._post(task, ev.CardGuidance(job=task.job, guidance=fed.guidance, progress=fed.progress,
                                         is_card_present=fed.is_card_present))
        if not fed.is_ready:
            return
        still = self._camera.capture_still(timeout_s=self._preview_timeout_s)
        try:
            check_array(still.image, "camera still")
        except ImageError as exc:  # a misconfigured or faulty camera: never feed it to the vision code
            raise CameraError(str(exc)) from exc
        task.stills += 1
        verdict = task.capture.analyse_still(still.image, task.stills, task.stills >= self._max_stills,
                                             white_balance=getattr(still, "white_balance", None))
        if verdict.reading is None:
            task.capture.reset()
            self._post(task, ev.CardGuidance(job=task.job, guidance=verdict.guidance, progress=0.0,
                                             is_card_present=True))
            return
        if task.side == "front" and verdict.reading.refusal_reason is None:
            with self._lock:
                self._front_context = verdict.context
        self._finish(task, ev.CardCaptured(job=task.job, side=task.side, reading=verdict.reading))

    def _step_selfie(self, task: _Task, frame: Any) -> None:
        if task.selfie is None:
            raise RuntimeError("selfie task without a session")
        now = self._clock.monotonic()
        st = task.selfie.feed(frame.image, frame.timestamp_s)
        if st.guidance is None and st.is_face_present:
            task.best = frame.image.copy()  # a copy: scrubbing it later must not touch the camera's buffers
        self._post(task, ev.SelfieGuidance(job=task.job, guidance=st.guidance, is_face_present=st.is_face_present))
        self._post(task, ev.LivenessProgressed(job=task.job, challenge=st.challenge, guidance=st.challenge_guidance,
                                               completed=st.completed, total=st.total))
        timed_out = now - task.started_s >= self._selfie_timeout_s
        if not st.is_done and not timed_out:
            return
        out = task.selfie.result()
        reasons = out.reasons if st.is_done else (*out.reasons, "face.timeout")
        is_live = out.is_live and st.is_done and task.best is not None
        self._finish(task, ev.LivenessFinished(job=task.job, is_live=is_live, selfie=task.best if is_live else None,
                                               score=out.score, reasons=tuple(reasons) or (
                                                   () if is_live else ("face.not_live",))))

    def _run(self) -> None:
        while not self._closed:
            if self._task is None or self._task.done:
                if self._task is None:
                    self._stop_camera()
                self._wake.wait(timeout=0.5)
                self._wake.clear()
                continue
            self.step()
            self._wake.wait(timeout=self._period_s)  # pacing; a new task wakes it at once
            self._wake.clear()


# ------------------------------------------------------------------------------------------------------------
# Job worker
# ------------------------------------------------------------------------------------------------------------


class JobWorker:
    """Runs short jobs in order on one thread; a job returns an event. With ``threaded=False`` jobs wait until
    the caller runs them with :meth:`run_pending` (demo, tests, bench: deterministic, and timed per step)."""

    def __init__(self, sink: Sink, *, threaded: bool = True) -> None:
        self._sink = sink
        self._q: queue.SimpleQueue[Callable[[], Any] | None] = queue.SimpleQueue()
        self._pending: list[Callable[[], Any]] = []
        self._thread: threading.Thread | None = None
        if threaded:
            self._thread = threading.Thread(target=self._run, name="job-worker", daemon=True)
            self._thread.start()

    def submit(self, job: Callable[[], Any]) -> None:
        if self._thread is None:
            self._pending.append(job)
        else:
            self._q.put(job)

    def run_pending(self) -> int:
        """Unthreaded mode: run the queued jobs now (in order); returns how many ran."""
        count = 0
        while self._pending:
            self._execute(self._pending.pop(0))
            count += 1
        return count

    def _execute(self, job: Callable[[], Any]) -> None:
        try:
            event = job()
        except Exception as exc:  # noqa: BLE001 - an unexpected failure goes to the failsafe screen
            log.exception("job failed")
            event = ev.WorkerCrashed(reason=f"job:{type(exc).__name__}")
        if event is not None:
            self._sink(event)

    def _run(self) -> None:
        while True:
            job = self._q.get()
            if job is None:
                return
            self._execute(job)

    def close(self) -> None:
        if self._thread is not None:
            self._q.put(None)
            self._thread.join(timeout=10.0)
            self._thread = None


# ------------------------------------------------------------------------------------------------------------
# Voice
# ------------------------------------------------------------------------------------------------------------


class Speaker:
    """Reads catalog strings aloud with espeak-ng. Skipped (with one log line) when espeak-ng is missing.
    A new line interrupts the one being spoken; nothing is ever waited for."""

    VOICES = {"es": "es-419", "en": "en-us"}

    def __init__(self, text_for: Callable[[str, str], str | None], executable: str | None = None,
                 speed_wpm: int = UIConfig.voice_speed_wpm) -> None:
        self._text_for = text_for
        self._speed_wpm = speed_wpm  # config: ui.voice_speed_wpm
        # None: find espeak-ng on PATH; "": voice disabled.
        self._exe = shutil.which("espeak-ng") if executable is None else (executable or None)
        self._proc: subprocess.Popen[bytes] | None = None
        if self._exe is None:
            log.info("espeak-ng not installed: voice guidance is off")

    @property
    def is_available(self) -> bool:
        return self._exe is not None

    def say(self, key: str, language: str) -> None:
        if self._exe is None:
            return
        text = self._text_for(key, language)
        if not text:
            return
        self.stop()
        try:
            argv = [self._exe, "-v", self.VOICES.get(language, language), "-s", str(self._speed_wpm), text]
            self._proc = subprocess.Popen(argv,
                                          stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL)
        except OSError as exc:
            log.warning("espeak-ng failed to start: %s", exc)

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
        self._proc = None


# ------------------------------------------------------------------------------------------------------------
# Effects → workers
# ------------------------------------------------------------------------------------------------------------


class EffectRunner:
    """Hands each effect to its worker. Never blocks: camera work and jobs run on their own threads."""

    def __init__(self, camera: CameraWorker, jobs: JobWorker, vision: VisionPort, face: FacePort, store: StorePort,
                 clock: Clock, *, pin_check: Callable[[str], str | None] | None = None,
                 speaker: Speaker | None = None, pin_guard: PinGuardPort | None = None,
                 active_processes: Callable[[], Sequence[str]] | None = None) -> None:
        """``active_processes()``: ids of the catalog processes open today, by the clock at each call."""
        self.camera = camera
        self.jobs = jobs
        self._vision = vision
        self._face = face
        self._store = store
        self._clock = clock
        self._pin_check = pin_check
        self._speaker = speaker
        self._pin_guard = pin_guard  # operator mode only (kiosk.store.operator_pin.PinGuardFile)
        self._active_processes = active_processes

    def run(self, effects: Sequence[Any]) -> None:
        for e in effects:
            self._run_one(e)

    def _run_one(self, e: Any) -> None:  # noqa: C901 - one branch per effect type reads best
        if isinstance(e, fx.StartCardCapture):
            self.camera.start_card(e.job, e.side)
        elif isinstance(e, fx.StartSelfie):
            self.camera.start_selfie(e.job, e.challenges)
        elif isinstance(e, fx.StopCamera):
            self.camera.stop()
        elif isinstance(e, fx.WipeSession):
            self.camera.forget_session()
        elif isinstance(e, fx.EvaluateCard):
            self.jobs.submit(lambda: ev.CardEvaluated(job=e.job, model=e.model,
                                                      refusal_reason=self._vision.evaluate(e.model, e.vigencia_year)))
        elif isinstance(e, fx.CheckDuplicate):
            self.jobs.submit(lambda: ev.DuplicateChecked(
                job=e.job, is_duplicate=self._store.has_supported(e.process_id, e.cic, e.identificador)))
        elif isinstance(e, fx.RunFaceMatch):
            self.jobs.submit(lambda: self._match(e))
        elif isinstance(e, fx.SealRecord):
            self.jobs.submit(lambda: self._seal(e))
        elif isinstance(e, fx.CheckOperatorPin):
            self.jobs.submit(lambda: self._check_pin(e))
        elif isinstance(e, fx.CheckStorage):
            self.jobs.submit(self._space)
        elif isinstance(e, fx.CheckProcesses):
            if self._active_processes is not None:
                active = self._active_processes
                self.jobs.submit(lambda: ev.ProcessesActive(process_ids=tuple(active())))
        elif isinstance(e, fx.Speak):
            if self._speaker is not None:
                self._speaker.say(e.key, e.language)
        elif isinstance(e, fx.SavePinState):
            if self._pin_guard is not None:
                self.jobs.submit(lambda: self._save_pin_state(e))
        elif isinstance(e, fx.AuditNote):
            log.info("flow: %s %s", e.kind, e.detail)
            if e.kind in AUDITED_NOTES:
                self.jobs.submit(lambda: self._note(e))
        else:
            log.error("no worker for effect %r", type(e).__name__)

    def _note(self, e: fx.AuditNote) -> None:
        try:
            self._store.note(e.kind, e.detail)
        except Exception:  # noqa: BLE001 - a full disk or a bad code must not take the kiosk down over a note
            log.exception("could not write the audit note %s", e.kind)

    def _save_pin_state(self, e: fx.SavePinState) -> None:
        if self._pin_guard is None:  # only submitted in operator mode, where there is one
            return
        try:
            self._pin_guard.save(e.attempts_left, e.locked_for_s)
        except OSError:  # the lockout still holds in memory; only a restart would forget it
            log.exception("could not save the operator PIN guard")

    def _match(self, e: fx.RunFaceMatch) -> Any:
        out = self._face.verify(e.selfie, e.reference)
        return ev.FaceMatched(job=e.job, is_match=out.is_match, distance=out.distance, threshold=out.threshold)

    def _seal(self, e: fx.SealRecord) -> Any:
        wall_s = self._clock.wall()
        try:
            folio = self._store.seal(e.draft, wall_s)
        except StorageFull:
            return ev.SealFailed(job=e.job, reason="storage.full")
        except KeyMissing:
            log.exception("sealing: key missing")
            return ev.SealFailed(job=e.job, reason="store.key_missing")
        except StoreError:
            log.exception("sealing failed")
            return ev.SealFailed(job=e.job, reason="store.error")
        try:
            qr = self._store.receipt_qr(folio, e.draft.process_id, e.draft.aspirant_id, wall_s)
        except Exception:  # noqa: BLE001 - the record is sealed and durable: the folio alone still goes out
            log.exception("signing the receipt QR failed")
            qr = ""
        return ev.RecordSealed(job=e.job, folio=folio, receipt_qr=qr, sealed_wall_s=wall_s)

    def _check_pin(self, e: fx.CheckOperatorPin) -> Any:
        operator = self._pin_check(e.pin) if self._pin_check is not None else None
        return ev.OperatorPinChecked(job=e.job, is_ok=operator is not None, operator_id=operator)

    def _space(self) -> Any:
        is_ok, free_mb = self._store.check_space()
        return ev.StorageChecked(is_ok=is_ok, free_mb=free_mb)

    def latest_preview(self) -> Any:
        return self.camera.latest_preview()

    def close(self) -> None:
        self.camera.close()
        self.jobs.close()
        if self._speaker is not None:
            self._speaker.stop()
