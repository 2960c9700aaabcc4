"""Defects a migrations hunt found (reproductions under /tmp/hunt/migr), each with the test that failed before.

- A PostgreSQL role that may read and write every table but not create objects (the least privilege a bot needs,
  the schema left to an owner running `mentorbot db upgrade`) could not start: `migrate` ran
  ``CREATE TABLE IF NOT EXISTS schema_version`` at every start, which PostgreSQL refuses without CREATE even
  when the table exists. It now reads the version first and changes the schema only when something is pending;
  a pending migration such a role may not apply is one line saying to run `db upgrade` as the owner.
- The documented SQLite restore (put the backup in place) replayed a stale ``-wal`` of a bot that did not stop
  cleanly onto the backup: "database disk image is malformed". `mentorbot db restore` checks the backup, refuses
  while the database is in use, moves the old files aside and copies the backup in with SQLite's backup API.
- SQLite gave a deleted newest request's or suggestion's id again: migration 0019 rebuilds both tables with
  ``AUTOINCREMENT`` (a table others refer to, rebuilt with foreign keys off), leaving every index, trigger,
  constraint and reference as it was (tests/storage/test_request_and_suggestion_ids_never_reused.py: the ids).
- `db copy` into a target a newer MentorBot migrated said "(or point MENTORBOT_DATABASE_URL at another
  database)", which that command does not use; it now names the ``--to`` database.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from click.testing import CliRunner

from mentorbot import runners
from mentorbot import settings as settings_module
from mentorbot.cli import main
from mentorbot.runners import AdapterSpec
from mentorbot.storage import migrations
from mentorbot.storage.copying import CopyRefused, copy_database, sqlite_backup
from mentorbot.storage.migrations import FOREIGN_KEYS_OFF, SchemaChangeDenied, available_migrations, migrate
from mentorbot.storage.postgres_engine import PostgresDatabase
from mentorbot.storage.sqlite_engine import SqliteDatabase
from mentorbot.storage.store import Store
from tests.conftest import POSTGRES_URL, require_postgres

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
C = "console"
KNOWN = available_migrations("sqlite")[-1].version
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """An empty working folder, no MENTORBOT_* variable, no .env; `run`'s process-wide logging set-up kept out."""
    for name in list(os.environ):
        if name.startswith("MENTORBOT_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("mentorbot.app.configure_logging", lambda settings: None)
    yield tmp_path


@pytest.fixture
def idle_adapter(cli_env: Path, monkeypatch: pytest.MonkeyPatch) -> AdapterSpec:
    """`mentorbot run`'s only adapter: one that waits until cancelled (it is never reached when the store fails)."""
    module = cli_env / "mods" / "migr_hunt_adapter" / "runner.py"
    module.parent.mkdir(parents=True)
    (module.parent / "__init__.py").write_text("", encoding="utf-8")
    module.write_text(
        "import asyncio\n\n\nasync def run(bot, settings, *, dispatcher=None):\n    await asyncio.Event().wait()\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(cli_env / "mods"))
    spec = AdapterSpec("fake", "migr_hunt_adapter.runner", "fake:", "MENTORBOT_FAKE__TOKEN", lambda s: True)
    monkeypatch.setattr(runners, "adapters", lambda: (spec,))
    monkeypatch.setattr(settings_module, "adapter_token_settings", lambda: [spec.token_setting])
    return spec


# ----------------------------------------------------------------------- 1. least-privilege PostgreSQL role


def as_role(url: str, role: str, schema: str) -> str:
    """`url` connecting as `role` (trust authentication), with `schema` as the search path (asyncpg passes a URL's
    unknown parameters to the server as settings)."""
    parts = urlsplit(url)
    netloc = f"{role}@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc, query=f"search_path={schema}"))


@pytest.fixture
async def restricted() -> AsyncIterator[tuple[str, str]]:
    """A fresh schema at the newest version, made by the test server's owner role, and the URL of a new role that
    may read and write its tables and sequences but create nothing (no CREATE on the schema); both dropped after.
    Yields (the owner's URL, the role's URL), each with the schema as the search path."""
    schema = await require_postgres()
    role = f"mentorbot_app_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(POSTGRES_URL)
    owner_url = POSTGRES_URL + f"?search_path={schema}"
    try:
        await admin.execute(f'CREATE SCHEMA "{schema}"')
        owner = PostgresDatabase(POSTGRES_URL, schema=schema)
        await owner.open()
        try:
            await migrate(owner, NOW)
        finally:
            await owner.close()
        await admin.execute(f'CREATE ROLE "{role}" LOGIN')
        await admin.execute(f'GRANT USAGE ON SCHEMA "{schema}" TO "{role}"')
        await admin.execute(f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "{schema}" TO "{role}"')
        await admin.execute(f'GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA "{schema}" TO "{role}"')
        # What docs/deploy.md has the owner set once: tables a later migration creates are the role's too.
        await admin.execute(
            f'ALTER DEFAULT PRIVILEGES IN SCHEMA "{schema}" GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "{role}"'
        )
        await admin.execute(
            f'ALTER DEFAULT PRIVILEGES IN SCHEMA "{schema}" GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO "{role}"'
        )
        yield owner_url, as_role(POSTGRES_URL, role, schema)
    finally:
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1 AND pid <> pg_backend_pid()",
            role,
        )
        await admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await admin.execute(f'DROP OWNED BY "{role}"')
        await admin.execute(f'DROP ROLE IF EXISTS "{role}"')
        await admin.close()


async def _version(url: str) -> int:
    db = PostgresDatabase(url)
    await db.open()
    try:
        async with db.read() as conn:
            row = await conn.fetch_one("SELECT MAX(version) AS v FROM schema_version")
    finally:
        await db.close()
    assert row is not None
    return int(row["v"])


async def _unapply(owner_url: str, version: int) -> int:
    """As the owner: the rows of the migrations from `version` on go, as a database an older release migrated left
    it (their tables stay; 0018 drops and makes a table again: only the table's owner may)."""
    db = PostgresDatabase(owner_url)
    await db.open()
    try:
        async with db.transaction() as conn:
            await conn.execute("DELETE FROM schema_version WHERE version >= ?", version)
    finally:
        await db.close()
    return await _version(owner_url)


@pytest.mark.postgres
async def test_a_role_that_may_not_create_opens_a_schema_at_the_newest_version(
    restricted: tuple[str, str], cli_env: Path
) -> None:
    """Before: ``permission denied for schema …`` from the store's open (so `mentorbot run` and `db upgrade`
    failed) although nothing was pending."""
    _, role_url = restricted
    store = Store.from_url(role_url)
    try:
        assert await store.open(NOW) == KNOWN
        member = await store.ensure_member(C, "u-ana", "Ana", NOW)  # and it reads and writes as a bot does
        assert member.id > 0
    finally:
        await store.close()
    upgrade = await asyncio.to_thread(CliRunner().invoke, main, ["db", "upgrade", "--database", role_url])
    assert upgrade.exit_code == 0, upgrade.output
    assert f"schema at version {KNOWN}: nothing to apply" in upgrade.output


@pytest.mark.postgres
async def test_a_pending_migration_the_role_may_not_apply_is_one_line_saying_what_to_do(
    restricted: tuple[str, str], idle_adapter: AdapterSpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: a traceback ending in asyncpg's InsufficientPrivilegeError, then "An adapter stopped with an
    error"; `db upgrade` printed "error: permission denied for schema …" with no word of what to do."""
    owner_url, role_url = restricted
    assert await _unapply(owner_url, 18) == 17
    store = Store.from_url(role_url)
    try:
        with pytest.raises(SchemaChangeDenied) as denied:
            await store.open(NOW)
    finally:
        await store.close()
    assert denied.value.pending == tuple(f"{m.version:04d}_{m.name}" for m in available_migrations("postgresql")[17:])

    monkeypatch.setenv("MENTORBOT_DATABASE_URL", role_url)
    monkeypatch.setenv("MENTORBOT_FAKE__TOKEN", "x")
    for args in (["run"], ["db", "upgrade", "--database", role_url]):
        result = await asyncio.to_thread(CliRunner().invoke, main, args)
        assert result.exit_code == 2, result.output
        line = result.output.strip().splitlines()[-1]
        assert "Traceback" not in result.output and "adapter" not in result.output.lower(), result.output
        assert line.startswith("error: MentorBot must change the schema of the database"), line
        assert "0018_" in line and "must be owner" in line
        assert "run `mentorbot db upgrade` as the database's owner" in line, line
    assert await _version(owner_url) == 17, "nothing changed"
    # The owner applies them, and the role runs on it.
    upgraded = await asyncio.to_thread(CliRunner().invoke, main, ["db", "upgrade", "--database", owner_url])
    assert upgraded.exit_code == 0, upgraded.output
    store = Store.from_url(role_url)
    try:
        assert await store.open(NOW) == KNOWN
    finally:
        await store.close()


async def test_an_up_to_date_sqlite_file_opens_while_another_process_writes(tmp_path: Path) -> None:
    """The same on SQLite: a start with nothing pending only reads, so it does not wait for another process's write
    lock (before: its ``BEGIN IMMEDIATE`` waited out the busy timeout, then `DatabaseBusy`)."""
    path = tmp_path / "busy.sqlite3"
    first = SqliteDatabase(str(path))
    await first.open()
    await migrate(first, NOW)
    await first.close()
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        db = SqliteDatabase(str(path), busy_timeout_ms=300)
        await db.open()
        try:
            assert await migrate(db, NOW) == KNOWN
        finally:
            await db.close()
    finally:
        writer.execute("ROLLBACK")
        writer.close()


# ------------------------------------------------------------------------------------------- 2. db restore


def _members(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM members").fetchone()[0])


WRITER = """
import asyncio, os, signal, sys
from datetime import datetime, UTC
from mentorbot.storage.store import Store

async def go(path, start, count, crash):
    store = Store.from_url(f"sqlite:///{path}")
    now = datetime(2026, 3, 1, tzinfo=UTC)
    await store.open(now)
    for number in range(start, start + count):
        await store.ensure_member("console", f"U{number}", f"name{number}" * 5, now)
    if crash:  # a bot killed (OOM, SIGKILL after TimeoutStopSec): its -wal is left behind, not checkpointed
        os.kill(os.getpid(), signal.SIGKILL)
    await store.close()

asyncio.run(go(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "crash"))
"""


def write_members(path: Path, start: int, count: int, *, crash: bool) -> None:
    done = subprocess.run(
        [sys.executable, "-c", WRITER, str(path), str(start), str(count), "crash" if crash else "clean"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "PYTHONPATH": str(REPO / "src")},
    )
    assert done.returncode == (-signal.SIGKILL if crash else 0), done.stderr


def test_restore_after_an_unclean_stop_puts_the_backup_in_whole_and_keeps_the_old_files(cli_env: Path) -> None:
    """/tmp/hunt/migr/restore/repro.sh: the documented restore (copy the backup in place) over a stale -wal gave
    "database disk image is malformed", and the bot then ran on it."""
    live = cli_env / "data" / "mentorbot.sqlite3"
    live.parent.mkdir()
    write_members(live, 0, 300, crash=False)
    backup = cli_env / "nightly.sqlite3"
    asyncio.run(sqlite_backup(str(live), backup))
    write_members(live, 300, 2500, crash=True)
    wal = Path(f"{live}-wal")
    assert wal.exists() and wal.stat().st_size > 0, "the bot left its -wal behind"

    result = CliRunner().invoke(main, ["db", "restore", str(backup), "--database", f"sqlite:///{live}"])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    with sqlite3.connect(live) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert _members(live) == 300
    kept = sorted(p.name for p in live.parent.iterdir() if ".before-restore-" in p.name)
    assert kept and kept[0].startswith("mentorbot.sqlite3.before-restore-"), kept
    assert _members(live.parent / kept[0]) == 2800, "the database that was there is kept whole, never deleted"
    assert not wal.exists() or wal.stat().st_size == 0
    assert f"Restored {backup} into {live}: integrity ok" in result.output
    assert f"kept as {live.parent / kept[0]}" in result.output
    # The bot runs on it.
    assert (
        CliRunner().invoke(main, ["console", "--db", str(live)], input="/as Ana\n/mentor status\n/quit\n").exit_code
        == 0
    )
    assert _members(live) == 301


def test_restore_refuses_while_the_database_is_in_use(cli_env: Path) -> None:
    live = cli_env / "live.sqlite3"
    write_members(live, 0, 10, crash=False)
    backup = cli_env / "backup.sqlite3"
    asyncio.run(sqlite_backup(str(live), backup))

    async def restore_while_open() -> tuple[int, str]:
        bot = Store.from_url(f"sqlite:///{live}")
        await bot.open(NOW)  # as a running bot holds it
        try:
            await bot.ensure_member(C, "u-late", "Late", NOW)
            args = ["db", "restore", str(backup), "--database", f"sqlite:///{live}"]
            result = await asyncio.to_thread(CliRunner().invoke, main, args)
        finally:
            await bot.close()
        return result.exit_code, result.output

    code, output = asyncio.run(restore_while_open())
    assert code == 1, output
    assert output.strip() == (
        f"error: the database {live} is in use (the bot, or another program, has it open): stop the bot first, "
        "then restore"
    )
    assert not [p for p in cli_env.iterdir() if ".before-restore-" in p.name]
    assert _members(live) == 11, "left as it was"


def _damaged(path: Path) -> None:
    """A table's pages overwritten in the middle of the file: it opens, but fails its integrity check."""
    size = path.stat().st_size
    with path.open("r+b") as file:
        file.seek(size // 2)
        file.write(b"\x0d" * 4096)


@pytest.mark.parametrize("backup_is", ["damaged", "not a database", "another program's", "newer", "missing"])
def test_restore_refuses_a_backup_it_cannot_trust_and_changes_nothing(cli_env: Path, backup_is: str) -> None:
    live = cli_env / "live.sqlite3"
    write_members(live, 0, 10, crash=False)
    backup = cli_env / "backup.sqlite3"
    if backup_is in ("damaged", "newer"):
        write_members(backup, 100, 2000, crash=False)
        if backup_is == "damaged":
            _damaged(backup)
        else:
            with sqlite3.connect(backup) as conn:
                conn.execute("INSERT INTO schema_version (version, name, applied_at) VALUES (999, 'x', '2030-01-01')")
    elif backup_is == "not a database":
        backup.write_bytes(b"name,skills\n" * 1000)
    elif backup_is == "another program's":
        with sqlite3.connect(backup) as conn:
            conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
    before = live.read_bytes()
    result = CliRunner().invoke(main, ["db", "restore", str(backup), "--database", f"sqlite:///{live}"])
    assert result.exit_code == 1, result.output
    line = result.output.strip()
    assert "\n" not in line and "Traceback" not in line
    expected = {
        "damaged": "failed its integrity check",
        "not a database": "could not be read as a SQLite database",
        "another program's": "is not a MentorBot database",
        "newer": f"is at schema version 999, newer than this MentorBot knows ({KNOWN})",
        "missing": f"the SQLite database {backup} does not exist",
    }[backup_is]
    assert expected in line, line
    if backup_is != "missing":
        assert line.endswith("nothing was restored"), line
    assert live.read_bytes() == before
    assert not [p for p in cli_env.iterdir() if ".before-restore-" in p.name or p.name.endswith(".restoring")]


def test_restore_into_a_new_file_and_of_an_older_backup(cli_env: Path) -> None:
    old = cli_env / "old.sqlite3"
    write_members(old, 0, 5, crash=False)
    with sqlite3.connect(old) as conn:
        conn.execute("DELETE FROM schema_version WHERE version = ?", (KNOWN,))  # as an older release left it
    live = cli_env / "new" / "live.sqlite3"
    result = CliRunner().invoke(main, ["db", "restore", str(old), "--database", f"sqlite:///{live}"])
    assert result.exit_code == 0, result.output
    assert "There was no database there before." in result.output
    assert f"schema version is {KNOWN - 1}" in result.output and "mentorbot db upgrade" in result.output
    assert _members(live) == 5


def test_restore_on_postgresql_prints_the_pg_restore_command(cli_env: Path) -> None:
    result = CliRunner().invoke(
        main, ["db", "restore", "nightly.dump", "--database", "postgresql://bob:hunter2@db:5432/mentor"]
    )
    assert result.exit_code == 0, result.output
    assert "PostgreSQL is restored with pg_restore into a new database" in result.output
    assert (
        "pg_restore --no-owner --exit-on-error --single-transaction --dbname=postgresql://bob@db:5432/mentor_restored_"
        in result.output
    )
    assert "hunter2" not in result.output


def test_restore_says_what_it_does_in_its_help() -> None:
    result = CliRunner().invoke(main, ["db", "restore", "--help"])
    assert result.exit_code == 0
    assert "BACKUP" in result.output and "--database" in result.output and "before-restore" in result.output


# ----------------------------------------------------------------------------------- 3. migration 0019


def _schema(path: Path) -> list[tuple[str, str, str, str]]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_autoindex%' ORDER BY name"
        ).fetchall()
    return [(str(a), str(b), str(c), str(d)) for a, b, c, d in rows]


def _structure(path: Path) -> dict[str, object]:
    """Each table's columns (types, defaults, not-null, key), foreign keys, indexes (columns, unique, partial)."""
    with sqlite3.connect(path) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        out: dict[str, object] = {}
        for name in names:
            indexes = conn.execute(f"PRAGMA index_list('{name}')").fetchall()
            out[name] = (
                conn.execute(f"PRAGMA table_xinfo('{name}')").fetchall(),
                conn.execute(f"PRAGMA foreign_key_list('{name}')").fetchall(),
                sorted(
                    (i[1], i[2], i[3], i[4], conn.execute(f"PRAGMA index_xinfo('{i[1]}')").fetchall()) for i in indexes
                ),
            )
    return out


def _rows(path: Path) -> dict[str, list[tuple[object, ...]]]:
    with sqlite3.connect(path) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {
            n: sorted(conn.execute(f'SELECT * FROM "{n}"').fetchall(), key=repr)
            for n in names
            if n not in ("schema_version", "sqlite_sequence")
        }


async def _at(path: Path, version: int, monkeypatch: pytest.MonkeyPatch) -> Store:
    everything = available_migrations("sqlite")
    monkeypatch.setattr(migrations, "available_migrations", lambda d: [m for m in everything if m.version <= version])
    store = Store(SqliteDatabase(str(path)))
    assert await store.open(NOW) == version
    monkeypatch.undo()
    return store


async def test_0019_rebuilds_requests_and_suggestions_keeping_every_row_reference_and_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Upgraded with rows in every table that refers to requests (request_skills and offers cascade on a delete,
    mentorships set null): nothing is deleted or changed, and the schema is the fresh database's, which is the
    version 18 one with AUTOINCREMENT on the two ids."""
    from mentorbot.models import Level, NewMentorProfile

    old = tmp_path / "old.sqlite3"
    store = await _at(old, 18, monkeypatch)  # the version before 0019
    schema_before = _schema(old)
    try:
        mentor = await store.ensure_member(C, "u-mentor", "Mentor", NOW)
        await store.save_mentor_profile(mentor.id, NewMentorProfile({"seo": Level.EXPERT}, 5, "b", "UTC", ("en",)), NOW)
        ids = []
        for number in range(3):
            mentee = await store.ensure_member(C, f"u-{number}", f"Mentee {number}", NOW)
            request = await store.create_request(mentee.id, C, ["seo"], "", NOW, max_open=3)
            offer = await store.create_offer(request.id, mentor.id, 1.0, "why", NOW, NOW + timedelta(hours=1))
            assert offer is not None
            ids.append(request.id)
            await store.suggest_course(
                C, mentee.id, url=f"https://s{number}.org", url_key=f"s{number}.org", title="t", skills=["seo"],
                note="", now=NOW,
            )  # fmt: skip
        first = (await store.list_offers(mentor_id=mentor.id))[0]
        accepted = await store.accept_offer(first.id, mentor.id, NOW)
        assert accepted is not None
        async with store.transaction() as conn:  # the newest of each deleted, as a forget does: only traces remain
            await conn.execute("DELETE FROM requests WHERE id = ?", ids[-1])
            await conn.execute("DELETE FROM course_suggestions WHERE id = 3")
        await store.remember_message(C, "u-mentor", "request:40", "D1:1.1", NOW)
        await store.remember_message(C, "u-mentor", "suggestion:30", "D1:1.2", NOW)
        await store.remember_message(C, "u-mentor", "request:9x", "D1:1.3", NOW)
        await store.remember_message(C, "u-mentor", "offer:50", "D1:1.4", NOW)
    finally:
        await store.close()
    rows_before = _rows(old)
    assert rows_before["offers"] and rows_before["mentorships"] and rows_before["request_skills"]

    upgraded = Store(SqliteDatabase(str(old)))
    try:
        assert await upgraded.open(NOW) == KNOWN
        async with upgraded.db.read() as conn:
            assert (await conn.fetch_one("PRAGMA foreign_keys")) == {"foreign_keys": 1}, "turned back on"
            assert await conn.fetch_all("PRAGMA foreign_key_check") == []
        kept = {table: found for table, found in _rows(old).items() if table in rows_before}  # not later tables
        assert kept == rows_before, "every row of every table kept, none cascaded away"
        member = await upgraded.ensure_member(C, "u-new", "New", NOW)
        request = await upgraded.create_request(member.id, C, ["seo"], "", NOW, max_open=3)
        suggested = await upgraded.suggest_course(
            C, member.id, url="https://n.org", url_key="n.org", title="t", skills=["seo"], note="", now=NOW
        )
        assert request.id == 41, "above request:40 (a message ref) and every request"
        assert suggested is not None and suggested.id == 31, "above suggestion:30"
        async with upgraded.transaction() as conn:  # a delete cascades again: foreign keys are on
            await conn.execute("DELETE FROM requests WHERE id = ?", request.id)
            assert await conn.fetch_all("SELECT skill FROM request_skills WHERE request_id = ?", request.id) == []
    finally:
        await upgraded.close()

    fresh = tmp_path / "fresh.sqlite3"
    store = Store(SqliteDatabase(str(fresh)))
    await store.open(NOW)
    await store.close()
    assert _schema(old) == _schema(fresh)
    assert _structure(old) == _structure(fresh)
    # Version 18's schema but for AUTOINCREMENT (the name quoted, as SQLite writes a table it renamed).
    expected = []
    for kind, name, table, sql in schema_before:
        if name in ("requests", "course_suggestions"):
            sql = sql.replace(f"CREATE TABLE {name} (", f'CREATE TABLE "{name}" (', 1)
            sql = sql.replace("id INTEGER PRIMARY KEY,", "id INTEGER PRIMARY KEY AUTOINCREMENT,", 1)
        expected.append((kind, name, table, sql))
    # 0023 makes the mentorships table again too (its ids AUTOINCREMENT: tests/storage/test_mentorship_ids_s32.py).
    rebuilt_later = {entry[1]: entry for entry in _schema(fresh) if entry[1] == "mentorships"}
    expected = [rebuilt_later.get(entry[1], entry) for entry in expected]
    tables_before = {table for _, _, table, _ in schema_before}  # tables later migrations add aside
    later_indexes = {"requests_waiting", "mentorships_active"}  # 0025's, of those tables
    assert [e for e in _schema(fresh) if e[2] in tables_before and e[1] not in later_indexes] == expected


@pytest.mark.parametrize(
    ("statement", "error"),
    [
        ("SELECT * FROM no_such_table", "no such table"),
        ("INSERT INTO request_skills (request_id, skill, position) VALUES (999, 'seo', 0)", "request_skills"),
    ],
)
async def test_a_run_with_foreign_keys_off_turns_them_on_again_and_commits_no_broken_reference(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, statement: str, error: str
) -> None:
    """A script with the foreign-keys-off line that fails, or that leaves a row naming no row (which foreign keys
    off let through): nothing is committed, and the engine's connection has its foreign keys on again."""
    path = tmp_path / "fk.sqlite3"
    db = SqliteDatabase(str(path))
    await db.open()
    try:
        await migrate(db, NOW)
        everything = available_migrations("sqlite")
        script = f"{FOREIGN_KEYS_OFF}\nCREATE TABLE scratch (id INTEGER);\n{statement};\n"
        extra = migrations.Migration(everything[-1].version + 1, "broken", script)
        monkeypatch.setattr(migrations, "available_migrations", lambda d: [*everything, extra])
        with pytest.raises(Exception, match=error):
            await migrate(db, NOW)
        async with db.read() as conn:
            assert await conn.fetch_one("PRAGMA foreign_keys") == {"foreign_keys": 1}
            assert await conn.fetch_one("SELECT name FROM sqlite_master WHERE name = 'scratch'") is None
            assert await migrations.schema_version(conn, "sqlite") == KNOWN
    finally:
        await db.close()


# --------------------------------------------------------------------------------- 4. copy into a newer target


def test_a_copy_into_a_target_a_newer_mentorbot_migrated_names_the_target(cli_env: Path) -> None:
    """/tmp/hunt/migr/cli/copy_to_newer_target.sh."""
    source, target = cli_env / "src.db", cli_env / "newer.db"
    for path in (source, target):
        assert CliRunner().invoke(main, ["db", "upgrade", "--database", f"sqlite:///{path}"]).exit_code == 0
    with sqlite3.connect(target) as conn:
        conn.execute("INSERT INTO schema_version (version, name, applied_at) VALUES (999, 'future', '2030-01-01')")
    before = target.read_bytes()
    result = CliRunner().invoke(main, ["db", "copy", "--from", f"sqlite:///{source}", "--to", f"sqlite:///{target}"])
    assert result.exit_code == 1, result.output
    assert result.output.strip() == (
        f"error: the --to database sqlite:///{target} is at schema version 999, newer than this MentorBot knows "
        f"({KNOWN}): copy with the MentorBot that upgraded it, or into another database"
    )
    assert "MENTORBOT_DATABASE_URL" not in result.output
    assert target.read_bytes() == before


async def test_copy_database_refuses_a_newer_target_before_it_touches_it(tmp_path: Path) -> None:
    source, target = SqliteDatabase(str(tmp_path / "s.db")), SqliteDatabase(str(tmp_path / "t.db"))
    for db in (source, target):
        await db.open()
        await migrate(db, NOW)
    async with target.transaction() as conn:
        await conn.execute("INSERT INTO schema_version (version, name, applied_at) VALUES (999, 'future', ?)", NOW)
    try:
        with pytest.raises(CopyRefused) as refused:
            await copy_database(source, target, NOW)
        assert refused.value.key == "target_new" and refused.value.params == {"version": 999, "known": KNOWN}
    finally:
        await source.close()
        await target.close()
