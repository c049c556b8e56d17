"""Composition root: read the configuration, build every part once, wire them, run the UI.

``python -m kiosk run [--dev] [--data-dir D] [--config F]``. ``--dev`` means development mode: windowed UI,
data under the repository's ``./var``, a DEVELOPMENT central key pair (``ensure_dev_keys``), the synthetic
development catalog when none is installed, and, with the scripted camera, a camera director that plays one
synthetic citizen per session. On the Pi's console the UI opens fullscreen through SDL's KMS/DRM driver; on a
machine with no display at all, ``run`` says so, runs headless and mirrors the screen to
``<data_dir>/screen.png`` (``make demo`` plays a whole scripted session there).
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.clock import Clock, SystemClock, local_date
from kiosk.config import Config, load_config
from kiosk.errors import KioskError
from kiosk.store.durable import make_private_dir

if TYPE_CHECKING:  # the parts are imported when build_kiosk runs, not when this module is imported
    from kiosk.camera.base import Camera
    from kiosk.catalog import Catalog
    from kiosk.runtime.controller import Controller
    from kiosk.runtime.ports import Director, FacePort, VisionPort
    from kiosk.runtime.workers import EffectRunner
    from kiosk.store.db import RecordStore

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[1]
DEV_DATA_DIR = REPO_ROOT / "var"
STORAGE_CHECK_EVERY_S = 60.0
PROCESSES_CHECK_EVERY_S = 60.0  # a process whose window closes stops being offered within a minute


@dataclass
class Kiosk:
    """Everything the composition root built; ``close()`` releases it all (idempotent)."""

    cfg: Config
    clock: Clock
    controller: Controller
    runner: EffectRunner
    camera: Camera
    store: RecordStore
    face: FacePort
    vision: VisionPort
    catalog: Catalog
    director: Director | None = None  # development: plays synthetic citizens into the scripted camera
    closers: list[Callable[[], object]] = field(default_factory=list)  # run in reverse order by close()

    def close(self) -> None:
        for close in reversed(self.closers):
            try:
                close()
            except Exception:  # noqa: BLE001 - closing must go on for the other parts
                log.exception("closing a part failed")
        self.closers.clear()


def dev_overrides(data_dir: Path | None, dev: bool) -> dict[str, dict[str, Any]]:
    """Config overrides for the command line: ``--dev`` and ``--data-dir``."""
    out: dict[str, dict[str, Any]] = {}
    if dev:
        out["device"] = {"dev_mode": True, "data_dir": str(data_dir or DEV_DATA_DIR)}
        out["ui"] = {"fullscreen": False}
    elif data_dir is not None:
        out["device"] = {"data_dir": str(data_dir)}
    return out


def _is_clock_synced() -> bool:
    # systemd-timesyncd creates this file once NTP has synchronised the clock.
    return Path("/run/systemd/timesync/synchronized").exists()


def build_kiosk(cfg: Config, *, clock: Clock | None = None, threaded: bool = True, camera: Any = None,
                director: Any = None, face_pipeline: Any = None, face: Any = None,
                director_options: dict[str, Any] | None = None, today: date | None = None,
                rng: random.Random | None = None) -> Kiosk:
    """Build every part from ``cfg`` (models load here, once).

    ``threaded=False`` builds workers the caller steps (demo, tests, bench). ``camera``/``face_pipeline``
    replace the configured ones; ``face`` replaces the whole face port (tests with a fake); ``rng`` plans the
    liveness challenges (seeded only by benchmarks and tests: a kiosk must not be predictable). With the scripted camera and no ``camera.scripted_dir`` a
    :class:`kiosk.dev.director.CameraDirector` plays synthetic citizens (``director_options`` go to it).
    Raises ConfigError / KeyMissing / StoreError / ModelError with a message a technician can act on.
    """
    from kiosk.camera.factory import open_camera
    from kiosk.catalog import load_active_catalog
    from kiosk.flow import effects as fx
    from kiosk.flow import events as ev
    from kiosk.flow.machine import FlowSettings, new_machine
    from kiosk.flow.screen_model import NOTICE_VERSION
    from kiosk.runtime.adapters import FaceAdapter, StoreAdapter, VisionAdapter
    from kiosk.runtime.controller import Controller
    from kiosk.runtime.workers import CameraWorker, EffectRunner, EventQueue, JobWorker, Speaker
    from kiosk.store.db import RecordStore
    from kiosk.store.keys import ensure_dev_keys, load_keys

    clock = clock or SystemClock()
    # "Today" is read from the clock at each use (a kiosk runs for days): vigencia and the open processes follow
    # it. A fixed ``today`` is for tests and benchmarks only.
    fixed_today = today

    def today_now() -> date:
        return fixed_today or local_date(clock.wall())

    data_dir = cfg.data_path
    data_dir.mkdir(parents=True, exist_ok=True)
    closers: list[Any] = []
    try:
        catalog = load_active_catalog(data_dir, allow_development=cfg.device.dev_mode)
        if cfg.device.dev_mode:
            ensure_dev_keys(data_dir, dev_mode=True, device_id=cfg.device.id)
        keys = load_keys(data_dir, pins_path=cfg.store.central_public_key or None,
                         allow_development=cfg.device.dev_mode, expected_device_id=cfg.device.id)
        store = RecordStore(data_dir, cfg.store, clock, keys)
        closers.append(store.close)
        # Sign the audit log's tail at shutdown (run before store.close, after the workers stop): entries
        # after the newest checkpoint could otherwise be cut off the end unnoticed.
        closers.append(store.audit.checkpoint)
        if face is None:
            face = FaceAdapter(cfg, clock, pipeline=face_pipeline)
        pipeline = getattr(face, "pipeline", None)
        closers.append(getattr(pipeline, "close", lambda: None))
        detect = getattr(pipeline, "detect", None)
        vision = VisionAdapter(cfg, clock, face_detector=detect, today=today_now)
        if camera is None:
            camera = open_camera(cfg.camera, clock)
        closers.append(camera.close)
        if director is None and cfg.camera.source == "scripted":
            director = _scripted_source(cfg, camera, today_now(), director_options or {})
        pin_check = pin_guard = None
        if cfg.device.mode == "operator":
            from kiosk.store.operator_pin import PIN_FILE, PIN_STATE_FILE, PinGuardFile, PinVerifier
            pin_path = Path(cfg.device.operator_pin_file) if cfg.device.operator_pin_file else data_dir / PIN_FILE
            pin_check = PinVerifier(pin_path).check
            pin_guard = PinGuardFile(data_dir / PIN_STATE_FILE, clock.wall)
        events = EventQueue()
        camera_worker = CameraWorker(camera, clock, vision, face, events.post, director=director,
                                     rng=rng or random.SystemRandom(), threaded=threaded,
                                     max_stills=cfg.vision.stills_per_side, selfie_timeout_s=cfg.face.selfie_timeout_s,
                                     frame_period_s=1.0 / cfg.camera.frame_rate_fps,
                                     preview_timeout_s=cfg.camera.frame_timeout_s)
        closers.append(camera_worker.close)
        jobs = JobWorker(events.post, threaded=threaded)
        closers.append(jobs.close)
        speaker = Speaker(_voice_text, speed_wpm=cfg.ui.voice_speed_wpm)  # always built: voice can be switched on from the welcome screen
        store_port = StoreAdapter(store, cfg, clock, NOTICE_VERSION, keys.device_id, _is_clock_synced,
                                  device_key=keys.device_key)
        runner = EffectRunner(camera_worker, jobs, vision, face, store_port, clock, pin_check=pin_check,
                              speaker=speaker, pin_guard=pin_guard,
                              active_processes=lambda: [p.id for p in catalog.active(today_now())])
        closers.append(speaker.stop)
        settings = FlowSettings.from_config(cfg, catalog.processes)
        controller = Controller(new_machine(settings, clock.monotonic()), clock, runner, events,
                                periodic=[(STORAGE_CHECK_EVERY_S, fx.CheckStorage()),
                                          (PROCESSES_CHECK_EVERY_S, fx.CheckProcesses())])
        controller.dispatch(ev.ProcessesActive(process_ids=tuple(p.id for p in catalog.active(today_now()))))
        runner.run([fx.CheckStorage()])
        guard = pin_guard.load() if pin_guard is not None else None
        if guard is not None:  # what the last run left: a restart must not hand out fresh PIN attempts
            controller.dispatch(ev.PinStateRestored(attempts_left=guard[0], locked_for_s=guard[1]))
    except BaseException:
        for close in reversed(closers):
            try:
                close()
            except Exception:  # noqa: BLE001
                log.exception("cleanup after a failed start")
        raise
    return Kiosk(cfg=cfg, clock=clock, controller=controller, runner=runner, camera=camera, store=store,
                 face=face, vision=vision, catalog=catalog, director=director, closers=closers)


def _scripted_source(cfg: Config, camera: Any, today: date, options: dict[str, Any]) -> Any:
    """The scripted camera plays a folder of images, or (development) synthetic citizens via the director."""
    if cfg.camera.scripted_dir:
        import cv2

        folder = Path(cfg.camera.scripted_dir)
        images = [img for p in sorted(folder.glob("*")) if p.suffix.lower() in (".png", ".jpg", ".jpeg")
                  if (img := cv2.imread(str(p))) is not None]
        if not images:
            from kiosk.errors import ConfigError
            raise ConfigError("camera.scripted_dir", f"no readable images in {folder}")
        camera.play(images)
        return None
    from kiosk.dev.director import CameraDirector

    return CameraDirector(camera, today=today, **options)


def _voice_text(key: str, language: str) -> str | None:
    try:
        from kiosk.ui.i18n import translator
    except ImportError:  # pragma: no cover - the UI package ships with the kiosk
        return None
    tr = translator(language)
    return tr.t(key) if tr.has(key) else None


def has_display() -> tuple[bool, str]:
    """Whether a screen can be opened here, and which way ('x11/wayland', 'kmsdrm', or why not)."""
    if os.environ.get("SDL_VIDEODRIVER"):
        return True, os.environ["SDL_VIDEODRIVER"]
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return True, "desktop"
    if any(Path("/dev/dri").glob("card*")) and os.environ.get("XDG_SESSION_TYPE", "tty") == "tty" \
            and sys.stdin.isatty():
        os.environ["SDL_VIDEODRIVER"] = "kmsdrm"  # the Pi's console: fullscreen through KMS/DRM
        return True, "kmsdrm"
    return False, "no DISPLAY or WAYLAND_DISPLAY, and not on a console with a DRM device"


class HeadlessMirror:
    """``on_frame`` hook for a display-less run: paces the loop to a few frames a second (the dummy display does
    not wait for a vertical refresh) and writes the screen to ``path`` atomically once a second.
    Logs each state change by name only (never what the citizen entered)."""

    FRAME_PERIOD_S = 0.1
    SAVE_PERIOD_S = 1.0

    def __init__(self, path: Path) -> None:
        self.path = path
        self._last_save = 0.0
        self._last_state: str | None = None

    def __call__(self, index: int, display: Any, model: Any) -> None:
        import time

        state = getattr(getattr(model, "state", None), "value", None)
        if state != self._last_state:
            log.info("screen: %s", state)
            self._last_state = state
        now = time.monotonic()
        if now - self._last_save >= self.SAVE_PERIOD_S:
            # The screen shows names, MRZ and face: the mirror is readable by the kiosk's user only.
            make_private_dir(self.path.parent)
            tmp = self.path.with_suffix(".tmp.png")
            display.save_png(tmp)
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
            self._last_save = now
        time.sleep(self.FRAME_PERIOD_S)


def announce_development_mode(cfg: Config) -> None:
    """Say loudly, in the log and on the terminal, that this kiosk seals to DEVELOPMENT keys."""
    text = (f"DEVELOPMENT MODE (--dev): records are sealed to a DEVELOPMENT central key pair whose private halves "
            f"lie in {cfg.data_path / 'dev-central'}; never capture real citizens this way")
    log.warning("%s", text)
    print(f"kiosk: {text}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kiosk run", description=__doc__.splitlines()[0])
    parser.add_argument("--dev", action="store_true", help="development mode (windowed, ./var, dev keys)")
    parser.add_argument("--data-dir", type=Path, help="data directory (records, keys, audit log)")
    parser.add_argument("--config", type=Path, help="TOML configuration file")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    ok, how = has_display()
    headless = not ok
    if headless and not args.dev:
        # A production kiosk with no screen serves nobody, and a mirror of its screen would put whoever stands
        # at it (names, MRZ, face) in a file: refuse instead.
        print(f"kiosk: cannot start: no screen here ({how}). A production kiosk needs its display; to run "
              f"headless for development (the screen mirrored to a PNG), use --dev", file=sys.stderr)
        return 2
    if headless:
        # Development with no screen (a server, CI, an SSH session): run the real kiosk on SDL's dummy display
        # and mirror what it shows to a PNG, so `make run` still starts everything and a developer can watch it.
        os.environ["SDL_VIDEODRIVER"] = "dummy"
    try:
        cfg = load_config(args.config, overrides=dev_overrides(args.data_dir, args.dev))
        if cfg.device.dev_mode:
            announce_development_mode(cfg)
        kiosk = build_kiosk(cfg)
    except KioskError as exc:
        print(f"kiosk: cannot start: {exc}", file=sys.stderr)
        return 2
    import signal

    def _stop(signum: int, frame: Any) -> None:
        # systemd stops a service with SIGTERM: end like Ctrl-C, so close() releases the camera and signs the
        # audit log's tail instead of the process just vanishing.
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    try:
        from kiosk.ui.display import DisplayError
        from kiosk.ui.loop import run_ui

        try:
            if headless:
                mirror = HeadlessMirror(cfg.data_path / "screen.png")
                print(f"kiosk: no screen here ({how}); running headless.\n"
                      f"  The current screen is mirrored to {mirror.path} once a second; Ctrl-C stops.\n"
                      f"  To tap through a session, run on a desktop or the Pi's screen; or watch a scripted\n"
                      f"  citizen with `make demo` (screenshots in out/demo).", file=sys.stderr, flush=True)
                run_ui(kiosk.controller, cfg.ui, clock=kiosk.clock, headless=True, on_frame=mirror)
            else:
                run_ui(kiosk.controller, cfg.ui, clock=kiosk.clock)
        except KeyboardInterrupt:
            print("kiosk: stopped", file=sys.stderr)
        except DisplayError as exc:
            print(f"kiosk: cannot open the screen ({exc}); try `make demo` for a headless session",
                  file=sys.stderr)
            return 2
    finally:
        kiosk.close()
    return 0
