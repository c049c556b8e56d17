"""The citizen's receipt QR: the folio, when and where it was sealed, and the device's signature over them.

**This module is the one place these signed bytes are made** (and checked). It belongs with the shared formats
of the protocol package the central side is building (``apoyo_protocol/``); until that package is on main it
lives here, and moves there unchanged (the format is versioned, so central can read v1 whatever module makes it).

Format v1 (UTF-8 text, what the QR holds)::

    AR1|<folio>|<device_id>|<process_id>|<aspirant_id>|<sealed_at>|<signature>

* ``folio``: ``XXXX-XXXX-XXXX-C`` (:mod:`kiosk.store.folio`);
* ``device_id``, ``process_id``, ``aspirant_id``: as configured and in the catalog (never containing ``|``);
* ``sealed_at``: UTC, minute precision, ``YYYYMMDDTHHMMZ`` (the receipt screen shows the same instant in local
  time);
* ``signature``: Ed25519 by the device key, unpadded base64url (86 characters), over
  ``b"apoyo-kiosk/citizen-receipt/v1\\0"`` + every byte of the text before the last ``|`` (the ``|`` included).

Ed25519 signatures are 64 bytes and cannot be cut shorter and still verify; that is the "short device
signature": the whole QR is ~190 characters (QR version 9-10 at level M, readable off the screen by a phone).
Central's public folio check verifies it with the device public key it enrolled and answers whether it holds
that folio from that device. Nothing personal is in it: no name, no CIC, no CURP.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kiosk.errors import IntegrityError, InvalidField

PREFIX = "AR1"
SIG_CONTEXT = b"apoyo-kiosk/citizen-receipt/v1\x00"
_OPAQUE = "receipt QR failed verification"


@dataclass(frozen=True)
class CitizenReceipt:
    folio: str
    device_id: str
    process_id: str
    aspirant_id: str
    sealed_at: str  # YYYYMMDDTHHMMZ (UTC)

    def signed_prefix(self) -> str:
        return "|".join((PREFIX, self.folio, self.device_id, self.process_id, self.aspirant_id,
                         self.sealed_at)) + "|"


def sealed_at_text(wall_s: float) -> str:
    """``wall_s`` (Unix seconds) as the receipt's UTC minute, ``YYYYMMDDTHHMMZ``."""
    return datetime.fromtimestamp(wall_s, tz=UTC).strftime("%Y%m%dT%H%MZ")


def make_receipt_qr(device_key: Any, *, folio: str, device_id: str, process_id: str, aspirant_id: str,
                    sealed_wall_s: float) -> str:
    """The QR text for one sealed record, signed with ``device_key`` (an Ed25519PrivateKey).
    Raises :class:`InvalidField` when a field is empty or holds ``|``."""
    for name, value in (("folio", folio), ("device_id", device_id), ("process_id", process_id),
                        ("aspirant_id", aspirant_id)):
        if not value or "|" in value:
            raise InvalidField(name, "must be non-empty and must not contain '|'")
    receipt = CitizenReceipt(folio, device_id, process_id, aspirant_id, sealed_at_text(sealed_wall_s))
    prefix = receipt.signed_prefix()
    signature = device_key.sign(SIG_CONTEXT + prefix.encode("utf-8"))
    return prefix + base64.urlsafe_b64encode(signature).rstrip(b"=").decode("ascii")


def verify_receipt_qr(text: str, device_public_key: Any) -> CitizenReceipt:
    """Check a receipt QR against the device's public key (Ed25519PublicKey); returns what it says.
    Raises :class:`IntegrityError` (one opaque message) for anything that is not a genuine v1 receipt."""
    from cryptography.exceptions import InvalidSignature

    try:
        prefix, sep, sig_text = text.rpartition("|")
        parts = prefix.split("|")
        if not sep or len(parts) != 6 or parts[0] != PREFIX or len(sig_text) != 86:
            raise ValueError
        signature = base64.urlsafe_b64decode(sig_text + "==")
        device_public_key.verify(signature, SIG_CONTEXT + (prefix + "|").encode("utf-8"))
        datetime.strptime(parts[5], "%Y%m%dT%H%MZ")
        return CitizenReceipt(*parts[1:])
    except (ValueError, TypeError, InvalidSignature, UnicodeError) as exc:
        raise IntegrityError(_OPAQUE) from exc
