"""Widgets, theme, layout, i18n, spoken text, the render loop and the frame-time hook."""

from __future__ import annotations

import json
import types

import numpy as np
import pygame
import pytest

from kiosk.flow import events as ev
from kiosk.flow.machine import new_machine, step
from kiosk.flow.samples import sample_screen_models, sample_settings
from kiosk.flow.screen_model import build_screen_model
from kiosk.flow.states import State
from kiosk.ui import i18n
from kiosk.ui.layout import SUPPORTED_SIZES, make_layout, split_media
from kiosk.ui.spoken import spoken_text
from kiosk.ui.theme import Fonts, font_path, make_theme
from kiosk.ui.widgets import Painter, SignaturePad, qr_matrix, qr_surface, wrap_words


@pytest.fixture(autouse=True, scope="module")
def _fonts():
    pygame.font.init()
    yield


# ----- theme and layout -------------------------------------------------------------------------------------
@pytest.mark.parametrize("size", SUPPORTED_SIZES)
def test_layout_regions_tile_the_screen(size) -> None:
    theme = make_theme(size)
    lay = make_layout(theme)
    screen = pygame.Rect(0, 0, *size)
    for region in (lay.header, lay.body, lay.footer):
        assert screen.contains(region)
    assert lay.header.bottom <= lay.body.top < lay.body.bottom <= lay.footer.top
    media, panel = split_media(theme, lay.body)
    assert media.width / media.height == pytest.approx(4 / 3, rel=0.02)
    assert lay.body.contains(media) and lay.body.contains(panel) and not media.colliderect(panel)
    assert lay.is_portrait == (size[1] > size[0])


def test_touch_minimum_is_9mm_on_the_7_inch_panel_and_scales() -> None:
    assert make_theme((800, 480)).min_touch_px == 60
    assert make_theme((720, 1280)).min_touch_px >= 75  # the denser Touch Display 2
    assert make_theme((800, 480), large_text=True).font_px("body") > make_theme((800, 480)).font_px("body")
    with pytest.raises(ValueError):
        make_theme((200, 100))


def test_dejavu_font_renders_spanish_and_is_found() -> None:
    path = font_path()
    assert path is not None and path.name == "DejaVuSans.ttf"
    fonts = Fonts()
    surf = fonts.render("¿Sigues ahí? ¡Sí! Año, sección, vigencia — ÁÉÍÓÚÑ", 24, (0, 0, 0))
    assert surf.get_width() > 300
    # every glyph is real (no 'missing glyph' boxes): each accented letter is drawn differently from its base
    font = fonts.font(24)
    for a, b in (("n", "ñ"), ("?", "¿"), ("!", "¡"), ("e", "é")):
        assert pygame.surfarray.array_alpha(font.render(a, True, (0, 0, 0))).tobytes() != \
            pygame.surfarray.array_alpha(font.render(b, True, (0, 0, 0))).tobytes()


# ----- text fitting ------------------------------------------------------------------------------------------
def test_wrap_words_keeps_words_and_breaks_only_overlong_ones() -> None:
    measure = len
    assert wrap_words("uno dos tres cuatro", 8, measure) == ["uno dos", "tres", "cuatro"]
    assert wrap_words("supercalifragilistico", 8, measure) == ["supercal", "ifragili", "stico"]
    assert wrap_words("a\nb c", 10, measure) == ["a", "b c"]


def test_text_shrinks_to_fit_and_reports_when_it_cannot() -> None:
    theme = make_theme((800, 480))
    p = Painter(pygame.Surface((800, 480)), theme, Fonts())
    box = pygame.Rect(10, 10, 200, 60)
    long = "Pon tu credencial dentro del recuadro, con tu foto hacia la cámara."
    r = p.text(long, box, role="title")
    rec = p.texts[-1]
    assert rec.is_fitted and box.contains(r) and rec.size_px < theme.font_px("title")
    p.text(long * 6, pygame.Rect(10, 100, 120, 30), role="body")
    assert not p.texts[-1].is_fitted  # a test on this record fails loudly rather than silently clipping


