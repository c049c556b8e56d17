"""The Raspberry Pi camera module through picamera2 (from Debian's python3-picamera2, never pip).

Two streams as picamera2 intends: ``lores`` (YUV420, about 640×480) feeds the vision code at frame rate, and
``main`` is switched to full resolution only for a still, so previews stay cheap. On the Camera Module 3 the
autofocus runs continuously, and a still triggers a focus cycle first. picamera2 is imported when the camera
starts, never at import time, so this module loads on any machine.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import cv2

from kiosk.camera.base import Camera, Frame, WhiteBalance
from kiosk.clock import Clock
from kiosk.errors import CameraTimeout, CameraUnavailable


def _default_factory() -> Any:
    try:
        from picamera2 import Picamera2  # type: ignore[import-not-found]
    except ImportError as exc:
        raise CameraUnavailable(
            "picamera2 is not installed: on Raspberry Pi OS run 'sudo apt install python3-picamera2' "
            "and create the venv with --system-site-packages") from exc
    try:
        return Picamera2()
    except (RuntimeError, IndexError) as exc:
        raise CameraUnavailable(f"no Raspberry Pi camera found ({exc}); check the ribbon cable") from exc


class Picamera2Camera(Camera):
    """``camera_factory`` returns a Picamera2-like object; tests pass a fake that honours the same calls."""

    def __init__(self, clock: Clock, preview_size: tuple[int, int] = (640, 480),
                 still_size: tuple[int, int] = (2304, 1296), frame_timeout_s: float = 2.0,
                 autofocus: bool = True, camera_factory: Callable[[], Any] | None = None) -> None:
        self._clock = clock
        self._preview_size = preview_size
        self._still_size = still_size
        self._timeout_s = frame_timeout_s
        self._autofocus = autofocus
        self._factory = camera_factory or _default_factory
        self._cam: Any = None
        self._still_config: Any = None
        self._running = False
        self._counter = 0

    def start(self) -> None:
        if self._running:
            return
        cam = self._factory()
        try:
            # The main stream at a modest size keeps the ISP load low while previewing; lores is what we read.
            main_w = max(self._preview_size[0] * 2, 1280)
            main_h = main_w * self._preview_size[1] // self._preview_size[0]
            config = cam.create_video_configuration(
                main={"size": (main_w, main_h), "format": "RGB888"},
                lores={"size": self._preview_size, "format": "YUV420"},
                buffer_count=4)
            self._still_config = cam.create_still_configuration(main={"size": self._still_size, "format": "RGB888"})
            cam.configure(config)
            cam.start()
            if self._autofocus and "AfMode" in getattr(cam, "camera_controls", {}):
                # 2 = continuous autofocus (libcamera's AfModeEnum.Continuous); modules without AF skip this.
                cam.set_controls({"AfMode": 2})
        except Exception as exc:  # noqa: BLE001 - libcamera raises plain RuntimeError/OSError variants
            _safe_close(cam)
            raise CameraUnavailable(f"the camera could not start: {exc}") from exc
        self._cam, self._running = cam, True

    def _require(self) -> Any:
        if not self._running or self._cam is None:
            raise CameraUnavailable("the camera is not started")
        return self._cam

    def _wait(self, job: Any, timeout_s: float | None) -> Any:
        timeout = self._timeout_s if timeout_s is None else timeout_s
        try:
            return self._require().wait(job, timeout=timeout)
        except TimeoutError as exc:
            raise CameraTimeout(f"no image from the camera in {timeout:.1f} s") from exc
        except Exception as exc:  # noqa: BLE001
            self._running = False
            raise CameraUnavailable(f"the camera failed: {exc}") from exc

    def latest_preview(self, timeout_s: float | None = None) -> Frame:
        cam = self._require()
        yuv, metadata = self._take(self._wait(cam.capture_request(wait=False), timeout_s), "lores")
        # lores is planar I420 with the height padded to 3/2 × h; Pi 4's ISP cannot give RGB on lores.
        bgr = cv2.cvtColor(yuv, cv2.COLOR_YUV2BGR_I420)
        w, h = self._preview_size
        bgr = bgr[:h, :w]
        self._counter += 1
        return Frame(bgr, self._clock.monotonic(), self._counter, WhiteBalance.from_metadata(metadata))

    def capture_still(self, timeout_s: float | None = None) -> Frame:
        cam = self._require()
        if self._autofocus and "AfMode" in getattr(cam, "camera_controls", {}):
            self._wait(cam.autofocus_cycle(wait=False), timeout_s)
        # A request, not a bare array: the image and the metadata of the same frame (its ColourGains and
        # ColourTemperature are the colour reference of the fraud cues).
        request = self._wait(cam.switch_mode_and_capture_request(self._still_config, wait=False), timeout_s)
        image, metadata = self._take(request, "main")
        self._counter += 1
        # libcamera's "RGB888" is B,G,R in memory: already OpenCV's order.
        return Frame(image[:, :, :3].copy(), self._clock.monotonic(), self._counter,
                     WhiteBalance.from_metadata(metadata))

    def _take(self, request: Any, stream: str) -> tuple[Any, dict[str, Any] | None]:
        """The stream's array and the frame's metadata, the request always handed back to libcamera."""
        try:
            array = request.make_array(stream)
            try:
                metadata = request.get_metadata()
            except Exception:  # noqa: BLE001 - metadata is a nicety; the image is what the kiosk needs
                metadata = None
            return array, metadata
        except Exception as exc:  # noqa: BLE001
            self._running = False
            raise CameraUnavailable(f"the camera failed: {exc}") from exc
        finally:
            with contextlib.suppress(Exception):
                request.release()

    def stop(self) -> None:
        if self._cam is not None and self._running:
            try:
                self._cam.stop()
            finally:
                self._running = False

    def close(self) -> None:
        cam, self._cam = self._cam, None
        self._running = False
        if cam is not None:
            _safe_close(cam)

    @property
    def is_running(self) -> bool:
        return self._running


def _safe_close(cam: Any) -> None:
    # Closing a camera that failed must not mask the original error.
    with contextlib.suppress(Exception):
        cam.close()
