"""Typed, layered configuration.

Layers, later wins: the defaults below → a TOML file (``/etc/apoyo-kiosk/kiosk.toml``, or the path in
``APOYO_KIOSK_CONFIG``) → environment variables ``APOYO_<SECTION>_<FIELD>`` (e.g. ``APOYO_UI_LANGUAGE=en``) →
command-line flags (``overrides``: an explicit flag always beats the environment). Everything is validated once,
at start, by :func:`load_config`, strictly: exact types (``5`` is not text, ``"5"`` in the file is not a number),
finite numbers only (NaN passes no range check), every value's own format (dates, ...), and unknown sections,
keys and ``APOYO_*`` variables are refused (a typo must not silently fall back to a default). An error names
the key and the problem. ``device.dev_mode`` is set only by the ``--dev`` flag, never by the file or the
environment: development mode trusts keys whose private halves lie on the device.

Each section is a frozen dataclass; every field has a default and, where it has one, its unit in its name
(``_s`` seconds, ``_px`` pixels, ``_mb`` megabytes). Field metadata may carry ``choices``, ``min`` and ``max``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import math
import os
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.errors import ConfigError

DEFAULT_CONFIG_PATH = Path("/etc/apoyo-kiosk/kiosk.toml")
DEFAULT_DATA_DIR = Path("/var/lib/apoyo-kiosk")
ENV_PREFIX = "APOYO_"
CONFIG_PATH_ENV = "APOYO_KIOSK_CONFIG"
# APOYO_* variables that belong to other programs of the project (the central server), not to the kiosk.
FOREIGN_ENV_PREFIXES = ("APOYO_CENTRAL_",)


def _f(default: Any, *, choices: tuple[Any, ...] | None = None, min: float | None = None,  # noqa: A002
       max: float | None = None, doc: str = "", flag_only: str = "") -> Any:  # noqa: A002
    meta = {"choices": choices, "min": min, "max": max, "doc": doc, "flag_only": flag_only}
    if isinstance(default, (list, dict)):
        raise TypeError("use tuples for sequence defaults so configs stay immutable")
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class DeviceConfig:
    id: str = _f("dev-kiosk-0001", doc="device identifier, set at provisioning")
    data_dir: str = _f(str(DEFAULT_DATA_DIR), doc="records, keys, audit log; repository ./var in development")
    mode: str = _f("self-service", choices=("self-service", "operator"),
                   doc="self-service at a module office, operator for field teams (operator PIN)")
    dev_mode: bool = _f(False, doc="development: windowed UI, development central key pair allowed; only the --dev "
                                   "flag sets it", flag_only="--dev")
    operator_pin_file: str = _f("", doc="scrypt hash of the operator PIN (never the PIN); empty = data_dir/operator_pin")


@dataclass(frozen=True)
class CameraConfig:
    source: str = _f("scripted", choices=("scripted", "opencv", "picamera2"))
    preview_width_px: int = _f(640, min=160, max=1920)
    preview_height_px: int = _f(480, min=120, max=1080)
    still_width_px: int = _f(2304, min=320, max=4608)
    still_height_px: int = _f(1296, min=240, max=2592)
    opencv_device: int = _f(0, min=0, max=63, doc="index of the USB camera for the opencv source")
    scripted_dir: str = _f("", doc="folder of images the scripted camera plays; empty = synthetic scenes")
    frame_rate_fps: float = _f(30.0, min=1.0, max=120.0)
    frame_timeout_s: float = _f(2.0, min=0.1, max=30.0, doc="no frame for this long = camera lost")
    autofocus: bool = _f(True, doc="continuous autofocus on the Camera Module 3")


@dataclass(frozen=True)
class CredentialConfig:
    accepted_models: tuple[str, ...] = _f(("E", "F", "G", "H"), doc="card models accepted (FACTS §1)")
    vigencia_extensions: tuple[str, ...] = _f(
        (), doc="extensions by INE agreement, 'YEAR=YYYY-MM-DD' (cards marked YEAR valid until that date)")


@dataclass(frozen=True)
class VisionConfig:
    min_card_fraction: float = _f(0.25, min=0.05, max=0.95, doc="card width / frame width needed")
    stills_per_side: int = _f(4, min=1, max=20,
                              doc="full-resolution stills analysed per card side; the last one decides (each "
                                  "costs a still capture and ~60 ms of analysis, and a refusal waits for all)")
    focus_min: float = _f(3000.0, min=0.0,
                          doc="minimum sharpness (Laplacian variance of the card rectified to 320 px wide)")
    glare_fraction_max: float = _f(0.3, min=0.0, max=1.0,
                                   doc="largest fraction of the card burnt out to white (all channels ≥ 253)")
    stable_time_s: float = _f(0.6, min=0.0, max=5.0, doc="card good and still this long before auto-capture")
    mrz_vote_frames: int = _f(3, min=1, max=15)
    threads: int = _f(2, min=1, max=8)
    max_card_fraction: float = _f(0.92, min=0.3, max=1.0, doc="card width / frame width above which: move back")
    frame_margin_fraction: float = _f(0.01, min=0.0, max=0.2, doc="corners must be this far inside the frame")
    motion_max_fraction: float = _f(0.012, min=0.0, max=0.5,
                                    doc="largest corner move between previews, as a fraction of card width")
    exposure_min: float = _f(55.0, min=0.0, max=255.0, doc="mean card brightness (0-255) below which: more light")
    exposure_max: float = _f(235.0, min=0.0, max=255.0, doc="mean card brightness above which: too bright")
    mrz_min_score: float = _f(0.3, min=0.0, max=1.0, doc="every MRZ cell's symbol probability must reach this")
    mrz_confident_score: float = _f(0.9, min=0.0, max=1.0,
                                    doc="an unchecked MRZ cell with a symbol probability below this needs the wide margin")
    mrz_weak_cell_margin: float = _f(0.5, min=0.0, max=1.0,
                                     doc="margin over the runner-up needed by such a weakly matching cell")
    mrz_min_margin: float = _f(0.4, min=0.0, max=1.0,
                               doc="probability margin over the runner-up needed on MRZ cells no check digit covers")
    photocopy_chroma_max: float = _f(25.0, min=0.0, max=255.0,
                                     doc="98th-percentile colour of the card against a reference that is not the "
                                         "card (the camera's balance, or a neutral surround), relative to its white "
                                         "(0-255 as if the white were 255), below which: photocopy, sent to review")
    photocopy_chroma_sure: float = _f(12.0, min=0.0, max=255.0,
                                      doc="the same colour below which the photocopy cue is sure (refused, together "
                                          "with photocopy_spread_sure)")
    photocopy_spread_max: float = _f(31.0, min=0.0, max=255.0,
                                     doc="98th-percentile colour the card keeps balanced on its own ground (what no "
                                         "camera cast explains), below which: photocopy, sent to review")
    photocopy_spread_sure: float = _f(8.0, min=0.0, max=255.0,
                                      doc="the same spread below which the photocopy cue is sure (with "
                                          "photocopy_chroma_sure)")
    screen_score_min: float = _f(0.5, min=0.0, max=1.0,
                                 doc="screen score (any cue, moiré included) above which: screen, sent to review")
    # Measured (stills, seeds never used by the benchmark): first generator dev seed 4242 (100 genuine, 94 grey
    # copies, 99 screens found; measured before the 4 % border was left out): genuine refused 0, reviewed 2;
    # copies refused 12, reviewed 78 (96 % caught);
    # screens refused 97. Second generator calibration seed 1901 (20 cases per attack, 40 stills each, all
    # casts): genuine refused 0/40, reviewed 15/40 (backs); grey copies refused 13, reviewed 22 (88 %); phone
    # replays refused 16, reviewed 9 (63 %: below the 95 % target).
    screen_score_sure: float = _f(0.5, min=0.0, max=1.0,
                                  doc="score of the paired ring cues (bezel + square corners, bezel + backlight) "
                                      "above which the screen cue is sure (refused)")
    front_text_check: str = _f("record", choices=("off", "record", "refuse"),
                               doc="front's printed birth date vs the MRZ: record a contradiction as a fraud flag "
                                   "on the capture, or also refuse the card (validated on synthetic cards only)")


@dataclass(frozen=True)
class FaceConfig:
    model_variant: str = _f("fp16", choices=("fp32", "fp16", "int8"))
    match_threshold: float = _f(0.6, min=0.1, max=1.5, doc="Euclidean distance below which faces match "
                                "(dlib's calibration; measured margins in kiosk/face/README.md)")
    max_match_attempts: int = _f(3, min=1, max=10)
    threads: int = _f(2, min=1, max=8)
    liveness_challenges: tuple[str, ...] = _f(("blink", "turn_left", "turn_right"))
    liveness_steps: int = _f(2, min=1, max=5, doc="how many challenges a citizen is asked for")
    selfie_min_face_frac: float = _f(0.2, min=0.05, max=0.9, doc="face box width / frame width, at least")
    selfie_max_face_frac: float = _f(0.75, min=0.1, max=1.0, doc="face box width / frame width, at most")
    selfie_max_yaw_deg: float = _f(15.0, min=3.0, max=45.0, doc="frontal enough for the match photo")
    selfie_max_pitch_deg: float = _f(15.0, min=3.0, max=45.0)
    liveness_turn_min_deg: float = _f(18.0, min=8.0, max=45.0, doc="yaw a head turn must reach")
    liveness_challenge_timeout_s: float = _f(8.0, min=2.0, max=30.0, doc="time for each challenge")
    selfie_timeout_s: float = _f(25.0, min=5.0, max=120.0,
                                 doc="a selfie whose challenges are not all done by then is not live (face.timeout); "
                                     "room for the default 2 challenges x 8 s plus framing the face")


@dataclass(frozen=True)
class StoreConfig:
    jpeg_quality: int = _f(85, min=30, max=100)
    aead: str = _f("auto", choices=("auto", "chacha20poly1305", "aes256gcm"),
                   doc="record cipher; auto = the faster of the two, measured once at start (Pi 4: no AES unit)")
    min_free_mb: int = _f(200, min=1, doc="refuse new captures below this free space")
    warn_free_mb: int = _f(1000, min=1, doc="warn technicians below this free space")
    purge_grace_days: float = _f(30.0, min=0.0, doc="keep synced records this long after a verified receipt")
    central_public_key: str = _f("", doc="path of the pinned central public keys file (sealing X25519 + receipt "
                                     "Ed25519, JSON); empty = <data_dir>/keys/central_keys.json")
    audit_checkpoint_every: int = _f(100, min=1, max=100_000,
                                     doc="the device signs an audit checkpoint every this many entries")
    busy_timeout_s: float = _f(5.0, min=0.1, max=120.0,
                               doc="wait this long for another process (admin, sync) holding the database")


@dataclass(frozen=True)
class UIConfig:
    language: str = _f("es", choices=("es", "en"))
    width_px: int = _f(800, min=320, max=3840)
    height_px: int = _f(480, min=240, max=3840)
    fullscreen: bool = _f(True)
    high_contrast: bool = _f(False)
    large_text: bool = _f(False)
    voice: bool = _f(False, doc="read each step aloud with espeak-ng")
    voice_speed_wpm: int = _f(150, min=80, max=400,
                              doc="espeak-ng speaking rate, words per minute (its default is 175; slower is "
                                  "easier to follow in a noisy public place)")
    idle_timeout_s: float = _f(60.0, min=5.0, max=3600.0)
    idle_countdown_s: float = _f(15.0, min=3.0, max=120.0)
    operator_pin_attempts: int = _f(3, min=1, max=10)
    operator_lockout_s: float = _f(300.0, min=10.0, max=86400.0, doc="operator PIN locked this long after too many errors")
    max_card_attempts: int = _f(3, min=1, max=10, doc="card captures (unreadable, photocopy, 'not my data') per session")
    receipt_timeout_s: float = _f(30.0, min=5.0, max=600.0, doc="the receipt returns to the welcome screen after this")
    failsafe_timeout_s: float = _f(30.0, min=5.0, max=3600.0, doc="the failsafe screen returns to welcome after this")
    capture_timeout_s: float = _f(120.0, min=10.0, max=1800.0,
                                  doc="a camera step with no capture for this long asks '¿Sigues ahí?' even when "
                                      "the camera keeps seeing something card- or face-like")
    signature_min_ink: float = _f(0.5, min=0.05, max=10.0, doc="least ink a signature needs, in pad widths of stroke")
    frame_rate_fps: float = _f(30.0, min=5.0, max=120.0, doc="UI frames per second (the camera has its own rate)")


@dataclass(frozen=True)
class SupportConfig:
    phone: str = _f("800 433 2000", doc="support centre phone shown on the help screen")
    email: str = _f("soporte@example.invalid")
    hours: str = _f("Lunes a viernes 9:00–18:00", doc="support hours as shown in Spanish")
    hours_en: str = _f("Monday to Friday 9:00–18:00", doc="support hours as shown in English")


@dataclass(frozen=True)
class AdminConfig:
    host: str = _f("127.0.0.1")
    port: int = _f(8443, min=1, max=65535)


@dataclass(frozen=True)
class Config:
    device: DeviceConfig = field(default_factory=DeviceConfig)
    camera: CameraConfig = field(default_factory=CameraConfig)
    credential: CredentialConfig = field(default_factory=CredentialConfig)
    vision: VisionConfig = field(default_factory=VisionConfig)
    face: FaceConfig = field(default_factory=FaceConfig)
    store: StoreConfig = field(default_factory=StoreConfig)
    ui: UIConfig = field(default_factory=UIConfig)
    support: SupportConfig = field(default_factory=SupportConfig)
    admin: AdminConfig = field(default_factory=AdminConfig)

    @property
    def data_path(self) -> Path:
        return Path(self.device.data_dir)


def _coerce(key: str, raw: Any, typ: Any, from_env: bool) -> Any:
    origin = typing.get_origin(typ)
    if typ is bool:
        if isinstance(raw, bool):
            return raw
        if from_env and isinstance(raw, str) and raw.strip().lower() in {"1", "true", "yes", "on", "0", "false", "no", "off"}:
            return raw.strip().lower() in {"1", "true", "yes", "on"}
        raise ConfigError(key, f"expected true or false, got {raw!r}")
    if typ is int:
        if isinstance(raw, bool):
            raise ConfigError(key, f"expected a whole number, got {raw!r}")
        if isinstance(raw, int):
            return raw
        if from_env and isinstance(raw, str):
            try:
                return int(raw.strip())
            except ValueError:
                pass
        raise ConfigError(key, f"expected a whole number, got {raw!r}")
    if typ is float:
        value: float | None = None
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            value = float(raw)
        elif from_env and isinstance(raw, str):
            with contextlib.suppress(ValueError):
                value = float(raw.strip())
        if value is None:
            raise ConfigError(key, f"expected a number, got {raw!r}")
        if not math.isfinite(value):
            raise ConfigError(key, f"expected a finite number, got {raw!r}")
        return value
    if typ is str:
        if isinstance(raw, str):
            return raw
        raise ConfigError(key, f"expected text, got {raw!r}")
    if origin is tuple:
        if from_env and isinstance(raw, str):
            raw = [p.strip() for p in raw.split(",") if p.strip()]
        if not isinstance(raw, (list, tuple)) or not all(isinstance(x, str) for x in raw):
            raise ConfigError(key, f"expected a list of text values, got {raw!r}")
        return tuple(raw)
    raise ConfigError(key, f"unsupported type {typ}")  # pragma: no cover - a programming error


def _check(key: str, value: Any, meta: Mapping[str, Any]) -> None:
    choices = meta.get("choices")
    if choices is not None:
        values = value if isinstance(value, tuple) else (value,)
        for v in values:
            if v not in choices:
                raise ConfigError(key, f"{v!r} is not one of {', '.join(map(str, choices))}")
    lo, hi = meta.get("min"), meta.get("max")
    if lo is not None and value < lo:
        raise ConfigError(key, f"{value} is below the minimum {lo}")
    if hi is not None and value > hi:
        raise ConfigError(key, f"{value} is above the maximum {hi}")


def _section_types(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def env_name(section: str, key: str) -> str:
    return f"{ENV_PREFIX}{section}_{key}".upper()


def _build_section(name: str, cls: type, file_values: Mapping[str, Any], env: Mapping[str, str],
                   flags: Mapping[str, Any]) -> Any:
    hints = _section_types(cls)
    known = {f.name: f for f in dataclasses.fields(cls)}
    for layer in (file_values, flags):
        unknown = set(layer) - set(known)
        if unknown:
            raise ConfigError(f"{name}.{sorted(unknown)[0]}", f"unknown key (known: {', '.join(sorted(known))})")
    values: dict[str, Any] = {}
    for fname, fdef in known.items():
        key = f"{name}.{fname}"
        typ = hints[fname]
        if isinstance(typ, types.UnionType):  # pragma: no cover - not used by sections
            raise ConfigError(key, "optional fields are not supported")
        flag_only = fdef.metadata.get("flag_only")
        env_key = env_name(name, fname)
        if flag_only and fname in file_values:
            raise ConfigError(key, f"cannot be set in a configuration file; only the {flag_only} flag sets it")
        if flag_only and env_key in env:
            raise ConfigError(env_key, f"cannot be set from the environment; only the {flag_only} flag sets "
                                       f"{key}")
        value = fdef.default
        if fname in file_values:
            value = _coerce(key, file_values[fname], typ, from_env=False)
        if env_key in env:
            value = _coerce(env_key, env[env_key], typ, from_env=True)
        if fname in flags:
            value = _coerce(key, flags[fname], typ, from_env=False)
        _check(key, value, fdef.metadata)
        values[fname] = value
    return cls(**values)


def _check_env_names(env: Mapping[str, str]) -> None:
    """Refuse APOYO_* variables that name no setting: a misspelt one would otherwise be ignored in silence."""
    known = {CONFIG_PATH_ENV}
    for sec in dataclasses.fields(Config):
        known |= {env_name(sec.name, f.name) for f in dataclasses.fields(sec.default_factory)}  # type: ignore[arg-type]
    for name in sorted(env):
        if name.upper().startswith(ENV_PREFIX) and name not in known \
                and not name.startswith(FOREIGN_ENV_PREFIXES):
            close = [k for k in sorted(known) if k.upper() == name.upper()]
            hint = f" (did you mean {close[0]}?)" if close else " (python -m kiosk config --keys lists every key)"
            raise ConfigError(name, f"unknown environment variable{hint}")


def parse_vigencia_extensions(entries: tuple[str, ...] | list[str]) -> dict[int, datetime.date]:
    """Parse 'YEAR=YYYY-MM-DD' entries into {vigencia year: last valid day} (the one parser: checked at start
    here, used by the card check in :mod:`kiosk.credential.models`).

    Raises ConfigError('credential.vigencia_extensions', ...) naming the bad entry.
    """
    out: dict[int, datetime.date] = {}
    key = "credential.vigencia_extensions"
    for entry in entries:
        year_txt, sep, until_txt = str(entry).partition("=")
        try:
            if not sep:
                raise ValueError("missing '='")
            year = int(year_txt.strip())
            until = datetime.date.fromisoformat(until_txt.strip())
        except ValueError as exc:
            raise ConfigError(key, f"entry {entry!r} is not 'YEAR=YYYY-MM-DD' ({exc})") from None
        if until < datetime.date(year, 12, 31):
            raise ConfigError(key, f"entry {entry!r} ends before the card's own expiry {year}-12-31")
        if year in out:
            raise ConfigError(key, f"year {year} is extended twice")
        out[year] = until
    return out


def _cross_checks(cfg: Config) -> None:
    if cfg.store.warn_free_mb < cfg.store.min_free_mb:
        raise ConfigError("store.warn_free_mb", "must be at least store.min_free_mb")
    parse_vigencia_extensions(cfg.credential.vigencia_extensions)
    unknown = set(cfg.credential.accepted_models) - set("ABCDEFGH")
    if unknown:
        raise ConfigError("credential.accepted_models", f"unknown card model(s) {sorted(unknown)}")


def load_config(path: Path | str | None = None, env: Mapping[str, str] | None = None,
                overrides: Mapping[str, Mapping[str, Any]] | None = None) -> Config:
    """Build and validate the configuration.

    ``path``: TOML file; default ``$APOYO_KIOSK_CONFIG`` or ``/etc/apoyo-kiosk/kiosk.toml`` (a missing default
    file is fine, a missing explicit one is an error). ``overrides``: per-section values from command-line
    flags (``--dev``, ``--data-dir``), applied last: an explicit flag beats the environment and the file.
    Raises :class:`ConfigError` naming the key and the problem.
    """
    env = os.environ if env is None else env
    _check_env_names(env)
    explicit = path is not None or CONFIG_PATH_ENV in env
    cfg_path = Path(path) if path is not None else Path(env.get(CONFIG_PATH_ENV, DEFAULT_CONFIG_PATH))
    file_data: dict[str, Any] = {}
    if cfg_path.exists():
        try:
            file_data = tomllib.loads(cfg_path.read_bytes().decode("utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(str(cfg_path), f"not valid TOML: {exc}") from exc
        except UnicodeDecodeError as exc:
            raise ConfigError(str(cfg_path), f"not a UTF-8 text file (byte {exc.start}); a configuration file is "
                                             f"TOML text") from None
        except OSError as exc:
            raise ConfigError(str(cfg_path), f"cannot be read: {exc.strerror}") from exc
    elif explicit:
        raise ConfigError(str(cfg_path), "file not found")
    sections = {f.name: f.default_factory for f in dataclasses.fields(Config)}  # type: ignore[misc]
    unknown = set(file_data) - set(sections)
    if unknown:
        raise ConfigError(sorted(unknown)[0], f"unknown section (known: {', '.join(sections)})")
    built: dict[str, Any] = {}
    unknown = set(overrides or {}) - set(sections)
    if unknown:
        raise ConfigError(sorted(unknown)[0], f"unknown section (known: {', '.join(sections)})")
    for name, factory in sections.items():
        section_values = file_data.get(name, {})
        if not isinstance(section_values, dict):
            raise ConfigError(name, f"must be a table ([{name}] with keys), got {section_values!r}")
        flags = (overrides or {}).get(name) or {}
        built[name] = _build_section(name, factory, section_values, env, flags)
    cfg = Config(**built)
    _cross_checks(cfg)
    return cfg


def describe() -> list[tuple[str, Any, str]]:
    """(key, default, doc) for every setting, for the README and ``--help`` output."""
    rows = []
    for sec in dataclasses.fields(Config):
        for f in dataclasses.fields(sec.default_factory):  # type: ignore[arg-type]
            rows.append((f"{sec.name}.{f.name}", f.default, f.metadata.get("doc", "")))
    return rows