# ----- QR ----------------------------------------------------------------------------------------------------
def test_qr_round_trips_through_a_reader() -> None:
    import zxingcpp

    modules = qr_matrix("K1-000042-7Q")
    assert modules.dtype == bool and modules.shape[0] == modules.shape[1] >= 21
    surf = qr_surface("K1-000042-7Q", 200)
    assert surf.get_width() <= 200
    rgb = np.ascontiguousarray(pygame.surfarray.array3d(surf).transpose(1, 0, 2))
    assert [b.text for b in zxingcpp.read_barcodes(rgb)] == ["K1-000042-7Q"]


# ----- signature pad -----------------------------------------------------------------------------------------
def test_signature_pad_minimum_ink_and_history() -> None:
    pad = SignaturePad(min_ink=0.8, min_points=12, aspect=3.0)
    pad.press(0.1, 0.5, 1.0)
    pad.release(0.1, 0.5, 1.1)
    assert not pad.has_enough_ink  # a dot
    pad.press(0.1, 0.5, 2.0)
    for k in range(1, 20):
        pad.move(0.1 + k * 0.04, 0.5 + (k % 2) * 0.1, 2.0 + k * 0.02)
    pad.release(0.9, 0.5, 2.5)
    assert pad.ink_length > 0.8 and pad.has_enough_ink
    assert all(0.0 <= x <= 1.0 and 0.0 <= y <= 1.0 for s in pad.strokes for x, y, _ in s)
    assert [p[2] for p in pad.strokes[1]] == sorted(p[2] for p in pad.strokes[1])
    pad.undo()
    assert not pad.has_enough_ink and pad.can_redo
    pad.redo()
    assert pad.has_enough_ink
    pad.clear()
    assert pad.strokes == [] and pad.ink_length == 0.0
    pad.redo()
    pad.redo()
    assert len(pad.strokes) == 2
    pad.move(0.5, 0.5, 9.0)  # no stroke in progress: ignored
    assert len(pad.strokes[-1]) == 21
    pad.press(2.0, -1.0, 10.0)  # outside the pad: clamped
    assert pad.strokes[-1][0][:2] == (1.0, 0.0)


# ----- i18n and spoken text ----------------------------------------------------------------------------------
def test_catalogs_have_the_same_keys_and_placeholders() -> None:
    es = json.loads((i18n.LOCALES_DIR / "es.json").read_text(encoding="utf-8"))
    en = json.loads((i18n.LOCALES_DIR / "en.json").read_text(encoding="utf-8"))
    assert set(es) == set(en)
    import string

    def fields(s: str) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(s) if f}

    assert {k: fields(v) for k, v in es.items()} == {k: fields(v) for k, v in en.items()}
    for state in State:
        assert f"voice.{state.value}" in es


def test_translator_falls_back_and_fills_placeholders() -> None:
    tr = i18n.Translator("en")
    assert tr.t("retry.left.other", n=2) == "2 tries left."
    assert tr.t("no.such.key") == "no.such.key" and "no.such.key" in tr.missing
    assert i18n.Translator("fr").language == "es"
    assert tr.t("retry.left.other") == "{n} tries left."  # a missing value shows, never crashes


@pytest.mark.parametrize(("lang", "key", "n", "expected"), [
    ("es", "retry.left", 1, "Te queda 1 intento."),  # the walkthrough saw "Te quedan 1 intentos."
    ("es", "retry.left", 2, "Te quedan 2 intentos."),
    ("es", "retry.left", 0, "Te quedan 0 intentos."),
    ("en", "retry.left", 1, "1 try left."),
    ("en", "retry.left", 2, "2 tries left."),
    ("es", "pin.wrong", 1, "Clave incorrecta. Te queda 1 intento."),
    ("en", "pin.wrong", 1, "Wrong code. 1 try left."),
    ("en", "pin.wrong", 3, "Wrong code. 3 tries left."),
    ("es", "receipt.closing", 1, "Esta pantalla se cierra en 1 segundo."),
    ("en", "receipt.closing", 30, "This screen closes in 30 seconds."),
])
def test_counts_use_the_languages_plural_rules(lang, key, n, expected) -> None:
    assert i18n.Translator(lang).tn(key, n) == expected


