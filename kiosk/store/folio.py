"""Folios: the short receipt code a citizen sees, e.g. ``K7Q2-9MXD-4TRA-5``.

Crockford base32 (no I, L, O, U: nothing to confuse on a screen or read over the phone): 12 characters of
**random** bits (60 bits from the operating system's CSPRNG) and 1 check character (Luhn mod 32, which catches
every single-character typo and most adjacent swaps).

Why random and not the device id + a sequence number: a sequence restarts when a data directory is wiped or
re-provisioned, and device tags of a few characters collide between devices, so "device + counter" folios
repeat (the walkthrough got ``9G8Z-V5RP-5`` from two data directories). A random folio depends on neither.
The record's sequence number is still kept by the store (and signed in the envelope); it is simply not the folio.

Collision probability. For N folios ever issued, by every device and every wiped directory together, the chance
that any two are equal is about N² / 2⁶¹ (birthday bound over 2⁶⁰ values):

* N = 10 million (a national campaign):  ≈ 4 × 10⁻⁵
* N = 100 million:                       ≈ 4 × 10⁻³

Within one store a repeat is refused by the database's UNIQUE constraint (the record is then not saved and the
citizen sees the failsafe screen, at a chance of n / 2⁶⁰ per record for a store holding n records). Across
devices a repeat cannot mix two citizens' receipts up: the receipt's QR carries the device id with the folio,
signed by the device key (:mod:`kiosk.store.citizen_receipt`).
"""

from __future__ import annotations

import secrets

from kiosk.errors import InvalidField

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_INDEX = {c: i for i, c in enumerate(ALPHABET)}
_ALIASES = {"I": "1", "L": "1", "O": "0"}
BODY_CHARS = 12
RANDOM_BITS = 5 * BODY_CHARS  # 60


def check_char(body: str) -> str:
    """Luhn mod 32 check character of a string of Crockford base32 characters."""
    factor, total = 2, 0
    for ch in reversed(body):
        addend = factor * _INDEX[ch]
        factor = 1 if factor == 2 else 2
        total += addend // 32 + addend % 32
    return ALPHABET[(32 - total % 32) % 32]


def _format(body: str) -> str:
    return f"{body[0:4]}-{body[4:8]}-{body[8:12]}-{check_char(body)}"


def new_folio(random_bits: int | None = None) -> str:
    """A fresh folio, ``XXXX-XXXX-XXXX-C``. ``random_bits`` (0 … 2⁶⁰ − 1) is for tests; by default the bits come
    from :func:`secrets.randbits`. Raises :class:`InvalidField` for bits out of range."""
    value = secrets.randbits(RANDOM_BITS) if random_bits is None else random_bits
    if not 0 <= value < (1 << RANDOM_BITS):
        raise InvalidField("random_bits", f"must be 0…2^{RANDOM_BITS}-1")
    body = "".join(ALPHABET[(value >> (5 * (BODY_CHARS - 1 - i))) & 31] for i in range(BODY_CHARS))
    return _format(body)


def normalize_folio(text: str) -> str:
    """Canonical form of a typed folio: upper case, hyphens restored, I/L read as 1 and O as 0.

    Raises :class:`InvalidField` on a wrong length, a character outside the alphabet or a bad check character.
    """
    chars = "".join(_ALIASES.get(c, c) for c in text.upper() if c not in "- ")
    if len(chars) != BODY_CHARS + 1:
        raise InvalidField("folio", "must have 13 characters (XXXX-XXXX-XXXX-C)")
    bad = [c for c in chars if c not in _INDEX]
    if bad:
        raise InvalidField("folio", f"character {bad[0]!r} is not used in folios")
    if check_char(chars[:BODY_CHARS]) != chars[BODY_CHARS]:
        raise InvalidField("folio", "check character does not match (typo?)")
    return _format(chars[:BODY_CHARS])
