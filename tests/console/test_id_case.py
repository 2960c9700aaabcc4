"""The console's member ids are names in one case (lower), everywhere: ``/as``, ``admin import-mentors`` and
``MENTORBOT_ADMIN_IDS``. A platform's ids (Slack, Discord) stay exact: they are case-sensitive."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from mentorbot.app import open_bot
from mentorbot.bot import MentorBot
from mentorbot.cli import main
from mentorbot.clock import ManualClock
from mentorbot.mentor_import import plan_import
from mentorbot.usecases.admins import community_admins
from mentorbot.usecases.context import Caller
from mentorbot_console.clock import OffsetClock
from mentorbot_console.session import ConsoleSession
from tests.console.conftest import console_settings, ok
from tests.console.conftest import console_translator as translator

CSV = "user_id,name,skills\nWanjiru,Wanjiru,seo\n"


def import_csv(folder: Path, *args: str) -> None:
    (folder / "mentors.csv").write_text(CSV, encoding="utf-8")
    db = folder / "console.sqlite3"  # the file `console_settings(folder)` opens
    result = CliRunner().invoke(main, ["admin", "import-mentors", "mentors.csv", "--db", str(db), *args])
    assert result.exit_code == 0, result.output


def test_an_imported_mentor_with_a_capitalised_id_is_who_as_acts_as(cli_env: Path) -> None:
    import_csv(cli_env)
    asyncio.run(as_wanjiru_accept(cli_env))


async def as_wanjiru_accept(folder: Path) -> None:
    t = translator("en")
    clock = OffsetClock(ManualClock())
    async with open_bot(console_settings(folder), clock=clock) as bot:
        session = ConsoleSession(bot, clock, files_dir=folder / "files")
        assert [m.platform_user_id for m, _ in await bot.store.list_mentors("console")] == ["wanjiru"]
        await ok(session, "/as Wanjiru")
        status = await ok(session, "/mentor status")
        assert bot.label("seo", "en") in status  # the imported profile, not a second, empty member
        await ok(session, "/as amina")
        out = await ok(session, "/mentor request skills:seo")
        assert t("console.to", name="Wanjiru") in out
        await ok(session, "/as Wanjiru")
        out = await ok(session, "/mentor accept 1")
        assert t("offer.accepted", id=1) in out
        assert t("offer.not_yours", id=1) not in out
        assert await bot.store.count_members("console") == 2


def test_import_into_slack_keeps_the_id_as_written(cli_env: Path) -> None:
    (cli_env / "mentors.csv").write_text("user_id,name,skills\nU0WANJIRU1,Wanjiru,seo\n", encoding="utf-8")
    db = cli_env / "console.sqlite3"
    args = ["admin", "import-mentors", "mentors.csv", "--db", str(db), "--community", "slack:T1"]
    assert CliRunner().invoke(main, args).exit_code == 0

    async def ids() -> list[str]:
        async with open_bot(console_settings(cli_env)) as bot:
            return [m.platform_user_id for m, _ in await bot.store.list_mentors("slack:T1")]

    assert asyncio.run(ids()) == ["U0WANJIRU1"]


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[MentorBot]:
    async with open_bot(console_settings(tmp_path, admin_ids=["Amina", "U0ADMIN"])) as opened:
        yield opened


async def test_the_plan_folds_console_ids_and_finds_their_duplicates(bot: MentorBot) -> None:
    t = translator("en")
    text = CSV + "wanjiru,W,seo\n"
    assert plan_import(CSV, bot, t, community="console").entries[0][0] == "wanjiru"
    assert [e.line for e in plan_import(text, bot, t, community="console").errors] == [3]
    # On Slack an id is exact, and must be one: a name is refused (before: imported, a mentor nobody could reach).
    slack = "user_id,name,skills\nU0ABC,A,seo\nW0ABC,B,seo\nWanjiru,W,seo\n"
    planned = plan_import(slack, bot, t, community="slack:T1")
    assert [e[0] for e in planned.entries] == ["U0ABC", "W0ABC"] and [e.line for e in planned.errors] == [4]


async def test_an_admin_id_in_capitals_counts_in_the_console(tmp_path: Path) -> None:
    t = translator("en")
    clock = OffsetClock(ManualClock())
    async with open_bot(console_settings(tmp_path, admin_ids=["Amina"]), clock=clock) as bot:
        session = ConsoleSession(bot, clock, files_dir=tmp_path / "files")
        assert bot.core.is_admin(Caller("console", "amina", "Amina"))
        assert t("console.as_admin") in await ok(session, "/as Amina")
        out = await ok(session, "/mentor-admin stats")
        assert t("stats.title") in out
        assert t("common.not_admin") not in out
        # ... and the admin is found to be told things (check-in help, digests).
        assert [m.platform_user_id for m in await community_admins(bot.core, "console")] == ["amina"]


async def test_a_platform_id_is_still_compared_exactly(bot: MentorBot) -> None:
    assert bot.core.is_admin(Caller("slack:T1", "U0ADMIN", "Admin"))
    assert not bot.core.is_admin(Caller("slack:T1", "u0admin", "Someone"))
    assert not bot.core.is_admin(Caller("discord:1", "u0admin", "Someone"))
    assert not bot.core.is_admin(Caller("slack:T1", "amina", "Amina"))
