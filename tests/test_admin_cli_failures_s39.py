"""Session 39 (CLI hunt): how the one-off commands end when their database fails them, or when Ctrl-C stops them.

1. ``mentorbot admin stats --db junk.sqlite3`` (a file that is not a database) said it twice: ``open_bot``'s log line
   ("cannot open the database sqlite:///junk.sqlite3 (unavailable): …"), which reached the terminal through Python's
   last-resort handler (these commands set up no logging), then ``error: the SQLite database junk.sqlite3 cannot be
   opened or read: …``. Same for export, forget, import-mentors, and a PostgreSQL server out of reach.
2. The line was the driver's Python text, ``error: PostgreSQL: ConnectionRefusedError: [Errno 111] Connect call
   failed ('127.0.0.1', 5999)``, and exit 2 for a server that may come back. Now it is ``mentorbot run``'s words in
   the admin's language, naming the database (password masked) and the driver's reason; exit 1 for a database that
   cannot be reached or opened (as ``run``), 2 for the rest.
3. Ctrl-C during an admin command printed ~25 lines of "Exception in thread … RuntimeError: Event loop is closed"
   (aiosqlite's thread, its connection cancelled while it opened) and click's "Aborted!", exit 1, and left an empty
   SQLite file where none was. Now one line, exit 130; a file the command created is removed; a database that was
   there is as it was (each command writes in one transaction).

The Ctrl-C tests run the real command as a process and send it SIGINT, as a terminal does: the thread's traceback
came at interpreter exit, which an in-process runner does not show.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
import pytest
from click.testing import CliRunner

from mentorbot.app import open_bot
from mentorbot.cli import main
from mentorbot.cli_support import run_or_exit
from mentorbot.i18n import translator
from mentorbot.settings import ENV_PREFIX, Settings, load_settings, mask_url_password
from mentorbot.storage.database import DatabaseUnavailable
from mentorbot.storage.store import Store
from tests.conftest import POSTGRES_URL, require_postgres

EN = translator("en")
MENTORS_CSV = "user_id,name,skills\nm1,Mentor One,seo\nm2,Mentor Two,seo\nm3,Mentor Three,seo\n"


pytestmark = pytest.mark.usefixtures("clean_env")


@contextmanager
def no_logging_set_up() -> Iterator[None]:
    """Logging as a one-off ``mentorbot`` command has it: no handler anywhere (pytest's own taken off for a while),
    so a record would go to Python's last-resort handler, i.e. the terminal's stderr."""
    taken: list[tuple[logging.Logger, logging.Handler]] = []
    for logger in (logging.getLogger(), logging.getLogger("mentorbot")):
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
            taken.append((logger, handler))
    try:
        yield
    finally:
        for logger, handler in taken:
            logger.addHandler(handler)


def refused(url: str, reason: str, *, kind: str = "unavailable", lang: str = "en") -> str:
    t = translator(lang)
    problem = t(f"cli.database.problem_{kind}")
    line = t("cli.database.failed", database=mask_url_password(url), problem=problem, reason=reason)
    return t("cli.error", reason=line)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# ------------------------------------------------------------------ 1 and 2. a database the command cannot use


@pytest.fixture
def junk(clean_env: Path) -> Path:
    path = clean_env / "junk.sqlite3"
    path.write_text("junk\n", encoding="utf-8")
    (clean_env / "mentors.csv").write_text(MENTORS_CSV, encoding="utf-8")
    return path


COMMANDS = {
    "stats": ["admin", "stats"],
    "export": ["admin", "export", "out"],
    "forget": ["admin", "forget", "wanjiru", "--yes"],
    "import-mentors": ["admin", "import-mentors", "mentors.csv"],
}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_file_that_is_not_a_database_is_said_once_naming_it(junk: Path, command: str) -> None:
    with no_logging_set_up():
        result = CliRunner().invoke(main, [*COMMANDS[command], "--db", str(junk)])
    naming = [line for line in result.output.splitlines() if junk.name in line]  # (import-mentors: its phases)
    assert naming == [refused(f"sqlite:///{junk}", "file is not a database")]
    assert "cannot open the database" not in result.output
    assert result.exit_code == 1  # as `mentorbot run` exits for a database it cannot open


def test_the_line_is_in_the_admins_language(junk: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MENTORBOT_DEFAULT_LANGUAGE", "sw")
    with no_logging_set_up():
        result = CliRunner().invoke(main, ["admin", "stats", "--db", str(junk)])
    assert result.output.splitlines() == [refused(f"sqlite:///{junk}", "file is not a database", lang="sw")]
    assert result.output.startswith("hitilafu: hifadhidata ")


@pytest.mark.parametrize(
    "args",
    [["admin", "stats"], ["admin", "export", "out"], ["db", "status"], ["db", "upgrade"]],
    ids=["admin stats", "admin export", "db status", "db upgrade"],
)
def test_a_postgresql_server_out_of_reach_is_one_line_in_words_exit_1(
    monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    port = free_port()
    url = f"postgresql://bob:s3cr3t-39@127.0.0.1:{port}/mentorbot"
    monkeypatch.setenv("MENTORBOT_DATABASE_URL", url)
    with no_logging_set_up():
        result = CliRunner().invoke(main, args)
    reason = str(ConnectionRefusedError(111, f"Connect call failed ('127.0.0.1', {port})"))
    assert result.output.splitlines() == [refused(url, reason)]
    assert "postgresql://bob:********@127.0.0.1" in result.output
    assert "s3cr3t-39" not in result.output and "ConnectionRefusedError" not in result.output
    assert result.exit_code == 1


@pytest.mark.postgres
def test_a_role_the_server_refuses_is_named_in_words(monkeypatch: pytest.MonkeyPatch) -> None:
    if "@" in POSTGRES_URL:
        pytest.skip("the test server's URL names its own user")
    asyncio.run(require_postgres())
    url = POSTGRES_URL.replace("postgresql://", "postgresql://nobody39:pw@", 1)
    monkeypatch.setenv("MENTORBOT_DATABASE_URL", url)
    for args in (["admin", "stats"], ["db", "status"]):
        with no_logging_set_up():
            result = CliRunner().invoke(main, args)
        assert result.output.splitlines() == [refused(url, 'role "nobody39" does not exist')]
        assert "InvalidAuthorizationSpecificationError" not in result.output
        assert result.exit_code == 1


def test_a_read_only_database_is_one_line_exit_2(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What will not pass by itself keeps exit 2."""
    db = clean_env / "bot.sqlite3"
    made = CliRunner().invoke(main, ["db", "upgrade", "--database", f"sqlite:///{db}"])
    assert made.exit_code == 0, made.output
    url = f"sqlite:///{db}?mode=ro"
    monkeypatch.setenv("MENTORBOT_DATABASE_URL", url)
    with no_logging_set_up():
        result = CliRunner().invoke(main, ["admin", "stats"])
    assert result.output.splitlines() == [refused(url, "attempt to write a readonly database", kind="read_only")]
    assert result.exit_code == 2


async def test_where_a_log_is_set_up_the_log_line_stays(junk: Path, caplog: pytest.LogCaptureFixture) -> None:
    """``mentorbot run``, a Slack worker and the console's log file keep ``open_bot``'s line."""
    settings = load_settings(env_file=None, database_url=f"sqlite:///{junk}")
    with caplog.at_level(logging.ERROR, logger="mentorbot"), pytest.raises(DatabaseUnavailable):
        async with open_bot(settings):
            pass
    [line] = caplog.messages
    assert line.startswith(f"cannot open the database sqlite:///{junk} (unavailable): ")


def test_another_failure_is_said_as_before(capsys: pytest.CaptureFixture[str]) -> None:
    async def failing() -> None:
        raise RuntimeError("something else")

    with pytest.raises(SystemExit) as exited:
        run_or_exit(failing(), Settings(_env_file=None))  # type: ignore[call-arg]
    assert exited.value.code == 2
    assert capsys.readouterr().err == "error: something else\n"


# ------------------------------------------------------------------------------------------------- 3. Ctrl-C

DRIVER = """
import asyncio, sys, time

from mentorbot import mentor_import
from mentorbot.bot import MentorBot
from mentorbot.storage.store import Store


def wait_for_ctrl_c():
    # Here, in the event loop's thread, until the test's SIGINT has reached asyncio (it cancels the command).
    print("READY", file=sys.stderr, flush=True)
    deadline = time.monotonic() + 20
    while not asyncio.current_task().cancelling() and time.monotonic() < deadline:
        time.sleep(0.01)


where = sys.argv.pop(1)
if where == "checking":  # the file being checked: nothing opened yet
    real_plan = mentor_import.plan_import

    def plan_import(*args, **kwargs):
        wait_for_ctrl_c()
        return real_plan(*args, **kwargs)

    mentor_import.plan_import = plan_import
elif where == "writing":  # the first mentor written, in the import's transaction
    real_import = Store.import_mentors

    async def import_mentors(self, community, entries, now, *, progress=None):
        def step(n):
            if progress is not None:
                progress(n)
            if not getattr(step, "said", False):
                step.said = True
                wait_for_ctrl_c()

        return await real_import(self, community, entries, now, progress=step)

    Store.import_mentors = import_mentors
elif where == "forgetting":  # the member forgotten, in the forget's transaction
    real_forget = MentorBot.forget

    async def forget(self, *args, **kwargs):
        outcome = await real_forget(self, *args, **kwargs)
        wait_for_ctrl_c()
        await asyncio.sleep(0)
        return outcome

    MentorBot.forget = forget

from mentorbot.cli import main

main(prog_name="mentorbot")
"""


def interrupted(
    cwd: Path, where: str, *args: str, env: dict[str, str] | None = None, driver_text: str = DRIVER
) -> tuple[int, str]:
    """Run ``mentorbot ARGS`` with the command held at `where` (by `driver_text`, which patches the command to print
    READY there and wait for the signal), send it SIGINT there; its exit status and stderr."""
    driver = cwd / "driver.py"
    driver.write_text(driver_text, encoding="utf-8")
    environment = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
    environment.update(env or {})
    with subprocess.Popen(
        [sys.executable, str(driver), where, *args],
        cwd=cwd,
        env=environment,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # Python sets its Ctrl-C handler only where SIGINT is not ignored (as it is for a shell's background job).
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    ) as process:
        assert process.stderr is not None
        seen: list[str] = []
        for line in process.stderr:
            seen.append(line)
            if line.strip() == "READY":
                process.send_signal(signal.SIGINT)
                break
        _, rest = process.communicate(timeout=60)
    if not any(line.strip() == "READY" for line in seen):
        pytest.fail("the command never reached the point to interrupt:\n" + "".join(seen) + rest)
    return process.returncode, "".join(seen) + rest


def assert_one_line(stderr: str, line: str) -> None:
    assert "Exception in thread" not in stderr and "Traceback" not in stderr, stderr
    assert "Aborted!" not in stderr, stderr
    assert stderr.rstrip("\n").splitlines()[-1] == line, stderr


def left(folder: Path, name: str) -> list[str]:
    return sorted(path.name for path in folder.iterdir() if path.name.startswith(name))


@pytest.mark.parametrize("where", ["checking", "writing"])
def test_ctrl_c_during_an_import_into_a_new_file_leaves_no_file(clean_env: Path, where: str) -> None:
    (clean_env / "mentors.csv").write_text(MENTORS_CSV, encoding="utf-8")
    for _ in range(3 if where == "checking" else 1):  # the thread's traceback depended on timing
        status, stderr = interrupted(clean_env, where, "admin", "import-mentors", "mentors.csv", "--db", "new.sqlite3")
        assert_one_line(stderr, EN("cli.interrupted.nothing_left", database="sqlite:///new.sqlite3"))
        assert status == 130
        assert left(clean_env, "new.sqlite3") == []


async def _members(url: str) -> list[str]:
    store = Store.from_url(url)
    await store.db.open()
    try:
        async with store.db.read() as conn:
            rows = await conn.fetch_all("SELECT platform_user_id FROM members ORDER BY platform_user_id")
    finally:
        await store.close()
    return [str(row["platform_user_id"]) for row in rows]


async def _schema(statement: str) -> None:
    admin = await asyncpg.connect(POSTGRES_URL)
    try:
        await admin.execute(statement)
    finally:
        await admin.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def existing(request: pytest.FixtureRequest, clean_env: Path) -> Iterator[str]:
    """A database on each engine holding one member, ``wanjiru`` of the console's community."""
    if request.param == "sqlite":
        url = f"sqlite:///{clean_env / 'bot.sqlite3'}"
        schema = None
    else:
        schema = asyncio.run(require_postgres())
        asyncio.run(_schema(f'CREATE SCHEMA "{schema}"'))
        url = f"{POSTGRES_URL}?search_path={schema}"
    try:
        (clean_env / "one.csv").write_text("user_id,name,skills\nwanjiru,Wanjiru,seo\n", encoding="utf-8")
        made = CliRunner().invoke(main, ["admin", "import-mentors", "one.csv"], env={"MENTORBOT_DATABASE_URL": url})
        assert made.exit_code == 0, made.output
        assert asyncio.run(_members(url)) == ["wanjiru"]
        yield url
    finally:
        if schema is not None:
            asyncio.run(_schema(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


def test_ctrl_c_during_an_import_into_a_database_changes_nothing(clean_env: Path, existing: str) -> None:
    (clean_env / "mentors.csv").write_text(MENTORS_CSV, encoding="utf-8")
    env = {"MENTORBOT_DATABASE_URL": existing}
    status, stderr = interrupted(clean_env, "writing", "admin", "import-mentors", "mentors.csv", env=env)
    assert_one_line(stderr, EN("cli.interrupted.nothing_changed"))
    assert status == 130
    assert asyncio.run(_members(existing)) == ["wanjiru"]  # none of the file's three


def test_ctrl_c_during_a_forget_changes_nothing(clean_env: Path, existing: str) -> None:
    env = {"MENTORBOT_DATABASE_URL": existing}
    status, stderr = interrupted(clean_env, "forgetting", "admin", "forget", "wanjiru", "--yes", env=env)
    assert_one_line(stderr, EN("cli.interrupted.nothing_changed"))
    assert status == 130
    assert asyncio.run(_members(existing)) == ["wanjiru"]


def test_a_bot_cancelled_while_its_database_opens_leaves_no_thread_behind(clean_env: Path) -> None:
    """The cancellation (Ctrl-C) reached the engine while aiosqlite connected: its thread, left to itself, posted
    into the event loop after ``asyncio.run`` had closed it ("Exception in thread … Event loop is closed")."""
    settings = load_settings(env_file=None, database_url=f"sqlite:///{clean_env / 'bot.sqlite3'}")
    failures: list[BaseException | None] = []
    before = set(threading.enumerate())

    def workers() -> list[threading.Thread]:
        return [t for t in set(threading.enumerate()) - before if "_connection_worker_thread" in t.name]

    async def command() -> None:
        async with open_bot(settings, upgrade=False):
            pytest.fail("opened")

    async def cancelled_while_connecting() -> None:
        task = asyncio.create_task(command())
        for _ in range(1000):  # until aiosqlite's thread has started: it connects
            await asyncio.sleep(0)
            if workers():
                break
        assert workers(), "aiosqlite's thread never started"
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    hook = threading.excepthook
    threading.excepthook = lambda args: failures.append(args.exc_value)
    try:
        for _ in range(10):  # the old failure depended on timing
            asyncio.run(cancelled_while_connecting())
            for thread in workers():
                thread.join(timeout=5)
            before = set(threading.enumerate())
    finally:
        threading.excepthook = hook
    assert failures == []
