"""INE's TD1 machine-readable zone (models E, F, G, H): build and parse (FACTS §2.1).

Layout (1-based positions)::

    line 1  ID MEX <CIC 9> <cd> << <sección 4><identificador 9>
    line 2  <birth YYMMDD><cd> <H|M> <expiry YYMMDD><cd> MEX <optional 11> <composite cd>
    line 3  PATERNO<MATERNO<<NOMBRES padded with '<', truncated at 30

The composite check digit covers line1[6-30] + line2[1-7] + line2[9-15] + line2[19-29].
INE writes the sex as H (hombre) / M (mujer), so 'M' means female.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from kiosk.credential.checkdigit import icao_check_digit
from kiosk.credential.names import mrz_name_part
from kiosk.errors import InvalidField

LINE_LENGTH = 30
_MRZ_CHARS = re.compile(r"^[A-Z0-9<]*$")
_DIGITS = re.compile(r"^[0-9]+$")
CHECK_KEYS = ("cic", "birth_date", "expiry_date", "composite")


@dataclass(frozen=True)
class MrzFields:
    """The data an INE TD1 MRZ carries. Dates are full dates (the MRZ itself has YYMMDD)."""

    cic: str
    seccion: str
    identificador: str
    birth_date: date
    sex: str
    expiry_date: date
    optional_data: str
    surname_paternal: str
    surname_maternal: str
    given_names: str
    document_code: str = "ID"
    issuing_state: str = "MEX"
    nationality: str = "MEX"

    @property
    def ocr(self) -> str:
        """The 13-digit OCR number: sección + identificador."""
        return self.seccion + self.identificador


@dataclass(frozen=True)
class MrzParse:
    """Result of :func:`parse_td1`: the fields, each check digit's status, and the lines as read."""

    fields: MrzFields
    checks: dict[str, bool]
    lines: tuple[str, str, str]
    name_line_truncated: bool = field(default=False)

    @property
    def is_valid(self) -> bool:
        """True when every check digit (cic, birth_date, expiry_date, composite) matches."""
        return all(self.checks.values())


def name_line(paternal: str, maternal: str, given: str) -> str:
    """MRZ line 3: ``PATERNO<MATERNO<<NOMBRES`` padded with '<' and truncated to 30 characters.

    A missing maternal surname gives ``PATERNO<<NOMBRES``. Raises InvalidField('surname_paternal', ...) if the
    paternal surname has no letters.
    """
    p, m, g = mrz_name_part(paternal), mrz_name_part(maternal), mrz_name_part(given)
    if not p:
        raise InvalidField("surname_paternal", "has no letters")
    primary = f"{p}<{m}" if m else p
    return (f"{primary}<<{g}" + "<" * LINE_LENGTH)[:LINE_LENGTH]


def _yymmdd(d: date) -> str:
    return d.strftime("%y%m%d")


def _require_digits(value: str, n: int, name: str) -> None:
    if len(value) != n or not _DIGITS.match(value):
        raise InvalidField(name, f"must be {n} digits, got {value!r}")


def build_td1(f: MrzFields) -> tuple[str, str, str]:
    """The three 30-character lines of the MRZ for ``f``, with every check digit computed.

    Raises InvalidField naming the field if a value cannot be written (wrong length, non-digits, sex not H/M,
    expiry outside 2000-2099, optional data not 11 MRZ characters, no paternal surname).
    """
    _require_digits(f.cic, 9, "cic")
    _require_digits(f.seccion, 4, "seccion")
    _require_digits(f.identificador, 9, "identificador")
    if f.sex not in ("H", "M"):
        raise InvalidField("sex", f"must be 'H' or 'M' (INE), got {f.sex!r}")
    if not 2000 <= f.expiry_date.year <= 2099:
        raise InvalidField("expiry_date", f"year {f.expiry_date.year} cannot be written as 20YY")
    if len(f.optional_data) != 11 or not _MRZ_CHARS.match(f.optional_data):
        raise InvalidField("optional_data", "must be 11 MRZ characters (0-9, A-Z, '<')")
    for name, value, n in (("document_code", f.document_code, 2), ("issuing_state", f.issuing_state, 3),
                           ("nationality", f.nationality, 3)):
        if len(value) != n or not _MRZ_CHARS.match(value):
            raise InvalidField(name, f"must be {n} MRZ characters, got {value!r}")
    cic_cd = icao_check_digit(f.cic, "cic")
    line1 = f"{f.document_code}{f.issuing_state}{f.cic}{cic_cd}<<{f.seccion}{f.identificador}"
    birth = _yymmdd(f.birth_date)
    expiry = _yymmdd(f.expiry_date)
    line2_head = (f"{birth}{icao_check_digit(birth)}{f.sex}{expiry}{icao_check_digit(expiry)}"
                  f"{f.nationality}{f.optional_data}")
    line2 = line2_head + composite_check_digit(line1, line2_head + "0")
    line3 = name_line(f.surname_paternal, f.surname_maternal, f.given_names)
    return line1, line2, line3


def composite_check_digit(line1: str, line2: str) -> str:
    """Composite check digit over line1[6-30] + line2[1-7] + line2[9-15] + line2[19-29] (1-based)."""
    return icao_check_digit(line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29], "composite")


