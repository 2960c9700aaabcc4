"""Session 42 (docs hunt): "at capacity rather than can be asked again after…" (README, docs/matching.md rule 14)
was false when the mentor on a cooldown for the request is its skill's only active mentor and has no free place.

Baraka, the only SEO mentor, declined Amina (a cooldown), then his last free place went (a pending offer, or a
mentorship, with his capacity lowered): Amina was told "can be asked again after <date>", a date on which nothing
would come. Every active mentor being at capacity is why now (`matchmaking._cause`). On both engines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mentorbot.bot import MentorBot
from mentorbot.matching.eligibility import Block, BlockKind
from mentorbot.storage.candidates import SkillMentor
from mentorbot.usecases.matchmaking import _cause
from tests.usecases.conftest import offer_id, to
from tests.usecases.test_capacity_lowered_s41 import Who, fresh_reason, reason

NOW = datetime(2026, 3, 2, tzinfo=UTC)


async def amina_declined(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("baraka"), skills="seo", levels="expert", capacity="2")
    [declined] = to(await bot.request(who("amina"), skills="seo"), "baraka")
    assert (await bot.decline(who("baraka"), offer_id=offer_id(declined))).error is None
    assert "all_cooldown" in await reason(bot, "amina")


async def test_the_only_mentor_whose_last_place_a_pending_offer_holds(bot: MentorBot, who: Who) -> None:
    await amina_declined(bot, who)
    assert to(await bot.request(who("bob"), skills="seo"), "baraka")  # pending: holds one of his two places
    await bot.signup(who("baraka"), skills=None, capacity="1")
    stored = await reason(bot, "amina")
    assert "all_busy" in stored and "all_cooldown" not in stored, stored
    assert stored == await fresh_reason(bot, "amina")


async def test_the_only_mentor_whose_last_place_a_mentorship_takes(bot: MentorBot, who: Who) -> None:
    await amina_declined(bot, who)
    [taken] = to(await bot.request(who("bob"), skills="seo"), "baraka")
    assert (await bot.accept(who("baraka"), offer_id=offer_id(taken))).error is None
    await bot.signup(who("baraka"), skills=None, capacity="1")
    stored = await reason(bot, "amina")
    assert "all_busy" in stored and "all_cooldown" not in stored, stored


async def test_with_a_free_place_the_cooldown_is_still_why(bot: MentorBot, who: Who) -> None:
    await amina_declined(bot, who)
    assert "all_cooldown" in await fresh_reason(bot, "amina")


# ----------------------------------------------------------- session 43: beside a full mentor blocked otherwise


def test_a_full_mentor_on_a_cooldown_beside_a_full_excluded_one_is_at_capacity() -> None:
    """Session 43 (review of session 42's fix): the fix covered only "every active mentor full AND on a cooldown".
    One full mentor on a cooldown beside one full mentor excluded (or the mentee's own mentor, full) still told "can
    be asked again after <date>", a date on which a full mentor takes nothing."""
    mentors = [SkillMentor(1, True, 0), SkillMentor(2, True, 0)]
    cooldown = Block(BlockKind.COOLDOWN, NOW + timedelta(days=3))
    for other in (Block(BlockKind.EXCLUDED), Block(BlockKind.MENTORING, mentoring=True)):
        assert _cause(mentors, {1: cooldown, 2: other})[:2] == ("wait.all_busy", None), other


def test_full_mentors_blocked_for_good_only_are_still_why() -> None:
    """No date anywhere: the blocks themselves are why (exclusions, the mentee's own mentor), not capacity."""
    mentors = [SkillMentor(1, True, 0), SkillMentor(2, True, 0)]
    assert _cause(mentors, {1: Block(BlockKind.EXCLUDED), 2: Block(BlockKind.EXCLUDED)})[0] == "wait.all_excluded"
    mentoring = Block(BlockKind.MENTORING, mentoring=True)
    assert _cause(mentors, {1: Block(BlockKind.EXCLUDED), 2: mentoring})[0] == "wait.own_mentor"


def test_a_free_place_beside_keeps_the_cooldowns_date() -> None:
    mentors = [SkillMentor(1, True, 1), SkillMentor(2, True, 0)]
    until = NOW + timedelta(days=3)
    key, told, _ = _cause(mentors, {1: Block(BlockKind.COOLDOWN, until), 2: Block(BlockKind.EXCLUDED)})
    assert (key, told) == ("wait.all_cooldown", until.isoformat())


async def test_through_the_bot_a_cooldown_and_an_exclusion_both_full(bot: MentorBot, who: Who) -> None:
    """Amina's SEO request: Xena declines "not now" (a cooldown), Yusuf "not my skill" (excluded); both then fill
    their places, Xena's last one by lowering her capacity (which tells the waiting requests afresh why they wait).
    Amina is told every mentor is at capacity, not a date (both engines)."""
    await bot.signup(who("xena"), skills="seo", levels="expert", capacity="3")
    [first] = to(await bot.request(who("amina"), skills="seo"), "xena")
    await bot.signup(who("yusuf"), skills="seo", levels="expert", capacity="1")
    out = await bot.decline(who("xena"), offer_id=offer_id(first), reason="not now")
    [second] = to(out, "yusuf")
    assert (await bot.decline(who("yusuf"), offer_id=offer_id(second), reason="not my skill")).error is None
    assert "all_cooldown" in await reason(bot, "amina")
    for mentee, mentor in (("bob", "xena"), ("eve", "yusuf"), ("fay", "xena")):
        [offered] = [n for n in to(await bot.request(who(mentee), skills="seo"), mentor) if n.reply.buttons]
        assert (await bot.accept(who(mentor), offer_id=offer_id(offered))).error is None
    await bot.signup(who("xena"), skills=None, capacity="2")
    stored = await reason(bot, "amina")
    assert "all_busy" in stored and "all_cooldown" not in stored, stored
    assert stored == await fresh_reason(bot, "amina")
