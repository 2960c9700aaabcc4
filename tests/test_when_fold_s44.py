"""Session 44's time-words hunt: an instant in the hour a fall-back change repeats is told with its UTC offset.

`formatting.when` shows an instant as its reader's wall clock reads it, ``2026-10-25 01:30 (Europe/London)``. When
clocks go back, that wall time happens twice (01:30 BST, then 01:30 GMT an hour later), and both instants read the
same: a mentor told "Answer by: 2026-10-25 01:30 (Europe/London)" saw the offer expire at the first 01:30 while they
counted on the second. A wall time that happens twice in the reader's zone is now told with the UTC offset of the
one meant (``2026-10-25 01:30 UTC+01:00 (Europe/London)``), in both languages; any other time reads as before.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mentorbot.formatting import when
from mentorbot.i18n import Translator, translator

EN = translator("en")
SW = translator("sw")

ZONES = (
    "Europe/London",
    "America/New_York",
    "Australia/Lord_Howe",  # half an hour back: 02:00 UTC+11 -> 01:30 UTC+10:30
    "Europe/Dublin",  # "negative" daylight saving (its winter time is the dst one): still a repeated hour
    "Pacific/Chatham",  # UTC+13:45 -> UTC+12:45
    "America/Santiago",
    "Africa/Casablanca",  # back an hour for Ramadan, forward after it
    "Africa/Nairobi",  # no change: never ambiguous
)


@cache
def _changes(zone: str) -> tuple[datetime, ...]:
    """The instants of 2025–2029 at which `zone`'s UTC offset changes, to the minute."""
    tz = ZoneInfo(zone)
    found: list[datetime] = []
    at = datetime(2025, 1, 1, tzinfo=UTC)
    end = datetime(2029, 1, 1, tzinfo=UTC)
    while at < end:
        nxt = at + timedelta(hours=1)
        if at.astimezone(tz).utcoffset() != nxt.astimezone(tz).utcoffset():
            low, high = at, nxt
            while high - low > timedelta(minutes=1):
                mid = low + (high - low) / 2
                mid = mid.replace(second=0, microsecond=0)
                if mid == low:
                    break
                if mid.astimezone(tz).utcoffset() == low.astimezone(tz).utcoffset():
                    low = mid
                else:
                    high = mid
            found.append(high)
        at = nxt
    return tuple(found) or (datetime(2026, 10, 25, 1, 0, tzinfo=UTC),)


def test_the_zones_change_their_clocks() -> None:
    assert len(_changes("Europe/London")) == 8
    assert datetime(2026, 10, 25, 1, 0, tzinfo=UTC) in _changes("Europe/London")
    assert datetime(2027, 4, 3, 15, 0, tzinfo=UTC) in _changes("Australia/Lord_Howe")


@st.composite
def _near_a_change(draw: st.DrawFn) -> tuple[str, datetime, datetime]:
    zone = draw(st.sampled_from(ZONES))
    change = draw(st.sampled_from(_changes(zone)))
    minutes = st.integers(min_value=-150, max_value=150)
    return zone, change + timedelta(minutes=draw(minutes)), change + timedelta(minutes=draw(minutes))


@given(_near_a_change(), st.sampled_from([EN, SW, None]))
def test_two_instants_never_read_the_same_in_one_zone(
    case: tuple[str, datetime, datetime], t: Translator | None
) -> None:
    zone, a, b = case
    if a != b:
        assert when(a, t, zone) != when(b, t, zone), (zone, a, b)
    else:
        assert when(a, t, zone) == when(b, t, zone)


@pytest.mark.parametrize(
    ("at", "zone", "english", "swahili"),
    [
        # the repeated hour in London: first BST, then GMT
        (
            datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
            "Europe/London",
            "2026-10-25 01:30 UTC+01:00 (Europe/London)",
            "2026-10-25 01:30 UTC+01:00 (saa za Europe/London)",
        ),
        (
            datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
            "Europe/London",
            "2026-10-25 01:30 UTC+00:00 (Europe/London)",
            "2026-10-25 01:30 UTC+00:00 (saa za Europe/London)",
        ),
        # Lord Howe's repeated half hour
        (
            datetime(2027, 4, 3, 14, 45, tzinfo=UTC),
            "Australia/Lord_Howe",
            "2027-04-04 01:45 UTC+11:00 (Australia/Lord_Howe)",
            "2027-04-04 01:45 UTC+11:00 (saa za Australia/Lord_Howe)",
        ),
        (
            datetime(2027, 4, 3, 15, 15, tzinfo=UTC),
            "Australia/Lord_Howe",
            "2027-04-04 01:45 UTC+10:30 (Australia/Lord_Howe)",
            "2027-04-04 01:45 UTC+10:30 (saa za Australia/Lord_Howe)",
        ),
        # west of Greenwich: the offset's sign
        (
            datetime(2026, 11, 1, 5, 30, tzinfo=UTC),
            "America/New_York",
            "2026-11-01 01:30 UTC-04:00 (America/New_York)",
            "2026-11-01 01:30 UTC-04:00 (saa za America/New_York)",
        ),
        (
            datetime(2026, 11, 1, 6, 30, tzinfo=UTC),
            "America/New_York",
            "2026-11-01 01:30 UTC-05:00 (America/New_York)",
            "2026-11-01 01:30 UTC-05:00 (saa za America/New_York)",
        ),
    ],
)
def test_a_repeated_wall_time_names_its_offset(at: datetime, zone: str, english: str, swahili: str) -> None:
    assert when(at, EN, zone) == english
    assert when(at, SW, zone) == swahili
    assert when(at, None, zone) == english


@pytest.mark.parametrize(
    ("at", "zone", "english", "swahili"),
    [
        # just before and just after the repeated hour, the day the clocks go back
        (
            datetime(2026, 10, 24, 23, 59, tzinfo=UTC),
            "Europe/London",
            "2026-10-25 00:59 (Europe/London)",
            "2026-10-25 00:59 (saa za Europe/London)",
        ),
        (
            datetime(2026, 10, 25, 2, 0, tzinfo=UTC),
            "Europe/London",
            "2026-10-25 02:00 (Europe/London)",
            "2026-10-25 02:00 (saa za Europe/London)",
        ),
        # the hour skipped in spring: each wall time shown happens once
        (
            datetime(2027, 3, 28, 1, 30, tzinfo=UTC),
            "Europe/London",
            "2027-03-28 02:30 (Europe/London)",
            "2027-03-28 02:30 (saa za Europe/London)",
        ),
        # zones without changes, and no zone
        (
            datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
            "Africa/Nairobi",
            "2026-10-25 03:30 (Africa/Nairobi)",
            "2026-10-25 03:30 (saa za Africa/Nairobi)",
        ),
        (
            datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
            "UTC+05:30",
            "2026-10-25 06:00 (UTC+05:30)",
            "2026-10-25 06:00 (saa za UTC+05:30)",
        ),
        (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), None, "2026-10-25 00:30 UTC", "2026-10-25 00:30 (saa za UTC)"),
    ],
)
def test_any_other_time_reads_as_before(at: datetime, zone: str | None, english: str, swahili: str) -> None:
    assert when(at, EN, zone) == english
    assert when(at, SW, zone) == swahili
