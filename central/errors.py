"""Central's errors: a small hierarchy translated at the HTTP and command-line boundary.

Each error carries a stable ``code`` (what a device or script matches on) and a message a technician can act on;
neither ever contains citizen data.
"""

from __future__ import annotations


class CentralError(Exception):
    """Base of every error central raises on purpose."""

    code = "central_error"
    http_status = 500


class StorageError(CentralError, RuntimeError):
    code = "storage_error"
    http_status = 503


class ConfigError(CentralError, ValueError):
    code = "config_error"
    http_status = 500


class RejectedUpload(CentralError, ValueError):
    """An upload (or one record in it) that central refuses; nothing of it is stored."""

    http_status = 400

    def __init__(self, code: str, message: str, *, http_status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        if http_status is not None:
            self.http_status = http_status


class NotAuthorized(CentralError, PermissionError):
    code = "not_authorized"
    http_status = 403
