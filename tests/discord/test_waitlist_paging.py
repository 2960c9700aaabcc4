"""The waitlist on Discord when it changes between clicks: Next shows the requests after the last one shown (none
skipped after five of page 1 were cancelled), its footer counts the list as it is now and says it changed, and
the message keeps its CSV file when it turns into another page.

Before: Next carried offset 25 (``waitlist.25``) and showed #31–#55, #26–#30 never shown; and the edit sent
``attachments=[]``, so the waitlist's CSV disappeared on the first click."""

from __future__ import annotations

import re

from mentorbot import paging
from mentorbot.bot import Caller, MentorBot
from mentorbot.i18n import translator
from mentorbot.replies import Reply
from mentorbot_discord.render import render
from tests.discord.helpers import GUILD_ID, MODERATOR_USER_ID, Members, buttons
from tests.fakes.discord_models import CALLBACK_UPDATE_MESSAGE

EN = translator("en")
COMMUNITY = f"discord:{GUILD_ID}"


def ids(text: str) -> list[int]:
    return [int(x) for x in re.findall(r"^#(\d+) ", text, re.M)]


def footer(message: dict[str, object]) -> str:
    embeds = message.get("embeds") or []
    assert isinstance(embeds, list)
    return str((embeds[-1].get("footer") or {}).get("text", ""))


def files(message: dict[str, object]) -> list[str]:
    attachments = message.get("attachments") or []
    assert isinstance(attachments, list)
    return [a["filename"] for a in attachments]


def button_id(message: dict[str, object], label: str) -> str:
    [found] = [b["custom_id"] for b in buttons(message) if b.get("label") == label]  # type: ignore[arg-type]
    return str(found)


async def test_next_after_the_list_shrank_shows_the_rest_and_keeps_the_csv(members: Members, bot: MentorBot) -> None:
    for i in range(60):
        out = await bot.request(Caller(COMMUNITY, f"9{i:05d}", f"member {i}"), skills="seo")
        assert out.error is None, out.reply.text
    first = await members.slash("mentor-admin waitlist", user=MODERATOR_USER_ID)
    assert ids(first.text) == list(range(1, 26))
    assert files(first.first) == ["waitlist.csv"]
    for i in range(5):  # five requests of page 1 are cancelled while the admin reads it
        assert (await bot.cancel(Caller(COMMUNITY, f"9{i:05d}", f"member {i}"))).error is None

    clicked = await members.click(first.first, button_id(first.first, EN("paging.next")), user=MODERATOR_USER_ID)
    assert clicked.callback_type == CALLBACK_UPDATE_MESSAGE
    assert ids(clicked.text) == list(range(26, 51)), "the requests after #25, none skipped"
    line = footer(clicked.first)
    assert line.startswith(EN("paging.showing_more", first=21, last=45, total=55, more=10)), line
    assert EN("paging.changed") in line
    assert files(clicked.first) == ["waitlist.csv"], "the CSV stays on the message turned into page 2"

    back = await members.click(clicked.first, button_id(clicked.first, EN("paging.previous")), user=MODERATOR_USER_ID)
    assert ids(back.text) == list(range(6, 31)), "Previous: from the first request (20 come before #26)"
    assert files(back.first) == ["waitlist.csv"]


def test_only_a_page_without_files_keeps_the_files_of_the_message_it_replaces() -> None:
    page = paging.listing("L", ["a", "b"], start=0, page_size=25, source="skills", empty="", lang="en")
    assert "attachments" not in render(Reply("t", listings=(page,)))[0].edit_kwargs()
    assert render(Reply("Offer accepted"))[0].edit_kwargs()["attachments"] == [], "any other answer clears them"
