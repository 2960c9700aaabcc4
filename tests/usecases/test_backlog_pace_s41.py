"""Session 41 (a long outage): a timer round that claimed as many timers as a round may claim runs the next at once.

Before: after a three-day outage the timer loop (`app.run_timers`) claimed 50 due timers (`CLAIM_LIMIT`), ran them,
then slept its interval (15 s by default) before the next 50, though `CLAIM_LIMIT`'s own description says "a round
that claimed as many runs the next one at once": 5,000 overdue timers took 25 minutes, while members waited for
expiries and check-ins long due. Now `Timers.run_due` says when it claimed a full batch, and `MentorBot.run_due_jobs`
wakes the loop for its next round (`wake_timers`). Both engines."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import timedelta

from mentorbot.app import run_timers
from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.replies import Notification
from mentorbot.storage.jobs import CLAIM_LIMIT

Who = Callable[..., Caller]


async def due_left(bot: MentorBot) -> int:
    async with bot.store.read() as conn:
        row = await conn.fetch_one(
            "SELECT COUNT(*) AS n FROM jobs WHERE status = 'pending' AND due_at <= ?", bot.clock.now()
        )
    assert row is not None
    return int(row["n"])


async def test_a_backlog_of_overdue_timers_is_worked_off_without_waiting_an_interval(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    count = 2 * CLAIM_LIMIT + 10
    for i in range(count):
        await bot.delivered((await bot.signup(who(f"mentor{i}"), skills="seo")).notifications)
        await bot.delivered((await bot.request(who(f"mentee{i}"), skills="seo")).notifications)
    clock.advance(timedelta(days=3))  # the outage: every offer's expiry is overdue
    assert await due_left(bot) >= count

    async def deliver(notes: list[Notification]) -> None:
        await bot.delivered(notes)

    interval = 60.0  # far longer than the test waits: only a round run at once drains the backlog
    task = asyncio.create_task(run_timers(bot, deliver, interval=interval))
    try:
        for _ in range(600):
            await asyncio.sleep(0.05)
            if await due_left(bot) == 0:
                break
        assert await due_left(bot) == 0
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
