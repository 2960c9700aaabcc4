"""Session 45 (examples hunt): a profile update that drops skills says so. Both engines.

`skills:` replaces the whole list. The admins' recruitment draft tells every reader to type
`/mentor signup skills:seo`; a mentor of Copywriting who followed it lost Copywriting with "Your mentor profile is
updated." and nothing more (the list was only explained when a skill dropped was in use). Now the answer names the
skills dropped, and, when the update also added skills (most who meet this meant to add one), the command that keeps
them too.
"""

from __future__ import annotations

from collections.abc import Callable

from mentorbot.bot import Caller, MentorBot
from mentorbot.commands import parse
from mentorbot.i18n import translator
from tests.usecases.conftest import COMMUNITY

Who = Callable[..., Caller]
EN = translator("en")
SW = translator("sw")


async def test_adding_a_skill_as_the_recruitment_draft_says_tells_what_was_dropped(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("mo"), skills="copywriting", capacity=2)

    updated = await bot.signup(who("mo"), skills="seo")

    assert updated.error is None
    assert updated.reply.text == "\n".join(
        [
            EN("signup.updated"),
            EN("profile.dropped_keep", dropped="Copywriting", skills="copywriting, seo"),
        ]
    )
    again = await bot.signup(who("mo"), skills="copywriting, seo")
    assert again.reply.text == EN("signup.updated"), "the command told keeps both, and drops nothing"


async def test_dropping_a_skill_alone_says_so(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("mo"), skills="copywriting, seo", capacity=2)

    updated = await bot.signup(who("mo"), skills="seo")

    assert updated.reply.text.endswith("\n" + EN("profile.dropped", dropped="Copywriting"))


async def test_in_swahili(bot: MentorBot, who: Who) -> None:
    await bot.set_language(who("mo"), language="sw")
    await bot.signup(who("mo"), skills="copywriting", capacity=2)
    updated = await bot.signup(who("mo"), skills="seo")
    said = SW("profile.dropped_keep", dropped="Uandishi wa matangazo", skills="copywriting, seo")
    assert updated.reply.text.endswith("\n" + said)


async def test_the_command_told_keeps_the_dropped_skill_at_its_level(bot: MentorBot, who: Who) -> None:
    """Session 45's review: the command told names the level a dropped skill had (not the default), and typed as
    told (parsed as a member types it) it brings the profile back as it was, the new skill with it."""
    await bot.signup(who("mo"), skills="copywriting, visual-design", levels="expert, learning", capacity=2)
    updated = await bot.signup(who("mo"), skills="seo")

    command = "/mentor signup skills:copywriting, visual-design, seo levels:copywriting:expert,visual-design:learning"
    assert updated.reply.text.endswith(
        EN(
            "profile.dropped_keep",
            dropped="Copywriting and Visual content and design",
            skills=command.split("skills:")[1],
        )
    )
    typed = dict(parse(command).args)
    again = await bot.signup(who("mo"), **typed)
    assert again.error is None and again.reply.text == EN("signup.updated")
    member = await bot.store.find_member(COMMUNITY, "U-mo")
    assert member is not None
    profile = await bot.store.get_mentor_profile(member.id)
    assert profile is not None
    assert dict(profile.skills) == {"copywriting": "expert", "visual-design": "learning", "seo": "practitioner"}
