"""A pair excluded both ways (each declined the other "not this person"): the offer the accept refuses is withdrawn
telling its mentor that HE declined this member (``offer.withdrawn_declined_person``), not that it is merely no longer
open (docs/matching.md rule 5; session 44's mutation hunt: O2).

`OfferStore.exclusion_of` reads the mentor's own decline first: the mentee's is the reason only when the mentor made
none (`Exclusion.by_mentee`). The case of both was not tested. The declines are written "not this person" by hand, as
an older database left them (a "not now" then), so that m still holds the offer. On both engines."""

from __future__ import annotations

from collections.abc import Callable

from mentorbot.bot import Caller, MentorBot
from mentorbot.i18n import translator
from mentorbot.matching.eligibility import DeclineReason
from mentorbot.models import OfferStatus
from tests.usecases.test_skill_decline_s42 import _set, offers_to, status, told

Who = Callable[..., Caller]
EN = translator("en")


async def test_the_withdrawal_says_the_mentor_declined_this_member(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("m"), skills="seo, copywriting", levels="expert", capacity="3")
    await bot.signup(who("b"), skills="paid-social", levels="expert", capacity="3")
    [by_b] = offers_to(await bot.request(who("m"), skills="paid-social"), "b")
    await bot.decline(who("b"), offer_id=by_b, reason="busy")
    [by_m] = offers_to(await bot.request(who("b"), skills="seo"), "m")
    [second] = offers_to(await bot.request(who("b"), skills="copywriting"), "m")
    await bot.decline(who("m"), offer_id=by_m, reason="busy")
    assert await status(bot, second) is OfferStatus.PENDING
    for declined in (by_b, by_m):
        await _set(bot, "UPDATE offers SET reason_kind = ? WHERE id = ?", DeclineReason.NOT_THIS_PERSON.value, declined)
    exclusion = await bot.store.exclusion_of(second)
    assert exclusion is not None and exclusion.declined.id == by_m and not exclusion.by_mentee
    accepted = await bot.accept(who("m"), offer_id=second)
    assert accepted.error is None, accepted.reply.text
    assert accepted.reply.text == EN("offer.already_withdrawn", id=second)
    assert told(accepted, "m", second) == [EN("offer.withdrawn_declined_person", id=second)]
    assert await status(bot, second) is OfferStatus.WITHDRAWN
