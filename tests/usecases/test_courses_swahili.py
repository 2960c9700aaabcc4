"""Issue 15, through the core on both engines: a member who reads Swahili gets the Swahili resources of the
shipped catalog first from ``/courses``; an English reader gets the plain ranking."""

from __future__ import annotations

from collections.abc import Callable

from mentorbot.bot import Caller, MentorBot

Who = Callable[..., Caller]


async def test_courses_show_swahili_resources_first_to_swahili_readers(bot: MentorBot, who: Who) -> None:
    swahili = {c.id for c in bot.library.catalog if c.language == "sw" and "whatsapp-marketing" in c.skills}
    assert swahili
    await bot.set_language(who("amina"), language="sw")
    reply = (await bot.courses(who("amina"), skills="whatsapp-marketing")).reply
    shown = [b.ref for b in reply.buttons if b.action == "vote.up"]
    assert set(shown[: len(swahili)]) == swahili
    english = (await bot.courses(who("juma"), skills="whatsapp-marketing")).reply
    assert next(b.ref for b in english.buttons if b.action == "vote.up") not in swahili
