"""Envelopes: round trip with central's key, any altered byte rejected, the kiosk cannot open what it sealed."""

from __future__ import annotations

import struct

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from store_support import make_record

from kiosk.errors import IntegrityError
from kiosk.store.record import CaptureRecord
from kiosk.store.seal import (
    AEADS,
    SIGNATURE_BYTES,
    choose_aead,
    open_envelope,
    read_header,
    seal,
    verify_envelope,
)


def _seal(env, payload: bytes, aead: str = "chacha20poly1305", **kw):
    args = dict(device_id=env.keys.device_id, record_id="ab" * 16, folio="AAAA-BBBB-C", seq=7,
                sealed_wall_s=env.clock.wall(), sealed_mono_s=env.clock.monotonic(), is_clock_synced=False,
                aead=aead, central_public_key=env.keys.current_sealing_key,
                central_key_id=env.keys.current_sealing_id, device_key=env.keys.device_key,
                device_key_id=env.keys.device_key_id)
    args.update(kw)
    return seal(payload, **args)


def _regions(data: bytes) -> dict[str, range]:
    hlen = struct.unpack_from(">I", data, 5)[0]
    h0, h1 = 9, 9 + hlen
    wlen = struct.unpack_from(">H", data, h1)[0]
    w0, w1 = h1 + 2, h1 + 2 + wlen
    clen = struct.unpack_from(">I", data, w1)[0]
    c0, c1 = w1 + 4, w1 + 4 + clen
    return {"prefix": range(0, 9), "header": range(h0, h1), "wrapped_len": range(h1, w0),
            "wrapped": range(w0, w1), "ct_len": range(w1, c0), "ciphertext": range(c0, c1),
            "signature": range(c1, len(data))}


@pytest.mark.parametrize("aead", AEADS)
def test_round_trip_with_central_private_key(env, rng, aead):
    record = make_record(env.clock, rng)
    payload = record.to_payload()
    sealed = _seal(env, payload, aead)
    assert payload not in sealed.data and record.front_jpeg[100:200] not in sealed.data
    opened = open_envelope(sealed.data, env.central.sealing_private, env.keys.device_public_key)
    assert opened == payload
    assert CaptureRecord.from_payload(opened) == record
    header = verify_envelope(sealed.data, env.keys.device_public_key)
    assert header["aead"] == aead and header["kem"] == "x25519-hkdf-sha256" and header["sig"] == "ed25519"
    assert header["device_id"] == env.keys.device_id and header["central_key_id"] == env.keys.current_sealing_id
    assert header["record_id"] == "ab" * 16 and header["folio"] == "AAAA-BBBB-C" and header["seq"] == 7
    assert header["is_clock_synced"] is False and header["v"] == 1


def test_every_seal_uses_fresh_keys_and_nonces(env, rng):
    payload = make_record(env.clock, rng).to_payload()
    a, b = _seal(env, payload), _seal(env, payload)
    assert a.header["epk"] != b.header["epk"] and a.header["nonce"] != b.header["nonce"]
    ra, rb = _regions(a.data), _regions(b.data)
    assert a.data[ra["ciphertext"].start:ra["ciphertext"].stop] != b.data[rb["ciphertext"].start:rb["ciphertext"].stop]


