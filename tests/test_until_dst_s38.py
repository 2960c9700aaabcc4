"""Session 38's time hunt: a pause typed during the hour a fall-back change repeats.

At 01:20 GMT on 2026-10-25 (the *second* 01:20 of that night in London) ``/mentor pause until:1h`` was told "'1h'
is in the past" and ``12h`` ended after 11 hours: `inputs._after` stepped through the local wall clock even with no
days to add, and the step lost which 01:20 it was. A date and time typed in that hour whose first occurrence is past
(``2026-10-25 01:50`` at 01:20 GMT) was refused too, though its second occurrence is still to come."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mentorbot.errors import UserError
from mentorbot.inputs import parse_until

SECOND_0120 = datetime(2026, 10, 25, 1, 20, tzinfo=UTC)
"""01:20 GMT, the second 01:20 of that night in London."""
ZONES = ["Europe/London", "America/New_York", "America/Santiago", "Australia/Sydney", "Pacific/Chatham"]


def _changes(zone: str) -> list[datetime]:
    """The instants of 2026 and 2027 at which `zone`'s offset from UTC changes (to the hour)."""
    tz = ZoneInfo(zone)
    hour = datetime(2026, 1, 1, tzinfo=UTC)
    found = []
    while hour.year < 2028:
        if (hour + timedelta(hours=1)).astimezone(tz).utcoffset() != hour.astimezone(tz).utcoffset():
            found.append(hour + timedelta(hours=1))
        hour += timedelta(hours=1)
    return found


CHANGES = [(zone, at) for zone in ZONES for at in _changes(zone)]
near_a_change = st.tuples(st.sampled_from(CHANGES), st.integers(-4 * 60, 4 * 60), st.integers(0, 59)).map(
    lambda c: (c[0][0], c[0][1] + timedelta(minutes=c[1], seconds=c[2]))
)
"""A zone and a moment within four hours of one of its daylight-saving changes (where the wall clock skips or
repeats an hour): random moments of the year would almost never fall there."""


@pytest.mark.parametrize(("typed", "elapsed"), [("30m", 30), ("1h", 60), ("+1h", 60), ("12h", 720), ("1h30m", 90)])
def test_hours_and_minutes_in_the_repeated_hour_are_time_elapsed(typed: str, elapsed: int) -> None:
    assert parse_until(typed, SECOND_0120, "Europe/London") == SECOND_0120 + timedelta(minutes=elapsed)


def test_a_time_typed_in_the_repeated_hour_that_is_still_to_come_once() -> None:
    """At 01:20 GMT, 01:50 that day is still to come once: 01:50 GMT, thirty minutes on."""
    assert parse_until("2026-10-25 01:50", SECOND_0120, "Europe/London") == SECOND_0120 + timedelta(minutes=30)


def test_a_time_typed_in_the_repeated_hour_before_the_change_is_its_first_occurrence() -> None:
    before = datetime(2026, 10, 24, 23, 0, tzinfo=UTC)  # 00:00 BST
    assert parse_until("2026-10-25 01:50", before, "Europe/London") == datetime(2026, 10, 25, 0, 50, tzinfo=UTC)


def test_a_time_typed_whose_both_occurrences_are_past_is_refused() -> None:
    with pytest.raises(UserError) as refused:
        parse_until("2026-10-25 01:10", SECOND_0120, "Europe/London")
    assert refused.value.key == "input.until_in_past"


def test_days_keep_the_wall_clock_across_a_change() -> None:
    """Days and weeks are calendar days where the member lives: 09:00 on Saturday, a day later, is 09:00 Sunday."""
    saturday = datetime(2026, 10, 24, 8, 0, tzinfo=UTC)  # 09:00 BST
    assert parse_until("1d", saturday, "Europe/London") == datetime(2026, 10, 25, 9, 0, tzinfo=UTC)  # 09:00 GMT


@settings(max_examples=300, deadline=None)
@given(moment=near_a_change, hours=st.integers(0, 48), minutes=st.integers(0, 59))
def test_a_duration_of_hours_and_minutes_is_that_much_time_whatever_the_zone_and_moment(
    moment: tuple[str, datetime], hours: int, minutes: int
) -> None:
    zone, now = moment
    if hours == minutes == 0:
        return
    assert parse_until(f"{hours}h{minutes}m", now, zone) == now + timedelta(hours=hours, minutes=minutes)


@settings(max_examples=300, deadline=None)
@given(moment=near_a_change, local_minutes=st.integers(1, 6 * 60))
def test_a_local_time_still_to_come_is_never_refused_as_past(moment: tuple[str, datetime], local_minutes: int) -> None:
    """Any local wall-clock time that has an occurrence still to come (within six hours) is accepted, and read as
    its earliest occurrence still to come."""
    zone, now = moment
    tz = ZoneInfo(zone)
    target = (now + timedelta(minutes=local_minutes)).astimezone(tz).replace(second=0, microsecond=0)
    typed = target.replace(tzinfo=None).isoformat(sep=" ", timespec="minutes")
    readings = sorted({target.replace(fold=f).astimezone(UTC) for f in (0, 1)})
    still_to_come = [
        r for r in readings if r > now and r.astimezone(tz).replace(tzinfo=None) == target.replace(tzinfo=None)
    ]
    if not still_to_come:
        return
    assert parse_until(typed, now, zone) == still_to_come[0]
