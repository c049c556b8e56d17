from datetime import date

import pytest

from kiosk.credential.curp import curp_check_digit, generate_curp, validate_curp
from kiosk.errors import InvalidField


def test_facts_example():
    assert generate_curp("SERRANO", "VEGA", "ANA", date(1990, 5, 17), "M", "JC") == "SEVA900517MJCRGN00"
    info = validate_curp("SEVA900517MJCRGN00")
    assert (info.birth_date, info.sex, info.state_code, info.differentiator, info.check_digit) == (
        date(1990, 5, 17), "M", "JC", "0", "0")
    assert info.state_name == "Jalisco" and not info.is_born_abroad


def test_check_digit_alphabet_includes_enye():
    # Ñ sits between N and O (value 24), so O is 25: "O" at weight 18 = 450 → (10 - 0) % 10 = 0.
    assert curp_check_digit("O" + "0" * 16) == "0"
    assert curp_check_digit("N" + "0" * 16) == "6"   # 23 * 18 = 414
    assert curp_check_digit("Ñ" + "0" * 16) == "8"   # 24 * 18 = 432
    with pytest.raises(InvalidField):
        curp_check_digit("SEVA900517MJCRGN")


@pytest.mark.parametrize(("args", "first4", "consonants", "diff"), [
    # Ñ → X in first letter and internal consonants
    (("NÚÑEZ", "PEÑA", "IÑAKI", date(1985, 3, 2), "H", "DF"), "NUPI", "XXX", "0"),
    (("ÑECO", "ORDÓÑEZ", "JUAN", date(1985, 3, 2), "H", "DF"), "XEOJ", "CRN", "0"),
    # particles skipped, compound surname: first significant word
    (("DE LA CRUZ", "DEL RÍO", "PEDRO", date(1970, 1, 1), "H", "OC"), "CURP", "RXD", "0"),
    (("MONTES DE OCA", "VAN DER BERG", "LUIS", date(1970, 1, 1), "H", "OC"), "MOBL", "NRS", "0"),
    (("MC GREGOR", "DE LOS SANTOS", "ANA", date(1970, 1, 1), "M", "OC"), "GESA", "RNN", "0"),
    # MARÍA / JOSÉ skipped only when a second name exists
    (("LÓPEZ", "GARCÍA", "MARÍA JOSÉ", date(2001, 1, 1), "M", "NL"), "LOGJ", "PRS", "A"),
    (("LÓPEZ", "GARCÍA", "JOSÉ", date(2001, 1, 1), "H", "NL"), "LOGJ", "PRS", "A"),
    (("LÓPEZ", "GARCÍA", "MA. ELENA", date(1999, 12, 31), "M", "NL"), "LOGE", "PRL", "0"),
    (("LÓPEZ", "GARCÍA", "MARÍA DE LOS ÁNGELES", date(1999, 12, 31), "M", "NL"), "LOGA", "PRN", "0"),
    (("LÓPEZ", "GARCÍA", "J. GUADALUPE", date(1999, 12, 31), "H", "NL"), "LOGG", "PRD", "0"),
    # no second surname → X; accents stripped
    (("ÁLVAREZ", "", "ÓSCAR", date(2010, 7, 4), "H", "NE"), "AAXO", "LXS", "A"),
    # no internal vowel / consonant → X
    (("UC", "OOMEN", "IRMA", date(1960, 1, 1), "M", "YN"), "UXOI", "CMR", "0"),
    # offensive words: position 2 becomes X
    (("PÉREZ", "DÍAZ", "OSCAR", date(1980, 1, 1), "H", "JC"), "PXDO", "RZS", "0"),
    (("BUENO", "ESPINOZA", "YOLANDA", date(1980, 1, 1), "M", "JC"), "BXEY", "NSL", "0"),
    # punctuation is not a letter: skipped when looking for internal vowels/consonants, X if it is first
    (("O'HARA", "RUIZ", "ANA", date(1980, 1, 1), "M", "JC"), "OARA", "HZN", "0"),
    (("-VEGA", "RUIZ", "ANA", date(1980, 1, 1), "M", "JC"), "VERA", "GZN", "0"),
    (("/", "RUIZ", "ANA", date(1980, 1, 1), "M", "JC"), "XXRA", "XZN", "0"),
])
def test_renapo_rules(args, first4, consonants, diff):
    curp = generate_curp(*args)
    assert curp[:4] == first4 and curp[13:16] == consonants and curp[16] == diff
    info = validate_curp(curp)
    assert info.birth_date == args[3] and info.sex == args[4] and info.state_code == args[5]


