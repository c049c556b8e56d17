"""Envelope v2: RFC 9180 HPKE round trip for both KEMs, any altered byte rejected, the kiosk cannot open what it
sealed, and an independent HPKE open (the library's own Suite, as INE's RFC 9180 implementation would) works."""

from __future__ import annotations

import hashlib
import os
import struct

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.hpke import AEAD, KDF, KEM, Suite

from apoyo_protocol.canonical import canonical_json
from apoyo_protocol.envelope import (
    AEADS,
    INFO_LABEL,
    OPAQUE,
    SIG_CONTEXT,
    SIGNATURE_BYTES,
    aead_name,
    open_envelope,
    read_header,
    seal,
    suite_name,
    verify_envelope,
)
from apoyo_protocol.errors import IntegrityError, InvalidField
from apoyo_protocol.keys import KEMS, SealingPrivateKey, SealingPublicKey, key_id

DEVICE_ID = "kiosk-test-0001"


@pytest.fixture(scope="module")
def device_key():
    return Ed25519PrivateKey.generate()


@pytest.fixture(scope="module", params=KEMS)
def central(request):
    return SealingPrivateKey.generate(request.param)


def _seal(central_public, device_key, payload: bytes, aead: str = "aes256gcm", **kw):
    args = dict(device_id=DEVICE_ID, record_id="ab" * 16, folio="AAAA-BBBB-C", seq=7, sealed_wall_s=1_800_000_000.25,
                sealed_mono_s=12.5, is_clock_synced=False, aead=aead, central_public_key=central_public,
                device_key=device_key, device_key_id="dk" * 8)
    args.update(kw)
    return seal(payload, **args)


def _regions(data: bytes) -> dict[str, range]:
    hlen = struct.unpack_from(">I", data, 5)[0]
    h1 = 9 + hlen
    clen = struct.unpack_from(">I", data, h1)[0]
    c0, c1 = h1 + 4, h1 + 4 + clen
    return {"prefix": range(0, 9), "header": range(9, h1), "hpke_len": range(h1, c0), "hpke": range(c0, c1),
            "signature": range(c1, len(data))}


@pytest.mark.parametrize("aead", AEADS)
def test_round_trip_with_central_private_key(central, device_key, aead):
    payload = os.urandom(50_000)
    sealed = _seal(central.public, device_key, payload, aead)
    assert payload[:64] not in sealed.data
    assert open_envelope(sealed.data, central, device_key.public_key()) == payload
    header = verify_envelope(sealed.data, device_key.public_key())
    assert header == sealed.header and header["v"] == 2 and header["sig"] == "ed25519"
    assert aead_name(header) == aead and suite_name(header).startswith(central.kem + "/HKDF-SHA256/")
    assert header["central_key_id"] == central.key_id == key_id("sealing", central.public.raw)
    assert (header["record_id"], header["folio"], header["seq"]) == ("ab" * 16, "AAAA-BBBB-C", 7)
    assert header["is_clock_synced"] is False and header["payload_format"] == 1


def test_any_rfc9180_implementation_can_open_it(central, device_key):
    """The HPKE part is plain RFC 9180 single-shot: Open(skR, info = label || SHA-256(header), aad = "")."""
    payload = b"citizen record bytes" * 100
    sealed = _seal(central.public, device_key, payload, "chacha20poly1305")
    r = _regions(sealed.data)
    header_bytes = sealed.data[r["header"].start:r["header"].stop]
    assert header_bytes == canonical_json(sealed.header)
    kem = {"X25519": KEM.X25519, "MLKEM768-X25519": KEM.MLKEM768_X25519}[central.kem]
    enc_and_ct = sealed.data[r["hpke"].start:r["hpke"].stop]
    assert len(enc_and_ct) == kem.enc_length() + len(payload) + 16
    info = INFO_LABEL + hashlib.sha256(header_bytes).digest()
    assert len(info) <= 64  # every RFC 9180 implementation must take an info this long
    suite = Suite(kem, KDF.HKDF_SHA256, AEAD.CHACHA20_POLY1305)
    assert central.hpke_decrypt(suite, enc_and_ct, info) == payload
    with pytest.raises(Exception):  # noqa: B017 - the library's own error; another header gives another key
        central.hpke_decrypt(suite, enc_and_ct, INFO_LABEL + hashlib.sha256(header_bytes + b" ").digest())


def test_every_seal_is_fresh(central, device_key):
    payload = os.urandom(1000)
    a, b = _seal(central.public, device_key, payload), _seal(central.public, device_key, payload)
    ra, rb = _regions(a.data), _regions(b.data)
    assert a.data[ra["hpke"].start:ra["hpke"].stop] != b.data[rb["hpke"].start:rb["hpke"].stop]


