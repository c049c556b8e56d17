"""Folios: the short receipt code a citizen sees, e.g. ``K7Q2-9MXD-4``.

Crockford base32 (no I, L, O, U: nothing to confuse on a screen or read over the phone):

* 4 characters (20 bits) tag the device: a hash of its id, constant per kiosk, so staff can tell kiosks apart;
* 4 characters (20 bits) are the record's sequence number passed through a small keyed permutation (a 4-round
  Feistel network keyed by the device id), so consecutive folios look unrelated and do not reveal the count;
* 1 check character (Luhn mod 32) catches every single-character typo and most adjacent swaps.

The permutation is a bijection, so folios are unique per device for sequence numbers 1 … 2^20 − 1.
"""

from __future__ import annotations

import hashlib

from kiosk.errors import InvalidField

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_INDEX = {c: i for i, c in enumerate(ALPHABET)}
_ALIASES = {"I": "1", "L": "1", "O": "0"}
SEQ_BITS = 20
MAX_SEQ = (1 << SEQ_BITS) - 1
_HALF = SEQ_BITS // 2
_MASK = (1 << _HALF) - 1
_ROUNDS = 4


def _round_keys(device_id: str) -> list[bytes]:
    base = hashlib.sha256(b"apoyo-folio/perm\x00" + device_id.encode()).digest()
    return [base + bytes([r]) for r in range(_ROUNDS)]


def _f(key: bytes, half: int) -> int:
    return int.from_bytes(hashlib.sha256(key + half.to_bytes(2, "big")).digest()[:4], "big") & _MASK


def _permute(seq: int, device_id: str) -> int:
    left, right = seq >> _HALF, seq & _MASK
    for k in _round_keys(device_id):
        left, right = right, left ^ _f(k, right)
    return (left << _HALF) | right


def _unpermute(value: int, device_id: str) -> int:
    left, right = value >> _HALF, value & _MASK
    for k in reversed(_round_keys(device_id)):
        left, right = right ^ _f(k, left), left
    return (left << _HALF) | right


def device_tag(device_id: str) -> str:
    """The 4-character tag shared by every folio of ``device_id``."""
    v = int.from_bytes(hashlib.sha256(b"apoyo-folio/tag\x00" + device_id.encode()).digest()[:3], "big") >> 4
    return _encode(v, 4)


def _encode(value: int, n_chars: int) -> str:
    return "".join(ALPHABET[(value >> (5 * (n_chars - 1 - i))) & 31] for i in range(n_chars))


def check_char(body: str) -> str:
    """Luhn mod 32 check character of a string of Crockford base32 characters."""
    factor, total = 2, 0
    for ch in reversed(body):
        addend = factor * _INDEX[ch]
        factor = 1 if factor == 2 else 2
        total += addend // 32 + addend % 32
    return ALPHABET[(32 - total % 32) % 32]


def make_folio(device_id: str, seq: int) -> str:
    """Folio of record number ``seq`` (1 … 2^20 − 1) of ``device_id``, as ``XXXX-XXXX-C``.

    Raises :class:`InvalidField` when ``seq`` is out of range (the device's folio space is used up).
    """
    if not 1 <= seq <= MAX_SEQ:
        raise InvalidField("seq", f"must be 1…{MAX_SEQ}, got {seq}")
    body = device_tag(device_id) + _encode(_permute(seq, device_id), 4)
    return f"{body[:4]}-{body[4:]}-{check_char(body)}"


def normalize_folio(text: str) -> str:
    """Canonical form of a typed folio: upper case, hyphens restored, I/L read as 1 and O as 0.

    Raises :class:`InvalidField` on a wrong length, a character outside the alphabet or a bad check character.
    """
    chars = "".join(_ALIASES.get(c, c) for c in text.upper() if c not in "- ")
    if len(chars) != 9:
        raise InvalidField("folio", "must have 9 characters (XXXX-XXXX-C)")
    bad = [c for c in chars if c not in _INDEX]
    if bad:
        raise InvalidField("folio", f"character {bad[0]!r} is not used in folios")
    if check_char(chars[:8]) != chars[8]:
        raise InvalidField("folio", "check character does not match (typo?)")
    return f"{chars[:4]}-{chars[4:8]}-{chars[8]}"


def folio_seq(device_id: str, folio: str) -> int:
    """Sequence number encoded in ``folio`` for ``device_id``; raises InvalidField if it is not that device's."""
    canon = normalize_folio(folio)
    if canon[:4] != device_tag(device_id):
        raise InvalidField("folio", "belongs to another device")
    value = 0
    for c in canon[5:9]:
        value = (value << 5) | _INDEX[c]
    return _unpermute(value, device_id)
