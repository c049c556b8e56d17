"""Folios: random (unique across devices and wiped data directories), typo-checked, read back forgivingly."""

from __future__ import annotations

import random

import pytest

from kiosk.errors import InvalidField
from kiosk.store.folio import ALPHABET, new_folio, normalize_folio


def test_folios_do_not_repeat_across_fresh_starts() -> None:
    # the walkthrough's fault: two data directories with the same device id gave the same folio; a folio now
    # depends on neither the device id nor a sequence number that restarts
    folios = {new_folio() for _ in range(20_000)}
    assert len(folios) == 20_000


def test_the_format_and_its_round_trip() -> None:
    folio = new_folio(random_bits=(1 << 60) - 1)
    assert folio == "ZZZZ-ZZZZ-ZZZZ-" + folio[-1] and normalize_folio(folio) == folio
    assert new_folio(random_bits=0).startswith("0000-0000-0000-")
    assert normalize_folio(folio.lower().replace("-", " ")) == folio
    aliased = new_folio(random_bits=int("10" * 30, 2))
    assert normalize_folio(aliased.replace("1", "I").replace("0", "O")) == aliased


def test_every_single_typo_is_caught() -> None:
    rnd = random.Random(5)
    for _ in range(40):
        folio = new_folio(random_bits=rnd.getrandbits(60))
        chars = folio.replace("-", "")
        for i in range(len(chars)):
            for c in ALPHABET:
                if c == chars[i]:
                    continue
                typo = chars[:i] + c + chars[i + 1:]
                with pytest.raises(InvalidField):
                    normalize_folio(typo)


def test_bad_input_is_a_clear_error() -> None:
    for bad in ("", "ABC", "K7Q2-9MXD-4TRA-5X", "K7Q2-9MXD-4TR*-5"):
        with pytest.raises(InvalidField):
            normalize_folio(bad)
    with pytest.raises(InvalidField):
        new_folio(random_bits=1 << 60)
