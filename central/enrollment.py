"""Device enrollment: single-use expiring tokens, a CSR in, a certificate and central's public keys out.

Flow: an administrator runs ``python -m central token --office ID`` (or :func:`issue_token`) and hands the token
to the office, as text or QR code (:func:`token_qr_svg` / :func:`token_qr_png`). The device's admin page posts
``{"token", "device_id", "csr_pem"}`` (``apoyo_protocol.enrollment``) to ``POST /v1/enroll`` (the blueprint in
:mod:`central.web.enroll`), which calls :meth:`Enrollment.enroll`: the token is redeemed atomically (a second
use, an expired or unknown token is refused and audited), the CA issues a certificate for the CSR's Ed25519 key,
the device is registered (active), and the answer is an :class:`~apoyo_protocol.enrollment.EnrollmentBundle`.

Re-enrollment after a tamper zeroize is the same call with a new token: the device made a new key, and
registering it replaces the old certificate, so the zeroized key is no longer accepted. Revocation
(:meth:`Enrollment.revoke`) makes ingest refuse the device at once.
"""

from __future__ import annotations

import hashlib
import struct
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from apoyo_protocol.enrollment import EnrollmentBundle, check_id, new_token, normalize_token, qr_payload
from apoyo_protocol.errors import InvalidField
from apoyo_protocol.keys import SealingPublicKey
from central import audit
from central.ca import CentralCA, EnrollmentError
from central.db import Database, Transaction

DEFAULT_TOKEN_TTL_S = 72 * 3600
MAX_TOKEN_TTL_S = 30 * 24 * 3600

#: (tx, device_id=, office_id=, cert_pem=, signing_public_key=) -> Any: records the device as active
#: (``central.devices.register``); revoke: (tx, device_id, reason) -> bool.
Register = Callable[..., Any]
Revoke = Callable[..., bool]


