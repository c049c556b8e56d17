"""CURP (Clave Única de Registro de Población): validation and generation with RENAPO's rules (FACTS §3.1)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from kiosk.credential import names
from kiosk.credential.states import BORN_ABROAD, CURP_STATE_CODES, STATES
from kiosk.errors import InvalidField

CURP_ALPHABET = "0123456789ABCDEFGHIJKLMNÑOPQRSTUVWXYZ"
_CURP_RE = re.compile(r"^[A-Z]{4}\d{6}[HM][A-Z]{2}[B-DF-HJ-NP-TV-Z]{3}[0-9A-Z]\d$")

# Four-letter starts RENAPO avoids: when the name letters spell one, position 2 becomes 'X'.
# The list is RENAPO's (instructivo normativo for CURP assignment); FACTS §3.1 points at python-stdnum, which
# carries the same data, and the differential test keeps the two in step.
OFFENSIVE_WORDS = frozenset({
    "BACA", "BAKA", "BUEI", "BUEY", "CACA", "CACO", "CAGA", "CAGO", "CAKA", "CAKO", "COGE", "COGI",
    "COJA", "COJE", "COJI", "COJO", "COLA", "CULO", "FALO", "FETO", "GETA", "GUEI", "GUEY", "JETA",
    "JOTO", "KACA", "KACO", "KAGA", "KAGO", "KAKA", "KAKO", "KOGE", "KOGI", "KOJA", "KOJE", "KOJI",
    "KOJO", "KOLA", "KULO", "LILO", "LOCA", "LOCO", "LOKA", "LOKO", "MAME", "MAMO", "MEAR", "MEAS",
    "MEON", "MIAR", "MION", "MOCO", "MOKO", "MULA", "MULO", "NACA", "NACO", "PEDA", "PEDO", "PENE",
    "PIPI", "PITO", "POPO", "PUTA", "PUTO", "QULO", "RATA", "ROBA", "ROBE", "ROBO", "RUIN", "SENO",
    "TETA", "VACA", "VAGA", "VAGO", "VAKA", "VUEI", "VUEY", "WUEI", "WUEY",
})


@dataclass(frozen=True)
class CurpInfo:
    """What a valid CURP says about its holder."""

    curp: str
    birth_date: date
    sex: str  # 'H' or 'M'
    state_code: str  # CURP letters, 'NE' = born abroad
    differentiator: str
    check_digit: str

    @property
    def state_name(self) -> str:
        return "Nacido en el extranjero" if self.state_code == BORN_ABROAD else STATES[self.state_code][0]

    @property
    def is_born_abroad(self) -> bool:
        return self.state_code == BORN_ABROAD


def curp_check_digit(c17: str) -> str:
    """Check digit of the first 17 CURP characters: values over CURP_ALPHABET, weights 18..2,
    (10 - sum mod 10) mod 10. Raises InvalidField('curp', ...) on a wrong length or character."""
    if len(c17) != 17:
        raise InvalidField("curp", f"check digit needs 17 characters, got {len(c17)}")
    total = 0
    for i, ch in enumerate(c17):
        value = CURP_ALPHABET.find(ch)
        if value < 0:
            raise InvalidField("curp", f"character {ch!r} is not allowed in a CURP")
        total += value * (18 - i)
    return str((10 - total % 10) % 10)


def validate_curp(s: str) -> CurpInfo:
    """Validate a CURP and return what it encodes.

    Surrounding whitespace is ignored and letters are upper-cased; inner separators are NOT removed (a CURP
    read with a space in it is a bad read). Raises InvalidField with these fields:
    'curp' (length/format), 'curp.name_letters' (an offensive word RENAPO would have replaced),
    'curp.birth_date' (not a calendar date), 'curp.differentiator' (century disagrees with position 17:
    digit = born before 2000, letter = 2000 or later), 'curp.state' (unknown state code),
    'curp.check_digit' (mismatch).
    """
    if not isinstance(s, str):
        raise InvalidField("curp", f"expected text, got {type(s).__name__}")
    curp = s.strip().upper()
    if len(curp) != 18:
        raise InvalidField("curp", f"must be 18 characters, got {len(curp)}")
    if not _CURP_RE.match(curp):
        raise InvalidField("curp", f"{curp!r} does not have the CURP structure "
                           "(4 letters, YYMMDD, H/M, 2-letter state, 3 consonants, differentiator, digit)")
    if curp[:4] in OFFENSIVE_WORDS:
        raise InvalidField("curp.name_letters", f"{curp[:4]} is an inconvenient word RENAPO replaces with X")
    differentiator = curp[16]
    century = 1900 if differentiator.isdigit() else 2000
    yy, mm, dd = int(curp[4:6]), int(curp[6:8]), int(curp[8:10])
    try:
        birth = date(century + yy, mm, dd)
    except ValueError:
        other = 2000 if century == 1900 else 1900
        try:
            date(other + yy, mm, dd)
        except ValueError:
            raise InvalidField("curp.birth_date", f"{curp[4:10]} is not a real date") from None
        raise InvalidField("curp.differentiator",
                           f"{curp[4:10]} only exists in {other // 100 * 100}s but position 17 "
                           f"{differentiator!r} says {century // 100 * 100}s") from None
    state = curp[11:13]
    if state not in CURP_STATE_CODES:
        raise InvalidField("curp.state", f"{state!r} is not a state code")
    expected = curp_check_digit(curp[:17])
    if curp[17] != expected:
        raise InvalidField("curp.check_digit", f"is {curp[17]}, expected {expected}")
    return CurpInfo(curp=curp, birth_date=birth, sex=curp[10], state_code=state, differentiator=differentiator,
                    check_digit=curp[17])


def curp_name_letters(paternal: str, maternal: str, given: str) -> tuple[str, str]:
    """The name parts of a CURP: positions 1-4 (offensive words already replaced) and 14-16.

    Raises InvalidField('surname_paternal' / 'given_names', 'has no letters').
    """
    p = names.significant_word(paternal)
    m = names.significant_word(maternal)
    g = names.significant_word(given, is_given=True)
    if not p:
        raise InvalidField("surname_paternal", "has no letters")
    if not g:
        raise InvalidField("given_names", "has no letters")
    first4 = (names.letter(p[0]) + names.letter(names.first_internal_vowel(p))
              + (names.letter(m[0]) if m else "X") + names.letter(g[0]))
    if first4 in OFFENSIVE_WORDS:
        first4 = first4[0] + "X" + first4[2:]
    consonants = (names.first_internal_consonant(p) + (names.first_internal_consonant(m) if m else "X")
                  + names.first_internal_consonant(g))
    return first4, consonants


def generate_curp(paternal: str, maternal: str, given: str, birth: date, sex: str, state: str,
                  differentiator: str | None = None) -> str:
    """Build the CURP RENAPO would assign (its homonym differentiator aside).

    ``maternal`` may be '' (→ 'X'). ``state`` is a CURP state code ('NE' for born abroad). ``differentiator``
    defaults to '0' (born before 2000) or 'A' (2000 or later); a given one must agree with the century.
    Raises InvalidField naming the argument that cannot be encoded.
    """
    if sex not in ("H", "M"):
        raise InvalidField("sex", f"must be 'H' or 'M', got {sex!r}")
    if state not in CURP_STATE_CODES:
        raise InvalidField("birth_state", f"{state!r} is not a CURP state code")
    if not 1900 <= birth.year <= 2099:
        raise InvalidField("birth_date", f"year {birth.year} outside 1900-2099")
    is_2000s = birth.year >= 2000
    if differentiator is None:
        differentiator = "A" if is_2000s else "0"
    if len(differentiator) != 1 or not (differentiator.isdigit() if not is_2000s
                                         else "A" <= differentiator <= "Z"):
        raise InvalidField("differentiator", f"{differentiator!r} must be a "
                           f"{'letter A-Z (born 2000 or later)' if is_2000s else 'digit (born before 2000)'}")
    first4, consonants = curp_name_letters(paternal, maternal, given)
    c17 = f"{first4}{birth:%y%m%d}{sex}{state}{consonants}{differentiator}"
    return c17 + curp_check_digit(c17)
