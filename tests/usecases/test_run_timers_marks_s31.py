"""The timer loop marks delivered only what its deliverer reports. Since session 31 the adapters report each
notification as the platform takes it (`app.Sending`); the loop still marked the whole batch afterwards, so a
notification an adapter could not deliver (an unexpected failure, documented as "stays pending, tried again once
its lease runs out") was marked delivered and never sent (found by the delivery fixer)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from contextlib import suppress
from datetime import timedelta

from mentorbot.app import Sending, run_timers
from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.replies import Notification

Who = Callable[..., Caller]


async def _one_round(bot: MentorBot, deliver: Callable[[Sequence[Notification]], object], seen: asyncio.Event) -> None:
    loop = asyncio.create_task(run_timers(bot, deliver, interval=3600))  # type: ignore[arg-type]
    try:
        await asyncio.wait_for(seen.wait(), 10)
        await asyncio.sleep(0.2)  # the round's end, where the loop marked the batch
    finally:
        loop.cancel()
        with suppress(asyncio.CancelledError):
            await loop


async def _expiring_offer(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    """A mentor's offer, delivered; then its expiry is due (its notices are the timer round's batch)."""
    await bot.signup(who("baraka"), skills="seo", capacity="1")
    asked = await bot.request(who("amina"), skills="seo")
    await bot.delivered(asked.notifications)
    clock.advance(timedelta(hours=49))


async def test_a_notification_the_adapter_could_not_deliver_stays_pending(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    await _expiring_offer(bot, who, clock)
    seen = asyncio.Event()
    failed: list[int] = []

    async def deliver(notes: Sequence[Notification]) -> None:
        async with Sending(bot) as sending:
            for note in notes:
                if not failed:  # the first one meets an unexpected failure: not taken
                    failed.append(note.outbox_id or 0)
                    continue
                sending.took(note)
        seen.set()

    await _one_round(bot, deliver, seen)
    assert failed and failed[0] > 0
    assert await bot.store.count_undelivered() == 1, "the one not delivered stays pending, to be tried again"


async def test_a_deliverer_without_sending_has_its_whole_batch_marked(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    await _expiring_offer(bot, who, clock)
    seen = asyncio.Event()
    given: list[Notification] = []

    async def deliver(notes: Sequence[Notification]) -> None:
        given.extend(notes)
        seen.set()

    await _one_round(bot, deliver, seen)
    assert given and await bot.store.count_undelivered() == 0
