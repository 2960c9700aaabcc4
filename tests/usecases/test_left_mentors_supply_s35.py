"""Session 35: a mentor who left the community (their profile paused with the reason `models.LEFT_COMMUNITY`) is no
supply. On both engines.

Before, they were counted as any paused mentor: a request for a skill only they had was told "The mentors for SEO
are paused right now. You'll get an offer as soon as one is back", the admin's round said "…whose mentors are all
paused: ask one to `/mentor resume`" (they are gone: recruiting is what helps), and `/mentor-admin stats` said
"Mentors: 0 active, 1 paused", every departed mentor swelling "paused" for good. Now the wait reason is the
no-mentor one (docs/matching.md rule 14), and the stats count those who left apart (docs/insight.md)."""

from __future__ import annotations

import json
from collections.abc import Callable

from mentorbot.bot import Caller, MentorBot
from mentorbot.i18n import Translator, translator
from mentorbot.models import MentorStatus
from mentorbot.replies import Reply
from mentorbot.usecases import views
from tests.usecases.conftest import COMMUNITY, to

Who = Callable[..., Caller]
EN = translator("en")
SW = translator("sw")


async def _reason_code(bot: MentorBot, request_id: int) -> str:
    """The code of the stored wait reason of a waiting request (``no_mentor``, ``all_paused``…)."""
    request = await bot.store.get_request(request_id)
    assert request is not None and request.wait_reason is not None
    return str(json.loads(request.wait_reason)["key"]).rpartition(".")[2]


def _mentors_field(reply: Reply, t: Translator) -> str:
    """The value of the stats' Mentors field."""
    [value] = [f.value for f in reply.fields if f.name == t("stats.mentors")]
    return value


async def test_a_skill_only_a_departed_mentor_had_waits_for_a_recruit_not_a_return(bot: MentorBot, who: Who) -> None:
    """Baraka, SEO's only mentor, left: Amina's request waits because nobody offers SEO, and the admin is told to
    recruit, not to ask Baraka to resume."""
    await bot.signup(who("baraka"), skills="seo", capacity=2)
    await bot.member_left(COMMUNITY, "U-baraka")
    asked = await bot.request(who("amina"), skills="seo")
    assert asked.error is None and not to(asked, "baraka")
    assert await _reason_code(bot, 1) == "no_mentor"
    assert "is back" not in asked.reply.plain_text
    waitlist = (await bot.admin_waitlist(who("admin"))).reply.plain_text
    assert "paused" not in waitlist and "No mentor offers SEO" in waitlist
    round_ = (await bot.admin_round(who("admin"))).reply.plain_text
    assert "/mentor resume" not in round_ and "recruit a mentor for it" in round_
    assert await _reason_code(bot, 1) == "no_mentor"


async def test_a_paused_mentor_beside_a_departed_one_is_still_told_as_paused(bot: MentorBot, who: Who) -> None:
    """Baraka left, Chidi paused himself: Chidi may come back, so SEO's mentors are "all paused"."""
    await bot.signup(who("baraka"), skills="seo", capacity=2)
    await bot.signup(who("chidi"), skills="seo", capacity=2)
    await bot.pause(who("chidi"))
    await bot.member_left(COMMUNITY, "U-baraka")
    await bot.request(who("amina"), skills="seo")
    assert await _reason_code(bot, 1) == "all_paused"
    round_ = (await bot.admin_round(who("admin"))).reply.plain_text
    assert "ask one to `/mentor resume`" in round_


async def test_the_stats_count_departed_mentors_apart_from_paused_ones(bot: MentorBot, who: Who) -> None:
    """One active, one paused, one who left: each counted once, in their own place, in both languages; with
    nobody gone, the field reads as before."""
    for name in ("baraka", "chidi", "dalila"):
        await bot.signup(who(name), skills="seo", capacity=2)
    await bot.pause(who("chidi"))
    before = await bot.store.stats(COMMUNITY)
    assert (before.mentors_active, before.mentors_paused, before.mentors_left) == (2, 1, 0)
    shown = (await bot.admin_stats(who("admin"))).reply
    assert _mentors_field(shown, EN) == "2 active, 1 paused"

    await bot.member_left(COMMUNITY, "U-dalila")
    after = await bot.store.stats(COMMUNITY)
    assert (after.mentors_active, after.mentors_paused, after.mentors_left) == (1, 1, 1)
    shown = (await bot.admin_stats(who("admin"))).reply
    assert _mentors_field(shown, EN) == "1 active, 1 paused, 1 left the community"
    assert "Mentors: 1 active, 1 paused, 1 left the community" in shown.plain_text
    sw = await bot.stats_reply(COMMUNITY, "sw")
    assert _mentors_field(sw, SW) == ", ".join(
        [SW("stats.active", count=1), SW("stats.paused", count=1), SW("stats.left", count=1)]
    )
    assert "ameondoka" in _mentors_field(sw, SW)


async def test_a_departed_mentor_paused_before_is_counted_once_as_left(bot: MentorBot, who: Who) -> None:
    """Baraka paused himself, then left: one mentor who left, not one paused as well."""
    await bot.signup(who("baraka"), skills="seo", capacity=2)
    await bot.pause(who("baraka"))
    await bot.member_left(COMMUNITY, "U-baraka")
    stats = await bot.store.stats(COMMUNITY)
    assert (stats.mentors_active, stats.mentors_paused, stats.mentors_left) == (0, 0, 1)
    shown = views.stats(stats, EN, bot.library.taxonomy)
    assert _mentors_field(shown, EN) == "0 active, 0 paused, 1 left the community"


async def test_a_departed_mentor_who_comes_back_and_resumes_is_supply_again(bot: MentorBot, who: Who) -> None:
    """Baraka left, came back and resumed: active again in the stats, and Amina's request goes to him."""
    await bot.signup(who("baraka"), skills="seo", capacity=2)
    await bot.member_left(COMMUNITY, "U-baraka")
    await bot.request(who("amina"), skills="seo")
    assert await _reason_code(bot, 1) == "no_mentor"
    await bot.member_back(COMMUNITY, "U-baraka")
    resumed = await bot.resume(who("baraka"))
    assert resumed.error is None
    profile = await bot.mentor_profile(COMMUNITY, "U-baraka")
    assert profile is not None and profile.status is MentorStatus.ACTIVE
    assert len(to(resumed, "baraka")) == 1, "offered Amina's request"
    stats = await bot.store.stats(COMMUNITY)
    assert (stats.mentors_active, stats.mentors_paused, stats.mentors_left) == (1, 0, 0)
    mentors = await bot.store.skill_mentors(COMMUNITY, ["seo"], exclude_member=0)
    assert [m.active for m in mentors] == [True]


async def test_a_request_told_all_paused_is_told_afresh_when_the_paused_mentor_leaves(bot: MentorBot, who: Who) -> None:
    """Baraka, SEO's only mentor, paused himself (Amina's request waits: "all paused", as soon as one is back);
    then he left the server: the departure tells her request afresh that nobody offers SEO, not that he may be back
    (before: "all paused" stayed until the next round or sweep worked it out again)."""
    await bot.signup(who("baraka"), skills="seo", capacity=2)
    await bot.pause(who("baraka"))
    assert (await bot.request(who("amina"), skills="seo")).error is None
    assert await _reason_code(bot, 1) == "all_paused"
    await bot.member_left(COMMUNITY, "U-baraka")
    assert await _reason_code(bot, 1) == "no_mentor"
