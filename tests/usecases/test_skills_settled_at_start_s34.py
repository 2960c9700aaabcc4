"""The skills file edited and the bot restarted, with no ``/mentor-admin reload``: the start-up checks the slugs stored
rows use against the file it loaded, as a reload does (`library_follow.settle_at_start`, run by `app.open_bot`).

Before, a process's first look ignored every reload counted before it started, and nothing at start-up settled the
stored skills: after ``seo`` became ``search-optimisation`` (``"seo"`` kept as an alias, as skills.toml tells admins
to), "seo" resolved to the new slug while stored mentors, waiting requests and exclusions kept "seo". A new request
never met those mentors ("No mentor offers SEO yet"), a waiting request never met a mentor who signed up after the
restart, and a skill taken out of the file was told to nobody until someone reloaded."""

from __future__ import annotations

import asyncio
import logging
import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from mentorbot.app import open_bot
from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.library import Library
from mentorbot.models import RequestStatus
from mentorbot.replies import Notification
from mentorbot.settings import Settings
from mentorbot.storage.store import Store
from tests.conftest import store_on_same_database
from tests.usecases.conftest import COMMUNITY, make_settings

ROOT = Path(__file__).resolve().parents[2]
ADMIN = Caller(COMMUNITY, "U-admin", "Admin")
PODCASTING = '\n[[skill]]\nslug = "podcasting"\ncategory = "content"\nlabel = { en = "Podcasting", sw = "Podikasti" }\n'


def who(name: str) -> Caller:
    return Caller(COMMUNITY, f"U-{name}", name.capitalize())


def shipped(folder: Path) -> tuple[Path, Path]:
    """A copy of the shipped skills and courses files in `folder`."""
    folder.mkdir()
    skills, courses = folder / "skills.toml", folder / "courses.toml"
    shutil.copy(ROOT / "config" / "skills.toml", skills)
    shutil.copy(ROOT / "config" / "courses.toml", courses)
    return skills, courses


def renamed(folder: Path) -> tuple[Path, Path]:
    """The files with ``seo`` renamed ``search-optimisation``, "seo" kept as its alias (courses follow)."""
    skills, courses = shipped(folder)
    text = skills.read_text(encoding="utf-8")
    text = text.replace('slug = "seo"', 'slug = "search-optimisation"').replace(
        'aliases = ["search engine optimisation"', 'aliases = ["seo", "search engine optimisation"'
    )
    skills.write_text(text, encoding="utf-8")
    courses.write_text(courses.read_text(encoding="utf-8").replace('"seo"', '"search-optimisation"'), encoding="utf-8")
    return skills, courses


def with_podcasting(folder: Path) -> tuple[Path, Path]:
    """The shipped files with one more skill, ``podcasting`` (the shipped ones are the files without it)."""
    skills, courses = shipped(folder)
    with skills.open("a", encoding="utf-8") as fh:
        fh.write(PODCASTING)
    return skills, courses


def settings_for(skills: Path, courses: Path) -> Settings:
    return make_settings(skills_file=skills, courses_file=courses)


def process(store: Store, clock: ManualClock, skills: Path, courses: Path, name: str) -> MentorBot:
    """The process that ran before the restart (no start-up of its own: the store is already open)."""
    return MentorBot(store, Library(skills, courses), settings_for(skills, courses), clock, worker_id=name)


async def admin_notices(bot: MentorBot) -> list[Notification]:
    """What the outbox holds for the admin that nobody has delivered yet (claimed a moment later, as a timer round
    would, then reported delivered)."""
    assert isinstance(bot.clock, ManualClock)
    bot.clock.advance(timedelta(seconds=1))
    notes = [n for n in await bot.undelivered() if n.platform_user_id == ADMIN.user_id]
    await bot.delivered(notes)
    return notes


async def request_of(bot: MentorBot, name: str) -> tuple[str, ...]:
    member = await bot.store.find_member(COMMUNITY, f"U-{name}")
    assert member is not None
    [req] = await bot.store.list_member_requests(member.id, open_only=True)
    return req.skills


async def mentor_skills(bot: MentorBot, name: str) -> tuple[str, ...]:
    member = await bot.store.find_member(COMMUNITY, f"U-{name}")
    assert member is not None
    profile = await bot.store.get_mentor_profile(member.id)
    assert profile is not None
    return tuple(profile.skills)


