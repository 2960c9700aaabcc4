"""An offer whose pair is excluded for good (docs/matching.md rule 5) expires as no lapse and with no "take it after
all" (session 43). Such an offer is left pending by a database from before session 42, when a "not my skill" decline
withdrew nothing, or brought under a "not my skill" by a skills merge. Its accept is refused (`_NOT_EXCLUDED`), so
before, a mentor who ignored it got a lapse against them (a step toward the auto-pause) and a notice inviting them to
take it after all, which the bot would then refuse. On both engines."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.models import OfferStatus
from tests.usecases.test_skill_decline_s42 import _set, lapses, member_id, status, two_offers

Who = Callable[..., Caller]
EN = translator("en")
TAKE_IT = EN("offer.take_it_after_all", id=0).split("`")[0]


async def test_an_excluded_offer_left_pending_expires_as_no_lapse(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    first, second = await two_offers(bot, who)
    await bot.decline(who("m"), offer_id=first, reason="busy")
    await _set(bot, "UPDATE offers SET reason_kind = ? WHERE id = ?", "not_my_skill", first)  # an older database's
    clock.advance(timedelta(hours=bot.settings.offer_ttl_hours, minutes=1))
    notes = await bot.run_due_jobs()
    assert await status(bot, second) is OfferStatus.EXPIRED
    assert second not in await lapses(bot)
    [notice] = [n.reply.text for n in notes if n.key == f"offer:{second}"]
    assert TAKE_IT not in notice, notice
    profile = await bot.store.get_mentor_profile(await member_id(bot, "m"))
    assert profile is not None and profile.expired_streak == 0


async def test_an_offer_of_a_pair_not_excluded_is_still_a_lapse(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    """The control: a "not now" decline of the first request excludes nothing; the second, ignored, is a lapse."""
    first, second = await two_offers(bot, who)
    await bot.decline(who("m"), offer_id=first, reason="busy")
    clock.advance(timedelta(hours=bot.settings.offer_ttl_hours, minutes=1))
    await bot.run_due_jobs()
    assert await status(bot, second) is OfferStatus.EXPIRED
    assert second in await lapses(bot)
