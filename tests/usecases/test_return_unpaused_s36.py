"""Session 36: a mentor who left the community (paused with the reason `models.LEFT_COMMUNITY`) and comes back
(`MentorBot.member_back`, or any command of theirs) is no longer "left": their profile stays paused, as an ordinary
pause they lift with `/mentor resume` (no reason: `/mentor status` says "`/mentor resume` when you're ready"); the
waiting requests whose reason the return makes untrue are told afresh why they wait; the stats count them as
paused; they are told once, in their language, that they are paused and how to resume. On both engines.

Before: the profile stayed paused as "left" after the return (stats: "1 left the community"; a skill only they
mentor waited "No mentor offers SEO yet"), and for a mentor without mentorships nothing noticed the return at all
(the marker a command looks up, ``departed:<id>``, was written only when a partner was told)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import Translator, translator
from mentorbot.models import LEFT_COMMUNITY, MentorProfile, MentorStatus
from tests.usecases.conftest import COMMUNITY, to

Who = Callable[..., Caller]
EN = translator("en")
SW = translator("sw")


def _welcome(t: Translator, *bullets: str) -> str:
    return "\n".join([t("left.back.you_back"), *("• " + b for b in bullets)])


async def _code(bot: MentorBot, request_id: int) -> str:
    """The code of a waiting request's stored wait reason (``no_mentor``, ``all_paused``…)."""
    request = await bot.store.get_request(request_id)
    assert request is not None and request.wait_reason is not None
    return str(json.loads(request.wait_reason)["key"]).rpartition(".")[2]


async def _profile(bot: MentorBot, name: str) -> MentorProfile:
    profile = await bot.mentor_profile(COMMUNITY, f"U-{name}")
    assert profile is not None
    return profile


async def test_a_mentor_with_no_mentorship_back_by_the_platform_is_paused_as_usual(bot: MentorBot, who: Who) -> None:
    """Baraka, SEO's only mentor, with no mentorship, left (his notice reached him); Amina's request waits "no
    mentor offers SEO". His account comes back: he is paused, no longer as one who left; Amina's request now waits
    for a paused mentor; the stats count him paused; he is told once how to resume; `/mentor resume` offers him
    Amina's request."""
    await bot.signup(who("baraka"), skills="seo", capacity=2)
    left = await bot.member_left(COMMUNITY, "U-baraka")
    await bot.delivered(left)
    assert (await bot.request(who("amina"), skills="seo")).error is None
    assert await _code(bot, 1) == "no_mentor"

    back = await bot.member_back(COMMUNITY, "U-baraka", "Baraka")
    profile = await _profile(bot, "baraka")
    assert (profile.status, profile.pause_reason, profile.paused_until) == (MentorStatus.PAUSED, None, None)
    assert await _code(bot, 1) == "all_paused"
    stats = await bot.store.stats(COMMUNITY)
    assert (stats.mentors_active, stats.mentors_paused, stats.mentors_left) == (0, 1, 0)
    [told] = to(back, "baraka")
    assert told.reply.text == _welcome(EN, EN("left.you_paused"))
    assert told.outbox_id is not None
    assert await bot.member_back(COMMUNITY, "U-baraka", "Baraka") == [], "told once"

    status = await bot.status(who("baraka"))
    assert status.notifications == () and status.held == ()
    text = status.reply.plain_text
    assert EN("status.resume_ready") in text and EN("status.paused_left") not in text
    resumed = await bot.resume(who("baraka"))
    assert resumed.error is None and len(to(resumed, "baraka")) == 1, "offered Amina's request"


async def test_a_mentor_back_by_a_command_sees_the_held_notice_once_in_swahili(bot: MentorBot, who: Who) -> None:
    """Baraka (Swahili, a mentor with a request of his own) left; the notice could not reach him (held). His next
    command does not show it ("you're no longer a member" to someone back): it is superseded by one welcome back
    that says he is paused and how to resume, and that his request was cancelled (the held notice's lines), and the
    next command writes no second one; the return is noticed although he had no mentorship."""
    await bot.signup(who("baraka"), skills="seo", capacity=2)
    assert (await bot.set_language(who("baraka"), language="sw")).error is None
    assert (await bot.request(who("baraka"), skills="copywriting")).error is None
    [notice] = to(await bot.member_left(COMMUNITY, "U-baraka"), "baraka")
    await bot.hold_undelivered(notice, refused=True)

    seen = await bot.status(who("baraka"))
    assert seen.error is None
    cancelled = SW("left.you_cancelled", ids="#1")
    assert seen.held == ()
    assert [n.reply.text for n in to(seen, "baraka")] == [_welcome(SW, SW("left.you_paused"), cancelled)]
    profile = await _profile(bot, "baraka")
    assert (profile.status, profile.pause_reason) == (MentorStatus.PAUSED, None)
    again = await bot.status(who("baraka"))
    assert again.held == () and again.notifications == ()


