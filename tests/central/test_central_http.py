"""The public receipt check, the review/audiencia/report endpoints, and the device API fuzzed from its OpenAPI
description — all over real HTTPS against a real gunicorn."""

from __future__ import annotations

import base64
import json
from importlib import resources

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from central import audit, processes, review
from central.dev.records import make_record, seal_record
from central.lista_nominal import Elector, add, synthetic_keys
from central.verify import Verifier
from central.web.public import normalise_folio

PROCESS = {"id": "p1", "kind": "consulta_popular", "title": {"es": "Consulta (MUESTRA)"}, "starts_on": "2020-01-01",
           "ends_on": "2035-12-31", "aspirants": [{"id": "a1", "name": "Promovente (MUESTRA)"}],
           "threshold": {"percent": 2.0}}


def _basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_receipt_check_review_audiencia_and_report_over_https(central_server) -> None:
    h = central_server
    dev = h.enroll("kiosk-0001")
    cic, ident = synthetic_keys(5)
    with h.db.transaction() as tx:
        processes.install(tx, [PROCESS], catalog_version=1)
        add(tx, [Elector(cic, ident, 9, 5, 11, 33, "vigente", None)])
        review.create_account(tx, "revisora", "reviewer", "una-clave-larga-1")
        review.create_account(tx, "promovente", "aspirant", "una-clave-larga-2", process_id="p1", aspirant_id="a1")
    folio = "K7Q2-9MXD-4"
    status, body = h.request("GET", f"/recibo?folio={folio}&format=json")
    assert json.loads(body) == {"folio": folio, "arrived": False, "counted": False, "state": "no_recibido"}
    rec = make_record(device_id=dev.device_id, process_id="p1", aspirant_id="a1", cic=cic, identificador=ident,
                      fraud_flags=("photocopy",))
    env = seal_record(rec, device_key=dev.key, device_public_raw=dev.public_raw,
                      central_public_key=h.keys.sealing.public, folio=folio)
    assert h.upload(dev, [(env.header["record_id"], env.data)])[1]["results"][0]["status"] == "stored"
    # typed loosely: lowercase, spaces, O for 0
    status, body = h.request("GET", "/recibo?folio=k7q2+9mxd+4&format=json")
    assert json.loads(body)["state"] == "recibido"
    Verifier(h.db, __import__("central.blobstore", fromlist=["x"]).FilesystemBlobStore(h.data_dir / "envelopes"),
             h.keys.sealing).run_until_idle()
    status, page = h.request("GET", f"/recibo?folio={folio}")
    assert status == 200 and "revisión" in page.decode() and cic not in page.decode()
    # the mesa de control: no account -> refused; reviewer sees the images, the view is audited
    assert h.request("GET", "/mesa")[0] == 403
    status, body = h.request("GET", "/mesa", headers=_basic("revisora", "una-clave-larga-1"))
    [item] = json.loads(body)["items"]
    status, page = h.request("GET", f"/mesa/{item['review_id']}", headers=_basic("revisora", "una-clave-larga-1"))
    assert status == 200 and "data:image/jpeg;base64," in page.decode()
    assert h.request("GET", f"/mesa/{item['review_id']}", headers=_basic("promovente", "una-clave-larga-2"))[0] == 403
    status, body = h.request("POST", f"/mesa/{item['review_id']}/decision",
                             json.dumps({"counts": False, "category": "fotocopia"}).encode(),
                             headers={**_basic("revisora", "una-clave-larga-1"), "Content-Type": "application/json"})
    assert (status, json.loads(body)["outcome"]) == (200, "inconsistencia")
    assert json.loads(h.request("GET", f"/recibo?folio={folio}&format=json")[1])["state"] == "no_contado"
    # the aspirant sees the outcome and its reason, and asks for a second review
    status, body = h.request("GET", "/audiencia", headers=_basic("promovente", "una-clave-larga-2"))
    [nc] = json.loads(body)["not_counted"]
    assert (nc["outcome"], nc["reason"]) == ("inconsistencia", "fotocopia") and cic not in body.decode()
    status, body = h.request("POST", "/audiencia/revision",
                             json.dumps({"record_id": nc["record_id"], "argument": "es la credencial original"})
                             .encode(), headers={**_basic("promovente", "una-clave-larga-2"),
                                                 "Content-Type": "application/json"})
    assert status == 201
    status, body = h.request("GET", "/reportes?format=json", headers=_basic("revisora", "una-clave-larga-1"))
    assert json.loads(body)["processes"][0]["aspirants"]["a1"]["by_outcome"] == {"inconsistencia": 1}
    status, page = h.request("GET", "/reportes", headers=_basic("revisora", "una-clave-larga-1"))
    assert status == 200 and "<svg" in page.decode()
    assert h.request("GET", "/reportes?format=csv", headers=_basic("revisora", "una-clave-larga-1"))[0] == 200
    with h.db.transaction() as tx:
        views = [e for e in audit.events(tx) if e["action"] in ("review.view", "audiencia.view", "audiencia.request")]
    assert [e["action"] for e in views] == ["review.view", "audiencia.view", "audiencia.request"]