async def test_a_restart_with_a_renamed_skill_moves_what_is_stored(
    store: Store, clock: ManualClock, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    before = process(store, clock, *shipped(tmp_path / "old"), "before")
    await before.set_language(ADMIN, language="en")
    await before.signup(who("wanjiru"), skills="seo", capacity=2)
    skills, courses = renamed(tmp_path / "new")
    clock.advance(timedelta(minutes=5))
    with caplog.at_level(logging.INFO, logger="mentorbot"):
        async with open_bot(settings_for(skills, courses), clock=clock, store=store_on_same_database(store)) as bot:
            assert await mentor_skills(bot, "wanjiru") == ("search-optimisation",)
            # A new request for "seo" (now the alias) meets the mentor stored with it before the restart.
            asked = await bot.request(who("amina"), skills="seo")
            assert asked.error is None
            assert [n.reply.plain_text for n in asked.notifications if n.platform_user_id == "U-wanjiru"]
            [told] = await admin_notices(bot)
            assert "`seo`" in told.reply.plain_text and "search-optimisation" in told.reply.plain_text
    assert any("'seo' is now an alias of 'search-optimisation'" in r.getMessage() for r in caplog.records)


async def test_a_waiting_request_for_the_old_slug_meets_a_mentor_who_signs_up_after_the_restart(
    store: Store, clock: ManualClock, tmp_path: Path
) -> None:
    before = process(store, clock, *shipped(tmp_path / "old"), "before")
    await before.request(who("daudi"), skills="seo")  # nobody offers it yet: waiting
    skills, courses = renamed(tmp_path / "new")
    clock.advance(timedelta(minutes=5))
    async with open_bot(settings_for(skills, courses), clock=clock, store=store_on_same_database(store)) as bot:
        assert await request_of(bot, "daudi") == ("search-optimisation",)
        await bot.signup(who("juma"), skills="search-optimisation", capacity=2)
        clock.advance(timedelta(minutes=5))
        await bot.run_due_jobs(sweep=True)
        member = await bot.store.find_member(COMMUNITY, "U-daudi")
        assert member is not None
        [req] = await bot.store.list_member_requests(member.id, open_only=True)
        assert req.status is RequestStatus.OFFERED


async def test_a_second_start_with_the_same_files_changes_and_reports_nothing(
    store: Store, clock: ManualClock, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    before = process(store, clock, *shipped(tmp_path / "old"), "before")
    await before.set_language(ADMIN, language="en")
    await before.signup(who("wanjiru"), skills="seo", capacity=2)
    skills, courses = renamed(tmp_path / "new")
    settings = settings_for(skills, courses)
    async with open_bot(settings, clock=clock, store=store_on_same_database(store)) as first:
        assert len(await admin_notices(first)) == 1
        reloads = await first.store.library_reloads()
    clock.advance(timedelta(hours=1))
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="mentorbot"):
        async with open_bot(settings, clock=clock, store=store_on_same_database(store)) as second:
            assert await admin_notices(second) == []
            assert await second.store.library_reloads() == reloads
            assert await mentor_skills(second, "wanjiru") == ("search-optimisation",)
    assert not [r for r in caplog.records if r.name == "mentorbot.usecases.library_follow"]


async def test_a_skill_taken_out_of_the_file_is_reported_once(
    store: Store, clock: ManualClock, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    before = process(store, clock, *with_podcasting(tmp_path / "old"), "before")
    await before.set_language(ADMIN, language="en")
    await before.signup(who("wanjiru"), skills="podcasting", capacity=2)
    skills, courses = shipped(tmp_path / "new")  # podcasting taken out, no alias keeps it
    settings = settings_for(skills, courses)
    clock.advance(timedelta(minutes=5))
    with caplog.at_level(logging.WARNING, logger="mentorbot"):
        async with open_bot(settings, clock=clock, store=store_on_same_database(store)) as first:
            [told] = await admin_notices(first)
    assert "`podcasting`" in told.reply.plain_text and "1 mentor" in told.reply.plain_text
    assert any("skill 'podcasting' is no longer in the skills file" in r.getMessage() for r in caplog.records)
    clock.advance(timedelta(hours=2))
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="mentorbot"):
        async with open_bot(settings, clock=clock, store=store_on_same_database(store)) as second:
            assert await admin_notices(second) == []
    assert not [r for r in caplog.records if "podcasting" in r.getMessage()]


async def test_processes_starting_at_once_settle_and_tell_once(
    store: Store, clock: ManualClock, tmp_path: Path
) -> None:
    before = process(store, clock, *shipped(tmp_path / "old"), "before")
    await before.set_language(ADMIN, language="en")
    await before.signup(who("wanjiru"), skills="seo", capacity=2)
    await before.request(who("daudi"), skills="copywriting")
    skills, courses = renamed(tmp_path / "new")
    settings = settings_for(skills, courses)
    clock.advance(timedelta(minutes=5))

    async def start() -> None:
        async with open_bot(settings, clock=clock, store=store_on_same_database(store)):
            pass

    await asyncio.gather(*(start() for _ in range(4)))
    async with open_bot(settings, clock=clock, store=store_on_same_database(store)) as bot:
        assert len(await admin_notices(bot)) == 1
        assert await mentor_skills(bot, "wanjiru") == ("search-optimisation",)
        reloads = await bot.store.library_reloads()
        assert reloads is not None and reloads.generation == 1  # one settling counted: the others found it done


async def test_a_read_only_command_does_not_settle(store: Store, clock: ManualClock, tmp_path: Path) -> None:
    """`mentorbot admin export|stats|forget` open the bot without `upgrade` (they refuse a schema that is not theirs
    rather than change it): they may run with other files than the running bot's, and leave settling to its start."""
    before = process(store, clock, *shipped(tmp_path / "old"), "before")
    await before.set_language(ADMIN, language="en")
    await before.signup(who("wanjiru"), skills="seo", capacity=2)
    skills, courses = renamed(tmp_path / "new")
    async with open_bot(
        settings_for(skills, courses), clock=clock, store=store_on_same_database(store), upgrade=False
    ) as bot:
        assert await mentor_skills(bot, "wanjiru") == ("seo",)
        assert await admin_notices(bot) == []
