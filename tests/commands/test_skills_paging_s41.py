"""Session 41 (platform definitions hunt): the command a `/skills` search shows for its next page names the query.

Before: "Next page: `/skills made skill page:2`". On Discord `query` is a named option of `/skills`, so the
words before ``page:`` are no option there and the command could not be typed as shown. It is now
``/skills query:made skill page:2``, which Discord's options take and the shared parser reads the same (a query
with spaces too), on Slack and the console."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from mentorbot.app import open_bot
from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.commands import button_command, execute_button, parse, run_command
from mentorbot.i18n import translator
from mentorbot.paging import PAGE_ACTION, TYPED, buttons, listing, summary
from mentorbot.replies import Button
from mentorbot.settings import Settings
from tests.big_library import big_library


def test_the_shared_parser_reads_the_shown_command_with_a_query_of_several_words() -> None:
    parsed = parse("/skills query:made skill page:2")
    assert parsed.command.name == "/skills"
    assert dict(parsed.args) == {"query": "made skill", "page": "2"}
    assert dict(parse("/skills query:seo page:3").args) == {"query": "seo", "page": "3"}


def test_the_next_page_command_names_the_query_option() -> None:
    assert TYPED["skills?"] == "/skills query:{query} page:{page}"
    entries = [f"skill {n}" for n in range(25)]
    page = listing("", entries, start=0, page_size=25, source="skills", query="paid ads", empty="", lang="en")
    page = replace(page, total=40)
    assert "/skills query:paid ads page:2" in summary(page)
    assert button_command(Button(PAGE_ACTION, "skills.50.paid ads", "Next")) == "/skills query:paid ads page:3"
    assert button_command(Button(PAGE_ACTION, "skills.25", "Next")) == "/skills page:2", "no query, no option"


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[MentorBot]:
    library = big_library(tmp_path)
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=f"sqlite:///{tmp_path / 'c.sqlite3'}",
        rate_limit_per_minute=10_000,
        skills_file=library.skills_file,
    )
    async with open_bot(settings, clock=ManualClock()) as opened:
        yield opened


def _slugs(text: str) -> list[str]:
    return re.findall(r"made-skill-\d{3}", text)


async def test_the_shown_command_gives_the_page_the_next_button_gives(bot: MentorBot) -> None:
    amina = Caller("test:commands", "amina", "Amina")
    first = await run_command(bot, amina, "/skills made skill")
    text = "\n".join(summary(page) for page in first.reply.listings)
    shown = re.search(r"/skills query:made skill page:2", text)
    assert shown, text
    typed = await run_command(bot, amina, shown.group(0))
    next_label = translator("en")("paging.next")
    [next_button] = [b for page in first.reply.listings for b in buttons(page) if b.label == next_label]
    clicked = await execute_button(bot, amina, next_button.action, next_button.ref)
    typed_slugs = _slugs("\n".join(e for page in typed.reply.listings for e in page.entries))
    clicked_slugs = _slugs("\n".join(e for page in clicked.reply.listings for e in page.entries))
    assert len(typed_slugs) == 25 and typed_slugs == clicked_slugs
