"""`/mentor status` of a mentor paused because they left the community (pause reason `left`,
`usecases.departures`): it says that `/mentor resume` brings them back. Before session 33 it said only "paused".
Since session 36 their command is their return (`usecases.returns.came_back`): the pause becomes an ordinary one, the
status says "`/mentor resume` when you're ready", and the welcome-back notice says what was done while they were
away. On both engines."""

from __future__ import annotations

from collections.abc import Callable

from mentorbot.bot import Caller, MentorBot
from mentorbot.i18n import translator
from mentorbot.usecases.departures import LEFT
from tests.usecases.conftest import COMMUNITY

Who = Callable[..., Caller]
EN = translator("en")
SW = translator("sw")


def availability(t: Callable[..., str], text: str) -> str | None:
    """The availability field of a status reply's plain text, or None."""
    label = t("status.availability") + ": "
    return next((line.removeprefix(label) for line in text.splitlines() if line.startswith(label)), None)


async def test_a_mentor_back_after_leaving_is_told_why_they_are_paused_and_how_to_resume(
    bot: MentorBot, who: Who
) -> None:
    await bot.signup(who("gone"), skills="seo")
    await bot.delivered(await bot.member_left(COMMUNITY, "U-gone"))
    status = await bot.status(who("gone"))
    assert availability(EN, status.reply.plain_text) == EN("status.mentor_paused") + " — " + EN("status.resume_ready")
    told = [h.plain_text for h in status.held] + [n.reply.text for n in status.notifications]
    assert any(EN("left.back.you_back") in text and EN("left.you_paused") in text for text in told), told

    assert (await bot.resume(who("gone"))).reply.text == EN("resume.done")
    status = await bot.status(who("gone"))
    assert availability(EN, status.reply.plain_text) == EN("status.mentor_active")


async def test_it_is_said_in_swahili_too(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("gone"), skills="seo")
    await bot.set_language(who("gone"), language="sw")
    await bot.delivered(await bot.member_left(COMMUNITY, "U-gone"))
    member = await bot.store.find_member(COMMUNITY, "U-gone")
    assert member is not None
    profile = await bot.store.get_mentor_profile(member.id)
    assert profile is not None and profile.pause_reason == LEFT
    status = await bot.status(who("gone"))
    assert availability(SW, status.reply.plain_text) == SW("status.mentor_paused") + " — " + SW("status.resume_ready")
    told = [h.plain_text for h in status.held] + [n.reply.text for n in status.notifications]
    assert any(SW("left.back.you_back") in text for text in told), told
    assert SW("left.back.you_back") != EN("left.back.you_back")