def test_altering_any_byte_is_rejected(env, rng):
    sealed = _seal(env, make_record(env.clock, rng).to_payload()).data
    regions = _regions(sealed)
    assert len(regions["signature"]) == SIGNATURE_BYTES and len(regions["wrapped"]) == 48
    positions: set[int] = set()
    for name, r in regions.items():
        if name == "ciphertext":  # dense sample: both ends entirely, then every 7th byte
            positions |= set(r[:256]) | set(r[-256:]) | set(r[::7])
        else:
            positions |= set(r)  # every byte of the header, wrapped key, lengths and signature
    tried = 0
    for pos in sorted(positions):
        for flip in (0x01, 0x80):
            bad = bytearray(sealed)
            bad[pos] ^= flip
            with pytest.raises(IntegrityError) as info:
                open_envelope(bytes(bad), env.central.sealing_private, env.keys.device_public_key)
            assert str(info.value) == "sealed record failed verification"
            tried += 1
    assert tried > 2 * (len(regions["header"]) + 48 + 64)
    for cut in (sealed[:-1], sealed[:len(sealed) // 2], sealed + b"\x00", b"", sealed[:8]):
        with pytest.raises(IntegrityError):
            open_envelope(cut, env.central.sealing_private, env.keys.device_public_key)


def test_resigned_but_altered_envelope_is_still_rejected(env, rng):
    """Someone holding the device key can re-sign, but cannot change sealed content without central noticing."""
    sealed = _seal(env, make_record(env.clock, rng).to_payload()).data
    r = _regions(sealed)
    bad = bytearray(sealed[:r["signature"].start])
    bad[r["ciphertext"].start + 40] ^= 0x10
    import hashlib

    from kiosk.store.seal import SIG_CONTEXT

    resigned = bytes(bad) + env.keys.device_key.sign(SIG_CONTEXT + hashlib.sha512(bytes(bad)).digest())
    verify_envelope(resigned, env.keys.device_public_key)  # the signature is fine ...
    with pytest.raises(IntegrityError):  # ... the AEAD is not
        open_envelope(resigned, env.central.sealing_private, env.keys.device_public_key)


def test_the_device_cannot_open_what_it_sealed(env, rng):
    sealed = _seal(env, make_record(env.clock, rng).to_payload()).data
    seed = env.keys.device_key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                             serialization.NoEncryption())
    candidates = [X25519PrivateKey.from_private_bytes(seed), X25519PrivateKey.from_private_bytes(env.keys.hmac_secret),
                  X25519PrivateKey.generate()]
    # Every file the kiosk keeps in its key directory, read as key material in every way that could make sense.
    for path in (env.data_dir / "keys").iterdir():
        raw = path.read_bytes()
        try:
            loaded = serialization.load_pem_private_key(raw, None)
            if isinstance(loaded, X25519PrivateKey):
                candidates.append(loaded)
        except ValueError:
            pass
        if len(raw) == 32:
            candidates.append(X25519PrivateKey.from_private_bytes(raw))
    for key in candidates:
        with pytest.raises(IntegrityError):
            open_envelope(sealed, key, env.keys.device_public_key)
    assert not any(p.suffix == ".key" and "central" in p.name for p in (env.data_dir / "keys").iterdir())


def test_wrong_device_key_or_unsigned_envelope_rejected(env, rng):
    sealed = _seal(env, make_record(env.clock, rng).to_payload()).data
    other = Ed25519PrivateKey.generate()
    with pytest.raises(IntegrityError):
        open_envelope(sealed, env.central.sealing_private, other.public_key())
    with pytest.raises(IntegrityError):
        verify_envelope(sealed, other.public_key())
    forged = _seal(env, b"not from this device", device_key=other)
    with pytest.raises(IntegrityError):
        open_envelope(forged.data, env.central.sealing_private, env.keys.device_public_key)


def test_read_header_does_not_need_keys_but_refuses_garbage(env, rng):
    sealed = _seal(env, make_record(env.clock, rng).to_payload())
    assert read_header(sealed.data) == sealed.header
    with pytest.raises(IntegrityError):
        read_header(b"APYE" + b"\x00" * 200)


def test_choose_aead():
    assert choose_aead("aes256gcm").name == "aes256gcm"
    auto = choose_aead("auto")
    assert auto.name in AEADS and set(auto.mb_per_s) == set(AEADS)
    assert auto.name == max(auto.mb_per_s, key=auto.mb_per_s.get)
    with pytest.raises(ValueError):
        choose_aead("des")


def test_the_signature_is_plain_ed25519_over_context_and_sha512_as_documented(env):
    # What the module doc tells central to implement (and not RFC 8032 Ed25519ph, which the doc once claimed):
    import hashlib

    from cryptography.exceptions import InvalidSignature

    data = _seal(env, b"payload").data
    body, sig = data[:-SIGNATURE_BYTES], data[-SIGNATURE_BYTES:]
    message = b"apoyo-kiosk/envelope/v1\x00" + hashlib.sha512(body).digest()
    env.keys.device_public_key.verify(sig, message)  # raises if the scheme differs
    with pytest.raises(InvalidSignature):
        env.keys.device_public_key.verify(sig, body)