def test_folio_normalisation() -> None:
    assert normalise_folio(" k7q2 9mxd 4 ") == "K7Q2-9MXD-4"
    assert normalise_folio("https://central/recibo?folio=K7Q2-9MXD-4&x=1") == "K7Q2-9MXD-4"
    assert normalise_folio("KOQ2-9MXD-4") == "K0Q2-9MXD-4"
    assert normalise_folio("too-short") is None and normalise_folio("UUUU-UUUU-U") is None


def _batches_from_openapi() -> st.SearchStrategy:
    """Well-shaped upload bodies drawn from the OpenAPI schema's own constraints (lengths, item counts)."""
    spec = json.loads(resources.files("central").joinpath("openapi.json").read_text(encoding="utf-8"))
    item = spec["components"]["schemas"]["UploadItem"]["properties"]
    rid = item["record_id"]
    records = spec["components"]["schemas"]["UploadBatch"]["properties"]["records"]
    envelope = st.one_of(st.binary(max_size=300).map(lambda b: base64.b64encode(b).decode()),
                         st.binary(max_size=200).map(lambda b: base64.b64encode(b"APYE\x02" + b).decode()),
                         st.text(max_size=40))
    one = st.fixed_dictionaries({"record_id": st.text(min_size=rid["minLength"], max_size=rid["maxLength"]),
                                 "envelope": envelope})
    assert records["maxItems"] == 200  # the cheap fuzz stays below it; the limit itself is tested apart
    return st.fixed_dictionaries({"records": st.lists(one, min_size=records["minItems"], max_size=5)})


def test_device_api_fuzzed_from_its_openapi_schema(central_server) -> None:
    """Bodies generated from the OpenAPI schema (valid shape, arbitrary content) and arbitrary JSON: every answer
    is a documented status with a documented body, and nothing of a refused item is stored."""
    h = central_server
    dev = h.enroll("kiosk-0001")
    ctx = h.context(dev)
    hdrs = {"Content-Type": "application/json"}

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.one_of(_batches_from_openapi(), st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c, max_size=3), max_leaves=8)))
    def fuzz(body) -> None:
        status, data = h.request("POST", "/v1/records", json.dumps(body).encode(), ctx=ctx, headers=hdrs)
        answer = json.loads(data)
        assert status in (200, 400, 413), (status, answer)
        if status == 200:
            assert [r["record_id"] for r in answer["results"]] and \
                all(r["status"] == "rejected" and r["error"]["code"] for r in answer["results"])
        else:
            assert set(answer) == {"error"} and answer["error"]["code"]

    fuzz()
    with h.db.transaction() as tx:
        assert tx.scalar("SELECT COUNT(*) FROM records") == 0
    assert not [p for p in (h.data_dir / "envelopes").rglob("*") if p.is_file()]
