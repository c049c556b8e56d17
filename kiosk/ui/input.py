"""Touch and mouse input turned into pointer intents (press / move / release / tap) in screen pixels.

On the Pi's KMS/DRM console a touchscreen arrives as SDL finger events (coordinates normalised 0..1) and SDL also
synthesises mouse events from them; a USB mouse or a desktop window gives plain mouse events. Both are handled;
synthesised mouse events are dropped (pygame marks them ``touch=True``), and as a second guard any mouse event
within ``dedup_window_s`` of a finger event is dropped too, so one touch is never two taps.
Only the first finger down is followed (palms and second fingers are ignored).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pygame


@dataclass(frozen=True)
class Pointer:
    """One pointer intent. ``kind``: 'press' | 'move' | 'release' | 'tap'; ``pos`` in screen pixels."""

    kind: str
    pos: tuple[float, float]
    t_s: float
    start_pos: tuple[float, float] | None = None  # for 'tap' and 'release': where the press began


class PointerInput:
    """Turns pygame events into :class:`Pointer` intents.

    ``screen_size`` is the window size in pixels (finger events are normalised to it).
    ``tap_slop_px``: a press and release closer than this is a tap (fingers wobble).
    ``lost_finger_s``: a finger silent this long is taken as lifted when another touch begins (a lost UP event
    must not leave the kiosk deaf).
    """

    def __init__(self, screen_size: tuple[int, int], *, tap_slop_px: float = 24.0,
                 dedup_window_s: float = 0.5, lost_finger_s: float = 2.0) -> None:
        self.screen_size = screen_size
        self.lost_finger_s = lost_finger_s
        self.tap_slop_px = tap_slop_px
        self.dedup_window_s = dedup_window_s
        self._finger_id: int | None = None
        self._finger_t: float = -math.inf  # last event of the followed finger
        self._last_finger_t: float = -math.inf
        self._mouse_down = False
        self._press_pos: tuple[float, float] | None = None

    def _finger_pos(self, event: pygame.event.Event) -> tuple[float, float]:
        w, h = self.screen_size
        return (min(max(event.x, 0.0), 1.0) * (w - 1), min(max(event.y, 0.0), 1.0) * (h - 1))

    def handle(self, event: pygame.event.Event, t_s: float) -> list[Pointer]:
        """Intents for one pygame event at monotonic time ``t_s`` (may be empty)."""
        etype = event.type
        if etype in (pygame.FINGERDOWN, pygame.FINGERMOTION, pygame.FINGERUP):
            self._last_finger_t = t_s
            fid = getattr(event, "finger_id", 0)
            pos = self._finger_pos(event)
            if etype == pygame.FINGERDOWN:
                if self._finger_id is not None:
                    if t_s - self._finger_t < self.lost_finger_s:
                        return []  # a second finger (or a palm) while the first one is down
                    # the first finger's UP never came (it happens on some panels): do not stay deaf
                    self._finger_id = None
                self._finger_id = fid
                self._finger_t = t_s
                return self._press(pos, t_s)
            if fid != self._finger_id:
                return []
            self._finger_t = t_s
            if etype == pygame.FINGERMOTION:
                return [Pointer("move", pos, t_s)]
            self._finger_id = None
            return self._release(pos, t_s)
        if etype in (pygame.MOUSEBUTTONDOWN, pygame.MOUSEBUTTONUP, pygame.MOUSEMOTION):
            if getattr(event, "touch", False) or t_s - self._last_finger_t < self.dedup_window_s:
                return []
            if self._finger_id is not None:
                return []
            pos = (float(event.pos[0]), float(event.pos[1]))
            if etype == pygame.MOUSEBUTTONDOWN:
                if getattr(event, "button", 1) != 1:
                    return []  # a second press without a release: the release was lost, start again
                self._mouse_down = True
                return self._press(pos, t_s)
            if etype == pygame.MOUSEMOTION:
                return [Pointer("move", pos, t_s)] if self._mouse_down else []
            if getattr(event, "button", 1) != 1 or not self._mouse_down:
                return []
            self._mouse_down = False
            return self._release(pos, t_s)
        return []

    def _press(self, pos: tuple[float, float], t_s: float) -> list[Pointer]:
        self._press_pos = pos
        return [Pointer("press", pos, t_s)]

    def _release(self, pos: tuple[float, float], t_s: float) -> list[Pointer]:
        start = self._press_pos or pos
        self._press_pos = None
        out = [Pointer("release", pos, t_s, start_pos=start)]
        if math.dist(start, pos) <= self.tap_slop_px:
            out.append(Pointer("tap", start, t_s, start_pos=start))
        return out
