from datetime import date

import pytest

from kiosk.credential.mrz import MrzFields, build_td1, composite_check_digit, name_line, parse_td1
from kiosk.errors import InvalidField

EXAMPLE = ("IDMEX1234567897<<1234000123456", "9005178M3012316MEX<01<<00000<0", "SERRANO<VEGA<<ANA<<<<<<<<<<<<<")
TODAY = date(2026, 6, 1)


def example_fields(**kw) -> MrzFields:
    base = dict(cic="123456789", seccion="1234", identificador="000123456", birth_date=date(1990, 5, 17),
                sex="M", expiry_date=date(2030, 12, 31), optional_data="<01<<00000<",
                surname_paternal="SERRANO", surname_maternal="VEGA", given_names="ANA")
    base.update(kw)
    return MrzFields(**base)


def test_build_reproduces_facts_example():
    assert build_td1(example_fields()) == EXAMPLE


def test_parse_facts_example_every_field():
    p = parse_td1(EXAMPLE, today=TODAY)
    f = p.fields
    assert p.is_valid and p.checks == {"cic": True, "birth_date": True, "expiry_date": True, "composite": True}
    assert (f.cic, f.seccion, f.identificador, f.ocr) == ("123456789", "1234", "000123456", "1234000123456")
    assert f.birth_date == date(1990, 5, 17) and f.sex == "M" and f.expiry_date == date(2030, 12, 31)
    assert f.optional_data == "<01<<00000<" and f.nationality == "MEX" and f.issuing_state == "MEX"
    assert (f.surname_paternal, f.surname_maternal, f.given_names) == ("SERRANO", "VEGA", "ANA")
    assert p.lines == EXAMPLE and not p.name_line_truncated


def test_round_trip_of_build_and_parse():
    f = example_fields(cic="000000001", birth_date=date(2004, 2, 29), sex="H", expiry_date=date(2034, 12, 31),
                       surname_paternal="NÚÑEZ", surname_maternal="", given_names="JOSÉ LUIS")
    lines = build_td1(f)
    assert lines[2] == "NUNEZ<<JOSE<LUIS<<<<<<<<<<<<<<"
    p = parse_td1(lines, today=TODAY)
    assert p.is_valid
    assert p.fields.birth_date == date(2004, 2, 29)
    assert (p.fields.surname_paternal, p.fields.surname_maternal, p.fields.given_names) == ("NUNEZ", "", "JOSE LUIS")


@pytest.mark.parametrize(("line", "pos", "key"), [
    (0, 14, "cic"), (1, 6, "birth_date"), (1, 14, "expiry_date"), (1, 29, "composite")])
def test_each_check_digit_is_checked(line, pos, key):
    lines = list(EXAMPLE)
    wrong = str((int(lines[line][pos]) + 1) % 10)
    lines[line] = lines[line][:pos] + wrong + lines[line][pos + 1:]
    p = parse_td1(lines, today=TODAY)
    assert not p.is_valid
    assert p.checks[key] is False
    # The composite is computed over the check digits too, so a wrong cic/birth/expiry digit also breaks it.
    assert [k for k, ok in p.checks.items() if not ok] == ([key] if key == "composite" else [key, "composite"])


@pytest.mark.parametrize(("line", "pos"), [(0, 20), (0, 29), (1, 5), (1, 8), (1, 20)])
def test_changed_data_fails_its_check(line, pos):
    lines = list(EXAMPLE)
    ch = lines[line][pos]
    new = "9" if ch != "9" else "8"
    if ch == "<":
        new = "A"
    lines[line] = lines[line][:pos] + new + lines[line][pos + 1:]
    assert not parse_td1(lines, today=TODAY).is_valid


def test_composite_covers_the_documented_ranges():
    l1, l2, _ = EXAMPLE
    assert composite_check_digit(l1, l2) == "0"
    # Changing the sex (line 2 position 8) or nationality (16-18) is outside the composite.
    assert composite_check_digit(l1, l2[:7] + "H" + l2[8:]) == "0"


def test_long_names_truncate_at_30():
    line = name_line("FERNÁNDEZ DE CÓRDOBA", "MONTES DE OCA", "MARÍA GUADALUPE DEL ROSARIO")
    assert line == "FERNANDEZ<DE<CORDOBA<MONTES<DE"
    p = parse_td1((EXAMPLE[0], EXAMPLE[1], line), today=TODAY)
    assert p.name_line_truncated
    assert p.fields.surname_paternal == "FERNANDEZ" and p.fields.given_names == ""


