"""Long lists in the console (issue 14): /skills over a 150-skill taxonomy, a page at a time with the "showing"
line, paged by the numbered Next action and by a typed ``page:``, in English and Swahili; the admin's waitlist."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from mentorbot.app import open_bot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot_console.clock import OffsetClock
from mentorbot_console.session import ConsoleSession
from tests.big_library import SKILLS, big_library
from tests.console.conftest import console_settings, ok


@pytest.fixture
async def big(tmp_path: Path, lang: str) -> AsyncIterator[ConsoleSession]:
    """A console session over a 150-skill taxonomy."""
    library = big_library(tmp_path)
    clock = OffsetClock(ManualClock())
    settings = console_settings(tmp_path, lang, skills_file=library.skills_file)
    async with open_bot(settings, clock=clock) as bot:
        yield ConsoleSession(bot, clock, files_dir=tmp_path / "files")


def slugs_in(text: str) -> list[str]:
    return re.findall(r"\(`?([a-z0-9-]+)`?\)", text)  # the console prints no backticks


def action_number(out: str, label: str) -> int:
    found = re.search(r"\[(\d+)\] " + re.escape(label), out)
    assert found, out
    return int(found.group(1))


@pytest.mark.parametrize("lang", ["en", "sw"])
async def test_skills_page_by_click_and_by_typing(big: ConsoleSession, lang: str) -> None:
    t = translator(lang)
    out = await ok(big, "/skills")
    assert t("paging.showing_more", first=1, last=25, total=SKILLS, more=125) in out
    assert t("paging.next_command", command="/skills page:2").replace("`", "") in out  # the console shows no backticks
    seen = slugs_in(out)
    while t("paging.next") in out:
        out = await ok(big, f"/click {action_number(out, t('paging.next'))}")
        seen += slugs_in(out)
    assert len(seen) == SKILLS == len(set(seen)), "every skill once, by clicking Next"
    assert t("paging.showing", first=126, last=150, total=SKILLS) in out
    typed = await ok(big, "/skills page:2")
    assert slugs_in(typed) == seen[25:50]
    back = await ok(big, f"/click {action_number(typed, t('paging.previous'))}")
    assert slugs_in(back) == seen[:25]
    assert t("paging.bad_page", page="x").replace("`", "") in await ok(big, "/skills page:x")


@pytest.mark.parametrize("lang", ["en", "sw"])
async def test_the_waitlist_pages_and_saves_a_csv(big: ConsoleSession, lang: str, tmp_path: Path) -> None:
    t = translator(lang)
    for i in range(27):
        await ok(big, f"/as member{i:02d}")
        await ok(big, "/mentor request skills:seo")
    await ok(big, "/as boss")
    await ok(big, "/admin on")
    out = await ok(big, "/mentor-admin waitlist")
    assert t("paging.showing_more", first=1, last=25, total=27, more=2) in out
    assert "waitlist.csv" in out and (tmp_path / "files").exists()
    out = await ok(big, f"/click {action_number(out, t('paging.next'))}")
    assert t("paging.showing", first=26, last=27, total=27) in out and "member26" in out
