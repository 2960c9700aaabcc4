"""`OfferStore.exclusion_of`: which decline excludes an offer's pair for good, read with the accept's own condition
(`_NOT_EXCLUDED`, built from the same SQL), so the refused accept's reply and the rule cannot disagree (session 43:
before, `usecases.offers._withdraw_excluded` worked it out again in Python, a third copy of rule 5)."""

from __future__ import annotations

from collections.abc import Callable

from mentorbot.bot import Caller, MentorBot
from mentorbot.models import OfferStatus
from tests.usecases.test_skill_decline_s42 import _set, offers_to, status, two_offers

Who = Callable[..., Caller]


async def test_no_decline_no_exclusion(bot: MentorBot, who: Who) -> None:
    first, second = await two_offers(bot, who)
    assert await bot.store.exclusion_of(first) is None
    assert await bot.store.exclusion_of(second) is None
    assert await bot.store.exclusion_of(999) is None


async def test_a_not_now_decline_and_a_skill_decline_sharing_nothing_exclude_nothing(bot: MentorBot, who: Who) -> None:
    first, second = await two_offers(bot, who, second="copywriting")
    await bot.decline(who("m"), offer_id=first, reason="busy")
    assert await bot.store.exclusion_of(second) is None
    await _set(bot, "UPDATE offers SET reason_kind = ? WHERE id = ?", "not_my_skill", first)
    assert await bot.store.exclusion_of(second) is None  # SEO declined; the offer is for copywriting only


async def test_a_skill_decline_sharing_a_skill_excludes(bot: MentorBot, who: Who) -> None:
    first, second = await two_offers(bot, who)
    await bot.decline(who("m"), offer_id=first, reason="busy")
    await _set(bot, "UPDATE offers SET reason_kind = ? WHERE id = ?", "not_my_skill", first)
    exclusion = await bot.store.exclusion_of(second)
    assert exclusion is not None and not exclusion.by_mentee
    assert (exclusion.declined.id, exclusion.declined.status) == (first, OfferStatus.DECLINED)


async def test_not_this_person_comes_before_an_older_skill_decline(bot: MentorBot, who: Who) -> None:
    """Two declines by m of b's requests, the older "not my skill" sharing a skill, the newer "not this person": the
    person one is why (it covers every request of b's, so its withdrawal is the wider one)."""
    await bot.signup(who("m"), skills="seo, copywriting", levels="expert", capacity="4")
    [a] = offers_to(await bot.request(who("b"), skills="seo"), "m")
    [c] = offers_to(await bot.request(who("b"), skills="copywriting"), "m")
    [d] = offers_to(await bot.request(who("b"), skills="seo, copywriting"), "m")
    for declined in (a, c):
        await bot.decline(who("m"), offer_id=declined, reason="busy")
    await _set(bot, "UPDATE offers SET reason_kind = ? WHERE id = ?", "not_my_skill", a)
    await _set(bot, "UPDATE offers SET reason_kind = ? WHERE id = ?", "not_this_person", c)
    exclusion = await bot.store.exclusion_of(d)
    assert exclusion is not None and exclusion.declined.id == c and not exclusion.by_mentee
    assert await status(bot, d) is OfferStatus.PENDING


async def test_the_mentees_own_decline_excludes_both_ways(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("m"), skills="seo", levels="expert", capacity="3")
    await bot.signup(who("b"), skills="copywriting", levels="expert", capacity="3")
    [mine] = offers_to(await bot.request(who("m"), skills="copywriting"), "b")
    await bot.decline(who("b"), offer_id=mine, reason="busy")
    [second] = offers_to(await bot.request(who("b"), skills="seo"), "m")
    assert await bot.store.exclusion_of(second) is None
    await _set(bot, "UPDATE offers SET reason_kind = ? WHERE id = ?", "not_this_person", mine)
    exclusion = await bot.store.exclusion_of(second)
    assert exclusion is not None and exclusion.by_mentee and exclusion.declined.id == mine
