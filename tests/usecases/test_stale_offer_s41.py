"""Outage hunt (session 41): an offer a dead process left unsent is not delivered once it is overdue. On both engines.

Before: the outbox's recovery (`OutboxStore.claim_undelivered`) claimed any row whose claim had run out, so after a
long outage an offer whose DM a dead process never sent went out with live Accept / Decline buttons and an "answer by"
in the past (its expiry timer was beyond the first batch of due timers, or the delivery ran first), and its expiry
then counted it as an ordinary lapse ("expired without an answer") instead of "expired before it could reach you".
Now a row ``offer:<id>`` whose offer is still pending but overdue is left to the offer's expiry, which replaces it.
"""

from __future__ import annotations

from datetime import timedelta

from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.models import OfferStatus
from mentorbot.replies import Notification
from mentorbot.storage.store import Store
from tests.usecases.conftest import to
from tests.usecases.test_answered_in_time_s34 import OUTAGE, TTL, restart_round
from tests.usecases.test_departures_s32 import Who

EN = translator("en")


def live_offers(notes: list[Notification]) -> list[str | None]:
    """The keys of the notifications among `notes` that carry an offer's Accept button."""
    return [n.key for n in notes if any(b.action == "offer.accept" for b in n.reply.buttons)]


def restarted(bot: MentorBot) -> MentorBot:
    return MentorBot(bot.store, bot.library, bot.settings, bot.clock, worker_id="restarted")


async def test_an_overdue_offer_a_dead_process_left_unsent_is_not_recovered(
    bot: MentorBot, who: Who, clock: ManualClock, store: Store
) -> None:
    """The process writes Baraka's offer and dies before sending it; down 3 days. The delivery of what it left runs
    before the offer's expiry: the overdue offer is not sent; its expiry then tells him it never reached him."""
    await bot.delivered((await bot.signup(who("baraka"), skills="seo")).notifications)
    asked = await bot.request(who("amina"), skills="seo")
    assert [n.key for n in to(asked, "baraka")] == ["offer:1"]
    clock.advance(OUTAGE)
    back = restarted(bot)
    recovered = await back.undelivered()
    assert live_offers(recovered) == [], "an overdue offer went out with live buttons"
    notes = await back.run_due_jobs()
    notes += await back.undelivered()
    await back.delivered(notes)
    [told] = [n for n in to(notes, "baraka") if n.key == "offer:1"]
    assert told.reply.plain_text.startswith(EN("offer.expired_unsent_notice", id=1).split(",")[0])
    assert live_offers(notes) == []
    offer = await store.get_offer(1)
    assert offer is not None and offer.status is OfferStatus.EXPIRED and offer.reason_kind == "undelivered"
    assert await store.count_undelivered() == 0, "the unsent offer was superseded by its expiry"


async def test_after_an_outage_with_more_timers_than_a_batch_no_overdue_offer_goes_out(
    bot: MentorBot, who: Who, clock: ManualClock, store: Store
) -> None:
    """52 requests, each offered to a mentor by a process that died before sending any offer; down 3 days. The
    restart's first round runs 50 expiry timers and then recovers the outbox: the two offers whose expiry is in
    the next batch are not delivered, and they expire as never reached."""
    n = 52
    for i in range(n):
        await bot.delivered((await bot.signup(who(f"mentor{i}"), skills="seo")).notifications)
    for i in range(n):
        await bot.request(who(f"mentee{i}"), skills="seo")
        clock.advance(timedelta(seconds=1))
    clock.advance(OUTAGE)
    first = await restart_round(bot, restarted=True)
    stale = []
    for key in live_offers(first):
        assert key is not None
        offer = await store.get_offer(int(key.split(":")[1]))
        assert offer is not None
        if offer.status is not OfferStatus.PENDING or offer.expires_at <= clock.now():
            stale.append(key)
    assert stale == [], "overdue offers delivered with live buttons"
    await restart_round(bot, restarted=True)
    for oid in (1, 51, 52):
        offer = await store.get_offer(oid)
        assert offer is not None and offer.status is OfferStatus.EXPIRED
        assert offer.reason_kind == "undelivered", (oid, offer.reason_kind)


async def test_an_offer_not_yet_overdue_a_dead_process_left_unsent_is_recovered(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """A short outage, within the offer's time: the offer is still open, and the recovery sends it."""
    await bot.delivered((await bot.signup(who("baraka"), skills="seo")).notifications)
    await bot.request(who("amina"), skills="seo")
    clock.advance(TTL - timedelta(hours=1))
    notes = await restart_round(bot, restarted=True)
    assert live_offers(to(notes, "baraka")) == ["offer:1"]


async def test_an_expiry_notice_a_dead_process_left_unsent_is_recovered(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """The notice of an ended offer, keyed like the offer, is not held back by it: the process that expired the
    offer died before sending the notice, and the recovery sends it."""
    await bot.delivered((await bot.signup(who("baraka"), skills="seo")).notifications)
    await bot.delivered((await bot.request(who("amina"), skills="seo")).notifications)
    clock.advance(TTL + timedelta(minutes=1))
    expired = await bot.run_due_jobs()  # written, claimed by this process ... which dies
    assert [n.key for n in to(expired, "baraka")] == ["offer:1"]
    clock.advance(timedelta(hours=1))
    recovered = await restarted(bot).undelivered()
    assert [n.reply.plain_text for n in to(recovered, "baraka")] == [n.reply.plain_text for n in to(expired, "baraka")]


async def test_an_offer_handed_over_untried_and_overdue_expires_as_never_reached(
    bot: MentorBot, who: Who, clock: ManualClock, store: Store
) -> None:
    """An offer handed over at once for another process to deliver (`Core.hand_over`: another platform's community,
    or a process that delivers nothing), none having claimed it before its deadline (that process down): no process
    sends it any more, so its expiry is not the mentor's lapse."""
    await bot.delivered((await bot.signup(who("baraka"), skills="seo")).notifications)
    asked = await bot.request(who("amina"), skills="seo")
    [offer_note] = [n for n in to(asked, "baraka") if n.key == "offer:1"]
    assert await store.hand_over([offer_note], "test-worker", clock.now()) == 1
    clock.advance(TTL + timedelta(minutes=1))
    notes = await restart_round(bot, restarted=True)
    assert live_offers(notes) == []
    [told] = [n for n in to(notes, "baraka") if n.key == "offer:1"]
    assert told.reply.plain_text.startswith(EN("offer.expired_unsent_notice", id=1).split(",")[0])
    offer = await store.get_offer(1)
    assert offer is not None and offer.reason_kind == "undelivered"
    profile = await store.get_mentor_profile(offer.mentor_id)
    assert profile is not None and profile.expired_streak == 0
