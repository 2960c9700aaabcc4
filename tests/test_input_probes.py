"""Probes found by fuzzing: odd digits, a time-zone region, dates past the calendar's end, a lone surrogate.
Each gets a clear localized message (a `UserError`), never the generic apology."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mentorbot.errors import UserError
from mentorbot.i18n import load_catalog
from mentorbot.inputs import parse_capacity, parse_id, parse_rating, parse_until
from mentorbot.text_safety import check_text
from mentorbot.timezones import parse_timezone, to_tzinfo

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("value", ["²", "①", "12²", "#①", "1.5", "1_0", "+3", "-3", "3e2", "9" * 5000, "٣.٥"])
def test_parse_id_refuses_what_is_not_a_plain_number(value: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_id(value, "offer")
    assert caught.value.key == "input.bad_id"


@pytest.mark.parametrize(("value", "expected"), [("١٢", 12), ("#٣", 3), ("१२", 12), (" 12 ", 12), (7, 7)])
def test_parse_id_reads_decimal_digits_of_any_script(value: str | int, expected: int) -> None:
    """Deliberate: digits a keyboard types as digits (Arabic-Indic, Devanagari: Unicode category Nd) are read
    as the number they show; superscripts and circled digits (category No) are not digits of a number."""
    assert parse_id(value, "offer") == expected


@pytest.mark.parametrize("value", ["2.5", 2.5, "²", "①", "1_0", "+3", True, "9" * 5000, "3e0"])
def test_parse_capacity_refuses_fractions_odd_digits_and_underscores(value: object) -> None:
    with pytest.raises(UserError) as caught:
        parse_capacity(value, default=2)  # type: ignore[arg-type]
    assert caught.value.key == "input.bad_capacity"


@pytest.mark.parametrize("value", ["4.0", 4.5, "⁴", "④", "0_4", "+4", False])
def test_parse_rating_refuses_fractions_and_odd_digits(value: object) -> None:
    with pytest.raises(UserError) as caught:
        parse_rating(value)  # type: ignore[arg-type]
    assert caught.value.key == "input.bad_rating"


def test_capacity_and_rating_read_decimal_digits_of_any_script() -> None:
    assert parse_capacity("٣", default=2) == 3
    assert parse_rating("٤") == 4
    assert parse_capacity(" 5 ", default=2) == 5


@pytest.mark.parametrize("value", ["America/Argentina", "America", "america/argentina", "Etc", "America/"])
def test_a_time_zone_region_gets_a_message_naming_zones_in_it(value: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_timezone(value)
    assert caught.value.key in ("input.timezone_region", "input.bad_timezone")
    if value.strip("/").lower() == "america/argentina":
        assert caught.value.key == "input.timezone_region"
        assert "America/Argentina/Buenos_Aires" in caught.value.params["examples"]


@pytest.mark.parametrize("value", ["../etc/passwd", "/etc/localtime", "Africa/\x00", "Africa/\ud800", "a" * 300 + "/b"])
def test_odd_time_zone_names_are_refused(value: str) -> None:
    with pytest.raises(UserError):
        parse_timezone(value)
    assert to_tzinfo(value) is not None


def test_a_stored_region_name_falls_back_to_utc() -> None:
    assert to_tzinfo("America/Argentina") == UTC


@pytest.mark.parametrize(
    "value",
    [
        "9999-12-31T23:59:59-23:59",
        "9999-12-31",
        "0001-01-01T00:00:00+23:59",
        "99999w",
        "99999w 99999w 99999w 99999w 99999w",
        "2100-01-01",
    ],
)
def test_until_past_the_calendar_or_too_far_ahead_is_refused(value: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_until(value, NOW, "Africa/Nairobi")
    assert caught.value.key in ("input.until_too_far", "input.until_in_past")


def test_until_within_the_limit_is_accepted() -> None:
    assert parse_until("52w", NOW) is not None
    assert parse_until("2028-06-01", NOW, "America/Argentina") is not None


@pytest.mark.parametrize("text", ["\ud800", "help \udfff me", "a\ud83d"])
def test_a_lone_surrogate_in_text_is_refused(text: str) -> None:
    with pytest.raises(UserError) as caught:
        check_text(text, field="note", max_length=500)
    assert caught.value.key == "input.broken_characters"


def test_a_whole_emoji_is_fine() -> None:
    assert check_text("thanks 🙏🏽", field="note", max_length=500) == "thanks 🙏🏽"


@pytest.mark.parametrize("lang", ["en", "sw"])
def test_no_message_puts_an_article_before_a_placeholder(lang: str) -> None:
    """``a {what}`` reads "a offer": no English message may put an article before a placeholder."""
    import re

    bad = {k: v for k, v in load_catalog(lang).items() if re.search(r"\b(a|an)\s+\{", v)}
    assert bad == {}


def test_zones_across_the_date_line_are_hours_apart_the_short_way() -> None:
    """Before: UTC+14 and UTC-12 were -2 h apart, and their score's bonus was above its most (0.35 > 0.3)."""
    from mentorbot.matching.score import TIMEZONE_BONUS, timezone_bonus
    from mentorbot.timezones import hours_apart

    assert hours_apart("UTC+14", "UTC-12", NOW) == 2
    assert hours_apart("Pacific/Kiritimati", "Pacific/Pago_Pago", NOW) == 1
    for a in ("UTC+14", "Pacific/Kiritimati", "Pacific/Chatham", "Etc/GMT+12", "UTC-14", "UTC"):
        for b in ("UTC-12", "Pacific/Pago_Pago", "UTC+14", "Asia/Kathmandu"):
            assert 0 <= hours_apart(a, b, NOW) <= 12
            assert 0 <= timezone_bonus(a, b, NOW) <= TIMEZONE_BONUS
