"""Session 41: a reload that failed after the files were read, run again, still rewords a skill put back.

Before: the admin put a removed skill back in the file and reloaded; the unit of work failed after the process had
read the files (the database was unreachable a moment, or a concurrent unit aborted it and `retrying` ran it again),
so nothing was stored, but the process kept the new files in memory. The reload run again worked out "the skills put
back" by comparing the file with the files in memory, which were already the new ones: none. The waiting request for
the skill put back kept saying "no longer offered here: cancel and ask for another", for good. Now the library
remembers the files a change replaced (`Library.replaced`), and a reload compares with those. Both engines."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from mentorbot.bot import Caller
from mentorbot.clock import ManualClock
from mentorbot.storage.store import Store
from mentorbot.usecases import admin
from tests.usecases.test_leave_hunt import library_files, remove_skill
from tests.usecases.test_skills_removed_s40 import ADMIN, process, status_text, waiting_reason

Who = Callable[..., Caller]


def removed_flag(reason: str | None) -> bool:
    return bool(json.loads(reason or "{}").get("removed"))


async def test_a_reload_run_again_after_a_failure_still_rewords_a_skill_put_back(
    store: Store, clock: ManualClock, tmp_path: Path, who: Who, monkeypatch: pytest.MonkeyPatch
) -> None:
    skills, courses = library_files(tmp_path / "lib")
    original = skills.read_text(encoding="utf-8"), courses.read_text(encoding="utf-8")
    bot = process(store, clock, skills, courses)
    await bot.request(who("chiku"), skills="social-listening")
    remove_skill(skills, courses, "social-listening")
    clock.advance(timedelta(seconds=1))
    await bot.admin_reload(ADMIN)
    assert "no longer offers" in await status_text(bot, who("chiku"))

    skills.write_text(original[0], encoding="utf-8")
    courses.write_text(original[1], encoding="utf-8")
    clock.advance(timedelta(seconds=1))
    real = admin.settle_stored_skills

    async def unreachable(core: object) -> object:
        raise OSError("the database went away")

    monkeypatch.setattr(admin, "settle_stored_skills", unreachable)
    failed = await bot.admin_reload(ADMIN)
    assert failed.error is not None  # the apology with its reference: nothing stored
    assert removed_flag(await waiting_reason(store, "chiku"))

    monkeypatch.setattr(admin, "settle_stored_skills", real)
    clock.advance(timedelta(seconds=1))
    await bot.admin_reload(ADMIN)
    mine = await status_text(bot, who("chiku"))
    assert "No mentor offers Social listening yet" in mine and "no longer offers" not in mine
    assert not removed_flag(await waiting_reason(store, "chiku")), "the stored reason, which exports and admins read"
