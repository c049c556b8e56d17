"""Clave de elector (18 characters): structure validation and SYNTHETIC generation (FACTS §3.2).

Positions 16-18 (homonym key + verification digit) follow an algorithm INE has not published, and sources disagree
on their order, so they cannot be checked; generated claves fill them with arbitrary digits and are synthetic.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import date

from kiosk.credential import names
from kiosk.credential.states import ABROAD_ENTITY_NUMBER, BORN_ABROAD, STATE_BY_NUMBER, STATES
from kiosk.errors import InvalidField

_CLAVE_RE = re.compile(
    r"^(?:[A-Z][B-DF-HJ-NP-TV-Z]){3}\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(0[1-9]|[12]\d|3[0-2]|87|88)[HM]\d{3}$")
_SHAPE_RE = re.compile(r"^[A-Z]{6}\d{6}\d{2}[A-Z]\d{3}$")


@dataclass(frozen=True)
class ClaveInfo:
    """What a structurally valid clave de elector encodes. The century of the birth date is not in the clave."""

    clave: str
    birth_yymmdd: str
    entity_number: str  # '01'-'32', or '87'/'88' (meaning unverified)
    sex: str
    trailing_digits: str  # positions 16-18: homonym key + verification digit, not checkable

    @property
    def state_code(self) -> str | None:
        """CURP letter code of the birth entity, or None for 87/88."""
        return STATE_BY_NUMBER.get(self.entity_number)


def validate_clave_elector(s: str) -> ClaveInfo:
    """Check a clave de elector's structure and return its parts.

    Surrounding whitespace ignored, letters upper-cased. Raises InvalidField with field
    'clave_elector' (length/shape/name letters), 'clave_elector.birth_date' (not a date in either century),
    'clave_elector.entity' (not 01-32/87/88), 'clave_elector.sex'. Positions 16-18 cannot be verified.
    """
    if not isinstance(s, str):
        raise InvalidField("clave_elector", f"expected text, got {type(s).__name__}")
    clave = s.strip().upper()
    if len(clave) != 18:
        raise InvalidField("clave_elector", f"must be 18 characters, got {len(clave)}")
    if not _SHAPE_RE.match(clave):
        raise InvalidField("clave_elector", f"{clave!r} is not 6 letters, 8 digits, H/M, 3 digits")
    if not _CLAVE_RE.match(clave):
        # Same shape but a field is out of range: say which.
        if not re.match(r"^(?:[A-Z][B-DF-HJ-NP-TV-Z]){3}", clave):
            raise InvalidField("clave_elector", "positions 2, 4 and 6 must be consonants")
        if not re.match(r"^(0[1-9]|[12]\d|3[0-2]|87|88)$", clave[12:14]):
            raise InvalidField("clave_elector.entity", f"{clave[12:14]!r} is not an entity number")
        if clave[14] not in "HM":
            raise InvalidField("clave_elector.sex", f"must be H or M, got {clave[14]!r}")
        raise InvalidField("clave_elector.birth_date", f"{clave[6:12]} is not a YYMMDD date")
    yy, mm, dd = int(clave[6:8]), int(clave[8:10]), int(clave[10:12])
    if not any(_is_date(c + yy, mm, dd) for c in (1900, 2000)):
        raise InvalidField("clave_elector.birth_date", f"{clave[6:12]} is not a real date")
    return ClaveInfo(clave=clave, birth_yymmdd=clave[6:12], entity_number=clave[12:14], sex=clave[14],
                     trailing_digits=clave[15:18])


def _is_date(y: int, m: int, d: int) -> bool:
    try:
        date(y, m, d)
    except ValueError:
        return False
    return True


def _pair(name: str, *, is_given: bool = False) -> str:
    word = names.significant_word(name, is_given=is_given)
    if not word:
        return "XX"
    return names.letter(word[0]) + names.first_internal_consonant(word)


def generate_clave_elector(paternal: str, maternal: str, given: str, birth: date, sex: str, state: str,
                           rng: random.Random) -> str:
    """A SYNTHETIC clave de elector: positions 1-15 from the published rules, 16-18 random digits from ``rng``.

    ``state`` is a CURP state code; 'NE' (born abroad) becomes entity 87 (an assumption, FACTS §3.2 [U]).
    Raises InvalidField('sex' / 'birth_state' / 'surname_paternal' / 'given_names') on input it cannot encode.
    """
    if sex not in ("H", "M"):
        raise InvalidField("sex", f"must be 'H' or 'M', got {sex!r}")
    if state == BORN_ABROAD:
        entity = ABROAD_ENTITY_NUMBER
    elif state in STATES:
        entity = STATES[state][1]
    else:
        raise InvalidField("birth_state", f"{state!r} is not a CURP state code")
    if not names.significant_word(paternal):
        raise InvalidField("surname_paternal", "has no letters")
    if not names.significant_word(given, is_given=True):
        raise InvalidField("given_names", "has no letters")
    trailing = f"{rng.randrange(1000):03d}"
    return (_pair(paternal) + _pair(maternal) + _pair(given, is_given=True)
            + f"{birth:%y%m%d}{entity}{sex}{trailing}")
