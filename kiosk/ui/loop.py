"""The render loop (~30 fps, never blocks), a screenshot helper and a frame-time measurement hook.

The loop only reads ``controller.screen_model()`` and ``controller.preview()`` and calls
``controller.dispatch(event)``: camera, inference and sealing run elsewhere and come back as events. Each frame it
dispatches ``Tick(now_s)`` with the injected clock's monotonic time.
"""

from __future__ import annotations

import logging
import statistics
import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any, Protocol

import pygame

from kiosk.clock import Clock, SystemClock
from kiosk.config import UIConfig
from kiosk.flow import events as ev
from kiosk.flow.screen_model import ScreenModel
from kiosk.ui.display import Display, open_display
from kiosk.ui.input import PointerInput
from kiosk.ui.runtime import UiRuntime

log = logging.getLogger(__name__)


def draw_fallback(surface: pygame.Surface) -> None:
    """A last-resort frame when a screen cannot be drawn: 'ask the staff' in both languages."""
    from kiosk.ui.theme import Fonts

    surface.fill((0, 0, 0))
    fonts = Fonts()
    w, h = surface.get_size()
    size = max(14, min(w, h) // 14)
    for i, line in enumerate(("Pide ayuda al personal", "Please ask the staff for help")):
        text = fonts.render(line, size, (255, 255, 255), True)
        surface.blit(text, text.get_rect(center=(w // 2, h // 2 + (i * 2 - 1) * size)))


class Controller(Protocol):
    def screen_model(self) -> ScreenModel: ...

    def preview(self) -> Any: ...

    def dispatch(self, event: Any) -> None: ...


def runtime_from_config(ui_cfg: UIConfig | None = None) -> UiRuntime:
    """A UiRuntime with the UI configuration's signature and countdown settings (the config's defaults when
    ``ui_cfg`` is None)."""
    cfg = ui_cfg or UIConfig()
    return UiRuntime(min_ink=cfg.signature_min_ink, countdown_total_s=cfg.idle_countdown_s)


def run_ui(controller: Controller, ui_cfg: UIConfig, *, headless: bool = False, max_frames: int | None = None,
           on_frame: Callable[[int, Display, ScreenModel], None] | None = None, clock: Clock | None = None,
           display: Display | None = None, runtime: UiRuntime | None = None) -> int:
    """Run the kiosk UI until the window closes (or ``max_frames`` frames). Returns the frames drawn.

    ``ui_cfg``: the screen size, fullscreen, frame rate, signature and countdown settings. ``on_frame(index, display, model)`` runs after each frame
    is drawn (the demo saves PNGs there); ``runtime`` lets a caller see the targets of the last frame.
    Raises :class:`kiosk.ui.display.DisplayError` when no screen opens.
    Escape quits only on a windowed (development) display.
    """
    clock = clock or SystemClock()
    size = (ui_cfg.width_px, ui_cfg.height_px)
    fullscreen = ui_cfg.fullscreen and not headless
    own_display = display is None
    if display is None:
        display = open_display(size, fullscreen=fullscreen, headless=headless)
    runtime = runtime or runtime_from_config(ui_cfg)
    pointer = PointerInput(display.size, tap_slop_px=max(24.0, display.size[0] / 30))
    fps = ui_cfg.frame_rate_fps
    ticker = pygame.time.Clock()
    frames = 0

    def on_activity() -> None:
        # a touch the UI keeps to itself (scrolling, PIN digits, signature ink) still means "someone is here";
        # StillHereConfirmed changes nothing outside the idle warning except the flow's idle timer
        controller.dispatch(ev.StillHereConfirmed())

    try:
        while max_frames is None or frames < max_frames:
            now_s = clock.monotonic()
            for event in pygame.event.get():
                if event.type == pygame.QUIT:
                    return frames
                if event.type == pygame.KEYDOWN and event.key == pygame.K_ESCAPE and not fullscreen:
                    return frames
                for intent in pointer.handle(event, now_s):
                    runtime.handle_pointer(intent, controller.dispatch, on_activity)
            model = controller.screen_model()  # applies the workers' results and one Tick
            preview = controller.preview() if model.is_preview else None
            try:
                runtime.render(display.surface, model, preview=preview, now_s=now_s)
            except Exception as exc:  # a bug in a screen must not freeze the kiosk: failsafe, and say so
                log.exception("the %s screen failed to draw", model.state.value)
                draw_fallback(display.surface)
                controller.dispatch(ev.WorkerCrashed(reason=f"ui.{type(exc).__name__}"))
            display.present()
            frames += 1
            if on_frame is not None:
                on_frame(frames, display, model)
            if not display.is_headless:
                ticker.tick(fps)  # sleeps the rest of the frame; headless runs as fast as it can
    finally:
        if own_display:
            display.close()
    return frames


class UiRenderer:
    """Draws frames of one screen size off the event loop and maps pygame events to flow events.

    For the headless demo (a PNG per screen) and the UI benchmark; the loop uses the same pieces.
    """

    def __init__(self, size_px: tuple[int, int], *, ui_cfg: UIConfig | None = None) -> None:
        if not pygame.font.get_init():
            pygame.font.init()
        self.size_px = (int(size_px[0]), int(size_px[1]))
        self.surface = pygame.Surface(self.size_px)
        self.runtime = runtime_from_config(ui_cfg)
        self.pointer = PointerInput(self.size_px, tap_slop_px=max(24.0, self.size_px[0] / 30))

    def render(self, model: ScreenModel, preview_frame: Any = None, now_s: float = 0.0) -> pygame.Surface:
        """Draw ``model`` (with the preview Frame when the screen shows one); returns the surface (reused)."""
        self.runtime.render(self.surface, model, preview=preview_frame if model.is_preview else None,
                            now_s=now_s)
        return self.surface

    def handle(self, pygame_event: pygame.event.Event, t_s: float) -> list[Any]:
        """Flow events for one pygame event (touch or mouse) on the frame last rendered."""
        out: list[Any] = []
        for intent in self.pointer.handle(pygame_event, t_s):
            self.runtime.handle_pointer(intent, out.append)
        return out


def render_frame(surface: pygame.Surface, model: ScreenModel, preview_frame: Any = None, *,
                 runtime: UiRuntime | None = None, now_s: float = 0.0) -> pygame.Surface:
    """Draw ``model`` on ``surface`` (any size); returns it."""
    if not pygame.font.get_init():
        pygame.font.init()
    (runtime or UiRuntime()).render(surface, model, preview=preview_frame, now_s=now_s)
    return surface


def render_screen(screen_model: ScreenModel, size: tuple[int, int], preview: Any = None, *,
                  runtime: UiRuntime | None = None, now_s: float = 0.0) -> pygame.Surface:
    """Draw one screen off-screen and return the surface (for the demo's PNGs and for tests).

    ``preview`` is a camera Frame (``.image`` BGR, ``.index``) or None. Needs ``pygame.font``; initialises it.
    """
    if not pygame.font.get_init():
        pygame.font.init()
    surface = pygame.Surface(size)
    (runtime or UiRuntime()).render(surface, screen_model, preview=preview, now_s=now_s)
    return surface


def measure_frames(screen_model: ScreenModel, size: tuple[int, int], n_frames: int = 120,
                   preview_size: tuple[int, int] = (640, 480), seed: int = 0) -> list[float]:
    """Render ``n_frames`` of ``screen_model`` with a changing live preview; returns per-frame milliseconds.

    The preview is a new ``preview_size`` BGR frame every frame (as from the camera), with a card outline that
    moves, so the conversion, scaling and overlay are measured, not cached. For ``bench/bench_ui.py``. Raises ValueError for n_frames < 1.
    """
    import numpy as np

    from kiosk.camera.base import Frame

    if n_frames < 1:
        raise ValueError("n_frames must be ≥ 1")
    if not pygame.font.get_init():
        pygame.font.init()
    rng = np.random.default_rng(seed)
    w, h = preview_size
    base = rng.integers(0, 255, size=(h, w, 3), dtype=np.uint8)
    frames = [Frame(image=np.roll(base, k * 7, axis=1), timestamp_s=k / 30, index=k) for k in range(8)]
    runtime = UiRuntime()
    surface = pygame.Surface(size)
    out: list[float] = []
    runtime.render(surface, screen_model, preview=frames[0], now_s=0.0)  # warm the caches like a running kiosk
    for k in range(n_frames):
        base_frame = frames[k % len(frames)]
        # what the camera worker hands the screen: the frame and the card outline found in it (moving a little)
        d = 0.01 * (k % 5)
        frame = SimpleNamespace(image=base_frame.image, timestamp_s=k / 30, index=k + 1,
                                card_outline=((0.2 + d, 0.25), (0.8 + d, 0.27), (0.79 + d, 0.75), (0.21 + d, 0.73)))
        t0 = time.perf_counter()
        runtime.render(surface, screen_model, preview=frame, now_s=k / 30)
        out.append((time.perf_counter() - t0) * 1000.0)
    return out


def summarise_ms(samples: list[float]) -> dict[str, float]:
    """Median and p95 of frame times in ms."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"median_ms": round(statistics.median(ordered), 3), "p95_ms": round(p95, 3), "n": len(ordered)}
