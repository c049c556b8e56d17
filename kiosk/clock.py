"""Time behind an interface, so the flow and tests never sleep or read the wall clock directly."""

from __future__ import annotations

import time
from datetime import date, datetime
from typing import Protocol


class Clock(Protocol):
    def monotonic(self) -> float:
        """Seconds from an arbitrary origin; never goes backwards."""

    def wall(self) -> float:
        """Seconds since the Unix epoch (may jump when NTP syncs)."""


def local_date(wall_s: float) -> date:
    """The calendar date at ``wall_s`` (Unix seconds) in the device's time zone."""
    return datetime.fromtimestamp(wall_s).date()


class SystemClock:
    """The real clock."""

    def monotonic(self) -> float:
        return time.monotonic()

    def wall(self) -> float:
        return time.time()


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self, start_wall: float = 1_780_000_000.0, start_monotonic: float = 1000.0) -> None:
        self._wall = start_wall
        self._mono = start_monotonic

    def monotonic(self) -> float:
        return self._mono

    def wall(self) -> float:
        return self._wall

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock cannot go backwards")
        self._mono += seconds
        self._wall += seconds
