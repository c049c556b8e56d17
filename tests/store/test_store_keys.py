"""Keys: provisioning with safe modes, clear KeyMissing errors, the development central, pinning and rotation."""

from __future__ import annotations

import json
import os
import stat

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from store_support import DEVICE_ID, make_record

from apoyo_protocol.envelope import open_envelope, verify_envelope
from apoyo_protocol.keys import SealingPrivateKey
from apoyo_protocol.receipt import sign_receipt
from kiosk.clock import FakeClock
from kiosk.errors import KeyMissing
from kiosk.store.db import RecordStore
from kiosk.store.keys import (
    DEV_WARNING,
    KeyPaths,
    ensure_dev_keys,
    load_keys,
    pin_central_key,
    provision_device_keys,
)

RAW = serialization.Encoding.Raw, serialization.PublicFormat.Raw


def _mode(p) -> int:
    return stat.S_IMODE(p.stat().st_mode)


def test_provisioning_modes_and_idempotence(tmp_path):
    paths = provision_device_keys(tmp_path, DEVICE_ID)
    assert _mode(paths.keys_dir) == 0o700
    assert _mode(paths.device_key) == 0o600 and _mode(paths.device_hmac) == 0o600
    before = paths.device_key.read_bytes(), paths.device_hmac.read_bytes()
    provision_device_keys(tmp_path, DEVICE_ID)
    assert (paths.device_key.read_bytes(), paths.device_hmac.read_bytes()) == before  # never overwritten
    with pytest.raises(KeyMissing, match="already holds keys of device"):
        provision_device_keys(tmp_path, "another-device")
    info = json.loads(paths.device_info.read_text())
    assert info["device_id"] == DEVICE_ID and "private" not in json.dumps(info).lower()


def test_missing_keys_are_a_clear_error(tmp_path):
    with pytest.raises(KeyMissing, match="not found"):
        load_keys(tmp_path)
    provision_device_keys(tmp_path, DEVICE_ID)
    with pytest.raises(KeyMissing, match="no central public keys pinned"):
        load_keys(tmp_path)
    paths = KeyPaths.for_data_dir(tmp_path)
    paths.device_hmac.unlink()
    with pytest.raises(KeyMissing, match="device HMAC secret not found"):
        load_keys(tmp_path)


def test_wrong_permissions_are_refused(tmp_path):
    ensure_dev_keys(tmp_path, dev_mode=True, device_id=DEVICE_ID)
    paths = KeyPaths.for_data_dir(tmp_path)
    load_keys(tmp_path, allow_development=True)
    os.chmod(paths.device_key, 0o644)
    with pytest.raises(KeyMissing, match="must be 0600"):
        load_keys(tmp_path, allow_development=True)
    os.chmod(paths.device_key, 0o600)
    os.chmod(paths.keys_dir, 0o755)
    with pytest.raises(KeyMissing, match="must be 0700"):
        load_keys(tmp_path, allow_development=True)
    os.chmod(paths.keys_dir, 0o700)
    os.chmod(paths.central_pins, 0o666)
    with pytest.raises(KeyMissing, match="writable by others"):
        load_keys(tmp_path, allow_development=True)
    os.chmod(paths.central_pins, 0o644)
    paths.device_key.write_bytes(b"-----BEGIN PRIVATE KEY-----\ngarbage\n-----END PRIVATE KEY-----\n")
    with pytest.raises(KeyMissing, match="corrupt"):
        load_keys(tmp_path, allow_development=True)


@pytest.mark.skipif(os.geteuid() != 0, reason="changing a file's owner needs root")
def test_key_owned_by_another_user_is_refused(tmp_path):
    ensure_dev_keys(tmp_path, dev_mode=True, device_id=DEVICE_ID)
    paths = KeyPaths.for_data_dir(tmp_path)
    os.chown(paths.device_hmac, 65534, 65534)
    with pytest.raises(KeyMissing, match="owned by uid 65534"):
        load_keys(tmp_path, allow_development=True)


def test_development_central_is_marked_and_gated(tmp_path):
    with pytest.raises(KeyMissing, match="outside development mode"):
        ensure_dev_keys(tmp_path)
    assert not (tmp_path / "dev-central").exists()
    paths = ensure_dev_keys(tmp_path, dev_mode=True, device_id=DEVICE_ID)
    assert DEV_WARNING in (paths.dev_central_dir / "README.txt").read_text()
    assert DEV_WARNING in (paths.dev_central_dir / "DEVELOPMENT_ONLY").read_text()
    assert _mode(paths.dev_central_dir / "central_sealing_hpke.key") == 0o600
    with pytest.raises(KeyMissing, match="DEVELOPMENT central keys"):
        load_keys(tmp_path)  # a kiosk outside dev mode refuses to seal to it
    ring = load_keys(tmp_path, allow_development=True)
    assert ring.is_development and ring.device_id == DEVICE_ID
    with pytest.raises(KeyMissing, match="belong to device"):
        load_keys(tmp_path, allow_development=True, expected_device_id="other")
    assert ensure_dev_keys(tmp_path, dev_mode=True, device_id=DEVICE_ID) == paths  # idempotent


def test_dev_keys_never_replace_an_enrolled_central_key(tmp_path):
    provision_device_keys(tmp_path, DEVICE_ID)
    real = SealingPrivateKey.generate()
    pin_central_key(tmp_path, "sealing", real.public.raw)
    with pytest.raises(KeyMissing, match="real central sealing key"):
        ensure_dev_keys(tmp_path, dev_mode=True, device_id=DEVICE_ID)


