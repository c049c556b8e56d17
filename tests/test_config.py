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


# --- issue 12: strict types, finite numbers, unknown names refused, flags over environment over file -------



@pytest.fixture(autouse=True)
def _empty_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("kiosk.config.DEFAULT_CONFIG_PATH", tmp_path / "absent-default.toml")


def _toml(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-inf", "1e999"])
def test_non_finite_numbers_from_the_environment_are_refused(value: str) -> None:
    with pytest.raises(ConfigError, match="APOYO_FACE_MATCH_THRESHOLD.*finite"):
        load_config(None, env={"APOYO_FACE_MATCH_THRESHOLD": value})


def test_non_finite_numbers_in_the_file_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="face.match_threshold.*finite"):
        load_config(_toml(tmp_path, "[face]\nmatch_threshold = nan\n"), env={})


@pytest.mark.parametrize(("text", "key"), [
    ("device = 5\n", "device"),
    ('device = "abc"\n', "device"),
    ("[device]\nid = 5\n", "device.id"),
    ('[ui]\nwidth_px = "800"\n', "ui.width_px"),
    ("[ui]\nwidth_px = 800.0\n", "ui.width_px"),
    ('[credential]\nvigencia_extensions = ["2024=xxxx-yy-zz"]\n', "credential.vigencia_extensions"),
    ('[credential]\nvigencia_extensions = ["2024=2024-02-30"]\n', "credential.vigencia_extensions"),
    ("[ui]\nlanguaje = \"es\"\n", "ui.languaje"),
])
def test_badly_typed_or_formatted_values_name_their_key(tmp_path: Path, text: str, key: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(_toml(tmp_path, text), env={})
    assert err.value.args and key in str(err.value)


def test_a_file_that_is_not_utf8_text_is_a_clear_error(tmp_path: Path) -> None:
    jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xdb"
    with pytest.raises(ConfigError, match="not a UTF-8 text file"):
        load_config(_toml(tmp_path, jpeg), env={})


def test_unknown_apoyo_variables_are_refused_by_name() -> None:
    with pytest.raises(ConfigError, match="APOYO_UI_LANGAUGE.*unknown environment variable"):
        load_config(None, env={"APOYO_UI_LANGAUGE": "en"})
    # the central server's variables are its own business
    load_config(None, env={"APOYO_CENTRAL_DATABASE_URL": "postgresql://x"})


def test_flags_beat_the_environment_which_beats_the_file(tmp_path: Path) -> None:
    path = _toml(tmp_path, '[device]\ndata_dir = "/from-file"\n[ui]\nlanguage = "es"\n')
    env = {"APOYO_DEVICE_DATA_DIR": "/from-env", "APOYO_UI_LANGUAGE": "en"}
    cfg = load_config(path, env=env, overrides={"device": {"data_dir": "/from-flag"}})
    assert cfg.device.data_dir == "/from-flag" and cfg.ui.language == "en"
    assert load_config(path, env={}).device.data_dir == "/from-file"


def test_development_mode_is_only_switched_on_by_the_flag(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="APOYO_DEVICE_DEV_MODE.*only the --dev flag"):
        load_config(None, env={"APOYO_DEVICE_DEV_MODE": "1"})
    with pytest.raises(ConfigError, match="device.dev_mode.*only the --dev flag"):
        load_config(_toml(tmp_path, "[device]\ndev_mode = true\n"), env={})
    assert load_config(None, env={},
                       overrides={"device": {"dev_mode": True}}).device.dev_mode is True


def test_config_command_on_a_jpeg_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from kiosk.config_cli import main as config_main

    path = _toml(tmp_path, b"\xff\xd8\xff\xe0garbage\xff")
    assert config_main(["--file", str(path)]) == 2
    assert "not a UTF-8 text file" in capsys.readouterr().err


def test_store_stats_data_dir_flag_beats_the_environment(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from kiosk.__main__ import main as kiosk_main

    monkeypatch.setenv("APOYO_KIOSK_CONFIG", str(_toml(tmp_path, "")))
    monkeypatch.setenv("APOYO_DEVICE_DATA_DIR", str(tmp_path / "from-env"))
    assert kiosk_main(["store", "stats", "--data-dir", str(tmp_path / "from-flag")]) == 2
    assert str(tmp_path / "from-flag") in capsys.readouterr().err


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
