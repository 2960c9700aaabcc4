"""Session 40: Ctrl-C during ``mentorbot db status``, ``db upgrade`` or ``db copy`` said click's "Aborted!", exit 1.

Session 39 made the admin commands that open the bot's database say one line and exit 130 on Ctrl-C; the ``db``
commands open their databases themselves (no bot), so theirs went on up to click. Each now says, in the admin's
language, that what was not committed was rolled back, or that no database was left where the command made one,
exit 130, with no thread's traceback; a database that was there is as it was (an upgrade applies its migrations in
one transaction; a copy fills its target in one).

The tests run the real command as a process and send it SIGINT where it is held, as a terminal does.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from mentorbot.clock import SystemClock
from mentorbot.i18n import translator
from mentorbot.settings import ENV_PREFIX
from mentorbot.storage import migrations
from mentorbot.storage.migrations import available_migrations, migrate, schema_version
from mentorbot.storage.store import create_database
from tests.test_admin_cli_failures_s39 import assert_one_line
from tests.test_admin_cli_failures_s39 import interrupted as held_and_interrupted

EN = translator("en")
SW = translator("sw")
KNOWN = available_migrations("sqlite")[-1].version

DRIVER = """
import asyncio, sys, time

from mentorbot.storage import copying, migrations


def wait_for_ctrl_c():
    # Here, in the event loop's thread, until the test's SIGINT has reached asyncio (it cancels the command).
    print("READY", file=sys.stderr, flush=True)
    deadline = time.monotonic() + 20
    while not asyncio.current_task().cancelling() and time.monotonic() < deadline:
        time.sleep(0.01)


where = sys.argv.pop(1)
if where == "status":  # the tables being counted
    real_states = copying.table_states

    async def table_states(*args, **kwargs):
        wait_for_ctrl_c()
        await asyncio.sleep(0)
        return await real_states(*args, **kwargs)

    copying.table_states = table_states
elif where == "upgrading":  # the first migration's statements run, in the upgrade's transaction
    real_split = migrations.split_statements

    def split_statements(sql):
        if sys._getframe(1).f_code.co_name == "_apply" and not getattr(split_statements, "said", False):
            split_statements.said = True
            wait_for_ctrl_c()
        return real_split(sql)

    migrations.split_statements = split_statements
elif where == "copying":  # the first page copied, in the target's transaction
    real_copy = copying.copy_database

    async def copy_database(source, target, now, *, progress=None, **kwargs):
        def step(n):
            if progress is not None:
                progress(n)
            if not getattr(step, "said", False):
                step.said = True
                wait_for_ctrl_c()

        return await real_copy(source, target, now, progress=step, **kwargs)

    copying.copy_database = copy_database

from mentorbot.cli import main

main(prog_name="mentorbot")
"""


pytestmark = pytest.mark.usefixtures("clean_env")


def interrupted(cwd: Path, where: str, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run ``mentorbot ARGS`` held at `where` by this file's driver, and interrupt it there."""
    return held_and_interrupted(cwd, where, *args, env=env, driver_text=DRIVER)


def files(folder: Path, name: str) -> list[str]:
    return sorted(path.name for path in folder.iterdir() if path.name.startswith(name))


async def _make(url: str, *, version: int = KNOWN) -> None:
    """A MentorBot database at `version`, with one member row."""
    with pytest.MonkeyPatch.context() as patch:
        everything = available_migrations("sqlite")
        patch.setattr(migrations, "available_migrations", lambda d: [m for m in everything if m.version <= version])
        await _made(url)


async def _made(url: str) -> None:
    db = create_database(url)
    await db.open()
    try:
        await migrate(db, SystemClock().now())
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO members (community, platform_user_id, display_name, created_at) VALUES (?, ?, ?, ?)",
                "c1",
                "u1",
                "Amina",
                SystemClock().now(),
            )
    finally:
        await db.close()


async def _version(url: str) -> int:
    db = create_database(url)
    await db.open()
    try:
        async with db.read() as conn:
            return await schema_version(conn, db.dialect)
    finally:
        await db.close()


def test_ctrl_c_during_db_status_is_one_line(clean_env: Path) -> None:
    asyncio.run(_make("sqlite:///bot.sqlite3"))
    status, stderr = interrupted(clean_env, "status", "db", "status", "--database", "sqlite:///bot.sqlite3")
    assert status == 130
    assert_one_line(stderr, EN("cli.interrupted.nothing_changed"))


def test_ctrl_c_during_an_upgrade_leaves_the_database_at_its_version(clean_env: Path) -> None:
    asyncio.run(_make("sqlite:///old.sqlite3", version=20))
    status, stderr = interrupted(clean_env, "upgrading", "db", "upgrade", "--database", "sqlite:///old.sqlite3")
    assert status == 130
    assert_one_line(stderr, EN("cli.interrupted.nothing_changed"))
    assert asyncio.run(_version("sqlite:///old.sqlite3")) == 20


def test_ctrl_c_during_an_upgrade_of_a_new_file_leaves_no_file(clean_env: Path) -> None:
    status, stderr = interrupted(
        clean_env,
        "upgrading",
        "db",
        "upgrade",
        "--database",
        "sqlite:///new.sqlite3",
        env={f"{ENV_PREFIX}DEFAULT_LANGUAGE": "sw"},
    )
    assert status == 130
    assert_one_line(stderr, SW("cli.interrupted.nothing_left", database="sqlite:///new.sqlite3"))
    assert files(clean_env, "new.sqlite3") == []


def test_ctrl_c_during_a_copy_into_a_new_file_leaves_no_file(clean_env: Path) -> None:
    asyncio.run(_make("sqlite:///from.sqlite3"))
    status, stderr = interrupted(
        clean_env, "copying", "db", "copy", "--from", "sqlite:///from.sqlite3", "--to", "sqlite:///to.sqlite3"
    )
    assert status == 130
    assert_one_line(stderr, EN("cli.interrupted.nothing_left", database="sqlite:///to.sqlite3"))
    assert files(clean_env, "to.sqlite3") == []
    assert files(clean_env, "from.sqlite3")[0] == "from.sqlite3"


def test_ctrl_c_during_a_copy_into_a_database_changes_nothing(clean_env: Path) -> None:
    asyncio.run(_make("sqlite:///from.sqlite3"))
    asyncio.run(_make("sqlite:///to.sqlite3"))
    status, stderr = interrupted(
        clean_env,
        "copying",
        "db",
        "copy",
        "--from",
        "sqlite:///from.sqlite3",
        "--to",
        "sqlite:///to.sqlite3",
        "--replace",
    )
    assert status == 130
    assert_one_line(stderr, EN("cli.interrupted.nothing_changed"))
    assert asyncio.run(_version("sqlite:///to.sqlite3")) == KNOWN
