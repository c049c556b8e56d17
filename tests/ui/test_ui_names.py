"""The name as the citizen knows it: the longest names a synthetic card can carry, on the review and the
confirmation, at every supported size, in both languages, normal and large text, whole and never shrunk out
of its box (walkthrough finding 2: "FERNANDEZ DE CORDOBA IBANEZ R…" cut on the screen that asks "¿Está bien?")."""

from __future__ import annotations

import dataclasses

import pygame
import pytest

from kiosk.flow.samples import longest_names, sample_screen_models, with_name
from kiosk.flow.states import State
from kiosk.ui.layout import SUPPORTED_SIZES
from kiosk.ui.runtime import UiRuntime

NAMES = longest_names()


@pytest.fixture(scope="module")
def models() -> dict[str, dict[State, object]]:
    pygame.font.init()
    return {lang: sample_screen_models(lang) for lang in ("es", "en")}


def test_the_names_are_the_longest_the_card_gives() -> None:
    # built from the synthetic name lists through the real MRZ: cut ones end at the MRZ's 30 characters
    assert any(n["is_name_truncated"] for n in NAMES) and any(not n["is_name_truncated"] for n in NAMES)
    for n in NAMES:
        shown = " ".join(v for k, v in n.items() if k != "is_name_truncated" and v)
        assert len(shown) >= 26 and shown == shown.upper() and "Ñ" not in shown


@pytest.mark.parametrize("size", SUPPORTED_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize("large_text", [False, True], ids=["normal", "large"])
@pytest.mark.parametrize("state", [State.REVIEW_DATA, State.CONFIRM], ids=lambda s: s.value)
def test_the_whole_name_shows_at_every_size(models, size, lang, large_text, state) -> None:
    surface = pygame.Surface(size)
    for name in NAMES:
        model = dataclasses.replace(with_name(models[lang][state], name), large_text=large_text)
        full = model.review.full_name
        runtime = UiRuntime()
        runtime.render(surface, model, now_s=1.0)
        holding = [t for t in runtime.last_texts if full in t.text]
        assert holding, (full, [t.text for t in runtime.last_texts])
        for rec in holding:
            assert rec.is_fitted and surface.get_rect().contains(rec.rect), (full, rec)
        unfitted = [t.text for t in runtime.last_texts if not t.is_fitted]
        assert not unfitted, unfitted
        if state == State.REVIEW_DATA:
            drawn = " | ".join(t.text for t in runtime.last_texts)
            # the code on the card has no accents or Ñ: the screen says so, so "PENA" is not taken for a misreading
            assert ("sin acentos ni Ñ" if lang == "es" else "no accents or Ñ") in drawn
