"""Probes on both engines: text no database can store, a rate-limited command (which touches no table), and
help, parse errors and App Home opens counting against the per-member rate limit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.commands import run_command
from mentorbot.library import Library
from mentorbot.storage.sqlite_engine import SqliteDatabase
from mentorbot.storage.store import Store
from tests.usecases.conftest import COMMUNITY, make_settings, offer_id, to

Who = Callable[..., Caller]
SURROGATE = "\ud800"


async def snapshot(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, sorted: what "nothing changed" compares."""
    if isinstance(store.db, SqliteDatabase):
        names_sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    else:
        names_sql = "SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema()"
    out: dict[str, list[tuple[Any, ...]]] = {}
    async with store.db.read() as conn:
        for row in await conn.fetch_all(names_sql):
            rows = await conn.fetch_all(f"SELECT * FROM {row['name']}")
            out[str(row["name"])] = sorted(tuple(map(str, dict(r).values())) for r in rows)
    return out


async def test_a_lone_surrogate_in_any_text_is_refused_and_nothing_is_stored(bot: MentorBot, who: Who) -> None:
    t_key = "input.broken_characters"
    signup = await bot.signup(who("mentor"), skills="seo", bio="hello " + SURROGATE)
    assert signup.error is not None and signup.error.key == t_key
    assert await bot.mentor_profile(COMMUNITY, "U-mentor") is None
    await bot.signup(who("mentor"), skills="seo")
    before = await snapshot(bot.store)
    request = await bot.request(who("amina"), skills="seo", note=SURROGATE + " help")
    assert request.error is not None and request.error.key == t_key
    assert "Sorry" not in request.reply.text and "note" in request.reply.text
    after = await snapshot(bot.store)
    assert after["requests"] == before["requests"] and after["offers"] == before["offers"]
    offered = await bot.request(who("amina"), skills="seo")
    [note] = to(offered, "mentor")
    declined = await bot.decline(who("mentor"), offer_id=offer_id(note), reason="busy" + SURROGATE)
    assert declined.error is not None and declined.error.key == t_key
    accepted = await bot.accept(who("mentor"), offer_id=offer_id(note))
    assert accepted.error is None
    ended = await bot.end(who("amina"), rating="5", comment=SURROGATE)
    assert ended.error is not None and ended.error.key == t_key


async def test_a_lone_surrogate_in_a_platform_display_name_is_stored_replaced(bot: MentorBot) -> None:
    outcome = await bot.status(Caller(COMMUNITY, "U-odd", "Zu" + SURROGATE + "ri"))
    assert outcome.error is None
    member = await bot.store.find_member(COMMUNITY, "U-odd")
    assert member is not None and member.display_name == "Zu\ufffdri"


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"until": "9999-12-31T23:59:59-23:59"}, "input.until_too_far"),
        ({"until": "99999w"}, "input.until_too_far"),
        ({"until": "0001-01-01T00:00:00+23:59"}, "input.until_in_past"),
    ],
)
async def test_extreme_pause_ends_get_a_message(bot: MentorBot, who: Who, kwargs: dict[str, str], key: str) -> None:
    await bot.signup(who("mentor"), skills="seo", timezone="Pacific/Kiritimati")
    outcome = await bot.pause(who("mentor"), **kwargs)
    assert outcome.error is not None and outcome.error.key == key


async def test_a_time_zone_region_gets_a_message(bot: MentorBot, who: Who) -> None:
    outcome = await bot.signup(who("mentor"), skills="seo", timezone="America/Argentina")
    assert outcome.error is not None and outcome.error.key == "input.timezone_region"
    assert "America/Argentina/Buenos_Aires" in outcome.reply.text


# ----------------------------------------------------------------------------------------------- rate limit


def limited_bot(store: Store, library: Library, clock: ManualClock, per_minute: int = 3) -> MentorBot:
    return MentorBot(store, library, make_settings(rate_limit_per_minute=per_minute), clock)


async def test_a_rate_limited_command_writes_nothing(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    bot = limited_bot(store, library, clock, per_minute=2)
    await bot.signup(who("mentor"), skills="seo")
    await bot.status(who("amina"))
    await bot.status(who("amina"))
    before = await snapshot(store)
    caller = Caller(COMMUNITY, "U-amina", "Renamed", channel="C-new", timezone="Africa/Nairobi", event_id="e-1")
    outcome = await bot.request(caller, skills="seo", note="please")
    assert outcome.error is not None and outcome.error.key == "common.rate_limited"
    newcomer = await bot.status(Caller(COMMUNITY, "U-new", "New"))
    assert newcomer.error is None, "another member has a bucket of their own"
    del before["members"]  # the newcomer's row
    after = await snapshot(store)
    del after["members"]
    assert after == before
    member = await store.find_member(COMMUNITY, "U-amina")
    assert member is not None and member.display_name == "Amina" and member.timezone != "Africa/Nairobi"


async def test_help_parse_errors_and_home_opens_count_against_the_rate_limit(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    bot = limited_bot(store, library, clock, per_minute=3)
    amina = who("amina")
    assert (await run_command(bot, amina, "/mentor help")).error is None
    parse_error = await run_command(bot, amina, "/mentor frobnicate")
    assert parse_error.error is not None and parse_error.error.key != "common.rate_limited"
    assert bot.home_allowed(COMMUNITY, "U-amina") is True  # an App Home open
    for line in ("/mentor help", "/mentor frobnicate", "/mentor status"):
        refused = await run_command(bot, amina, line)
        assert refused.error is not None and refused.error.key == "common.rate_limited", line
    assert bot.home_allowed(COMMUNITY, "U-amina") is False
    clock.advance(timedelta(seconds=20))
    assert (await run_command(bot, amina, "/mentor help")).error is None

