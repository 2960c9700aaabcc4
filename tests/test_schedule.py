"""Weekly schedules (`mentorbot.schedule`): the next time is always the right weekday and local time, strictly
later, within a week, and stable (asking again just before it names it again), in any zone, across DST."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mentorbot.schedule import WEEKDAYS, Weekly, last_before, next_after, parse_weekly

START = datetime(2020, 1, 1, tzinfo=UTC).replace(tzinfo=None)  # hypothesis takes naive bounds, adds the zone
END = datetime(2035, 1, 1, tzinfo=UTC).replace(tzinfo=None)
ZONES = ["UTC", "Africa/Nairobi", "Europe/London", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu"]


@pytest.mark.parametrize(
    ("text", "expected"), [("mon 09:00", "mon 09:00"), ("Monday 9:00", "mon 09:00"), (" SUN 23:59 ", "sun 23:59")]
)
def test_parse(text: str, expected: str) -> None:
    assert str(parse_weekly(text)) == expected


@pytest.mark.parametrize("text", ["", "mon", "9:00", "xyz 09:00", "mon 24:00", "mon 09:60", "mon 9"])
def test_parse_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="mon 09:00"):
        parse_weekly(text)


@settings(max_examples=300, deadline=None)
@given(
    weekday=st.integers(0, 6),
    hour=st.integers(0, 23),
    minute=st.integers(0, 59),
    now=st.datetimes(min_value=START, max_value=END, timezones=st.just(UTC)),
    zone=st.sampled_from(ZONES),
)
def test_next_after_is_the_next_weekly_time(weekday: int, hour: int, minute: int, now: datetime, zone: str) -> None:
    spec = parse_weekly(f"{WEEKDAYS[weekday]} {hour:02d}:{minute:02d}")
    due = next_after(spec, now, zone)
    assert due.tzinfo is not None and due.utcoffset() == timedelta(0)
    assert now < due <= now + timedelta(days=7, hours=3)  # a week, give or take a daylight saving change
    local = due.astimezone(ZoneInfo(zone))
    assert local.weekday() == weekday
    # The local time is the one asked for, unless that day skipped it (then it is moved by the DST gap).
    assert (local.hour, local.minute) == (hour, minute) or ZoneInfo(zone).dst(local) is not None
    assert next_after(spec, due - timedelta(seconds=1), zone) == due  # stable: a missed one is recognised
    assert next_after(spec, due, zone) > due  # and the one after it comes later


@settings(max_examples=300, deadline=None)
@given(
    weekday=st.integers(0, 6),
    hour=st.integers(0, 23),
    minute=st.integers(0, 59),
    now=st.datetimes(min_value=START, max_value=END, timezones=st.just(UTC)),
    zone=st.sampled_from(ZONES),
)
def test_last_before_is_the_previous_weekly_time(
    weekday: int, hour: int, minute: int, now: datetime, zone: str
) -> None:
    spec = parse_weekly(f"{WEEKDAYS[weekday]} {hour:02d}:{minute:02d}")
    due = next_after(spec, now, zone)
    previous = last_before(spec, due, zone)
    assert previous <= now < due  # the digest's weeks tile time: each instant is in exactly one
    assert next_after(spec, previous, zone) == due
    assert previous.astimezone(ZoneInfo(zone)).weekday() == weekday


def test_the_previous_time_is_a_local_week_before_across_a_dst_change() -> None:
    spec = Weekly(0, time(8, 0))  # Monday 08:00 in Berlin: CET until 29 March 2026, CEST after
    due = datetime(2026, 3, 30, 6, tzinfo=UTC)
    assert last_before(spec, due, "Europe/Berlin") == datetime(2026, 3, 23, 7, tzinfo=UTC)


def test_a_week_missed_is_not_counted_twice() -> None:
    spec = Weekly(0, time(9, 0))
    down_since = datetime(2026, 1, 5, 8, tzinfo=UTC)
    back = down_since + timedelta(weeks=3)
    assert next_after(spec, back, "UTC") == datetime(2026, 1, 26, 9, tzinfo=UTC)


def test_start_up_does_not_import_matplotlib() -> None:
    """matplotlib is imported when a chart is drawn, not when the bot, its adapters or its use-cases load."""
    import subprocess
    import sys

    code = (
        "import sys, mentorbot.app, mentorbot.cli, mentorbot.charts, mentorbot.usecases.insight, "
        "mentorbot_console.session, mentorbot_slack.adapter, mentorbot_discord.client; "
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported at start-up'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
