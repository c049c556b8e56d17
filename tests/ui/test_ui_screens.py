"""Every screen at every supported size, in both languages, normal / high-contrast / large-text, under SDL's dummy
driver: no text clipped or outside its box or the screen, no texts or touch targets on top of each other, every
touch target big enough, no missing strings."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pygame
import pytest

from kiosk.camera.base import Frame
from kiosk.flow.samples import sample_screen_models
from kiosk.flow.states import HELP_STATES, State
from kiosk.ui.i18n import translator
from kiosk.ui.layout import SUPPORTED_SIZES
from kiosk.ui.runtime import UiRuntime
from kiosk.ui.screens._base import CANCEL_STATES

VARIANTS = ("normal", "high_contrast", "large_text")


@pytest.fixture(scope="module")
def models() -> dict[str, dict[State, object]]:
    pygame.font.init()
    # some sample walks start fresh machines in Spanish: set the language on every model
    return {lang: {st: dataclasses.replace(m, language=lang) for st, m in sample_screen_models(lang).items()}
            for lang in ("es", "en")}


@pytest.fixture(scope="module")
def preview() -> Frame:
    img = np.zeros((480, 640, 3), np.uint8)
    img[120:360, 140:500] = (200, 180, 160)
    return Frame(image=img, timestamp_s=0.0, index=1)


def _variant(model, variant: str):
    if variant == "high_contrast":
        return dataclasses.replace(model, high_contrast=True)
    if variant == "large_text":
        return dataclasses.replace(model, large_text=True)
    return model


def _problems(runtime: UiRuntime, surface: pygame.Surface) -> list[str]:
    screen = surface.get_rect()
    out = []
    for rec in runtime.last_texts:
        if not rec.is_fitted:
            out.append(f"does not fit its box: {rec.text!r} ({rec.size_px}px in {tuple(rec.box)})")
        elif rec.rect.width and not rec.box.contains(rec.rect):
            out.append(f"outside its box: {rec.text!r} {tuple(rec.rect)} not in {tuple(rec.box)}")
        if rec.rect.width and not screen.contains(rec.rect):
            out.append(f"off screen: {rec.text!r} {tuple(rec.rect)}")
    for rec in runtime.last_offscreen_texts:  # scrolled content: must fit its own box; the area scrolls
        if not rec.is_fitted or (rec.rect.width and not rec.box.contains(rec.rect)):
            out.append(f"scrolled text does not fit: {rec.text!r}")
    return out


@pytest.mark.parametrize("size", SUPPORTED_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("lang", ("es", "en"))
def test_every_screen_fits(models, preview, size, variant, lang) -> None:
    runtime = UiRuntime()
    surface = pygame.Surface(size)
    failures: dict[str, list[str]] = {}
    for state, model in models[lang].items():
        model = _variant(model, variant)
        theme_min = None
        runtime.render(surface, model, preview=preview, now_s=1.0)
        theme_min = runtime.theme_for(size, model).min_touch_px
        problems = _problems(runtime, surface)
        for tgt in runtime.last_targets:
            if tgt.is_enabled and tgt.action is not None and min(tgt.rect.size) < theme_min:
                problems.append(f"touch target {tgt.label!r} is {tgt.rect.size}, below {theme_min}px")
            if tgt.is_enabled and not surface.get_rect().contains(tgt.rect):
                problems.append(f"touch target {tgt.label!r} off screen")
        if not runtime.last_texts:
            problems.append("drew no text at all")
        drawn = [r for r in runtime.last_texts if r.rect.width]
        for a, b in itertools.combinations(drawn, 2):
            if a.rect.inflate(-2, -2).colliderect(b.rect.inflate(-2, -2)):
                problems.append(f"texts overlap: {a.text!r} / {b.text!r}")
        live = [t for t in runtime.last_targets if t.is_enabled and t.action is not None]
        for a, b in itertools.combinations(live, 2):
            if a.rect.colliderect(b.rect):
                problems.append(f"touch targets overlap: {a.label!r} / {b.label!r}")
        if problems:
            failures[state.value] = problems
    assert not failures, failures
    assert not translator(lang).missing, f"missing strings: {sorted(translator(lang).missing)}"


def test_every_state_has_a_screen_and_the_samples_cover_them(models) -> None:
    assert set(models["es"]) == set(State)


@pytest.mark.parametrize("size", [(800, 480), (720, 1280)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_cancel_and_help_on_every_citizen_step(models, size) -> None:
    from kiosk.flow import events as ev

    runtime = UiRuntime()
    surface = pygame.Surface(size)
    for state, model in models["es"].items():
        runtime.render(surface, model, now_s=1.0)
        actions = [type(t.action) for t in runtime.last_targets if t.is_enabled]
        if state in CANCEL_STATES:  # the flow asks "do you want to leave?" once something was captured
            assert ev.CancelRequested in actions, state
        if state in HELP_STATES:
            assert ev.HelpRequested in actions or state == State.HELP, state


def test_high_contrast_changes_the_palette(models) -> None:
    runtime = UiRuntime()
    normal = pygame.Surface((800, 480))
    runtime.render(normal, models["es"][State.WELCOME], now_s=0.0)
    contrast = pygame.Surface((800, 480))
    runtime.render(contrast, _variant(models["es"][State.WELCOME], "high_contrast"), now_s=0.0)
    assert normal.get_at((400, 470)) != contrast.get_at((400, 470))
    assert tuple(contrast.get_at((790, 300)))[:3] == (0, 0, 0)  # black background


def test_large_text_makes_text_bigger(models) -> None:
    sizes = {}
    for variant in ("normal", "large_text"):
        runtime = UiRuntime()
        runtime.render(pygame.Surface((1280, 800)), _variant(models["es"][State.REVIEW_DATA], variant), now_s=0.0)
        sizes[variant] = max(r.size_px for r in runtime.last_texts)
    assert sizes["large_text"] > sizes["normal"]


def test_review_shows_masked_identifiers_only(models) -> None:
    runtime = UiRuntime()
    runtime.render(pygame.Surface((800, 480)), models["es"][State.REVIEW_DATA], now_s=0.0)
    drawn = " ".join(r.text for r in runtime.last_texts)
    assert "MUESTRA EJEMPLO ANA SOFIA" in drawn and "0542" in drawn and "2031" in drawn
    assert "123456789" not in drawn and "987654321" not in drawn and "MUEA900517MDFSJN09" not in drawn
    assert "****56789" in drawn


def test_privacy_notice_has_every_checklist_item(models) -> None:
    from kiosk.ui.screens.privacy_notice import SECTIONS

    runtime = UiRuntime()
    model = models["es"][State.PRIVACY_NOTICE]
    runtime.render(pygame.Surface((800, 480)), model, now_s=0.0)
    notice = " ".join(r.text for r in runtime.last_offscreen_texts)
    assert len(SECTIONS) == 10
    for needle in ("Responsable", model.process.responsable, model.aspirant.name, "credencial", "foto", "firma",
                   "INE", "preferencia política", "no pasa nada", "ARCO", "consentimiento", "borran",
                   "primer apoyo", "fotocopia", model.process.privacy_url):
        assert needle in notice, needle


@pytest.mark.parametrize("size", SUPPORTED_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_receipt_qr_decodes_to_the_folio(models, size) -> None:
    import zxingcpp

    runtime = UiRuntime()
    surface = pygame.Surface(size)
    model = models["es"][State.RECEIPT]
    runtime.render(surface, model, now_s=0.0)
    rgb = np.ascontiguousarray(pygame.surfarray.array3d(surface).transpose(1, 0, 2))
    found = [b.text for b in zxingcpp.read_barcodes(rgb)]
    # the QR carries the signed receipt (folio, device, process, aspirant, time, signature), not the folio alone
    assert model.receipt_qr in found and f"|{model.folio}|" in model.receipt_qr
    assert any(model.folio == r.text for r in runtime.last_texts)


def test_card_refused_shows_the_reason_and_retry_only_when_allowed(models) -> None:
    from kiosk.flow import events as ev

    runtime = UiRuntime()
    model = models["es"][State.CARD_REFUSED]
    for reason, can_retry in (("card.photocopy", True), ("card.expired", False)):
        m = dataclasses.replace(model, reason=reason, can_retry=can_retry)
        runtime.render(pygame.Surface((800, 480)), m, now_s=0.0)
        drawn = " ".join(r.text for r in runtime.last_texts)
        assert translator("es").t(f"reason.{reason}") in drawn
        actions = [type(t.action) for t in runtime.last_targets if t.is_enabled]
        assert (ev.RetryRequested in actions) == can_retry


@pytest.mark.parametrize(("act", "lang", "expected"), [
    ("apoyo", "es", "Sí, enviar mi apoyo"), ("afiliacion", "es", "Sí, enviar mi afiliación"),
    ("refrendo", "es", "Sí, enviar mi refrendo"), ("refrendo", "en", "Yes, send my renewal")])
def test_confirm_says_what_the_citizen_is_doing(models, act, lang, expected) -> None:
    """A party affiliation or a refrendo is not called a support (apoyo_protocol.catalog.WORDING)."""
    model = models[lang][State.CONFIRM]
    model = dataclasses.replace(model, process=dataclasses.replace(model.process, act=act))
    runtime = UiRuntime()
    runtime.render(pygame.Surface((800, 480)), model, now_s=0.0)
    drawn = " ".join(r.text for r in runtime.last_texts)
    assert expected in drawn
    if act != "apoyo":
        assert "apoyo" not in drawn.lower() and "support" not in drawn.lower()
