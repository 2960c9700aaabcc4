"""Issue 15, through the core on both engines: a member who reads Swahili gets the Swahili resources of the
shipped catalog first from ``/courses``; an English reader gets the plain ranking."""

from __future__ import annotations

from collections.abc import Callable

from mentorbot.bot import Caller, MentorBot
from tests.usecases.conftest import offer_id, to

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


async def test_each_side_of_an_introduction_gets_courses_ranked_for_their_language(bot: MentorBot, who: Who) -> None:
    swahili = {c.url for c in bot.library.catalog if c.language == "sw" and "whatsapp-marketing" in c.skills}
    await bot.set_language(who("amina"), language="sw")
    await bot.signup(who("baraka"), skills="whatsapp-marketing", capacity="2")
    [offer] = to(await bot.request(who("amina"), skills="whatsapp-marketing"), "baraka")
    accepted = await bot.accept(who("baraka"), offer_id=offer_id(offer))

    def first_course_url(person: str) -> str:
        [intro] = [n for n in to(accepted, person) if n.reply.fields]
        courses = [f for f in intro.reply.fields if "https://" in f.value][-1]
        return courses.value.splitlines()[0].rpartition(": ")[2]

    assert first_course_url("amina") in swahili  # she reads Swahili: a Swahili resource first, as /courses does
    assert first_course_url("baraka") not in swahili  # he reads English: the plain ranking