def test_every_count_has_the_plural_forms_its_language_uses() -> None:
    from babel import Locale

    for lang, table in i18n.catalogs().items():
        counted = {k.rsplit(".", 1)[0] for k in table if k.endswith(".other")}
        assert counted >= {"retry.left", "pin.wrong", "receipt.closing"}
        for key in counted:
            for form in Locale.parse(lang).plural_form.tags - {"many"}:  # 'many' = millions: .other serves
                assert f"{key}.{form}" in table, (lang, key, form)


def test_guidance_texts_are_merged_under_their_codes_and_the_catalog_wins() -> None:
    guidance = [{"card.test_only": {"es": "Prueba ñ", "en": "Test"}, "welcome.title": {"es": "no", "en": "no"}},
                {"card.test_only": {"en": "Test, later table"}}]
    tables = i18n.build_catalogs(guidance)
    assert i18n.Translator("es", tables=tables).t("card.test_only") == "Prueba ñ"
    assert i18n.Translator("en", tables=tables).t("card.test_only") == "Test, later table"
    shipped = i18n.build_catalogs()
    assert tables["es"]["welcome.title"] == shipped["es"]["welcome.title"] != "no"


def test_the_pipelines_guidance_codes_are_in_the_kiosks_catalogs() -> None:
    from kiosk.face.guidance import GUIDANCE_TEXT as FACE
    from kiosk.vision.guidance import GUIDANCE_TEXT as VISION

    for code, texts in {**VISION, **FACE}.items():
        for lang in texts:
            assert i18n.catalogs()[lang][code], (lang, code)


def test_spoken_text_for_every_screen_without_personal_data() -> None:
    for lang in ("es", "en"):
        for state, model in sample_screen_models(lang).items():
            text = spoken_text(model)
            assert text, state
            assert "MUESTRA EJEMPLO" not in text and "123456789" not in text
    models = sample_screen_models("es")
    assert "Parpadea" in spoken_text(models[State.SELFIE])
    assert "K 7 Q 2" in spoken_text(models[State.RECEIPT])
    assert "Welcome" in spoken_text(models[State.WELCOME], "en")


# ----- the loop ---------------------------------------------------------------------------------------------
class MachineController:
    """The real pure machine behind the loop's controller interface (no workers). Like the kiosk's
    Controller, ``screen_model()`` first ticks the machine with the clock's time (once per frame)."""

    def __init__(self, clock=None) -> None:
        self.m = new_machine(sample_settings(), now_s=0.0)
        self.received: list = []
        self.clock = clock

    def screen_model(self):
        if self.clock is not None:
            self.dispatch(ev.Tick(self.clock.monotonic()))
        return build_screen_model(self.m)

    def preview(self):
        return None

    def dispatch(self, event) -> None:
        self.received.append(event)
        self.m, _ = step(self.m, event)


def test_run_ui_headless_ticks_renders_and_dispatches_touches() -> None:
    from kiosk.clock import FakeClock
    from kiosk.config import UIConfig
    from kiosk.ui.display import open_display
    from kiosk.ui.loop import run_ui

    display = open_display((800, 480), headless=True)
    clock = FakeClock()
    controller = MachineController(clock)
    seen: list[State] = []

    from kiosk.ui.loop import UiRenderer

    probe = UiRenderer((800, 480))
    probe.render(controller.screen_model())
    x, y = next(t.rect.center for t in probe.runtime.last_targets if isinstance(t.action, ev.StartPressed))
    controller.received.clear()

    def on_frame(index, disp, model) -> None:
        seen.append(model.state)
        clock.advance(1 / 30)
        if index == 1:  # touch "Comenzar" like a finger would, once the screen has settled
            clock.advance(0.5)
            for kind in (pygame.FINGERDOWN, pygame.FINGERUP):
                pygame.event.post(pygame.event.Event(kind, x=x / 799, y=y / 479, finger_id=0, touch_id=1,
                                                     dx=0.0, dy=0.0))

    frames = run_ui(controller, UIConfig(fullscreen=False), headless=True, max_frames=4, on_frame=on_frame,
                    clock=clock, display=display)
    assert frames == 4
    ticks = [e for e in controller.received if isinstance(e, ev.Tick)]
    assert len(ticks) == 4 and ticks[0].now_s < ticks[-1].now_s
    assert ev.StartPressed() in controller.received
    assert seen[0] == State.WELCOME and seen[-1] != State.WELCOME
    display.save_png("/tmp/_kiosk_ui_test.png")
    display.close()


