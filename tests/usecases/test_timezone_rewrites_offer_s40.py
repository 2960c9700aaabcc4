"""Session 40 (recipient hunt): a mentor who sets their time zone reads the offer that has not reached them yet in it,
as one who changes their language reads it in that language.

``/mentor language`` rewrote the member's offers still held or pending in the outbox; ``/mentor timezone`` did not,
so the answer "Your time zone is now Africa/Nairobi: times are shown in it" came with the held offer beside it
saying "Answer by: 2026-01-07 09:00 UTC"."""

from __future__ import annotations

from collections.abc import Callable

from mentorbot.bot import Caller, MentorBot
from tests.usecases.conftest import to

Who = Callable[..., Caller]


async def test_a_held_offer_is_shown_in_the_zone_just_set(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("baraka"), skills="seo", levels="expert")
    [offer] = to(await bot.request(who("amina"), skills="seo"), "baraka")
    assert "UTC" in offer.reply.plain_text
    await bot.hold_undelivered(offer)  # the direct message could not reach him: held for his next command
    out = await bot.set_timezone(who("baraka"), timezone="Africa/Nairobi")
    [held] = out.held
    assert "(Africa/Nairobi)" in held.plain_text and "UTC" not in held.plain_text, held.plain_text
    assert [b.action for b in held.buttons][:1] == ["offer.accept"]