async def test_a_mentor_back_by_a_command_with_no_notice_left_is_told_by_a_new_one(bot: MentorBot, who: Who) -> None:
    """The departure notice reached Baraka; his first command after the return writes one notice saying he is
    paused and how to resume; the next writes none."""
    await bot.signup(who("baraka"), skills="seo", capacity=2)
    await bot.delivered(await bot.member_left(COMMUNITY, "U-baraka"))
    seen = await bot.request(who("baraka"), skills="copywriting")
    assert seen.error is None
    assert [n.reply.text for n in to(seen, "baraka")] == [_welcome(EN, EN("left.you_paused"))]
    assert (await _profile(bot, "baraka")).pause_reason is None
    assert to(await bot.status(who("baraka")), "baraka") == []


async def test_a_request_told_no_other_mentor_is_told_afresh_when_the_mentor_is_back(bot: MentorBot, who: Who) -> None:
    """Amina mentors SEO herself and asks for SEO while Baraka, its other mentor, is gone: "no other mentor offers
    it". Baraka back: SEO's other mentor is paused."""
    await bot.signup(who("baraka"), skills="seo", capacity=2)
    await bot.delivered(await bot.member_left(COMMUNITY, "U-baraka"))
    await bot.signup(who("amina"), skills="seo", capacity=2)
    assert (await bot.request(who("amina"), skills="seo")).error is None
    assert await _code(bot, 1) == "no_other_mentor"
    await bot.status(who("baraka"))
    assert await _code(bot, 1) == "all_paused"


async def test_a_mentor_left_before_this_change_is_noticed_after_the_pruning(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """A mentor paused as one who left by an earlier version (no ``departed:`` row): the pruning writes it and keeps
    it while they are paused so, days later, their command is a return."""
    await bot.signup(who("baraka"), skills="seo", capacity=2)
    await bot.delivered(await bot.member_left(COMMUNITY, "U-baraka"))
    baraka = (await _profile(bot, "baraka")).member_id
    async with bot.store.unit_of_work():
        await bot.store.release_event(f"departed:{baraka}")  # as an earlier version left it
    assert not await bot.store.is_departed(baraka)
    for _ in range(3):
        clock.advance(timedelta(days=2))
        await bot.run_due_jobs()  # prunes the processed events
        assert await bot.store.is_departed(baraka)
    seen = await bot.status(who("baraka"))
    assert [n.reply.text for n in to(seen, "baraka")] == [_welcome(EN, EN("left.you_paused"))]
    assert (await _profile(bot, "baraka")).pause_reason is None
    assert not await bot.store.is_departed(baraka)


async def test_a_mentor_back_who_leaves_again_is_left_again(bot: MentorBot, who: Who) -> None:
    """Back, then gone again: paused as one who left again, and the next return lifts it again."""
    await bot.signup(who("baraka"), skills="seo", capacity=2)
    await bot.delivered(await bot.member_left(COMMUNITY, "U-baraka"))
    await bot.delivered(await bot.member_back(COMMUNITY, "U-baraka", "Baraka"))
    again = await bot.member_left(COMMUNITY, "U-baraka")
    assert to(again, "baraka"), "told again"
    await bot.delivered(again)
    assert (await _profile(bot, "baraka")).pause_reason == LEFT_COMMUNITY
    stats = await bot.store.stats(COMMUNITY)
    assert (stats.mentors_paused, stats.mentors_left) == (0, 1)
    assert to(await bot.member_back(COMMUNITY, "U-baraka", "Baraka"), "baraka")
    assert (await _profile(bot, "baraka")).pause_reason is None


async def test_a_member_who_only_asked_is_not_shown_the_held_notice_of_their_departure(
    bot: MentorBot, who: Who
) -> None:
    """Session 36's review: Amina (no mentor profile) left, her open request cancelled, the notice held. Back, her
    command does not show "you're no longer a member…"; she is told once what was done while she was away."""
    await bot.signup(who("baraka"), skills="seo", capacity=2)
    assert (await bot.request(who("amina"), skills="copywriting")).error is None
    [notice] = to(await bot.member_left(COMMUNITY, "U-amina"), "amina")
    await bot.hold_undelivered(notice, refused=True)
    seen = await bot.status(who("amina"))
    assert seen.held == ()
    cancelled = EN("left.you_cancelled", ids="#1")
    assert [n.reply.text for n in to(seen, "amina")] == [_welcome(EN, cancelled)]


async def test_a_mentor_back_by_the_platforms_word_is_sent_the_welcome(bot: MentorBot, who: Who) -> None:
    """Session 36's review: Baraka's departure notice is held; the platform says he is back (`member_back`). The
    welcome is a new notice, sent now (before, the held row was rewritten and stayed held until his next command)."""
    await bot.signup(who("baraka"), skills="seo", capacity=2)
    [notice] = to(await bot.member_left(COMMUNITY, "U-baraka"), "baraka")
    await bot.hold_undelivered(notice, refused=True)
    back = await bot.member_back(COMMUNITY, "U-baraka", "Baraka")
    assert [n.reply.text for n in to(back, "baraka")] == [_welcome(EN, EN("left.you_paused"))]
    assert (await bot.status(who("baraka"))).held == ()
