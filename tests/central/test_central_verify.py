"""Verification outcomes of FACTS §5 on both back ends, including the first-counts rule and worker sharing."""

from __future__ import annotations

import threading

import pytest
from central_verify_support import IN_WINDOW, PROCESS, make_world

from central import processes
from central.db import Database
from central.verify import Examined, judge


@pytest.fixture
def world(db: Database, tmp_path):
    return make_world(db, tmp_path)


def test_each_outcome_of_facts_section_5(world) -> None:
    w = world
    valid = w.send(*w.elector(1))
    baja = w.send(*w.elector(2, situacion="baja", causa="defuncion"))
    no_vigente = w.send(*w.elector(3, situacion="no_vigente"))
    expired = w.send(*w.elector(4), expiry_date="2025-12-31")
    outside = w.send(*w.elector(5, distrito=6))
    not_found = w.send("999999999", "999999999")
    flagged = w.send(*w.elector(6), fraud_flags=("photocopy",))
    text = w.send(*w.elector(7), fraud_flags=("front_text_mismatch",))
    late = w.send(*w.elector(8), at_s=IN_WINDOW + 90 * 86400)
    unknown = w.send(*w.elector(9), aspirant="asp-zzz")
    assert w.verifier().run_until_idle() == 10
    assert w.outcome(valid) == ("verified", "en_lista_nominal", 1)
    assert w.outcome(baja) == ("verified", "baja", 0)
    assert w.outcome(no_vigente) == ("verified", "no_vigente", 0)
    assert w.outcome(expired) == ("verified", "no_vigente", 0)
    assert w.outcome(outside) == ("verified", "fuera_de_ambito", 0)
    assert w.outcome(late) == ("verified", "fuera_de_periodo", 0)
    assert w.outcome(unknown) == ("verified", "proceso_desconocido", 0)
    for rid in (not_found, flagged, text):
        assert w.outcome(rid) == ("review", None, 0)
    with w.db.transaction() as tx:
        reasons = dict(tx.all("SELECT record_id, reason FROM review_items WHERE state = 'abierto'"))
        assert tx.scalar("SELECT reason FROM records WHERE record_id = ?", (baja,)) == "defuncion"
    assert reasons == {not_found: "no_encontrado", flagged: "marcas_de_fraude", text: "texto_frontal"}
    assert w.verifier().run_until_idle() == 0  # nothing left pending


def test_duplicates_same_and_other_aspirant_first_capture_counts(world) -> None:
    w = world
    citizen = w.elector(10)
    first = w.send(*citizen, aspirant="asp-a", at_s=IN_WINDOW)
    again = w.send(*citizen, aspirant="asp-a", at_s=IN_WINDOW + 60)
    w.verifier().run_until_idle()
    assert w.outcome(first)[1:] == ("en_lista_nominal", 1)
    assert w.outcome(again)[1:] == ("duplicado_mismo_aspirante", 0)
    # another aspirant, captured later: the first support stands
    later_b = w.send(*citizen, aspirant="asp-b", at_s=IN_WINDOW + 120)
    w.verifier().run_until_idle()
    assert w.outcome(later_b)[1:] == ("duplicado_otro_aspirante", 0)
    # a record for aspirant B captured EARLIER but arriving late takes the count; A's record is demoted
    earlier_b = w.send(*citizen, aspirant="asp-b", at_s=IN_WINDOW - 3600)
    w.verifier().run_until_idle()
    assert w.outcome(earlier_b)[1:] == ("en_lista_nominal", 1)
    assert w.outcome(first)[1:] == ("duplicado_otro_aspirante", 0)
    with w.db.transaction() as tx:
        assert tx.scalar("SELECT SUM(counts) FROM records") == 1


def test_a_crashed_workers_claim_expires_and_nothing_is_lost(world) -> None:
    w = world
    rid = w.send(*w.elector(11))
    stuck = w.verifier("dead")
    assert len(stuck.claim()) == 1  # claimed, then the worker "dies"
    assert w.verifier("w2").run_until_idle() == 0  # claim still fresh: not taken twice
    late = w.verifier("w3")
    late.clock = lambda: __import__("time").time() + 1000  # after claim_timeout_s
    assert late.run_until_idle() == 1
    assert w.outcome(rid)[1] == "en_lista_nominal"


def test_two_workers_share_the_queue_without_double_counting(world) -> None:
    w = world
    citizens = [w.elector(100 + i) for i in range(12)]
    ids = [w.send(*c, aspirant="asp-a") for c in citizens] + [w.send(*c, aspirant="asp-b", at_s=IN_WINDOW + 5)
                                                               for c in citizens]
    done: list[int] = []
    threads = [threading.Thread(target=lambda n=n: done.append(w.verifier(n).run_until_idle()))
               for n in ("w1", "w2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert sum(done) == len(ids)
    with w.db.transaction() as tx:
        rows = dict(tx.all("SELECT outcome, COUNT(*) FROM records GROUP BY outcome"))
    assert rows == {"en_lista_nominal": 12, "duplicado_otro_aspirante": 12}


def test_judge_is_pure_and_orders_checks() -> None:
    proc = processes.parse_process(PROCESS)
    ex = Examined("r", True, PROCESS["id"], "asp-a", "123456789", "000000001", IN_WINDOW)
    assert judge(ex, proc, None).review_reason == "no_encontrado"
    assert judge(Examined("r", False, problem="x"), proc, None).outcome == "contenido_invalido"
    ex.mrz_ok = False
    assert judge(ex, proc, None).review_reason == "datos_erroneos"
