"""Session 38's metrics hunt: a notification given back to the outbox untried uses none of its delivery attempts.

Three paths give a claimed notification back without trying it: a process whose adapter has not connected yet
(`runners.Dispatcher`), a batch past its share of the lease (`app.Sending`) and Discord's global rate limit. Each
claim counts an attempt (``outbox.attempts``), so before session 38 a process that started its timer loop before its
adapter connected used one of every pending notification's attempts (and counted each as a failed delivery in
``mentorbot_notifications_total``): after ``MENTORBOT_DELIVERY_ATTEMPTS`` restarts, or a slow connect, the next
transient failure held it for the member's next command although it had been tried once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from mentorbot.app import Sending
from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from mentorbot.metrics import NOTIFICATIONS
from mentorbot.replies import Notification, Reply
from mentorbot.runners import Dispatcher


async def _pending(bot: MentorBot) -> Notification:
    member = await bot.store.ensure_member("slack:T1", "U1", "Amina", bot.clock.now())
    note = Notification(member.id, "U1", Reply("hello"), community="slack:T1", language="en")
    [written] = await bot.store.enqueue([note], bot.clock.now(), bot.worker_id, lease=timedelta(minutes=2))
    return written


async def test_an_unready_adapters_notifications_keep_their_attempts(bot: MentorBot) -> None:
    assert isinstance(bot.clock, ManualClock)
    claimed = [await _pending(bot)]  # written by a use-case, claimed by its process: its first try
    dispatcher = Dispatcher(bot, ["slack:"])
    failed = NOTIFICATIONS.labels("failed")._value.get()
    for _ in range(bot.settings.delivery_attempts + 2):  # more rounds than a notification has attempts
        assert [n.attempts for n in claimed] == [1], "claimed afresh, as its first try, every round"
        await dispatcher.deliver(claimed)
        bot.clock.advance(timedelta(minutes=5))
        claimed = await bot.undelivered()
    assert NOTIFICATIONS.labels("failed")._value.get() == failed, "nothing was tried, so nothing failed"

    tried: list[int] = []

    async def failing(notes: Sequence[Notification]) -> None:  # the adapter is ready: its first try fails
        for note in notes:
            tried.append(note.attempts)
            assert await bot.retry_later(note), "a first transient failure is retried, not held"

    await dispatcher.register("slack:", failing)
    await dispatcher.deliver(claimed)
    assert tried == [1]
    assert await bot.store.count_undelivered() == 1


async def test_a_batch_past_its_lease_share_gives_back_what_it_did_not_try(bot: MentorBot) -> None:
    assert isinstance(bot.clock, ManualClock)
    claimed = await _pending(bot)
    assert claimed.attempts == 1
    async with Sending(bot) as sending:
        bot.clock.advance(timedelta(seconds=bot.settings.lease_seconds))  # the batch's time is up before it begins
        assert not sending.may_send(claimed)
    bot.clock.advance(timedelta(seconds=1))
    [again] = await bot.undelivered()
    assert again.attempts == 1, "given back untried: claimed again as its first try"


async def test_a_hold_counts_only_what_it_held(bot: MentorBot) -> None:
    """The metrics hunt: ``mentorbot_notifications_total{outcome="held"}`` grew when the hold found the row no longer
    this process's (another process had taken it over), though nothing was held here."""
    member = await bot.store.ensure_member("slack:T1", "U1", "Amina", bot.clock.now())
    note = Notification(member.id, "U1", Reply("hello"), community="slack:T1", language="en")
    [theirs] = await bot.store.enqueue([note], bot.clock.now(), "another-process", lease=timedelta(minutes=2))
    held = NOTIFICATIONS.labels("held")._value.get()
    await bot.hold_undelivered(theirs)
    assert NOTIFICATIONS.labels("held")._value.get() == held
    [mine] = await bot.store.enqueue([note], bot.clock.now(), bot.worker_id, lease=timedelta(minutes=2))
    await bot.hold_undelivered(mine)
    assert NOTIFICATIONS.labels("held")._value.get() == held + 1
