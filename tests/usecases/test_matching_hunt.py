"""A matching hunt (docs/matching.md, rules 1, 4, 8 and 14): a mentor back by accepting an offer or updating their
profile is offered the requests they let lapse at once; the wait reason of paused mentors who excluded the member or
are on cooldown for them, and of a paused mentor who gains a skill; a member already mentored in a skill asks for it
again."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.models import RequestStatus
from mentorbot.usecases.matchmaking import cohort
from tests.usecases.conftest import COMMUNITY, offer_id, to

Who = Callable[..., Caller]
ADMIN = {"is_admin": True}


async def offered_to(bot: MentorBot, name: str) -> list[int]:
    """The request ids of `name`'s pending offers."""
    member = await bot.store.find_member(COMMUNITY, f"U-{name}")
    assert member is not None
    return [o.request_id for o in await bot.store.list_offers(mentor_id=member.id) if o.status.value == "pending"]


async def reason_of(bot: MentorBot, request_id: int) -> dict[str, object]:
    request = await bot.store.get_request(request_id)
    assert request is not None and request.status is RequestStatus.WAITING, request
    data = json.loads(request.wait_reason or "{}")
    assert isinstance(data, dict)
    return data


async def lapse(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    """m1 (SEO and copywriting, 3 places) lets a1's SEO offer expire: a1 waits on m1's lapse cooldown."""
    await bot.signup(who("m1"), skills="seo, copywriting", capacity="3")
    await bot.request(who("a1"), skills="seo")
    clock.advance(timedelta(hours=49))
    await bot.run_due_jobs()
    assert await offered_to(bot, "m1") == []
    assert (await reason_of(bot, 1))["key"] == "wait.all_cooldown"
    clock.advance(timedelta(hours=1))


# ------------------------------------------------------------------ rule 4: back by accepting or by a profile update


async def test_a_mentor_back_by_accepting_an_offer_is_offered_the_lapsed_request_at_once(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """Accepting is a sign of being back (rule 4): the request m1 let lapse, whose only mentor they are, is offered
    to them at once, before a newer request can take the place (rule 8)."""
    await lapse(bot, who, clock)
    second = await bot.request(who("a2"), skills="copywriting")
    accepted = await bot.accept(who("m1"), offer_id=offer_id(to(second, "m1")[0]))
    assert await offered_to(bot, "m1") == [1]
    assert to(accepted, "a1"), "a1 is told their request is offered"
    clock.advance(timedelta(minutes=2))
    await bot.request(who("a3"), skills="seo")
    assert await offered_to(bot, "m1") == [1, 3]


async def test_a_mentor_back_by_updating_their_profile_is_offered_the_lapsed_request_at_once(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    await lapse(bot, who, clock)
    await bot.signup(who("m1"), skills=None, bio="Back from holiday!")
    assert await offered_to(bot, "m1") == [1]


async def test_marking_a_mentor_back_says_whether_a_lapse_of_theirs_was_lifted(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """What keeps an accept cheap: only a mentor with a lapse whose request still waits needs the waitlist tried."""
    await bot.signup(who("m1"), skills="seo, copywriting", capacity="3")
    m1 = await bot.store.find_member(COMMUNITY, "U-m1")
    assert m1 is not None
    since = clock.now() - timedelta(days=bot.settings.reoffer_after_days)
    assert await bot.store.mark_back(m1.id, clock.now(), lapsed_since=since) is False
    await lapse_only(bot, who, clock)
    now = clock.now()
    since = now - timedelta(days=bot.settings.reoffer_after_days)
    assert await bot.store.mark_back(m1.id, now, lapsed_since=since) is True
    assert await bot.store.mark_back(m1.id, now, lapsed_since=now) is False, "a lapse older than the cooldown"


async def lapse_only(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    await bot.request(who("a1"), skills="seo")
    clock.advance(timedelta(hours=49))
    await bot.run_due_jobs()
    clock.advance(timedelta(hours=1))


# ---------------------------------------------------------------------- rule 14: paused mentors and the reason told


async def test_a_paused_mentor_who_excluded_the_member_is_not_told_as_coming_back(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("m1"), skills="seo")
    out = await bot.request(who("amina"), skills="seo")
    await bot.decline(who("m1"), offer_id=offer_id(to(out, "m1")[0]), reason="not a fit")
    await bot.pause(who("m1"))
    assert (await reason_of(bot, 1))["key"] == "wait.all_excluded"
    status = await bot.status(who("amina"))
    assert "paused" not in status.reply.plain_text
    await bot.cancel(who("amina"))
    again = await bot.request(who("amina"), skills="seo")
    assert (await reason_of(bot, 2))["key"] == "wait.all_excluded"
    assert "paused" not in again.reply.text


async def test_a_paused_mentor_on_cooldown_for_the_member_gives_the_cooldown_and_its_date(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    await bot.signup(who("m1"), skills="seo")
    out = await bot.request(who("amina"), skills="seo")
    await bot.decline(who("m1"), offer_id=offer_id(to(out, "m1")[0]))
    await bot.pause(who("m1"))
    reason = await reason_of(bot, 1)
    assert reason["key"] == "wait.all_cooldown"
    until = clock.now() + timedelta(days=bot.settings.reoffer_after_days)
    assert reason["until"] == until.isoformat()


async def test_a_paused_mentor_whose_lapse_lifts_on_return_is_still_coming_back(bot: MentorBot, who: Who) -> None:
    """A pause withdrawal is a lapse: back from the pause, the mentor is offered the request at once (rule 4)."""
    await bot.signup(who("m1"), skills="seo")
    await bot.request(who("amina"), skills="seo")
    await bot.pause(who("m1"))
    assert (await reason_of(bot, 1))["key"] == "wait.all_paused"


async def test_a_paused_mentor_who_gains_a_skill_refreshes_the_wait_reason(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("m1"), skills="copywriting")
    await bot.pause(who("m1"))
    await bot.request(who("amina"), skills="seo")
    assert (await reason_of(bot, 1))["key"] == "wait.no_mentor"
    await bot.signup(who("m1"), skills="copywriting, seo")
    assert (await reason_of(bot, 1))["key"] == "wait.all_paused"
    status = await bot.status(who("amina"))
    assert "No mentor offers SEO" not in status.reply.plain_text


# ----------------------------------------------------------------- rule 1: a member's own mentor, a repeated request


async def mentored_in_seo(bot: MentorBot, who: Who) -> None:
    """Baraka (SEO and copywriting, expert) mentors Amina in SEO (mentorship #1); Dina mentors SEO too."""
    await bot.signup(who("baraka"), skills="seo, copywriting", levels="expert", capacity=3)
    await bot.signup(who("dina"), skills="seo", levels="learning", capacity=3)
    offered = await bot.request(who("amina"), skills="seo")
    await bot.accept(who("baraka"), offer_id=offer_id(to(offered, "baraka")[0]))


async def test_a_request_for_skills_an_active_mentorship_covers_is_refused(bot: MentorBot, who: Who) -> None:
    await mentored_in_seo(bot, who)
    again = await bot.request(who("amina"), skills="seo")
    assert again.reply.text.startswith("Mentorship #1 with <@U-baraka> already covers SEO.")
    assert "/mentor end 1" in again.reply.text, again.reply.text
    assert again.notifications == ()
    member = await bot.store.find_member(COMMUNITY, "U-amina")
    assert member is not None
    assert [r.id for r in await bot.store.list_member_requests(member.id, open_only=True)] == []
    assert len(await bot.store.list_mentorships(community=COMMUNITY, active_only=True)) == 1
    await bot.set_language(who("amina"), language="sw")
    swahili = await bot.request(who("amina"), skills="seo")
    assert swahili.reply.text.startswith("Uhusiano wa ushauri #1 na <@U-baraka>"), swahili.reply.text


async def test_a_request_beyond_the_mentorship_goes_to_another_mentor(bot: MentorBot, who: Who) -> None:
    await mentored_in_seo(bot, who)
    more = await bot.request(who("amina"), skills="seo, copywriting")
    assert to(more, "baraka") == [], "never offered to the mentor who mentors the member now"
    assert len(to(more, "dina")) == 1


async def test_the_own_mentor_is_never_offered_the_request_live_in_the_sweep_or_in_a_round(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    await bot.signup(who("baraka"), skills="seo, copywriting", levels="expert", capacity=3)
    offered = await bot.request(who("amina"), skills="seo")
    await bot.accept(who("baraka"), offer_id=offer_id(to(offered, "baraka")[0]))
    more = await bot.request(who("amina"), skills="copywriting")
    assert more.notifications == ()
    assert "already mentors you" in more.reply.text, more.reply.text
    assert (await reason_of(bot, 2))["key"] == "wait.own_mentor"
    clock.advance(timedelta(days=4))
    await bot.run_due_jobs()
    assert await offered_to(bot, "baraka") == []
    assert not cohort(bot.core)
    done = await bot.admin_round(who("admin", **ADMIN))
    assert "0 offers sent" in done.reply.text and "own mentor is the only one" in done.reply.text, done.reply.text
    assert await offered_to(bot, "baraka") == []
    waitlist = await bot.admin_waitlist(who("admin", **ADMIN))
    assert "already mentors" in waitlist.reply.plain_text
    # The mentorship ends: the place it frees goes to the request, now that Baraka no longer mentors Amina.
    ended = await bot.end(who("amina"), mentorship_id=1)
    assert to(ended, "baraka"), ended
    assert await offered_to(bot, "baraka") == [2]
