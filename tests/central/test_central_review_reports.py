"""Mesa de control, garantía de audiencia and reports, on both back ends."""

from __future__ import annotations

import pytest
from central_verify_support import IN_WINDOW, make_world

from central import audit, processes, reports, review
from central.db import Database
from central.errors import NotAuthorized


@pytest.fixture
def world(db: Database, tmp_path):
    return make_world(db, tmp_path)


def _accounts(w):
    with w.db.transaction() as tx:
        rev = review.create_account(tx, "ana-revisora", "reviewer", "contraseña-larga-1")
        asp_a = review.create_account(tx, "equipo-a", "aspirant", "contraseña-larga-2",
                                      process_id="ci-dip-09-05", aspirant_id="asp-a")
        asp_b = review.create_account(tx, "equipo-b", "aspirant", "contraseña-larga-3",
                                      process_id="ci-dip-09-05", aspirant_id="asp-b")
    return rev, asp_a, asp_b


def test_reviewer_views_are_audited_and_decisions_apply_the_duplicate_rule(world) -> None:
    w = world
    rev, asp_a, _ = _accounts(w)
    citizen = w.elector(1)
    flagged = w.send(*citizen, fraud_flags=("photocopy",))
    fake = w.send(*w.elector(2), fraud_flags=("screen",))
    w.verifier().run_until_idle()
    with w.db.transaction() as tx:
        items = {i["record_id"]: i["review_id"] for i in review.open_items(tx)}
        seen = review.view_item(tx, items[flagged], rev, blobs=w.blobs, opener=w.keys.sealing)
        assert seen["flags"] == ["photocopy"] and seen["images"]["front_jpeg"]
        with pytest.raises(NotAuthorized):
            review.view_item(tx, items[flagged], asp_a, blobs=w.blobs, opener=w.keys.sealing)
    with w.db.transaction() as tx:
        assert review.decide(tx, items[flagged], rev, counts=True) == "en_lista_nominal"
        assert review.decide(tx, items[fake], rev, counts=False, category="pantalla") == "inconsistencia"
        with pytest.raises(review.ReviewError, match="already decided"):
            review.decide(tx, items[fake], rev, counts=True)
        actions = [(e["actor"], e["action"]) for e in audit.events(tx) if e["action"].startswith("review.")]
    assert actions == [("reviewer:ana-revisora", "review.view")] + [("reviewer:ana-revisora", "review.decision")] * 2
    assert w.outcome(flagged) == ("verified", "en_lista_nominal", 1)
    assert w.outcome(fake) == ("verified", "inconsistencia", 0)


def test_audiencia_sees_only_own_records_and_respects_the_window(world) -> None:
    w = world
    rev, asp_a, asp_b = _accounts(w)
    baja_a = w.send(*w.elector(3, situacion="baja", causa="defuncion"), aspirant="asp-a")
    ok_b = w.send(*w.elector(4), aspirant="asp-b")
    baja_b = w.send(*w.elector(5, situacion="baja", causa="defuncion"), aspirant="asp-b")
    w.verifier().run_until_idle()
    with w.db.transaction() as tx:
        mine = review.aspirant_records(tx, asp_a)
    assert [r["record_id"] for r in mine["not_counted"]] == [baja_a]
    assert mine["by_outcome"] == {"baja": 1} and mine["not_counted"][0]["reason"] == "defuncion"
    assert ok_b not in str(mine) and baja_b not in str(mine)
    with w.db.transaction() as tx:
        with pytest.raises(review.ReviewError, match="no such record"):
            review.request_second_review(tx, asp_a, baja_b, "esta persona sí vive, anexo acta", window_s=86400)
        with pytest.raises(review.ReviewError, match="closed"):
            review.request_second_review(tx, asp_a, baja_a, "argumento suficiente", window_s=86400,
                                         now=__import__("time").time() + 2 * 86400)
        rid = review.request_second_review(tx, asp_a, baja_a, "la ciudadana vive: anexo constancia",
                                           window_s=86400)
        with pytest.raises(review.ReviewError, match="already"):
            review.request_second_review(tx, asp_a, baja_a, "otra vez el mismo registro", window_s=86400)
    assert w.outcome(baja_a)[0] == "review"
    with w.db.transaction() as tx:
        assert review.decide(tx, rid, rev, counts=True, note="constancia revisada") == "en_lista_nominal"
        kinds = {e["action"] for e in audit.events(tx) if e["actor"].startswith("aspirant:")}
    assert kinds == {"audiencia.view", "audiencia.request"}
    with w.db.transaction() as tx:
        assert review.authenticate(tx, "equipo-a", "contraseña-larga-2") == asp_a
        assert review.authenticate(tx, "equipo-a", "wrong-password-x") is None


def test_report_counts_outcomes_days_and_threshold_with_distribution(world) -> None:
    w = world
    # district 9-05 has secciones 33 and 34 in the list; 2 % of 50 vigentes = 1 support; "half" of 2 secciones
    # = 1 with >= 1 % each
    for i in range(25):
        w.elector(200 + i, seccion=33)
        w.elector(300 + i, seccion=34)
    w.elector(400, distrito=6)  # outside the ámbito: not in the base
    w.send(*__import__("central.lista_nominal", fromlist=["x"]).synthetic_keys(200), aspirant="asp-a")
    w.send(*w.elector(401, situacion="baja", causa="defuncion", seccion=33), aspirant="asp-a",
           at_s=IN_WINDOW + 86400)
    w.verifier().run_until_idle()
    with w.db.transaction() as tx:
        rep = reports.process_report(tx, processes.get(tx, "ci-dip-09-05"))
        full = reports.full_report(tx)
    a = rep["aspirants"]["asp-a"]
    assert a["by_outcome"] == {"en_lista_nominal": 1, "baja": 1} and a["received"] == 2
    assert list(a["per_day"].values()) == [1]
    t = a["threshold"]
    assert (t["base_count"], t["required"], t["valid"], t["total_met"]) == (50, 1, 1, True)
    assert t["distribution"] == {"unit": "seccion", "units_in_ambito": 2, "units_required": 1, "units_met": 1,
                                 "met": True, "unit_percent": 1.0, "unit_absolute": None}
    assert rep["aspirants"]["asp-b"]["threshold"]["met"] is False
    assert full["totals_by_kind"]["candidatura_independiente_federal"] == {"processes": 1, "received": 2,
                                                                           "valid": 1}
    assert "ci-dip-09-05,candidatura_independiente_federal,asp-a,baja,1,1,1,True" in reports.to_csv(full)
