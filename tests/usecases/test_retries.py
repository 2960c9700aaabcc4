"""`MentorBot.retry_later`: a notification the platform failed to take for a transient reason goes back to the
outbox, claimable by any process once its wait is over; after the last try, or without an outbox row, it is held
for the member's next command; a newer version of its key replaces it for good (both engines)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.library import Library
from mentorbot.replies import Notification, Reply, reply_from_json
from mentorbot.retries import JITTER, RETRY_BASE
from mentorbot.storage.store import Store
from tests.conftest import held_payloads, store_on_same_database
from tests.usecases.conftest import make_settings, to

Who = Callable[..., Caller]


async def offer_to_baraka(bot: MentorBot, who: Who) -> Notification:
    await bot.signup(who("baraka"), skills="seo")
    [offer] = to(await bot.request(who("amina"), skills="seo"), "baraka")
    return offer


async def test_a_retried_notification_is_claimed_by_any_process_once_its_wait_is_over(
    bot: MentorBot, who: Who, clock: ManualClock, store: Store, library: Library
) -> None:
    offer = await offer_to_baraka(bot, who)
    assert offer.attempts == 1

    assert await bot.retry_later(offer) is True
    await bot.delivered([offer])  # a caller reporting the whole batch does not mark it: it is not held any more
    assert await bot.store.count_undelivered() == 1
    clock.advance(RETRY_BASE - timedelta(seconds=1))
    assert await bot.undelivered() == []

    other_store = store_on_same_database(store)
    await other_store.open(clock.now())
    try:
        other = MentorBot(other_store, library, make_settings(), clock, worker_id="other")
        clock.advance(RETRY_BASE * JITTER + timedelta(seconds=2))
        [again] = await other.undelivered()
        assert (again.outbox_id, again.key, again.attempts) == (offer.outbox_id, offer.key, 2)
        assert await bot.undelivered() == [], "one process at a time"
        await other.delivered([again])
    finally:
        await other_store.close()
    assert await bot.store.count_undelivered() == 0


async def test_the_platforms_retry_after_is_honoured(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    offer = await offer_to_baraka(bot, who)
    await bot.retry_later(offer, retry_after=600)
    clock.advance(timedelta(seconds=599))
    assert await bot.undelivered() == []
    clock.advance(timedelta(seconds=2))
    assert [n.outbox_id for n in await bot.undelivered()] == [offer.outbox_id]


async def test_after_the_last_try_it_is_held_and_a_warning_logged(
    bot: MentorBot, who: Who, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    note = await offer_to_baraka(bot, who)
    with caplog.at_level(logging.WARNING, logger="mentorbot"):
        for attempt in range(1, bot.settings.delivery_attempts):
            assert note.attempts == attempt and await bot.retry_later(note) is True
            clock.advance(timedelta(hours=1))
            [note] = await bot.undelivered()
        assert await bot.retry_later(note) is False
    assert note.attempts == bot.settings.delivery_attempts == 8
    assert any("8 time(s); holding it" in r.getMessage() for r in caplog.records)
    clock.advance(timedelta(days=1))
    assert await bot.undelivered() == [] and await bot.store.count_undelivered() == 0
    baraka = await bot.store.find_member("test:guild", "U-baraka")
    assert baraka is not None
    [held] = await held_payloads(bot.store, baraka.id, clock.now())
    assert reply_from_json(held) == note.reply, "the offer itself, with its buttons, is shown at the next command"


async def test_a_notification_without_an_outbox_row_is_held(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    await bot.signup(who("baraka"), skills="seo")
    baraka = await bot.store.find_member("test:guild", "U-baraka")
    assert baraka is not None
    note = Notification(baraka.id, "U-baraka", Reply("hello"), community="test:guild", language="en")
    assert await bot.retry_later(note) is False
    assert len(await held_payloads(bot.store, baraka.id, clock.now())) == 1


async def test_a_newer_version_of_its_key_replaces_a_notification_waiting_for_a_retry(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    offer = await offer_to_baraka(bot, who)
    await bot.retry_later(offer)
    cancelled = await bot.cancel(who("amina"))
    [withdrawn] = to(cancelled, "baraka")
    assert withdrawn.key == offer.key
    await bot.delivered(cancelled.notifications)
    clock.advance(timedelta(hours=1))
    assert await bot.undelivered() == [], "the old offer never goes out over its withdrawal"
    await bot.retry_later(offer)  # a late report about the old row changes nothing
    assert await bot.undelivered() == [] and await bot.store.count_undelivered() == 0
