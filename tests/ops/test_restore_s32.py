"""Session 32: `mentorbot db restore` and `mentorbot admin backup`, defects an I/O hunt found (reproductions under
/tmp/hunt/io), each with the test that failed before.

1. A SQLite restore gave again the ids given since the backup: the AUTOINCREMENT counters went back to the
   backup's, so a new offer, request or course suggestion took the id of one made in the lost period, whose direct
   messages and admins' lists still carry live buttons (an old Approve approved another member's suggestion, an old
   Accept made a mentorship with another mentee). The copy's counters are now raised, before it takes the
   database's place, above every id the replaced database is known by (`copying.ids_known`).
2. Ctrl-C during `db restore` said "Aborted!" and the restore went on in its worker thread, replacing the database
   anyway; during `admin backup` the file was still written (and the retry refused "exists already"). The worker
   now stops at its next check (each step of the copy, before any file moves) and the command says what happened.
3. On PostgreSQL, `db restore` printed a `pg_restore` aimed at the live database ("into an empty database"): run as
   printed, it merged the backup into the live rows. It now prints a new database's recipe (createdb, pg_restore
   with --exit-on-error --single-transaction, then `mentorbot db raise-ids` so the new database's ids rise above
   the old one's), the password left out.
4. (The review's R1, /tmp/hunt/review/r4.) Ctrl-C twice during a restore whose files had moved (its check of a
   large database runs for seconds) said "Interrupted: nothing was restored; … is as it was." while the worker
   finished putting the backup in place; the first Ctrl-C said nothing. The first now says the restore is done and
   being checked, and an interrupt says what the files show (the database aside: it was restored).
"""

from __future__ import annotations

import asyncio
import os
import shlex
import signal
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import click
import pytest
from click.testing import CliRunner

from mentorbot.app import open_bot
from mentorbot.cli import main
from mentorbot.commands.running import execute_button
from mentorbot.i18n import translator
from mentorbot.replies import Button
from mentorbot.settings import Settings
from mentorbot.storage import copying
from mentorbot.storage.copying import Interrupted, pg_dump_command, sqlite_backup, sqlite_restore
from mentorbot.usecases.context import Caller
from tests.conftest import POSTGRES_URL, require_postgres

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
C = "console"
EN = translator("en")
ADMIN = Caller(C, "admin", "Admin", is_admin=True)
MENTOR = Caller(C, "mentor", "Mona")


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """An empty working folder, no MENTORBOT_* variable, no .env."""
    for name in list(os.environ):
        if name.startswith("MENTORBOT_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    yield tmp_path


def make_settings(url: str) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None, database_url=url, rate_limit_per_minute=1_000_000, default_language="en"
    )


def _button(outcome: Any, action: str) -> Button:
    reply = getattr(outcome, "reply", outcome)
    return next(b for b in reply.buttons if b.action == action)


async def _before_backup(url: str) -> None:
    async with open_bot(make_settings(url)) as bot:
        await bot.signup(MENTOR, skills="seo", capacity="3")
        await bot.suggest_course(Caller(C, "amina", "Amina"), url="https://moz.com/learn/seo/what-is-seo", skills="seo")
        await bot.request(Caller(C, "amina", "Amina"), skills="seo", note="Amina's request")


async def _lost_period(url: str) -> tuple[Button, Button, int]:
    """What happens after the backup and is lost by the restore: a suggestion the admin sees with its Approve, and
    a request whose offer the mentor sees with its Accept. Returns both buttons and the request's id."""
    async with open_bot(make_settings(url)) as bot:
        await bot.suggest_course(
            Caller(C, "baraka", "Baraka"), url="https://blog.hubspot.com/marketing/seo", skills="seo", title="HubSpot"
        )
        queue = (await bot.admin_courses(ADMIN)).reply
        approve = max((b for b in queue.buttons if b.action == "suggestion.approve"), key=lambda b: int(b.ref))
        asked = await bot.request(Caller(C, "baraka", "Baraka"), skills="seo", note="Baraka's request")
        offer_dm = next(n.reply for n in asked.notifications if n.platform_user_id == "mentor")
        request_id = max(int(r) for (r,) in _rows(url, "SELECT id FROM requests"))
        return approve, _button(offer_dm, "offer.accept"), request_id