def test_measure_frames_returns_per_frame_times() -> None:
    from kiosk.ui.loop import measure_frames, summarise_ms

    model = sample_screen_models("es")[State.CARD_FRONT]
    times = measure_frames(model, (800, 480), n_frames=10)
    assert len(times) == 10 and all(t > 0 for t in times)
    stats = summarise_ms(times)
    assert stats["n"] == 10 and stats["median_ms"] <= stats["p95_ms"]
    with pytest.raises(ValueError):
        measure_frames(model, (800, 480), n_frames=0)


def test_headless_display_saves_png(tmp_path) -> None:
    from kiosk.ui.display import DisplayError, open_display
    from kiosk.ui.loop import render_frame

    display = open_display((720, 1280), headless=True)
    try:
        assert display.is_headless and display.size == (720, 1280)
        render_frame(display.surface, sample_screen_models("en")[State.WELCOME])
        path = display.save_png(tmp_path / "welcome.png")
        assert pygame.image.load(str(path)).get_size() == (720, 1280)
        with pytest.raises(DisplayError):
            open_display((0, 0), headless=True)
    finally:
        display.close()


def test_a_screen_that_fails_to_draw_sends_the_flow_to_failsafe() -> None:
    import dataclasses as dc

    from kiosk.config import UIConfig
    from kiosk.ui.display import open_display
    from kiosk.ui.loop import run_ui

    class Broken(MachineController):
        def screen_model(self):
            model = super().screen_model()
            if model.state == State.WELCOME:  # a malformed catalog entry reaches a screen
                return dc.replace(model, state=State.CHOOSE_PROCESS, processes=(object(),))
            return model

    display = open_display((800, 480), headless=True)
    controller = Broken()
    try:
        run_ui(controller, UIConfig(fullscreen=False), headless=True, max_frames=2, display=display)
    finally:
        display.close()
    crashes = [e for e in controller.received if isinstance(e, ev.WorkerCrashed)]
    assert crashes and crashes[0].reason == "ui.AttributeError"
    assert controller.m.state == State.FAILSAFE


def test_gallery_writes_every_screen(tmp_path) -> None:
    from kiosk.ui.gallery import main

    assert main(["--out", str(tmp_path), "--size", "800x480", "--lang", "en", "--variant", "normal"]) == 0
    from kiosk.ui.gallery import DIALOG_STATES_NAMES

    assert len(list(tmp_path.glob("*.png"))) == len(State) + len(DIALOG_STATES_NAMES)  # + the leave dialogs


def test_the_ui_forgets_the_citizen_when_the_session_ends() -> None:
    from kiosk.camera.base import Frame
    from kiosk.ui.runtime import UiRuntime

    models = sample_screen_models("es")
    runtime = UiRuntime()
    surface = pygame.Surface((800, 480))
    frame = Frame(image=np.full((480, 640, 3), 77, np.uint8), timestamp_s=0.0, index=3)
    runtime.render(surface, models[State.CARD_FRONT], preview=frame)
    runtime.render(surface, models[State.REVIEW_DATA])
    runtime.render(surface, models[State.REVIEW_PHOTO])
    assert any("MUESTRA EJEMPLO" in key[0] for key in runtime.fonts._text)  # cached while the session lasts
    assert runtime._photo_cache and runtime.blitter._surface is None  # left the camera step: frame dropped
    runtime.render(surface, models[State.WELCOME])
    assert not any("MUESTRA EJEMPLO" in key[0] for key in runtime.fonts._text)
    assert not any("MUESTRA EJEMPLO" in str(key) for key in runtime._wrap_cache)
    assert not runtime._photo_cache and runtime.blitter._surface is None


def test_a_new_photo_is_never_mistaken_for_the_cached_one() -> None:
    from kiosk.ui.widgets import blit_photo

    p = Painter(pygame.Surface((400, 300)), make_theme((800, 480)), Fonts())
    cache: dict = {}
    first = np.zeros((100, 80, 3), np.uint8)
    blit_photo(p, pygame.Rect(0, 0, 200, 200), first, cache=cache, key="same-key")
    second = np.full((100, 80, 3), 255, np.uint8)
    blit_photo(p, pygame.Rect(0, 0, 200, 200), second, cache=cache, key="same-key")
    assert tuple(p.surface.get_at((100, 100)))[:3] == (255, 255, 255)


