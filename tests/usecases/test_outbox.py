"""Each use-case is one unit of work, and what the bot says goes through the outbox (issue 12, points 0–1).

- A request and its first match commit together: a failure while matching leaves no request behind.
- Every notification is written to the outbox in the transaction of the change it announces; the process
  that wrote it delivers it and marks it; if that process dies first, another claims it once the lease runs
  out, exactly one process at a time.
- A timer's changes, its notifications and the job marked done commit together.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.library import Library
from mentorbot.models import OfferStatus, RequestStatus
from mentorbot.settings import Settings
from mentorbot.storage.store import Store
from mentorbot.usecases import expiry
from mentorbot.usecases.handler import OUTBOX_LEASE
from tests.conftest import store_on_same_database
from tests.usecases.conftest import offer_id, to

Who = Callable[..., Caller]


async def test_a_request_and_its_first_offer_commit_together(
    bot: MentorBot, who: Who, monkeypatch: pytest.MonkeyPatch
) -> None:
    await bot.signup(who("baraka"), skills="seo")

    async def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the process dies while matching")

    monkeypatch.setattr(bot.store, "create_offer", broken)
    outcome = await bot.request(who("amina"), skills="seo")
    assert outcome.error is not None and outcome.error.key == "common.apology"
    # The whole command is one transaction: not even the member row of her first command is kept, so no request
    # is left waiting that nothing re-offers.
    assert await bot.store.find_member("test:guild", "U-amina") is None
    assert await bot.store.count_undelivered() == 0
    monkeypatch.undo()
    again = await bot.request(who("amina"), skills="seo")
    assert again.error is None and len(to(again, "baraka")) == 1


async def test_notifications_wait_in_the_outbox_until_delivered(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("baraka"), skills="seo")
    outcome = await bot.request(who("amina"), skills="seo")
    [offer] = to(outcome, "baraka")
    assert offer.outbox_id is not None
    assert await bot.store.count_undelivered() == 1
    await bot.delivered(outcome.notifications)
    assert await bot.store.count_undelivered() == 0
    await bot.delivered(outcome.notifications)  # twice is harmless
    assert await bot.store.count_undelivered() == 0


async def test_what_a_dead_process_did_not_deliver_is_delivered_by_another_once(
    bot: MentorBot, who: Who, store: Store, library: Library, settings: Settings, clock: ManualClock
) -> None:
    await bot.signup(who("baraka"), skills="seo")
    outcome = await bot.request(who("amina"), skills="seo")  # … and the process dies before delivering
    [offer] = to(outcome, "baraka")
    survivor = MentorBot(store_on_same_database(store), library, settings, clock, worker_id="survivor")
    other = MentorBot(store_on_same_database(store), library, settings, clock, worker_id="other")
    await survivor.store.open(clock.now())
    await other.store.open(clock.now())
    try:
        assert await survivor.undelivered() == [], "the writer's lease still holds"
        clock.advance(OUTBOX_LEASE + timedelta(seconds=1))
        [again] = await survivor.undelivered()
        assert (again.outbox_id, again.key, again.reply, again.language) == (
            offer.outbox_id,
            f"offer:{offer_id(offer)}",
            offer.reply,
            "en",
        )
        assert await other.undelivered() == [], "claimed by one process at a time"
        await survivor.delivered([again])
        clock.advance(OUTBOX_LEASE * 3)
        assert await other.undelivered() == []
        assert await survivor.store.count_undelivered() == 0
    finally:
        await survivor.store.close()
        await other.store.close()


async def test_undelivered_notifications_stay_with_their_platform(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    await bot.signup(who("baraka"), skills="seo")
    await bot.request(who("amina"), skills="seo")
    clock.advance(OUTBOX_LEASE * 2)
    assert await bot.undelivered(communities=["slack:"]) == []
    assert len(await bot.undelivered(communities=["test:"])) == 1


async def test_an_expiry_that_fails_half_way_is_rolled_back_and_retried(
    bot: MentorBot, who: Who, clock: ManualClock, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    await bot.signup(who("baraka"), skills="seo")
    await bot.signup(who("chao"), skills="seo")
    outcome = await bot.request(who("amina"), skills="seo")
    [first] = [n for n in outcome.notifications if n.key and n.key.startswith("offer:")]
    await bot.delivered(outcome.notifications)

    async def broken(*_args: object, **_kwargs: object) -> list[object]:
        raise RuntimeError("the process dies while passing the request on")

    monkeypatch.setattr(expiry, "hand_on", broken)
    clock.advance(timedelta(hours=settings.offer_ttl_hours, minutes=1))
    assert await bot.run_due_jobs() == []
    offer = await bot.store.get_offer(offer_id(first))
    assert offer is not None and offer.status is OfferStatus.PENDING, "the expiry did not half-happen"
    monkeypatch.undo()
    clock.advance(timedelta(minutes=6))  # the failed job's lease runs out: it is claimed again
    notes = await bot.run_due_jobs()
    offer = await bot.store.get_offer(offer_id(first))
    assert offer is not None and offer.status is OfferStatus.EXPIRED
    assert {n.platform_user_id for n in notes} >= {first.platform_user_id}
    assert any(n.key and n.key.startswith("offer:") and n.key != first.key for n in notes), "passed on"
    assert all(n.outbox_id is not None for n in notes)


async def test_a_failed_compare_and_set_inside_a_unit_of_work_undoes_only_itself(
    bot: MentorBot, who: Who, store: Store, clock: ManualClock
) -> None:
    await bot.signup(who("baraka"), skills="seo", capacity="1")
    await bot.request(who("amina"), skills="seo")  # takes baraka's only place
    dan = await bot.request(who("dan"), skills="seo")
    assert dan.error is None
    baraka = await store.find_member("test:guild", "U-baraka")
    dan_member = await store.find_member("test:guild", "U-dan")
    assert baraka is not None and dan_member is not None
    [waiting] = await store.list_member_requests(dan_member.id)
    async with store.unit_of_work():
        await store.set_language(dan_member.id, "sw")
        refused = await store.create_offer(waiting.id, baraka.id, 1.0, "", clock.now(), clock.now())
        assert refused is None
    [after] = await store.list_member_requests(dan_member.id)
    assert after.status is RequestStatus.WAITING, "the offer's half-done update was undone by its savepoint"
    changed = await store.get_member(dan_member.id)
    assert changed is not None and changed.language == "sw", "the rest of the unit committed"


async def test_a_newer_version_of_a_keyed_message_replaces_an_undelivered_older_one(
    bot: MentorBot, who: Who, clock: ManualClock, settings: Settings
) -> None:
    await bot.signup(who("baraka"), skills="seo")
    outcome = await bot.request(who("amina"), skills="seo")  # the offer DM is never marked delivered (a crash)
    [offer] = to(outcome, "baraka")
    clock.advance(timedelta(hours=settings.offer_ttl_hours, minutes=1))
    expiry = [n for n in await bot.run_due_jobs() if n.key == offer.key]
    assert len(expiry) == 1, "the expiry notice edits the offer's message"
    clock.advance(OUTBOX_LEASE * 2)
    again = [n for n in await bot.undelivered() if n.key == offer.key]
    assert [n.outbox_id for n in again] == [expiry[0].outbox_id], "the old offer never goes out over its expiry"
