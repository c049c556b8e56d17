import random
from datetime import date

import pytest

from kiosk.credential.citizen import generate_citizen, mrz_lines
from kiosk.credential.clave import validate_clave_elector
from kiosk.credential.curp import validate_curp
from kiosk.credential.models import CardModel
from kiosk.credential.mrz import parse_td1
from kiosk.errors import InvalidField


def test_deterministic_per_rng():
    a = [generate_citizen(random.Random(7)) for _ in range(3)]
    assert a[0] == a[1] == a[2]
    assert generate_citizen(random.Random(8)) != a[0]


def test_many_citizens_are_consistent():
    rng = random.Random(11)
    population = [generate_citizen(rng) for _ in range(600)]
    long_names = truncated = enye = particles = skipped_first = 0
    for c in population:
        info = validate_curp(c.curp)
        assert info.birth_date == c.birth_date and info.sex == c.sex and info.state_code == c.birth_state
        clave = validate_clave_elector(c.clave_elector)
        assert clave.birth_yymmdd == c.birth_date.strftime("%y%m%d") and clave.sex == c.sex
        parsed = parse_td1(mrz_lines(c), today=date(2026, 12, 31))
        assert parsed.is_valid
        f = parsed.fields
        assert (f.cic, f.seccion, f.identificador, f.birth_date, f.sex) == (
            c.cic, c.seccion, c.identificador, c.birth_date, c.sex)
        assert f.expiry_date == date(c.vigencia_year, 12, 31) and c.vigencia_year == c.emission_year + 10
        assert f.optional_data[1:3] == c.emision
        assert c.model in (CardModel.E, CardModel.F, CardModel.G, CardModel.H) and c.is_synthetic
        assert c.registro_year <= c.emission_year and c.emission_year - c.birth_date.year >= 18
        name = f"{c.surname_paternal} {c.surname_maternal} {c.given_names}"
        long_names += len(name) > 30
        truncated += parsed.name_line_truncated
        enye += "Ñ" in name
        particles += any(p in name.split() for p in ("DE", "DEL", "VAN", "MC"))
        skipped_first += c.given_names.split()[0] in ("MARÍA", "JOSÉ", "MA.") and " " in c.given_names
    # the population exercises every rule
    assert min(long_names, truncated, enye, particles, skipped_first) >= 10
    assert len({c.curp for c in population}) > 590


def test_overrides_drive_derived_fields():
    c = generate_citizen(random.Random(1), surname_paternal="SERRANO", surname_maternal="VEGA",
                         given_names="ANA", sex="M", birth_date=date(1990, 5, 17), birth_state="JC",
                         model="G", emission_year=2020, cic="123456789")
    assert c.curp.startswith("SEVA900517MJCRGN") and c.model is CardModel.G and c.vigencia_year == 2030
    assert mrz_lines(c)[0].startswith("IDMEX1234567897<<")


def test_bad_overrides():
    with pytest.raises(TypeError):
        generate_citizen(random.Random(1), shoe_size=42)
    with pytest.raises(InvalidField):
        generate_citizen(random.Random(1), sex="X")
    with pytest.raises(InvalidField):
        mrz_lines(generate_citizen(random.Random(1), model=CardModel.C))


def test_to_dict_is_json_able():
    import json
    d = generate_citizen(random.Random(3)).to_dict()
    assert json.loads(json.dumps(d))["model"] in "EFGH"
