"""Session 41, the day's review of the in-time accept (`OfferStore.accept_in_time`, a lapse as its own fact).

1. An Accept recorded in time, its offer expired by another process's timer, met the request already offered to
   another mentor (a process offered it between `_late_accept`'s read and the accept's lock): the store set the
   expired offer back to pending before it looked at the request, broke the one-pending-offer-per-request index,
   and the mentor got the generic apology with the lapse kept. Now the request is claimed first: nothing changes,
   and the mentor is told the request went on.
2. The in-time answer took back the lapse but not the pause that very lapse brought: the mentor stayed paused "for
   expired offers" with a streak of 0 and the request he accepted in time unmatched. Now the pause the expiry made
   is taken back with its lapse, and the accept goes through.
3. After an in-time accept, the offer's message still said "expired… answer `/mentor accept 1`" (nothing wrote a
   newer version of its key), and a batch that had claimed that expiry notice sent it after "You accepted". Now the
   accept writes the offer's key anew, which supersedes the expiry notice (`still_to_send` drops it).
Both engines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.library import Library
from mentorbot.models import MentorStatus, OfferStatus, RequestStatus
from mentorbot.storage.store import Store
from tests.usecases.test_digest_lapses_s41 import (
    LAPSES,
    TTL,
    digest_bot,
    lapsed_at,
    next_digest,
    offers_to,
    profile_row,
    who,
)


async def test_an_in_time_accept_that_meets_the_request_offered_to_another_changes_nothing(
    store: Store, library: Library, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = await digest_bot(store, library, clock)
    await bot.signup(who("baraka"), skills="seo", levels="expert")
    [offer] = offers_to(await bot.request(who("amina"), skills="seo"), "baraka")
    clicked = clock.now() + TTL - timedelta(minutes=1)
    clock.advance(TTL + timedelta(minutes=1))
    await bot.run_due_jobs()  # expires; nobody else: the request waits
    expired = await store.get_offer(offer)
    assert expired is not None
    seen = await store.get_request(expired.request_id)  # WAITING, as `_late_accept` reads it
    clock.advance(timedelta(minutes=5))
    await bot.signup(who("dave"), skills="seo", levels="learning")  # another process offers it to Dave meanwhile
    assert await store.accept_in_time(offer, expired.mentor_id, clicked, clock.now()) is None
    real = store.get_request
    calls = {"n": 0}

    async def stale(request_id: int) -> object:
        calls["n"] += 1
        return seen if calls["n"] == 1 and seen is not None and request_id == seen.id else await real(request_id)

    monkeypatch.setattr(store, "get_request", stale)
    out = await bot.accept(who("baraka", answered_at=clicked), offer_id=offer)
    assert out.error is None, out.reply.plain_text
    assert out.reply.text == translator("en")("offer.in_time.gone_other", id=offer, request=expired.request_id)
    assert (await store.get_request(expired.request_id)).status is RequestStatus.OFFERED  # type: ignore[union-attr]
    assert (await store.get_offer(offer)).status is OfferStatus.EXPIRED  # type: ignore[union-attr]
    assert await lapsed_at(store, offer) is None, "answered in time: no lapse of his"


async def paused_by_a_third_lapse(
    store: Store, library: Library, clock: ManualClock, *, mentoring: bool = False
) -> tuple[object, list[int]]:
    """Lapses on two days, then a third offer's expiry pauses Baraka (with `mentoring`, Zawadi's mentor first): the
    bot and his three offers."""
    bot = await digest_bot(store, library, clock)
    await bot.signup(who("baraka"), skills="seo", capacity="4")
    if mentoring:
        [first] = offers_to(await bot.request(who("zawadi"), skills="seo"), "baraka")
        assert (await bot.accept(who("baraka"), offer_id=first)).error is None
    offers: list[int] = []
    for day, name in enumerate(("amina", "eshe", "faraji")):
        clock.advance(datetime(2026, 1, 5 + day, 9, 30, tzinfo=UTC) - clock.now())
        await bot.run_due_jobs()
        offers += offers_to(await bot.request(who(name), skills="seo"), "baraka")
    for day in range(2):
        clock.advance(datetime(2026, 1, 7 + day, 9, 31, tzinfo=UTC) - clock.now())
        await bot.run_due_jobs()
    clock.advance(datetime(2026, 1, 9, 9, 31, tzinfo=UTC) - clock.now())
    await bot.run_due_jobs()  # the third lapse pauses him
    assert (await profile_row(store))["status"] == "paused"
    return bot, offers


async def test_an_in_time_accept_takes_back_the_pause_its_lapse_brought(
    store: Store, library: Library, clock: ManualClock
) -> None:
    bot, offers = await paused_by_a_third_lapse(store, library, clock)
    assert isinstance(bot, MentorBot)
    third = await store.get_offer(offers[2])
    assert third is not None
    out = await bot.accept(who("baraka", answered_at=third.expires_at - timedelta(minutes=5)), offer_id=offers[2])
    assert out.error is None
    row = await profile_row(store)
    assert (row["status"], row["expired_streak"]) == (MentorStatus.ACTIVE.value, 0), row
    assert (await store.get_offer(offers[2])).status is OfferStatus.ACCEPTED  # type: ignore[union-attr]
    assert (await store.get_request(third.request_id)).status is RequestStatus.MATCHED  # type: ignore[union-attr]
    assert (await next_digest(bot, clock))[LAPSES] == "<@U-baraka> (2)"


async def test_an_in_time_decline_takes_back_the_pause_its_lapse_brought(
    store: Store, library: Library, clock: ManualClock
) -> None:
    bot, offers = await paused_by_a_third_lapse(store, library, clock)
    assert isinstance(bot, MentorBot)
    third = await store.get_offer(offers[2])
    assert third is not None
    out = await bot.decline(who("baraka", answered_at=third.expires_at - timedelta(minutes=5)), offer_id=offers[2])
    assert out.error is None
    row = await profile_row(store)
    assert (row["status"], row["expired_streak"]) == (MentorStatus.ACTIVE.value, 0), row
    assert (await store.get_offer(offers[2])).status is OfferStatus.DECLINED  # type: ignore[union-attr]


async def test_an_in_time_accept_supersedes_the_expiry_notice_a_batch_holds(
    store: Store, library: Library, clock: ManualClock
) -> None:
    bot = await digest_bot(store, library, clock)
    await bot.signup(who("baraka"), skills="seo", capacity="2")
    [offer] = offers_to(await bot.request(who("amina"), skills="seo"), "baraka")
    clicked = clock.now() + TTL - timedelta(hours=1)
    clock.advance(TTL + timedelta(minutes=1))
    batch = [n for n in await bot.run_due_jobs() if n.key == f"offer:{offer}"]  # claimed, not sent yet
    assert batch and "expired" in batch[0].reply.plain_text
    out = await bot.accept(who("baraka", answered_at=clicked), offer_id=offer)
    assert out.error is None
    assert not await bot.still_to_send(batch[0]), "the expiry notice is out of date: not sent after the accept"
    [newest] = [n for n in out.notifications if n.key == f"offer:{offer}"]
    assert "accepted" in newest.reply.plain_text and "expired" not in newest.reply.plain_text


async def test_the_pause_is_taken_back_even_after_the_profile_changed_otherwise(
    store: Store, library: Library, clock: ManualClock
) -> None:
    """The second review: the undo was keyed on the profile's `updated_at` still being the expiry's time, and a
    mentorship ended in between (which touches the row) left the mentor paused with a streak of 0. The lapse's own
    row now says it paused them."""
    bot, offers = await paused_by_a_third_lapse(store, library, clock, mentoring=True)
    assert isinstance(bot, MentorBot)
    assert (await profile_row(store))["status"] == "paused"
    clock.advance(timedelta(seconds=30))
    assert (await bot.end(who("zawadi"))).error is None  # the mentee ends her mentorship with him meanwhile
    third = await store.get_offer(offers[2])
    assert third is not None
    out = await bot.accept(who("baraka", answered_at=third.expires_at - timedelta(minutes=5)), offer_id=offers[2])
    assert out.error is None
    row = await profile_row(store)
    assert (row["status"], row["expired_streak"]) == (MentorStatus.ACTIVE.value, 0), row
    assert (await store.get_offer(offers[2])).status is OfferStatus.ACCEPTED  # type: ignore[union-attr]


async def test_a_pause_of_their_own_since_is_not_taken_back(store: Store, library: Library, clock: ManualClock) -> None:
    bot, offers = await paused_by_a_third_lapse(store, library, clock)
    assert isinstance(bot, MentorBot)
    await bot.resume(who("baraka"))
    await bot.pause(who("baraka"))  # paused again, by himself
    third = await store.get_offer(offers[2])
    assert third is not None
    await bot.accept(who("baraka", answered_at=third.expires_at - timedelta(minutes=5)), offer_id=offers[2])
    assert (await profile_row(store))["status"] == "paused"


async def test_an_in_time_answer_to_an_earlier_lapse_keeps_the_pause_the_third_brought(
    store: Store, library: Library, clock: ManualClock
) -> None:
    """Session 42 (a mutation the suite let through): only the pause a lapse's own row records is taken back with it;
    an in-time answer to the second lapse leaves the third's pause."""
    bot, offers = await paused_by_a_third_lapse(store, library, clock)
    assert isinstance(bot, MentorBot)
    second = await store.get_offer(offers[1])
    assert second is not None
    out = await bot.decline(who("baraka", answered_at=second.expires_at - timedelta(minutes=5)), offer_id=offers[1])
    assert out.error is None, out.reply.plain_text
    assert (await profile_row(store))["status"] == "paused"
    assert await lapsed_at(store, offers[1]) is None and await lapsed_at(store, offers[2]) is not None
