"""A camera that plays images: for tests, the headless demo and development without a camera module.

What it shows is swapped at any time with :meth:`ScriptedCamera.play` (the app's camera director plays the card's
front while the flow asks for the front, a selfie sequence during the selfie, ...). Frames are chosen by the
injected clock, so tests step time instead of sleeping. It keeps the real camera's rules: nothing before
``start()``, errors instead of hangs, and a preview that is a resized copy of the full-size frame.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import cv2
import numpy as np

from kiosk.camera.base import Camera, Frame, WhiteBalance
from kiosk.clock import Clock
from kiosk.errors import CameraTimeout, CameraUnavailable, ImageError

ScriptItem = np.ndarray | tuple[float, np.ndarray]


class ScriptedCamera(Camera):
    """Plays a list of frames, each shown at its timestamp (seconds after ``play``), or at ``fps`` when untimed."""

    def __init__(self, clock: Clock, preview_size: tuple[int, int] = (640, 480), fps: float = 30.0) -> None:
        self._clock = clock
        self._preview_size = preview_size
        self._fps = fps
        self._lock = threading.Lock()
        self._times: list[float] = []
        self._frames: list[np.ndarray] = []
        self._stills: list[np.ndarray] | None = None
        self._loop = True
        self._t0 = 0.0
        self._running = False
        self._closed = False
        self._disconnected = False
        self._failures_left = 0
        self._counter = 0
        self._still_counter = 0
        self._preview_cache: tuple[int, np.ndarray] | None = None
        self._white_balance: WhiteBalance | None = None

    # -- script control -------------------------------------------------------------------------------------
    def play(self, frames: Sequence[ScriptItem], stills: Sequence[np.ndarray] | None = None,
             loop: bool = True, white_balance: WhiteBalance | None = None) -> None:
        """Show ``frames`` from now on. Items are images (shown at ``fps``) or ``(t_s, image)`` pairs.

        ``stills`` are what :meth:`capture_still` returns in turn (default: the frame on show, full size).
        ``white_balance``: what the scripted camera reports it applied to every frame (None = nothing, as
        OpenCV devices).
        Raises ImageError for an empty script or a frame that is not a BGR uint8 image.
        """
        if len(frames) == 0:
            raise ImageError("a camera script needs at least one frame")
        times: list[float] = []
        images: list[np.ndarray] = []
        for i, item in enumerate(frames):
            t, img = item if isinstance(item, tuple) else (i / self._fps, item)
            _check_image(img, f"frame {i}")
            if times and t < times[-1]:
                raise ImageError(f"frame {i}: timestamps must not go backwards")
            times.append(float(t))
            images.append(img)
        for i, img in enumerate(stills or ()):
            _check_image(img, f"still {i}")
        with self._lock:
            self._times, self._frames = times, images
            self._stills = list(stills) if stills else None
            self._still_counter = 0
            self._loop = loop
            self._white_balance = white_balance
            self._t0 = self._clock.monotonic()
            self._preview_cache = None

    def fail_next(self, count: int = 1) -> None:
        """Make the next ``count`` reads time out (a camera that drops frames)."""
        with self._lock:
            self._failures_left = count

    def disconnect(self) -> None:
        """Simulate the cable being pulled: every later call raises CameraUnavailable."""
        with self._lock:
            self._disconnected = True

    # -- Camera ---------------------------------------------------------------------------------------------
    def start(self) -> None:
        with self._lock:
            if self._closed:
                raise CameraUnavailable("the camera was closed")
            if self._disconnected:
                raise CameraUnavailable("the camera is disconnected")
            self._running = True

    def stop(self) -> None:
        with self._lock:
            self._running = False

    def close(self) -> None:
        with self._lock:
            self._running = False
            self._closed = True
            self._frames = []

    @property
    def is_running(self) -> bool:
        return self._running

    def latest_preview(self, timeout_s: float | None = None) -> Frame:
        with self._lock:
            index, image, t = self._current()
            if self._preview_cache is None or self._preview_cache[0] != index:
                w, h = self._preview_size
                small = image if image.shape[1] == w and image.shape[0] == h else cv2.resize(
                    image, (w, h), interpolation=cv2.INTER_AREA)
                self._preview_cache = (index, small)
            self._counter += 1
            return Frame(self._preview_cache[1], t, self._counter, self._white_balance)

    def capture_still(self, timeout_s: float | None = None) -> Frame:
        with self._lock:
            index, image, t = self._current()
            if self._stills:
                image = self._stills[min(self._still_counter, len(self._stills) - 1)]
                self._still_counter += 1
            self._counter += 1
            return Frame(image, t, self._counter, self._white_balance)

    def _current(self) -> tuple[int, np.ndarray, float]:
        if self._disconnected:
            self._running = False
            raise CameraUnavailable("the camera is disconnected")
        if not self._running:
            raise CameraUnavailable("the camera is not started")
        if self._failures_left > 0:
            self._failures_left -= 1
            raise CameraTimeout("the camera delivered no frame in time")
        if not self._frames:
            raise CameraTimeout("the camera has nothing to show")
        now = self._clock.monotonic()
        elapsed = now - self._t0
        period = self._times[-1] + 1.0 / self._fps
        if self._loop and elapsed >= period:
            elapsed %= period
        # The frame on show is the last one whose time has come.
        idx = int(np.searchsorted(self._times, elapsed, side="right")) - 1
        idx = max(0, min(idx, len(self._frames) - 1))
        return idx, self._frames[idx], now


def _check_image(img: object, what: str) -> None:
    if not isinstance(img, np.ndarray) or img.dtype != np.uint8 or img.ndim != 3 or img.shape[2] != 3:
        raise ImageError(f"{what}: expected a BGR uint8 image (H×W×3)")
