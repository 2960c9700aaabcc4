"""Outage hunt (session 41): a mentee's cancel recorded before the offer's deadline holds its expiry back, as the
mentor's own answer does. On both engines.

Before: Amina cancelled her request 47 h into Bob's 48 h offer; the command was recorded (acknowledged) and its
process died; the bot was down 3 days. At the restart the timers ran first: Bob's offer expired "without an answer"
(false: the request was cancelled in time), the request Amina had cancelled was offered to Dave with live buttons,
and the recovered cancel then withdrew Dave's offer. The expiry waited only for the mentor's recorded events
(`storage.offers._ANSWER_RECORDED`); now it waits for the request's mentee's too, with the same bound (once the
event is processed, or given up, the offer expires).
"""

from __future__ import annotations

from datetime import timedelta

from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.models import OfferStatus, RequestStatus
from tests.usecases.conftest import to
from tests.usecases.test_answered_in_time_s34 import (
    OUTAGE,
    TTL,
    member_id,
    offered_to_bob,
    offers_in,
    recorded,
    recovered,
    restart_round,
)
from tests.usecases.test_departures_s32 import Who

EN = translator("en")


async def test_a_cancel_recorded_in_time_and_recovered_after_an_outage_is_not_overtaken_by_the_expiry(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    offer = await offered_to_bob(bot, who, dave=True)
    clock.advance(timedelta(hours=47))
    await recorded(bot, "amina", "cancel")
    clock.advance(OUTAGE)

    first = await restart_round(bot)
    assert to(first, "bob") == [], [n.reply.plain_text for n in to(first, "bob")]
    assert offers_in(first, "dave") == [], "Dave offered a request cancelled in time"
    still = await bot.store.get_offer(offer)
    assert still is not None and still.status is OfferStatus.PENDING, "expired before the recorded cancel"

    cancelled = await bot.cancel(await recovered(bot, clock, "amina"), request_id=1)
    assert cancelled.error is None, cancelled.reply.text
    request = await bot.store.get_request(1)
    assert request is not None and request.status is RequestStatus.CANCELLED
    got = await bot.store.get_offer(offer)
    assert got is not None and got.status is OfferStatus.WITHDRAWN
    assert all(EN("offer.expired_notice", id=offer) != n.reply.plain_text for n in to(cancelled, "bob"))
    assert offers_in(cancelled.notifications, "dave") == []
    profile = await bot.store.get_mentor_profile(await member_id(bot, "bob"))
    assert profile is not None and (profile.pending_offers, profile.expired_streak) == (0, 0), "no lapse of Bob's"
    await bot.delivered(cancelled.notifications)

    clock.advance(timedelta(minutes=5))
    assert await bot.run_due_jobs() == [], "the deferred expiry timer went with the cancel"


async def test_a_mentee_event_held_back_expiry_runs_once_the_event_is_done(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """The mentee's recorded event was something else (a status read): once it is done, the next look expires the
    offer, counted in Bob's streak as an ordinary lapse (the wait was the event's, not an outage)."""
    offer = await offered_to_bob(bot, who)
    clock.advance(TTL - timedelta(seconds=1))
    inbox_id = await recorded(bot, "amina", "status")
    clock.advance(timedelta(seconds=2))
    assert await bot.run_due_jobs() == []
    still = await bot.store.get_offer(offer)
    assert still is not None and still.status is OfferStatus.PENDING
    await bot.finish_event(inbox_id)
    clock.advance(timedelta(minutes=1))
    notes = await bot.run_due_jobs()
    assert [n.key for n in to(notes, "bob")] == [f"offer:{offer}"]
    got = await bot.store.get_offer(offer)
    assert got is not None and got.status is OfferStatus.EXPIRED
    profile = await bot.store.get_mentor_profile(await member_id(bot, "bob"))
    assert profile is not None and profile.expired_streak == 1


async def test_a_mentee_event_recorded_after_the_deadline_does_not_hold_the_expiry_back(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    offer = await offered_to_bob(bot, who)
    clock.advance(TTL + timedelta(minutes=1))
    await recorded(bot, "amina", "late-cancel")
    notes = await bot.run_due_jobs()
    assert [n.key for n in to(notes, "bob")] == [f"offer:{offer}"]
    got = await bot.store.get_offer(offer)
    assert got is not None and got.status is OfferStatus.EXPIRED


async def test_another_member_event_recorded_in_time_does_not_hold_the_expiry_back(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """Only the offer's mentor and its request's mentee can change what the expiry decides."""
    offer = await offered_to_bob(bot, who)
    await bot.delivered((await bot.request(who("zawadi"), skills="copywriting")).notifications)
    clock.advance(TTL - timedelta(minutes=1))
    await recorded(bot, "zawadi", "cancel")
    clock.advance(OUTAGE)
    notes = await restart_round(bot)
    assert [n.key for n in to(notes, "bob")] == [f"offer:{offer}"]
    got = await bot.store.get_offer(offer)
    assert got is not None and got.status is OfferStatus.EXPIRED
