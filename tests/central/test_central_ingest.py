"""Ingest over real HTTPS with mutual TLS (a real gunicorn on loopback), on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import json
import ssl

import pytest

from apoyo_protocol.receipt import PinnedReceiptVerifier
from central import audit, devices
from central.dev.records import make_record, seal_record


def _sealed(h, dev, *, record_id=None, image_bytes=2000, **kw):
    rec = make_record(device_id=dev.device_id, process_id=kw.pop("process_id", "proc-1"),
                      aspirant_id=kw.pop("aspirant_id", "asp-1"), cic=kw.pop("cic", "123456789"),
                      identificador=kw.pop("identificador", "000123456"), image_bytes=image_bytes, **kw)
    return seal_record(rec, device_key=dev.key, device_public_raw=dev.public_raw,
                       central_public_key=h.keys.sealing.public, record_id=record_id)


def _verifier(h):
    return PinnedReceiptVerifier({h.keys.receipt.key_id: h.keys.receipt.public_key()})


def test_batch_upload_gets_a_verifiable_receipt_per_record_and_is_idempotent(central_server) -> None:
    h = central_server
    dev = h.enroll("kiosk-0001")
    envs = [_sealed(h, dev) for _ in range(3)]
    status, body = h.upload(dev, [(e.header["record_id"], e.data) for e in envs])
    assert status == 200, body
    assert [r["status"] for r in body["results"]] == ["stored"] * 3
    for env, result in zip(envs, body["results"], strict=True):
        receipt = base64.b64decode(result["receipt"])
        got = _verifier(h).verify(receipt, device_id=dev.device_id, record_id=env.header["record_id"],
                                  envelope_sha256=env.sha256)
        assert got.record_id == env.header["record_id"]
    # the same upload again (a lost answer, or a replay): the same receipts, nothing stored twice
    status, again = h.upload(dev, [(e.header["record_id"], e.data) for e in envs])
    assert status == 200
    assert [r["status"] for r in again["results"]] == ["already_stored"] * 3
    assert [r["receipt"] for r in again["results"]] == [r["receipt"] for r in body["results"]]
    with h.db.transaction() as tx:
        assert tx.scalar("SELECT COUNT(*) FROM records") == 3
    for env in envs:
        assert (h.data_dir / "envelopes" / env.sha256[:2] / env.sha256[2:4] / env.sha256).read_bytes() == env.data


def test_altered_truncated_forged_and_foreign_envelopes_are_refused_one_by_one(central_server) -> None:
    h = central_server
    dev = h.enroll("kiosk-0001")
    other = h.enroll("kiosk-0002")
    good = _sealed(h, dev)
    altered = bytearray(_sealed(h, dev).data)
    altered[len(altered) // 2] ^= 0x01
    truncated = _sealed(h, dev).data[:-10]
    forged = _sealed(h, other)  # signed by another enrolled device, sent with this device's certificate
    mismatched = _sealed(h, dev)
    status, body = h.upload(dev, [
        (good.header["record_id"], good.data),
        ("rec-altered", bytes(altered)),
        ("rec-truncated", truncated),
        (forged.header["record_id"], forged.data),
        ("not-the-sealed-id", mismatched.data),
    ])
    assert status == 200
    codes = [(r["status"], r.get("error", {}).get("code")) for r in body["results"]]
    assert codes == [("stored", None), ("rejected", "envelope_invalid"), ("rejected", "envelope_invalid"),
                     ("rejected", "envelope_invalid"), ("rejected", "record_id_mismatch")]
    assert all("receipt" not in r for r in body["results"][1:])
    with h.db.transaction() as tx:
        assert [r[0] for r in tx.all("SELECT record_id FROM records")] == [good.header["record_id"]]
        refused = audit.events(tx, action="ingest.rejected")
    assert sorted(e["detail"]["code"] for e in refused) == sorted(
        ["envelope_invalid"] * 3 + ["record_id_mismatch"])
    stored_blobs = [p for p in (h.data_dir / "envelopes").rglob("*") if p.is_file()]
    assert len(stored_blobs) == 1


def test_same_record_id_with_different_bytes_is_a_conflict(central_server) -> None:
    h = central_server
    dev = h.enroll("kiosk-0001")
    first = _sealed(h, dev, record_id="rec-fixed")
    second = _sealed(h, dev, record_id="rec-fixed")
    assert h.upload(dev, [("rec-fixed", first.data)])[1]["results"][0]["status"] == "stored"
    result = h.upload(dev, [("rec-fixed", second.data)])[1]["results"][0]
    assert (result["status"], result["error"]["code"]) == ("rejected", "record_id_conflict")
    with h.db.transaction() as tx:
        assert tx.scalar("SELECT envelope_sha256 FROM records WHERE record_id = 'rec-fixed'") == first.sha256


def test_oversized_envelope_and_batch_are_refused(central_server) -> None:
    h = central_server
    dev = h.enroll("kiosk-0001")
    big = _sealed(h, dev, image_bytes=4 << 20)  # ~10 MiB sealed: over max_envelope_bytes
    status, body = h.upload(dev, [(big.header["record_id"], big.data)])
    assert status == 200 and body["results"][0]["error"]["code"] == "envelope_too_large"
    small = _sealed(h, dev)
    status, body = h.upload(dev, [(small.header["record_id"], small.data)] * 201)
    assert status == 413 and body["error"]["code"] == "batch_too_large"
    with h.db.transaction() as tx:
        assert tx.scalar("SELECT COUNT(*) FROM records") == 0


def test_unknown_revoked_and_certificate_less_clients_are_refused(central_server, tmp_path) -> None:
    from central.dev.pki import DevCA

    h = central_server
    dev = h.enroll("kiosk-0001")
    env = _sealed(h, dev)
    payload = json.dumps({"records": [{"record_id": env.header["record_id"],
                                       "envelope": base64.b64encode(env.data).decode()}]}).encode()
    hdrs = {"Content-Type": "application/json"}
    status, body = h.request("POST", "/v1/records", payload, headers=hdrs)  # no client certificate
    assert status == 401 and json.loads(body)["error"]["code"] == "client_certificate_required"
    # a certificate from the right CA that was never registered (e.g. issued, then the enrollment rolled back)
    stray = h.ca.issue_device("kiosk-stray", tmp_path / "stray")
    status, body = h.request("POST", "/v1/records", payload, device=stray, headers=hdrs)
    assert status == 403 and json.loads(body)["error"]["code"] == "unknown_device"
    # a certificate from another CA does not even complete the TLS handshake
    foreign = DevCA.create().issue_device("kiosk-0001", tmp_path / "foreign")
    with pytest.raises((ssl.SSLError, ConnectionResetError, BrokenPipeError)):
        h.request("POST", "/v1/records", payload, device=foreign, headers=hdrs)
    with h.db.transaction() as tx:
        assert devices.revoke(tx, "kiosk-0001", "robado")
    status, body = h.request("POST", "/v1/records", payload, device=dev, headers=hdrs)
    assert status == 403 and json.loads(body)["error"]["code"] == "device_revoked"
    with h.db.transaction() as tx:
        assert tx.scalar("SELECT COUNT(*) FROM records") == 0
        codes = sorted(e["detail"]["code"] for e in audit.events(tx, action="ingest.refused"))
    assert codes == ["client_certificate_required", "device_revoked", "unknown_device"]


def test_malformed_bodies_get_clear_errors(central_server) -> None:
    h = central_server
    dev = h.enroll("kiosk-0001")
    hdrs = {"Content-Type": "application/json"}
    for body, code in [(b"{not json", "batch_malformed"), (b'{"records": []}', "batch_malformed"),
                       (b'{"records": [], "x": 1}', "batch_malformed"), (b"[]", "batch_malformed")]:
        status, data = h.request("POST", "/v1/records", body, device=dev, headers=hdrs)
        assert (status, json.loads(data)["error"]["code"]) == (400, code), body
    status, data = h.request("POST", "/v1/records", b'{"records": [{"record_id": "x", "envelope": "@@"}]}',
                             device=dev, headers=hdrs)
    assert status == 200 and json.loads(data)["results"][0]["error"]["code"] == "item_malformed"