def test_altering_any_byte_is_rejected(central, device_key):
    sealed = _seal(central.public, device_key, os.urandom(4000)).data
    regions = _regions(sealed)
    assert len(regions["signature"]) == SIGNATURE_BYTES
    positions: set[int] = set()
    for name, r in regions.items():
        positions |= set(r[:300]) | set(r[-300:]) | set(r[::5]) if name == "hpke" else set(r)
    for pos in sorted(positions):
        bad = bytearray(sealed)
        bad[pos] ^= 0x01 if pos % 2 else 0x80
        with pytest.raises(IntegrityError) as info:
            open_envelope(bytes(bad), central, device_key.public_key())
        assert str(info.value) == OPAQUE
    for cut in (sealed[:-1], sealed[:len(sealed) // 2], sealed + b"\x00", b"", sealed[:8]):
        with pytest.raises(IntegrityError):
            open_envelope(cut, central, device_key.public_key())


def test_resigned_but_altered_envelope_is_still_rejected(central, device_key):
    """Someone holding the device key can re-sign, but cannot change a header or sealed byte unnoticed."""
    sealed = _seal(central.public, device_key, os.urandom(3000)).data
    r = _regions(sealed)
    for pos in (r["hpke"].start + 5, r["hpke"].stop - 3):
        body = bytearray(sealed[:r["signature"].start])
        body[pos] ^= 0x10
        resigned = bytes(body) + device_key.sign(SIG_CONTEXT + hashlib.sha512(bytes(body)).digest())
        verify_envelope(resigned, device_key.public_key())  # the signature is fine ...
        with pytest.raises(IntegrityError):  # ... HPKE is not
            open_envelope(resigned, central, device_key.public_key())
    # A header rewritten canonically (another folio) and re-signed: the HPKE info no longer matches.
    header = dict(read_header(sealed))
    header["folio"] = "ZZZZ-ZZZZ-Z"
    hb = canonical_json(header)
    rest = sealed[r["hpke_len"].start:r["signature"].start]
    body = sealed[:5] + struct.pack(">I", len(hb)) + hb + rest
    forged = body + device_key.sign(SIG_CONTEXT + hashlib.sha512(body).digest())
    assert verify_envelope(forged, device_key.public_key())["folio"] == "ZZZZ-ZZZZ-Z"
    with pytest.raises(IntegrityError):
        open_envelope(forged, central, device_key.public_key())


def test_wrong_keys_and_forgeries_rejected(central, device_key):
    sealed = _seal(central.public, device_key, b"payload").data
    other_device = Ed25519PrivateKey.generate()
    with pytest.raises(IntegrityError):
        open_envelope(sealed, central, other_device.public_key())
    with pytest.raises(IntegrityError):
        verify_envelope(sealed, other_device.public_key())
    forged = _seal(central.public, other_device, b"not from this device")
    with pytest.raises(IntegrityError):
        open_envelope(forged.data, central, device_key.public_key())
    for other in (SealingPrivateKey.generate(central.kem), SealingPrivateKey.generate(
            next(k for k in KEMS if k != central.kem))):
        with pytest.raises(IntegrityError):
            open_envelope(sealed, other, device_key.public_key())


def test_read_header_refuses_garbage_and_unknown_suites(central, device_key):
    sealed = _seal(central.public, device_key, b"x")
    assert read_header(sealed.data) == sealed.header
    with pytest.raises(IntegrityError):
        read_header(b"APYE" + b"\x00" * 200)
    v1 = bytearray(sealed.data)
    v1[4] = 1  # format 1 (the hand-built wrap) is gone
    with pytest.raises(IntegrityError):
        read_header(bytes(v1))
    header = dict(sealed.header, hpke={"kem": 0x0010, "kdf": 1, "aead": 2})  # P-256: not ours
    hb = canonical_json(header)
    r = _regions(sealed.data)
    body = sealed.data[:5] + struct.pack(">I", len(hb)) + hb + sealed.data[r["hpke_len"].start:r["signature"].start]
    with pytest.raises(IntegrityError):
        read_header(body + device_key.sign(SIG_CONTEXT + hashlib.sha512(body).digest()))


def test_bad_arguments_are_clear_errors(central, device_key):
    with pytest.raises(InvalidField, match="aead"):
        _seal(central.public, device_key, b"x", aead="des")


def test_sealing_keys_round_trip_and_reject_bad_encodings():
    for kem in KEMS:
        sk = SealingPrivateKey.generate(kem)
        again = SealingPrivateKey.from_file_bytes(sk.to_file_bytes())
        assert again.public == sk.public and again.key_id == sk.key_id
        assert SealingPublicKey.from_raw(sk.public.raw) == sk.public
        assert sk.kem in repr(sk) and "private" not in repr(sk)
    assert len(SealingPrivateKey.generate("MLKEM768-X25519").public.raw) == 1216
    for bad in (b"", b"\x00" * 31, b"\x01" * 1215, b"\xff" * 1216):
        with pytest.raises(InvalidField):
            SealingPublicKey.from_raw(bad)
    with pytest.raises(InvalidField):
        SealingPrivateKey.from_file_bytes(b'{"format":"other"}')
