"""Credential models A-H and whether a card is acceptable today (FACTS §1.1).

A card expires on 31 December of its vigencia year; INE sometimes extends expired cards by agreement, so those
extensions come from configuration (`CredentialConfig.vigencia_extensions`, entries 'YEAR=YYYY-MM-DD').
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from kiosk.config import CredentialConfig, parse_vigencia_extensions
from kiosk.errors import InvalidField


class CardModel(enum.Enum):
    """INE/IFE credential models in order of issue."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"
    F = "F"
    G = "G"
    H = "H"

    @property
    def has_mrz(self) -> bool:
        """Models E-H carry a TD1 MRZ on the back."""
        return self in MRZ_MODELS

    @property
    def is_issued_abroad(self) -> bool:
        """F and H are issued to citizens living abroad."""
        return self in (CardModel.F, CardModel.H)

    @property
    def has_merged_vigencia(self) -> bool:
        """G/H print emission and vigencia in one field ('2020 - 2030') and emphasise the sección."""
        return self in (CardModel.G, CardModel.H)

    @classmethod
    def parse(cls, text: str) -> CardModel:
        """Model from its letter (case-insensitive). Raises InvalidField('model', ...)."""
        try:
            return cls(str(text).strip().upper())
        except ValueError:
            raise InvalidField("model", f"{text!r} is not a credential model A-H") from None


MRZ_MODELS = frozenset({CardModel.E, CardModel.F, CardModel.G, CardModel.H})


@dataclass(frozen=True)
class Acceptance:
    """Whether a card can be used; ``reason`` is a code ('card.expired', 'card.model_unsupported') or None."""

    is_accepted: bool
    reason: str | None
    valid_until: date | None


def valid_until(vigencia_year: int, cfg: CredentialConfig) -> date:
    """Last day a card with this vigencia year may be used: 31 Dec of that year, or a configured extension."""
    base = date(vigencia_year, 12, 31)
    return max(base, parse_vigencia_extensions(cfg.vigencia_extensions).get(vigencia_year, base))


def check_acceptable(model: CardModel, vigencia_year: int, today: date, cfg: CredentialConfig) -> Acceptance:
    """Whether a card of ``model`` with ``vigencia_year`` is accepted on ``today``.

    The model check comes first ('card.model_unsupported', valid_until None), then expiry ('card.expired',
    with the date it stopped being valid). Raises InvalidField('vigencia_year', ...) for a year outside
    1990-2100 and ConfigError for a bad extension entry.
    """
    if not 1990 <= vigencia_year <= 2100:
        raise InvalidField("vigencia_year", f"{vigencia_year} is not a plausible vigencia year")
    if model.value not in {m.strip().upper() for m in cfg.accepted_models}:
        return Acceptance(is_accepted=False, reason="card.model_unsupported", valid_until=None)
    until = valid_until(vigencia_year, cfg)
    if today > until:
        return Acceptance(is_accepted=False, reason="card.expired", valid_until=until)
    return Acceptance(is_accepted=True, reason=None, valid_until=until)
