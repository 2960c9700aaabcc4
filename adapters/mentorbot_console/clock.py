"""The console's clock: the real time plus an offset that `/clock +48h` moves forward."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from mentorbot.clock import Clock, SystemClock
from mentorbot.inputs import parse_duration


def parse_advance(text: str) -> timedelta | None:
    """A forward move of the clock: ``+48h``, ``30m``, ``+14d``, ``2w``, ``+1d12h``; None if not one."""
    delta = parse_duration(text)
    return delta if delta is not None and delta > timedelta(0) else None


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
