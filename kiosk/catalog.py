"""The processes a kiosk collects support for: central's signed catalog, verified before use.

The format, the seven kinds and the wording a citizen sees are the protocol's (``apoyo_protocol.catalog``).
Production: ``<data_dir>/catalog.apyg`` is a catalog signed by central, checked against the catalog key pinned at
enrollment every time it is loaded; :func:`install_catalog` replaces it only with a correctly signed catalog of
the same or a newer version (a bad signature or an older version is refused, and the caller audits it).
Development: without an installed catalog the kiosk falls back to :data:`DEV_CATALOG_PATH`, an unsigned, clearly
marked catalog of SYNTHETIC aspirants (never real people), only in development mode.

Every validation error is an :class:`InvalidField` naming the field, e.g. ``processes[0].aspirants[1].name``.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from apoyo_protocol.catalog import (
    CATALOG_FILE,
    KIND_ACTS,
    LEGAL_BASIS,
    PROCESS_KINDS,
    WORDING,
    Aspirant,
    Catalog,
    Process,
    catalog_version_unverified,
    parse_processes,
    verify_catalog,
)
from kiosk.errors import IntegrityError, InvalidField, KeyMissing, StaleCatalog

__all__ = ["CATALOG_FILE", "DEV_CATALOG_PATH", "KIND_ACTS", "LEGAL_BASIS", "PROCESS_KINDS", "WORDING", "Aspirant",
           "Catalog", "Process", "development_catalog", "install_catalog", "load_active_catalog", "load_catalog",
           "load_signed_catalog", "parse_catalog"]

DEV_CATALOG_PATH = Path(__file__).with_name("dev_catalog.json")
LEGACY_CATALOG_FILE = "catalog.json"  # an unsigned catalog: refused outside development mode


def parse_catalog(data: Any) -> Catalog:
    """Validate a decoded UNSIGNED catalog (development only). Raises InvalidField naming the first bad field."""
    if not isinstance(data, Mapping):
        raise InvalidField("catalog", "must be a JSON object")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise InvalidField("version", f"a catalog version is a positive integer, got {version!r}")
    is_dev = data.get("is_development", False)
    if not isinstance(is_dev, bool):
        raise InvalidField("is_development", "must be true or false")
    return Catalog(version=version, is_development=is_dev, processes=parse_processes(data.get("processes")))


def load_catalog(path: Path) -> Catalog:
    """Read and validate an unsigned JSON catalog file. Raises InvalidField (bad content) or FileNotFoundError."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InvalidField(str(path), f"not valid JSON: {exc.msg} at line {exc.lineno}") from exc
    return parse_catalog(data)


def development_catalog() -> Catalog:
    """The synthetic catalog shipped for development and demos (marked ``is_development``)."""
    return load_catalog(DEV_CATALOG_PATH)


def load_signed_catalog(data_dir: Path, catalog_keys: Mapping[str, Any]) -> Catalog | None:
    """The installed signed catalog, verified against ``catalog_keys``; None when none is installed.
    Raises IntegrityError (signature) or InvalidField (content)."""
    path = Path(data_dir) / CATALOG_FILE
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        return None
    return verify_catalog(blob, catalog_keys)


def install_catalog(data_dir: Path, blob: bytes, catalog_keys: Mapping[str, Any], *,
                    audit: Callable[[str, dict[str, Any]], None] | None = None) -> Catalog:
    """Verify ``blob`` and make it the installed catalog (atomically). Refused, with ``audit(reason, details)``
    called first: a bad signature (IntegrityError), an older version than installed (StaleCatalog), bad content
    (InvalidField). The installed catalog is left untouched on any refusal."""
    path = Path(data_dir) / CATALOG_FILE
    installed: Catalog | None = None
    try:
        installed = load_signed_catalog(data_dir, catalog_keys)
    except (IntegrityError, InvalidField):
        installed = None  # a damaged installed catalog may be replaced by a good one
    try:
        catalog = verify_catalog(blob, catalog_keys, installed_version=installed.version if installed else None)
    except (IntegrityError, StaleCatalog, InvalidField) as exc:
        if audit is not None:
            reason = {IntegrityError: "catalog.bad_signature", StaleCatalog: "catalog.older_version"}.get(
                type(exc), "catalog.invalid")
            details: dict[str, Any] = {"reason": reason, "installed_version": installed.version if installed else 0}
            with contextlib.suppress(IntegrityError):
                details["offered_version"] = catalog_version_unverified(blob)
            audit(reason, details)
        raise
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        fh.write(blob)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return catalog


def load_active_catalog(data_dir: Path, *, allow_development: bool,
                        catalog_keys: Mapping[str, Any] | None = None) -> Catalog:
    """The signed ``<data_dir>/catalog.apyg`` (verified with ``catalog_keys``, by default the pinned ones);
    else, only in development mode, an unsigned ``catalog.json`` or the development catalog; else an empty
    catalog (the kiosk then shows "out of service: no active process").

    Raises IntegrityError when the installed catalog's signature fails, KeyMissing when a signed catalog is
    installed but no catalog key is pinned, InvalidField for an unsigned catalog outside development mode."""
    data_dir = Path(data_dir)
    if (data_dir / CATALOG_FILE).exists():
        if catalog_keys is None:
            from kiosk.store.keys import pinned_catalog_keys

            catalog_keys = pinned_catalog_keys(data_dir, allow_development=allow_development)
        if not catalog_keys:
            raise KeyMissing(f"{data_dir / CATALOG_FILE} is installed but no central catalog key is pinned: "
                             f"enroll the device")
        catalog = load_signed_catalog(data_dir, catalog_keys)
        assert catalog is not None
        return catalog
    legacy = data_dir / LEGACY_CATALOG_FILE
    if legacy.exists():
        if not allow_development:
            raise InvalidField(str(legacy), "an unsigned catalog is accepted only in development mode; install "
                                            "central's signed catalog (catalog.apyg)")
        return load_catalog(legacy)
    if allow_development:
        return development_catalog()
    return Catalog(version=1, is_development=False, processes=())
