"""Session 41 (midflight hunt, left by its fixer): an import of mentors that changes a mentor already here does what
the same change by `/mentor signup` does.

Before: `mentorbot admin import-mentors` refreshed the wait reasons of the skills an imported mentor dropped, and
nothing else. A file that moved a mentor's zone left their offers not yet delivered in the old zone (what
`/mentor signup timezone:` rewrites); a file that lowered a mentor's capacity to the places they have taken left the
waiting requests told "can be asked again after <date>" of a mentor with no free place (what a lower capacity by
`/mentor signup` tells afresh). `usecases.imports` now does both, for the CLI and any other caller. Both engines."""

from __future__ import annotations

from collections.abc import Callable

from mentorbot.bot import Caller, MentorBot
from mentorbot.i18n import translator
from mentorbot.mentor_import import plan_import
from mentorbot.usecases.imports import after_import, before_import
from tests.usecases.conftest import COMMUNITY, offer_id, to
from tests.usecases.test_capacity_lowered_s41 import fresh_reason, reason
from tests.usecases.test_zone_paths_s41 import unsent_offer_text

Who = Callable[..., Caller]
EN = translator("en")


async def imported(bot: MentorBot, csv: str) -> None:
    """`csv` imported as the CLI imports it: the mentors read before, the rows written, then the follow-ups."""
    plan = plan_import(csv, bot, EN, community=COMMUNITY)
    assert not plan.errors, plan.errors
    before = await before_import(bot.core, COMMUNITY, [user_id for user_id, _, _ in plan.entries])
    await bot.store.import_mentors(COMMUNITY, plan.entries, bot.clock.now())
    await after_import(bot.core, COMMUNITY, before)


async def test_an_import_that_moves_a_mentors_zone_rewrites_their_unsent_offer(bot: MentorBot, who: Who) -> None:
    await imported(bot, "user_id,name,skills,levels,timezone\nU-baraka,Baraka,seo,expert,Africa/Nairobi\n")
    to(await bot.request(who("amina"), skills="seo"), "baraka")
    assert "(Africa/Nairobi)" in await unsent_offer_text(bot, "baraka")
    await imported(bot, "user_id,name,skills,levels,timezone\nU-baraka,Baraka,seo,expert,Africa/Lagos\n")
    text = await unsent_offer_text(bot, "baraka")
    assert "(Africa/Lagos)" in text and "Nairobi" not in text, text


async def test_an_import_that_takes_a_mentors_last_free_place_tells_the_waiting_afresh(
    bot: MentorBot, who: Who
) -> None:
    await bot.signup(who("chris"), skills="seo", levels="expert", capacity="1")
    await bot.accept(who("chris"), offer_id=offer_id(to(await bot.request(who("carl"), skills="seo"), "chris")[0]))
    await imported(bot, "user_id,name,skills,levels,capacity\nU-baraka,Baraka,seo,expert,2\n")
    await bot.accept(who("baraka"), offer_id=offer_id(to(await bot.request(who("bob"), skills="seo"), "baraka")[0]))
    [declined] = to(await bot.request(who("amina"), skills="seo"), "baraka")
    await bot.decline(who("baraka"), offer_id=offer_id(declined))
    assert "all_cooldown" in await reason(bot, "amina")
    await imported(bot, "user_id,name,skills,levels,capacity\nU-baraka,Baraka,seo,expert,1\n")
    stored = await reason(bot, "amina")
    assert "all_busy" in stored and stored == await fresh_reason(bot, "amina"), stored
