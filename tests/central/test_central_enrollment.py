"""Enrollment: a CA, single-use expiring tokens (text and QR), CSR in / certificate and central keys out,
re-enrollment after a zeroize, revocation; every refusal audited and nothing consumed half-way."""

from __future__ import annotations

import time

import cv2
import numpy as np
import pytest
import zxingcpp
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from flask import Flask

from apoyo_protocol.enrollment import parse_bundle, parse_qr_payload
from apoyo_protocol.keys import SealingPrivateKey, ed25519_raw
from central import audit
from central.ca import CentralCA, EnrollmentError
from central.enrollment import Enrollment, issue_token, token_qr_png, token_qr_svg
from central.errors import ConfigError
from central.web import enroll as enroll_web


def _register(tx, *, device_id, office_id, cert_pem, signing_public_key, now_s):
    """Stands in for central.devices.register (same signature): the device row ingest reads."""
    import hashlib

    der = x509.load_pem_x509_certificate(cert_pem.encode()).public_bytes(serialization.Encoding.DER)
    tx.execute("DELETE FROM devices WHERE device_id = ?", (device_id,))
    tx.execute("INSERT INTO devices (device_id, office_id, signing_public_key, cert_sha256, cert_pem, status, "
               "enrolled_at_s) VALUES (?, ?, ?, ?, ?, 'active', ?)",
               (device_id, office_id, signing_public_key, hashlib.sha256(der).hexdigest(), cert_pem, now_s))


def _revoke(tx, device_id, reason, *, now_s):
    return tx.execute("UPDATE devices SET status = 'revoked', revoked_at_s = ?, revoked_reason = ? "
                      "WHERE device_id = ?", (now_s, reason, device_id)).rowcount > 0


def _csr(key, cn="whatever-the-device-says"):
    return (x509.CertificateSigningRequestBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
            .sign(key, None if isinstance(key, Ed25519PrivateKey) else hashes.SHA256())
            .public_bytes(serialization.Encoding.PEM).decode())


@pytest.fixture
def enrollment(db, tmp_path):
    ca = CentralCA.create(tmp_path)
    receipt, catalog = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    return Enrollment(db, ca, SealingPrivateKey.generate().public, ed25519_raw(receipt.public_key()),
                      ed25519_raw(catalog.public_key()), _register, _revoke, lambda: b"signed catalog bytes")


def _token(enrollment, office="oficina-09", **kw):
    with enrollment.db.transaction() as tx:
        return issue_token(tx, office, **kw)


def test_enroll_issues_a_certificate_for_the_devices_own_key(enrollment):
    device = Ed25519PrivateKey.generate()
    token = _token(enrollment)
    bundle = enrollment.enroll({"token": token.token.lower(), "device_id": "kiosk-0001", "csr_pem": _csr(device)})
    again = parse_bundle(bundle.to_json())  # what the device checks before pinning anything
    assert again == bundle and again.catalog == b"signed catalog bytes" and again.office_id == "oficina-09"
    cert = enrollment.ca.verify_issued(bundle.certificate_pem)
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "kiosk-0001"  # central's name
    assert cert.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)[0].value == "oficina-09"
    assert ed25519_raw(cert.public_key()) == ed25519_raw(device.public_key())
    assert cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value == \
        x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH])
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    with enrollment.db.transaction() as tx:
        assert tx.one("SELECT office_id, status FROM devices WHERE device_id = 'kiosk-0001'") == ("oficina-09",
                                                                                                "active")
        # only the token's hash is stored
        assert token.token.replace("-", "") not in str(tx.all("SELECT * FROM enrollment_tokens"))
        assert [e["action"] for e in audit.events(tx)] == ["enroll.token_issued", "enroll.enrolled"]


def test_a_token_works_once_and_not_after_it_expires(enrollment):
    device = Ed25519PrivateKey.generate()
    token = _token(enrollment)
    enrollment.enroll({"token": token.token, "device_id": "kiosk-0001", "csr_pem": _csr(device)})
    with pytest.raises(EnrollmentError) as used:
        enrollment.enroll({"token": token.token, "device_id": "kiosk-0002", "csr_pem": _csr(device)})
    assert used.value.code == "token_used" and used.value.http_status == 403
    short = _token(enrollment, ttl_s=60, now_s=time.time() - 61)
    with pytest.raises(EnrollmentError) as expired:
        enrollment.enroll({"token": short.token, "device_id": "kiosk-0003", "csr_pem": _csr(device)})
    assert expired.value.code == "token_expired"
    with pytest.raises(EnrollmentError) as unknown:
        enrollment.enroll({"token": "0" * 32, "device_id": "kiosk-0004", "csr_pem": _csr(device)})
    assert unknown.value.code == "unknown_token"
    with enrollment.db.transaction() as tx:
        refused = [e["detail"]["code"] for e in audit.events(tx, action="enroll.refused")]
        assert refused == ["token_used", "token_expired", "unknown_token"]
        assert tx.scalar("SELECT COUNT(*) FROM devices") == 1


