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
from mentorbot.i18n import translator

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
