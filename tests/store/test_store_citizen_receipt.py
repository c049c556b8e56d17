"""The citizen's receipt QR: signed by the device key, verifiable by anyone holding the device public key,
and any change to it (folio, device, time, signature) is refused."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.errors import IntegrityError, InvalidField
from kiosk.store.citizen_receipt import make_receipt_qr, verify_receipt_qr
from kiosk.store.folio import new_folio


def _qr(key: Ed25519PrivateKey, folio: str) -> str:
    return make_receipt_qr(key, folio=folio, device_id="kiosk-cdmx-0042", process_id="dev-ci-dip-05",
                           aspirant_id="asp-muestra-1", sealed_wall_s=1_800_032_700.0)


def test_a_receipt_verifies_and_says_what_it_holds() -> None:
    key = Ed25519PrivateKey.generate()
    folio = new_folio()
    qr = _qr(key, folio)
    got = verify_receipt_qr(qr, key.public_key())
    assert (got.folio, got.device_id, got.process_id, got.aspirant_id, got.sealed_at) == (
        folio, "kiosk-cdmx-0042", "dev-ci-dip-05", "asp-muestra-1", "20270115T1705Z")
    assert len(qr) < 220  # fits a QR a phone reads off the screen


def test_a_changed_or_foreign_receipt_is_refused() -> None:
    key = Ed25519PrivateKey.generate()
    qr = _qr(key, new_folio())
    other_folio = new_folio()
    forged = [qr.replace(qr.split("|")[1], other_folio), qr.replace("kiosk-cdmx-0042", "kiosk-cdmx-0043"),
              qr.replace("20270115T1705Z", "20270115T1706Z"), qr[:-2] + ("AA" if qr[-2:] != "AA" else "BB"),
              qr.replace("AR1", "AR2"), "", "AR1|x"]
    for bad in forged:
        with pytest.raises(IntegrityError):
            verify_receipt_qr(bad, key.public_key())
    with pytest.raises(IntegrityError):  # another device's key
        verify_receipt_qr(qr, Ed25519PrivateKey.generate().public_key())


def test_fields_that_would_break_the_format_are_refused() -> None:
    with pytest.raises(InvalidField):
        make_receipt_qr(Ed25519PrivateKey.generate(), folio="A|B", device_id="d", process_id="p", aspirant_id="a",
                        sealed_wall_s=0.0)