def test_a_bad_request_or_csr_consumes_nothing(enrollment):
    token = _token(enrollment)
    forged = _csr(Ed25519PrivateKey.generate()).replace("A", "B", 1)
    bad = [
        ({"token": token.token, "device_id": "kiosk 1", "csr_pem": "x"}, "bad_request"),
        ({"token": "short", "device_id": "kiosk-1", "csr_pem": "x"}, "bad_request"),
        ("not an object", "bad_request"),
        ({"token": token.token, "device_id": "kiosk-1", "csr_pem": "garbage"}, "bad_csr"),
        ({"token": token.token, "device_id": "kiosk-1", "csr_pem": forged}, "bad_csr"),
        ({"token": token.token, "device_id": "kiosk-1", "csr_pem": _csr(ec.generate_private_key(ec.SECP256R1()))},
         "bad_csr"),
    ]
    for body, code in bad:
        with pytest.raises(EnrollmentError) as info:
            enrollment.enroll(body)
        assert info.value.code == code, body
    # the token is still good: nothing was used up by the refusals
    enrollment.enroll({"token": token.token, "device_id": "kiosk-1", "csr_pem": _csr(Ed25519PrivateKey.generate())})


def test_re_enrollment_after_a_zeroize_replaces_the_key_and_revocation_sticks(enrollment):
    old, new = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    first = enrollment.enroll({"token": _token(enrollment).token, "device_id": "kiosk-7", "csr_pem": _csr(old)})
    second = enrollment.enroll({"token": _token(enrollment).token, "device_id": "kiosk-7", "csr_pem": _csr(new)})
    assert first.certificate_pem != second.certificate_pem
    with enrollment.db.transaction() as tx:
        assert bytes(tx.scalar("SELECT signing_public_key FROM devices WHERE device_id = 'kiosk-7'")) == \
            ed25519_raw(new.public_key())
        assert audit.events(tx, action="enroll.enrolled")[-1]["detail"]["re_enrollment"] is True
    assert enrollment.revoke("kiosk-7", "tamper switch opened") is True
    assert enrollment.revoke("nobody", "x") is False
    with enrollment.db.transaction() as tx:
        assert tx.scalar("SELECT status FROM devices WHERE device_id = 'kiosk-7'") == "revoked"
        assert audit.events(tx, action="enroll.revoked")[0]["subject"] == "device:kiosk-7"


def test_the_token_qr_code_reads_back(enrollment):
    token = _token(enrollment)
    text = token.qr_text("https://central.example.invalid:8444")
    png = token_qr_png(text)
    image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)
    # Only QR codes: a QR's module pattern reads now and then as a short 1D code too (an ITF '9041' in about
    # 1 of 750 random tokens), which is no fault of the QR.
    (found,) = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    doc = parse_qr_payload(found.text)
    assert doc["token"] == token.token and doc["office"] == "oficina-09"
    assert token_qr_svg(text).lstrip().startswith("<?xml")


def test_the_ca_is_kept_private_and_never_replaced(tmp_path):
    CentralCA.create(tmp_path)
    assert (tmp_path / "ca" / "ca.key").stat().st_mode & 0o077 == 0
    with pytest.raises(ConfigError, match="already exists"):
        CentralCA.create(tmp_path)
    assert CentralCA.load(tmp_path).cert_pem == CentralCA.load_or_create(tmp_path).cert_pem
    (tmp_path / "ca" / "ca.key").chmod(0o644)
    with pytest.raises(ConfigError, match="readable by others"):
        CentralCA.load(tmp_path)
    (tmp_path / "ca" / "ca.key").chmod(0o600)
    with pytest.raises(ConfigError, match="no CA"):
        CentralCA.load(tmp_path / "elsewhere")
    other = CentralCA.create(tmp_path / "other")
    device = Ed25519PrivateKey.generate()
    foreign = other.issue_device(_csr(device), device_id="k", office_id="o").cert_pem
    with pytest.raises(EnrollmentError, match="not issued by central"):
        CentralCA.load(tmp_path).verify_issued(foreign)


def test_the_blueprint_answers_json(enrollment):
    app = Flask(__name__)
    app.extensions["central"] = {"enrollment": enrollment}
    app.register_blueprint(enroll_web.bp)
    client = app.test_client()
    token = _token(enrollment)
    ok = client.post("/v1/enroll", json={"token": token.token, "device_id": "kiosk-9",
                                         "csr_pem": _csr(Ed25519PrivateKey.generate())})
    assert ok.status_code == 200 and parse_bundle(ok.get_json()).device_id == "kiosk-9"
    again = client.post("/v1/enroll", json={"token": token.token, "device_id": "kiosk-9", "csr_pem": "x"})
    assert again.status_code == 403 and again.get_json()["error"]["code"] == "token_used"
    junk = client.post("/v1/enroll", data=b"\xff", content_type="application/json")
    assert junk.status_code == 400 and junk.get_json()["error"]["code"] == "bad_request"