def test_birth_century_never_in_future():
    l2 = "2612318M3012316MEX<01<<00000<0"
    f = parse_td1((EXAMPLE[0], l2, EXAMPLE[2]), today=date(2026, 6, 1)).fields
    assert f.birth_date == date(1926, 12, 31)
    f = parse_td1((EXAMPLE[0], l2, EXAMPLE[2]), today=date(2027, 1, 1)).fields
    assert f.birth_date == date(2026, 12, 31)
    l2 = "0502290M3012316MEX<01<<00000<0"  # 29 Feb 2005 / 1905: neither is a leap year
    with pytest.raises(InvalidField) as err:
        parse_td1((EXAMPLE[0], l2, EXAMPLE[2]), today=TODAY)
    assert err.value.field == "birth_date"


def test_expiry_is_always_20yy():
    l2 = "9005178M9912319MEX<01<<00000<0"
    assert parse_td1((EXAMPLE[0], l2, EXAMPLE[2]), today=TODAY).fields.expiry_date == date(2099, 12, 31)


def _replace(line_index, pos, text):
    lines = list(EXAMPLE)
    lines[line_index] = lines[line_index][:pos] + text + lines[line_index][pos + len(text):]
    return lines


@pytest.mark.parametrize(("lines", "field"), [
    (EXAMPLE[:2], "mrz"),
    (EXAMPLE + ("<" * 30,), "mrz"),
    ((EXAMPLE[0][:29], EXAMPLE[1], EXAMPLE[2]), "mrz.line1"),
    ((EXAMPLE[0], EXAMPLE[1] + "<", EXAMPLE[2]), "mrz.line2"),
    ((EXAMPLE[0], EXAMPLE[1], EXAMPLE[2][:-1] + "a"), "mrz.line3"),
    (_replace(0, 3, "é"), "mrz.line1"),
    (_replace(0, 0, "1D"), "document_code"),        # the classic OCR confusion
    (_replace(0, 2, "USA"), "document_code"),
    (_replace(0, 7, "O"), "cic"),                   # letter O instead of zero
    (_replace(0, 14, "<"), "cic_check_digit"),
    (_replace(0, 15, "A<"), "mrz.line1"),
    (_replace(0, 18, "B"), "seccion"),
    (_replace(0, 25, "S"), "identificador"),
    (_replace(1, 0, "9O"), "birth_date"),
    (_replace(1, 2, "13"), "birth_date"),           # month 13
    (_replace(1, 6, "X"), "birth_date_check_digit"),
    (_replace(1, 7, "F"), "sex"),                   # ICAO's F is not INE's M
    (_replace(1, 10, "AB"), "expiry_date"),         # letters in the date
    (_replace(1, 10, "02"), "expiry_date"),         # 30 02 31 → 31 Feb
    (_replace(1, 14, "<"), "expiry_date_check_digit"),
    (_replace(1, 15, "USA"), "nationality"),
    (_replace(1, 29, "<"), "composite_check_digit"),
    ((EXAMPLE[0], EXAMPLE[1], "<" * 30), "names"),
])
def test_structural_problems_raise_naming_the_field(lines, field):
    with pytest.raises(InvalidField) as err:
        parse_td1(lines, today=TODAY)
    assert err.value.field == field


def test_single_string_is_refused():
    with pytest.raises(InvalidField) as err:
        parse_td1("\n".join(EXAMPLE))
    assert err.value.field == "mrz"


def test_whitespace_around_lines_is_ignored():
    assert parse_td1([f"  {x}\n" for x in EXAMPLE], today=TODAY).is_valid


@pytest.mark.parametrize(("kw", "field"), [
    ({"cic": "12345678"}, "cic"), ({"cic": "12345678A"}, "cic"), ({"seccion": "12345"}, "seccion"),
    ({"identificador": "1"}, "identificador"), ({"sex": "F"}, "sex"),
    ({"expiry_date": date(1999, 12, 31)}, "expiry_date"), ({"optional_data": "<01<<00000"}, "optional_data"),
    ({"optional_data": "<01<<0000a<"}, "optional_data"), ({"surname_paternal": "  "}, "surname_paternal"),
    ({"nationality": "MX"}, "nationality"),
])
def test_build_refuses_unwritable_fields(kw, field):
    with pytest.raises(InvalidField) as err:
        build_td1(example_fields(**kw))
    assert err.value.field == field
