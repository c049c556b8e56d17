"""The one camera interface every source implements.

A camera has two outputs, as picamera2 does: a small *preview* stream (about 640×480) that the vision code
analyses at frame rate, and a full-resolution *still* taken on demand. Every failure is an exception from
:mod:`kiosk.errors` raised within a bounded time, never a hang, so the UI can show "ask staff" instead of freezing.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from types import TracebackType

import numpy as np


@dataclass(frozen=True)
class Frame:
    """One image from a camera: BGR uint8, the camera's clock time, and a per-camera sequence number."""

    image: np.ndarray
    timestamp_s: float
    index: int

    @property
    def size_px(self) -> tuple[int, int]:
        """(width, height)."""
        return int(self.image.shape[1]), int(self.image.shape[0])


class Camera(abc.ABC):
    """Start/stop a stream, read the latest preview, take a still. ``close()`` may be called any number of times."""

    @abc.abstractmethod
    def start(self) -> None:
        """Open the device and start streaming. Raises CameraUnavailable."""

    @abc.abstractmethod
    def stop(self) -> None:
        """Stop streaming; the camera may be started again."""

    @abc.abstractmethod
    def latest_preview(self, timeout_s: float | None = None) -> Frame:
        """The newest preview frame. Raises CameraTimeout if none arrives in ``timeout_s`` (default from config),
        CameraUnavailable if the camera is not running or has gone away."""

    @abc.abstractmethod
    def capture_still(self, timeout_s: float | None = None) -> Frame:
        """A full-resolution image. Same errors as :meth:`latest_preview`."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release the device. Idempotent."""

    @property
    @abc.abstractmethod
    def is_running(self) -> bool:
        """True between a successful start() and stop()/close()."""

    def __enter__(self) -> Camera:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
