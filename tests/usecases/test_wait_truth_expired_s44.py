"""A member told she may be asked again after a date because her offer from the only mentor EXPIRED is told every
mentor is at capacity once his last free place is taken (docs/matching.md rule 14; session 44's mutation hunt: R4).

An expiry puts the pair on cooldown as a decline does (a lapse's cooldown, lifted only once the mentor shows he is
back), so the mentor's last place going must tell her afresh (`matchmaking.after_last_place`), which finds her through
the mentor's ended offers (`RequestStore.waiting_dated_by`: declined, expired, withdrawn). `test_wait_truth_s43`
covers a decline only. On both engines."""

from __future__ import annotations

from datetime import timedelta

from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from tests.usecases.conftest import to
from tests.usecases.test_capacity_lowered_s41 import Who, fresh_reason, reason


async def test_offers_taking_the_last_free_place_end_the_date_an_expiry_promised(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    await bot.delivered((await bot.signup(who("baraka"), skills="seo", levels="expert", capacity="2")).notifications)
    asked = await bot.request(who("amina"), skills="seo")
    await bot.delivered(asked.notifications)  # he had it, and let it expire: a lapse
    clock.advance(timedelta(hours=bot.settings.offer_ttl_hours, minutes=1))
    await bot.run_due_jobs()
    assert "all_cooldown" in await reason(bot, "amina"), "she may be asked again after a date"
    assert to(await bot.request(who("bob"), skills="seo"), "baraka")  # one place left: the date still holds
    assert "all_cooldown" in await reason(bot, "amina")
    assert to(await bot.request(who("carol"), skills="seo"), "baraka")  # his last free place
    stored = await reason(bot, "amina")
    assert "all_busy" in stored and "all_cooldown" not in stored, stored
    assert stored == await fresh_reason(bot, "amina")
