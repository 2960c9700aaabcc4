"""Lapses of offers that never reached their mentor (both engines).

A hunt found that when a platform is gone (the Slack app uninstalled, its token revoked; the Discord bot removed from
its server), every offer's DM is retried then held, the offer expires on time, and the expiry used to count in its
mentor's lapse streak: after three such days every mentor was paused "for offers expired unanswered", blamed for
offers they never received. Now an offer that expires while its message is still pending (retrying) or held in the
outbox is not counted in the streak (and is marked ``undelivered`` on the offer, `storage.offers.UNDELIVERED`), its
mentor is told it expired before it could reach them, and the request is handed on as before. An offer that reached
its mentor (sent, or held and then shown with a command of theirs) and was ignored counts as it always did.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import timedelta

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.library import Library
from mentorbot.matching.eligibility import UNDELIVERED
from mentorbot.models import MentorStatus, OfferStatus, RequestStatus
from mentorbot.replies import Notification
from mentorbot.storage.store import Store
from tests.usecases.conftest import COMMUNITY, make_settings, offer_id, to

Who = Callable[..., Caller]
EN = translator("en")
SW = translator("sw")

REACHED = ("delivered", "shown")
"""Fates of an offer's DM after which its mentor had it: sent (the adapter reported it delivered), or held and then
shown with the reply to a command of theirs."""
UNREACHED = ("held", "retrying", "reclaimed")
"""Fates after which the mentor never had it: held (refused, or failed for a transient reason too often), released for
a later try (`MentorBot.retry_later`), or claimed again by a timer round after its lease ran out."""
FATES = (*REACHED, *UNREACHED)


async def apply_fate(
    bot: MentorBot, mentor: Caller, notes: Sequence[Notification], fate: str, clock: ManualClock
) -> None:
    """What the platform made of each of `notes` (as an adapter reports it to the core)."""
    if not notes:
        return
    if fate == "delivered":
        await bot.delivered(notes)
    elif fate in ("held", "shown"):
        for note in notes:
            await bot.hold_undelivered(note)
        if fate == "shown":
            shown = await bot.status(mentor)
            assert len(shown.held) >= len(notes), "the held offers are shown with the mentor's next command"
    elif fate == "retrying":
        for note in notes:
            assert await bot.retry_later(note)
    else:  # reclaimed: the process died before reporting; a later round claimed the rows again (its 2nd try)
        clock.advance(timedelta(seconds=bot.core.settings.lease_seconds + 1))
        again = await bot.undelivered(communities=[mentor.community])
        assert {n.outbox_id for n in notes} <= {n.outbox_id for n in again}


def live_offers(notes: Sequence[Notification], mentor: Caller) -> list[Notification]:
    """The offers (with their Accept button) among `notes` that went to `mentor`."""
    return [
        n
        for n in notes
        if n.platform_user_id == mentor.user_id and any(b.action == "offer.accept" for b in n.reply.buttons)
    ]


async def mentor_profile(bot: MentorBot, caller: Caller):  # type: ignore[no-untyped-def]
    member = await bot.store.find_member(caller.community, caller.user_id)
    assert member is not None
    profile = await bot.store.get_mentor_profile(member.id)
    assert profile is not None
    return profile


@given(fates=st.lists(st.sampled_from(FATES), min_size=1, max_size=6))
# The hunter's case: a platform gone for days, every offer held (or retrying); and the rule that still holds: offers
# delivered and ignored on three different days pause the mentor.
@example(fates=["held"] * 6)
@example(fates=["retrying"] * 6)
@example(fates=["reclaimed", "held", "retrying", "held", "reclaimed", "held"])
@example(fates=["delivered"] * 3)
@example(fates=["shown", "held", "delivered", "retrying", "delivered"])
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
async def test_only_lapses_of_offers_that_reached_the_mentor_count(
    store: Store, library: Library, clock: ManualClock, fates: list[str]
) -> None:
    """One mentor; each window of 48 hours a new member asks, and every offer made to the mentor in that window (the
    new one, and older requests the sweep or a hand-on offers again) fares as `fates` says, then expires unanswered.
    The mentor's streak counts exactly the windows whose offers reached them; they are paused (for lapses) at the
    third such window and never otherwise: never when none of their offers reached them."""
    community = f"s32:{uuid.uuid4().hex[:10]}"
    bot = MentorBot(store, library, make_settings(), clock, worker_id="lapses")

    def who(name: str) -> Caller:
        return Caller(community, f"U-{name}", name.capitalize())

    baraka = who("baraka")
    assert (await bot.signup(baraka, skills="copywriting", levels="expert", capacity="10")).error is None
    pending: list[Notification] = []
    reached_windows = 0
    for window, fate in enumerate(fates):
        asked = await bot.request(who(f"mentee{window}"), skills="copywriting")
        offers = live_offers([*pending, *asked.notifications], baraka)
        assert offers, "every window offers the mentor at least the new request"
        await apply_fate(bot, baraka, offers, fate, clock)
        clock.advance(timedelta(hours=48, minutes=1))
        produced = await bot.run_due_jobs(communities=[community])
        pending = live_offers(produced, baraka)
        reached_windows += fate in REACHED
        profile = await mentor_profile(bot, baraka)
        paused = reached_windows >= bot.core.settings.max_expired_offers
        assert profile.expired_streak == reached_windows, (fates[: window + 1], profile)
        assert (profile.status is MentorStatus.PAUSED) is paused, (fates[: window + 1], profile)
        told = {n.key: n.reply.text for n in to(produced, "baraka") if n.key is not None}
        # Baraka is the only mentor: each request is back on the waitlist (and he may take it after all while not
        # paused); the window's one counted lapse that leaves him one short of the pause warns him.
        key = "offer.expired_unsent_waiting" if fate in UNREACHED else "offer.expired_waiting"
        warn = fate in REACHED and not paused and reached_windows == bot.core.settings.max_expired_offers - 1
        warned = 0
        for note in offers:
            offer = await store.get_offer(offer_id(note))
            assert offer is not None
            if offer.status is OfferStatus.WITHDRAWN:  # the lapse that pauses withdraws the mentor's other offers
                assert paused and offer.reason_kind == "paused"
                continue
            assert offer.status is OfferStatus.EXPIRED
            assert (offer.reason_kind == UNDELIVERED) is (fate in UNREACHED), (fate, offer)
            expected = EN(key, id=offer.id)
            if not paused:
                expected += " " + EN("offer.take_it_after_all", id=offer.id)
            text = told[f"offer:{offer.id}"]
            assert text in (expected, f"{expected}\n{EN('offer.lapse_warning')}"), (fate, told)
            warned += text.endswith(EN("offer.lapse_warning"))
        assert warned == int(warn), (fates[: window + 1], told)
        if paused:
            assert profile.pause_reason == "expired_offers"
            break
    if not any(f in REACHED for f in fates):
        assert (await mentor_profile(bot, baraka)).status is MentorStatus.ACTIVE


async def test_a_platform_gone_for_a_week_pauses_no_mentor(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    """The hunter's repro without a platform: three mentors, eight members asking, and from then on every DM is held
    (what an adapter does when the platform refuses the bot itself). A week of timer rounds expires offer after offer,
    each handed on to the next mentor; nobody is paused, nobody's streak moves, and each mentor is told of each offer
    that it expired before it could reach them, and truthfully what became of its request: passed on (to another
    mentor, offered in that very round) or back on the waitlist (with how to take it after all). Erin, who signs up
    once every request is offered or waits, has room left for requests the others' expiries hand on."""
    mentors = [who(n) for n in ("bob", "dave", "carol")]
    for mentor in mentors:
        await bot.signup(mentor, skills="seo", levels="expert", capacity="2")
    made: list[Notification] = []
    for i in range(8):
        made.extend((await bot.request(who(f"mentee{i}"), skills="seo")).notifications)
    mentors.append(who("erin"))
    made.extend((await bot.signup(mentors[-1], skills="seo", levels="expert", capacity="4")).notifications)
    told: list[tuple[str, str]] = []
    for _ in range(7 * 24):  # rounds every hour for a week
        for note in made:
            await bot.hold_undelivered(note)
        clock.advance(timedelta(hours=1))
        made = await bot.run_due_jobs()
        for note in made:
            if not (note.key and note.key.startswith("offer:")) or note.reply.buttons:
                continue
            told.append((note.key, note.reply.text))
            number = int(note.key.removeprefix("offer:"))
            if note.reply.text == EN("offer.expired_unsent_notice", id=number):
                expired = await bot.store.get_offer(number)
                assert expired is not None
                again = await bot.store.list_offers(request_id=expired.request_id)
                assert any(o.mentor_id != expired.mentor_id and o.created_at == clock.now() for o in again), (
                    "passed on only when another mentor was offered it"
                )
    for mentor in mentors:
        profile = await mentor_profile(bot, mentor)
        assert (profile.status, profile.expired_streak, profile.pause_reason) == (MentorStatus.ACTIVE, 0, None)
    assert len(told) >= 9, "offers expired, each handed on"

    def outcomes(offer: int) -> tuple[str, str]:
        waiting = EN("offer.expired_unsent_waiting", id=offer) + " " + EN("offer.take_it_after_all", id=offer)
        return EN("offer.expired_unsent_notice", id=offer), waiting

    assert all(text in outcomes(int(key.removeprefix("offer:"))) for key, text in told), told
    assert any(text == outcomes(int(key.removeprefix("offer:")))[0] for key, text in told), "some were passed on"
    expired = await bot.store.list_offers(status=OfferStatus.EXPIRED)
    assert expired and all(o.reason_kind == UNDELIVERED for o in expired)
    waiting = await bot.store.list_requests(COMMUNITY, [RequestStatus.WAITING, RequestStatus.OFFERED])
    assert len(waiting) == 8, "every request is still open: handed on, or waiting"