def resolve_birth_year(yy: int, mm: int, dd: int, today: date) -> date:
    """Full birth date from YYMMDD: 20YY unless that would be after ``today`` (a birth date is never in the
    future), else 19YY. Raises InvalidField('birth_date', ...) if no such calendar date exists in either century.
    """
    for century in (2000, 1900):
        try:
            d = date(century + yy, mm, dd)
        except ValueError:
            continue
        if d <= today:
            return d
    raise InvalidField("birth_date", f"{yy:02d}{mm:02d}{dd:02d} is not a real past date")


def _parse_date(text: str, name: str) -> tuple[int, int, int]:
    if not _DIGITS.match(text):
        raise InvalidField(name, f"must be YYMMDD digits, got {text!r}")
    return int(text[0:2]), int(text[2:4]), int(text[4:6])


def _split_names(line3: str) -> tuple[str, str, str]:
    body = line3.rstrip("<")
    if not body or body.startswith("<"):
        raise InvalidField("names", "line 3 does not start with a surname")
    primary, sep, secondary = body.partition("<<")
    if not sep:
        # Truncation can cut before the '<<' separator: everything read is surname.
        secondary = ""
    surnames = [s for s in primary.split("<") if s]
    paternal = surnames[0]
    maternal = " ".join(surnames[1:])
    given = " ".join(s for s in secondary.split("<") if s)
    return paternal, maternal, given


def parse_td1(lines: Sequence[str], today: date | None = None) -> MrzParse:
    """Parse INE TD1 MRZ lines into fields plus the status of each check digit.

    ``today`` resolves the century of the birth date (never in the future); None means the system date.
    Surrounding whitespace of each line is ignored. Names are split as the MRZ allows: the first surname token
    is the paternal surname, the other surname tokens the maternal one (compound surnames cannot be told apart
    in an MRZ), and a name cut at 30 characters stays cut.

    Raises InvalidField(field, why) on structural problems: not 3 lines of 30, characters outside 0-9/A-Z/'<',
    not 'IDMEX', non-digit numbers or check digits, impossible dates, sex not H/M, nationality not MEX.
    A wrong check digit is not an error: it shows up in ``.checks`` and ``.is_valid``.
    """
    if isinstance(lines, str):
        raise InvalidField("mrz", "expected a sequence of 3 lines, got one string")
    if len(lines) != 3:
        raise InvalidField("mrz", f"expected 3 lines, got {len(lines)}")
    l1, l2, l3 = (str(x).strip() for x in lines)
    for i, line in enumerate((l1, l2, l3), start=1):
        if len(line) != LINE_LENGTH:
            raise InvalidField(f"mrz.line{i}", f"expected {LINE_LENGTH} characters, got {len(line)}")
        if not _MRZ_CHARS.match(line):
            bad = next(c for c in line if not ("0" <= c <= "9" or "A" <= c <= "Z" or c == "<"))
            raise InvalidField(f"mrz.line{i}", f"character {bad!r} is not an MRZ character")
    if l1[0:2] != "ID" or l1[2:5] != "MEX":
        raise InvalidField("document_code", f"line 1 must start with 'IDMEX', got {l1[0:5]!r}")
    cic, cic_cd = l1[5:14], l1[14]
    _require_digits(cic, 9, "cic")
    _require_digits(cic_cd, 1, "cic_check_digit")
    if l1[15:17] != "<<":
        raise InvalidField("mrz.line1", f"positions 16-17 must be '<<', got {l1[15:17]!r}")
    seccion, identificador = l1[17:21], l1[21:30]
    _require_digits(seccion, 4, "seccion")
    _require_digits(identificador, 9, "identificador")

    birth_txt, birth_cd, sex = l2[0:6], l2[6], l2[7]
    expiry_txt, expiry_cd = l2[8:14], l2[14]
    nationality, optional, composite_cd = l2[15:18], l2[18:29], l2[29]
    _require_digits(birth_cd, 1, "birth_date_check_digit")
    _require_digits(expiry_cd, 1, "expiry_date_check_digit")
    _require_digits(composite_cd, 1, "composite_check_digit")
    if sex not in ("H", "M"):
        raise InvalidField("sex", f"must be 'H' or 'M', got {sex!r}")
    if nationality != "MEX":
        raise InvalidField("nationality", f"must be 'MEX', got {nationality!r}")
    birth_date = resolve_birth_year(*_parse_date(birth_txt, "birth_date"), today or date.today())
    ey, em, ed = _parse_date(expiry_txt, "expiry_date")
    try:
        expiry_date = date(2000 + ey, em, ed)
    except ValueError:
        raise InvalidField("expiry_date", f"{expiry_txt} is not a real date") from None
    paternal, maternal, given = _split_names(l3)

    checks = {
        "cic": icao_check_digit(cic) == cic_cd,
        "birth_date": icao_check_digit(birth_txt) == birth_cd,
        "expiry_date": icao_check_digit(expiry_txt) == expiry_cd,
        "composite": composite_check_digit(l1, l2) == composite_cd,
    }
    fields = MrzFields(cic=cic, seccion=seccion, identificador=identificador, birth_date=birth_date, sex=sex,
                       expiry_date=expiry_date, optional_data=optional, surname_paternal=paternal,
                       surname_maternal=maternal, given_names=given)
    return MrzParse(fields=fields, checks=checks, lines=(l1, l2, l3), name_line_truncated=l3[-1] != "<")
