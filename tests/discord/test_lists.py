"""Long lists on Discord (issue 14): /skills over a 150-skill taxonomy paged by its Next button (the message
edited in place) and by the typed ``page`` option, in English and Swahili; the waitlist by ``page`` with its CSV."""

from __future__ import annotations

import pytest

from mentorbot import paging
from mentorbot.bot import Caller, MentorBot
from mentorbot.i18n import translator
from mentorbot.library import Library
from tests.big_library import SKILLS, big_library
from tests.discord.helpers import GUILD_ID, MENTEE_USER_ID, MODERATOR_USER_ID, Members, buttons
from tests.fakes.discord_models import CALLBACK_UPDATE_MESSAGE


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Library:
    return big_library(tmp_path_factory.mktemp("skills"))


def slugs_in(text: str) -> list[str]:
    return [part.split("`")[0] for part in text.split("(`")[1:]]


def footer(message: dict[str, object]) -> str:
    embeds = message.get("embeds") or []
    assert isinstance(embeds, list)
    return str((embeds[-1].get("footer") or {}).get("text", ""))


@pytest.mark.parametrize("lang", ["en", "sw"])
async def test_skills_page_by_button_and_by_typing(members: Members, lang: str) -> None:
    t = translator(lang)
    await members.slash("mentor language", {"language": lang})
    shown = await members.slash("skills")
    assert footer(shown.first).startswith(t("paging.showing_more", first=1, last=25, total=SKILLS, more=125))
    seen = slugs_in(shown.text)
    message = shown.first
    for page in range(2, 7):
        next_id = f"mentorbot:{paging.PAGE_ACTION}:skills.{(page - 1) * 25}"
        assert (t("paging.next"), next_id) in [(b["label"], b["custom_id"]) for b in buttons(message)]
        clicked = await members.click(message, next_id, user=MENTEE_USER_ID)
        assert clicked.callback_type == CALLBACK_UPDATE_MESSAGE, "the clicked message becomes the page asked for"
        message = clicked.first
        seen += slugs_in(clicked.text)
    assert len(seen) == SKILLS == len(set(seen))

    typed = await members.slash("skills", {"page": 2})
    assert slugs_in(typed.text) == seen[25:50]
    assert footer(typed.first).startswith(t("paging.showing_more", first=26, last=50, total=SKILLS, more=100))


async def test_the_waitlist_pages_by_typing_and_comes_as_a_csv(members: Members, bot: MentorBot) -> None:
    for i in range(30):
        await bot.request(Caller(f"discord:{GUILD_ID}", f"9{i:05d}", f"member {i}"), skills="seo")
    first = await members.slash("mentor-admin waitlist", user=MODERATOR_USER_ID)
    assert "Showing 1–25 of 30; 5 more." in footer(first.first)
    assert [a["filename"] for a in first.first.get("attachments") or []] == ["waitlist.csv"]
    second = await members.slash("mentor-admin waitlist", {"page": 2}, user=MODERATOR_USER_ID)
    assert footer(second.first) == "Showing 26–30 of 30."
    assert "#30 member 29: SEO" in second.text
