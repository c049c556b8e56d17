import random
from datetime import date

import pytest

from kiosk.credential.clave import generate_clave_elector, validate_clave_elector
from kiosk.errors import InvalidField


def test_generate_follows_published_positions():
    clave = generate_clave_elector("SERRANO", "VEGA", "ANA", date(1990, 5, 17), "M", "JC", random.Random(1))
    assert clave[:15] == "SRVGAN90051714M"
    info = validate_clave_elector(clave)
    assert (info.birth_yymmdd, info.entity_number, info.sex, info.state_code) == ("900517", "14", "M", "JC")
    assert info.trailing_digits == clave[15:] and info.trailing_digits.isdigit()


def test_generate_name_rules_and_abroad():
    clave = generate_clave_elector("DE LA CRUZ", "", "MARÍA JOSÉ", date(2001, 2, 3), "M", "NE", random.Random(2))
    assert clave[:6] == "CRXXJS" and clave[12:14] == "87"
    assert validate_clave_elector(clave).state_code is None
    clave = generate_clave_elector("NÚÑEZ", "UC", "IÑAKI", date(1970, 1, 1), "H", "DF", random.Random(3))
    assert clave[:6] == "NXUCIX"


def test_trailing_digits_come_from_rng():
    args = ("SERRANO", "VEGA", "ANA", date(1990, 5, 17), "M", "JC")
    assert generate_clave_elector(*args, random.Random(5)) == generate_clave_elector(*args, random.Random(5))
    seen = {generate_clave_elector(*args, random.Random(i))[15:] for i in range(30)}
    assert len(seen) > 20


@pytest.mark.parametrize(("args", "field"), [
    (("SERRANO", "VEGA", "ANA", date(1990, 5, 17), "X", "JC"), "sex"),
    (("SERRANO", "VEGA", "ANA", date(1990, 5, 17), "M", "ZZ"), "birth_state"),
    (("", "VEGA", "ANA", date(1990, 5, 17), "M", "JC"), "surname_paternal"),
    (("SERRANO", "VEGA", "", date(1990, 5, 17), "M", "JC"), "given_names"),
])
def test_generate_refuses_bad_input(args, field):
    with pytest.raises(InvalidField) as err:
        generate_clave_elector(*args, random.Random(0))
    assert err.value.field == field


@pytest.mark.parametrize(("value", "field"), [
    ("SRVGAN90051714M00", "clave_elector"),
    ("SRVGAN90051714M0000", "clave_elector"),
    ("SRVGAN9005171AM000", "clave_elector"),
    ("SAVGAN90051714M000", "clave_elector"),      # vowel where a consonant goes
    ("SRVGAN90051733M000", "clave_elector.entity"),
    ("SRVGAN90051700M000", "clave_elector.entity"),
    ("SRVGAN90051714X000", "clave_elector.sex"),
    ("SRVGAN90131714M000", "clave_elector.birth_date"),
    ("SRVGAN90023014M000", "clave_elector.birth_date"),  # 30 Feb: regex passes, calendar does not
    (None, "clave_elector"),
])
def test_validate_names_the_bad_field(value, field):
    with pytest.raises(InvalidField) as err:
        validate_clave_elector(value)
    assert err.value.field == field


def test_validate_accepts_leap_day_in_either_century_and_87():
    assert validate_clave_elector(" srvgan00022987m123 ").entity_number == "87"
