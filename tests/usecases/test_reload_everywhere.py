"""`/mentor-admin reload` is answered by one process, and every other process serving the community (Slack HTTP
workers, Discord shards) reloads the files too, within a minute. Before, only the process that got the command
reloaded them: the others kept the old skills and courses until they were restarted."""

from __future__ import annotations

import logging
import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.library import Library
from mentorbot.settings import Settings
from mentorbot.storage.store import Store
from mentorbot.usecases.library_follow import CHECK_EVERY as LIBRARY_CHECK_EVERY
from tests.usecases.conftest import COMMUNITY, make_settings

ROOT = Path(__file__).resolve().parents[2]
ADMIN = Caller(COMMUNITY, "U-admin", "Admin")
NEW_SKILL = '\n[[skill]]\nslug = "podcasting"\ncategory = "content"\nlabel = { en = "Podcasting", sw = "Podikasti" }\n'


def files(folder: Path) -> tuple[Path, Path]:
    folder.mkdir()
    skills, courses = folder / "skills.toml", folder / "courses.toml"
    shutil.copy(ROOT / "config" / "skills.toml", skills)
    shutil.copy(ROOT / "config" / "courses.toml", courses)
    return skills, courses


def process(store: Store, clock: ManualClock, skills: Path, courses: Path, name: str) -> MentorBot:
    settings: Settings = make_settings(skills_file=skills, courses_file=courses)
    return MentorBot(store, Library(skills, courses), settings, clock, worker_id=name)


async def test_the_other_processes_follow_an_admins_reload(store: Store, clock: ManualClock, tmp_path: Path) -> None:
    skills, courses = files(tmp_path / "shared")
    first = process(store, clock, skills, courses, "A")
    second = process(store, clock, skills, courses, "B")
    await second.run_due_jobs()  # B has looked once: nothing reloaded yet
    with skills.open("a", encoding="utf-8") as fh:
        fh.write(NEW_SKILL)
    clock.advance(timedelta(seconds=1))
    await first.admin_reload(ADMIN)
    assert first.library.taxonomy.get("podcasting") is not None
    assert second.library.taxonomy.get("podcasting") is None
    clock.advance(LIBRARY_CHECK_EVERY)
    await second.run_due_jobs()
    assert second.library.taxonomy.get("podcasting") is not None
    # A reloaded it itself: it does not read the files again for its own reload.
    before = first.library.current
    await first.run_due_jobs()
    assert first.library.current is before


async def test_a_process_that_cannot_read_the_files_keeps_its_own(
    store: Store, clock: ManualClock, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    skills, courses = files(tmp_path / "a")
    other_skills, other_courses = files(tmp_path / "b")
    first = process(store, clock, skills, courses, "A")
    second = process(store, clock, other_skills, other_courses, "B")
    other_skills.write_text("not toml [", encoding="utf-8")
    clock.advance(timedelta(seconds=1))
    await first.admin_reload(ADMIN)
    before = second.library.current
    clock.advance(LIBRARY_CHECK_EVERY)
    with caplog.at_level(logging.ERROR):
        await second.run_due_jobs()
    assert second.library.current is before
    assert any("cannot read them" in r.getMessage() for r in caplog.records)


async def test_a_process_started_after_a_reload_does_not_read_the_files_again(
    store: Store, clock: ManualClock, tmp_path: Path
) -> None:
    skills, courses = files(tmp_path / "shared")
    await process(store, clock, skills, courses, "A").admin_reload(ADMIN)
    clock.advance(timedelta(minutes=5))
    later = process(store, clock, skills, courses, "C")
    before = later.library.current
    await later.run_due_jobs()
    assert later.library.current is before


async def test_a_process_running_no_timers_follows_before_a_command(
    store: Store, clock: ManualClock, tmp_path: Path
) -> None:
    """A Slack HTTP worker started without timers (`timers=False`) never runs the timer loop: it looks before a
    command that changes something (not on a quick view, which Slack may answer within its acknowledgement), at
    most once a minute."""
    skills, courses = files(tmp_path / "shared")
    first = process(store, clock, skills, courses, "A")
    worker = process(store, clock, skills, courses, "W")
    await worker.request(Caller(COMMUNITY, "U-juma", "Juma"), skills="seo")  # its first look
    with skills.open("a", encoding="utf-8") as fh:
        fh.write(NEW_SKILL)
    clock.advance(timedelta(seconds=1))
    await first.admin_reload(ADMIN)
    clock.advance(LIBRARY_CHECK_EVERY)
    asked = await worker.request(Caller(COMMUNITY, "U-amina", "Amina"), skills="podcasting")
    assert asked.error is None and "Podcasting" in asked.reply.plain_text


async def test_the_count_of_reloads_is_the_databases_not_a_clocks(store: Store, clock: ManualClock) -> None:
    """Two processes whose clocks disagree: the second reload is counted after the first whatever the times."""
    assert await store.note_library_reload(clock.now()) == 1
    assert await store.note_library_reload(clock.now() - timedelta(hours=1)) == 2
    state = await store.library_reloads()
    assert state is not None and state.generation == 2
