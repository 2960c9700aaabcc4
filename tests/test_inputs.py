"""Durations are read one way everywhere: a pause (`parse_until`) and the console's clock (`parse_advance`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mentorbot.errors import UserError
from mentorbot.inputs import parse_duration, parse_until
from mentorbot_console.clock import parse_advance

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


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