def _rows(url: str, sql: str) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as conn, conn:
        return conn.execute(sql).fetchall()


# --------------------------------------------------------------------------- 1. ids rise after a SQLite restore


async def test_a_sqlite_restore_gives_no_id_again_that_the_replaced_database_gave(tmp_path: Path) -> None:
    """/tmp/hunt/io/ids/repro_restore_reuses_ids.py. Before: Zed's suggestion took id 2 (Baraka's, lost), and the
    admin's old [Approve] of Baraka's approved Zed's; Zoe's request's offer took id 2, and the mentor's old
    [Accept] of Baraka's offer made a mentorship with Zoe."""
    live, backup = tmp_path / "live.sqlite3", tmp_path / "backup.sqlite3"
    url = f"sqlite:///{live}"
    await _before_backup(url)
    await sqlite_backup(str(live), backup)
    approve, accept, lost_request = await _lost_period(url)
    result = await sqlite_restore(str(live), backup, NOW)
    assert result.integrity == "ok" and result.ids_raised is True
    assert not _files(tmp_path, "live.sqlite3.restoring*"), "the copy's write went into it, not into a -wal left"
    async with open_bot(make_settings(url)) as bot:
        await bot.suggest_course(
            Caller(C, "zed", "Zed"), url="https://example.org/zeds-seo-course", skills="seo", title="Zed's course"
        )
        await bot.request(Caller(C, "zoe", "Zoe"), skills="seo", note="Zoe's request")
        (zed,) = _rows(url, "SELECT id FROM course_suggestions WHERE url LIKE '%zeds-seo%'")
        (zoe,) = _rows(
            url, "SELECT r.id FROM requests r JOIN members m ON m.id = r.member_id WHERE m.display_name = 'Zoe'"
        )
        (zoe_offer,) = _rows(url, f"SELECT id FROM offers WHERE request_id = {zoe[0]}")
        assert zed[0] > int(approve.ref) and zoe[0] > lost_request and zoe_offer[0] > int(accept.ref)
        await execute_button(bot, ADMIN, approve.action, approve.ref)
        await execute_button(bot, MENTOR, accept.action, accept.ref)
    assert _rows(url, f"SELECT status FROM course_suggestions WHERE id = {zed[0]}") == [("pending",)]
    assert _rows(url, "SELECT COUNT(*) FROM mentorships") == [(0,)], "the old Accept made no mentorship with Zoe"


async def test_a_restore_raises_ids_above_message_keys_and_timers_of_the_replaced_database(tmp_path: Path) -> None:
    """A row deleted since the backup is still known by its direct message's key (``offer:<id>``…) and its timer:
    those ids are not given again either."""
    live, backup = tmp_path / "live.sqlite3", tmp_path / "backup.sqlite3"
    url = f"sqlite:///{live}"
    await _before_backup(url)
    await sqlite_backup(str(live), backup)
    # Traces of ids above the counters, as a database at an older schema may hold them.
    with closing(sqlite3.connect(live)) as conn, conn:
        conn.execute(
            "INSERT INTO message_refs (community, platform_user_id, message_key, member_id, location, stored_at) "
            "SELECT 'console', 'mentor', 'offer:40', id, 'x', '2026-03-01T00:00:00+00:00' FROM members LIMIT 1"
        )
        conn.execute("UPDATE outbox SET message_key = 'suggestion:41' WHERE id = (SELECT MIN(id) FROM outbox)")
        conn.execute(
            "INSERT INTO message_refs (community, platform_user_id, message_key, member_id, location, stored_at) "
            "SELECT 'console', 'mentor', 'request:x1', id, 'x', '2026-03-01T00:00:00+00:00' FROM members LIMIT 1"
        )
    result = await sqlite_restore(str(live), backup, NOW)
    assert result.ids_raised is True
    counters = dict(_rows(url, "SELECT name, seq FROM sqlite_sequence"))
    assert counters["offers"] >= 40 and counters["course_suggestions"] >= 41
    assert counters["requests"] == 1, "a key that names no id raises nothing"


