"""Rules no test pinned until session 34's mutation testing (each survived a mutant with the whole suite green):
only lapses *in a row* pause a mentor, so an accept, a decline and a resume after the auto-pause each start the
streak again (SPEC: paused after `MENTORBOT_MAX_EXPIRED_OFFERS` expired offers in a row); and of two mentors
alike in every other way, the one who speaks the mentee's language is offered the request (SPEC, matching:
ranked by language match; the tests before only checked that the score's three forms agree with each other)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.models import Member, MentorStatus
from tests.usecases.conftest import COMMUNITY, offer_id, to

Who = Callable[..., Caller]


async def three_offers_to_sleepy(bot: MentorBot, who: Who) -> Member:
    """A mentor with room for five, and three requests in their skill, each offered to them."""
    await bot.signup(who("sleepy"), skills="copywriting", levels="expert", capacity="5")
    for name in ("a", "b", "c"):
        assert to(await bot.request(who(name), skills="copywriting"), "sleepy")
    member = await bot.store.find_member(COMMUNITY, "U-sleepy")
    assert member is not None
    return member


async def lapse(bot: MentorBot, clock: ManualClock) -> None:
    clock.advance(timedelta(hours=48))
    await bot.run_due_jobs()


async def streak(bot: MentorBot, member: Member) -> int:
    profile = await bot.store.get_mentor_profile(member.id)
    assert profile is not None
    return profile.expired_streak


async def test_an_accept_starts_the_streak_again(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    member = await three_offers_to_sleepy(bot, who)
    await lapse(bot, clock)
    assert await streak(bot, member) == 1
    offers = [offer_id(n) for n in to(await bot.resume(who("sleepy")), "sleepy")]
    assert offers
    await bot.accept(who("sleepy"), offer_id=offers[0])
    assert await streak(bot, member) == 0, "an answer ends the run of lapses"


async def test_a_decline_starts_the_streak_again(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    member = await three_offers_to_sleepy(bot, who)
    await lapse(bot, clock)
    assert await streak(bot, member) == 1
    offers = [offer_id(n) for n in to(await bot.resume(who("sleepy")), "sleepy")]
    assert offers
    await bot.decline(who("sleepy"), offer_id=offers[0], reason="busy this week")
    assert await streak(bot, member) == 0, "an answer ends the run of lapses"


async def test_a_resume_after_the_auto_pause_starts_a_new_streak(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    member = await three_offers_to_sleepy(bot, who)
    for _ in range(3):
        await lapse(bot, clock)
        profile = await bot.store.get_mentor_profile(member.id)
        assert profile is not None
        if profile.status is MentorStatus.ACTIVE:
            await bot.resume(who("sleepy"))
    profile = await bot.store.get_mentor_profile(member.id)
    assert profile is not None and profile.status is MentorStatus.PAUSED
    assert profile.pause_reason == "expired_offers"
    await bot.resume(who("sleepy"))
    assert await streak(bot, member) == 0
    await lapse(bot, clock)  # one lapse after coming back is the first of a new run
    profile = await bot.store.get_mentor_profile(member.id)
    assert profile is not None and profile.status is MentorStatus.ACTIVE


async def test_the_mentor_who_speaks_the_mentees_language_is_offered_first(bot: MentorBot, who: Who) -> None:
    # Zed signs up first (the older profile wins a tie) and speaks English only; Ama speaks Swahili too.
    await bot.signup(who("zed"), skills="seo", levels="expert", capacity="2", languages="en")
    await bot.signup(who("ama"), skills="seo", levels="expert", capacity="2", languages="en,sw")
    await bot.set_language(who("mwana"), language="sw")
    asked = await bot.request(who("mwana"), skills="seo")
    assert len(to(asked, "ama")) == 1 and not to(asked, "zed")
