"""The composition root: what it builds in development, and the clear errors it gives a technician."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest

from kiosk.app import build_kiosk, dev_overrides, has_display, main
from kiosk.clock import FakeClock
from kiosk.config import load_config
from kiosk.errors import ConfigError, KeyMissing
from kiosk.flow.states import State
from kiosk.runtime.fakes import FakeFace


def cfg_for(tmp_path: Path, **device: object):  # noqa: ANN201 - Config
    return load_config(env={}, overrides={"device": {"dev_mode": True, "data_dir": str(tmp_path), **device},
                                          "ui": {"fullscreen": False}})


def test_development_build_reaches_the_welcome_screen(tmp_path: Path) -> None:
    kiosk = build_kiosk(cfg_for(tmp_path), clock=FakeClock(start_wall=time.time()), threaded=False,
                        face=FakeFace())
    try:
        # the flow knows every process of the catalog; those open today are offered
        machine = kiosk.controller.machine
        assert kiosk.catalog.is_development and len(machine.settings.processes) == len(kiosk.catalog.processes)
        assert machine.active_process_ids == {p.id for p in kiosk.catalog.active(date.fromtimestamp(time.time()))}
        assert (tmp_path / "keys" / "device_ed25519.key").exists()
        assert (tmp_path / "dev-central" / "DEVELOPMENT_ONLY").exists()
        kiosk.runner.jobs.run_pending()  # the storage check queued at start
        model = kiosk.controller.screen_model()
        assert model.state == State.WELCOME and kiosk.controller.machine.is_storage_ok
        assert kiosk.director is not None  # scripted camera without a folder: synthetic citizens
    finally:
        kiosk.close()
        kiosk.close()  # idempotent


def test_operator_mode_without_a_pin_file_says_how_to_set_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="operator-pin"):
        build_kiosk(cfg_for(tmp_path, mode="operator"), clock=FakeClock(), threaded=False, face=FakeFace())


def test_production_without_enrolled_keys_refuses_to_start(tmp_path: Path) -> None:
    cfg = load_config(env={}, overrides={"device": {"data_dir": str(tmp_path)}})
    with pytest.raises(KeyMissing):
        build_kiosk(cfg, clock=FakeClock(), threaded=False, face=FakeFace())


def test_scripted_folder_is_played_and_an_empty_one_is_an_error(tmp_path: Path) -> None:
    import cv2
    import numpy as np

    folder = tmp_path / "shots"
    folder.mkdir()
    cfg = load_config(env={}, overrides={"device": {"dev_mode": True, "data_dir": str(tmp_path / "d")},
                                         "camera": {"scripted_dir": str(folder)}})
    with pytest.raises(ConfigError, match="no readable images"):
        build_kiosk(cfg, clock=FakeClock(), threaded=False, face=FakeFace())
    cv2.imwrite(str(folder / "a.png"), np.full((480, 640, 3), 50, np.uint8))
    kiosk = build_kiosk(cfg, clock=FakeClock(), threaded=False, face=FakeFace())
    try:
        assert kiosk.director is None
        kiosk.camera.start()
        assert kiosk.camera.latest_preview().image.shape == (480, 640, 3)
    finally:
        kiosk.close()


def test_dev_overrides_and_display_detection(monkeypatch: pytest.MonkeyPatch) -> None:
    assert dev_overrides(None, True)["device"]["dev_mode"] is True
    assert dev_overrides(Path("/x"), False) == {"device": {"data_dir": "/x"}}
    for name in ("SDL_VIDEODRIVER", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DISPLAY", ":99")
    assert has_display() == (True, "desktop")


def test_main_reports_a_start_failure_instead_of_crashing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    bad = tmp_path / "kiosk.toml"
    bad.write_text("[ui]\nidle_timeout_s = 1\n")
    assert main(["--dev", "--data-dir", str(tmp_path), "--config", str(bad)]) == 2
    assert "cannot start" in capsys.readouterr().err


def test_a_pin_lockout_survives_a_restart(tmp_path: Path) -> None:
    from kiosk.flow import events as ev
    from kiosk.store.operator_pin import PIN_STATE_FILE, PinGuardFile, set_operator_pin

    set_operator_pin(tmp_path / "operator_pin", "aux-01", "2468")
    clock = FakeClock(start_wall=time.time())
    cfg = cfg_for(tmp_path, mode="operator")
    kiosk = build_kiosk(cfg, clock=clock, threaded=False, face=FakeFace())
    try:
        c = kiosk.controller
        c.dispatch(ev.StartPressed())
        for _ in range(c.machine.settings.pin_attempts):
            c.dispatch(ev.PinEntered("1111"))
            kiosk.runner.jobs.run_pending()  # the check, then the guard's save
            c.screen_model()
            kiosk.runner.jobs.run_pending()
        assert c.state == State.OUT_OF_SERVICE
    finally:
        kiosk.close()
    assert (tmp_path / PIN_STATE_FILE).stat().st_mode & 0o777 == 0o600
    clock.advance(60.0)  # the plug is pulled and put back a minute later
    again = build_kiosk(cfg, clock=clock, threaded=False, face=FakeFace())
    try:
        m = again.controller.machine
        assert m.state == State.OUT_OF_SERVICE and m.reason == "pin.locked"
        assert 0 < m.deadline_s - m.now_s <= m.settings.pin_lockout_s - 60.0 + 1e-6
    finally:
        again.close()
    # a wall clock set back (a Pi boots without a real-time clock) serves the whole lockout again
    guard = PinGuardFile(tmp_path / PIN_STATE_FILE, lambda: time.time() - 86400.0)
    assert guard.load() == (0, cfg.ui.operator_lockout_s)
    # served while the kiosk was off: fresh attempts, not one
    later = PinGuardFile(tmp_path / PIN_STATE_FILE, lambda: time.time() + 2 * cfg.ui.operator_lockout_s)
    assert later.load() is None
    (tmp_path / PIN_STATE_FILE).write_text("{garbage")
    assert guard.load() == (1, 0.0)  # tampered with: one attempt, not fresh ones


def test_closing_the_kiosk_signs_the_audit_logs_tail(tmp_path: Path) -> None:
    import sqlite3

    kiosk = build_kiosk(cfg_for(tmp_path), clock=FakeClock(start_wall=time.time()), threaded=False,
                        face=FakeFace())
    kiosk.store.audit.append("kiosk.event", {"event": "flow.failsafe", "reason": "camera.timeout"})
    db = kiosk.store.db_path
    kiosk.close()
    with sqlite3.connect(db) as conn:
        last_entry = conn.execute("SELECT max(seq) FROM audit_log").fetchone()[0]
        last_checkpoint = conn.execute("SELECT max(seq) FROM audit_checkpoints").fetchone()[0]
    assert last_entry is not None and last_checkpoint == last_entry


def test_the_kiosk_refuses_keys_of_another_device_id(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    from kiosk.store.keys import pin_central_key, provision_device_keys

    raw = serialization.Encoding.Raw, serialization.PublicFormat.Raw
    provision_device_keys(tmp_path, "kiosk-elsewhere-07")
    pin_central_key(tmp_path, "sealing", X25519PrivateKey.generate().public_key().public_bytes(*raw))
    pin_central_key(tmp_path, "receipt", Ed25519PrivateKey.generate().public_key().public_bytes(*raw))
    cfg = load_config(env={}, overrides={"device": {"data_dir": str(tmp_path), "id": "kiosk-here-01"}})
    with pytest.raises(KeyMissing, match="belong to device 'kiosk-elsewhere-07'.*'kiosk-here-01'"):
        build_kiosk(cfg, threaded=False)


def test_production_without_a_screen_refuses_and_mirrors_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    import kiosk.app as app

    monkeypatch.setattr(app, "has_display", lambda: (False, "no DISPLAY"))
    assert main(["--data-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "needs its display" in err and "--dev" in err
    assert not (tmp_path / "screen.png").exists()


def test_the_development_mirror_is_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import stat
    import types

    import pygame

    from kiosk.app import HeadlessMirror

    monkeypatch.setattr(HeadlessMirror, "FRAME_PERIOD_S", 0.0)
    mirror = HeadlessMirror(tmp_path / "mirror" / "screen.png")
    surface = pygame.Surface((8, 8))
    mirror(0, types.SimpleNamespace(save_png=lambda p: pygame.image.save(surface, str(p))), None)
    assert stat.S_IMODE(mirror.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(mirror.path.parent.stat().st_mode) == 0o700


def test_development_mode_is_announced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    conf = tmp_path / "kiosk.toml"
    conf.write_text('[device]\nmode = "operator"\noperator_pin_file = "/nonexistent/pin"\n')  # fails after loading
    assert main(["--dev", "--data-dir", str(tmp_path), "--config", str(conf)]) == 2
    assert "DEVELOPMENT MODE" in capsys.readouterr().err


def test_the_headless_mirror_writes_the_screen_as_png(tmp_path: Path) -> None:
    from kiosk.app import HeadlessMirror
    from kiosk.ui.display import open_display

    display = open_display((80, 48), headless=True)
    try:
        display.surface.fill((10, 200, 30))
        mirror = HeadlessMirror(tmp_path / "out" / "screen.png")
        mirror.FRAME_PERIOD_S = 0.0  # the pacing sleep is for a live run, not a test
        mirror(0, display, None)
    finally:
        display.close()
    import pygame

    saved = pygame.image.load(str(tmp_path / "out" / "screen.png"))
    assert saved.get_size() == (80, 48) and tuple(saved.get_at((5, 5)))[:3] == (10, 200, 30)
    assert not (tmp_path / "out" / "screen.tmp.png").exists()


def test_today_comes_from_the_clock_at_each_use_and_closed_processes_stop_being_offered(tmp_path: Path) -> None:
    # Walkthrough finding 8: "today" was computed once at start, so a kiosk running for days checked vigencia
    # against its start date and kept offering processes whose window had closed. Start the kiosk one minute
    # before midnight on the last day any development process is open.
    from datetime import datetime, timedelta

    from kiosk.catalog import development_catalog
    from kiosk.flow import events as ev

    last = max(p.ends_on for p in development_catalog().processes)
    clock = FakeClock(start_wall=datetime(last.year, last.month, last.day, 23, 59, 0).timestamp())
    kiosk = build_kiosk(cfg_for(tmp_path), clock=clock, threaded=False, face=FakeFace())
    try:
        c = kiosk.controller
        assert c.machine.active_process_ids == {p.id for p in kiosk.catalog.active(last)} != set()
        assert kiosk.vision._today() == last
        c.dispatch(ev.StartPressed())  # a citizen starts while the processes are open
        started = c.state
        assert started in (State.CHOOSE_PROCESS, State.CHOOSE_ASPIRANT, State.PRIVACY_NOTICE)
        clock.advance(30)
        c.pump()
        c.dispatch(ev.StillHereConfirmed())  # the citizen is reading (a touch), so no idle warning
        clock.advance(31)  # midnight passes
        assert kiosk.vision._today() == last + timedelta(days=1)  # vigencia is judged by the new day
        c.pump()  # the minute's check runs on the controller's periodic list
        kiosk.runner.jobs.run_pending()
        c.pump()
        assert c.machine.active_process_ids == frozenset()
        assert c.state == started  # the citizen already inside goes on
        c.dispatch(ev.CancelRequested())
        kiosk.runner.jobs.run_pending()
        c.pump()
        assert c.state == State.WELCOME
        c.dispatch(ev.StartPressed())  # the next citizen is not offered the closed processes
        assert c.state == State.OUT_OF_SERVICE and c.machine.reason == "catalog.empty"
    finally:
        kiosk.close()
