"""Session 40: the console's member ids are one Unicode form too (NFC), as they are one case.

``zoë`` typed with a precomposed ``ë`` (U+00EB, as most keyboards give it) and with ``e`` plus a combining
diaeresis (U+0308, as some macOS input and copied text give it) look alike and were two members: ``/as``, an
import's ``user_id`` column and ``MENTORBOT_ADMIN_IDS`` each took the form they were given, so a mentor imported
under one form was a stranger under the other (a second, empty member), and an admin listed under one was no admin
under the other. Each now takes the NFC form (as `find_member_by_name` already compared names)."""

from __future__ import annotations

import asyncio
import unicodedata
from pathlib import Path

from click.testing import CliRunner

from mentorbot.app import open_bot
from mentorbot.cli import main
from mentorbot.clock import ManualClock
from mentorbot.models import user_key
from mentorbot.usecases.context import Caller
from mentorbot_console.clock import OffsetClock
from mentorbot_console.session import ConsoleSession
from tests.console.conftest import console_settings, ok

NFC = unicodedata.normalize("NFC", "Zoë")
NFD = unicodedata.normalize("NFD", "Zoë")


def test_the_two_forms_are_two_strings() -> None:
    assert NFC != NFD and NFC.lower() != NFD.lower()
    assert user_key("console", NFD) == user_key("console", NFC) == "zoë"
    assert user_key("slack:T1", NFD) == NFD, "a platform's ids stay exactly as given"


def test_a_mentor_imported_in_one_form_is_who_as_acts_as_in_the_other(cli_env: Path) -> None:
    (cli_env / "mentors.csv").write_text(f"user_id,name,skills\n{NFD},{NFD},seo\n", encoding="utf-8")
    database = str(cli_env / "console.sqlite3")
    result = CliRunner().invoke(main, ["admin", "import-mentors", "mentors.csv", "--db", database])
    assert result.exit_code == 0, result.output
    asyncio.run(_act_as_the_mentor(cli_env))


async def _act_as_the_mentor(folder: Path) -> None:
    clock = OffsetClock(ManualClock())
    async with open_bot(console_settings(folder), clock=clock) as bot:
        session = ConsoleSession(bot, clock, name=NFC, files_dir=folder / "files")
        status = await ok(session, "/mentor status")
        assert bot.label("seo", "en") in status  # the imported profile, not a second, empty member
        await ok(session, f"/as {NFD}")
        await ok(session, "/mentor status")
        assert await bot.store.count_members("console") == 1
        assert [m.platform_user_id for m, _ in await bot.store.list_mentors("console")] == ["zoë"]


async def test_an_admin_listed_in_one_form_is_an_admin_in_the_other(cli_env: Path) -> None:
    settings = console_settings(cli_env).model_copy(update={"admin_ids": [NFD]})
    clock = OffsetClock(ManualClock())
    async with open_bot(settings, clock=clock) as bot:
        assert bot.core.is_admin(Caller("console", NFC.lower(), NFC))
