import pytest

from kiosk.credential.checkdigit import icao_char_value, icao_check_digit
from kiosk.errors import InvalidField


@pytest.mark.parametrize(("text", "digit"), [
    ("123456789", "7"),       # CIC of the FACTS synthetic example
    ("900517", "8"),          # birth date of the example
    ("301231", "6"),          # expiry 31 Dec 2030
    ("", "0"),
    ("<<<<<", "0"),
    ("A", "0"),               # 10*7 = 70
    ("Z", "5"),               # 35*7 = 245
    ("AB<", "3"),             # 10*7 + 11*3 + 0 = 103
    ("L898902C3", "6"),       # ICAO 9303 Part 3 worked example (document number)
    ("740812", "2"),          # ICAO example birth date
    ("120415", "9"),          # ICAO example expiry
])
def test_known_check_digits(text, digit):
    assert icao_check_digit(text) == digit


def test_char_values_cover_the_alphabet():
    assert [icao_char_value(c) for c in "09AZ<"] == [0, 9, 10, 35, 0]


@pytest.mark.parametrize("bad", ["a", " ", "Ñ", "É", "-", "1a2"])
def test_bad_character_names_field(bad):
    with pytest.raises(InvalidField) as err:
        icao_check_digit(bad, field="cic")
    assert err.value.field == "cic"


def test_weights_repeat_every_three_positions():
    # Moving a digit by three positions keeps its weight; by one position changes it.
    assert icao_check_digit("100") == icao_check_digit("000100")
    assert icao_check_digit("100") != icao_check_digit("010")
