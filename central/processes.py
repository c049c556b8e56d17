"""The processes central verifies against: read from the installed (signed) catalog's process entries.

A process entry is the catalog's JSON object (``id``, ``kind``, ``title``, ``starts_on``, ``ends_on``,
``aspirants[{id, name}]``) plus what verification and reports need:

* ``ambito``: ``{"level": "nacional"}`` or ``{"level": "entidad", "entidad": 9}`` /
  ``{"level": "distrito", "entidad": 9, "distrito": 5}`` / ``{"level": "seccion", …, "seccion": 1234}``;
  a missing ``ambito`` means national;
* ``threshold``: the legal rule of FACTS §4 (see :mod:`central.reports`).

Capture windows are calendar days in Mexico City time, both ends included.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from central.db import Transaction
from central.errors import CentralError

MEXICO_CITY = ZoneInfo("America/Mexico_City")
AMBITO_LEVELS = ("nacional", "entidad", "distrito", "seccion")


class CatalogError(CentralError, ValueError):
    code = "catalog_invalid"


@dataclass(frozen=True)
class Process:
    process_id: str
    kind: str
    title: str
    aspirants: dict[str, str]  # aspirant id -> display name
    opens_s: float
    closes_s: float  # exclusive: first instant after the last day
    ambito: dict[str, Any]
    threshold: dict[str, Any]
    definition: dict[str, Any]

    def is_open_at(self, wall_s: float) -> bool:
        return self.opens_s <= wall_s < self.closes_s

    def is_in_ambito(self, entidad: int, distrito: int, seccion: int) -> bool:
        level = self.ambito.get("level", "nacional")
        if level == "nacional":
            return True
        if entidad != self.ambito.get("entidad"):
            return False
        if level == "distrito" and distrito != self.ambito.get("distrito"):
            return False
        return not (level == "seccion" and seccion != self.ambito.get("seccion"))


def _day_start(text: str, where: str) -> dt.datetime:
    try:
        day = dt.date.fromisoformat(text)
    except (TypeError, ValueError) as exc:
        raise CatalogError(f"{where}: expected a date YYYY-MM-DD") from exc
    return dt.datetime.combine(day, dt.time(0), MEXICO_CITY)


def parse_process(entry: Mapping[str, Any]) -> Process:
    """A catalog process entry -> :class:`Process`; raises CatalogError naming the field."""
    pid = entry.get("id")
    if not isinstance(pid, str) or not pid:
        raise CatalogError("process.id must be text")
    where = f"process {pid}"
    title = entry.get("title")
    title_text = title.get("es") if isinstance(title, Mapping) else title
    aspirants = entry.get("aspirants")
    if not isinstance(aspirants, list) or not aspirants:
        raise CatalogError(f"{where}: aspirants must be a non-empty list")
    names = {}
    for a in aspirants:
        if not isinstance(a, Mapping) or not isinstance(a.get("id"), str):
            raise CatalogError(f"{where}: every aspirant needs an id")
        names[a["id"]] = str(a.get("name", a["id"]))
    opens = _day_start(entry.get("starts_on"), f"{where}.starts_on")
    closes = _day_start(entry.get("ends_on"), f"{where}.ends_on") + dt.timedelta(days=1)
    if closes <= opens:
        raise CatalogError(f"{where}: ends_on is before starts_on")
    ambito = dict(entry.get("ambito") or {"level": "nacional"})
    if ambito.get("level") not in AMBITO_LEVELS:
        raise CatalogError(f"{where}.ambito.level must be one of {AMBITO_LEVELS}")
    needed = AMBITO_LEVELS[1:AMBITO_LEVELS.index(ambito["level"]) + 1]
    for key in needed:
        if not isinstance(ambito.get(key), int):
            raise CatalogError(f"{where}.ambito.{key} must be a number for level {ambito['level']}")
    return Process(pid, str(entry.get("kind", "")), str(title_text or pid), names, opens.timestamp(),
                   closes.timestamp(), ambito, dict(entry.get("threshold") or {}), dict(entry))


def install(tx: Transaction, entries: list[Mapping[str, Any]], catalog_version: int) -> int:
    """Store (or replace) the process entries of catalog ``catalog_version``; returns how many."""
    parsed = [parse_process(e) for e in entries]
    for p in parsed:
        tx.execute("INSERT INTO processes (process_id, kind, definition, catalog_version) VALUES (?, ?, ?, ?)"
                   " ON CONFLICT (process_id) DO UPDATE SET kind = excluded.kind,"
                   " definition = excluded.definition, catalog_version = excluded.catalog_version",
                   (p.process_id, p.kind, json.dumps(p.definition, sort_keys=True, ensure_ascii=False),
                    catalog_version))
    return len(parsed)


def get(tx: Transaction, process_id: str) -> Process | None:
    text = tx.scalar("SELECT definition FROM processes WHERE process_id = ?", (process_id,))
    return None if text is None else parse_process(json.loads(text))


def all_processes(tx: Transaction) -> list[Process]:
    return [parse_process(json.loads(r[0])) for r in tx.all("SELECT definition FROM processes ORDER BY process_id")]
