"""Session 41 (a long outage): a delivery round that claimed as many undelivered notifications as a round may runs
the next at once, as a timer round that claimed a full batch does (`test_backlog_pace_s41.py`).

Before: after a crash that left more than 100 notifications undelivered (a Slack outage, a process killed in a
busy hour), the timer loop delivered 100 (`OUTBOX_CLAIM_LIMIT`) and then slept its interval (15 s) before the next
100, while members waited for offers already made. Both engines."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import timedelta

from mentorbot.app import run_timers
from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.replies import Notification
from mentorbot.storage.outbox import OUTBOX_CLAIM_LIMIT

Who = Callable[..., Caller]


async def test_a_backlog_of_undelivered_notifications_is_delivered_without_waiting_an_interval(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    for i in range(OUTBOX_CLAIM_LIMIT + 20):  # each request's offer DM left undelivered: the process died
        await bot.signup(who(f"mentor{i}"), skills="seo")
        await bot.request(who(f"mentee{i}"), skills="seo")
    clock.advance(timedelta(minutes=10))  # the dead process's leases ran out
    left = await bot.store.count_undelivered()
    assert left > OUTBOX_CLAIM_LIMIT

    async def deliver(notes: list[Notification]) -> None:
        await bot.delivered(notes)

    task = asyncio.create_task(run_timers(bot, deliver, interval=60.0))
    try:
        for _ in range(600):
            await asyncio.sleep(0.05)
            if await bot.store.count_undelivered() == 0:
                break
        assert await bot.store.count_undelivered() == 0
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
