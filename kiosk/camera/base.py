"""The one camera interface every source implements.

A camera has two outputs, as picamera2 does: a small *preview* stream (about 640×480) that the vision code
analyses at frame rate, and a full-resolution *still* taken on demand. Every failure is an exception from
:mod:`kiosk.errors` raised within a bounded time, never a hang, so the UI can show "ask staff" instead of freezing.
"""

from __future__ import annotations

import abc
import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import numpy as np


@dataclass(frozen=True)
class WhiteBalance:
    """The white balance the camera applied to a frame, as its metadata reports it (picamera2: ``ColourGains``
    = (red gain, blue gain) over green, ``ColourTemperature`` in kelvin; either may be unknown).

    A frame that carries one was balanced by the camera: its neutral is the image's neutral, so the fraud cues
    measure colour against it instead of against the card (see :mod:`kiosk.vision.fraud`)."""

    colour_gains: tuple[float, float] | None = None
    colour_temperature_k: float | None = None

    @classmethod
    def from_metadata(cls, metadata: Mapping[str, Any] | None) -> WhiteBalance | None:
        """From a picamera2/libcamera metadata dict; None when it reports neither value (or nonsense)."""
        if not metadata:
            return None
        gains = metadata.get("ColourGains")
        temp = metadata.get("ColourTemperature")
        try:
            pair = (float(gains[0]), float(gains[1])) if gains is not None and len(gains) >= 2 else None
        except (TypeError, ValueError):
            pair = None
        if pair is not None and not all(math.isfinite(g) and 0.05 < g < 20.0 for g in pair):
            pair = None
        try:
            kelvin = float(temp) if temp is not None else None
        except (TypeError, ValueError):
            kelvin = None
        if kelvin is not None and not (math.isfinite(kelvin) and 1000.0 <= kelvin <= 20000.0):
            kelvin = None
        if pair is None and kelvin is None:
            return None
        return cls(pair, kelvin)

    def to_dict(self) -> dict[str, Any]:
        return {"colour_gains": None if self.colour_gains is None else [round(g, 4) for g in self.colour_gains],
                "colour_temperature_k": self.colour_temperature_k}


@dataclass(frozen=True)
class Frame:
    """One image from a camera: BGR uint8, the camera's clock time, a per-camera sequence number, and the white
    balance the camera applied (None when the camera does not say: OpenCV devices, files, most scripts)."""

    image: np.ndarray
    timestamp_s: float
    index: int
    white_balance: WhiteBalance | None = None

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
