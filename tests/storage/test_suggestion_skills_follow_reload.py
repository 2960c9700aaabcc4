"""A reload that renames a skill (the old slug kept as an alias) moves the community's course suggestions with the
mentors and requests, in the same transaction; one that removes a skill counts the pending and approved suggestions
that still name it among its uses. Before, `course_suggestions.skills` (a comma-joined column) was left out of
`skills_in_use`, `stored_slugs` and `rename_skills`: a renamed skill's approved resource kept the old slug, and
vanished from `/courses` once the admin tidied the alias away, without the reload saying anything."""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.library import Library
from mentorbot.storage.insight import SkillUse
from mentorbot.storage.store import Store
from mentorbot.usecases.library_follow import log_stored_skills, settle_stored_skills
from tests.usecases.conftest import COMMUNITY, make_settings

ROOT = Path(__file__).resolve().parents[2]
ADMIN = Caller(COMMUNITY, "U-admin", "Admin")
NEW_SKILLS = """
[[skill]]
slug = "podcasting"
category = "content"
label = { en = "Podcasting", sw = "Podikasti" }

[[skill]]
slug = "audio-shows"
category = "content"
label = { en = "Audio shows", sw = "Vipindi vya sauti" }
"""
PODCASTING = re.compile(r'\n\[\[skill\]\]\nslug = "podcasting"\n[^\[]*')


def merge_podcasting(text: str) -> str:
    """podcasting merged into audio-shows: its slug kept as an alias, as skills.toml tells admins to."""
    return PODCASTING.sub("\n", text).replace(
        'label = { en = "Audio shows", sw = "Vipindi vya sauti" }',
        'label = { en = "Audio shows", sw = "Vipindi vya sauti" }\naliases = ["podcasting"]',
    )


def drop_alias(text: str) -> str:
    return text.replace('aliases = ["podcasting"]\n', "")


def remove_podcasting(text: str) -> str:
    return PODCASTING.sub("\n", text)


def edit(path: Path, change: Callable[[str], str]) -> None:
    path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")


def member(name: str) -> Caller:
    return Caller(COMMUNITY, f"U-{name}", name.capitalize())


@pytest.fixture
def skills_file(tmp_path: Path) -> Path:
    skills, courses = tmp_path / "skills.toml", tmp_path / "courses.toml"
    shutil.copy(ROOT / "config" / "courses.toml", courses)
    skills.write_text((ROOT / "config" / "skills.toml").read_text(encoding="utf-8") + NEW_SKILLS, encoding="utf-8")
    return skills


@pytest.fixture
def bot(store: Store, clock: ManualClock, skills_file: Path) -> MentorBot:
    courses = skills_file.with_name("courses.toml")
    settings = make_settings(skills_file=skills_file, courses_file=courses)
    return MentorBot(store, Library(skills_file, courses), settings, clock)


async def three_suggestions(bot: MentorBot) -> None:
    """#1 pending (podcasting, seo), #2 approved (podcasting, audio-shows), #3 rejected (podcasting)."""
    for who, skills, title in (
        ("amina", "podcasting, seo", "Podcast SEO notes"),
        ("juma", "podcasting, audio-shows", "Community podcast guide"),
        ("neema", "podcasting", "A rejected guide"),
    ):
        done = await bot.suggest_course(member(who), url=f"https://example.org/{who}", skills=skills, title=title)
        assert "Suggestion #" in done.reply.text, done.reply.text
    await bot.admin_decide_suggestion(ADMIN, suggestion_id=2, approve=True)
    await bot.admin_decide_suggestion(ADMIN, suggestion_id=3, approve=False)


async def skills_of(store: Store) -> dict[int, tuple[str, ...]]:
    found = {}
    for number in (1, 2, 3):
        suggestion = await store.get_suggestion(COMMUNITY, number)
        assert suggestion is not None
        found[number] = suggestion.skills
    return found


async def test_a_renamed_skill_moves_the_suggestions_with_it(bot: MentorBot, skills_file: Path) -> None:
    await three_suggestions(bot)
    edit(skills_file, merge_podcasting)

    await bot.admin_reload(ADMIN)

    assert await skills_of(bot.store) == {1: ("audio-shows", "seo"), 2: ("audio-shows",), 3: ("audio-shows",)}
    assert "podcasting" not in await bot.store.stored_slugs()
    # months later the admin tidies the alias away: the approved resource is still the community's
    edit(skills_file, drop_alias)
    await bot.admin_reload(ADMIN)
    shown = await bot.courses(member("amina"), skills="audio-shows")
    assert any("Community podcast guide" in field.name for field in shown.reply.fields)


async def test_the_rename_reaches_every_suggestion_row(bot: MentorBot) -> None:
    await three_suggestions(bot)
    assert {"podcasting", "audio-shows", "seo"} <= await bot.store.stored_slugs()

    changed = await bot.store.rename_skills({"podcasting": "audio-shows"})

    assert changed == 3
    assert await skills_of(bot.store) == {1: ("audio-shows", "seo"), 2: ("audio-shows",), 3: ("audio-shows",)}


async def test_a_removed_skill_counts_its_pending_and_approved_suggestions(
    bot: MentorBot, skills_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    await three_suggestions(bot)
    uses = await bot.store.skills_in_use()
    assert uses[(COMMUNITY, "podcasting")] == SkillUse(suggestions=2)  # the rejected one is history
    assert uses[(COMMUNITY, "audio-shows")] == SkillUse(suggestions=1)
    edit(skills_file, remove_podcasting)
    bot.library.reload()

    found = await settle_stored_skills(bot.core)
    with caplog.at_level(logging.WARNING):
        log_stored_skills(found)

    assert found.removed_in(COMMUNITY) == [("podcasting", SkillUse(suggestions=2))]
    assert found.renames == {}
    assert any("2 course suggestion(s)" in record.getMessage() for record in caplog.records)


async def test_the_reload_tells_the_admin_of_the_suggestions(bot: MentorBot, skills_file: Path) -> None:
    await three_suggestions(bot)
    edit(skills_file, remove_podcasting)

    done = await bot.admin_reload(ADMIN)

    removed = next(line for line in done.reply.text.splitlines() if "`podcasting`" in line)
    assert "used here by 2 course suggestions." in removed


async def test_the_reload_tells_the_admin_the_suggestions_moved(bot: MentorBot, skills_file: Path) -> None:
    await three_suggestions(bot)
    edit(skills_file, merge_podcasting)

    done = await bot.admin_reload(ADMIN)

    assert "what used it here (2 course suggestions) moved to `audio-shows`" in done.reply.text
