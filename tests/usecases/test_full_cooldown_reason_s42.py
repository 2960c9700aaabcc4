"""Session 42 (docs hunt): "at capacity rather than can be asked again after…" (README, docs/matching.md rule 14)
was false when the mentor on a cooldown for the request is its skill's only active mentor and has no free place.

Baraka, the only SEO mentor, declined Amina (a cooldown), then his last free place went (a pending offer, or a
mentorship, with his capacity lowered): Amina was told "can be asked again after <date>", a date on which nothing
would come. Every active mentor being at capacity is why now (`matchmaking._cause`). On both engines."""

from __future__ import annotations

from mentorbot.bot import MentorBot
from tests.usecases.conftest import offer_id, to
from tests.usecases.test_capacity_lowered_s41 import Who, fresh_reason, reason


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
