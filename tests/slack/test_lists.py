"""Long lists on Slack (issue 14): /skills over a 150-skill taxonomy paged by its Next / Previous buttons (the
ephemeral answer replaced in place) and by a typed ``page:``, in English and Swahili; a long waitlist with its
CSV file."""

from __future__ import annotations

from pathlib import Path

import pytest

from mentorbot import paging
from mentorbot.bot import Caller
from mentorbot.i18n import translator
from mentorbot.library import Library
from mentorbot_slack.blocks import escape
from tests.big_library import SKILLS, big_library, shipped_count
from tests.slack.conftest import ALICE, CAROL, COMMUNITY, DEFAULT_CHANNEL_ID, Uploads, Workspace, find_button, unescape


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Library:
    return big_library(tmp_path_factory.mktemp("skills"))


def slugs_in(text: str) -> list[str]:
    return [part.split("`")[0] for part in text.split("(`")[1:]]


@pytest.mark.parametrize("lang", ["en", "sw"])
async def test_skills_page_by_button_and_by_typing(workspace: Workspace, lang: str) -> None:
    ws, t = workspace, translator(lang)
    await ws.mentor(ALICE, f"language {lang}")
    await ws.command(ALICE, "/skills")
    first = ws.fake.response_posts[-1]
    text = unescape(first.text or "")
    assert t("paging.showing_more", first=1, last=25, total=SKILLS, more=SKILLS - 25) in text
    assert t("paging.next_command", command="/skills page:2") in text
    seen = slugs_in(text)
    assert len(seen) == 25
    message = {**first.body, "ts": "1700000002.000001"}
    for page in range(2, 7):
        button = find_button(message, f"{paging.PAGE_ACTION}:skills.{(page - 1) * 25}")
        assert button["text"]["text"] == t("paging.next")
        await ws.click(ALICE, message, button["action_id"].removeprefix("mentorbot:"), channel_id=DEFAULT_CHANNEL_ID,
                       is_ephemeral=True)  # fmt: skip
        replaced = ws.fake.response_posts[-1]
        assert replaced.replace_original, "a click replaces the message with the page asked for"
        message = {**replaced.body, "ts": "1700000002.000001"}
        seen += slugs_in(unescape(replaced.text or ""))
        last = min(page * 25, SKILLS)
        assert t("paging.showing" if last == SKILLS else "paging.showing_more", first=(page - 1) * 25 + 1,
                 last=last, total=SKILLS, more=SKILLS - last) in unescape(replaced.text or "")  # fmt: skip
    assert len(seen) == SKILLS == len(set(seen)), "every skill once"
    previous = find_button(message, f"{paging.PAGE_ACTION}:skills.100")
    assert previous["text"]["text"] == t("paging.previous")

    await ws.command(ALICE, "/skills", "page:3")
    typed = unescape(ws.fake.response_posts[-1].text or "")
    assert slugs_in(typed) == seen[50:75]
    await ws.command(ALICE, "/skills", "made page:2")
    made = SKILLS - shipped_count()  # the made-up skills match "made"
    assert t("paging.showing_more", first=26, last=50, total=made, more=made - 50) in unescape(
        ws.fake.response_posts[-1].text or ""
    )
    await ws.command(ALICE, "/skills", "page:zero")
    assert unescape(ws.fake.response_posts[-1].text or "") == t("paging.bad_page", page="zero")


async def test_a_long_waitlist_pages_and_comes_whole_as_a_csv(workspace: Workspace, uploads: Uploads) -> None:
    ws = workspace
    for i in range(30):
        await ws.bot.request(Caller(COMMUNITY, f"U0MEMBER{i:02d}", f"member & <{i}>"), skills="seo")
    await ws.command(CAROL, "/mentor-admin", "waitlist")
    await ws.settle()
    assert set(uploads.files) == {"waitlist.csv"}
    rows = uploads.files["waitlist.csv"].decode().splitlines()
    assert len(rows) == 31 and rows[1].startswith("1,member & <0>,SEO,")
    shown = ws.fake.response_posts[-1]
    assert "&amp; &lt;0&gt;" in str(shown.body), "escaped, whole"
    assert escape("Showing 1–25 of 30; 5 more.") in (shown.text or "")
    message = {**shown.body, "ts": "1700000003.000001"}
    action = f"{paging.PAGE_ACTION}:waitlist.25"
    await ws.click(CAROL, message, action, channel_id=DEFAULT_CHANNEL_ID, is_ephemeral=True)
    second = unescape(ws.fake.response_posts[-1].text or "")
    assert "Showing 26–30 of 30." in second and "#30 member & <29>" in second
    assert set(uploads.files) == {"waitlist.csv"} and len(uploads.completed) == 1, "a page click sends no file"


def test_big_library_has_150_skills(library: Library, tmp_path: Path) -> None:
    assert len(library.taxonomy) == SKILLS
