"""Enrolled devices as ingest sees them: who a client certificate belongs to, and whether it is still trusted.

Enrollment (``central.enrollment``) issues the certificate and calls :func:`register`; ``python -m central
revoke`` calls :func:`revoke`. TLS already checked that the certificate chains to central's CA; ingest then asks
:func:`for_certificate`, so a revoked device is refused at once, without waiting for a CRL to propagate.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from central.db import Transaction
from central.errors import RejectedUpload


@dataclass(frozen=True)
class Device:
    device_id: str
    office_id: str
    signing_public_key: bytes  # raw Ed25519, the key that signs the device's envelopes
    status: str

    @property
    def is_active(self) -> bool:
        return self.status == "active"


def certificate_fingerprint(cert_der: bytes) -> str:
    return hashlib.sha256(cert_der).hexdigest()


def register(tx: Transaction, *, device_id: str, office_id: str, cert_pem: str, signing_public_key: bytes,
             now_s: float | None = None) -> Device:
    """Record a newly issued certificate; re-enrollment (after a tamper zeroize) replaces the old one."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    cert = x509.load_pem_x509_certificate(cert_pem.encode("ascii"))

    fingerprint = certificate_fingerprint(cert.public_bytes(Encoding.DER))
    now = time.time() if now_s is None else now_s
    tx.execute(
        "INSERT INTO devices (device_id, office_id, signing_public_key, cert_sha256, cert_pem, status,"
        " enrolled_at_s) VALUES (?, ?, ?, ?, ?, 'active', ?) ON CONFLICT (device_id) DO UPDATE SET"
        " office_id = excluded.office_id, signing_public_key = excluded.signing_public_key,"
        " cert_sha256 = excluded.cert_sha256, cert_pem = excluded.cert_pem, status = 'active',"
        " enrolled_at_s = excluded.enrolled_at_s, revoked_at_s = NULL, revoked_reason = NULL",
        (device_id, office_id, signing_public_key, fingerprint, cert_pem, now))
    return Device(device_id, office_id, bytes(signing_public_key), "active")


def revoke(tx: Transaction, device_id: str, reason: str, *, now_s: float | None = None) -> bool:
    """Mark a device revoked; returns False if no such device was enrolled."""
    cur = tx.execute("UPDATE devices SET status = 'revoked', revoked_at_s = ?, revoked_reason = ? "
                     "WHERE device_id = ?", (time.time() if now_s is None else now_s, reason, device_id))
    return cur.rowcount > 0


def get(tx: Transaction, device_id: str) -> Device | None:
    row = tx.one("SELECT device_id, office_id, signing_public_key, status FROM devices WHERE device_id = ?",
                 (device_id,))
    return None if row is None else Device(row[0], row[1], bytes(row[2]), row[3])


def for_certificate(tx: Transaction, cert_der: bytes | None) -> Device:
    """The active device a TLS client certificate belongs to; raises RejectedUpload (401/403) otherwise."""
    if not cert_der:
        raise RejectedUpload("client_certificate_required",
                             "this endpoint needs the device's client certificate (mutual TLS)", http_status=401)
    row = tx.one("SELECT device_id, office_id, signing_public_key, status FROM devices WHERE cert_sha256 = ?",
                 (certificate_fingerprint(cert_der),))
    if row is None:
        raise RejectedUpload("unknown_device", "this certificate was not issued to an enrolled device "
                             "(re-enroll the device)", http_status=403)
    device = Device(row[0], row[1], bytes(row[2]), row[3])
    if not device.is_active:
        raise RejectedUpload("device_revoked", "this device's certificate has been revoked", http_status=403)
    return device