async def test_a_replaced_database_that_cannot_be_read_is_restored_over_and_said_so(
    tmp_path: Path, cli_env: Path
) -> None:
    live, backup = tmp_path / "live.sqlite3", tmp_path / "backup.sqlite3"
    await _before_backup(f"sqlite:///{live}")
    await sqlite_backup(str(live), backup)
    live.write_bytes(b"not a database any more" * 500)
    result = await sqlite_restore(str(live), backup, NOW)
    assert result.integrity == "ok" and result.ids_raised is False
    live.write_bytes(b"not a database any more" * 500)
    out = await asyncio.to_thread(
        CliRunner().invoke, main, ["db", "restore", str(backup), "--database", f"sqlite:///{live}"]
    )
    assert out.exit_code == 0, out.output
    assert EN("ops.restore.ids_unread") in out.output


async def test_a_restore_with_no_database_before_raises_nothing(tmp_path: Path) -> None:
    live, backup = tmp_path / "live.sqlite3", tmp_path / "backup.sqlite3"
    await _before_backup(f"sqlite:///{live}")
    await sqlite_backup(str(live), backup)
    target = tmp_path / "new" / "restored.sqlite3"
    result = await sqlite_restore(str(target), backup, NOW)
    assert result.integrity == "ok" and result.ids_raised is None and not result.kept


# ----------------------------------------------------------------------------------- 2. an interrupted restore


async def _big_backup(tmp_path: Path) -> tuple[Path, Path]:
    """A live database (no filler) and a backup of several steps of the restore's copy (about 6 MB of filler)."""
    live, filler, backup = tmp_path / "live.sqlite3", tmp_path / "filler.sqlite3", tmp_path / "backup.sqlite3"
    await _before_backup(f"sqlite:///{filler}")
    with closing(sqlite3.connect(filler)) as conn, conn:
        conn.executemany(
            "INSERT INTO processed_events VALUES (?, ?)",
            ((f"ev-{i}-" + "x" * 400, "2026-01-01T00:00:00.000000+00:00") for i in range(15_000)),
        )
    await sqlite_backup(str(filler), backup)
    await _before_backup(f"sqlite:///{live}")
    return live, backup


def _filler(live: Path) -> int:
    with closing(sqlite3.connect(live)) as conn, conn:
        return int(conn.execute("SELECT COUNT(*) FROM processed_events").fetchone()[0])


def _files(folder: Path, pattern: str) -> list[str]:
    return sorted(p.name for p in folder.glob(pattern))


def _untouched(live: Path) -> None:
    assert _filler(live) == 0, "the database was replaced"
    assert _files(live.parent, "live.sqlite3*") == ["live.sqlite3"], "nothing moved, no copy left"


async def test_a_cancelled_restore_replaces_nothing(tmp_path: Path) -> None:
    """The task is cancelled (what Ctrl-C does to the command's task) while its thread copies the backup. Before: the
    cancellation returned at once and the thread went on to replace the database."""
    live, backup = await _big_backup(tmp_path)
    stop = threading.Event()
    loop = asyncio.get_running_loop()
    steps: list[int] = []

    def progress(copied: int, total: int) -> None:
        steps.append(copied)
        if len(steps) == 1:
            loop.call_soon_threadsafe(task.cancel)
            assert stop.wait(10), "the cancellation reached the thread"

    task = asyncio.create_task(sqlite_restore(str(live), backup, NOW, progress=progress, cancel=stop))
    with pytest.raises(asyncio.CancelledError):
        await task
    assert len(steps) == 1, "no step after the cancellation"
    _untouched(live)


async def test_a_restore_stopped_by_its_flag_replaces_nothing(tmp_path: Path) -> None:
    live, backup = await _big_backup(tmp_path)
    stop = threading.Event()
    with pytest.raises(Interrupted):
        await sqlite_restore(str(live), backup, NOW, progress=lambda copied, total: stop.set(), cancel=stop)
    _untouched(live)
    result = await sqlite_restore(str(live), backup, NOW)  # the retry works
    assert result.integrity == "ok" and _filler(live) == 15_000


