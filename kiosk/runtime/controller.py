"""The controller between the render loop and the pure flow: the one place the machine is stepped.

The UI calls, on its own thread: ``screen_model()`` once per frame (it applies the workers' results and the
clock tick first), ``preview()`` for the live camera image, ``dispatch(event)`` for a touch intent. Workers
post results with ``post(event)`` from their threads; those are applied on the UI thread at the next
``screen_model()``, so the machine is only ever touched by one thread at a time (a lock guards it anyway).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from kiosk.clock import Clock
from kiosk.flow import effects as fx
from kiosk.flow import events as ev
from kiosk.flow.machine import Machine, fail, step
from kiosk.flow.screen_model import ScreenModel, build_screen_model
from kiosk.flow.session import scrub
from kiosk.flow.states import CAMERA_STATES, State
from kiosk.runtime.ports import PreviewView
from kiosk.runtime.workers import EventQueue

log = logging.getLogger(__name__)


class Runner(Protocol):
    def run(self, effects: Sequence[fx.Effect]) -> None: ...
    def latest_preview(self) -> PreviewView | None: ...


@dataclass
class _Periodic:
    interval_s: float
    effect: fx.Effect
    last_s: float


class Controller:
    """Steps the machine with UI intents, worker results and clock ticks; hands effects to the runner."""

    def __init__(self, machine: Machine, clock: Clock, runner: Runner, events: EventQueue | None = None,
                 periodic: Sequence[tuple[float, fx.Effect]] = ()) -> None:
        """``periodic``: (interval_s, effect) pairs run every interval (e.g. a free-space check)."""
        self._machine = machine
        self._clock = clock
        self._runner = runner
        self.events = events or EventQueue()
        self._lock = threading.RLock()
        # callbacks (old_state, new_state), e.g. the demo's screenshots
        self.on_state_change: list[Callable[[State, State], object]] = []
        now = clock.monotonic()
        self._periodic = [_Periodic(interval_s, effect, now) for interval_s, effect in periodic]

    @property
    def machine(self) -> Machine:
        return self._machine

    @property
    def state(self) -> State:
        return self._machine.state

    def post(self, event: ev.Event) -> None:
        """Thread-safe: queue a worker result."""
        self.events.post(event)

    def dispatch(self, event: ev.Event) -> None:
        """Apply a UI intent now (UI thread)."""
        with self._lock:
            self._apply(event)

    def pump(self) -> None:
        """Apply every queued worker result, then a clock tick."""
        with self._lock:
            for event in self.events.drain():
                self._apply(event)
            now = self._clock.monotonic()
            self._apply(ev.Tick(now))
            for item in self._periodic:
                if now - item.last_s >= item.interval_s:
                    item.last_s = now
                    self._runner.run([item.effect])

    def screen_model(self) -> ScreenModel:
        self.pump()
        with self._lock:
            return build_screen_model(self._machine)

    def preview(self) -> PreviewView | None:
        """The latest camera preview Frame during a capture step, else None. Never blocks."""
        m = self._machine
        if m.state not in CAMERA_STATES or m.pending is not None:
            return None
        return self._runner.latest_preview()

    def _apply(self, event: ev.Event) -> None:
        old = self._machine
        if isinstance(event, ev.LivenessFinished) and not event.is_live:
            log.info("liveness not passed: %s", ", ".join(event.reasons))
        try:
            new, effects = step(old, event)
        except Exception:  # noqa: BLE001 - a bug in the flow must end on the failsafe screen, not a crash
            log.exception("the flow failed on %s", type(event).__name__)
            new, effects = fail(old, "flow.exception")
        self._machine = new
        if any(isinstance(e, fx.WipeSession) for e in effects) and old.session is not new.session:
            # Zero the images the ended session held; the machine no longer refers to them.
            scrub(old.session)
        try:
            self._runner.run(effects)
        except Exception:  # noqa: BLE001 - a worker that cannot even start a job is the failsafe too
            log.exception("running effects failed")
            before = self._machine
            self._machine, more = fail(before, "effects.exception")
            scrub(before.session)
            try:
                self._runner.run(more)
            except Exception:  # noqa: BLE001 - already on the failsafe screen; nothing more to do
                log.exception("running the failsafe effects failed too")
        if new.state != old.state:
            for callback in self.on_state_change:
                callback(old.state, self._machine.state)
