"""One error hierarchy for everything that reads or writes protocol bytes (kiosk, central, admin page).

:class:`ApoyoError` is the root; the kiosk's ``KioskError`` is the same class, so code that catches the kiosk's
errors also catches the protocol's. Every error also inherits the builtin a caller would naturally catch.
"""

from __future__ import annotations


class ApoyoError(Exception):
    """Base of every error the project raises on purpose."""


class InvalidField(ApoyoError, ValueError):
    """A field is malformed; names the field (``processes[0].aspirants[1].name``) and why."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class IntegrityError(ApoyoError, ValueError):
    """Signed or sealed bytes failed verification. Deliberately one opaque message per kind of object (as
    fernet does): an attacker probing with altered bytes learns nothing about which check failed."""


class UnsupportedVersion(ApoyoError, ValueError):
    """Well-formed bytes of a format version or algorithm this code does not speak (upgrade the reader)."""


class StaleCatalog(ApoyoError, ValueError):
    """A correctly signed process catalog that is older than the one already installed (a rollback)."""
