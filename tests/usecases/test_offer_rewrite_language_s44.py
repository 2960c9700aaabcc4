"""A mentor's offer message written again (a held offer shown after he gave his zone: `rewrite_unsent_offers`) says
whether he lists the MENTEE's language, not his own (docs/matching.md, "The explanation says every part"; session 44's
mutation hunt: MM9).

Baraka reads English and lists English only; Amina reads Swahili. His offer says she "prefers a language you don't
list", and so must the offer written again for his new zone: the "why you" is worked out again from the current rows
(`matchmaking.offer_notification`'s `Present`, with the language the mentee is addressed in). Read with the mentor's
own language, it said "speaks your language". `test_why_you_now_s43` rewrites offers whose mentor and mentee read
the same language. On both engines."""

from __future__ import annotations

from collections.abc import Callable

from mentorbot.bot import Caller, MentorBot
from mentorbot.i18n import translator
from mentorbot.replies import Reply
from tests.usecases.conftest import to

Who = Callable[..., Caller]
EN = translator("en")


def _why(reply: Reply) -> list[str]:
    """The parts of the "why you" field of an offer message read in English."""
    [why] = [f.value for f in reply.fields if f.name == EN("offer.why")]
    return why.split("; ")


async def test_a_held_offer_written_again_still_says_he_does_not_list_her_language(bot: MentorBot, who: Who) -> None:
    await bot.delivered((await bot.signup(who("baraka"), skills="seo", capacity="3", languages="en")).notifications)
    await bot.set_language(who("amina"), language="sw")
    asked = await bot.request(who("amina"), skills="seo")
    [note] = [n for n in to(asked, "baraka") if n.reply.buttons]
    assert EN("match.language_not_listed") in _why(note.reply)
    await bot.hold_undelivered(note)  # his DMs closed: shown with his next command
    await bot.delivered([n for n in asked.notifications if n is not note])
    shown = await bot.set_timezone(who("baraka"), timezone="Africa/Nairobi")
    [offer] = [h for h in shown.held if any(b.action == "offer.accept" for b in h.buttons)]
    assert "(Africa/Nairobi)" in offer.plain_text, "written again"
    why = _why(offer)
    assert EN("match.language_not_listed") in why and EN("match.speaks_language") not in why, why


async def test_a_held_offer_written_again_says_he_speaks_the_language_she_reads(bot: MentorBot, who: Who) -> None:
    """The other way round: Baraka reads English and lists only Swahili, which Amina reads."""
    await bot.delivered((await bot.signup(who("baraka"), skills="seo", capacity="3", languages="sw")).notifications)
    await bot.set_language(who("amina"), language="sw")
    asked = await bot.request(who("amina"), skills="seo")
    [note] = [n for n in to(asked, "baraka") if n.reply.buttons]
    await bot.hold_undelivered(note)
    await bot.delivered([n for n in asked.notifications if n is not note])
    shown = await bot.set_timezone(who("baraka"), timezone="Africa/Nairobi")
    [offer] = [h for h in shown.held if any(b.action == "offer.accept" for b in h.buttons)]
    why = _why(offer)
    assert EN("match.speaks_language") in why, why
