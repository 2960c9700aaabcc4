"""The console's clock: the real time plus an offset that `/clock +48h` moves forward."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Final

from mentorbot.clock import Clock, SystemClock
from mentorbot.inputs import parse_duration

LATEST: Final = datetime(9999, 1, 1, tzinfo=UTC)
"""The console's clock is never moved past this instant: Python's dates end with 9999, and the year left is for
what the bot dates from its time (an offer's deadline, a cooldown, a check-in, the weekly schedules)."""


def parse_advance(text: str, now: datetime | None = None) -> timedelta | None:
    """A forward move of the clock: ``+48h``, ``30m``, ``+14d``, ``2w``, ``+1d12h``; None if not one, or (given the
    clock's time `now`) if it would take the clock past `LATEST` (before, ``+99999w99999w99999w99999w99999w`` was
    added to the time, past the last date Python can hold, and answered the generic apology)."""
    delta = parse_duration(text)
    if delta is None or delta <= timedelta(0):
        return None
    if now is not None and delta > LATEST - now:
        return None
    return delta


def format_delta(delta: timedelta) -> str:
    """``2d 3h 5m`` (whole minutes), or ``0m``."""
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [f"{days}d" if days else "", f"{hours}h" if hours else "", f"{mins}m" if mins else ""]
    return " ".join(p for p in parts if p) or "0m"


@dataclass
class OffsetClock:
    """`base` time (the system clock) plus `offset`, which only grows."""

    base: Clock = field(default_factory=SystemClock)
    offset: timedelta = timedelta(0)

    def now(self) -> datetime:
        """The console's current instant in UTC."""
        return self.base.now() + self.offset

    def advance(self, delta: timedelta) -> datetime:
        """Move forward by `delta`; returns the new time."""
        if delta < timedelta(0):
            raise ValueError("the console clock only moves forward")
        self.offset += delta
        return self.now()

    def move_to(self, when: datetime) -> datetime:
        """Move forward to `when` (never back); returns the new time."""
        now = self.now()
        if when > now:
            self.offset += when - now
        return self.now()
