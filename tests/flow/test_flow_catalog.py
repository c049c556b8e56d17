"""The process catalog: the synthetic development catalog, validation naming the field, active windows."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from kiosk.catalog import (
    DEV_CATALOG_PATH,
    LEGAL_BASIS,
    PROCESS_KINDS,
    development_catalog,
    load_active_catalog,
    load_catalog,
    parse_catalog,
)
from kiosk.errors import InvalidField


def good() -> dict[str, Any]:
    return json.loads(DEV_CATALOG_PATH.read_text(encoding="utf-8"))


def test_development_catalog_is_marked_and_synthetic() -> None:
    cat = development_catalog()
    assert cat.is_development and cat.version == 1
    assert [p.kind for p in cat.processes] == list(PROCESS_KINDS)  # one of each of the seven kinds
    assert {p.act for p in cat.processes} == {"apoyo", "afiliacion", "refrendo"}
    for p in cat.processes:
        assert "MUESTRA" in p.title["es"] and "SPECIMEN" in p.title["en"]
        assert p.legal_basis == LEGAL_BASIS[p.kind]
        for a in p.aspirants:
            assert "Muestra" in a.name  # never a real person


def test_active_window_is_inclusive() -> None:
    cat = development_catalog()
    p = cat.processes[0]
    assert p.is_active(p.starts_on) and p.is_active(p.ends_on)
    assert not p.is_active(date(p.starts_on.year - 1, 12, 31))
    assert cat.active(date(2000, 1, 1)) == ()


@pytest.mark.parametrize(("mutate", "field"), [
    (lambda d: d.update(version=0), "version"),
    (lambda d: d["processes"][0].pop("office_level"), "processes[0].office_level"),
    (lambda d: d["processes"][1].update(act="refrendo"), "processes[1].act"),
    (lambda d: d["processes"][0]["ambito"].pop("distrito"), "processes[0].ambito.distrito"),
    (lambda d: d["processes"][0]["threshold"].update(absolute=5), "processes[0].threshold"),
    (lambda d: d.update(processes={}), "processes"),
    (lambda d: d["processes"][0].pop("id"), "processes[0].id"),
    (lambda d: d["processes"][1].update(id=d["processes"][0]["id"]), "processes[1].id"),
    (lambda d: d["processes"][0].update(kind="referendum"), "processes[0].kind"),
    (lambda d: d["processes"][0]["title"].pop("en"), "processes[0].title.en"),
    (lambda d: d["processes"][0].update(starts_on="2026-13-01"), "processes[0].starts_on"),
    (lambda d: d["processes"][0].update(ends_on="2020-01-01"), "processes[0].ends_on"),
    (lambda d: d["processes"][0].update(aspirants=[]), "processes[0].aspirants"),
    (lambda d: d["processes"][0]["aspirants"][1].update(name="  "), "processes[0].aspirants[1].name"),
    (lambda d: d["processes"][0]["aspirants"][1].update(id="asp-muestra-1"), "processes[0].aspirants[1].id"),
    (lambda d: d["processes"][2].pop("responsable"), "processes[2].responsable"),
    (lambda d: d["processes"][2].update(legal_basis=""), "processes[2].legal_basis"),
])
def test_validation_names_the_field(mutate: Any, field: str) -> None:
    data = copy.deepcopy(good())
    mutate(data)
    with pytest.raises(InvalidField) as info:
        parse_catalog(data)
    assert info.value.field == field


def test_load_active_catalog_prefers_the_data_dir(tmp_path: Path) -> None:
    assert load_active_catalog(tmp_path, allow_development=False).processes == ()
    assert load_active_catalog(tmp_path, allow_development=True).is_development
    data = good()
    data["is_development"] = False
    data["processes"] = data["processes"][:1]
    (tmp_path / "catalog.json").write_text(json.dumps(data), encoding="utf-8")
    cat = load_active_catalog(tmp_path, allow_development=True)
    assert not cat.is_development and len(cat.processes) == 1
    with pytest.raises(InvalidField, match="unsigned catalog"):  # production takes only central's signed one
        load_active_catalog(tmp_path, allow_development=False)
    (tmp_path / "catalog.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(InvalidField, match="not valid JSON"):
        load_catalog(tmp_path / "catalog.json")
