"""An offer whose pair its MENTEE excluded for good expires as no lapse and with no "take it after all"
(docs/matching.md rule 5: a "not this person" decline holds both ways; session 44's mutation hunt: O3).

b, a mentor too, declined m's own request "not this person" (left as a "not now" by an older database, so m still
holds an offer of b's request). The accept refuses that offer (`_NOT_EXCLUDED` reads the mentee's declines as well as
the mentor's), so its expiry must not count against m nor invite m to take it after all, as for an offer the mentor
excluded himself (`test_excluded_expiry_s43`). No test covered the mentee's side of the expiry's read
(`ExpireResult.excluded`). On both engines."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.models import OfferStatus
from tests.usecases.test_skill_decline_s42 import _set, lapses, member_id, offers_to, status

Who = Callable[..., Caller]
EN = translator("en")
TAKE_IT = EN("offer.take_it_after_all", id=0).split("`")[0]


async def _offer_of_a_pair_the_mentee_excluded(bot: MentorBot, who: Who, *, excluded: bool = True) -> int:
    """m (SEO) holds an offer of b's SEO request; b (copywriting) declined m's copywriting request, "not this person"
    when `excluded` (written by hand, as an older database left it), else "not now". The offer's id."""
    await bot.signup(who("m"), skills="seo", levels="expert", capacity="3")
    await bot.signup(who("b"), skills="copywriting", levels="expert", capacity="3")
    [mine] = offers_to(await bot.request(who("m"), skills="copywriting"), "b")
    await bot.decline(who("b"), offer_id=mine, reason="busy")
    [offer] = offers_to(await bot.request(who("b"), skills="seo"), "m")
    if excluded:
        await _set(bot, "UPDATE offers SET reason_kind = ? WHERE id = ?", "not_this_person", mine)
    return offer


async def test_an_offer_the_mentee_excluded_expires_as_no_lapse_without_take_it(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    offer = await _offer_of_a_pair_the_mentee_excluded(bot, who)
    clock.advance(timedelta(hours=bot.settings.offer_ttl_hours, minutes=1))
    notes = await bot.run_due_jobs()
    assert await status(bot, offer) is OfferStatus.EXPIRED
    assert offer not in await lapses(bot)
    [notice] = [n.reply.text for n in notes if n.key == f"offer:{offer}"]
    assert TAKE_IT not in notice, notice
    profile = await bot.store.get_mentor_profile(await member_id(bot, "m"))
    assert profile is not None and profile.expired_streak == 0


async def test_a_not_now_decline_by_the_mentee_leaves_the_expiry_a_lapse(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """The control: b's "not now" excludes nothing; m's offer, ignored, is a lapse and says how to take it."""
    offer = await _offer_of_a_pair_the_mentee_excluded(bot, who, excluded=False)
    clock.advance(timedelta(hours=bot.settings.offer_ttl_hours, minutes=1))
    notes = await bot.run_due_jobs()
    assert await status(bot, offer) is OfferStatus.EXPIRED
    assert offer in await lapses(bot)
    [notice] = [n.reply.text for n in notes if n.key == f"offer:{offer}"]
    assert TAKE_IT in notice, notice
