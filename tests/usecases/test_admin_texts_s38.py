"""Session 38: four untrue texts around admin actions (both engines; the race on PostgreSQL).

- An admin matched request #1 directly to the mentor who held its offer; the mentor then clicked Accept (or the
  click raced the match) and was told "Offer #1 was withdrawn." though they now mentor that member through it.
- A pause (an admin's, the mentor's own) said "Your pending offer was withdrawn and passed on:" above "request #1:
  back on the waitlist", and the admin was told "Their pending offer was withdrawn and passed on.".
- A match closed the same mentee's request #2 as covered by the new mentorship, and the matched mentor's own offer
  of it was withdrawn with "the request was cancelled or matched elsewhere": nothing happened elsewhere.
- `/mentor-admin end` answered the admin with a party's words, "Mentorship #1 has ended. Thank you!"."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.library import Library
from mentorbot.storage.store import Store
from tests.storage.interleave import Interleave, second_bot
from tests.usecases.conftest import COMMUNITY, make_settings, offer_id, to

Who = Callable[..., Caller]
EN = translator("en")


def held_offer(outcome: object, name: str) -> int:
    [note] = [n for n in to(outcome, name) if n.reply.buttons]  # type: ignore[arg-type]
    return offer_id(note)


# ----------------------------------------------------------------- an answer to an offer an admin matched directly


async def test_an_accept_or_decline_after_an_admin_matched_the_holder_says_they_were_matched(
    bot: MentorBot, who: Who
) -> None:
    await bot.admin_stats(who("admin"))
    await bot.signup(who("baraka"), skills="seo")
    oid = held_offer(await bot.request(who("amina"), skills="seo"), "baraka")
    matched = await bot.admin_match(who("admin"), request_id=1, mentor="baraka")
    assert matched.error is None, matched.reply.text
    [mentorship] = await bot.store.list_mentorships(community=COMMUNITY)

    late = await bot.accept(who("baraka"), offer_id=oid)
    assert "withdrawn" not in late.reply.text, late.reply.text
    assert late.reply.text == EN("offer.matched_directly", id=oid, mentorship=mentorship.id)
    assert late.notifications == ()
    declined = await bot.decline(who("baraka"), offer_id=oid)
    assert "withdrawn" not in declined.reply.text, declined.reply.text
    assert declined.reply.text == EN("offer.matched_directly_decline", id=oid, mentorship=mentorship.id)
    [still] = await bot.store.list_mentorships(community=COMMUNITY)
    assert still.status is mentorship.status, "a decline ends nothing"


async def test_an_offer_withdrawn_by_a_match_to_another_mentor_is_still_said_withdrawn(
    bot: MentorBot, who: Who
) -> None:
    await bot.admin_stats(who("admin"))
    await bot.signup(who("baraka"), skills="seo")
    oid = held_offer(await bot.request(who("amina"), skills="seo"), "baraka")
    await bot.signup(who("dina"), skills="seo")
    assert (await bot.admin_match(who("admin"), request_id=1, mentor="dina")).error is None
    assert (await bot.accept(who("baraka"), offer_id=oid)).reply.text == EN("offer.already_withdrawn", id=oid)
    assert (await bot.decline(who("baraka"), offer_id=oid)).reply.text == EN("offer.already_withdrawn", id=oid)


postgres_only = pytest.mark.parametrize(
    "engine_store", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)


@pytest.fixture
def race_bot(store: Store, library: Library, clock: ManualClock) -> MentorBot:
    return MentorBot(store, library, make_settings(), clock, worker_id="p1")


@postgres_only
async def test_an_accept_racing_the_admin_match_to_the_same_mentor_says_they_were_matched(
    race_bot: MentorBot, who: Who
) -> None:
    """The accept read the offer still pending; the admin's match (another process) committed before the store's
    accept, which then found it withdrawn."""
    bot = race_bot
    await bot.admin_stats(who("admin"))
    await bot.signup(who("baraka"), skills="seo")
    oid = held_offer(await bot.request(who("amina"), skills="seo"), "baraka")
    other = await second_bot(bot)
    try:
        hook = Interleave(
            bot.store, "get_offer", lambda: other.admin_match(who("admin"), request_id=1, mentor="baraka")
        )
        accepted = await bot.accept(who("baraka"), offer_id=oid)
        hook.undo()
        admin = await hook.result()
    finally:
        await other.store.close()
    assert hook.finished_inside and admin.error is None, admin.reply.text
    [mentorship] = await bot.store.list_mentorships(community=COMMUNITY)
    assert mentorship.by_admin
    assert accepted.reply.text == EN("offer.matched_directly", id=oid, mentorship=mentorship.id)


# ------------------------------------------------------------------------------------ a pause's withdrawn offers


async def test_an_admin_pause_says_what_became_of_each_request_and_counts_them_for_the_admin(
    bot: MentorBot, who: Who
) -> None:
    await bot.admin_stats(who("admin"))
    await bot.signup(who("dina"), skills="seo", capacity=1)
    await bot.request(who("amina"), skills="seo")
    paused = await bot.admin_pause(who("admin"), mentor="dina")
    [notice] = [n for n in to(paused, "dina") if n.key is None]
    assert "passed on" not in notice.reply.text, notice.reply.text
    assert "Your pending offer was withdrawn:\n• request #1: back on the waitlist" in notice.reply.text
    assert "passed on" not in paused.reply.text, paused.reply.text
    assert paused.reply.text == (
        "Dina is paused and has been told.\nTheir pending offer was withdrawn: 1 request back on the waitlist."
    )


async def test_a_pause_of_two_offers_counts_each_outcome(bot: MentorBot, who: Who) -> None:
    await bot.admin_stats(who("admin"))
    await bot.signup(who("m1"), skills="seo", levels="expert", capacity="2")
    await bot.signup(who("m2"), skills="seo", levels="learning", capacity="1")
    assert to(await bot.request(who("a1"), skills="seo"), "m1")
    assert to(await bot.request(who("a2"), skills="seo"), "m1")
    paused = await bot.admin_pause(who("admin"), mentor="m1")
    assert paused.reply.text.endswith(
        "Their 2 pending offers were withdrawn: 1 request passed on to another mentor and"
        " 1 request back on the waitlist."
    ), paused.reply.text
    [notice] = [n for n in to(paused, "m1") if n.key is None]
    assert "Your 2 pending offers were withdrawn:\n• request #1: passed on to another mentor\n" in notice.reply.text
    assert [n.key for n in to(paused, "m1")] == [None, "offer:1", "offer:2"]
    assert to(paused, "m2") and to(paused, "a2"), "the requests were handed on, as before"


async def test_a_mentors_own_pause_says_withdrawn_not_passed_on(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("dina"), skills="seo", capacity=1)
    await bot.request(who("amina"), skills="seo")
    paused = await bot.pause(who("dina"))
    assert "Your pending offer was withdrawn:\n• request #1: back on the waitlist" in paused.reply.text
    assert "passed on" not in paused.reply.text, paused.reply.text


# -------------------------------------------------------------- the matched mentor's offer of a request now covered


async def test_an_admin_match_closing_a_request_the_mentor_held_says_it_is_covered(bot: MentorBot, who: Who) -> None:
    await bot.admin_stats(who("admin"))
    await bot.signup(who("dina"), skills="seo, copywriting", capacity=1)
    assert to(await bot.request(who("amina"), skills="seo, copywriting"), "dina")
    await bot.signup(who("baraka"), skills="seo, copywriting", capacity=2)
    assert to(await bot.request(who("amina"), skills="seo"), "baraka")
    matched = await bot.admin_match(who("admin"), request_id=1, mentor="baraka")
    assert matched.error is None, matched.reply.text
    [note] = [n for n in to(matched, "baraka") if n.key == "offer:2"]
    assert "matched elsewhere" not in note.reply.text, note.reply.text
    assert note.reply.text == EN("offer.withdrawn_covered", id=2, mentorship=1)
    [dina] = [n for n in to(matched, "dina") if n.key == "offer:1"]
    assert dina.reply.text == EN("offer.withdrawn", id=1), "another mentor's offer: withdrawn, as before"
    assert matched.reply.text == (
        "Request #1 is matched with Baraka (mentorship #1); both have been introduced."
        " Dina's offer #1 of it was withdrawn, and they were told."
        " Also closed, as the mentorship covers it: request #2 (Baraka's offer #2 withdrawn)."
    ), matched.reply.text


async def test_an_accept_closing_a_request_the_mentor_held_says_it_is_covered(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("baraka"), skills="seo, copywriting", capacity=2)
    oid = held_offer(await bot.request(who("amina"), skills="seo, copywriting"), "baraka")
    assert to(await bot.request(who("amina"), skills="seo"), "baraka")
    accepted = await bot.accept(who("baraka"), offer_id=oid)
    [note] = [n for n in to(accepted, "baraka") if n.key == "offer:2"]
    assert note.reply.text == EN("offer.withdrawn_covered", id=2, mentorship=1)
    assert "Offer #2 was withdrawn: you now mentor this member (mentorship #1)" in note.reply.text


# ------------------------------------------------------------------------------------------------ an admin's end


async def test_an_admin_end_tells_the_admin_who_was_told(bot: MentorBot, who: Who) -> None:
    await bot.admin_stats(who("admin"))
    await bot.signup(who("dina"), skills="seo")
    await bot.accept(who("dina"), offer_id=held_offer(await bot.request(who("amina"), skills="seo"), "dina"))
    ended = await bot.admin_end(who("admin"), mentorship_id=1)
    assert {n.platform_user_id for n in ended.notifications} >= {"U-dina", "U-amina"}
    assert "Thank you" not in ended.reply.text, ended.reply.text
    assert ended.reply.text == (
        "Mentorship #1 (Dina mentoring Amina) has ended; both were told and asked for their feedback."
    )


@pytest.mark.parametrize("lang", ["en", "sw"])
async def test_an_auto_pause_does_not_say_passed_on_beside_back_on_the_waitlist(
    store: Store, library: Library, clock: ManualClock, lang: str
) -> None:
    """The same untrue header as a pause's, in the auto-pause for lapses: "…and passed on what you held" over
    "• request #1: back on the waitlist" when the mentor was the only one."""
    from datetime import timedelta

    bot = MentorBot(store, library, make_settings(max_expired_offers=1), clock, worker_id="w")
    dina = Caller(COMMUNITY, "U-dina", "Dina")
    assert (await bot.signup(dina, skills="seo", levels="expert", capacity="1")).error is None
    assert (await bot.set_language(dina, language=lang)).error is None
    await bot.request(Caller(COMMUNITY, "U-amina", "Amina"), skills="seo")
    clock.advance(timedelta(hours=bot.settings.offer_ttl_hours, minutes=1))
    notes = await bot.run_due_jobs()
    t = translator(lang)
    [paused] = [n.reply.text for n in to(notes, "dina") if n.reply.text.startswith(t("pause.for_expiry", count=1))]
    assert t("pause.request_waiting", id=1) in paused
    assert "passed on what you held" not in paused and "tumepeleka mbele" not in paused