async def test_the_unsent_notice_is_in_swahili_too(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    await bot.signup(who("baraka"), skills="seo")
    await bot.set_language(who("baraka"), language="sw")
    [offer] = to(await bot.request(who("amina"), skills="seo"), "baraka")
    await bot.hold_undelivered(offer)
    clock.advance(timedelta(hours=48, minutes=1))
    notes = to(await bot.run_due_jobs(), "baraka")
    number = offer_id(offer)
    waiting = SW("offer.expired_unsent_waiting", id=number) + " " + SW("offer.take_it_after_all", id=number)
    assert [n.reply.text for n in notes] == [waiting], "the only mentor: back on the waitlist"
    for key in ("offer.expired_unsent_notice", "offer.expired_unsent_waiting", "offer.take_it_after_all"):
        assert SW(key, id=1) != EN(key, id=1)


async def test_an_offer_held_then_shown_counts_but_one_only_held_does_not(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """Two mentors' offers are held (DMs failing); one of them runs a command and so reads theirs. At expiry only
    that one is counted."""
    await bot.signup(who("baraka"), skills="seo", levels="expert")
    await bot.signup(who("chao"), skills="copywriting", levels="expert")
    [to_baraka] = to(await bot.request(who("amina"), skills="seo"), "baraka")
    [to_chao] = to(await bot.request(who("dede"), skills="copywriting"), "chao")
    await bot.hold_undelivered(to_baraka)
    await bot.hold_undelivered(to_chao)
    shown = await bot.status(who("baraka"))
    assert [h.title for h in shown.held] == [to_baraka.reply.title]
    clock.advance(timedelta(hours=48, minutes=1))
    await bot.run_due_jobs()
    assert (await mentor_profile(bot, who("baraka"))).expired_streak == 1
    assert (await mentor_profile(bot, who("chao"))).expired_streak == 0
    seen, unseen = await bot.store.get_offer(offer_id(to_baraka)), await bot.store.get_offer(offer_id(to_chao))
    assert seen is not None and seen.reason_kind is None
    assert unseen is not None and unseen.reason_kind == UNDELIVERED


async def test_an_unsent_offer_is_offered_again_when_no_one_else_can_take_it(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """Baraka's offer of Amina's request never reached him and expired; the request goes back on the waitlist (he is
    the only mentor of the skill). Once the hand-on's minute is over, the sweep offers it to him again: the cooldown
    of an offer he never saw is lifted when no one else is eligible (session 33: it keeps him out while another
    mentor can take it, `test_unsent_cooldown_s33.py`)."""
    await bot.signup(who("baraka"), skills="seo", levels="expert")
    [offer] = to(await bot.request(who("amina"), skills="seo"), "baraka")
    await bot.hold_undelivered(offer)
    clock.advance(timedelta(hours=48, minutes=1))
    expired = to(await bot.run_due_jobs(), "baraka")
    assert not [n for n in expired if n.reply.buttons], "not handed straight back to him (the hand-on's grace)"
    clock.advance(timedelta(minutes=11))  # past the hand-on's grace and the sweep's interval
    again = to(await bot.run_due_jobs(), "baraka")
    assert [n for n in again if n.reply.buttons], "offered again: an unsent offer is no lapse of his"


async def test_the_digest_names_no_mentor_for_an_offer_that_never_reached_them(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """The admins' digest lists mentors whose offers lapsed: an offer held (never shown) is not theirs to answer."""
    start = clock.now()
    await bot.signup(who("baraka"), skills="seo", levels="expert")
    await bot.signup(who("chao"), skills="copywriting", levels="expert")
    [unseen] = to(await bot.request(who("amina"), skills="seo"), "baraka")
    await bot.request(who("bahati"), skills="copywriting")  # Chao's offer: taken by the platform, ignored
    await bot.hold_undelivered(unseen)
    clock.advance(timedelta(hours=48, minutes=1))
    await bot.run_due_jobs()
    digest = await bot.store.week_digest(COMMUNITY, start, clock.now() + timedelta(seconds=1))
    named = {lapse.name for lapse in digest.lapses}
    assert named == {"Chao"}, named
