"""Review of the departures (`usecases.departures`, `MentorBot.member_left`), on both engines:

- a partner is told of a departure once for as long as the mentorship is active, not again when the departure is
  found a second time after the day processed-event ids are kept (the check-in 14 days later is refused, the
  adapter's lookup reports the departure again): the pruning of processed events keeps a departure marker while
  its mentorship is active, and drops it once the mentorship ended;
- a member who leaves with two open requests: both are cancelled before the mentor freed by the first is offered
  other requests, so that mentor is never offered (and then told withdrawn) the leaver's second request.
"""

from __future__ import annotations

from datetime import timedelta

from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from mentorbot.models import JobKind, OfferStatus, RequestStatus
from tests.usecases.conftest import COMMUNITY, offer_id, to
from tests.usecases.test_departures_s32 import EN, Who, is_offer, member_id


async def departure_markers(bot: MentorBot) -> list[str]:
    async with bot.store.read() as conn:
        rows = await conn.fetch_all(
            "SELECT event_id FROM processed_events WHERE event_id LIKE 'departure:%' ORDER BY event_id"
        )
    return [str(row["event_id"]) for row in rows]


async def test_a_partner_is_told_once_while_the_mentorship_lasts_not_again_after_the_events_are_pruned(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    await bot.signup(who("baraka"), skills="seo")
    [offer] = to(await bot.request(who("gone"), skills="seo"), "baraka")
    await bot.accept(who("baraka"), offer_id=offer_id(offer))
    [mentorship] = await bot.store.list_mentorships(member_id=await member_id(bot, "gone"))
    told = EN("left.your_mentee", id=mentorship.id, other="<@U-gone>")

    first = await bot.member_left(COMMUNITY, "U-gone")
    assert [n.reply.text.splitlines()[0] for n in to(first, "baraka")] == [told]
    await bot.store.claim_event("slack:click-of-that-day", clock.now())

    # Past the day event ids are kept (the check-in is 14 days on): the timer loop prunes the processed events.
    clock.advance(timedelta(days=15))
    await bot.run_due_jobs()
    assert await bot.store.claim_event("slack:click-of-that-day", clock.now()), "a platform event id is pruned"

    # The refused check-in DM makes the adapter report the departure again: the partner is not told again.
    again = await bot.member_left(COMMUNITY, "U-gone")
    assert to(again, "baraka") == [], "the partner was told of this departure already"
    assert await departure_markers(bot) == [f"departure:{mentorship.id}:{await member_id(bot, 'gone')}"]

    # Once the mentorship is ended, its marker goes with the next pruning (nobody is told of an ended one).
    assert (await bot.end(who("baraka"), mentorship_id=mentorship.id)).error is None
    clock.advance(timedelta(days=2))
    await bot.run_due_jobs()
    assert await departure_markers(bot) == [], "the marker of an ended mentorship is pruned"
    assert await bot.member_left(COMMUNITY, "U-gone") == []


async def test_a_marker_is_kept_for_each_active_mentorship_and_dropped_for_each_ended_one(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """A mentor who left with two mentees: one ends the mentorship, the other keeps it; the pruning keeps only the
    active one's marker, and only that mentee stays told (the one who ended it has nothing more to hear)."""
    await bot.signup(who("gone"), skills="seo", capacity="2")
    for mentee in ("amina", "chao"):
        [offer] = to(await bot.request(who(mentee), skills="seo"), "gone")
        await bot.accept(who("gone"), offer_id=offer_id(offer))
    gone = await member_id(bot, "gone")
    with_amina, with_chao = await bot.store.list_mentorships(member_id=gone)
    notes = await bot.member_left(COMMUNITY, "U-gone")
    assert len(to(notes, "amina")) == len(to(notes, "chao")) == 1
    assert (await bot.end(who("amina"), mentorship_id=with_amina.id)).error is None

    clock.advance(timedelta(days=15))
    await bot.run_due_jobs()

    assert await bot.member_left(COMMUNITY, "U-gone") == [], "Chao was told already"
    assert await departure_markers(bot) == [f"departure:{with_chao.id}:{gone}"]


async def test_a_leaver_with_two_open_requests_is_not_offered_to_the_freed_mentor(bot: MentorBot, who: Who) -> None:
    """Both requests are cancelled before the mentor freed by the first is offered the next waiting request: they
    are offered Amina's, never the leaver's second (and so never told of an offer withdrawn they did not see)."""
    await bot.signup(who("baraka"), skills="seo,pr-media-relations", capacity="1")
    [offer] = to(await bot.request(who("gone"), skills="seo"), "baraka")
    second = await bot.request(who("gone"), skills="pr-media-relations")  # waits: Baraka's one place is held
    assert to(second, "baraka") == []
    waiting = await bot.request(who("amina"), skills="seo")  # waits too, after Gone's second
    assert to(waiting, "baraka") == []

    notes = await bot.member_left(COMMUNITY, "U-gone")

    withdrawn, new_offer = to(notes, "baraka")
    assert withdrawn.key == f"offer:{offer_id(offer)}"
    assert withdrawn.reply.text == EN("offer.withdrawn", id=offer_id(offer))
    assert is_offer(new_offer) and "<@U-amina>" in new_offer.reply.text, "the freed mentor is offered Amina's request"
    offers = await bot.store.list_offers()
    assert [(o.id, o.status) for o in offers] == [
        (offer_id(offer), OfferStatus.WITHDRAWN),
        (offer_id(new_offer), OfferStatus.PENDING),
    ], "no offer of the leaver's second request"
    gone_requests = await bot.store.list_member_requests(await member_id(bot, "gone"))
    assert [r.status for r in gone_requests] == [RequestStatus.CANCELLED] * 2
    [told] = to(notes, "gone")
    assert told.reply.text == "\n".join([EN("left.you_left"), "• " + EN("left.you_cancelled", ids="#1, #2")])
    async with bot.store.read() as conn:
        rows = await conn.fetch_all(
            "SELECT ref_id FROM jobs WHERE kind = ? AND status = 'pending'", JobKind.OFFER_EXPIRY.value
        )
    assert [int(row["ref_id"]) for row in rows] == [offer_id(new_offer)], "an expiry timer only for the live offer"


async def test_no_checkin_asks_how_a_mentorship_goes_with_someone_who_left(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """The partner was told the other left and how to end it: the check-in two weeks on asks neither of them how it
    goes (before, Baraka was asked how it went with his mentee who had left, and the leaver's copy was refused)."""
    await bot.signup(who("baraka"), skills="seo")
    [offer] = to(await bot.request(who("gone"), skills="seo"), "baraka")
    await bot.accept(who("baraka"), offer_id=offer_id(offer))
    await bot.member_left(COMMUNITY, "U-gone")
    clock.advance(timedelta(days=15))
    sent = await bot.run_due_jobs()
    assert [n for n in sent if (n.key or "").startswith("checkin:")] == [], [n.key for n in sent]
    # A mentorship nobody left still gets its check-in.
    await bot.signup(who("chao"), skills="copywriting")
    [offer] = to(await bot.request(who("amina"), skills="copywriting"), "chao")
    await bot.accept(who("chao"), offer_id=offer_id(offer))
    clock.advance(timedelta(days=15))
    sent = await bot.run_due_jobs()
    assert sorted(n.platform_user_id for n in sent if (n.key or "").startswith("checkin:")) == ["U-amina", "U-chao"]
