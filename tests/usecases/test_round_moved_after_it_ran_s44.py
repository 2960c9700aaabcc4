"""A round schedule (or the programme's zone) changed on the round's day after that day's round ran: the pending
timer stands for next week's round, so it moves to the new schedule's time nearest to it, next week, and the members
waiting are told that date (session 44, a rounds hunt). It went to the schedule's next time after now, later that
same day: a second round ran an hour after the first (`insight.round_moves`), though docs/insight.md says the round
a timer stands for is the new schedule's time nearest to it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mentorbot.clock import ManualClock
from mentorbot.library import Library
from mentorbot.storage.store import Store
from tests.usecases.test_schedule_changes_s34 import Who, at, bot_with, pending_due, reports, stored_reason


@pytest.mark.parametrize(
    ("change", "next_week"),
    [
        ({"round_schedule": "mon 10:00"}, datetime(2026, 1, 19, 10, tzinfo=UTC)),  # one hour later
        ({"programme_timezone": "America/New_York"}, datetime(2026, 1, 19, 14, tzinfo=UTC)),  # 09:00 in New York
    ],
)
async def test_a_round_moved_later_after_it_ran_that_day_runs_next_week_and_waiting_members_are_told_so(
    store: Store, library: Library, clock: ManualClock, who: Who, change: dict[str, str], next_week: datetime
) -> None:
    bot = bot_with(store, library, clock, matching="rounds", round_schedule="mon 09:00")
    await at(clock, datetime(2026, 1, 6, 10, tzinfo=UTC))
    await bot.set_language(who("admin"), language="en")
    await bot.signup(who("wanjiru"), skills="seo", capacity=1)
    await bot.request(who("amina"), skills="seo")
    await bot.request(who("zuri"), skills="seo")
    await bot.run_due_jobs()
    await at(clock, datetime(2026, 1, 12, 9, tzinfo=UTC))
    assert len(reports(await bot.run_due_jobs(), "round")) == 1, "this week's round"
    assert await pending_due(store, "round") == [datetime(2026, 1, 19, 9, tzinfo=UTC)]

    await at(clock, datetime(2026, 1, 12, 9, 30, tzinfo=UTC))
    moved = bot_with(store, library, clock, "w2", **{"matching": "rounds", "round_schedule": "mon 09:00", **change})
    await moved.run_due_jobs()
    assert await pending_due(store, "round") == [next_week]
    assert (await stored_reason(store, "zuri"))["until"] == next_week.isoformat(), "told the round that runs"
    await moved.request(who("kito"), skills="seo")
    assert (await stored_reason(store, "kito"))["until"] == next_week.isoformat(), "a newcomer is told it too"

    for hour in range(10, 24):
        await at(clock, datetime(2026, 1, 12, hour, 0, 30, tzinfo=UTC))
        assert reports(await moved.run_due_jobs(), "round") == [], "one round that day"
    await at(clock, next_week)
    assert len(reports(await moved.run_due_jobs(), "round")) == 1, "next week's, at the new time"
