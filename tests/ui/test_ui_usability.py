"""Problems a first-time user met driving the real kiosk under Xvfb, each pinned by a test: what the screen says
must never contradict itself or the citizen's own card."""

from __future__ import annotations

import dataclasses

import pygame
import pytest

from kiosk.flow.samples import sample_screen_models
from kiosk.flow.states import State
from kiosk.ui.runtime import UiRuntime


@pytest.fixture(scope="module")
def es_models() -> dict[State, object]:
    pygame.font.init()
    return sample_screen_models("es")


def _drawn(model, size=(800, 480)) -> str:
    runtime = UiRuntime()
    runtime.render(pygame.Surface(size), model, now_s=1.0)
    return " | ".join(r.text for r in runtime.last_texts)


@pytest.mark.parametrize("challenge", ["turn_left", "turn_right"])
def test_selfie_never_says_look_straight_while_asking_to_turn(es_models, challenge) -> None:
    # Seen live: "Gira despacio la cabeza a tu derecha" beside a box saying "Mira de frente a la cámara" (the
    # per-frame quality check), then "¡Muy bien! Quédate así…" while the head still had to turn.
    model = dataclasses.replace(es_models[State.SELFIE], challenge=challenge, guidance="face.look_straight",
                                challenge_guidance=f"live.{challenge}", liveness_completed=1, liveness_total=2)
    drawn = _drawn(model)
    assert "Gira despacio la cabeza" in drawn
    assert "Mira de frente a la cámara" not in drawn
    assert "Quédate así" not in drawn


def test_selfie_between_challenges_asks_to_look_front_again(es_models) -> None:
    model = dataclasses.replace(es_models[State.SELFIE], challenge=None, guidance="face.look_straight",
                                challenge_guidance="live.look_front", liveness_completed=1, liveness_total=2)
    assert "Vuelve a mirar de frente" in _drawn(model)


def test_selfie_before_the_challenges_shows_framing_advice(es_models) -> None:
    model = dataclasses.replace(es_models[State.SELFIE], challenge=None, guidance="face.closer",
                                challenge_guidance=None, liveness_completed=0, liveness_total=2)
    assert "Acércate un poco a la cámara" in _drawn(model)


# --- Cancel asks first once something of the citizen's was captured -----------------------------------------

def _tap_label(runtime: UiRuntime, label: str, events: list) -> None:
    from kiosk.ui.input import Pointer

    target = next(t for t in reversed(runtime.last_targets) if t.is_enabled and t.label == label)
    pos = target.rect.center
    # a finger on a screen shown for a while (renders are at t ≈ 1 s): press, release, tap
    for kind in ("press", "release", "tap"):
        runtime.handle_pointer(Pointer(kind, pos, 10.0, start_pos=pos), events.append)


@pytest.mark.parametrize("state", [State.REVIEW_DATA, State.SELFIE, State.SIGNATURE, State.CONFIRM])
def test_cancel_after_the_card_asks_before_wiping(es_models, state) -> None:
    # Seen live: one tap on Cancel (right beside Help) at the signature dropped card, selfie and all, at once.
    from kiosk.flow import events as ev
    from kiosk.flow.machine import step
    from kiosk.flow.samples import sample_machines

    runtime, surface, events = UiRuntime(), pygame.Surface((800, 480)), []
    machine = sample_machines("es")[state]
    model = es_models[state]
    runtime.render(surface, model, now_s=1.0)
    _tap_label(runtime, "Cancelar", events)
    assert events == [ev.CancelRequested()]
    # the flow (not the screen) decides to ask; the dialog is drawn from what it says
    machine, _ = step(machine, events.pop())
    assert machine.state == state and machine.is_cancel_asked
    asked = dataclasses.replace(model, is_cancel_asked=True)
    runtime.render(surface, asked, now_s=1.1)
    drawn = " | ".join(r.text for r in runtime.last_texts)
    assert "¿Quieres salir?" in drawn
    _tap_label(runtime, "No, seguir", events)
    assert events == [ev.CancelKept()]
    runtime.render(surface, model, now_s=1.2)
    assert "¿Quieres salir?" not in " | ".join(r.text for r in runtime.last_texts)
    runtime.render(surface, asked, now_s=1.3)
    events.clear()
    _tap_label(runtime, "Sí, salir", events)
    assert events == [ev.CancelConfirmed()]


def test_cancel_before_the_card_leaves_at_once(es_models) -> None:
    from kiosk.flow import events as ev

    runtime, events = UiRuntime(), []
    runtime.render(pygame.Surface((800, 480)), es_models[State.CHOOSE_PROCESS], now_s=1.0)
    _tap_label(runtime, "Cancelar", events)
    assert events == [ev.CancelRequested()]


