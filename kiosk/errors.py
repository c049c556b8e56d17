"""The kiosk's error hierarchy (rooted in ``apoyo_protocol.errors``, shared with central).

Each error also inherits the builtin a caller would naturally catch (ValueError, RuntimeError, OSError), so
code outside the kiosk keeps working, and every message is one a technician or citizen can act on.
"""

from __future__ import annotations

from apoyo_protocol.errors import ApoyoError, IntegrityError, InvalidField, StaleCatalog, UnsupportedVersion

#: Base of every error the kiosk raises on purpose: the protocol's root, so one ``except KioskError`` also
#: catches a malformed record field or a failed signature from ``apoyo_protocol``.
KioskError = ApoyoError

__all__ = ["ApoyoError", "CameraError", "CameraTimeout", "CameraUnavailable", "ConfigError", "FaceNotFound",
           "ImageError", "IntegrityError", "InvalidField", "KeyMissing", "KioskError", "ModelError", "StaleCatalog",
           "StorageFull", "StoreError", "TooManyFaces", "UnsupportedVersion"]


class ConfigError(KioskError, ValueError):
    """A configuration value is missing or wrong; the message names the key and the problem."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"config {key}: {problem}")
        self.key = key
        self.problem = problem


class CameraError(KioskError, RuntimeError):
    """The camera failed in a way the UI can show."""


class CameraUnavailable(CameraError):
    """No camera could be opened, or it disconnected."""


class CameraTimeout(CameraError):
    """The camera delivered no frame within the allowed time."""


class ImageError(KioskError, ValueError):
    """An image file or buffer could not be decoded or is unusable."""


class FaceNotFound(ImageError):
    """No usable face was found in an image (selfie or credential photo)."""


class TooManyFaces(ImageError):
    """More than one face of similar size is in an image, so which one to use is ambiguous."""


class ModelError(KioskError, RuntimeError):
    """A model file is missing, corrupt, or no inference runtime is installed."""


class StoreError(KioskError, RuntimeError):
    """The sealed record store cannot accept or return data."""


class StorageFull(StoreError, OSError):
    """Free space is below the floor; no new capture may start."""


class KeyMissing(StoreError):
    """A device or central key is missing or unreadable."""
