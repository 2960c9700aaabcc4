"""Weekly times for the programme's scheduled work (the cohort round, the admins' digest).

A schedule is written ``mon 09:00`` (a weekday and a 24-hour time: `WEEKDAY_NAMES` lists how a weekday may be
written, in any letter case) and read in the
programme's time zone (`Settings.programme_timezone`), so a round stays at 09:00 local time across daylight
saving changes. Everything returned is timezone-aware UTC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

WEEKDAY_NAMES: Final = {
    "mon": 0,
    "monday": 0,
    "tue": 1,
    "tues": 1,
    "tuesday": 1,
    "wed": 2,
    "weds": 2,
    "wednesday": 2,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "thursday": 3,
    "fri": 4,
    "friday": 4,
    "sat": 5,
    "saturday": 5,
    "sun": 6,
    "sunday": 6,
}
"""How a weekday may be written: its first three letters, its English name, and the usual short forms of Tuesday,
Wednesday and Thursday. Any other word is refused (``monkey`` is no Monday); config/.env.example lists them."""

_SPEC = re.compile(r"^\s*([a-z]+)\s+(\d{1,2}):(\d{2})\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Weekly:
    """Once a week: `weekday` (0 = Monday) at `at` (local time in the programme's zone)."""

    weekday: int
    at: time

    def __str__(self) -> str:
        return f"{WEEKDAYS[self.weekday]} {self.at:%H:%M}"


def parse_weekly(text: str) -> Weekly:
    """``mon 09:00`` (or ``Monday 9:00``, ``thurs 17:30``: `WEEKDAY_NAMES`) as a `Weekly`; ValueError saying what
    is expected otherwise."""
    found = _SPEC.match(text)
    if not found or found.group(1).lower() not in WEEKDAY_NAMES:
        raise ValueError("expected a weekday and a 24-hour time, such as 'mon 09:00'")
    hour, minute = int(found.group(2)), int(found.group(3))
    if hour > 23 or minute > 59:
        raise ValueError("expected a 24-hour time between 00:00 and 23:59, such as 'mon 09:00'")
    return Weekly(WEEKDAY_NAMES[found.group(1).lower()], time(hour, minute))


def next_after(spec: Weekly, now: datetime, zone: str = "UTC") -> datetime:
    """The first time strictly after `now` that `spec` names in `zone`, in UTC.

    A local time that does not exist that day (skipped by a daylight saving change) is read with the offset
    in force before the change, as `zoneinfo` does, so it still falls once that week.
    """
    tz = ZoneInfo(zone)
    local = now.astimezone(tz)
    day = local.date() - timedelta(days=(local.weekday() - spec.weekday) % 7)
    for weeks in range(3):
        candidate = datetime.combine(day + timedelta(weeks=weeks), spec.at, tzinfo=tz).astimezone(UTC)
        if candidate > now:
            return candidate
    raise AssertionError("unreachable: a weekly time falls within two weeks")  # pragma: no cover


def last_before(spec: Weekly, moment: datetime, zone: str = "UTC") -> datetime:
    """The last time strictly before `moment` that `spec` names in `zone`, in UTC: the previous occurrence, read
    as `next_after` reads it (so ``next_after(spec, last_before(spec, t, zone), zone) == t`` for a time `t` that
    `spec` names), a local week before across a daylight saving change, not 168 hours."""
    tz = ZoneInfo(zone)
    local = moment.astimezone(tz)
    day = local.date() + timedelta(days=(spec.weekday - local.weekday()) % 7)
    for weeks in range(3):
        candidate = datetime.combine(day - timedelta(weeks=weeks), spec.at, tzinfo=tz).astimezone(UTC)
        if candidate < moment:
            return candidate
    raise AssertionError("unreachable: a weekly time falls within two weeks")  # pragma: no cover
