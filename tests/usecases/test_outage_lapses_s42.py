"""Session 42, the interplay hunt (reproductions under /tmp/hunt/interplay). On both engines.

Before:
1. an offer that expired while its community was out of MentorBot's reach (session 41: "It doesn't count as an
   offer you left unanswered") still put the pair on a lapse's cooldown, lifted only once the mentor showed they
   were back: once the community was back, its only mentor, who never could answer, was blocked for the rest of
   the cooldown and the request waited ("every mentor … on cooldown"). Now such an expiry is marked ``away``
   (`matching.eligibility.AWAY`) and its cooldown is an unsent offer's: lifted whenever no one else is eligible;
2. an answer recorded in time whose offer another process's timer expired takes back that lapse, and the pause it
   brought: the mentor was made active again silently ("No action needed."). The reply now says their profile is
   taking requests again (and how to pause), and the waiting requests are tried for them at once, as a resume does;
3. an offer that never reached its mentor (held: the community out) and expired while the community was still out
   said "If you can take it after all, answer `/mentor accept 1`", an answer the platform refuses or never sends.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.library import Library
from mentorbot.matching.eligibility import AWAY, UNDELIVERED
from mentorbot.models import MentorStatus, OfferStatus, RequestStatus
from mentorbot.storage.store import Store
from tests.usecases.conftest import COMMUNITY, offer_id, to
from tests.usecases.test_digest_lapses_s41 import offers_to, profile_row
from tests.usecases.test_digest_lapses_s41 import who as caller
from tests.usecases.test_in_time_review_s41 import paused_by_a_third_lapse

EN = translator("en")
Who = Callable[..., Caller]


async def _offered(bot: MentorBot, who: Who, *, deliver: bool = True) -> int:
    await bot.delivered((await bot.signup(who("baraka"), skills="seo")).notifications)
    outcome = await bot.request(who("amina"), skills="seo")
    [note] = [n for n in to(outcome, "baraka") if n.reply.buttons]
    if deliver:
        await bot.delivered(outcome.notifications)
    else:
        await bot.hold_undelivered(note)  # the platform refused: held
        await bot.delivered([n for n in outcome.notifications if n is not note])
    return offer_id(note)


async def test_an_offer_expired_while_the_community_was_out_does_not_block_its_only_mentor_once_back(
    bot: MentorBot, store: Store, who: Who, clock: ManualClock
) -> None:
    first = await _offered(bot, who)
    clock.advance(timedelta(hours=1))
    assert await bot.community_lost(COMMUNITY)
    clock.advance(timedelta(hours=48))
    await bot.run_due_jobs()
    expired = await store.get_offer(first)
    assert expired is not None and expired.status is OfferStatus.EXPIRED
    assert expired.reason_kind == AWAY, "marked: no lapse of his"
    clock.advance(timedelta(hours=1))
    await bot.community_back(COMMUNITY)
    clock.advance(timedelta(hours=2))
    await bot.run_due_jobs()  # the sweep: no one else can take it, so it goes back to him
    offers = await store.list_offers(mentor_id=expired.mentor_id)
    request = await store.get_request(expired.request_id)
    assert request is not None
    assert [o.status for o in offers] == [OfferStatus.EXPIRED, OfferStatus.PENDING], request.wait_reason
    assert request.status is RequestStatus.OFFERED


async def test_an_away_expiry_leaves_the_request_to_another_mentor_first(
    bot: MentorBot, store: Store, who: Who, clock: ManualClock
) -> None:
    """An unsent offer's cooldown, not none: the hand-on right after it, and a sweep while another mentor could take
    the request, do not bring it straight back to the mentor who could not answer."""
    first = await _offered(bot, who)
    await bot.community_lost(COMMUNITY)
    clock.advance(timedelta(hours=49))
    await bot.run_due_jobs()
    await bot.community_back(COMMUNITY)
    await bot.delivered((await bot.signup(who("dave"), skills="seo")).notifications)  # offered to Dave at once
    clock.advance(timedelta(hours=2))
    await bot.run_due_jobs()
    expired = await store.get_offer(first)
    assert expired is not None
    pending = await store.list_offers(request_id=expired.request_id, status=OfferStatus.PENDING)
    assert [o.mentor_id for o in pending] != [expired.mentor_id] and len(pending) == 1


async def test_an_away_expiry_is_no_lapse_for_being_back(
    bot: MentorBot, store: Store, who: Who, clock: ManualClock
) -> None:
    """Being back lifts nothing it did not block: the mentor's accept of another offer reads no lapse of theirs
    (`Store.mark_back`'s own statement), as for an unsent offer."""
    first = await _offered(bot, who)
    await bot.community_lost(COMMUNITY)
    clock.advance(timedelta(hours=49))
    await bot.run_due_jobs()
    expired = await store.get_offer(first)
    assert expired is not None and expired.reason_kind == AWAY
    lifted = await store.mark_back(expired.mentor_id, clock.now(), lapsed_since=clock.now() - timedelta(days=3))
    assert lifted is False


async def test_an_unreached_offer_expiring_while_the_community_is_still_out_offers_no_take_it_after_all(
    bot: MentorBot, store: Store, who: Who, clock: ManualClock
) -> None:
    await bot.community_lost(COMMUNITY)
    offer = await _offered(bot, who, deliver=False)
    clock.advance(timedelta(hours=49))
    told = [n.reply.text for n in to(await bot.run_due_jobs(), "baraka")]
    assert told == [EN("offer.expired_unsent_waiting", id=offer)], "no take it after all while still out"
    expired = await store.get_offer(offer)
    assert expired is not None and expired.reason_kind == UNDELIVERED, "still an offer that never reached him"
    profile = await bot.mentor_profile(COMMUNITY, "U-baraka")
    assert profile is not None and profile.expired_streak == 0


async def test_an_unreached_offer_expiring_after_the_community_is_back_still_says_how_to_take_it(
    bot: MentorBot, store: Store, who: Who, clock: ManualClock
) -> None:
    """The outage over before the deadline: the accept would come, so the notice says how to take it after all."""
    await bot.community_lost(COMMUNITY)
    offer = await _offered(bot, who, deliver=False)
    clock.advance(timedelta(hours=1))
    await bot.community_back(COMMUNITY)
    clock.advance(timedelta(hours=48))
    told = [n.reply.text for n in to(await bot.run_due_jobs(), "baraka")]
    assert any(t.endswith(EN("offer.take_it_after_all", id=offer)) for t in told), told


# Issue 2: an in-time answer takes back the pause its lapse brought, and says so.


async def _paused_with_a_newcomer_waiting(
    store: Store, library: Library, clock: ManualClock
) -> tuple[MentorBot, list[int]]:
    """Baraka paused by his third lapse; Amina and Eshe (the first two lapses' mentees) cancel, so no lapse of his
    waits any more; Zawadi asks for SEO while he is paused: her request waits for him."""
    bot, offers = await paused_by_a_third_lapse(store, library, clock)
    assert isinstance(bot, MentorBot)
    for offer, name in zip(offers[:2], ("amina", "eshe"), strict=True):
        lapsed = await store.get_offer(offer)
        assert lapsed is not None
        assert (await bot.cancel(caller(name), request_id=lapsed.request_id)).error is None
    outcome = await bot.request(caller("zawadi"), skills="seo")
    assert offers_to(outcome, "baraka") == []
    return bot, offers


async def _zawadi_offered_to_baraka(store: Store) -> bool:
    names = []
    for offer in await store.list_offers(status=OfferStatus.PENDING):
        request = await store.get_request(offer.request_id)
        mentor = await store.get_member(offer.mentor_id)
        mentee = None if request is None else await store.get_member(request.member_id)
        if mentor is not None and mentee is not None:
            names.append((mentor.platform_user_id, mentee.platform_user_id))
    return ("U-baraka", "U-zawadi") in names


async def test_an_in_time_accept_whose_request_went_on_says_the_pause_is_over_and_offers_what_waits(
    store: Store, library: Library, clock: ManualClock
) -> None:
    bot, offers = await _paused_with_a_newcomer_waiting(store, library, clock)
    third = await store.get_offer(offers[2])
    assert third is not None
    assert (await bot.cancel(caller("faraji"), request_id=third.request_id)).error is None
    out = await bot.accept(caller("baraka", answered_at=third.expires_at - timedelta(minutes=5)), offer_id=offers[2])
    assert out.error is None
    assert (await profile_row(store))["status"] == MentorStatus.ACTIVE.value
    assert EN("offer.in_time.unpaused") in out.reply.text, out.reply.text
    assert "/mentor pause" in EN("offer.in_time.unpaused")
    assert await _zawadi_offered_to_baraka(store), "the waiting request is tried for him at once, as a resume does"


async def test_an_in_time_accept_that_matches_says_the_pause_is_over(
    store: Store, library: Library, clock: ManualClock
) -> None:
    bot, offers = await _paused_with_a_newcomer_waiting(store, library, clock)
    third = await store.get_offer(offers[2])
    assert third is not None
    out = await bot.accept(caller("baraka", answered_at=third.expires_at - timedelta(minutes=5)), offer_id=offers[2])
    assert out.error is None
    assert (await store.get_offer(offers[2])).status is OfferStatus.ACCEPTED  # type: ignore[union-attr]
    assert EN("offer.accepted", id=offers[2]) in out.reply.text
    assert EN("offer.in_time.unpaused") in out.reply.text, out.reply.text
    assert await _zawadi_offered_to_baraka(store)


async def test_an_in_time_decline_says_the_pause_is_over_and_offers_what_waits(
    store: Store, library: Library, clock: ManualClock
) -> None:
    bot, offers = await _paused_with_a_newcomer_waiting(store, library, clock)
    third = await store.get_offer(offers[2])
    assert third is not None
    out = await bot.decline(caller("baraka", answered_at=third.expires_at - timedelta(minutes=5)), offer_id=offers[2])
    assert out.error is None
    assert (await profile_row(store))["status"] == MentorStatus.ACTIVE.value
    assert EN("offer.in_time.unpaused") in out.reply.text, out.reply.text
    assert await _zawadi_offered_to_baraka(store)


async def test_an_in_time_answer_that_unpauses_nobody_says_nothing_of_it(
    store: Store, library: Library, clock: ManualClock
) -> None:
    """The first lapse paused no one: its in-time decline's reply is as before."""
    bot, offers = await paused_by_a_third_lapse(store, library, clock)
    assert isinstance(bot, MentorBot)
    first = await store.get_offer(offers[0])
    assert first is not None
    out = await bot.decline(caller("baraka", answered_at=first.expires_at - timedelta(minutes=5)), offer_id=offers[0])
    assert out.error is None
    assert EN("offer.in_time.unpaused") not in out.reply.text
    assert (await profile_row(store))["status"] == MentorStatus.PAUSED.value


def test_the_unpaused_line_is_in_swahili_too() -> None:
    sw = translator("sw")("offer.in_time.unpaused")
    assert sw != EN("offer.in_time.unpaused") and "/mentor pause" in sw