def test_given_differentiator_must_match_century():
    assert generate_curp("SERRANO", "VEGA", "ANA", date(1990, 5, 17), "M", "JC", "1")[16] == "1"
    assert generate_curp("SERRANO", "VEGA", "ANA", date(2005, 5, 17), "M", "JC", "C")[16] == "C"
    for birth, diff in ((date(1990, 5, 17), "A"), (date(2005, 5, 17), "1"), (date(2005, 5, 17), "AB")):
        with pytest.raises(InvalidField) as err:
            generate_curp("SERRANO", "VEGA", "ANA", birth, "M", "JC", diff)
        assert err.value.field == "differentiator"


@pytest.mark.parametrize(("args", "field"), [
    (("SERRANO", "VEGA", "ANA", date(1990, 5, 17), "F", "JC"), "sex"),
    (("SERRANO", "VEGA", "ANA", date(1990, 5, 17), "M", "XX"), "birth_state"),
    (("SERRANO", "VEGA", "ANA", date(1890, 5, 17), "M", "JC"), "birth_date"),
    (("", "VEGA", "ANA", date(1990, 5, 17), "M", "JC"), "surname_paternal"),
    (("SERRANO", "VEGA", "  ", date(1990, 5, 17), "M", "JC"), "given_names"),
])
def test_generate_refuses_bad_input(args, field):
    with pytest.raises(InvalidField) as err:
        generate_curp(*args)
    assert err.value.field == field


def _with(curp17: str) -> str:
    return curp17 + curp_check_digit(curp17)


@pytest.mark.parametrize(("value", "field"), [
    ("SEVA900517MJCRGN0", "curp"),
    ("SEVA900517MJCRGN000", "curp"),
    ("SEVA 900517MJCRGN0", "curp"),
    ("SEV4900517MJCRGN00", "curp"),
    ("SEVA900517XJCRGN00", "curp"),          # sex X
    ("SEVA900517MJCRAN00", "curp"),          # vowel among the internal consonants
    ("SEVAAB0517MJCRGN00", "curp"),
    ("SEVA900517MJCRGN0A", "curp"),          # check digit must be a digit
    (_with("PEDO900517HJCRGN0"), "curp.name_letters"),
    (_with("SEVA901317MJCRGN0"), "curp.birth_date"),
    (_with("SEVA900230MJCRGN0"), "curp.birth_date"),
    (_with("SEVA000229MJCRGN0"), "curp.differentiator"),  # 29 Feb 1900 does not exist, 2000 does
    (_with("SEVA900517MXXRGN0"), "curp.state"),
    ("SEVA900517MJCRGN01", "curp.check_digit"),
    (12345, "curp"),
])
def test_validate_names_the_bad_field(value, field):
    with pytest.raises(InvalidField) as err:
        validate_curp(value)
    assert err.value.field == field


def test_validate_normalises_case_and_surrounding_space():
    assert validate_curp("  seva900517mjcrgn00\n").curp == "SEVA900517MJCRGN00"


def test_century_from_differentiator():
    assert validate_curp(_with("SEVA050517MJCRGNA")).birth_date == date(2005, 5, 17)
    assert validate_curp(_with("SEVA050517MJCRGN0")).birth_date == date(1905, 5, 17)
    assert validate_curp(_with("SEVA000229MJCRGNB")).birth_date == date(2000, 2, 29)
