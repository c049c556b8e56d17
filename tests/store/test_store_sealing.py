"""The device seals with the pinned central key and cannot open what it sealed; it picks the faster AEAD."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from store_support import make_record

from apoyo_protocol.envelope import AEADS, aead_name, open_envelope, seal
from apoyo_protocol.errors import IntegrityError
from apoyo_protocol.keys import KEM_MLKEM768_X25519, KEM_X25519, SealingPrivateKey
from apoyo_protocol.record import CaptureRecord
from kiosk.store.seal import choose_aead


def _seal(env, payload: bytes):
    return seal(payload, device_id=env.keys.device_id, record_id="ab" * 16, folio="AAAA-BBBB-C", seq=7,
                sealed_wall_s=env.clock.wall(), sealed_mono_s=env.clock.monotonic(), is_clock_synced=False,
                aead="chacha20poly1305", central_public_key=env.keys.current_sealing_key,
                device_key=env.keys.device_key, device_key_id=env.keys.device_key_id)


def test_the_dev_central_is_post_quantum_and_opens_the_record(env, rng):
    record = make_record(env.clock, rng)
    sealed = _seal(env, record.to_payload())
    assert env.keys.current_sealing_key.kem == KEM_MLKEM768_X25519  # the default
    assert aead_name(sealed.header) == "chacha20poly1305"
    opened = open_envelope(sealed.data, env.central.sealing_private, env.keys.device_public_key)
    assert CaptureRecord.from_payload(opened) == record


def test_the_device_cannot_open_what_it_sealed(env, rng):
    sealed = _seal(env, make_record(env.clock, rng).to_payload()).data
    seed = env.keys.device_key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                             serialization.NoEncryption())
    raws = [seed, env.keys.hmac_secret]
    # Every file the kiosk keeps in its key directory, read as key material in every way that could make sense.
    for path in (env.data_dir / "keys").iterdir():
        raw = path.read_bytes()
        try:
            loaded = serialization.load_pem_private_key(raw, None)
            if isinstance(loaded, X25519PrivateKey):
                raws.append(loaded.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                                 serialization.NoEncryption()))
        except ValueError:
            pass
        raws.append(raw[:32])
    candidates = [SealingPrivateKey.generate()]
    for raw in raws:
        if len(raw) == 32:
            candidates.append(SealingPrivateKey(KEM_X25519, raw))
            candidates.append(SealingPrivateKey(KEM_MLKEM768_X25519, (raw * 3)[:96]))
    for key in candidates:
        with pytest.raises(IntegrityError):
            open_envelope(sealed, key, env.keys.device_public_key)
    assert not any("central" in p.name and p.suffix == ".key" for p in (env.data_dir / "keys").iterdir())


def test_choose_aead():
    assert choose_aead("aes256gcm").name == "aes256gcm"
    auto = choose_aead("auto")
    assert auto.name in AEADS and set(auto.mb_per_s) == set(AEADS)
    assert auto.name == max(auto.mb_per_s, key=auto.mb_per_s.get)
    with pytest.raises(ValueError):
        choose_aead("des")
