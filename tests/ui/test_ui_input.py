"""Touches (finger AND mouse) become the right flow events, exactly once; the signature pad records strokes
with timestamps and enforces a minimum of ink; scrolling, PIN typing and the consent tick stay in the UI."""

from __future__ import annotations

import dataclasses

import pygame
import pytest

from kiosk.flow import events as ev
from kiosk.flow.samples import sample_screen_models
from kiosk.flow.states import State
from kiosk.ui.input import PointerInput
from kiosk.ui.loop import UiRenderer
from kiosk.ui.widgets import LocalAction

SIZE = (800, 480)


@pytest.fixture(scope="module")
def models():
    pygame.font.init()
    return sample_screen_models("es")


def finger(kind: int, x_px: float, y_px: float, fid: int = 0, size=None) -> pygame.event.Event:
    size = size or SIZE
    return pygame.event.Event(kind, x=x_px / (size[0] - 1), y=y_px / (size[1] - 1), finger_id=fid, touch_id=1,
                              dx=0.0, dy=0.0)


def mouse(kind: int, x: float, y: float, *, touch: bool = False) -> pygame.event.Event:
    attrs = {"pos": (int(x), int(y)), "touch": touch}
    if kind != pygame.MOUSEMOTION:
        attrs["button"] = 1
    else:
        attrs["rel"], attrs["buttons"] = (0, 0), (1, 0, 0)
    return pygame.event.Event(kind, **attrs)


def tap_finger(r: UiRenderer, pos, t: float) -> list:
    out = r.handle(finger(pygame.FINGERDOWN, *pos), t)
    out += r.handle(finger(pygame.FINGERUP, *pos), t + 0.08)
    return out


def tap_mouse(r: UiRenderer, pos, t: float) -> list:
    out = r.handle(mouse(pygame.MOUSEBUTTONDOWN, *pos), t)
    out += r.handle(mouse(pygame.MOUSEBUTTONUP, *pos), t + 0.08)
    return out


def center_of(r: UiRenderer, action_type=None, *, label: str | None = None, local: str | None = None):
    for tgt in r.runtime.last_targets:
        if action_type is not None and isinstance(tgt.action, action_type):
            return tgt.rect.center
        if label is not None and tgt.label == label:
            return tgt.rect.center
        if local is not None and isinstance(tgt.action, LocalAction) and tgt.action.name == local:
            return tgt.rect.center
    raise AssertionError(f"no target {action_type} {label} {local}")


# ----- PointerInput on its own -----------------------------------------------------------------------------
def test_finger_tap_is_press_release_tap_in_pixels() -> None:
    pi = PointerInput(SIZE)
    out = pi.handle(finger(pygame.FINGERDOWN, 400, 240), 1.0) + pi.handle(finger(pygame.FINGERUP, 402, 241), 1.1)
    assert [p.kind for p in out] == ["press", "release", "tap"]
    assert out[0].pos == pytest.approx((400, 240), abs=1)
    assert out[2].pos == pytest.approx((400, 240), abs=1)


def test_synthetic_mouse_events_from_a_touch_are_dropped() -> None:
    pi = PointerInput(SIZE)
    out = pi.handle(finger(pygame.FINGERDOWN, 100, 100), 1.0)
    out += pi.handle(mouse(pygame.MOUSEBUTTONDOWN, 100, 100, touch=True), 1.0)
    out += pi.handle(finger(pygame.FINGERUP, 100, 100), 1.05)
    out += pi.handle(mouse(pygame.MOUSEBUTTONUP, 100, 100, touch=True), 1.05)
    assert [p.kind for p in out].count("tap") == 1
    # and even when the driver does not mark them, mouse events right after a finger are dropped
    late = pi.handle(mouse(pygame.MOUSEBUTTONDOWN, 100, 100), 1.2) + pi.handle(
        mouse(pygame.MOUSEBUTTONUP, 100, 100), 1.25)
    assert late == []


