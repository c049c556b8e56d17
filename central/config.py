"""Central's configuration: typed, layered (defaults, then a TOML file, then ``APOYO_CENTRAL_*`` environment),
validated once at start.

Layout of the data directory (``--data-dir``, default ``./var/central`` in development)::

    central.db        SQLite database (when database_url is not set)
    envelopes/        the filesystem blob store
    keys/             sealing.key, receipt.key (0600) — see central.keystore
    ca/               the enrollment CA (ca.pem; its key lives with the enrollment code)
    tls/              server.pem, server.key for HTTPS
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from central.errors import ConfigError


@dataclass(frozen=True)
class CentralConfig:
    data_dir: Path
    #: sqlite:///… or postgresql://…; empty = SQLite in the data directory
    database_url: str = ""
    #: address and port gunicorn binds (8444 in development, see ARCHITECTURE.md)
    bind: str = "127.0.0.1:8444"
    #: gunicorn worker processes
    workers: int = 2
    #: largest sealed envelope accepted, bytes
    max_envelope_bytes: int = 8 << 20
    #: largest request body, bytes (a batch of envelopes in base64)
    max_request_bytes: int = 64 << 20
    #: garantía de audiencia: how long after an outcome an aspirant may ask for a second review, seconds (5 days)
    audiencia_window_s: float = 5 * 86400.0

    @property
    def database(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'central.db').resolve()}"

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "envelopes"

    @property
    def key_dir(self) -> Path:
        return self.data_dir / "keys"

    @property
    def ca_cert_path(self) -> Path:
        return self.data_dir / "ca" / "ca.pem"

    @property
    def tls_cert_path(self) -> Path:
        return self.data_dir / "tls" / "server.pem"

    @property
    def tls_key_path(self) -> Path:
        return self.data_dir / "tls" / "server.key"


_ENV_PREFIX = "APOYO_CENTRAL_"


def load(data_dir: Path, *, config_file: Path | None = None, overrides: dict | None = None) -> CentralConfig:
    """Defaults < ``config_file`` (TOML, table ``[central]``) < environment < ``overrides``.

    Raises ConfigError naming an unknown key or a value of the wrong type.
    """
    values: dict = {}
    fields = {f.name: f for f in dataclasses.fields(CentralConfig) if f.name != "data_dir"}
    if config_file is not None:
        try:
            doc = tomllib.loads(Path(config_file).read_text(encoding="utf-8")).get("central", {})
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read {config_file}: {exc}") from exc
        values.update(doc)
    for name in fields:
        env = os.environ.get(_ENV_PREFIX + name.upper())
        if env is not None:
            values[name] = env
    values.update(overrides or {})
    out: dict = {}
    for key, value in values.items():
        if key not in fields:
            raise ConfigError(f"unknown central setting {key!r} (known: {', '.join(sorted(fields))})")
        kind = type(fields[key].default)
        try:
            out[key] = kind(value) if not isinstance(value, kind) else value
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"central setting {key}: expected {kind.__name__}, got {value!r}") from exc
    cfg = CentralConfig(data_dir=Path(data_dir), **out)
    if cfg.workers < 1 or cfg.max_envelope_bytes < 1024 or cfg.max_request_bytes < cfg.max_envelope_bytes:
        raise ConfigError("workers must be >= 1 and max_request_bytes >= max_envelope_bytes >= 1024")
    return cfg
