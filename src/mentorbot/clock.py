"""Time, injectable: the core never calls `datetime.now()` directly, so tests and the console can move it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Tells the current time, always timezone-aware UTC."""

    def now(self) -> datetime:
        """The current instant in UTC."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        """The current instant in UTC."""
        return datetime.now(UTC)


@dataclass
class ManualClock:
    """A clock that only moves when told to (tests, the console's `/clock +48h`)."""

    current: datetime = field(default_factory=lambda: datetime(2026, 1, 5, 9, 0, tzinfo=UTC))

    def now(self) -> datetime:
        """The clock's current instant."""
        return self.current

    def advance(self, delta: timedelta) -> datetime:
        """Move the clock forward by `delta` and return the new time."""
        if delta < timedelta(0):
            raise ValueError("the clock only moves forward")
        self.current += delta
        return self.current


def as_utc(value: datetime) -> datetime:
    """`value` as an aware UTC datetime; a naive value is refused (it would be ambiguous)."""
    if value.tzinfo is None:
        raise ValueError("naive datetime: MentorBot only stores timezone-aware UTC times")
    return value.astimezone(UTC)
