"""Folios: short, unique per device, typo-resistant."""

from __future__ import annotations

import random

import pytest

from kiosk.errors import InvalidField
from kiosk.store.folio import ALPHABET, MAX_SEQ, device_tag, folio_seq, make_folio, normalize_folio


def test_unique_and_invertible_over_a_long_run():
    folios = [make_folio("kiosk-a", s) for s in range(1, 20_001)]
    assert len(set(folios)) == 20_000
    assert all(len(f) == 11 and f[4] == "-" and f[9] == "-" for f in folios)
    for s in (1, 2, 777, 20_000, MAX_SEQ):
        assert folio_seq("kiosk-a", make_folio("kiosk-a", s)) == s


def test_every_single_character_typo_is_caught():
    rnd = random.Random(7)
    for seq in rnd.sample(range(1, MAX_SEQ), 40):
        folio = make_folio("kiosk-a", seq)
        chars = folio.replace("-", "")
        for i in range(9):
            for c in ALPHABET:
                if c != chars[i]:
                    typo = chars[:i] + c + chars[i + 1:]
                    with pytest.raises(InvalidField):
                        normalize_folio(typo)


def test_most_adjacent_swaps_are_caught():
    caught = total = 0
    for seq in range(1, 400):
        chars = make_folio("kiosk-b", seq).replace("-", "")
        for i in range(8):
            if chars[i] != chars[i + 1]:
                total += 1
                swapped = chars[:i] + chars[i + 1] + chars[i] + chars[i + 2:]
                try:
                    normalize_folio(swapped)
                except InvalidField:
                    caught += 1
    assert caught / total > 0.9


def test_normalisation_and_device_binding():
    folio = make_folio("kiosk-a", 42)
    assert normalize_folio(folio.lower().replace("-", " ")) == folio
    with_aliases = folio.replace("1", "l").replace("0", "o")
    assert normalize_folio(with_aliases) == folio
    assert device_tag("kiosk-a") != device_tag("kiosk-b")
    with pytest.raises(InvalidField, match="another device"):
        folio_seq("kiosk-b", folio)
    for bad in ("", "ABC", "UUUU-UUUU-U", folio + "X"):
        with pytest.raises(InvalidField):
            normalize_folio(bad)
    for seq in (0, -1, MAX_SEQ + 1):
        with pytest.raises(InvalidField):
            make_folio("kiosk-a", seq)