def test_plain_mouse_click_is_a_tap() -> None:
    pi = PointerInput(SIZE)
    out = pi.handle(mouse(pygame.MOUSEBUTTONDOWN, 10, 20), 5.0) + pi.handle(mouse(pygame.MOUSEBUTTONUP, 10, 20), 5.1)
    assert [p.kind for p in out] == ["press", "release", "tap"]
    assert pi.handle(mouse(pygame.MOUSEMOTION, 50, 50), 5.2) == []  # no button held: no drag


def test_a_drag_is_not_a_tap_and_a_second_finger_is_ignored() -> None:
    pi = PointerInput(SIZE, tap_slop_px=20)
    out = pi.handle(finger(pygame.FINGERDOWN, 100, 100), 1.0)
    out += pi.handle(finger(pygame.FINGERDOWN, 300, 300, fid=7), 1.01)
    out += pi.handle(finger(pygame.FINGERMOTION, 300, 300, fid=7), 1.02)
    out += pi.handle(finger(pygame.FINGERMOTION, 160, 100), 1.05)
    out += pi.handle(finger(pygame.FINGERUP, 200, 100), 1.1)
    assert [p.kind for p in out] == ["press", "move", "release"]


# ----- on real screens ------------------------------------------------------------------------------------
@pytest.mark.parametrize("size", [(800, 480), (720, 1280)])
@pytest.mark.parametrize("tap", [tap_finger, tap_mouse], ids=["finger", "mouse"])
def test_start_and_language_buttons(models, size, tap) -> None:
    global SIZE
    old, SIZE = SIZE, size
    try:
        r = UiRenderer(size)
        r.render(models[State.WELCOME])
        assert tap(r, center_of(r, ev.StartPressed), 1.0) == [ev.StartPressed()]
        assert tap(r, center_of(r, label="English"), 3.0) == [ev.LanguageChosen("en")]
        assert tap(r, center_of(r, label="Letra grande"), 5.0) == [ev.AccessibilityToggled("large_text")]
        assert tap(r, center_of(r, ev.HelpRequested), 7.0) == [ev.HelpRequested()]
    finally:
        SIZE = old


def test_touch_with_synthetic_mouse_gives_one_event(models) -> None:
    r = UiRenderer(SIZE)
    r.render(models[State.WELCOME])
    x, y = center_of(r, ev.StartPressed)
    events = [finger(pygame.FINGERDOWN, x, y), mouse(pygame.MOUSEBUTTONDOWN, x, y, touch=True),
              finger(pygame.FINGERUP, x, y), mouse(pygame.MOUSEBUTTONUP, x, y, touch=True)]
    out = [e for i, pe in enumerate(events) for e in r.handle(pe, 1.0 + i * 0.01)]
    assert out == [ev.StartPressed()]


def test_touch_outside_any_button_does_nothing(models) -> None:
    r = UiRenderer(SIZE)
    r.render(models[State.REVIEW_DATA])
    assert tap_finger(r, (400, 300), 1.0) == []


def test_every_screen_maps_each_target_to_its_own_event(models) -> None:
    r = UiRenderer(SIZE)
    t = 1.0
    for state, model in models.items():
        r.render(model)
        for tgt in list(r.runtime.last_targets):
            if not tgt.is_enabled or tgt.action is None or isinstance(tgt.action, LocalAction):
                continue
            # the topmost target under its centre is itself (nothing covers a button)
            out = tap_finger(r, tgt.rect.center, t)
            t += 1.0
            assert out == [tgt.action], (state, tgt.label, out)


