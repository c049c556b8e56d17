"""The UI's per-process state between frames: fonts and caches, the screen's local state, and what a touch
means on the frame last drawn. Used by the loop (:mod:`kiosk.ui.loop`), the demo's screenshots and tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pygame

from kiosk.config import UIConfig
from kiosk.flow import events as ev
from kiosk.flow.screen_model import ScreenModel
from kiosk.flow.states import CAMERA_STATES, State
from kiosk.ui.i18n import translator
from kiosk.ui.input import Pointer
from kiosk.ui.screens import screen_for
from kiosk.ui.screens._base import (
    LocalState,
    ScreenContext,
    busy_overlay,
    cancel_dialog,
)
from kiosk.ui.theme import Fonts, Theme, make_theme
from kiosk.ui.widgets import LocalAction, Painter, PreviewBlitter, SignaturePad, Target, TextRecord

MAX_PIN_DIGITS = 8
#: A touch pressed this soon after a new screen appeared is the second half of a double tap meant for the screen
#: before (the buttons that move on sit in the same corner): it is ignored, or "¿Es tu foto?" is skipped unseen.
SETTLE_S = 0.4
#: Screens shown once a session is over (the flow has wiped it): the UI forgets its caches there too.
SESSION_END_STATES = frozenset({State.WELCOME, State.RECEIPT, State.FAILSAFE, State.OUT_OF_SERVICE})


class UiRuntime:
    """Draws ScreenModels and turns pointer intents on the last frame into flow events.

    ``min_ink`` (pad widths) and ``countdown_total_s`` come from the UI configuration.
    """

    def __init__(self, *, min_ink: float = UIConfig.signature_min_ink,
                 countdown_total_s: float = UIConfig.idle_countdown_s, settle_s: float = SETTLE_S) -> None:
        self.fonts = Fonts()
        self.blitter = PreviewBlitter()
        self.local = LocalState(pad=SignaturePad(min_ink=min_ink))
        self._min_ink = min_ink
        self._countdown_total_s = countdown_total_s
        self._wrap_cache: dict[Any, Any] = {}
        self._photo_cache: dict[Any, pygame.Surface] = {}
        self._content_cache: dict[Any, Any] = {}
        self._themes: dict[tuple[Any, ...], Theme] = {}
        self.last_targets: list[Target] = []
        self.last_texts: list[TextRecord] = []
        self.last_offscreen_texts: list[TextRecord] = []
        self.last_state: State | None = None
        self._model_notice: str | None = None
        self._drag_anchor: tuple[float, int] | None = None
        self._last_activity_s = float("-inf")  # (press y, scroll at press) while dragging
        self._settle_s = settle_s
        self._shown_at_s = float("-inf")  # when the screen on show first appeared
        self._press_t_s = float("-inf")  # when the touch in progress began
        self._is_dialog_open = False  # the flow's "¿Quieres salir?" is drawn over the screen

    def theme_for(self, size: tuple[int, int], model: ScreenModel) -> Theme:
        key = (size, model.high_contrast, model.large_text)
        found = self._themes.get(key)
        if found is None:
            found = make_theme(size, high_contrast=model.high_contrast, large_text=model.large_text)
            self._themes[key] = found
        return found

    def render(self, surface: pygame.Surface, model: ScreenModel, *, preview: Any = None,
               now_s: float = 0.0) -> Painter:
        """Draw ``model`` on ``surface``; remembers the targets for :meth:`handle_pointer`."""
        if model.state != self.last_state:
            # a new screen: drop what the citizen typed, ticked or drew on the previous one
            self.local = LocalState(state=model.state, pad=SignaturePad(min_ink=self._min_ink))
            if self.last_state in CAMERA_STATES:
                self.blitter.forget()  # the last camera frame shows a card or a face
            if model.state in SESSION_END_STATES:
                self.forget_citizen()
            self.last_state = model.state
            self._shown_at_s = now_s
        if model.is_cancel_asked and not self._is_dialog_open:
            self._shown_at_s = now_s  # the dialog is new: a double tap on Cancelar must not answer it
        self._is_dialog_open = model.is_cancel_asked
        if model.notice != self._model_notice:
            self._model_notice = model.notice
            if model.notice == "signature.empty" and model.state == State.SIGNATURE:
                self.local.pad = SignaturePad(min_ink=self._min_ink)  # the flow refused it: start over
        theme = self.theme_for(surface.get_size(), model)
        painter = Painter(surface, theme, self.fonts, self._wrap_cache)
        ctx = ScreenContext(p=painter, m=model, tr=translator(model.language), local=self.local, now_s=now_s,
                            preview=preview, blitter=self.blitter, photo_cache=self._photo_cache,
                            content_cache=self._content_cache, countdown_total_s=self._countdown_total_s)
        screen_for(model.state)(ctx)
        if model.is_busy:  # a quick check runs (PIN, duplicate, card model): wait; only Help and Cancel work
            busy_overlay(ctx)
        if model.is_cancel_asked:
            cancel_dialog(ctx)
        self.last_targets = painter.targets
        self.last_texts = painter.texts
        self.last_offscreen_texts = ctx.offscreen_texts
        return painter

    def forget_citizen(self) -> None:
        """Drop every cached picture and rendered text (names, photo, camera frame): the flow wiped the
        session, and the UI's caches must not outlive it either."""
        self.fonts.clear_text()
        self._wrap_cache.clear()
        self._photo_cache.clear()
        self._content_cache.clear()
        self.blitter.forget()
        self.last_texts, self.last_offscreen_texts, self.last_targets = [], [], []

    def _is_covered(self, pos: tuple[float, float]) -> bool:
        return any(t.rect.collidepoint(pos) for t in self.last_targets)

    def _target_at(self, pos: tuple[float, float]) -> Target | None:
        for tgt in reversed(self.last_targets):
            if tgt.rect.collidepoint(pos):
                return tgt if tgt.is_enabled else None
        return None

    def handle_pointer(self, pointer: Pointer, dispatch: Callable[[Any], None],
                       on_activity: Callable[[], None] | None = None) -> None:
        """Apply one pointer intent to the last frame drawn; flow events go to ``dispatch``.

        ``on_activity`` is called (at most once a second) when a touch begins: scrolling the notice, typing a
        PIN or drawing a signature stay inside the UI, yet they show the citizen is there (idle timer).
        """
        local = self.local
        if pointer.kind == "press":
            self._press_t_s = pointer.t_s
        if on_activity is not None and pointer.kind == "press" and local.state != State.IDLE_WARNING \
                and pointer.t_s - self._last_activity_s >= 1.0:
            self._last_activity_s = pointer.t_s
            on_activity()
        pad_rect = local.pad_rect if local.state == State.SIGNATURE and not self._is_dialog_open else None
        if pad_rect is not None:
            nx = (pointer.pos[0] - pad_rect.left) / max(1, pad_rect.width)
            ny = (pointer.pos[1] - pad_rect.top) / max(1, pad_rect.height)
            start = pointer.start_pos
            if pointer.kind == "press" and pad_rect.collidepoint(pointer.pos):
                local.pad.press(nx, ny, pointer.t_s)
                local.notice = None
                return
            if pointer.kind == "move":
                local.pad.move(nx, ny, pointer.t_s)
                return
            if pointer.kind == "release":
                local.pad.release(nx, ny, pointer.t_s)
                return
            if pointer.kind == "tap" and start is not None and pad_rect.collidepoint(start):
                return  # a dot on the pad is ink, not a button press
        if local.scroll_rect is not None and local.scroll_max_px > 0 and not self._is_dialog_open:
            if pointer.kind == "press" and local.scroll_rect.collidepoint(pointer.pos):
                self._drag_anchor = (pointer.pos[1], local.scroll_px)
            elif pointer.kind == "move" and self._drag_anchor is not None:
                y0, scroll0 = self._drag_anchor
                local.scroll_px = int(min(max(0, scroll0 + (y0 - pointer.pos[1])), local.scroll_max_px))
                return
            elif pointer.kind == "release":
                self._drag_anchor = None
        if pointer.kind != "tap":
            return
        target = self._target_at(pointer.pos)
        pressed_at = self._press_t_s if self._press_t_s != float("-inf") else pointer.t_s
        # Help and Cancel sit in the same place on every step and mean the same on each, so a tap on them is
        # never "meant for the screen before": the walkthrough's Cancelar just after a capture was lost here.
        is_chrome = target is not None and isinstance(target.action, (ev.CancelRequested, ev.HelpRequested))
        if pressed_at < self._shown_at_s + self._settle_s and not is_chrome:
            return  # pressed on the screen before, or a double tap's second half: not meant for this screen
        if target is None and local.state == State.IDLE_WARNING and not self._is_covered(pointer.pos):
            dispatch(ev.StillHereConfirmed())  # "if you do not touch the screen…": any touch counts
            return
        if target is None or target.action is None:
            return
        action = target.action
        if isinstance(action, LocalAction):
            self._local_action(action, dispatch)
        else:
            dispatch(action)

    def _local_action(self, action: LocalAction, dispatch: Callable[[Any], None]) -> None:
        local = self.local
        name = action.name
        if name == "consent_needs_tick":
            local.notice = "privacy.tick_first"  # "Acepto" tapped before the box: say what is missing
        elif name == "scroll":
            local.scroll_px = int(min(max(0, local.scroll_px + action.value * local.scroll_step_px),
                                      local.scroll_max_px))
        elif name == "page":
            local.scroll_px = int(min(max(0, local.scroll_px + action.value), local.scroll_max_px))
        elif name == "toggle_consent":
            local.is_consent_checked = not local.is_consent_checked
            local.notice = None
        elif name == "pin_digit":
            if len(local.pin) < MAX_PIN_DIGITS:
                local.pin += str(action.value)
        elif name == "pin_delete":
            local.pin = local.pin[:-1]
        elif name == "pin_submit":
            pin, local.pin = local.pin, ""
            dispatch(ev.PinEntered(pin))
        elif name == "sig_clear":
            local.pad.clear()
            local.notice = None
            dispatch(ev.SignatureCleared())
        elif name == "sig_undo":
            local.pad.undo()
        elif name == "sig_redo":
            local.pad.redo()
        elif name == "sig_done":
            if not local.pad.has_enough_ink:
                local.notice = "signature.too_short"
                return
            dispatch(ev.SignatureSubmitted(strokes=signature_strokes(local.pad, local.pad_rect)))


def signature_strokes(pad: SignaturePad, pad_rect: pygame.Rect | None) -> tuple[ev.Stroke, ...]:
    """The pad's strokes in the flow's terms: (x_px, y_px, t_s) from the pad's top-left and the first touch."""
    w, h = (pad_rect.width, pad_rect.height) if pad_rect is not None else (1, 1)
    strokes = pad.export()
    t0 = strokes[0][0][2] if strokes and strokes[0] else 0.0
    return tuple(ev.Stroke(points=tuple((round(x * w, 1), round(y * h, 1), round(t - t0, 4)) for x, y, t in s))
                 for s in strokes)


def with_language(model: ScreenModel, language: str) -> ScreenModel:
    """The same screen in another language (for screenshots and tests)."""
    return replace(model, language=language)