def test_ctrl_c_during_db_restore_says_nothing_was_restored(
    tmp_path: Path, cli_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """/tmp/hunt/io/intr/repro_ctrl_c_restore.py: SIGINT while the bar shows some percent. Before: "Aborted!", exit 1,
    and the database replaced by the backup all the same."""
    live, backup = asyncio.run(_big_backup(tmp_path))
    real = click.progressbar

    class Bar:
        """click's bar, which sends the main thread SIGINT at its first step (as Ctrl-C in the terminal does) and
        gives it time to handle it before the copy's next step."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            self.bar = real(*args, **kwargs)
            self.pos = 0
            self.sent = False

        def __enter__(self) -> Bar:
            self.bar.__enter__()
            return self

        def __exit__(self, *exc: Any) -> None:
            self.bar.__exit__(*exc)

        def update(self, n: int) -> None:
            self.pos += n
            if not self.sent:
                self.sent = True
                signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)
                time.sleep(1)

    monkeypatch.setattr(click, "progressbar", Bar)
    result = CliRunner().invoke(main, ["db", "restore", str(backup), "--database", f"sqlite:///{live}"])
    assert result.exit_code == 130, result.output
    assert EN("ops.restore.interrupted", database=live) in result.output
    assert "Aborted!" not in result.output
    _untouched(live)


# -------------------------------------------------------------- Ctrl-C after the files moved (the review's R1)


def _check_takes_a_while(monkeypatch: pytest.MonkeyPatch, presses: int) -> None:
    """The restore's second part as on a large database: its files have moved, and its check takes seconds, during
    which `presses` Ctrl-C reach the command, each handled before the next (the worker returns only then)."""
    real = copying._swap

    def swap(*args: Any, **kwargs: Any) -> Any:
        result = real(*args, **kwargs)
        for _ in range(presses):
            signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)
            time.sleep(0.5)
        return result

    monkeypatch.setattr(copying, "_swap", swap)


def _restored(live: Path) -> list[str]:
    """The restore's files: the database is the backup now, the one that was there aside."""
    assert _filler(live) == 15_000, "the database is the backup"
    aside = _files(live.parent, "live.sqlite3.before-restore-*")
    assert aside and _files(live.parent, "live.sqlite3.restoring*") == []
    return aside


def test_ctrl_c_after_the_files_moved_says_the_restore_is_done_and_being_checked(
    tmp_path: Path, cli_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """/tmp/hunt/review/r4/drive.py 1. Before: the first Ctrl-C said nothing (the restore went on, by design, and
    reported later), so the admin, thinking it ignored, pressed again."""
    live, backup = asyncio.run(_big_backup(tmp_path))
    _check_takes_a_while(monkeypatch, presses=1)
    result = CliRunner().invoke(main, ["db", "restore", str(backup), "--database", f"sqlite:///{live}"])
    assert result.exit_code == 0, result.output
    assert EN("ops.restore.too_late", database=live) in result.output
    assert EN("ops.restore.interrupted", database=live) not in result.output
    aside = _restored(live)
    assert EN("ops.restore.kept", files=", ".join(str(tmp_path / name) for name in aside)) in result.output
    assert result.output.index(EN("ops.restore.too_late", database=live)) < result.output.index("integrity ok")


def test_ctrl_c_twice_after_the_files_moved_never_says_nothing_was_restored(
    tmp_path: Path, cli_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """/tmp/hunt/review/r4/drive.py 2. Before: "Interrupted: nothing was restored; … is as it was." (exit 130)
    while the worker finished putting the backup in place."""
    live, backup = asyncio.run(_big_backup(tmp_path))
    _check_takes_a_while(monkeypatch, presses=2)
    result = CliRunner().invoke(main, ["db", "restore", str(backup), "--database", f"sqlite:///{live}"])
    assert result.exit_code == 130, result.output
    assert EN("ops.restore.interrupted", database=live) not in result.output
    assert EN("ops.restore.too_late", database=live) in result.output
    assert EN("ops.restore.interrupted_late", database=live, backup=backup) in result.output
    aside = _restored(live)
    assert EN("ops.restore.kept", files=", ".join(str(tmp_path / name) for name in aside)) in result.output


def test_an_interrupt_once_the_restore_into_a_new_file_finished_says_it_was_restored(
    tmp_path: Path, cli_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Ctrl-C that comes once the worker is done (the command's task has finished: asyncio raises it at once):
    the restore is told by the files, here a database that was not there before."""
    _, backup = asyncio.run(_big_backup(tmp_path))
    target = tmp_path / "new.sqlite3"
    real = copying._swap

    def swap(*args: Any, **kwargs: Any) -> Any:
        real(*args, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(copying, "_swap", swap)
    result = CliRunner().invoke(main, ["db", "restore", str(backup), "--database", f"sqlite:///{target}"])
    assert result.exit_code == 130, result.output
    assert EN("ops.restore.interrupted", database=target) not in result.output
    assert EN("ops.restore.interrupted_late", database=target, backup=backup) in result.output
    assert EN("ops.restore.nothing_before") in result.output
    assert _filler(target) == 15_000


async def test_a_restore_cancelled_after_its_files_moved_says_so_and_returns_its_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    live, backup = await _big_backup(tmp_path)
    loop = asyncio.get_running_loop()
    real = copying._swap
    told: list[bool] = []

    def swap(*args: Any, **kwargs: Any) -> Any:
        result = real(*args, **kwargs)
        loop.call_soon_threadsafe(task.cancel)
        time.sleep(0.3)  # the cancellation reaches the awaiting task while the check would still run
        return result

    monkeypatch.setattr(copying, "_swap", swap)
    task = asyncio.create_task(sqlite_restore(str(live), backup, NOW, too_late=lambda: told.append(True)))
    result = await task
    assert told == [True] and result.integrity == "ok" and result.kept
    assert _filler(live) == 15_000


async def test_a_restore_cancelled_before_its_files_move_is_not_told_too_late(tmp_path: Path) -> None:
    live, backup = await _big_backup(tmp_path)
    stop = threading.Event()
    loop = asyncio.get_running_loop()
    told: list[bool] = []

    def progress(copied: int, total: int) -> None:
        loop.call_soon_threadsafe(task.cancel)
        assert stop.wait(10)

    task = asyncio.create_task(
        sqlite_restore(str(live), backup, NOW, progress=progress, cancel=stop, too_late=lambda: told.append(True))
    )
    with pytest.raises(asyncio.CancelledError):
        await task
    assert told == []
    _untouched(live)


# ------------------------------------------------------------------------------------ an interrupted backup


async def test_a_cancelled_backup_leaves_no_file(tmp_path: Path) -> None:
    """Before: the cancellation returned at once and the thread wrote the backup: the retry was refused."""
    _, backup = await _big_backup(tmp_path)
    target = tmp_path / "again.sqlite3"
    stop = threading.Event()
    loop = asyncio.get_running_loop()

    def progress(copied: int, total: int) -> None:
        loop.call_soon_threadsafe(task.cancel)
        assert stop.wait(10)

    task = asyncio.create_task(sqlite_backup(str(backup), target, progress=progress, cancel=stop))
    with pytest.raises(asyncio.CancelledError):
        await task
    assert _files(tmp_path, "again.sqlite3*") == []
    result = await sqlite_backup(str(backup), target)  # the retry is not refused
    assert result.integrity == "ok" and result.rows["processed_events"] == 15_000


def test_ctrl_c_during_admin_backup_writes_no_file(
    tmp_path: Path, cli_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """/tmp/hunt/io/intr/repro_ctrl_c_backup.py. Before: "Aborted!", exit 1, the file written all the same."""
    _, backup = asyncio.run(_big_backup(tmp_path))
    real = copying.sqlite_backup
    target = tmp_path / "again.sqlite3"

    async def interrupted(source: str, file: Path, **kwargs: Any) -> Any:
        def progress(copied: int, total: int) -> None:
            signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)
            time.sleep(1)

        return await real(source, file, progress=progress, **kwargs)

    monkeypatch.setattr(copying, "sqlite_backup", interrupted)
    result = CliRunner().invoke(main, ["admin", "backup", "--db", str(backup), str(target)])
    assert result.exit_code == 130, result.output
    assert EN("ops.backup.interrupted", file=target) in result.output
    assert _files(tmp_path, "again.sqlite3*") == []


# ------------------------------------------------------------------------------------ 3. PostgreSQL's recipe


def test_restore_on_postgresql_prints_a_new_databases_recipe(cli_env: Path) -> None:
    """Before: ``pg_restore --no-owner --dbname=<the live database> FILE``, which merged the backup into it."""
    result = CliRunner().invoke(
        main, ["db", "restore", "nightly.dump", "--database", "postgresql://bob:hunter2@db:5432/mentor?sslmode=require"]
    )
    assert result.exit_code == 0, result.output
    assert "hunter2" not in result.output
    lines = result.output.splitlines()
    create = next(line for line in lines if line.startswith("createdb "))
    restore = next(line for line in lines if line.startswith("pg_restore "))
    raise_ids = next(line for line in lines if line.startswith("mentorbot db raise-ids "))
    new = shlex.split(create)[-1]
    assert new.startswith("mentor_restored_") and new != "mentor"
    assert shlex.split(create)[:2] == ["createdb", "--maintenance-db=postgresql://bob@db:5432/mentor?sslmode=require"]
    words = shlex.split(restore)
    assert words[:4] == ["pg_restore", "--no-owner", "--exit-on-error", "--single-transaction"]
    assert words[4] == f"--dbname=postgresql://bob@db:5432/{new}?sslmode=require" and words[5] == "nightly.dump"
    assert shlex.split(raise_ids)[3:] == [
        "--above",
        "postgresql://bob@db:5432/mentor?sslmode=require",
        "--database",
        f"postgresql://bob@db:5432/{new}?sslmode=require",
    ]
    assert "MENTORBOT_DATABASE_URL" in result.output
    assert "into an empty database" not in result.output


def test_admin_backup_on_postgresql_points_at_db_restore_for_the_way_back(cli_env: Path) -> None:
    result = CliRunner().invoke(main, ["admin", "backup", "nightly.dump"], env={"MENTORBOT_DATABASE_URL": POSTGRES_URL})
    assert result.exit_code == 0, result.output
    assert "pg_restore --no-owner --dbname=URL" not in result.output
    assert "mentorbot db restore nightly.dump" in result.output


def _run(command: str) -> None:
    done = subprocess.run(command, shell=True, capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, (command, done.stdout, done.stderr)


@pytest.mark.postgres
async def test_the_printed_postgresql_recipe_restores_without_merging_and_ids_keep_rising(
    tmp_path: Path, cli_env: Path
) -> None:
    """/tmp/hunt/io/pgr/repro_pg_restore_merge.sh, the printed steps run as printed: the live database keeps its
    rows, the new one holds the backup's, and its ids start above every id the live one gave."""
    name = (await require_postgres()).replace("mentorbot_test_", "mentorbot_rst_")
    base = POSTGRES_URL.rsplit("/", 1)[0]
    live = f"{base}/{name}"
    admin = await asyncpg.connect(POSTGRES_URL)
    made: list[str] = [name]
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        await _before_backup(live)
        dump = tmp_path / "backup.dump"
        _run(pg_dump_command(live, dump))
        async with open_bot(make_settings(live)) as bot:
            asked = await bot.request(Caller(C, "baraka", "Baraka"), skills="seo", note="Baraka's request")
            accept = _button(
                next(n.reply for n in asked.notifications if n.platform_user_id == "mentor"), "offer.accept"
            )
            await bot.suggest_course(
                Caller(C, "baraka", "Baraka"), url="https://blog.hubspot.com/marketing/seo", skills="seo", title="H"
            )
        conn = await asyncpg.connect(live)
        try:
            before = {t: await conn.fetchval(f"SELECT COUNT(*) FROM {t}") for t in ("jobs", "offers", "requests")}
            lost = {
                t: await conn.fetchval(f"SELECT MAX(id) FROM {t}") for t in ("offers", "requests", "course_suggestions")
            }
        finally:
            await conn.close()
        printed = await asyncio.to_thread(CliRunner().invoke, main, ["db", "restore", str(dump), "--database", live])
        assert printed.exit_code == 0, printed.output
        lines = printed.output.splitlines()
        create = next(line for line in lines if line.startswith("createdb "))
        made.append(shlex.split(create)[-1])
        _run(create)
        _run(next(line for line in lines if line.startswith("pg_restore ")))
        raise_ids = shlex.split(next(line for line in lines if line.startswith("mentorbot db raise-ids ")))
        raised = await asyncio.to_thread(CliRunner().invoke, main, raise_ids[1:])
        assert raised.exit_code == 0, raised.output
        new = raise_ids[-1]
        conn = await asyncpg.connect(live)
        try:
            after = {t: await conn.fetchval(f"SELECT COUNT(*) FROM {t}") for t in ("jobs", "offers", "requests")}
        finally:
            await conn.close()
        assert after == before, "the live database is untouched"
        async with open_bot(make_settings(new)) as bot:
            assert await bot.store.db.express_one("SELECT COUNT(*) AS n FROM requests") == [{"n": 1}]
            await bot.suggest_course(
                Caller(C, "zed", "Zed"), url="https://example.org/zeds-seo-course", skills="seo", title="Zed's"
            )
            await bot.request(Caller(C, "zoe", "Zoe"), skills="seo", note="Zoe's request")
            await execute_button(bot, MENTOR, accept.action, accept.ref)
        conn = await asyncpg.connect(new)
        try:
            for table, highest in lost.items():
                assert await conn.fetchval(f"SELECT MAX(id) FROM {table}") > highest, table
            assert await conn.fetchval("SELECT COUNT(*) FROM mentorships") == 0, "the old Accept made no mentorship"
        finally:
            await conn.close()
    finally:
        for database in made:
            await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.close()


@pytest.mark.postgres
async def test_raise_ids_refuses_one_database_under_two_urls_and_a_target_with_no_schema(cli_env: Path) -> None:
    name = (await require_postgres()).replace("mentorbot_test_", "mentorbot_rid_")
    base = POSTGRES_URL.rsplit("/", 1)[0]
    admin = await asyncpg.connect(POSTGRES_URL)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        await admin.execute(f'CREATE DATABASE "{name}_new"')
        await _before_backup(f"{base}/{name}")
        same = await asyncio.to_thread(
            CliRunner().invoke,
            main,
            ["db", "raise-ids", "--above", f"{base}/{name}", "--database", f"{base}/{name}?application_name=x"],
        )
        assert same.exit_code == 1 and EN("ops.refused.same") in same.output, same.output
        empty = await asyncio.to_thread(
            CliRunner().invoke,
            main,
            ["db", "raise-ids", "--above", f"{base}/{name}", "--database", f"{base}/{name}_new"],
        )
        assert empty.exit_code == 1, empty.output
        assert EN("ops.refused.ids_no_schema", database=f"{base}/{name}_new") in empty.output
    finally:
        for database in (name, f"{name}_new"):
            await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.close()


def test_raise_ids_on_sqlite_files_raises_and_never_lowers(tmp_path: Path, cli_env: Path) -> None:
    old, new = tmp_path / "old.sqlite3", tmp_path / "new.sqlite3"
    asyncio.run(_before_backup(f"sqlite:///{old}"))
    asyncio.run(_before_backup(f"sqlite:///{new}"))
    with closing(sqlite3.connect(old)) as conn, conn:
        conn.execute("UPDATE sqlite_sequence SET seq = 30 WHERE name = 'requests'")
    with closing(sqlite3.connect(new)) as conn, conn:
        conn.execute("UPDATE sqlite_sequence SET seq = 50 WHERE name = 'offers'")
    result = CliRunner().invoke(
        main, ["db", "raise-ids", "--above", f"sqlite:///{old}", "--database", f"sqlite:///{new}"]
    )
    assert result.exit_code == 0, result.output
    counters = dict(_rows(f"sqlite:///{new}", "SELECT name, seq FROM sqlite_sequence"))
    assert counters["requests"] == 30 and counters["offers"] == 50
    assert dict(_rows(f"sqlite:///{old}", "SELECT name, seq FROM sqlite_sequence"))["offers"] == 1, "--above untouched"