def test_privacy_needs_the_tick_before_accept(models) -> None:
    r = UiRenderer(SIZE)
    model = models[State.PRIVACY_NOTICE]
    r.render(model)
    accept = next(t for t in r.runtime.last_targets if t.label == "Acepto")
    # greyed, yet a tap says what is missing (the walkthrough's tap did nothing at all)
    assert tap_finger(r, accept.rect.center, 1.0) == []
    r.render(model)
    assert "Marca la casilla para continuar." in [t.text for t in r.runtime.last_texts]
    assert tap_finger(r, center_of(r, local="toggle_consent"), 2.0) == []
    r.render(model)
    assert tap_finger(r, accept.rect.center, 3.0) == [ev.ConsentGiven()]
    assert tap_mouse(r, center_of(r, ev.ConsentDeclined), 5.0) == [ev.ConsentDeclined()]


def test_privacy_scrolls_by_drag_and_by_buttons(models) -> None:
    r = UiRenderer(SIZE)
    r.render(models[State.PRIVACY_NOTICE])
    local = r.runtime.local
    assert local.scroll_max_px > 0 and local.scroll_px == 0
    area = local.scroll_rect
    x = area.centerx
    r.handle(finger(pygame.FINGERDOWN, x, area.bottom - 10), 1.0)
    r.handle(finger(pygame.FINGERMOTION, x, area.bottom - 90), 1.1)
    assert r.handle(finger(pygame.FINGERUP, x, area.bottom - 90), 1.2) == []
    assert local.scroll_px == 80
    r.render(models[State.PRIVACY_NOTICE])
    down = next(t for t in r.runtime.last_targets if t.action == LocalAction("scroll", 1))
    tap_finger(r, down.rect.center, 3.0)
    assert local.scroll_px > 80


def test_pin_digits_stay_local_until_enter(models) -> None:
    r = UiRenderer(SIZE)
    model = models[State.OPERATOR_PIN]
    model = dataclasses.replace(model, notice=None)
    out = []
    t = 1.0
    for digit in "1294":
        r.render(model)
        out += tap_finger(r, center_of(r, label=digit), t)
        t += 1
    r.render(model)
    out += tap_finger(r, center_of(r, label="Borrar"), t)
    r.render(model)
    out += tap_finger(r, center_of(r, label="3"), t + 1)
    assert out == []
    r.render(model)
    assert tap_finger(r, center_of(r, label="Entrar"), t + 2) == [ev.PinEntered("1293")]
    assert r.runtime.local.pin == ""


def _draw_stroke(r: UiRenderer, pad: pygame.Rect, t0: float, n: int = 30, use_mouse: bool = False) -> None:
    pts = [(pad.left + 20 + k * (pad.width - 40) / n, pad.centery + (k % 5) * 8) for k in range(n + 1)]
    if use_mouse:
        r.handle(mouse(pygame.MOUSEBUTTONDOWN, *pts[0]), t0)
        for i, p in enumerate(pts[1:]):
            r.handle(mouse(pygame.MOUSEMOTION, *p), t0 + 0.02 * (i + 1))
        r.handle(mouse(pygame.MOUSEBUTTONUP, *pts[-1]), t0 + 0.02 * (n + 1))
    else:
        r.handle(finger(pygame.FINGERDOWN, *pts[0]), t0)
        for i, p in enumerate(pts[1:]):
            r.handle(finger(pygame.FINGERMOTION, *p), t0 + 0.02 * (i + 1))
        r.handle(finger(pygame.FINGERUP, *pts[-1]), t0 + 0.02 * (n + 1))