def test_the_leave_dialog_blocks_the_signature_pad(es_models) -> None:
    from kiosk.ui.input import Pointer

    runtime, surface, events = UiRuntime(), pygame.Surface((800, 480)), []
    runtime.render(surface, es_models[State.SIGNATURE], now_s=1.0)
    runtime.render(surface, dataclasses.replace(es_models[State.SIGNATURE], is_cancel_asked=True), now_s=1.1)
    for kind, x in (("press", 200), ("move", 300), ("release", 400)):
        runtime.handle_pointer(Pointer(kind, (x, 300), 1.2, start_pos=(200, 300)), events.append)
    assert runtime.local.pad.strokes == []


@pytest.mark.parametrize("size", [(800, 480), (720, 1280), (1024, 600), (1280, 800)],
                         ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize("large_text", [False, True])
def test_the_leave_dialog_fits_every_screen(size, lang, large_text) -> None:
    pygame.font.init()
    model = dataclasses.replace(sample_screen_models(lang)[State.SIGNATURE], large_text=large_text)
    runtime, surface = UiRuntime(), pygame.Surface(size)
    runtime.render(surface, model, now_s=1.0)
    runtime.render(surface, dataclasses.replace(model, is_cancel_asked=True), now_s=1.1)
    theme = runtime.theme_for(size, model)
    dialog = runtime.last_texts[-4:]  # heading, body and the two buttons' labels
    for rec in dialog:
        assert rec.is_fitted and surface.get_rect().contains(rec.rect), rec
    blocker = max(i for i, t in enumerate(runtime.last_targets) if t.label == "dialog")
    live = runtime.last_targets[blocker + 1:]  # on top of the blocker that swallows touches to the step
    assert len(live) == 2 and all(min(t.rect.size) >= theme.min_touch_px for t in live)
    assert all(surface.get_rect().contains(t.rect) for t in live)


@pytest.mark.parametrize(("reason", "said"), [("card.data_rejected", "Dijiste que los datos no estaban bien"),
                                              ("card.photo_rejected", "Dijiste que la foto no era la tuya")])
def test_a_retake_says_why_and_its_buttons_match_its_words(es_models, reason, said) -> None:
    # Seen live: "Están mal" / "No es mi foto" jumped to the camera with no word of why; the third time the
    # screen said "Vamos a tomar otra vez tu credencial" with only Terminar and staff help to tap.
    runtime = UiRuntime()
    retake = dataclasses.replace(es_models[State.CARD_REFUSED], reason=reason, can_retry=True)
    runtime.render(pygame.Surface((800, 480)), retake, now_s=1.0)
    drawn = " | ".join(r.text for r in runtime.last_texts)
    labels = [t.label for t in runtime.last_targets if t.is_enabled]
    assert said in drawn and "Vamos a tomar otra vez tu credencial" in drawn and "Tomar otra vez" in labels
    final = dataclasses.replace(retake, can_retry=False)
    runtime.render(pygame.Surface((800, 480)), final, now_s=2.0)
    drawn = " | ".join(r.text for r in runtime.last_texts)
    labels = [t.label for t in runtime.last_targets if t.is_enabled]
    assert "Vamos a tomar otra vez" not in drawn and "Tomar otra vez" not in labels
    assert "Ya no quedan intentos" in drawn and "Pedir ayuda al personal" in labels


def test_no_refusal_promises_a_retry_its_buttons_do_not_offer(es_models) -> None:
    from kiosk.flow.machine import RETRYABLE_CARD_REASONS

    for reason in sorted(RETRYABLE_CARD_REASONS):
        runtime = UiRuntime()
        model = dataclasses.replace(es_models[State.CARD_REFUSED], reason=reason, can_retry=False)
        runtime.render(pygame.Surface((800, 480)), model, now_s=1.0)
        drawn = " | ".join(r.text for r in runtime.last_texts)
        assert "Intentar de nuevo" not in [t.label for t in runtime.last_targets]
        assert "intenta de nuevo" not in drawn.lower() and "Ya no quedan intentos" in drawn, (reason, drawn)


@pytest.mark.parametrize("size", [(800, 480), (720, 1280), (1024, 600), (1280, 800)],
                         ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lang", ["es", "en"])
def test_card_front_reason_fits(size, lang) -> None:
    pygame.font.init()
    base = sample_screen_models(lang)[State.CARD_FRONT]
    for large_text in (False, True):
        model = dataclasses.replace(base, reason="card.photo_rejected", large_text=large_text, language=lang)
        runtime = UiRuntime()
        runtime.render(pygame.Surface(size), model, now_s=1.0)
        assert all(r.is_fitted for r in runtime.last_texts), [r.text for r in runtime.last_texts if not r.is_fitted]


def test_spanish_speaks_to_women_and_men_alike() -> None:
    # Seen live: "Estoy listo, tomar foto" (and the face pipeline's "Quédate quieto") address a man only.
    import re

    from kiosk.ui.i18n import catalogs

    gendered = re.compile(r"\b(estoy list[oa]|quédate quiet[oa]|estás segur[oa])\b", re.IGNORECASE)
    found = {k: v for k, v in catalogs()["es"].items() if gendered.search(v)}
    assert not found, found


def test_a_double_tap_does_not_skip_the_next_screen(es_models) -> None:
    # Seen live: a double tap on "Sí, están bien" also hit "Sí, es mi foto" (same corner) 150 ms later, and the
    # citizen never saw the photo check.
    from kiosk.flow import events as ev
    from kiosk.ui.input import Pointer

    runtime, surface, events = UiRuntime(), pygame.Surface((800, 480)), []
    runtime.render(surface, es_models[State.REVIEW_DATA], now_s=5.0)
    pos = next(t.rect.center for t in runtime.last_targets if t.action == ev.DataConfirmed())
    for kind in ("press", "release", "tap"):
        runtime.handle_pointer(Pointer(kind, pos, 7.0, start_pos=pos), events.append)
    runtime.render(surface, es_models[State.REVIEW_PHOTO], now_s=7.02)
    assert any(t.action == ev.PhotoConfirmed() and t.rect.collidepoint(pos) for t in runtime.last_targets)
    for kind in ("press", "release", "tap"):  # the second tap of the double tap
        runtime.handle_pointer(Pointer(kind, pos, 7.15, start_pos=pos), events.append)
    assert events == [ev.DataConfirmed()]
    for kind in ("press", "release", "tap"):  # a deliberate tap once the photo is on show
        runtime.handle_pointer(Pointer(kind, pos, 8.5, start_pos=pos), events.append)
    assert events == [ev.DataConfirmed(), ev.PhotoConfirmed()]


def test_the_aspirant_list_has_a_way_back_when_there_was_a_process_choice(es_models) -> None:
    from kiosk.flow import events as ev

    runtime = UiRuntime()
    model = es_models[State.CHOOSE_ASPIRANT]
    assert len(model.processes) > 1
    runtime.render(pygame.Surface((800, 480)), model, now_s=1.0)
    back = [t for t in runtime.last_targets if t.is_enabled and t.action == ev.BackRequested()]
    assert len(back) == 1 and back[0].label == "Volver"
    alone = dataclasses.replace(model, processes=model.processes[:1])
    runtime.render(pygame.Surface((800, 480)), alone, now_s=2.0)
    assert not any(t.action == ev.BackRequested() for t in runtime.last_targets)


def test_cancel_and_help_right_after_a_new_screen_are_not_ignored(es_models) -> None:
    # Seen live: Cancelar tapped as the back step appeared did nothing (the 0.4 s settle rule) and the flow
    # went on. Help and Cancel mean the same on every step, so the settle rule does not apply to them.
    from kiosk.flow import events as ev
    from kiosk.ui.input import Pointer

    for label, expected in (("Cancelar", ev.CancelRequested()), ("Ayuda", ev.HelpRequested())):
        runtime, events = UiRuntime(), []
        runtime.render(pygame.Surface((800, 480)), es_models[State.CARD_BACK], now_s=5.0)
        target = next(t for t in runtime.last_targets if t.is_enabled and t.label == label)
        for kind in ("press", "release", "tap"):
            runtime.handle_pointer(Pointer(kind, target.rect.center, 5.1, start_pos=target.rect.center),
                                   events.append)
        assert events == [expected]
    # other buttons still wait out the settle time (a double tap's second half is not for the new screen)
    runtime, events = UiRuntime(), []
    runtime.render(pygame.Surface((800, 480)), es_models[State.REVIEW_DATA], now_s=5.0)
    target = next(t for t in runtime.last_targets if t.is_enabled and t.action == ev.DataConfirmed())
    for kind in ("press", "release", "tap"):
        runtime.handle_pointer(Pointer(kind, target.rect.center, 5.1, start_pos=target.rect.center), events.append)
    assert events == []


def test_the_notice_says_how_long_records_really_stay(tmp_path) -> None:
    # The notice said data are erased once INE confirms receipt, while store.purge_grace_days kept them longer.
    from kiosk.config import load_config
    from kiosk.flow.machine import FlowSettings
    from kiosk.flow.samples import sample_screen_models, sample_settings
    from kiosk.ui.i18n import translator
    from kiosk.ui.screens._base import ScreenContext
    from kiosk.ui.screens.privacy_notice import notice_texts
    from kiosk.ui.theme import Fonts, make_theme
    from kiosk.ui.widgets import Painter

    cfg = load_config(env={}, overrides={"store": {"purge_grace_days": 7}})
    support = FlowSettings.from_config(cfg, ()).support
    settings = dataclasses.replace(sample_settings(is_operator_mode=True), support=support)
    for lang, said in (("es", "y 7 días más"), ("en", "and 7 more days")):
        model = sample_screen_models(lang, settings)[State.PRIVACY_NOTICE]
        surface = pygame.Surface((800, 480))
        ctx = ScreenContext(p=Painter(surface, make_theme((800, 480)), Fonts(), {}), m=model,
                            tr=translator(lang), local=UiRuntime().local, now_s=0.0)
        assert any(said in body for _, body in notice_texts(ctx)), lang
