"""The signed process catalog: seven kinds with their legal rules and wording; a bad signature or an older
version refused (and audited by the kiosk), the installed catalog untouched."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from apoyo_protocol.catalog import (
    CATALOG_FILE,
    KIND_ACTS,
    LEGAL_BASIS,
    LEGAL_THRESHOLDS,
    PROCESS_KINDS,
    WORDING,
    candidatura_threshold,
    sign_catalog,
    verify_catalog,
)
from apoyo_protocol.errors import IntegrityError, InvalidField, StaleCatalog
from apoyo_protocol.keys import ed25519_raw, key_id
from kiosk.catalog import DEV_CATALOG_PATH, install_catalog, load_active_catalog
from kiosk.errors import KeyMissing
from kiosk.store.keys import pin_central_key, pinned_catalog_keys


def _entries():
    return json.loads(DEV_CATALOG_PATH.read_text(encoding="utf-8"))["processes"]


@pytest.fixture(scope="module")
def signer():
    sk = Ed25519PrivateKey.generate()
    return sk, key_id("catalog", ed25519_raw(sk.public_key()))


def _sign(signer, version, entries=None):
    sk, kid = signer
    return sign_catalog(sk, kid, version=version, issued_at_s=1.0, processes=entries or _entries())


def test_every_kind_has_its_law_rule_and_wording():
    assert len(PROCESS_KINDS) == 7
    for kind in PROCESS_KINDS:
        assert LEGAL_BASIS[kind] and KIND_ACTS[kind]
        assert kind in LEGAL_THRESHOLDS or kind == "candidatura_independiente"
    assert KIND_ACTS["afiliacion_partido"] == ("afiliacion", "refrendo")
    for act, langs in WORDING.items():
        assert set(langs) == {"es", "en"} and all("{aspirant}" in w["confirm"] for w in langs.values()), act
    assert WORDING["refrendo"]["es"]["noun"] != WORDING["afiliacion"]["es"]["noun"] != WORDING["apoyo"]["es"]["noun"]
    assert candidatura_threshold("presidencia")["distribution"]["min_units"] == 17
    assert LEGAL_THRESHOLDS["revocacion_mandato"]["percent"] == 3.0


def test_signed_catalog_round_trip_and_refusals(signer):
    sk, kid = signer
    keys = {kid: sk.public_key()}
    blob = _sign(signer, 5)
    cat = verify_catalog(blob, keys, installed_version=5)
    assert cat.version == 5 and [p.kind for p in cat.processes] == list(PROCESS_KINDS)
    assert cat.get("dev-refrendo-01").wording("es")["noun"] == "refrendo"
    with pytest.raises(StaleCatalog, match="older"):
        verify_catalog(blob, keys, installed_version=6)
    with pytest.raises(IntegrityError):
        verify_catalog(blob, {kid: Ed25519PrivateKey.generate().public_key()})
    bad = bytearray(blob)
    bad[len(bad) // 2] ^= 1
    with pytest.raises(IntegrityError):
        verify_catalog(bytes(bad), keys)
    broken = _entries()
    broken[0]["kind"] = "afiliacion"  # the old lumped kind
    with pytest.raises(InvalidField, match="kind"):
        _sign(signer, 6, broken)


def test_the_kiosk_installs_only_newer_signed_catalogs_and_audits_refusals(tmp_path, signer):
    sk, kid = signer
    pin_central_key(tmp_path, "catalog", ed25519_raw(sk.public_key()))
    keys = pinned_catalog_keys(tmp_path)
    assert set(keys) == {kid}
    audited = []
    install_catalog(tmp_path, _sign(signer, 3), keys, audit=lambda r, d: audited.append((r, d)))
    assert load_active_catalog(tmp_path, allow_development=False).version == 3
    with pytest.raises(StaleCatalog):
        install_catalog(tmp_path, _sign(signer, 2), keys, audit=lambda r, d: audited.append((r, d)))
    forged = sign_catalog(Ed25519PrivateKey.generate(), kid, version=9, issued_at_s=1.0, processes=_entries())
    with pytest.raises(IntegrityError):
        install_catalog(tmp_path, forged, keys, audit=lambda r, d: audited.append((r, d)))
    assert [r for r, _ in audited] == ["catalog.older_version", "catalog.bad_signature"]
    assert audited[0][1] == {"reason": "catalog.older_version", "installed_version": 3, "offered_version": 2}
    assert load_active_catalog(tmp_path, allow_development=False).version == 3  # untouched
    install_catalog(tmp_path, _sign(signer, 4), keys)
    assert load_active_catalog(tmp_path, allow_development=False).version == 4
    # a damaged installed catalog is refused at start, not silently replaced by the development one
    (tmp_path / CATALOG_FILE).write_bytes((tmp_path / CATALOG_FILE).read_bytes()[:-1] + b"\x00")
    with pytest.raises(IntegrityError):
        load_active_catalog(tmp_path, allow_development=True)


def test_a_signed_catalog_without_a_pinned_key_is_refused(tmp_path, signer):
    (tmp_path / CATALOG_FILE).write_bytes(_sign(signer, 1))
    with pytest.raises(KeyMissing, match="no central catalog key"):
        load_active_catalog(tmp_path, allow_development=False)
