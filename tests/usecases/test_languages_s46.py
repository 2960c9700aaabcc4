"""Session 46's hunt for English shown to Swahili readers (/tmp/hunt/sw-leaks).

Before: the refusal of a command once a newer release upgraded the database ("MentorBot is being upgraded…") was in
``MENTORBOT_DEFAULT_LANGUAGE`` whatever the member chose; a failed ``/mentor-admin reload`` of a file with more
problems than it lists ended with an English "- … 2 more: `mentorbot config check` lists them all"."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.library import Library
from mentorbot.storage.migrations import available_migrations
from mentorbot.storage.store import Store
from mentorbot.usecases.admin import RELOAD_PROBLEMS_SHOWN
from tests.usecases.conftest import COMMUNITY, make_settings

Who = Callable[..., Caller]
EN, SW = translator("en"), translator("sw")


# ------------------------------------------------------------------------ the newer schema's refusal


async def newer_schema(store: Store, clock: ManualClock) -> None:
    """A newer release's migration recorded in the database, seen by the old process's next look."""
    known = available_migrations(store.db.dialect)[-1].version
    async with store.db.transaction() as conn:
        await conn.execute(
            "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)", known + 1, "newer", clock.now()
        )
    clock.advance(timedelta(minutes=1))


@pytest.mark.parametrize(("chosen", "default"), [("sw", "en"), ("en", "sw")])
async def test_the_newer_schemas_refusal_is_in_the_members_language(
    store: Store, library: Library, clock: ManualClock, who: Who, chosen: str, default: str
) -> None:
    old = MentorBot(store, library, make_settings(default_language=default), clock, worker_id="old")
    await old.set_language(who("amina"), language=chosen)
    await newer_schema(store, clock)
    out = await old.request(who("amina"), skills="seo")
    assert out.error is not None and out.error.key == "drift.schema_newer" and not out.notifications
    assert (out.language, out.reply.text) == (chosen, translator(chosen)("drift.schema_newer"))


async def test_the_newer_schemas_refusal_of_a_newcomer_is_in_the_default_language(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    old = MentorBot(store, library, make_settings(default_language="sw"), clock, worker_id="old")
    await old.look_at_peers()
    await newer_schema(store, clock)
    out = await old.signup(who("baraka"), skills="seo", capacity="1")
    assert (out.language, out.reply.text) == ("sw", SW("drift.schema_newer"))
    assert await store.find_member(COMMUNITY, "U-baraka") is None  # nothing was written


async def test_the_newer_schemas_refusal_falls_back_to_the_default_language_when_the_read_fails(
    store: Store, library: Library, clock: ManualClock, who: Who, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = MentorBot(store, library, make_settings(default_language="sw"), clock, worker_id="old")
    await old.set_language(who("amina"), language="en")
    await newer_schema(store, clock)

    async def broken(*_: object) -> None:
        raise RuntimeError("column members.language does not exist")

    monkeypatch.setattr(store, "find_member", broken)
    out = await old.request(who("amina"), skills="seo")
    assert out.error is not None and out.error.key == "drift.schema_newer"
    assert (out.language, out.reply.text) == ("sw", SW("drift.schema_newer"))


# ------------------------------------------------------------------------ a reload's "… N more" line


def broken_courses(count: int) -> str:
    """`count` courses with one problem each (a level no course has)."""
    return "".join(
        f'\n[[course]]\nid = "x-{i}"\ntitle = "T{i}"\nprovider = "P"\nurl = "https://example.org/{i}"\n'
        f'skills = ["seo"]\nlevel = "guru"\nformat = "course"\ncost = "free"\nduration = "self-paced"\n'
        'language = "en"\n'
        for i in range(count)
    )


@pytest.mark.parametrize("lang", ["en", "sw"])
@pytest.mark.parametrize("more", [1, 3])
async def test_a_failed_reloads_more_line_is_in_the_admins_language(
    bot: MentorBot, who: Who, tmp_path: Path, lang: str, more: int
) -> None:
    admin = who("admin", is_admin=True)
    await bot.set_language(admin, language=lang)
    skills, courses = tmp_path / "skills.toml", tmp_path / "courses.toml"
    shutil.copy(bot.library.skills_file, skills)
    shutil.copy(bot.library.courses_file, courses)
    bot.library = Library(skills, courses)
    courses.write_text(
        courses.read_text(encoding="utf-8") + broken_courses(RELOAD_PROBLEMS_SHOWN + more), encoding="utf-8"
    )
    out = await bot.admin_reload(admin)
    t = translator(lang)
    assert out.language == lang and out.reply.text.startswith(t("reload.failed", error="").split(":")[0])
    lines = out.reply.text.splitlines()
    assert len([line for line in lines if line.startswith("- ")]) == RELOAD_PROBLEMS_SHOWN + 1, lines
    assert lines[-1] == "- " + t("reload.more_problems", count=more)
    assert f" {more} " in lines[-1]


async def test_a_failed_reload_within_the_limit_has_no_more_line(bot: MentorBot, who: Who, tmp_path: Path) -> None:
    admin = who("admin", is_admin=True)
    await bot.set_language(admin, language="sw")
    skills, courses = tmp_path / "skills.toml", tmp_path / "courses.toml"
    shutil.copy(bot.library.skills_file, skills)
    shutil.copy(bot.library.courses_file, courses)
    bot.library = Library(skills, courses)
    courses.write_text(courses.read_text(encoding="utf-8") + broken_courses(RELOAD_PROBLEMS_SHOWN), encoding="utf-8")
    out = await bot.admin_reload(admin)
    lines = out.reply.text.splitlines()
    assert len([line for line in lines if line.startswith("- ")]) == RELOAD_PROBLEMS_SHOWN, lines
    assert "config check" not in out.reply.text
