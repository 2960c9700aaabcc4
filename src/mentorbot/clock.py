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


def within(since: datetime | None, now: datetime, span: timedelta) -> bool:
    """Whether `now` is less than `span` after `since` (never when `since` is None). For what a process times in
    memory by the wall clock (a cache's age, an interval between runs): a `now` before `since` means the clock
    was stepped back (NTP correcting a clock that ran ahead, a virtual machine resumed), and is taken as `span`
    over, not as a wait stretched by the step's length."""
    return since is not None and timedelta(0) <= now - since < span
