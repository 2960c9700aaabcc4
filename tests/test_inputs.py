"""Durations are read one way everywhere: a pause (`parse_until`) and the console's clock (`parse_advance`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from mentorbot.errors import UserError
from mentorbot.inputs import parse_duration, parse_languages, parse_until
from mentorbot_console.clock import parse_advance

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3d", timedelta(days=3)),
        ("2w", timedelta(weeks=2)),
        ("+12h", timedelta(hours=12)),
        ("30m", timedelta(minutes=30)),
        ("45min", timedelta(minutes=45)),
        ("+1d12h", timedelta(days=1, hours=12)),
        (" 2 D ", timedelta(days=2)),
        ("0h", timedelta(0)),
        ("2026-12-24", None),
        ("soon", None),
        ("3x", None),
        ("", None),
    ],
)
def test_parse_duration(text: str, expected: timedelta | None) -> None:
    assert parse_duration(text) == expected


def test_pause_and_console_clock_read_the_same_durations() -> None:
    for text in ("3d", "+1d12h", "2w", "90m"):
        delta = parse_duration(text)
        assert delta is not None
        assert parse_until(text, NOW) == NOW + delta
        assert parse_advance(text) == delta


def test_a_zero_duration_is_no_pause_end_and_no_clock_move() -> None:
    with pytest.raises(UserError) as caught:
        parse_until("0h", NOW)
    assert caught.value.key == "input.until_in_past"
    assert parse_advance("0h") is None


@pytest.mark.parametrize(
    ("text", "local_end"),
    [
        ("2w", datetime(2027, 3, 22, 9, 0, tzinfo=NEW_YORK)),  # across the change to daylight saving time (14 March)
        ("1w", datetime(2027, 3, 15, 9, 0, tzinfo=NEW_YORK)),
        ("7d", datetime(2027, 3, 15, 9, 0, tzinfo=NEW_YORK)),
        ("36h", datetime(2027, 3, 9, 21, 0, tzinfo=NEW_YORK)),  # hours are time elapsed: no change that night
        ("1w2h", datetime(2027, 3, 15, 11, 0, tzinfo=NEW_YORK)),
    ],
)
def test_days_and_weeks_of_a_pause_are_calendar_days_where_the_member_lives(text: str, local_end: datetime) -> None:
    """Before: `2w` from Monday 09:00 in New York ended on Monday 10:00 (14 × 24 h across the change); a week is
    a local week, as the weekly timers count it."""
    now = datetime(2027, 3, 8, 9, 0, tzinfo=NEW_YORK).astimezone(UTC)
    until = parse_until(text, now, "America/New_York")
    assert until is not None and until.tzinfo is UTC
    assert until == local_end


# ------------------------------------------------------------------ languages typed as a sentence (session 31)


@pytest.mark.parametrize(
    ("typed", "codes"),
    [
        ("Kiingereza na Kiswahili", ("en", "sw")),  # before: en, na (Nauru), sw
        ("English and Swahili", ("en", "sw")),  # before: refused, "'and' is not a language"
        ("English or French", ("en", "fr")),  # "or" is Odia's code: a joiner between two languages
        ("en/sw", ("en", "sw")),
        ("English & Swahili", ("en", "sw")),
        ("en, na", ("en", "na")),  # named alone, a code is still a language
    ],
)
def test_languages_typed_as_a_sentence(typed: str, codes: tuple[str, ...]) -> None:
    assert parse_languages(typed, "en") == codes


def test_a_joiner_at_an_end_is_no_language() -> None:
    with pytest.raises(UserError) as caught:
        parse_languages("English and", "en")
    assert caught.value.key == "input.bad_language" and caught.value.params["value"] == "and"
