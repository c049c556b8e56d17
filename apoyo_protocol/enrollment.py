"""What a device and central exchange at enrollment: the token (typed, pasted or scanned as a QR code) and the
bundle central answers with.

* Token text: 32 Crockford base32 characters (160 random bits) in groups of four, e.g.
  ``K7Q2-9MXD-...``; case and dashes do not matter when typed. Central stores only its SHA-256.
* QR payload: ``apoyo-enroll:`` + canonical JSON ``{"v": 1, "central": "https://…", "office": ID,
  "token": TEXT, "expires_at_s": …}`` so the admin page learns where to enroll as well as with what.
* Request (JSON over HTTPS): ``{"v": 1, "token": TEXT, "device_id": ID, "csr_pem": PEM}``.
* Bundle (JSON answer): ``{"v": 1, "device_id", "office_id", "certificate_pem", "ca_pem",
  "sealing_key": {"kem", "public_key" (base64), "key_id"}, "receipt_key": {"public_key", "key_id"},
  "catalog_key": {"public_key", "key_id"}, "catalog" (base64 of the signed catalog, or null)}``.
  :func:`parse_bundle` checks every key against its id so a corrupted bundle is refused before anything is pinned.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any

from apoyo_protocol.canonical import canonical_json, parse_canonical
from apoyo_protocol.errors import InvalidField, UnsupportedVersion
from apoyo_protocol.keys import SealingPublicKey, b64, ed25519_public, key_id, unb64

VERSION = 1
QR_PREFIX = "apoyo-enroll:"
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_ALIASES = str.maketrans({"I": "1", "L": "1", "O": "0", "U": "V"})
TOKEN_CHARS = 32
_TOKEN = re.compile(f"[{_ALPHABET}]{{{TOKEN_CHARS}}}")
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def new_token() -> str:
    """A fresh token, grouped for reading aloud: 160 random bits."""
    value = int.from_bytes(os.urandom(20), "big")
    chars = "".join(_ALPHABET[(value >> (5 * i)) & 31] for i in range(TOKEN_CHARS))
    return "-".join(chars[i:i + 4] for i in range(0, TOKEN_CHARS, 4))


def normalize_token(text: str) -> str:
    """The canonical 32 characters of a typed token. Raises InvalidField('token')."""
    if not isinstance(text, str):
        raise InvalidField("token", "must be text")
    cleaned = re.sub(r"[\s-]", "", text).upper().translate(_ALIASES)
    if not _TOKEN.fullmatch(cleaned):
        raise InvalidField("token", f"an enrollment token is {TOKEN_CHARS} letters and digits")
    return cleaned


def check_id(value: Any, what: str) -> str:
    """A device or office id: 1-64 of letters, digits, '.', '_', '-'. Raises InvalidField naming ``what``."""
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise InvalidField(what, "1-64 letters, digits, '.', '_' or '-', starting with a letter or digit")
    return value


def qr_payload(*, central_url: str, office_id: str, token: str, expires_at_s: float) -> str:
    return QR_PREFIX + canonical_json({"v": VERSION, "central": central_url, "office": office_id,
                                       "token": token, "expires_at_s": round(float(expires_at_s), 3)}).decode()


def parse_qr_payload(text: str) -> dict[str, Any]:
    """Decode :func:`qr_payload`. Raises InvalidField."""
    if not isinstance(text, str) or not text.startswith(QR_PREFIX):
        raise InvalidField("qr", "not an Apoyo enrollment code")
    doc = parse_canonical(text[len(QR_PREFIX):].encode(), "qr")
    if not isinstance(doc, dict) or doc.get("v") != VERSION or set(doc) != {"v", "central", "office", "token",
                                                                            "expires_at_s"}:
        raise InvalidField("qr", "not an Apoyo enrollment code of this version")
    normalize_token(doc["token"])
    return doc


@dataclass(frozen=True)
class EnrollmentBundle:
    device_id: str
    office_id: str
    certificate_pem: str
    ca_pem: str
    sealing_key: SealingPublicKey
    receipt_key_raw: bytes
    catalog_key_raw: bytes
    catalog: bytes | None

    def to_json(self) -> dict[str, Any]:
        return {"v": VERSION, "device_id": self.device_id, "office_id": self.office_id,
                "certificate_pem": self.certificate_pem, "ca_pem": self.ca_pem,
                "sealing_key": {"kem": self.sealing_key.kem, "public_key": b64(self.sealing_key.raw),
                                "key_id": self.sealing_key.key_id},
                "receipt_key": {"public_key": b64(self.receipt_key_raw),
                                "key_id": key_id("receipt", self.receipt_key_raw)},
                "catalog_key": {"public_key": b64(self.catalog_key_raw),
                                "key_id": key_id("catalog", self.catalog_key_raw)},
                "catalog": None if self.catalog is None else b64(self.catalog)}


def parse_bundle(doc: Any) -> EnrollmentBundle:
    """Validate central's answer. Raises InvalidField naming the field, UnsupportedVersion for another version."""
    if not isinstance(doc, dict):
        raise InvalidField("bundle", "must be a JSON object")
    if doc.get("v") != VERSION:
        raise UnsupportedVersion(f"enrollment bundle version {doc.get('v')!r} (this device speaks {VERSION})")
    for name in ("certificate_pem", "ca_pem"):
        if not isinstance(doc.get(name), str) or "-----BEGIN CERTIFICATE-----" not in doc[name]:
            raise InvalidField(name, "must be a PEM certificate")
    sealing = _key_entry(doc, "sealing_key")
    kem_key = SealingPublicKey.from_raw(unb64(sealing.get("public_key"), "sealing_key.public_key"))
    if kem_key.kem != sealing.get("kem") or kem_key.key_id != sealing.get("key_id"):
        raise InvalidField("sealing_key", "kem or key id does not match the key")
    raws = {}
    for name, kind in (("receipt_key", "receipt"), ("catalog_key", "catalog")):
        entry = _key_entry(doc, name)
        raw = unb64(entry.get("public_key"), f"{name}.public_key")
        ed25519_public(raw, f"{name}.public_key")
        if key_id(kind, raw) != entry.get("key_id"):
            raise InvalidField(name, "key id does not match the key")
        raws[name] = raw
    catalog = doc.get("catalog")
    return EnrollmentBundle(check_id(doc.get("device_id"), "device_id"), check_id(doc.get("office_id"), "office_id"),
                            doc["certificate_pem"], doc["ca_pem"], kem_key, raws["receipt_key"], raws["catalog_key"],
                            None if catalog is None else unb64(catalog, "catalog"))


def _key_entry(doc: dict[str, Any], name: str) -> dict[str, Any]:
    entry = doc.get(name)
    if not isinstance(entry, dict):
        raise InvalidField(name, "must be an object with public_key and key_id")
    return entry