@pytest.mark.parametrize("state", [State.CARD_FRONT, State.SELFIE])
def test_camera_screens_draw_the_same_from_their_cache(state) -> None:
    from kiosk.camera.base import Frame
    from kiosk.ui.runtime import UiRuntime

    model = sample_screen_models("es")[state]
    frame = Frame(image=np.random.default_rng(1).integers(0, 255, (480, 640, 3), dtype=np.uint8),
                  timestamp_s=0.0, index=5)
    runtime = UiRuntime()
    first, second = pygame.Surface((720, 1280)), pygame.Surface((720, 1280))
    runtime.render(first, model, preview=frame, now_s=1.0)
    texts, targets = list(runtime.last_texts), list(runtime.last_targets)
    runtime.render(second, model, preview=frame, now_s=1.0)
    assert pygame.image.tobytes(first, "RGB") == pygame.image.tobytes(second, "RGB")
    assert runtime.last_texts == texts and runtime.last_targets == targets
    # a new camera frame changes the preview, and only the preview
    moved = Frame(image=np.roll(frame.image, 40, axis=1), timestamp_s=0.1, index=6)
    runtime.render(second, model, preview=moved, now_s=1.1)
    assert pygame.image.tobytes(first, "RGB") != pygame.image.tobytes(second, "RGB")
    assert tuple(first.get_at((700, 1270))) == tuple(second.get_at((700, 1270)))


@pytest.mark.parametrize("is_mirrored", [False, True])
def test_preview_point_follows_the_blitters_crop_and_mirror(is_mirrored: bool) -> None:
    from kiosk.ui.widgets import PreviewBlitter, preview_point

    # A 640×480 frame with one white pixel block, shown in a 3:4 portrait box (sides cropped) and in a
    # 4:3 box: the point must land where the blitter put the block.
    frame = np.zeros((480, 640, 3), np.uint8)
    frame[300:310, 400:410] = 255
    for size in ((300, 400), (400, 300)):
        media = pygame.Rect(20, 30, *size)
        surf = PreviewBlitter().surface_for(frame, media.size, is_mirrored=is_mirrored)
        x, y = preview_point(media, (640, 480), (405 / 640, 305 / 480), is_mirrored=is_mirrored)
        assert tuple(surf.get_at((x - media.left, y - media.top)))[:3] == (255, 255, 255), (size, x, y)


def test_the_card_outline_found_is_drawn_over_the_preview() -> None:
    from kiosk.runtime.ports import PreviewView
    from kiosk.ui.runtime import UiRuntime

    model = sample_screen_models("es")[State.CARD_FRONT]
    image = np.zeros((480, 640, 3), np.uint8)
    outline = ((0.2, 0.25), (0.8, 0.25), (0.8, 0.75), (0.2, 0.75))
    runtime = UiRuntime()
    plain, with_card = pygame.Surface((800, 480)), pygame.Surface((800, 480))
    runtime.render(plain, model, preview=PreviewView(image, 0.0, 1), now_s=1.0)
    runtime.render(with_card, model, preview=PreviewView(image, 0.0, 2, outline), now_s=1.0)
    diff = pygame.surfarray.array3d(plain).astype(int) - pygame.surfarray.array3d(with_card).astype(int)
    changed = np.argwhere(np.abs(diff).sum(axis=2) > 0)
    assert len(changed) > 100  # the outline was drawn
    # ... and only inside the preview box, along the quad's mid-top edge among other places
    from kiosk.ui.screens._capture import _split
    from kiosk.ui.widgets import preview_point

    media, _ = _split(types.SimpleNamespace(theme=runtime.theme_for((800, 480), model)), "card")
    assert media.collidepoint(*changed.min(axis=0)) and media.collidepoint(*changed.max(axis=0))
    x, y = preview_point(media, (640, 480), (0.5, 0.25))
    assert np.abs(diff[x, y]).sum() > 0
