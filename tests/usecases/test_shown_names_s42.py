"""Session 42: a member's display name shown to another member or an admin is shown as `text_safety.shown_name`
makes it: no right-to-left override reversing the rest of the line, no masked link, no mention.

Before, a mentor named ``Tor`` + U+202E reversed the rest of the mentee's status line and of the admins' lines, and
one named ``[Undo](https://evil.example)`` was a link in the admin's answers to ``/mentor-admin pause``, ``match``
and ``end`` (the waitlist's and status's names were defused but kept their bidi controls)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.i18n import translator
from mentorbot.replies import Reply
from mentorbot.text_safety import shown_name
from tests.usecases.conftest import COMMUNITY

Who = Callable[..., Caller]
EN = translator("en")
RLO = "\u202e"
NAMES = ["Tor" + RLO + "olleh", "[Undo](https://evil.example)", "Ada <@U0VICTIM> @everyone"]


def named(name: str, shown: str) -> Caller:
    return Caller(COMMUNITY, f"U-{name}", shown)


def everything(reply: Reply) -> str:
    parts = [reply.text, reply.title or ""]
    parts += [f"{f.name}\n{f.value}" for f in reply.fields]
    parts += [entry for listing in reply.listings for entry in (listing.name, *listing.entries)]
    return "\n".join(parts)


def assert_inert(text: str) -> None:
    assert RLO not in text, "the rest of the line is shown right to left"
    assert "](" not in text, "a masked link renders"
    assert "<@U0VICTIM>" not in text and "@everyone" not in text, "a name mentions someone"


@pytest.mark.parametrize("name", NAMES)
async def test_an_admins_pause_names_the_mentor_as_shown(bot: MentorBot, who: Who, name: str) -> None:
    await bot.signup(named("tor", name), skills="seo", capacity=2)
    paused = await bot.admin_pause(who("admin"), mentor="U-tor")
    assert paused.reply.text == EN("admin.paused", name=shown_name(name))
    assert_inert(paused.reply.text)
    again = await bot.admin_pause(who("admin"), mentor="U-tor")
    assert again.reply.text == EN("admin.already_paused", name=shown_name(name))
    assert_inert(again.reply.text)


@pytest.mark.parametrize("name", NAMES)
async def test_an_admins_end_names_the_pair_as_shown(bot: MentorBot, who: Who, name: str) -> None:
    await bot.signup(named("tor", name), skills="seo", capacity=2)
    await bot.request(named("amina", name + " 2"), skills="seo")
    await bot.accept(named("tor", name), offer_id=1)
    ended = await bot.admin_end(who("admin"), mentorship_id=1)
    assert ended.reply.text == EN("admin_end.done", id=1, mentor=shown_name(name), mentee=shown_name(name + " 2"))
    assert_inert(ended.reply.text)


@pytest.mark.parametrize("name", NAMES)
async def test_an_admins_match_and_its_refusal_name_the_mentor_as_shown(bot: MentorBot, who: Who, name: str) -> None:
    await bot.signup(named("tor", name), skills="seo", capacity=1)
    await bot.request(who("chao"), skills="seo")
    await bot.accept(named("tor", name), offer_id=1)
    await bot.request(who("amina"), skills="seo")
    refused = await bot.admin_match(who("admin"), request_id=2, mentor="U-tor")
    assert refused.error is not None and refused.error.key == "admin.mentor_full"
    assert shown_name(name) in refused.reply.text
    assert_inert(refused.reply.text)
    await bot.admin_end(who("admin"), mentorship_id=1)
    matched = await bot.admin_match(who("admin"), request_id=2, mentor="U-tor")
    assert matched.error is None
    assert EN("admin.matched", id=2, mentor=shown_name(name), mentorship=2) in matched.reply.text
    assert_inert(matched.reply.text)


@pytest.mark.parametrize("name", NAMES)
async def test_an_admins_match_names_the_other_mentor_whose_offer_it_withdrew_as_shown(
    bot: MentorBot, who: Who, name: str
) -> None:
    """Session 43 (/tmp/hunt/mut42 T07): the request matched by hand was offered to another mentor, whose offer the
    match withdrew; the admin's answer names that mentor (`admin._match_closed`) as shown, not as they typed it."""
    await bot.signup(named("tor", name), skills="seo", capacity=2)
    await bot.request(who("amina"), skills="seo")  # offer #1, to the only mentor
    await bot.signup(who("mona"), skills="seo", capacity=2)
    matched = await bot.admin_match(who("admin"), request_id=1, mentor="U-mona")
    assert matched.error is None, matched.reply.text
    assert EN("admin_match.offer_withdrawn", mentor=shown_name(name), offer=1) in matched.reply.text
    assert_inert(matched.reply.text)


@pytest.mark.parametrize("name", NAMES)
async def test_a_mentees_status_names_the_mentor_offered_as_shown(bot: MentorBot, who: Who, name: str) -> None:
    await bot.signup(named("tor", name), skills="seo", capacity=2)
    await bot.request(who("amina"), skills="seo")
    status = await bot.status(who("amina"))
    text = everything(status.reply)
    assert shown_name(name) in text
    assert_inert(text)


@pytest.mark.parametrize("name", NAMES)
async def test_the_waitlist_names_the_mentee_as_shown(bot: MentorBot, who: Who, name: str) -> None:
    await bot.request(named("amina", name), skills="seo")
    listed = await bot.admin_waitlist(who("admin"))
    text = everything(listed.reply)
    assert shown_name(name) in text
    assert_inert(text)


async def test_an_ordinary_name_is_shown_as_it_is(bot: MentorBot, who: Who) -> None:
    name = "Wanjiru 👩\u200d💻 فاطمة"
    await bot.signup(named("tor", name), skills="seo", capacity=2)
    paused = await bot.admin_pause(who("admin"), mentor="U-tor")
    assert paused.reply.text == EN("admin.paused", name=name)