def test_signature_records_timed_strokes_and_needs_enough_ink(models) -> None:
    r = UiRenderer(SIZE)
    model = models[State.SIGNATURE]
    r.render(model)
    pad = r.runtime.local.pad_rect
    # a dot is not a signature, and the Done button stays disabled until there is ink
    assert not next(t for t in r.runtime.last_targets if t.label == "Listo").is_enabled
    tap_finger(r, pad.center, 1.0)
    r.render(model)
    assert tap_finger(r, center_of(r, label="Listo"), 2.0) == []
    assert r.runtime.local.notice == "signature.too_short"
    # clear, then a real signature in two strokes (finger, then mouse)
    r.render(model)
    assert tap_finger(r, center_of(r, label="Borrar"), 3.0) == [ev.SignatureCleared()]
    _draw_stroke(r, pad, 10.0)
    _draw_stroke(r, pad.move(0, 30).clip(pad), 12.0, use_mouse=True)
    r.render(model)
    out = tap_finger(r, center_of(r, label="Listo"), 20.0)
    assert len(out) == 1 and isinstance(out[0], ev.SignatureSubmitted)
    strokes = out[0].strokes
    assert len(strokes) == 2 and len(strokes[0].points) == 31
    first = strokes[0].points
    assert first[0][2] == 0.0 and first[-1][2] == pytest.approx(0.60, abs=1e-6)  # relative to the first touch
    assert strokes[1].points[0][2] == pytest.approx(2.0, abs=1e-6)
    assert all(0 <= x <= pad.width and 0 <= y <= pad.height for s in strokes for x, y, _ in s.points)
    assert first[0][0] == pytest.approx(20, abs=1.5)  # pad-relative pixels


def test_signature_undo_redo(models) -> None:
    r = UiRenderer(SIZE)
    model = models[State.SIGNATURE]
    r.render(model)
    pad = r.runtime.local.pad_rect
    _draw_stroke(r, pad, 1.0)
    _draw_stroke(r, pad, 3.0)
    r.render(model)
    tap_finger(r, center_of(r, label="Deshacer"), 5.0)
    assert len(r.runtime.local.pad.strokes) == 1
    r.render(model)
    tap_finger(r, center_of(r, label="Rehacer"), 6.0)
    assert len(r.runtime.local.pad.strokes) == 2


def test_local_state_is_dropped_when_the_screen_changes(models) -> None:
    r = UiRenderer(SIZE)
    r.render(models[State.SIGNATURE])
    _draw_stroke(r, r.runtime.local.pad_rect, 1.0)
    assert r.runtime.local.pad.strokes
    r.render(models[State.CONFIRM])
    r.render(models[State.SIGNATURE])
    assert not r.runtime.local.pad.strokes


