"""USB webcams (and video files) through OpenCV's VideoCapture.

A grabber thread keeps only the newest frame, so a slow consumer never reads a stale, buffered image and the
UI never waits on the device. The full-resolution frame doubles as the still; the preview is a resized copy.
Frames carry no white balance: V4L2 reports a white-balance temperature only when it is set by hand, never the
gains its auto white balance applied, so the fraud cues take their colour reference from the scene instead.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Protocol

import cv2
import numpy as np

from kiosk.camera.base import Camera, Frame
from kiosk.clock import Clock
from kiosk.errors import CameraTimeout, CameraUnavailable


class VideoCaptureLike(Protocol):
    def isOpened(self) -> bool: ...  # noqa: N802 - OpenCV's name
    def read(self) -> tuple[bool, np.ndarray | None]: ...
    def set(self, prop: int, value: float) -> bool: ...
    def release(self) -> None: ...


# Consecutive failed reads before the camera is declared gone (a USB unplug yields failed reads, not errors).
MAX_FAILED_READS = 30


class OpenCVCamera(Camera):
    """``source`` is a device index or a file/URL; ``capture_factory`` is injectable for tests."""

    def __init__(self, source: int | str, clock: Clock, preview_size: tuple[int, int] = (640, 480),
                 still_size: tuple[int, int] | None = None, frame_timeout_s: float = 2.0,
                 capture_factory: Callable[[Any], VideoCaptureLike] | None = None) -> None:
        self._source = source
        self._clock = clock
        self._preview_size = preview_size
        self._still_size = still_size
        self._timeout_s = frame_timeout_s
        self._factory = capture_factory or cv2.VideoCapture
        self._cap: VideoCaptureLike | None = None
        self._thread: threading.Thread | None = None
        self._cond = threading.Condition()
        self._latest: Frame | None = None
        self._error: str | None = None
        self._running = False
        self._counter = 0

    def start(self) -> None:
        if self._running:
            return
        cap = self._factory(self._source)
        if not cap.isOpened():
            cap.release()
            raise CameraUnavailable(f"no camera at {self._source!r}: is it plugged in?")
        if self._still_size:
            cap.set(cv2.CAP_PROP_FRAME_WIDTH, self._still_size[0])
            cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self._still_size[1])
        with self._cond:
            self._cap, self._error, self._latest, self._running = cap, None, None, True
        self._thread = threading.Thread(target=self._grab_loop, name="camera-grabber", daemon=True)
        self._thread.start()

    def _grab_loop(self) -> None:
        failures = 0
        while True:
            with self._cond:
                if not self._running or self._cap is None:
                    return
                cap = self._cap
            ok, image = cap.read()
            with self._cond:
                if not self._running:
                    return
                if ok and image is not None:
                    failures = 0
                    if image.ndim == 2:
                        image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
                    self._counter += 1
                    self._latest = Frame(image, self._clock.monotonic(), self._counter)
                    self._cond.notify_all()
                else:
                    failures += 1
                    if failures >= MAX_FAILED_READS:
                        self._error = "the camera stopped sending images (disconnected?)"
                        self._cond.notify_all()
                        return

    def _wait_frame(self, timeout_s: float | None) -> Frame:
        timeout = self._timeout_s if timeout_s is None else timeout_s
        with self._cond:
            if not self._running:
                raise CameraUnavailable("the camera is not started")
            ok = self._cond.wait_for(lambda: self._latest is not None or self._error is not None, timeout)
            if self._error is not None:
                raise CameraUnavailable(self._error)
            if not ok or self._latest is None:
                raise CameraTimeout(f"no image from the camera in {timeout:.1f} s")
            return self._latest

    def latest_preview(self, timeout_s: float | None = None) -> Frame:
        frame = self._wait_frame(timeout_s)
        w, h = self._preview_size
        if frame.size_px == (w, h):
            return frame
        return Frame(cv2.resize(frame.image, (w, h), interpolation=cv2.INTER_AREA), frame.timestamp_s, frame.index)

    def capture_still(self, timeout_s: float | None = None) -> Frame:
        return self._wait_frame(timeout_s)

    def stop(self) -> None:
        with self._cond:
            self._running = False
            cap, self._cap = self._cap, None
            self._cond.notify_all()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2.0)
        self._thread = None
        if cap is not None:
            cap.release()

    def close(self) -> None:
        self.stop()

    @property
    def is_running(self) -> bool:
        return self._running and self._error is None
