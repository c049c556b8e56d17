"""ICAO 9303 "7-3-1" check digits (Part 3), as used by every check digit of INE's TD1 MRZ (FACTS §2.1)."""

from __future__ import annotations

from kiosk.errors import InvalidField

_WEIGHTS = (7, 3, 1)


def icao_char_value(char: str, field: str = "mrz") -> int:
    """Value of one MRZ character: '0'-'9' → 0-9, 'A'-'Z' → 10-35, '<' → 0.

    Raises InvalidField(field, ...) for any other character (lower case, space, accents...).
    """
    if "0" <= char <= "9":
        return ord(char) - 48
    if "A" <= char <= "Z":
        return ord(char) - 55
    if char == "<":
        return 0
    raise InvalidField(field, f"character {char!r} is not allowed in an MRZ (only 0-9, A-Z and '<')")


def icao_check_digit(s: str, field: str = "mrz") -> str:
    """Check digit (one character '0'-'9') of ``s`` with the repeating weights 7, 3, 1, sum mod 10.

    Raises InvalidField(field, ...) if ``s`` holds a character outside 0-9, A-Z, '<'.
    """
    total = sum(icao_char_value(c, field) * _WEIGHTS[i % 3] for i, c in enumerate(s))
    return str(total % 10)