def _token_hash(normalized: str) -> str:
    return hashlib.sha256(b"apoyo-enroll-token\x00" + normalized.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: str
    office_id: str
    expires_at_s: float

    def qr_text(self, central_url: str) -> str:
        return qr_payload(central_url=central_url, office_id=self.office_id, token=self.token,
                          expires_at_s=self.expires_at_s)


def issue_token(tx: Transaction, office_id: str, *, ttl_s: float = DEFAULT_TOKEN_TTL_S, actor: str = "admin",
                now_s: float | None = None) -> IssuedToken:
    """A new single-use token for ``office_id``, valid ``ttl_s`` seconds. Only its hash is stored."""
    check_id(office_id, "office")
    if not 60 <= ttl_s <= MAX_TOKEN_TTL_S:
        raise InvalidField("ttl", f"between 60 s and {MAX_TOKEN_TTL_S // 86400} days")
    now = time.time() if now_s is None else now_s
    token = new_token()
    tx.execute("INSERT INTO enrollment_tokens (token_sha256, office_id, created_at_s, expires_at_s) "
               "VALUES (?, ?, ?, ?)", (_token_hash(normalize_token(token)), office_id, now, now + ttl_s))
    audit.record_event(tx, actor=actor, action="enroll.token_issued", subject=f"office:{office_id}",
                       detail={"expires_at_s": round(now + ttl_s, 3)}, at_s=now)
    return IssuedToken(token, office_id, now + ttl_s)


@dataclass
class Enrollment:
    """Everything enrollment needs; the app factory builds one and the blueprint calls it."""

    db: Database
    ca: CentralCA
    sealing_key: SealingPublicKey
    receipt_key_raw: bytes
    catalog_key_raw: bytes
    register: Register
    revoke_device: Revoke
    current_catalog: Callable[[], bytes | None] = lambda: None

    def enroll(self, request: Any, *, now_s: float | None = None) -> EnrollmentBundle:
        """Redeem a token for a certificate. Raises EnrollmentError (code: bad_request, unknown_token,
        token_used, token_expired, bad_csr); every refusal is audited (in its own transaction, so it is kept
        although nothing else is)."""
        now = time.time() if now_s is None else now_s
        try:
            if not isinstance(request, dict) or request.get("v", 1) != 1:
                raise InvalidField("request", "expected a JSON object {v: 1, token, device_id, csr_pem}")
            token = normalize_token(request.get("token"))
            device_id = check_id(request.get("device_id"), "device_id")
            csr_pem = request.get("csr_pem")
            if not isinstance(csr_pem, str):
                raise InvalidField("csr_pem", "must be a PEM certificate request")
        except InvalidField as exc:
            self._refused("bad_request", None, now)
            raise EnrollmentError("bad_request", str(exc)) from exc
        digest = _token_hash(token)
        try:
            with self.db.transaction(exclusive=True) as tx:
                row = tx.one("SELECT office_id, expires_at_s, used_at_s FROM enrollment_tokens "
                             "WHERE token_sha256 = ?", (digest,))
                if row is None:
                    raise EnrollmentError("unknown_token", "this enrollment token is not known to central",
                                          http_status=403)
                office_id, expires_at_s, used_at_s = row
                if used_at_s is not None:
                    raise EnrollmentError("token_used", "this enrollment token was already used; ask for a new one",
                                          http_status=403)
                if now >= expires_at_s:
                    raise EnrollmentError("token_expired", "this enrollment token has expired; ask for a new one",
                                          http_status=403)
                issued = self.ca.issue_device(csr_pem, device_id=device_id, office_id=office_id)
                done = tx.execute("UPDATE enrollment_tokens SET used_at_s = ?, used_by_device = ? "
                                  "WHERE token_sha256 = ? AND used_at_s IS NULL", (now, device_id, digest))
                if done.rowcount != 1:  # pragma: no cover - the exclusive transaction already serialises this
                    raise EnrollmentError("token_used", "this enrollment token was already used", http_status=403)
                previous = tx.scalar("SELECT cert_sha256 FROM devices WHERE device_id = ?", (device_id,))
                self.register(tx, device_id=device_id, office_id=office_id, cert_pem=issued.cert_pem,
                              signing_public_key=issued.signing_public_key, now_s=now)
                audit.record_event(tx, actor=f"device:{device_id}", action="enroll.enrolled",
                                   subject=f"device:{device_id}",
                                   detail={"office": office_id, "serial": format(issued.serial, "x"),
                                           "re_enrollment": previous is not None}, at_s=now)
        except EnrollmentError as exc:
            self._refused(exc.code, device_id, now)
            raise
        return EnrollmentBundle(device_id, office_id, issued.cert_pem, self.ca.cert_pem, self.sealing_key,
                                self.receipt_key_raw, self.catalog_key_raw, self.current_catalog())

    def revoke(self, device_id: str, reason: str, *, actor: str = "admin", now_s: float | None = None) -> bool:
        """Revoke a device (ingest refuses it from now on); False if no such device. Audited."""
        now = time.time() if now_s is None else now_s
        with self.db.transaction() as tx:
            done = bool(self.revoke_device(tx, device_id, reason, now_s=now))
            if done:
                audit.record_event(tx, actor=actor, action="enroll.revoked", subject=f"device:{device_id}",
                                   detail={"reason": reason[:200]}, at_s=now)
        return done

    def _refused(self, code: str, device_id: str | None, now: float) -> None:
        with self.db.transaction() as tx:
            audit.record_event(tx, actor="enrollment", action="enroll.refused",
                               subject=f"device:{device_id}" if device_id else None, detail={"code": code},
                               at_s=now)


# --- the token as a QR code (zxing-cpp writes it; PNG encoded here with zlib) ---------------------------------

def _qr(text: str) -> Any:
    import zxingcpp

    return zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode)


def token_qr_svg(text: str) -> str:
    """An SVG QR code of ``text`` (use :meth:`IssuedToken.qr_text`)."""
    return _qr(text).to_svg()


def token_qr_png(text: str, *, scale: int = 8, border: int = 4) -> bytes:
    """A greyscale PNG QR code of ``text``, ``scale`` pixels per module and a ``border``-module quiet zone."""
    image = _qr(text).to_image(scale=1)
    mv = memoryview(image)
    rows, cols = mv.shape[0], mv.shape[1]
    modules = bytes(mv.tobytes())
    size = (cols + 2 * border) * scale
    white = b"\xff" * size
    lines = [white] * (border * scale)
    for r in range(rows):
        row = b"".join(bytes([modules[r * cols + c]]) * scale for c in range(cols))
        line = b"\xff" * (border * scale) + row + b"\xff" * (border * scale)
        lines += [line] * scale
    lines += [white] * (border * scale)
    raw = b"".join(b"\x00" + line for line in lines)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", size, len(lines), 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