def test_busy_screen_swallows_touches(models) -> None:
    r = UiRenderer(SIZE)
    model = dataclasses.replace(models[State.CHOOSE_CARD_MODEL], is_busy=True)
    r.render(model)
    assert tap_finger(r, (r.size_px[0] // 2, r.size_px[1] // 2), 1.0) == []
    assert tap_finger(r, (20, 20), 2.0) == []


def test_local_touches_count_as_activity_and_any_touch_answers_the_idle_warning(models) -> None:
    r = UiRenderer(SIZE)
    pings: list[str] = []
    r.render(models[State.PRIVACY_NOTICE])
    area = r.runtime.local.scroll_rect
    for t, pe in ((1.0, finger(pygame.FINGERDOWN, area.centerx, area.bottom - 5)),
                  (1.1, finger(pygame.FINGERMOTION, area.centerx, area.top + 5)),
                  (1.2, finger(pygame.FINGERUP, area.centerx, area.top + 5)),
                  (1.5, finger(pygame.FINGERDOWN, area.centerx, area.bottom - 5)),  # within a second: no ping
                  (1.6, finger(pygame.FINGERUP, area.centerx, area.bottom - 5))):
        for intent in r.pointer.handle(pe, t):
            r.runtime.handle_pointer(intent, lambda e: pings.append(("event", e)), lambda: pings.append("ping"))
    assert pings == ["ping"]
    # the idle warning: a touch anywhere off the buttons is "I am still here"
    r.render(models[State.IDLE_WARNING])
    assert tap_finger(r, (5, r.size_px[1] // 2), 5.0) == [ev.StillHereConfirmed()]
    assert tap_finger(r, center_of(r, ev.CancelRequested), 6.0) == [ev.CancelRequested()]


def test_long_lists_page_with_up_and_down(models) -> None:
    from kiosk.flow.screen_model import AspirantItem

    many = tuple(AspirantItem(id=f"a{i}", name=f"Aspirante Muestra {i}", office={"es": "Distrito 05"})
                 for i in range(9))
    model = dataclasses.replace(models[State.CHOOSE_ASPIRANT], aspirants=many)
    r = UiRenderer(SIZE)
    r.render(model)
    shown = [t.action.aspirant_id for t in r.runtime.last_targets if isinstance(t.action, ev.AspirantChosen)]
    assert 0 < len(shown) < 9 and shown[0] == "a0"
    seen = set(shown)
    for k in range(9):
        down = next(t for t in r.runtime.last_targets if t.action == LocalAction("page", 1))
        if not down.is_enabled:
            break
        tap_finger(r, down.rect.center, 10.0 + k)
        r.render(model)
        seen |= {t.action.aspirant_id for t in r.runtime.last_targets if isinstance(t.action, ev.AspirantChosen)}
    assert seen == {a.id for a in many}
    last = [t for t in r.runtime.last_targets if isinstance(t.action, ev.AspirantChosen)][-1]
    assert tap_finger(r, last.rect.center, 50.0) == [ev.AspirantChosen("a8")]
    assert all(min(t.rect.size) >= 60 for t in r.runtime.last_targets if t.is_enabled)
    assert all(rec.is_fitted for rec in r.runtime.last_texts)
    assert {"Subir", "Bajar"} <= {t.label for t in r.runtime.last_targets}


@pytest.mark.parametrize("state", [State.OPERATOR_PIN, State.CARD_BACK, State.CHOOSE_CARD_MODEL])
def test_every_busy_screen_swallows_touches(models, state) -> None:
    r = UiRenderer(SIZE)
    model = dataclasses.replace(models[state], is_busy=True)
    r.render(model)
    live = (ev.CancelRequested, ev.HelpRequested)  # the header stays live: leaving never waits for a check
    for tgt in [t for t in r.runtime.last_targets if t.action is not None]:
        expected = [tgt.action] if isinstance(tgt.action, live) else []
        assert tap_finger(r, tgt.rect.center, 1.0) == expected, tgt.label


def test_a_lost_finger_up_does_not_leave_the_screen_deaf() -> None:
    pi = PointerInput(SIZE, lost_finger_s=2.0)
    pi.handle(finger(pygame.FINGERDOWN, 100, 100, fid=1), 1.0)  # its UP never arrives
    assert pi.handle(finger(pygame.FINGERDOWN, 200, 200, fid=2), 1.5) == []  # second finger: ignored
    out = pi.handle(finger(pygame.FINGERDOWN, 300, 300, fid=3), 5.0)
    out += pi.handle(finger(pygame.FINGERUP, 300, 300, fid=3), 5.1)
    assert [p.kind for p in out] == ["press", "release", "tap"]
    # the same for a mouse whose button-up was lost
    mi = PointerInput(SIZE)
    mi.handle(mouse(pygame.MOUSEBUTTONDOWN, 10, 10), 1.0)
    out = mi.handle(mouse(pygame.MOUSEBUTTONDOWN, 50, 50), 3.0) + mi.handle(mouse(pygame.MOUSEBUTTONUP, 50, 50), 3.1)
    assert [p.kind for p in out] == ["press", "release", "tap"] and out[-1].pos == (50, 50)


@pytest.mark.parametrize("size", [(800, 480), (720, 1280), (1280, 800)])
def test_privacy_notice_ends_with_a_readable_qr_of_the_full_notice(models, size) -> None:
    import numpy as np
    import zxingcpp

    model = models[State.PRIVACY_NOTICE]
    r = UiRenderer(size)
    r.render(model)
    r.runtime.local.scroll_px = r.runtime.local.scroll_max_px  # as after swiping to the end
    surface = r.render(model)
    rgb = np.ascontiguousarray(pygame.surfarray.array3d(surface).transpose(1, 0, 2))
    assert model.process.privacy_url in [b.text for b in zxingcpp.read_barcodes(rgb)]
