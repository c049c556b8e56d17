"""Enrollment tokens and bundles: typed tokens forgive case and dashes; a bundle whose key and id disagree is
refused before anything is pinned."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from apoyo_protocol.enrollment import (
    EnrollmentBundle,
    new_token,
    normalize_token,
    parse_bundle,
    parse_qr_payload,
)
from apoyo_protocol.errors import InvalidField, UnsupportedVersion
from apoyo_protocol.keys import SealingPrivateKey, b64, ed25519_raw

PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


def test_tokens_are_random_and_forgiving_when_typed():
    a, b = new_token(), new_token()
    assert a != b and len(a) == 39 and a.count("-") == 7
    assert normalize_token(a.lower().replace("-", " ")) == a.replace("-", "")
    for bad in ("", "0" * 31, "!" * 32, None):
        with pytest.raises(InvalidField):
            normalize_token(bad)
    with pytest.raises(InvalidField):
        parse_qr_payload("https://example.invalid")


def test_bundle_round_trip_and_tamper():
    bundle = EnrollmentBundle("kiosk-1", "of-1", PEM, PEM, SealingPrivateKey.generate().public,
                              ed25519_raw(Ed25519PrivateKey.generate().public_key()),
                              ed25519_raw(Ed25519PrivateKey.generate().public_key()), None)
    doc = bundle.to_json()
    assert parse_bundle(doc) == bundle
    swapped = dict(doc, receipt_key=dict(doc["receipt_key"], public_key=doc["catalog_key"]["public_key"]))
    with pytest.raises(InvalidField, match="receipt_key"):
        parse_bundle(swapped)
    other = SealingPrivateKey.generate("X25519").public
    with pytest.raises(InvalidField, match="sealing_key"):
        parse_bundle(dict(doc, sealing_key=dict(doc["sealing_key"], public_key=b64(other.raw))))
    with pytest.raises(InvalidField, match="certificate_pem"):
        parse_bundle(dict(doc, certificate_pem="nope"))
    with pytest.raises(UnsupportedVersion):
        parse_bundle(dict(doc, v=2))
