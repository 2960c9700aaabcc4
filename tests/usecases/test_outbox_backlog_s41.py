"""Session 41 (a long outage): a delivery round that claimed as many undelivered notifications as a round may runs
the next at once, as a timer round that claimed a full batch does (`test_backlog_pace_s41.py`).

Before: after a crash that left more than 100 notifications undelivered (a Slack outage, a process killed in a
busy hour), the timer loop delivered 100 (`OUTBOX_CLAIM_LIMIT`) and then slept its interval (15 s) before the next
100, while members waited for offers already made. Both engines."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from datetime import timedelta

import pytest

from mentorbot.app import run_timers
from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.replies import Notification
from mentorbot.runners import Dispatcher
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


async def test_a_full_batch_for_an_adapter_not_ready_yet_does_not_spin_the_loop(
    bot: MentorBot, who: Who, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The day's review: the rows of an adapter not registered yet (a restart, the platform slow to answer the
    login) were given back to be claimed at once, and a full batch woke the loop for the next round: claim 100,
    give back, wake, claim the same 100, with no pause. They now wait the loop's interval, as before the wake."""
    for i in range(OUTBOX_CLAIM_LIMIT + 5):
        await bot.signup(who(f"mentor{i}"), skills="seo")
        await bot.request(who(f"mentee{i}"), skills="seo")
    clock.advance(timedelta(minutes=10))
    dispatcher = Dispatcher(bot, ["test:"], interval=15.0)  # the adapter of "test:" has not registered yet
    rounds = {"n": 0}
    real = bot.undelivered

    async def counting(*, communities: Sequence[str] | None = None) -> list[Notification]:
        rounds["n"] += 1
        clock.advance(timedelta(milliseconds=5))  # time passes between rounds
        return await real(communities=communities)

    monkeypatch.setattr(bot, "undelivered", counting)
    task = asyncio.create_task(run_timers(bot, dispatcher.deliver, interval=15.0, communities=["test:"]))
    await asyncio.sleep(1.5)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert rounds["n"] <= 2, f"a busy loop: {rounds['n']} rounds in 1.5 s with a 15 s interval"
