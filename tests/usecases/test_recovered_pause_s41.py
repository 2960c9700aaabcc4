"""Session 41 (a long outage): a pause recorded before a crash and recovered days later runs from when it was typed.

Before: `/mentor pause until:3d`, typed on 2026-01-05 and acknowledged, then recovered after a five-day outage,
answered "You're paused until 2026-01-13": three days from when the bot could run it, not from when the mentor
asked (Jan 5–8). `until:2026-01-08`, a date in the future when typed, was refused five days later as "in the past".
An admin's `/mentor-admin pause` read its `until:` the same way. Now both read a recovered command's `until:` from
when it was recorded (`Caller.answered`, as offer answers already did); a pause that would already be over is not
made, and the one who asked is told it ended while the bot was down. Both engines."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.models import MentorStatus
from tests.usecases.conftest import COMMUNITY
from tests.usecases.test_answered_in_time_s34 import recorded, recovered

Who = Callable[..., Caller]


async def mentor(bot: MentorBot, who: Who, name: str = "baraka") -> None:
    await bot.delivered((await bot.signup(who(name), skills="seo")).notifications)


async def test_a_recovered_relative_pause_runs_from_when_it_was_typed(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    await mentor(bot, who)
    typed_at = clock.now()
    await recorded(bot, "baraka", "pause")
    clock.advance(timedelta(days=1))
    out = await bot.pause(await recovered(bot, clock, "baraka"), until="3d")
    assert out.error is None
    profile = await bot.mentor_profile(COMMUNITY, "U-baraka")
    assert profile is not None and profile.status is MentorStatus.PAUSED
    assert profile.paused_until == typed_at + timedelta(days=3)


async def test_a_recovered_pause_already_over_is_not_made_and_says_so(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    await mentor(bot, who)
    await recorded(bot, "baraka", "pause")
    clock.advance(timedelta(days=5))
    out = await bot.pause(await recovered(bot, clock, "baraka"), until="3d")
    assert out.error is None
    profile = await bot.mentor_profile(COMMUNITY, "U-baraka")
    assert profile is not None and profile.status is MentorStatus.ACTIVE and profile.paused_until is None
    text = out.reply.plain_text
    assert "2026-01-08" in text and "`/mentor pause`" in text, text
    assert "You're paused" not in text


async def test_a_recovered_dated_pause_is_not_refused_as_in_the_past(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    await mentor(bot, who)
    await recorded(bot, "baraka", "pause")
    clock.advance(timedelta(days=5))
    out = await bot.pause(await recovered(bot, clock, "baraka"), until="2026-01-08")
    assert out.error is None, out.reply.plain_text
    assert "2026-01-08" in out.reply.plain_text
    profile = await bot.mentor_profile(COMMUNITY, "U-baraka")
    assert profile is not None and profile.status is MentorStatus.ACTIVE


async def test_a_live_pause_is_as_before(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    await mentor(bot, who)
    out = await bot.pause(who("baraka"), until="3d")
    profile = await bot.mentor_profile(COMMUNITY, "U-baraka")
    assert profile is not None and profile.paused_until == clock.now() + timedelta(days=3)
    assert out.reply.plain_text.startswith("You're paused until")
    refused = await bot.pause(who("baraka"), until="2026-01-01")
    assert refused.error is not None


async def test_an_admins_recovered_pause_runs_from_when_it_was_typed(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    await mentor(bot, who)
    typed_at = clock.now()
    await recorded(bot, "admin", "admin-pause")
    clock.advance(timedelta(days=1))
    admin = replace(await recovered(bot, clock, "admin"), is_admin=True)
    out = await bot.admin_pause(admin, mentor="<@U-baraka>", until="3d")
    assert out.error is None, out.reply.plain_text
    profile = await bot.mentor_profile(COMMUNITY, "U-baraka")
    assert profile is not None and profile.paused_until == typed_at + timedelta(days=3)


async def test_an_admins_recovered_pause_already_over_is_not_made(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    await mentor(bot, who)
    await recorded(bot, "admin", "admin-pause")
    clock.advance(timedelta(days=5))
    admin = replace(await recovered(bot, clock, "admin"), is_admin=True)
    out = await bot.admin_pause(admin, mentor="<@U-baraka>", until="3d")
    assert out.error is None, out.reply.plain_text
    profile = await bot.mentor_profile(COMMUNITY, "U-baraka")
    assert profile is not None and profile.status is MentorStatus.ACTIVE
    assert "2026-01-08" in out.reply.plain_text and "Baraka" in out.reply.plain_text


async def test_a_recovered_pause_already_over_says_how_the_profile_stands_now(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """The day's review: the reply said "you are taking requests" to a mentor paused meanwhile."""
    await mentor(bot, who)
    await recorded(bot, "baraka", "pause")
    clock.advance(timedelta(days=5))
    caller = await recovered(bot, clock, "baraka")
    await bot.pause(who("baraka"))  # paused another way meanwhile (a live command)
    text = (await bot.pause(caller, until="3d")).reply.plain_text
    assert "taking requests" not in text and "`/mentor resume`" in text, text
    admin = replace(caller, user_id="U-admin", display_name="Admin", is_admin=True, inbox_id=None, event_id=None)
    told = (await bot.admin_pause(admin, mentor="<@U-baraka>", until="3d")).reply.plain_text
    assert "is paused, as before" in told, told
