"""An admin's reload of a skills or courses file with several problems lists each (session 39): before, it said the
first only, and the admin reloaded once per typo."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from mentorbot.bot import Caller, MentorBot
from mentorbot.library import Library
from tests.test_config_problems_s39 import BROKEN_COURSES

Who = Callable[..., Caller]


async def test_an_admins_reload_lists_the_problems(bot: MentorBot, who: Who, tmp_path: Path) -> None:
    skills = tmp_path / "skills.toml"
    courses = tmp_path / "courses.toml"
    shutil.copy(bot.library.skills_file, skills)
    shutil.copy(bot.library.courses_file, courses)
    bot.library = Library(skills, courses)
    before = len(bot.library.catalog)
    extra = BROKEN_COURSES.replace('"one"', '"x-one"').replace('"two"', '"x-two"')
    courses.write_text(courses.read_text(encoding="utf-8") + extra, encoding="utf-8")
    failed = await bot.admin_reload(who("admin"))
    text = failed.reply.text
    assert "not reloaded" in text
    listed = [line for line in text.splitlines() if line.startswith("- ")]
    assert len(listed) == 3, text
    assert "field 'level'" in text and "field 'url'" in text and "duplicate id 'x-one'" in text
    assert len(bot.library.catalog) == before, "the previous files stay in service"
