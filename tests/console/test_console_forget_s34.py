"""`mentorbot admin forget` against the console's database (session 34).

A docs hunt found that the console never delivered what another process wrote to the outbox: the CLI's forget said
"The members affected are told by the running bot", but a running console only ran its timers, never claimed the
outbox rows the CLI released, so the partner was never told their mentor left. And the CLI looked the member up with
the id exactly as typed, while the console's names are lower-cased everywhere else (``Wanjiru`` is ``wanjiru``).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from click.testing import CliRunner, Result

from mentorbot.app import open_bot
from mentorbot.cli import main
from mentorbot.usecases.context import Caller
from mentorbot_console.clock import OffsetClock
from mentorbot_console.session import ConsoleSession
from tests.console.conftest import console_settings, ok
from tests.console.conftest import console_translator as translator

T = translator("en")


def forget(folder: Path, user: str, *args: str) -> Result:
    """`mentorbot admin forget USER --yes` on the console's database (`console_settings(folder)`'s file)."""
    db = folder / "console.sqlite3"
    return CliRunner().invoke(main, ["admin", "forget", user, "--db", str(db), "--yes", *args])


async def matched(session: ConsoleSession) -> None:
    """Wanjiru mentors Amina, in the console."""
    await ok(session, "/as Wanjiru")
    await ok(session, "/mentor signup skills:seo capacity:2")
    await ok(session, "/as Amina")
    await ok(session, "/mentor request skills:seo")
    await ok(session, "/as Wanjiru")
    assert T("offer.accepted", id=1) in await ok(session, "/mentor accept 1")


async def forgotten_by_the_cli(folder: Path, user: str) -> tuple[list[str], Result]:
    """A console runs while an admin forgets `user` from another shell: what the console printed after it."""
    clock = OffsetClock()  # the real time, as the console's: the CLI's rows are due to it at once
    async with open_bot(console_settings(folder), clock=clock) as bot:
        session = ConsoleSession(bot, clock, files_dir=folder / "files")
        await matched(session)
        result = await asyncio.to_thread(forget, folder, user)  # another process, its own event loop
        outputs = [await ok(session, line) for line in ("/as amina", "/mentor status", "/clock +1h", "/mentor status")]
        return outputs, result


def test_the_console_delivers_the_notice_of_a_forget_run_from_the_cli(cli_env: Path) -> None:
    outputs, result = asyncio.run(forgotten_by_the_cli(cli_env, "wanjiru"))
    assert result.exit_code == 0, result.output
    left = T("end.mentor_left", id=1)
    assert left in outputs[0], "the next line the console runs shows what the CLI wrote for the running bot"
    assert T("console.to", name="Amina") in outputs[0]
    assert sum(out.count(left) for out in outputs) == 1, outputs


def test_the_cli_forgets_a_console_member_by_their_name_in_any_case(cli_env: Path) -> None:
    outputs, result = asyncio.run(forgotten_by_the_cli(cli_env, "Wanjiru"))
    assert result.exit_code == 0, result.output
    assert "Wanjiru (wanjiru) was forgotten in console" in result.stdout
    assert sum(out.count(T("end.mentor_left", id=1)) for out in outputs) == 1, outputs


async def forgotten_in_the_console(folder: Path) -> list[str]:
    """Wanjiru forgets herself in the console; then the clock moves past every lease."""
    clock = OffsetClock()
    async with open_bot(console_settings(folder), clock=clock) as bot:
        session = ConsoleSession(bot, clock, files_dir=folder / "files")
        await matched(session)
        outputs = [await ok(session, "/mentor forget confirm:yes")]
        outputs += [await ok(session, line) for line in ("/as amina", "/clock +1h", "/mentor status", "/clock +2d")]
        return outputs


def test_a_notice_the_console_wrote_and_showed_is_not_shown_again(cli_env: Path) -> None:
    outputs = asyncio.run(forgotten_in_the_console(cli_env))
    left = T("end.mentor_left", id=1)
    assert left in outputs[0]
    assert sum(out.count(left) for out in outputs) == 1, outputs


async def slack_member(folder: Path) -> None:
    async with open_bot(console_settings(folder)) as bot:
        await bot.signup(Caller("slack:T1", "U0WANJIRU", "Wanjiru"), skills="seo", levels="expert")


def test_a_platform_id_is_still_matched_exactly(cli_env: Path) -> None:
    asyncio.run(slack_member(cli_env))
    result = forget(cli_env, "u0wanjiru", "--community", "slack:T1")
    assert result.exit_code == 1
    assert "There is no member u0wanjiru in slack:T1" in result.stderr
    assert forget(cli_env, "U0WANJIRU", "--community", "slack:T1").exit_code == 0


def test_an_unknown_member_points_at_the_platform_user_id_column(cli_env: Path) -> None:
    asyncio.run(slack_member(cli_env))
    result = forget(cli_env, "nobody")
    assert result.exit_code == 1
    assert "platform_user_id" in result.stderr
    assert "members.csv" in translator("sw")("cli.forget.no_such_member", user="x", community="console")
    assert "platform_user_id" in translator("sw")("cli.forget.no_such_member", user="x", community="console")
