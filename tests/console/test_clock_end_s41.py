"""Session 41 (calendar hunt): `/clock` past the end of the calendar.

Before: `/clock +99999w99999w99999w99999w99999w` (a valid duration, 9,600 years) answered the generic apology with
a reference: the session added it to its time and Python's dates end with 9999. The move is now refused with
the `/clock` usage, as any other it cannot make, and the clock stays where it was. The console keeps a year of
the calendar for what the bot dates from its time (offers, cooldowns, check-ins, schedules)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mentorbot_console.clock import LATEST, parse_advance
from mentorbot_console.session import ConsoleSession
from tests.console.conftest import console_translator, ok, refused


async def test_a_move_past_the_calendars_end_is_refused_with_the_usage(session: ConsoleSession) -> None:
    before = session.clock.now()
    out = await refused(session, "/clock +99999w99999w99999w99999w99999w")
    assert out == console_translator("en")("console.clock_usage")
    assert session.clock.now() == before, "the clock did not move"
    assert "2026-01-05 09:00 UTC" in await ok(session, "/clock")


async def test_the_clock_moves_up_to_the_last_year_and_no_further(session: ConsoleSession) -> None:
    weeks = (LATEST - session.clock.now()).days // 7
    assert weeks > 99_999
    line = "/clock +" + "99999w" * (weeks // 99_999) + f"{weeks % 99_999}w"
    out = await ok(session, line)
    assert "it is now 9998-12" in out, out
    await refused(session, "/clock +1w")
    await ok(session, "/as m1")
    await ok(session, "/mentor signup skills:seo capacity:1")
    await ok(session, "/as r1")
    assert "Request #1" in await ok(session, "/mentor request skills:seo")
    assert "expired" in await ok(session, "/clock +3d"), "the bot's timers still run there"


def test_parse_advance_refuses_a_move_that_would_pass_the_limit() -> None:
    now = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    assert parse_advance("+48h", now) == timedelta(hours=48)
    assert parse_advance("+99999w99999w99999w99999w99999w", now) is None
    assert parse_advance("+1m", LATEST - timedelta(minutes=1)) == timedelta(minutes=1)
    assert parse_advance("+2m", LATEST - timedelta(minutes=1)) is None
    assert parse_advance("+1m", LATEST + timedelta(days=1)) is None
