"""The processes a kiosk collects support for, and their aspirants, read from ``<data_dir>/catalog.json``.

In production central signs and distributes the catalog (web_admin installs it); in development the kiosk falls
back to :data:`DEV_CATALOG_PATH`, a clearly marked catalog of SYNTHETIC aspirants (never real people).
The legal basis of each kind of process is from FACTS §4.

File format (JSON)::

    {"version": 1, "is_development": false, "processes": [
      {"id": "ci-dip-2027-05", "kind": "candidatura_independiente",
       "title": {"es": "...", "en": "..."}, "responsable": "...", "privacy_url": "https://...",
       "starts_on": "2026-11-01", "ends_on": "2026-12-31",
       "aspirants": [{"id": "a1", "name": "...", "office": {"es": "...", "en": "..."}}]}]}

Every validation error is an :class:`InvalidField` naming the field, e.g. ``processes[0].aspirants[1].name``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from kiosk.errors import InvalidField

DEV_CATALOG_PATH = Path(__file__).with_name("dev_catalog.json")
CATALOG_FILE = "catalog.json"

PROCESS_KINDS = ("candidatura_independiente", "consulta_popular", "iniciativa_ciudadana", "revocacion_mandato",
                 "afiliacion")

#: Legal basis per kind (FACTS §4), shown on the privacy notice.
LEGAL_BASIS: dict[str, str] = {
    "candidatura_independiente": "LGIPE arts. 369, 371 y 385",
    "consulta_popular": "CPEUM art. 35-VIII; Ley Federal de Consulta Popular",
    "iniciativa_ciudadana": "CPEUM art. 71-IV",
    "revocacion_mandato": "CPEUM art. 35-IX; Ley Federal de Revocación de Mandato",
    "afiliacion": "LGPP arts. 10-13",
}
LANGUAGES = ("es", "en")


@dataclass(frozen=True)
class Aspirant:
    """Who receives the support: a candidate, or the promovente of a consulta/iniciativa/revocación/party."""

    id: str
    name: str
    office: Mapping[str, str]  # language -> office or role, e.g. {'es': 'Diputación federal, distrito 05'}


@dataclass(frozen=True)
class Process:
    id: str
    kind: str  # one of PROCESS_KINDS
    title: Mapping[str, str]  # language -> title
    aspirants: tuple[Aspirant, ...]
    legal_basis: str
    starts_on: date
    ends_on: date  # inclusive
    responsable: str  # who is responsible for the personal data (privacy notice, FACTS §7)
    privacy_url: str  # where the integral privacy notice is published

    def is_active(self, today: date) -> bool:
        return self.starts_on <= today <= self.ends_on


@dataclass(frozen=True)
class Catalog:
    version: int
    is_development: bool
    processes: tuple[Process, ...]

    def active(self, today: date) -> tuple[Process, ...]:
        """The processes collecting today."""
        return tuple(p for p in self.processes if p.is_active(today))


def _text(obj: Mapping[str, Any], key: str, where: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value.strip():
        raise InvalidField(f"{where}.{key}", "missing or empty text")
    return value.strip()


def _titles(obj: Mapping[str, Any], key: str, where: str) -> dict[str, str]:
    value = obj.get(key)
    if not isinstance(value, Mapping):
        raise InvalidField(f"{where}.{key}", "must be an object with 'es' and 'en' texts")
    return {lang: _text(value, lang, f"{where}.{key}") for lang in LANGUAGES}


def _date(obj: Mapping[str, Any], key: str, where: str) -> date:
    raw = obj.get(key)
    try:
        if isinstance(raw, str):
            return date.fromisoformat(raw)
    except ValueError:
        pass
    raise InvalidField(f"{where}.{key}", f"expected a date YYYY-MM-DD, got {raw!r}")


def parse_catalog(data: Any) -> Catalog:
    """Validate a decoded catalog. Raises InvalidField naming the first bad field."""
    if not isinstance(data, Mapping):
        raise InvalidField("catalog", "must be a JSON object")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version != 1:
        raise InvalidField("version", f"unsupported catalog version {version!r} (expected 1)")
    is_dev = data.get("is_development", False)
    if not isinstance(is_dev, bool):
        raise InvalidField("is_development", "must be true or false")
    raw_processes = data.get("processes")
    if not isinstance(raw_processes, list):
        raise InvalidField("processes", "must be a list")
    processes: list[Process] = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_processes):
        where = f"processes[{i}]"
        if not isinstance(raw, Mapping):
            raise InvalidField(where, "must be an object")
        pid = _text(raw, "id", where)
        if pid in seen:
            raise InvalidField(f"{where}.id", f"duplicate process id {pid!r}")
        seen.add(pid)
        kind = _text(raw, "kind", where)
        if kind not in PROCESS_KINDS:
            raise InvalidField(f"{where}.kind", f"{kind!r} is not one of {', '.join(PROCESS_KINDS)}")
        starts, ends = _date(raw, "starts_on", where), _date(raw, "ends_on", where)
        if ends < starts:
            raise InvalidField(f"{where}.ends_on", "is before starts_on")
        raw_aspirants = raw.get("aspirants")
        if not isinstance(raw_aspirants, list) or not raw_aspirants:
            raise InvalidField(f"{where}.aspirants", "must be a non-empty list")
        aspirants: list[Aspirant] = []
        aspirant_ids: set[str] = set()
        for j, ra in enumerate(raw_aspirants):
            awhere = f"{where}.aspirants[{j}]"
            if not isinstance(ra, Mapping):
                raise InvalidField(awhere, "must be an object")
            aid = _text(ra, "id", awhere)
            if aid in aspirant_ids:
                raise InvalidField(f"{awhere}.id", f"duplicate aspirant id {aid!r}")
            aspirant_ids.add(aid)
            aspirants.append(Aspirant(id=aid, name=_text(ra, "name", awhere), office=_titles(ra, "office", awhere)))
        legal = raw.get("legal_basis", LEGAL_BASIS[kind])
        if not isinstance(legal, str) or not legal.strip():
            raise InvalidField(f"{where}.legal_basis", "must be non-empty text")
        processes.append(Process(
            id=pid, kind=kind, title=_titles(raw, "title", where), aspirants=tuple(aspirants),
            legal_basis=legal, starts_on=starts, ends_on=ends, responsable=_text(raw, "responsable", where),
            privacy_url=_text(raw, "privacy_url", where)))
    return Catalog(version=version, is_development=is_dev, processes=tuple(processes))


def load_catalog(path: Path) -> Catalog:
    """Read and validate a catalog file. Raises InvalidField (bad content) or FileNotFoundError."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InvalidField(str(path), f"not valid JSON: {exc.msg} at line {exc.lineno}") from exc
    return parse_catalog(data)


def development_catalog() -> Catalog:
    """The synthetic catalog shipped for development and demos (marked ``is_development``)."""
    return load_catalog(DEV_CATALOG_PATH)


def load_active_catalog(data_dir: Path, *, allow_development: bool) -> Catalog:
    """``<data_dir>/catalog.json`` when present; else the development catalog when allowed (dev mode);
    else an empty catalog (the kiosk then shows "out of service: no active process")."""
    path = Path(data_dir) / CATALOG_FILE
    if path.exists():
        return load_catalog(path)
    if allow_development:
        return development_catalog()
    return Catalog(version=1, is_development=False, processes=())
