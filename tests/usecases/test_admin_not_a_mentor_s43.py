"""An admin command naming a member who has no mentor profile says who they are and how they become one, not the
raw id the platform sent (session 43's parity hunt: Discord's member picker sends an id, so the admin read "There is
no mentor called '1200000000000000203' here"). One nobody in the community has is still "no mentor called …"."""

from __future__ import annotations

from collections.abc import Callable

from mentorbot.bot import Caller, MentorBot
from mentorbot.i18n import translator
from mentorbot.usecases import views
from tests.usecases.conftest import COMMUNITY

Who = Callable[..., Caller]
EN = translator("en")
SW = translator("sw")


async def test_a_member_who_is_no_mentor_is_named_by_a_mention(bot: MentorBot, who: Who) -> None:
    await bot.request(who("amina"), skills="seo")
    amina = await bot.store.find_member(COMMUNITY, "U-amina")
    assert amina is not None
    admin = who("admin", is_admin=True)
    expected = EN("admin.not_a_mentor", mention=views.mention(amina))
    assert (await bot.admin_pause(admin, mentor="U-amina")).reply.text == expected
    assert (await bot.admin_pause(admin, mentor="<@U-amina>")).reply.text == expected
    await bot.request(who("bob"), skills="seo")
    assert (await bot.admin_match(admin, request_id=2, mentor="U-amina")).reply.text == expected
    await bot.set_language(admin, language="sw")
    said = (await bot.admin_pause(admin, mentor="U-amina")).reply.text
    assert said == SW("admin.not_a_mentor", mention=views.mention(amina))


async def test_a_name_nobody_has_is_still_no_mentor_called(bot: MentorBot, who: Who) -> None:
    said = (await bot.admin_pause(who("admin", is_admin=True), mentor="nobody")).reply.text
    assert said == EN("admin.no_such_mentor", name="nobody")
