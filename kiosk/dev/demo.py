"""``python -m kiosk demo --headless --out DIR [--scenario S] [--data-dir D] [--seed N]``: one scripted citizen.

A robot citizen plays one complete session against the REAL parts (vision, face, store) with the scripted
camera showing a synthetic SPECIMEN card and a synthetic selfie sequence (see :mod:`kiosk.dev.director`), the UI
drawn off-screen by the real screens (a PNG per screen in DIR), and time on a fake clock so the run is
deterministic and never waits. Prints ONE JSON line: folio, outcome, reason, per-step machine time (ms of
real computation spent in each step, drawing excluded) and where the screenshots are.

Outcomes: ``sealed`` (happy), ``card_refused`` (photocopy, expired), ``match_refused`` (other_person,
photo_held), ``idle_reset`` (walk_away). Refusals seal nothing.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.clock import FakeClock
from kiosk.config import Config, load_config
from kiosk.dev.director import SCENARIOS
from kiosk.errors import KioskError
from kiosk.flow import events as ev
from kiosk.flow.states import State

log = logging.getLogger(__name__)

FRAME_S = 1.0 / 15  # simulated time per loop turn (a 15 fps camera)
THINK_S = 1.2  # how long the robot citizen "reads" a screen before touching it
MAX_SESSION_S = 900.0  # simulated; a session longer than this is a bug

EXPECTED = {
    "happy": ("sealed", None),
    "photocopy": ("card_refused", "card.photocopy"),
    "expired": ("card_refused", "card.expired"),
    "other_person": ("match_refused", "face.no_match"),
    "photo_held": ("match_refused", "face.not_live"),
    "walk_away": ("idle_reset", None),
}


def signature_strokes() -> tuple[ev.Stroke, ...]:
    """A scripted handwritten-looking signature (two strokes, timestamps in seconds)."""
    import math

    first = tuple((40 + 6 * i, 120 - 40 * math.sin(i / 3.0) - i, 0.02 * i) for i in range(45))
    second = tuple((120 + 8 * i, 90 + 10 * math.cos(i / 2.0), 1.2 + 0.02 * i) for i in range(30))
    return (ev.Stroke(points=first), ev.Stroke(points=second))


def robot_intent(state: State, scenario: str, model: Any) -> Any | None:
    """What the robot citizen touches on each screen (None = nothing, wait)."""
    if scenario == "walk_away" and state not in (State.WELCOME, State.CHOOSE_PROCESS, State.CHOOSE_ASPIRANT,
                                                 State.PRIVACY_NOTICE):
        return None
    table: dict[State, Callable[[], Any]] = {
        State.WELCOME: ev.StartPressed,
        State.CHOOSE_PROCESS: lambda: ev.ProcessChosen(model.processes[0].id),
        State.CHOOSE_ASPIRANT: lambda: ev.AspirantChosen(model.aspirants[0].id),
        State.PRIVACY_NOTICE: ev.ConsentGiven,
        State.CHOOSE_CARD_MODEL: lambda: ev.CardModelChosen("G"),
        State.DUPLICATE_WARNING: ev.Confirmed,
        State.REVIEW_DATA: ev.DataConfirmed,
        State.REVIEW_PHOTO: ev.PhotoConfirmed,
        State.SELFIE_TIPS: ev.SelfieTipsRead,
        State.MATCH_RETRY: ev.RetryRequested,
        State.SIGNATURE: lambda: ev.SignatureSubmitted(strokes=signature_strokes()),
        State.CONFIRM: ev.Confirmed,
        State.RECEIPT: ev.Confirmed,
        State.CARD_REFUSED: ev.Confirmed,
        State.MATCH_REFUSED: ev.Confirmed,
    }
    make = table.get(state)
    return make() if make else None


@dataclass
class DemoResult:
    scenario: str
    outcome: str = "unfinished"
    reason: str | None = None
    folio: str | None = None
    states: list[str] = field(default_factory=list)
    step_ms: dict[str, float] = field(default_factory=dict)
    render_ms: float = 0.0
    scene_ms: float = 0.0  # generating the synthetic scenes/selfie sequences (excluded from machine time)
    machine_ms: float = 0.0
    simulated_s: float = 0.0
    screenshots: list[str] = field(default_factory=list)
    out_dir: str = ""
    data_dir: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"scenario": self.scenario, "outcome": self.outcome, "reason": self.reason, "folio": self.folio,
                "machine_ms": round(self.machine_ms, 1),
                "step_ms": {k: round(v, 1) for k, v in self.step_ms.items()},
                "render_ms": round(self.render_ms, 1), "scene_generation_ms": round(self.scene_ms, 1),
                "simulated_s": round(self.simulated_s, 2),
                "states": self.states, "screens": len(self.screenshots), "out_dir": self.out_dir,
                "data_dir": self.data_dir}


class _TimedDirector:
    """Wraps the camera director and adds the time it spends to ``total_ms`` (class-wide, one demo at a time)."""

    total_ms = 0.0

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def _timed(self, name: str, *args: Any) -> None:
        t0 = time.perf_counter()
        try:
            getattr(self.inner, name)(*args)
        finally:
            _TimedDirector.total_ms += (time.perf_counter() - t0) * 1000.0

    def on_card(self, side: str) -> None:
        self._timed("on_card", side)

    def on_selfie(self, challenges: Any) -> None:
        self._timed("on_selfie", challenges)

    def on_session_end(self) -> None:
        self._timed("on_session_end")


def run_demo(cfg: Config, out_dir: Path | None, scenario: str = "happy", seed: int = 0,
             size_px: tuple[int, int] = (800, 480), kiosk: Any = None, render: bool = True,
             viewer: Callable[[Any, Any], None] | None = None) -> DemoResult:
    """Play one scripted session; see the module doc. ``kiosk``: an already built (threaded=False) kiosk whose
    clock is a FakeClock (bench, tests); else one is built from ``cfg``. ``viewer(model, preview)`` is called
    every loop turn (a window showing the session). Raises KioskError on a start failure."""
    from kiosk.app import build_kiosk

    own = kiosk is None
    if kiosk is None:
        clock = FakeClock(start_wall=time.time())
        # Seeded challenges too: a scripted session must replay exactly (a real kiosk draws them at random).
        kiosk = build_kiosk(cfg, clock=clock, threaded=False, director_options={"seed": seed, "scenario": scenario},
                            rng=random.Random(seed))
    clock = kiosk.clock
    renderer = None
    if render and out_dir is not None:
        from kiosk.ui.loop import UiRenderer

        out_dir.mkdir(parents=True, exist_ok=True)
        renderer = UiRenderer(size_px, ui_cfg=cfg.ui)
    result = DemoResult(scenario=scenario, out_dir=str(out_dir or ""), data_dir=str(cfg.data_path))
    controller = kiosk.controller
    camera_worker = kiosk.runner.camera
    if camera_worker.director is not None and not isinstance(camera_worker.director, _TimedDirector):
        # Making the synthetic citizen's scenes is the test fixture, not the kiosk's work: timed apart.
        camera_worker.director = _TimedDirector(camera_worker.director)
    try:
        _play(controller, camera_worker, kiosk.runner.jobs, clock, renderer, out_dir, scenario, result, viewer)
    finally:
        if own:
            kiosk.close()
    return result


def _play(controller: Any, camera_worker: Any, jobs: Any, clock: FakeClock, renderer: Any, out_dir: Path | None,
          scenario: str, result: DemoResult, viewer: Callable[[Any, Any], None] | None = None) -> None:
    model = controller.screen_model()
    state, entered_s, acted = model.state, clock.monotonic(), False
    start_s = clock.monotonic()
    pending_shot: Any = None
    seen_session = False

    def shoot(m: Any, preview: Any = None) -> None:
        if renderer is None or out_dir is None:
            return
        t0 = time.perf_counter()
        surface = renderer.render(m, preview, now_s=clock.monotonic())
        path = out_dir / f"{len(result.screenshots) + 1:02d}_{m.state.value}.png"
        import pygame

        pygame.image.save(surface, str(path))
        result.screenshots.append(path.name)
        result.render_ms += (time.perf_counter() - t0) * 1000.0

    result.states.append(state.value)
    shoot(model)
    while clock.monotonic() - start_s < MAX_SESSION_S:
        clock.advance(FRAME_S)
        key = controller.state.value  # the step being worked on (a touch may just have changed it)
        t0 = time.perf_counter()
        staged_ms = _TimedDirector.total_ms
        camera_worker.step()
        jobs.run_pending()
        model = controller.screen_model()
        staging = _TimedDirector.total_ms - staged_ms
        result.scene_ms += staging
        spent = (time.perf_counter() - t0) * 1000.0 - staging
        result.step_ms[key] = result.step_ms.get(key, 0.0) + spent
        result.machine_ms += spent
        if model.state != state:
            if pending_shot is not None:
                shoot(*pending_shot)  # the last frame of the step just left: guidance, progress, preview
                pending_shot = None
            if model.folio:
                result.folio = model.folio
            if model.state in (State.CARD_REFUSED, State.MATCH_REFUSED):
                result.outcome, result.reason = model.state.value, model.reason
            if model.state == State.WELCOME and seen_session:
                if state == State.RECEIPT:
                    result.outcome = "sealed"
                elif state == State.IDLE_WARNING:
                    result.outcome = "idle_reset"
                elif result.outcome == "unfinished":
                    result.outcome, result.reason = "reset", state.value
                shoot(model)
                break
            seen_session = seen_session or model.state != State.WELCOME
            state, entered_s, acted = model.state, clock.monotonic(), False
            result.states.append(state.value)
            shoot(model)
        elif model.is_preview:
            pending_shot = (model, controller.preview())
        if viewer is not None:
            viewer(model, controller.preview())
        if model.state == State.FAILSAFE:
            result.outcome, result.reason = "failsafe", model.reason
            shoot(model)
            break
        if not acted and clock.monotonic() - entered_s >= THINK_S and not model.is_busy:
            intent = robot_intent(model.state, scenario, model)
            if intent is not None:
                controller.dispatch(intent)
                acted = True
    result.simulated_s = clock.monotonic() - start_s


def _window(size_px: tuple[int, int]) -> tuple[Callable[[Any, Any], None] | None, Callable[[], None] | None]:
    """A window that shows the session at real speed, when there is a screen; (None, None) otherwise."""
    from kiosk.app import has_display

    if not has_display()[0]:
        print("demo: no screen here, playing headless", file=sys.stderr)
        return None, None
    import pygame

    from kiosk.ui.display import open_display
    from kiosk.ui.loop import UiRenderer

    display = open_display(size_px, headless=False, title="Apoyo ciudadano — demo")
    view = UiRenderer(size_px)
    next_s = [time.monotonic()]

    def show(model: Any, preview: Any) -> None:
        display.surface.blit(view.render(model, preview), (0, 0))
        display.present()
        pygame.event.pump()
        next_s[0] += FRAME_S
        time.sleep(max(0.0, next_s[0] - time.monotonic()))  # a viewer for people: real speed

    return show, display.close


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kiosk demo", description=__doc__.splitlines()[0])
    parser.add_argument("--headless", action="store_true",
                        help="no window: draw off-screen (SDL dummy driver); without it the session also plays in "
                             "a window at real speed when there is a screen")
    parser.add_argument("--out", type=Path, default=Path("out/demo"), help="folder for one PNG per screen")
    parser.add_argument("--scenario", choices=SCENARIOS, default="happy")
    parser.add_argument("--data-dir", type=Path, help="data directory (default: a new temporary folder)")
    parser.add_argument("--seed", type=int, default=0, help="which synthetic citizen")
    parser.add_argument("--config", type=Path, help="TOML configuration file")
    parser.add_argument("--size", default="800x480", help="screen size WxH in px (default 800x480)")
    args = parser.parse_args(argv)
    import os

    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")  # stdout carries exactly one JSON line
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    if args.headless:
        os.environ["SDL_VIDEODRIVER"] = "dummy"
    try:
        w, h = (int(v) for v in args.size.lower().split("x"))
    except ValueError:
        parser.error(f"--size must be WxH, got {args.size!r}")
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="apoyo-demo-"))
    try:
        cfg = load_config(args.config, overrides={
            "device": {"dev_mode": True, "data_dir": str(data_dir), "mode": "self-service"},
            "camera": {"source": "scripted", "scripted_dir": ""},
            "ui": {"fullscreen": False, "width_px": w, "height_px": h}})
        viewer, close_viewer = (None, None) if args.headless else _window((w, h))
        try:
            result = run_demo(cfg, args.out, args.scenario, args.seed, (w, h), viewer=viewer)
        finally:
            if close_viewer is not None:
                close_viewer()
    except KioskError as exc:
        print(json.dumps({"scenario": args.scenario, "outcome": "error", "error": str(exc)}))
        return 2
    print(json.dumps(result.as_json(), ensure_ascii=False))
    expected_outcome, expected_reason = EXPECTED[args.scenario]
    is_expected = result.outcome == expected_outcome and (expected_reason is None or result.reason == expected_reason)
    return 0 if is_expected else 1
