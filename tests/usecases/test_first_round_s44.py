"""A cohort programme's new community: its first request, a minute before a round, was told that round (10:00),
and the community's round timer, made at the timer loop's next weekly check (once a minute:
`timers.WEEKLY_CHECK_EVERY`), 10:00:10, was due at the schedule's next time after then, a week later: the round never
ran that day, and the request's date moved to next week's without a word (session 44, a stranded-requests hunt).
Without a timer yet, a request is told the schedule's next round at least two checks away
(`matchmaking.NO_TIMER_MARGIN`): the one the timer about to be made keeps."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.library import Library
from mentorbot.models import RequestStatus
from mentorbot.storage.store import Store
from tests.usecases.conftest import make_settings
from tests.usecases.test_schedule_changes_s34 import at, pending_due, stored_reason


async def _statuses(bot: MentorBot, name: str) -> list[RequestStatus]:
    member = await bot.store.find_member("test:guild", f"U-{name}")
    assert member is not None
    return [r.status for r in await bot.store.list_member_requests(member.id)]


async def test_a_new_communitys_first_request_a_minute_before_a_round_is_told_the_round_its_timer_keeps(
    store: Store, library: Library, clock: ManualClock, who: Callable[..., Caller]
) -> None:
    bot = MentorBot(store, library, make_settings(matching="rounds", round_schedule="mon 10:00"), clock, worker_id="w")
    await at(clock, datetime(2026, 1, 5, 9, 59, 10, tzinfo=UTC))
    await bot.run_due_jobs()  # the weekly check: no community yet
    clock.advance(timedelta(seconds=5))
    await bot.signup(who("baraka"), skills="seo", capacity="2")
    clock.advance(timedelta(seconds=15))
    told = await bot.request(who("dan"), skills="seo")
    assert "2026-01-12 10:00" in told.reply.plain_text and "2026-01-05 10:00" not in told.reply.plain_text
    for _ in range(24):  # the loop every 5 s until 10:01:30
        clock.advance(timedelta(seconds=5))
        await bot.run_due_jobs()
    assert await pending_due(store, "round") == [datetime(2026, 1, 12, 10, tzinfo=UTC)]
    assert (await stored_reason(store, "dan"))["until"] == "2026-01-12T10:00:00+00:00", "the date told, kept"
    await at(clock, datetime(2026, 1, 12, 10, tzinfo=UTC))
    await bot.run_due_jobs()
    assert await _statuses(bot, "dan") == [RequestStatus.OFFERED]


async def test_a_new_communitys_first_request_minutes_before_a_round_is_told_that_round(
    store: Store, library: Library, clock: ManualClock, who: Callable[..., Caller]
) -> None:
    """Further ahead, the round of that day, which the timer made at the next check keeps, as before."""
    bot = MentorBot(store, library, make_settings(matching="rounds", round_schedule="mon 10:00"), clock, worker_id="w")
    await at(clock, datetime(2026, 1, 5, 9, 50, tzinfo=UTC))
    await bot.signup(who("baraka"), skills="seo", capacity="2")
    told = await bot.request(who("dan"), skills="seo")
    assert "2026-01-05 10:00" in told.reply.plain_text
    clock.advance(timedelta(seconds=30))
    await bot.run_due_jobs()
    assert await pending_due(store, "round") == [datetime(2026, 1, 5, 10, tzinfo=UTC)]
    await at(clock, datetime(2026, 1, 5, 10, tzinfo=UTC))
    await bot.run_due_jobs()
    assert await _statuses(bot, "dan") == [RequestStatus.OFFERED]


async def test_a_new_community_minutes_after_the_rounds_time_waits_for_next_weeks_round(
    store: Store, library: Library, clock: ManualClock, who: Callable[..., Caller]
) -> None:
    """Minutes after the round's time, the next is next week's, as before: no round of a time long gone."""
    bot = MentorBot(store, library, make_settings(matching="rounds", round_schedule="mon 10:00"), clock, worker_id="w")
    await at(clock, datetime(2026, 1, 5, 10, 5, tzinfo=UTC))
    await bot.signup(who("baraka"), skills="seo", capacity="2")
    told = await bot.request(who("dan"), skills="seo")
    assert "2026-01-12 10:00" in told.reply.plain_text
    await bot.run_due_jobs()
    assert await pending_due(store, "round") == [datetime(2026, 1, 12, 10, tzinfo=UTC)]
    assert await _statuses(bot, "dan") == [RequestStatus.WAITING]
