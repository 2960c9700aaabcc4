"""An offer is open until its expiry runs (session 35). On both engines.

Before: a mentor's Accept clicked a few seconds after an offer's deadline, before its expiry timer had run (the timer
loop ticks every few seconds; the offer's message still showed its buttons), expired the offer on the spot as the
timer would: the lapse was counted (a mentor one short of the auto-pause was paused by clicking Accept), the
mentee was told the mentor had not answered and the request went on to another mentor, or back to the waitlist and
then, the lapse lifted by the very click, offered to the same mentor again as a new offer to accept once more. Nothing
had been said to anyone yet, and no one else had been offered the request: the click is now an ordinary accept. A
click after the expiry has run is still a late answer (`offers._late_accept`).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.models import OfferStatus, RequestStatus
from tests.storage.interleave import second_bot
from tests.usecases.conftest import to
from tests.usecases.test_answered_in_time_s34 import member_id, offered_to_bob, offers_in, restart_round
from tests.usecases.test_departures_s32 import Who

EN = translator("en")
TTL = timedelta(hours=48)


async def streak_of(bot: MentorBot, name: str) -> int:
    profile = await bot.store.get_mentor_profile(await member_id(bot, name))
    assert profile is not None
    return profile.expired_streak


async def test_an_accept_seconds_after_the_deadline_before_the_timer_ran_is_an_ordinary_accept(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    offer = await offered_to_bob(bot, who)
    clock.advance(TTL + timedelta(seconds=5))
    answer = await bot.accept(who("bob"), offer_id=offer)
    assert answer.error is None and answer.reply.text == EN("offer.accepted", id=offer)
    got = await bot.store.get_offer(offer)
    assert got is not None and got.status is OfferStatus.ACCEPTED
    assert await streak_of(bot, "bob") == 0, "no lapse counted"
    assert len(await bot.store.list_mentorships(active_only=True)) == 1
    # Amina hears once, the introduction; Bob is sent no expiry notice and no second offer.
    assert len(to(answer.notifications, "amina")) == 1
    assert offers_in(answer.notifications, "bob") == []
    bob_texts = " ".join(n.reply.text for n in to(answer.notifications, "bob"))
    assert EN("offer.expired_waiting", id=offer) not in bob_texts
    assert EN("offer.expired_notice", id=offer) not in bob_texts
    await bot.delivered(answer.notifications)
    assert await restart_round(bot) == [], "the expiry's timer went with the accept"


async def test_a_mentor_one_lapse_short_of_the_pause_is_not_paused_by_clicking_accept(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """Two offers lapse (the timer runs each: counted); the third is accepted 5 s after its deadline: accepted, the
    streak back to 0, Bob still active (before: the click expired it as the third lapse and paused him)."""
    await bot.delivered((await bot.signup(who("bob"), skills="seo", capacity="3")).notifications)
    for mentee in ("amina", "chidi"):
        asked = await bot.request(who(mentee), skills="seo")
        await bot.delivered(asked.notifications)
        assert offers_in(asked.notifications, "bob")
        clock.advance(TTL + timedelta(seconds=5))
        await restart_round(bot)
    assert await streak_of(bot, "bob") == 2
    asked = await bot.request(who("dina"), skills="seo")
    await bot.delivered(asked.notifications)
    [offer] = offers_in(asked.notifications, "bob")
    clock.advance(TTL + timedelta(seconds=5))
    answer = await bot.accept(who("bob"), offer_id=offer)
    assert answer.error is None and answer.reply.text == EN("offer.accepted", id=offer)
    profile = await bot.store.get_mentor_profile(await member_id(bot, "bob"))
    assert profile is not None and profile.status.value == "active" and profile.expired_streak == 0


async def test_an_accept_after_the_timer_expired_the_offer_is_still_late(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """Once the expiry has run (Bob told, the lapse counted, the request back on the waitlist with no one else), a
    click is a late answer: the stale offer is not accepted, the request is offered to him again."""
    offer = await offered_to_bob(bot, who)
    clock.advance(TTL + timedelta(seconds=5))
    await restart_round(bot)
    got = await bot.store.get_offer(offer)
    assert got is not None and got.status is OfferStatus.EXPIRED
    late = await bot.accept(who("bob"), offer_id=offer)
    assert late.error is None
    [again] = offers_in(late.notifications, "bob")
    assert late.reply.text == EN("offer.late.reoffered", id=offer, request=1, offer=again)


async def test_an_overdue_accept_racing_the_expiry_in_another_process_has_one_outcome(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """The live click and another process's expiry timer at the same moment, after the deadline: whichever wins the
    offer's compare-and-set decides. Accepted: one mentorship, the request matched. Expired: no mentorship from that
    offer, the click answered as late. Bob's places add up either way."""
    offer = await offered_to_bob(bot, who)
    clock.advance(TTL + timedelta(seconds=5))
    other = await second_bot(bot)
    try:
        answer, _ = await asyncio.gather(bot.accept(who("bob"), offer_id=offer), other.run_due_jobs())
    finally:
        await other.store.close()
    got = await bot.store.get_offer(offer)
    assert got is not None and got.status in (OfferStatus.ACCEPTED, OfferStatus.EXPIRED)
    mentorships = await bot.store.list_mentorships(active_only=True)
    request = await bot.store.get_request(got.request_id)
    assert request is not None
    if got.status is OfferStatus.ACCEPTED:
        assert answer.reply.text == EN("offer.accepted", id=offer)
        assert len(mentorships) == 1 and request.status is RequestStatus.MATCHED
    else:
        assert answer.error is None and answer.reply.text != EN("offer.accepted", id=offer)
        assert mentorships == []
    profile = await bot.store.get_mentor_profile(await member_id(bot, "bob"))
    assert profile is not None
    pending = await bot.store.list_offers(mentor_id=profile.member_id, status=OfferStatus.PENDING)
    assert (profile.active_count, profile.pending_offers) == (len(mentorships), len(pending))