def test_rotation_old_records_and_receipts_still_verify(tmp_path, rng):
    provision_device_keys(tmp_path, DEVICE_ID)
    # Rotation from a classical X25519 key to the post-quantum hybrid: old records still open with the old key.
    seal_1, seal_2 = SealingPrivateKey.generate("X25519"), SealingPrivateKey.generate("MLKEM768-X25519")
    rcpt_1, rcpt_2 = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    sid_1 = pin_central_key(tmp_path, "sealing", seal_1.public.raw)
    rid_1 = pin_central_key(tmp_path, "receipt", rcpt_1.public_key().public_bytes(*RAW))
    clock = FakeClock()
    from kiosk.config import StoreConfig

    cfg = StoreConfig(min_free_mb=1, warn_free_mb=1)
    keys = load_keys(tmp_path)
    assert keys.current_sealing_id == sid_1 and not keys.is_development
    with RecordStore(tmp_path, cfg, clock, keys) as store:
        old = store.seal_and_commit(make_record(clock, rng))
    sid_2 = pin_central_key(tmp_path, "sealing", seal_2.public.raw)
    rid_2 = pin_central_key(tmp_path, "receipt", rcpt_2.public_key().public_bytes(*RAW))
    keys = load_keys(tmp_path)
    assert keys.current_sealing_id == sid_2 and set(keys.sealing_keys) == {sid_1, sid_2}
    with RecordStore(tmp_path, cfg, clock, keys) as store:
        new = store.seal_and_commit(make_record(clock, rng, cic="555666777"))
        env_old, env_new = store.envelope(old.record_id), store.envelope(new.record_id)
        assert verify_envelope(env_new, keys.device_public_key)["central_key_id"] == sid_2
        open_envelope(env_old, seal_1, keys.device_public_key)
        open_envelope(env_new, seal_2, keys.device_public_key)
        import hashlib

        for rec, sk, kid, env in ((old, rcpt_1, rid_1, env_old), (new, rcpt_2, rid_2, env_new)):
            receipt = sign_receipt(sk, kid, device_id=DEVICE_ID, record_id=rec.record_id,
                                   envelope_sha256=hashlib.sha256(env).hexdigest(), received_at_s=clock.wall())
            store.mark_synced(rec.record_id, receipt)
        assert store.verify().is_ok
    pins = json.loads(KeyPaths.for_data_dir(tmp_path).central_pins.read_text())
    assert [e["is_current"] for e in pins["sealing"]].count(True) == 1


def _pin_real_central(data_dir):
    seal_sk, rcpt_sk = SealingPrivateKey.generate(), Ed25519PrivateKey.generate()
    pin_central_key(data_dir, "sealing", seal_sk.public.raw)
    pin_central_key(data_dir, "receipt", rcpt_sk.public_key().public_bytes(*RAW))
    return seal_sk, rcpt_sk


def test_a_data_directory_that_ran_in_development_never_starts_in_production(tmp_path, rng):
    # The probe: run in development, then pin a real sealing and receipt key and start in production. The dev
    # receipt key (private half on the device) must not stay trusted, or a receipt signed with it lets purge
    # delete a record that never reached central.
    ensure_dev_keys(tmp_path, dev_mode=True, device_id=DEVICE_ID)
    _pin_real_central(tmp_path)
    with pytest.raises(KeyMissing, match="DEVELOPMENT central keys.*fresh data directory"):
        load_keys(tmp_path)
    ring = load_keys(tmp_path, allow_development=True)  # development may still use it, knowingly
    assert ring.is_development


def test_unmarking_a_development_key_in_the_pins_file_does_not_make_it_trusted(tmp_path):
    ensure_dev_keys(tmp_path, dev_mode=True, device_id=DEVICE_ID)
    pins_path = KeyPaths.for_data_dir(tmp_path).central_pins
    pins = json.loads(pins_path.read_text())
    for kind in ("sealing", "receipt"):
        for e in pins[kind]:
            e["is_development"] = False  # a careless technician's (or an attacker's) edit
    pins_path.write_text(json.dumps(pins))
    with pytest.raises(KeyMissing, match="private halves lie on this device"):
        load_keys(tmp_path)


def test_a_dev_central_directory_alone_refuses_production(tmp_path):
    ensure_dev_keys(tmp_path, dev_mode=True, device_id=DEVICE_ID)
    KeyPaths.for_data_dir(tmp_path).central_pins.unlink()
    _pin_real_central(tmp_path)
    for f in (tmp_path / "dev-central").glob("*.key"):
        f.write_bytes(b"garbage")  # even unreadable private keys on the device say: development
    with pytest.raises(KeyMissing, match="DEVELOPMENT"):
        load_keys(tmp_path)


def test_production_ring_holds_no_development_receipt_key(tmp_path):
    provision_device_keys(tmp_path, DEVICE_ID)
    _pin_real_central(tmp_path)
    ring = load_keys(tmp_path)
    assert not ring.is_development and len(ring.receipt_keys) == 1


def test_a_lost_device_key_is_never_silently_regenerated(tmp_path, rng):
    ensure_dev_keys(tmp_path, dev_mode=True, device_id=DEVICE_ID)
    from kiosk.config import StoreConfig

    clock = FakeClock()
    with RecordStore(tmp_path, StoreConfig(min_free_mb=1, warn_free_mb=1), clock,
                     load_keys(tmp_path, allow_development=True)) as store:
        store.seal_and_commit(make_record(clock, rng))
    paths = KeyPaths.for_data_dir(tmp_path)
    paths.device_key.unlink()
    with pytest.raises(KeyMissing, match="refusing to make a new key"):
        ensure_dev_keys(tmp_path, dev_mode=True, device_id=DEVICE_ID)
    assert not paths.device_key.exists()
    paths.device_info.unlink()  # even with the identity file gone, the records here say: provisioned
    with pytest.raises(KeyMissing, match="refusing to make a new key"):
        provision_device_keys(tmp_path, DEVICE_ID)
