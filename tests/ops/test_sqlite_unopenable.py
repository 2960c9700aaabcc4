"""A SQLite file that cannot be opened (a folder at its path; a file of another user, mode 600) ends a one-shot
command with one line naming it and exit 1, as `mentorbot run` (session 39: the admin and `db` commands exited 2,
and said it after an English log line), never with aiosqlite's "Exception in thread … RuntimeError: Event loop is
closed": the thread of a connection whose opening failed is waited for before the error is raised (it used to
post its stop into the event loop after ``asyncio.run`` had closed it, in about 8 runs out of 10). ``admin
backup`` names the file it could not read.

The real commands as processes: the traceback came from a thread at interpreter exit, which an in-process
runner does not show."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from mentorbot.storage.copying import CopyRefused, sqlite_backup
from mentorbot.storage.database import DatabaseUnavailable
from mentorbot.storage.sqlite_engine import SqliteDatabase


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without any MENTORBOT_* setting of the developer's shell, plus `extra`."""
    return {**{k: v for k, v in os.environ.items() if not k.startswith("MENTORBOT_")}, **extra}


def mentorbot(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mentorbot.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=clean_env(**env),
        timeout=60,
        check=False,
    )


def assert_one_line(done: subprocess.CompletedProcess[str], path: Path, code: int = 1, *, logged: bool = False) -> None:
    """One line naming the database and why, exit `code`; `run`, which logs, says it in the engine's words."""
    assert "Traceback" not in done.stderr and "Exception in thread" not in done.stderr, done.stderr
    assert done.returncode == code, done.stderr
    if logged:
        assert f"the SQLite database {path} cannot be opened or read" in done.stderr
    else:
        said = f"error: the database sqlite:///{path} cannot be reached or opened: unable to open database file"
        assert [line for line in done.stderr.splitlines() if line.strip()] == [said], done.stderr


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A folder where the database file should be (reproduces as root too, unlike a file's mode)."""
    path = tmp_path / "bot.sqlite3"
    path.mkdir()
    return path


def test_db_status_on_a_folder_says_one_line_every_time(tmp_path: Path, folder: Path) -> None:
    for _ in range(10):  # the old failure depended on timing: about 8 runs in 10
        assert_one_line(mentorbot(tmp_path, "db", "status", "--database", f"sqlite:///{folder}"), folder)


@pytest.mark.parametrize(
    ("args", "code"),
    [(("db", "upgrade"), 1), (("admin", "stats"), 1), (("admin", "export", "out"), 1), (("run",), 1)],
    ids=["db upgrade", "admin stats", "admin export", "run"],
)
def test_the_other_commands_say_one_line_too(tmp_path: Path, folder: Path, args: tuple[str, ...], code: int) -> None:
    # `run` needs a platform configured to get as far as the database (it stops there, before connecting to it;
    # it logs the error, then says what to do: exit 1).
    env = {"MENTORBOT_DATABASE_URL": f"sqlite:///{folder}", "MENTORBOT_DISCORD__TOKEN": "x"}
    for _ in range(3):
        assert_one_line(mentorbot(tmp_path, *args, **env), folder, code, logged=args == ("run",))


async def test_the_engine_refuses_it_with_its_thread_ended(folder: Path) -> None:
    before = set(threading.enumerate())
    with pytest.raises(DatabaseUnavailable, match="cannot be opened or read"):
        await SqliteDatabase(str(folder)).open()
    # No aiosqlite thread is left running (it would post into the event loop after it closed).
    assert not [t for t in set(threading.enumerate()) - before if "_connection_worker_thread" in t.name]


async def test_a_backup_of_it_names_the_file(tmp_path: Path, folder: Path) -> None:
    with pytest.raises(CopyRefused) as refused:
        await sqlite_backup(str(folder), tmp_path / "backup.sqlite3")
    assert refused.value.key == "source_unreadable" and refused.value.params["database"] == str(folder)
    assert not (tmp_path / "backup.sqlite3").exists()


def test_admin_backup_of_it_says_which_database(tmp_path: Path, folder: Path) -> None:
    done = mentorbot(tmp_path, "admin", "backup", "backup.sqlite3", MENTORBOT_DATABASE_URL=f"sqlite:///{folder}")
    assert "Traceback" not in done.stderr
    assert done.returncode == 1, done.stderr
    assert f"the SQLite database {folder} could not be read (unable to open database file)" in done.stderr
    assert not (tmp_path / "backup.sqlite3").exists()
