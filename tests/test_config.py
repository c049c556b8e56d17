from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.config import describe, load_config
from kiosk.errors import ConfigError


def test_defaults_load_without_a_file(tmp_path: Path) -> None:
    empty = tmp_path / "kiosk.toml"
    empty.write_text("")
    cfg = load_config(empty, env={})
    assert cfg.ui.language == "es"
    assert cfg.camera.source == "scripted"
    assert cfg.face.match_threshold == pytest.approx(0.6)


def test_file_then_environment_layering(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text('[ui]\nlanguage = "en"\nwidth_px = 1024\n[camera]\nsource = "opencv"\n')
    cfg = load_config(path, env={"APOYO_UI_WIDTH_PX": "1280", "APOYO_UI_VOICE": "yes"})
    assert cfg.ui.language == "en"          # from the file
    assert cfg.ui.width_px == 1280          # the environment wins over the file
    assert cfg.ui.voice is True
    assert cfg.camera.source == "opencv"


def test_overrides_sit_between_file_and_environment(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text('[device]\nmode = "operator"\n')
    cfg = load_config(path, env={}, overrides={"device": {"mode": "self-service", "dev_mode": True}})
    assert cfg.device.mode == "self-service"
    assert cfg.device.dev_mode is True


@pytest.mark.parametrize(
    ("toml", "env", "key", "words"),
    [
        ('[ui]\nlanguage = "fr"\n', {}, "ui.language", "not one of"),
        ('[ui]\nwidth_px = "wide"\n', {}, "ui.width_px", "whole number"),
        ('[ui]\nwidth_px = 10\n', {}, "ui.width_px", "below the minimum"),
        ('[ui]\ncolour = "red"\n', {}, "ui.colour", "unknown key"),
        ('[screen]\nx = 1\n', {}, "screen", "unknown section"),
        ('[store]\nmin_free_mb = 500\nwarn_free_mb = 100\n', {}, "store.warn_free_mb", "at least"),
        ('[credential]\nvigencia_extensions = ["2024"]\n', {}, "credential.vigencia_extensions", "YEAR=YYYY-MM-DD"),
        ('[credential]\naccepted_models = ["E", "Z"]\n', {}, "credential.accepted_models", "unknown card model"),
        ('', {"APOYO_UI_FULLSCREEN": "maybe"}, "APOYO_UI_FULLSCREEN", "true or false"),
        ('', {"APOYO_FACE_MATCH_THRESHOLD": "close"}, "APOYO_FACE_MATCH_THRESHOLD", "a number"),
        ('[ui\n', {}, "kiosk.toml", "not valid TOML"),
    ],
)
def test_errors_name_the_key_and_the_problem(tmp_path: Path, toml: str, env: dict[str, str], key: str,
                                             words: str) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(toml)
    with pytest.raises(ConfigError) as info:
        load_config(path, env=env)
    assert key in str(info.value)
    assert words in str(info.value)


def test_explicit_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.toml", env={})


def test_every_key_is_documented_with_a_default() -> None:
    rows = describe()
    assert len(rows) > 30
    assert all("." in key for key, _, _ in rows)


def test_the_flow_and_ui_defaults_are_the_configs() -> None:
    # One source per default: the flow's settings, the UI runtime and the workers built without a config
    # behave as the package defaults of kiosk.config do.
    import inspect

    from kiosk.config import Config
    from kiosk.flow.machine import FlowSettings
    from kiosk.runtime.workers import CameraWorker, Speaker
    from kiosk.ui.loop import runtime_from_config
    from kiosk.ui.runtime import UiRuntime

    cfg = Config()
    from_config = FlowSettings.from_config(cfg, ())
    bare = FlowSettings()
    differing = {f for f in FlowSettings.__dataclass_fields__ if f not in ("processes", "support")
                 and getattr(bare, f) != getattr(from_config, f)}
    assert differing == set()
    assert vars(UiRuntime()).keys() == vars(runtime_from_config()).keys()
    assert (UiRuntime()._min_ink, UiRuntime()._countdown_total_s) == (cfg.ui.signature_min_ink, cfg.ui.idle_countdown_s)
    worker = inspect.signature(CameraWorker.__init__).parameters
    assert worker["max_stills"].default == cfg.vision.stills_per_side
    assert worker["selfie_timeout_s"].default == cfg.face.selfie_timeout_s
    assert inspect.signature(Speaker.__init__).parameters["speed_wpm"].default == cfg.ui.voice_speed_wpm
