"""A mentor's answer to an offer that has just expired, what a decline or an expiry says became of the request, and
the warning before the auto-pause (session 34's mentor hunt). On both engines.

Before:
- an Accept or a Decline minutes after the offer expired was refused with only "Offer #1 has expired." and rolled
  back: the answer did not count as the mentor being back (docs/matching.md rule 4), so the request sat on the
  lapse's cooldown for three days although its only mentor had room and had just said yes;
- the expiry and decline notices said "the request has been passed on" / "it goes to the next mentor" when nobody
  took it and it simply waited, and "not this person" said "this member's requests for it" although it excludes
  every request of that member;
- the first and second lapse were told the same words, and the third paused the profile without warning;
- a timer round swept first: a waiting request was offered to a mentor whose overdue offer the same round then
  expired as the lapse that paused them, so the fresh offer was withdrawn at once (a pause lapse against that
  mentee); an expiry's freed place went to a mentor whose other overdue offer, in the same round, paused them.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.library import Library
from mentorbot.models import MentorStatus, OfferStatus, RequestStatus
from mentorbot.replies import Notification
from mentorbot.storage.store import Store
from tests.storage.interleave import second_bot
from tests.usecases.conftest import COMMUNITY, make_settings, offer_id, to
from tests.usecases.test_departures_s32 import Who

EN = translator("en")
SW = translator("sw")
TTL = timedelta(hours=48)


async def member_id(bot: MentorBot, name: str) -> int:
    member = await bot.store.find_member(COMMUNITY, f"U-{name}")
    assert member is not None
    return member.id


def offers_in(notes: list[Notification] | tuple[Notification, ...], name: str) -> list[int]:
    """The offers (by id) sent to `name` among `notes`."""
    return [offer_id(n) for n in to(list(notes), name) if any(b.action == "offer.accept" for b in n.reply.buttons)]


def texts(notes: list[Notification] | tuple[Notification, ...], name: str) -> list[str]:
    return [n.reply.text for n in to(list(notes), name)]


async def pending_of(bot: MentorBot, request_id: int) -> list[tuple[int, int]]:
    """The pending offers of a request: (offer id, mentor id)."""
    return [(o.id, o.mentor_id) for o in await bot.store.list_offers(request_id=request_id, status=OfferStatus.PENDING)]


async def lapsed(bot: MentorBot, clock: ManualClock, extra: timedelta = timedelta(minutes=5)) -> list[Notification]:
    """Let the offers made now expire (on time: the expiry runs within the grace), and run the timers."""
    clock.advance(TTL + extra)
    return await bot.run_due_jobs()


# ------------------------------------------------------------------------------------------ 1. a late accept


async def test_a_late_accept_offers_the_request_to_the_mentor_again_at_once(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """The hunt's F1: Wanjiru, the only SEO mentor, accepts five minutes after the expiry. The request still waits
    and she has room: it is offered to her again at once, and the reply says so (and its mentee is told)."""
    await bot.signup(who("wanjiru"), skills="seo", capacity="2")
    [first] = offers_in((await bot.request(who("amina"), skills="seo", note="launch help")).notifications, "wanjiru")
    expiry = await lapsed(bot, clock)
    [told] = texts(expiry, "wanjiru")
    assert told == EN("offer.expired_waiting", id=first) + " " + EN("offer.take_it_after_all", id=first)

    late = await bot.accept(who("wanjiru"), offer_id=first)
    assert late.error is None, late.reply.text
    [again] = offers_in(late.notifications, "wanjiru")
    assert again != first
    assert late.reply.text == EN("offer.late.reoffered", id=first, request=1, offer=again)
    assert texts(late.notifications, "amina") == [EN("request.now_offered", id=1)]
    assert await pending_of(bot, 1) == [(again, await member_id(bot, "wanjiru"))]
    profile = await bot.store.get_mentor_profile(await member_id(bot, "wanjiru"))
    assert profile is not None and profile.pending_offers == 1

    accepted = await bot.accept(who("wanjiru"), offer_id=again)
    assert accepted.error is None and accepted.reply.text == EN("offer.accepted", id=again)
    request = await bot.store.get_request(1)
    assert request is not None and request.status is RequestStatus.MATCHED


async def test_an_accept_before_the_expiry_timer_ran_is_taken_and_the_timer_then_changes_nothing(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """The offer's time is up but its timer has not run yet (the accept comes first): since session 35 an offer is
    open until its expiry runs, so the accept is an ordinary one (before: the accept expired it, counted the lapse
    and offered it again); the timer, when it runs, changes nothing."""
    await bot.signup(who("wanjiru"), skills="seo", capacity="2")
    [first] = offers_in((await bot.request(who("amina"), skills="seo")).notifications, "wanjiru")
    clock.advance(TTL + timedelta(seconds=5))

    taken = await bot.accept(who("wanjiru"), offer_id=first)
    assert taken.error is None, taken.reply.text
    assert taken.reply.text == EN("offer.accepted", id=first)
    assert offers_in(taken.notifications, "wanjiru") == []
    accepted = await bot.store.get_offer(first)
    assert accepted is not None and accepted.status is OfferStatus.ACCEPTED
    assert await pending_of(bot, 1) == []
    assert await bot.run_due_jobs() == []


async def test_a_late_accept_of_a_request_that_went_to_another_mentor_says_it_no_longer_waits(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    await bot.signup(who("wanjiru"), skills="seo", capacity="2", levels="expert")
    await bot.signup(who("otieno"), skills="seo", capacity="2", levels="practitioner")
    [first] = offers_in((await bot.request(who("amina"), skills="seo")).notifications, "wanjiru")
    expiry = await lapsed(bot, clock)
    assert texts(expiry, "wanjiru") == [EN("offer.expired_notice", id=first)], "passed to another mentor: true"
    [handed] = offers_in(expiry, "otieno")

    late = await bot.accept(who("wanjiru"), offer_id=first)
    assert late.error is None
    assert late.reply.text == EN("offer.late.gone_other", id=first, request=1)
    assert offers_in(late.notifications, "wanjiru") == []
    assert await pending_of(bot, 1) == [(handed, await member_id(bot, "otieno"))]


async def test_a_late_accept_by_a_paused_mentor_says_how_to_take_it(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    await bot.signup(who("wanjiru"), skills="seo", capacity="2")
    [first] = offers_in((await bot.request(who("amina"), skills="seo")).notifications, "wanjiru")
    await lapsed(bot, clock)
    assert (await bot.pause(who("wanjiru"))).error is None

    late = await bot.accept(who("wanjiru"), offer_id=first)
    assert late.error is None
    assert late.reply.text == EN("offer.late.paused", id=first, request=1)
    assert await pending_of(bot, 1) == []
    resumed = await bot.resume(who("wanjiru"))
    assert len(offers_in(resumed.notifications, "wanjiru")) == 1, "back: offered at once (rule 4)"


async def test_a_late_accept_with_no_free_place_says_so(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    await bot.signup(who("wanjiru"), skills="seo,copywriting", capacity="1")
    [first] = offers_in((await bot.request(who("amina"), skills="seo")).notifications, "wanjiru")
    await lapsed(bot, clock)
    [other] = offers_in((await bot.request(who("baraka"), skills="copywriting")).notifications, "wanjiru")
    assert other != first

    late = await bot.accept(who("wanjiru"), offer_id=first)
    assert late.error is None
    # Her place is held by the pending offer, not a mentorship: named, with what to do (session 40).
    assert late.reply.text == EN("offer.late.held", count=1, id=first, request=1, offers=f"#{other}", first=other)
    assert await pending_of(bot, 1) == []


async def test_an_answer_to_another_mentors_offer_or_a_withdrawn_one_is_still_refused(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    await bot.signup(who("wanjiru"), skills="seo", capacity="2")
    [first] = offers_in((await bot.request(who("amina"), skills="seo")).notifications, "wanjiru")
    await lapsed(bot, clock)
    stranger = await bot.accept(who("otieno"), offer_id=first)
    assert stranger.error is not None and stranger.reply.text == EN("offer.not_yours", id=first)
    assert await pending_of(bot, 1) == []


async def test_two_processes_answering_the_same_lapsed_offer_at_once_make_one_offer(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """A double click in two processes: one new offer, and both replies name it."""
    await bot.signup(who("wanjiru"), skills="seo", capacity="3")
    [first] = offers_in((await bot.request(who("amina"), skills="seo")).notifications, "wanjiru")
    await lapsed(bot, clock)
    other = await second_bot(bot)
    try:
        one, two = await asyncio.gather(
            bot.accept(who("wanjiru"), offer_id=first), other.accept(who("wanjiru"), offer_id=first)
        )
    finally:
        await other.store.close()
    [(again, mentor)] = await pending_of(bot, 1)
    assert mentor == await member_id(bot, "wanjiru")
    for outcome in (one, two):
        assert outcome.error is None
        assert outcome.reply.text == EN("offer.late.reoffered", id=first, request=1, offer=again)
    assert len(offers_in([*one.notifications, *two.notifications], "wanjiru")) == 1
    profile = await bot.store.get_mentor_profile(mentor)
    assert profile is not None and profile.pending_offers == 1


# ----------------------------------------------------------------------------------------- 1. a late decline


async def test_a_late_decline_counts_as_back_but_never_brings_that_request_back(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """Two offers lapse together; Wanjiru then declines one of them late. She is back (rule 4): the other request,
    which waits on her lapse, is offered to her at once. The declined one is recorded as declined (a decline's
    cooldown, not a lapse's): it is not offered to her again, not now and not at the next sweep."""
    await bot.signup(who("wanjiru"), skills="seo", capacity="2")
    [first] = offers_in((await bot.request(who("amina"), skills="seo")).notifications, "wanjiru")
    [second] = offers_in((await bot.request(who("baraka"), skills="seo")).notifications, "wanjiru")
    await lapsed(bot, clock)

    late = await bot.decline(who("wanjiru"), offer_id=first)
    assert late.error is None, late.reply.text
    assert late.reply.text == EN("offer.late.declined", id=first, request=1)
    declined = await bot.store.get_offer(first)
    assert declined is not None and declined.status is OfferStatus.DECLINED
    assert await pending_of(bot, 1) == []
    [again] = offers_in(late.notifications, "wanjiru")
    assert await pending_of(bot, 2) == [(again, await member_id(bot, "wanjiru"))]
    assert second != again

    clock.advance(timedelta(hours=1))
    swept = await bot.run_due_jobs(sweep=True)
    assert offers_in(swept, "wanjiru") == [] and await pending_of(bot, 1) == []


async def test_a_late_decline_for_good_is_recorded_and_said(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    """A "not this person" given late still excludes the mentor from the member's requests for good: the reply says
    so, and after the cooldown the request is still never offered to her."""
    await bot.signup(who("wanjiru"), skills="seo", capacity="2")
    [first] = offers_in((await bot.request(who("amina"), skills="seo")).notifications, "wanjiru")
    await lapsed(bot, clock)

    late = await bot.decline(who("wanjiru"), offer_id=first, reason="not this person")
    assert late.error is None
    assert late.reply.text == EN("offer.late.declined_for_good", id=first) + " " + EN("offer.excluded_person")
    clock.advance(timedelta(days=5))
    swept = await bot.run_due_jobs(sweep=True)
    assert offers_in(swept, "wanjiru") == [] and await pending_of(bot, 1) == []


async def test_a_second_late_decline_is_refused_as_already_declined(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    await bot.signup(who("wanjiru"), skills="seo", capacity="2")
    [first] = offers_in((await bot.request(who("amina"), skills="seo")).notifications, "wanjiru")
    await lapsed(bot, clock)
    assert (await bot.decline(who("wanjiru"), offer_id=first)).error is None
    again = await bot.decline(who("wanjiru"), offer_id=first)
    assert again.error is not None and again.reply.text == EN("offer.already_declined", id=first)


# ------------------------------------------------------------------------ 2. what the notices say happened


async def test_a_decline_with_nobody_else_says_the_request_is_back_on_the_waitlist(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("wanjiru"), skills="seo", capacity="2")
    [first] = offers_in((await bot.request(who("amina"), skills="seo")).notifications, "wanjiru")
    declined = await bot.decline(who("wanjiru"), offer_id=first)
    assert declined.reply.text == EN("offer.declined_waiting", id=first)
    assert "next mentor" not in declined.reply.text


async def test_a_decline_passed_to_another_mentor_says_so(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("wanjiru"), skills="seo", capacity="2", levels="expert")
    await bot.signup(who("otieno"), skills="seo", capacity="2", levels="practitioner")
    [first] = offers_in((await bot.request(who("amina"), skills="seo")).notifications, "wanjiru")
    declined = await bot.decline(who("wanjiru"), offer_id=first)
    assert declined.reply.text == EN("offer.declined", id=first)
    assert len(offers_in(declined.notifications, "otieno")) == 1


async def test_a_decline_for_good_says_what_each_kind_excludes(bot: MentorBot, who: Who) -> None:
    """A "not this person" excludes every request of the member; "not my skill" their requests for those skills."""
    await bot.signup(who("wanjiru"), skills="seo,copywriting", capacity="3")
    [first] = offers_in((await bot.request(who("amina"), skills="seo")).notifications, "wanjiru")
    [second] = offers_in((await bot.request(who("baraka"), skills="copywriting")).notifications, "wanjiru")
    person = await bot.decline(who("wanjiru"), offer_id=first, reason="not this person")
    assert person.reply.text == " ".join(
        [EN("offer.declined_for_good", id=first), EN("offer.then_waiting"), EN("offer.excluded_person")]
    )
    skill = await bot.decline(who("wanjiru"), offer_id=second, reason="not my skill")
    assert skill.reply.text == " ".join(
        [
            EN("offer.declined_for_good", id=second),
            EN("offer.then_waiting"),
            EN("offer.excluded_skill", skills="Copywriting"),
        ]
    )


async def test_an_expiry_passed_to_another_mentor_keeps_the_passed_on_notice(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    await bot.signup(who("wanjiru"), skills="seo", capacity="2", levels="expert")
    await bot.signup(who("otieno"), skills="seo", capacity="2", levels="practitioner")
    [first] = offers_in((await bot.request(who("amina"), skills="seo")).notifications, "wanjiru")
    expiry = await lapsed(bot, clock)
    assert texts(expiry, "wanjiru") == [EN("offer.expired_notice", id=first)]


async def test_the_notices_read_in_swahili(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    await bot.signup(who("wanjiru"), skills="seo", capacity="2")
    await bot.set_language(who("wanjiru"), language="sw")
    [first] = offers_in((await bot.request(who("amina"), skills="seo")).notifications, "wanjiru")
    expiry = await lapsed(bot, clock)
    assert texts(expiry, "wanjiru") == [
        SW("offer.expired_waiting", id=first) + " " + SW("offer.take_it_after_all", id=first)
    ]
    late = await bot.accept(who("wanjiru"), offer_id=first)
    [again] = offers_in(late.notifications, "wanjiru")
    assert late.reply.text == SW("offer.late.reoffered", id=first, request=1, offer=again)


# ------------------------------------------------------------------------------ 3. the warning, the batch


async def test_the_lapse_before_the_pausing_one_warns(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    """max_expired_offers = 3: the 1st lapse is told plainly, the 2nd warns, the 3rd pauses."""
    await bot.signup(who("wanjiru"), skills="seo", capacity="3")
    told: list[list[str]] = []
    for name in ("a", "b", "c"):
        await bot.request(who(name), skills="seo")
        told.append(texts(await lapsed(bot, clock, timedelta(minutes=1)), "wanjiru"))
    assert told[0] == [EN("offer.expired_waiting", id=1) + " " + EN("offer.take_it_after_all", id=1)]
    assert told[1] == [
        EN("offer.expired_waiting", id=2) + " " + EN("offer.take_it_after_all", id=2) + "\n" + EN("offer.lapse_warning")
    ]
    assert not any(EN("offer.lapse_warning") in text for text in told[2])
    profile = await bot.store.get_mentor_profile(await member_id(bot, "wanjiru"))
    assert profile is not None and profile.status is MentorStatus.PAUSED


async def test_a_lapse_not_counted_does_not_warn(store: Store, library: Library, clock: ManualClock, who: Who) -> None:
    """With max_expired_offers = 2 the first counted lapse warns; a late run's expiry (not counted) does not."""
    bot = MentorBot(store, library, make_settings(max_expired_offers=2), clock, worker_id="test-worker")
    await bot.signup(who("wanjiru"), skills="seo", capacity="3")
    await bot.request(who("a"), skills="seo")
    late = texts(await lapsed(bot, clock, timedelta(hours=1)), "wanjiru")
    assert late and not any(EN("offer.lapse_warning") in text for text in late)
    await bot.request(who("b"), skills="seo")
    on_time = texts(await lapsed(bot, clock, timedelta(minutes=1)), "wanjiru")
    assert on_time and on_time[0].endswith("\n" + EN("offer.lapse_warning"))


async def test_a_round_that_pauses_a_mentor_never_sweeps_them_a_fresh_offer_first(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """The hunt's s2: three lapses two days apart; in the round of the third, a1's cooldown had ended, and the
    sweep (which ran before the timers) offered a1's request to Wanjiru, whose overdue offer then paused her:
    that fresh offer was withdrawn in the same round, a pause lapse against a1. The timers run first now."""
    await bot.signup(who("wanjiru"), skills="seo", capacity="2")
    for name in ("a1", "a2", "a3"):
        await bot.request(who(name), skills="seo")
        notes = await lapsed(bot, clock, timedelta(minutes=1))
    profile = await bot.store.get_mentor_profile(await member_id(bot, "wanjiru"))
    assert profile is not None and profile.status is MentorStatus.PAUSED
    withdrawn = await bot.store.list_offers(status=OfferStatus.WITHDRAWN)
    assert withdrawn == [], withdrawn
    assert not any("withdrawn" in text for text in texts(notes, "wanjiru"))


async def test_an_expiry_does_not_hand_a_freed_place_to_a_mentor_whose_other_overdue_offer_pauses_them(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """One round runs two overdue expiries of Wanjiru's: A (within a day of her last lapse: not counted) then B
    (counted: her third). A's freed place used to go at once to a waiting request (a fresh offer) that B's pause
    withdrew in the same round. A place is not handed to a mentor while another of their offers is overdue."""
    await bot.signup(who("wanjiru"), skills="seo", capacity="3")
    await bot.request(who("x1"), skills="seo")
    await lapsed(bot, clock, timedelta(minutes=1))  # 1st counted lapse
    await bot.request(who("x2"), skills="seo")  # offer #2, expires at T2
    t2 = clock.now() + TTL
    clock.advance(timedelta(hours=24, minutes=-3))
    await bot.request(who("ya"), skills="seo")  # A: expires T2 + 24h - 3 min
    clock.advance(timedelta(minutes=5))
    await bot.request(who("yb"), skills="seo")  # B: expires T2 + 24h + 2 min; Wanjiru is full (3 of 3)
    r1 = await bot.request(who("r1"), skills="seo")
    assert offers_in(r1.notifications, "wanjiru") == []
    clock.advance(t2 + timedelta(minutes=1) - clock.now())
    second = await bot.run_due_jobs()  # 2nd counted lapse; its place goes to r1
    assert len(offers_in(second, "wanjiru")) == 1
    r2 = await bot.request(who("r2"), skills="seo")  # waits: Wanjiru is full again
    assert offers_in(r2.notifications, "wanjiru") == []
    clock.advance(t2 + timedelta(hours=24, minutes=3) - clock.now())
    third = await bot.run_due_jobs()
    profile = await bot.store.get_mentor_profile(await member_id(bot, "wanjiru"))
    assert profile is not None and profile.status is MentorStatus.PAUSED
    assert offers_in(third, "wanjiru") == [], "no fresh offer in the round that pauses her"
    [waiting] = await bot.store.list_member_requests(await member_id(bot, "r2"), open_only=True)
    assert waiting.status is RequestStatus.WAITING
    assert await bot.store.list_offers(request_id=waiting.id) == [], "never offered, never withdrawn"
