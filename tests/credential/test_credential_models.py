from datetime import date

import pytest

from kiosk.config import CredentialConfig
from kiosk.credential.models import CardModel, check_acceptable, parse_vigencia_extensions, valid_until
from kiosk.errors import ConfigError, InvalidField

CFG = CredentialConfig()
EXTENDED = CredentialConfig(vigencia_extensions=("2023=2024-12-31", "2024=2025-06-01"))


def test_expires_on_31_december_of_vigencia():
    assert check_acceptable(CardModel.G, 2030, date(2030, 12, 31), CFG).is_accepted
    late = check_acceptable(CardModel.G, 2030, date(2031, 1, 1), CFG)
    assert (late.is_accepted, late.reason, late.valid_until) == (False, "card.expired", date(2030, 12, 31))


def test_extensions_from_config():
    assert valid_until(2024, EXTENDED) == date(2025, 6, 1)
    assert check_acceptable(CardModel.E, 2024, date(2025, 6, 1), EXTENDED).is_accepted
    assert check_acceptable(CardModel.E, 2024, date(2025, 6, 2), EXTENDED).reason == "card.expired"
    assert check_acceptable(CardModel.E, 2023, date(2024, 7, 1), EXTENDED).is_accepted
    assert check_acceptable(CardModel.E, 2023, date(2024, 7, 1), CFG).reason == "card.expired"


def test_model_acceptance_from_config():
    for m in CardModel:
        result = check_acceptable(m, 2030, date(2026, 1, 1), CFG)
        assert result.is_accepted == (m.value in "EFGH")
        if not result.is_accepted:
            assert result.reason == "card.model_unsupported" and result.valid_until is None
    only_gh = CredentialConfig(accepted_models=("G", "h"))
    assert not check_acceptable(CardModel.E, 2030, date(2026, 1, 1), only_gh).is_accepted
    assert check_acceptable(CardModel.H, 2030, date(2026, 1, 1), only_gh).is_accepted


def test_model_properties():
    assert [m.value for m in CardModel if m.has_mrz] == ["E", "F", "G", "H"]
    assert [m.value for m in CardModel if m.is_issued_abroad] == ["F", "H"]
    assert CardModel.parse(" g ") is CardModel.G
    with pytest.raises(InvalidField):
        CardModel.parse("Z")


@pytest.mark.parametrize("entry", ["2024", "2024=2025-13-01", "abcd=2025-01-01", "2024=2024-06-01"])
def test_bad_extension_names_config_key(entry):
    with pytest.raises(ConfigError) as err:
        parse_vigencia_extensions((entry,))
    assert err.value.key == "credential.vigencia_extensions"


def test_duplicate_extension_is_refused():
    with pytest.raises(ConfigError):
        parse_vigencia_extensions(("2024=2025-01-01", "2024=2025-02-01"))


def test_implausible_year():
    with pytest.raises(InvalidField) as err:
        check_acceptable(CardModel.G, 30, date(2026, 1, 1), CFG)
    assert err.value.field == "vigencia_year"
