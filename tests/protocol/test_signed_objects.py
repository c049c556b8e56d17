"""Canonical JSON, receipts and manifests: one byte form, signatures bound to their kind, every alteration refused."""

from __future__ import annotations

import hashlib
import os

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from apoyo_protocol import manifest, receipt
from apoyo_protocol.canonical import canonical_json, parse_canonical
from apoyo_protocol.errors import IntegrityError, InvalidField
from apoyo_protocol.keys import ed25519_raw, key_id
from apoyo_protocol.manifest import ManifestEntry, sign_manifest, verify_manifest
from apoyo_protocol.receipt import PinnedReceiptVerifier, read_receipt, sign_receipt


def test_canonical_json_is_one_byte_string():
    assert canonical_json({"b": 1, "a": [True, None, "ñ"], "c": 0.5}) == '{"a":[true,null,"ñ"],"b":1,"c":0.5}'.encode()
    assert parse_canonical(b'{"a":1}') == {"a": 1}
    for bad in (b'{"a": 1}', b'{"b":1,"a":2}', b'{"a":1,"a":1}', b'{"a":"\\u00f1"}', b'{"a":NaN}', b"\xff",
                b'{"a":1.50}'):
        with pytest.raises(InvalidField):
            parse_canonical(bad)
    with pytest.raises(ValueError):
        canonical_json({"x": float("inf")})


@pytest.fixture(scope="module")
def central_receipt_key():
    sk = Ed25519PrivateKey.generate()
    return sk, key_id("receipt", ed25519_raw(sk.public_key()))


def test_receipt_round_trip_and_binding(central_receipt_key):
    sk, kid = central_receipt_key
    sha = hashlib.sha256(b"envelope").hexdigest()
    blob = sign_receipt(sk, kid, device_id="dev-1", record_id="ab" * 16, envelope_sha256=sha, received_at_s=1.5)
    assert blob[:4] == b"APYC" and read_receipt(blob)["record_id"] == "ab" * 16
    verifier = PinnedReceiptVerifier({kid: sk.public_key()})
    got = verifier.verify(blob, device_id="dev-1", record_id="ab" * 16, envelope_sha256=sha)
    assert (got.record_id, got.envelope_sha256, got.received_at_s, got.key_id) == ("ab" * 16, sha, 1.5, kid)
    for other in ({"device_id": "dev-2"}, {"record_id": "cd" * 16}, {"envelope_sha256": "0" * 64}):
        args = dict(device_id="dev-1", record_id="ab" * 16, envelope_sha256=sha) | other
        with pytest.raises(IntegrityError):
            verifier.verify(blob, **args)
    for pos in range(len(blob)):
        bad = bytearray(blob)
        bad[pos] ^= 0x04
        with pytest.raises(IntegrityError, match="receipt failed verification"):
            verifier.verify(bytes(bad), device_id="dev-1", record_id="ab" * 16, envelope_sha256=sha)
    stranger = Ed25519PrivateKey.generate()
    with pytest.raises(IntegrityError):  # signed by a key nobody pinned, even under the pinned key's id
        verifier.verify(sign_receipt(stranger, kid, device_id="dev-1", record_id="ab" * 16, envelope_sha256=sha,
                                     received_at_s=1.5), device_id="dev-1", record_id="ab" * 16, envelope_sha256=sha)


def _entries(n: int) -> list[ManifestEntry]:
    return [ManifestEntry.for_envelope(os.urandom(16).hex(), os.urandom(100 + i)) for i in range(n)]


def test_manifest_round_trip_and_tamper():
    dk = Ed25519PrivateKey.generate()
    kid = key_id("device", ed25519_raw(dk.public_key()))
    entries = _entries(3)
    blob = sign_manifest(dk, kid, device_id="dev-1", batch_id="12" * 16, created_at_s=10.0, records=entries)
    got = verify_manifest(blob, {kid: dk.public_key()})
    assert got.records == tuple(entries) and got.device_id == "dev-1" and got.entry(entries[1].record_id) == entries[1]
    for pos in range(0, len(blob), 3):
        bad = bytearray(blob)
        bad[pos] ^= 0x20
        with pytest.raises(IntegrityError, match="manifest failed verification"):
            verify_manifest(bytes(bad), {kid: dk.public_key()})
    with pytest.raises(IntegrityError):
        verify_manifest(blob, {})  # an unknown device
    # A receipt's signature never passes for a manifest (different magic and context).
    with pytest.raises(IntegrityError):
        receipt.PinnedReceiptVerifier({kid: dk.public_key()}).verify(blob, device_id="dev-1", record_id="x",
                                                                     envelope_sha256="0" * 64)


def test_manifest_refuses_bad_entries():
    dk = Ed25519PrivateKey.generate()
    e = _entries(1)[0]
    cases = [([e, e], "record_id"), ([ManifestEntry("XYZ", e.envelope_sha256, 5)], "record_id"),
             ([ManifestEntry(e.record_id, "00", 5)], "envelope_sha256"),
             ([ManifestEntry(e.record_id, e.envelope_sha256, 0)], "size_bytes"), ([], "records")]
    for records, field in cases:
        with pytest.raises(InvalidField, match=field):
            sign_manifest(dk, "k", device_id="d", batch_id="ab" * 16, created_at_s=1.0, records=records)
    with pytest.raises(InvalidField, match="batch_id"):
        sign_manifest(dk, "k", device_id="d", batch_id="nope", created_at_s=1.0, records=[e])
    assert manifest.MAX_RECORDS >= 1000
