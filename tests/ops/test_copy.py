"""``mentorbot db copy``, ``db status``, ``db upgrade`` and ``admin backup`` (issue 17).

The copy's promises: every row of every table reaches the target, checked by count and checksum before the
one transaction commits; a target with rows is refused unless ``--replace``; the copied community runs on
the target (new rows get new ids). The checksum's canonical form is proven with hypothesis: a value converted
to either engine's form has the same canonical form, and the checksum ignores row order.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from mentorbot.app import open_bot
from mentorbot.cli import main
from mentorbot.demo import seed_demo
from mentorbot.settings import load_settings
from mentorbot.storage.copying import (
    CopyRefused,
    checksum,
    copy_database,
    pg_dump_command,
    row_counts,
    sqlite_backup,
)
from mentorbot.storage.database import Database
from mentorbot.storage.introspection import canonical, to_target
from mentorbot.storage.migrations import available_migrations, split_statements
from mentorbot.storage.postgres_engine import PostgresDatabase
from mentorbot.storage.sqlite_engine import SqliteDatabase
from mentorbot.usecases.context import Caller
from tests.conftest import ENGINES, make_store

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def demo_file(path: Path) -> Path:
    """A SQLite file holding the demo community."""
    settings = load_settings(env_file=None, database_url=f"sqlite:///{path}")
    async with open_bot(settings) as bot:
        await seed_demo(bot, "console")
    return path


@pytest.fixture(params=ENGINES)
async def target(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """An empty, opened database on each engine."""
    folder = tmp_path / "target"
    folder.mkdir()
    async for store in make_store(request.param, folder):
        await store.db.open()
        yield store.db


async def test_the_demo_community_is_copied_whole_and_runs_on_the_target(tmp_path: Path, target: Database) -> None:
    source = SqliteDatabase(str(await demo_file(tmp_path / "demo.sqlite3")))
    await source.open()
    try:
        seen: list[int] = []
        checks = await copy_database(source, target, NOW, progress=seen.append)
        assert all(check.ok for check in checks)
        assert await row_counts(target) == await row_counts(source)
        assert sum(seen) == sum((await row_counts(source)).values()) > 50
        # and back again: the PostgreSQL forms convert back to SQLite's with the same checksums
        back = SqliteDatabase(str(tmp_path / "back.sqlite3"))
        await back.open()
        try:
            again = await copy_database(target, back, NOW)
            assert [(c.table, c.source_checksum) for c in again] == [(c.table, c.target_checksum) for c in checks]
        finally:
            await back.close()
    finally:
        await source.close()
    # the copied community runs there: a new member and request get fresh ids (the sequences moved on)
    from mentorbot.storage.store import Store

    settings = load_settings(env_file=None)
    async with open_bot(settings, store=Store(target)) as bot:
        outcome = await bot.request(Caller("console", "U-NEW", "New member"), skills="seo")
        assert outcome.error is None, outcome.reply.text


async def test_a_target_with_rows_is_refused_unless_replace(tmp_path: Path, target: Database) -> None:
    source = SqliteDatabase(str(await demo_file(tmp_path / "demo.sqlite3")))
    await source.open()
    try:
        await copy_database(source, target, NOW)
        before = await row_counts(target)
        with pytest.raises(CopyRefused) as refused:
            await copy_database(source, target, NOW)
        assert refused.value.key == "target_not_empty"
        assert await row_counts(target) == before
        checks = await copy_database(source, target, NOW, replace=True)
        assert all(check.ok for check in checks) and await row_counts(target) == before
    finally:
        await source.close()


async def test_a_database_copied_into_itself_under_another_address_is_refused(tmp_path: Path, target: Database) -> None:
    """Before: `db copy --from postgresql://127.0.0.1/D --to postgresql://localhost/D --replace` hung forever (the
    target's TRUNCATE waited for the copy's own read of the source); only identical URLs were refused."""
    source = SqliteDatabase(str(await demo_file(tmp_path / "demo.sqlite3")))
    await source.open()
    try:
        await copy_database(source, target, NOW)
    finally:
        await source.close()
    if isinstance(target, PostgresDatabase):
        url = target.url.replace("127.0.0.1", "localhost") if "127.0.0.1" in target.url else target.url + "?"
        same: Database = PostgresDatabase(url, schema=target.schema)
    else:
        assert isinstance(target, SqliteDatabase)
        path = Path(target.path)
        same = SqliteDatabase(str(path.parent / "." / path.name))
    await same.open()
    try:
        before = await row_counts(target)
        with pytest.raises(CopyRefused) as refused:
            await asyncio.wait_for(copy_database(target, same, NOW, replace=True), timeout=30)
        assert refused.value.key == "same"
        with pytest.raises(CopyRefused) as refused:  # said first, not "pass --replace" (found by review)
            await asyncio.wait_for(copy_database(target, same, NOW), timeout=30)
        assert refused.value.key == "same"
        assert await row_counts(target) == before
    finally:
        await same.close()


KINDS = {
    "time": st.datetimes(
        min_value=datetime(2000, 1, 1),  # noqa: DTZ001  (hypothesis takes naive bounds; the values get UTC)
        max_value=datetime(2100, 1, 1),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
    "bool": st.booleans(),
    "int": st.integers(min_value=-(2**62), max_value=2**62),
    "float": st.floats(allow_nan=False, allow_infinity=False),
    "text": st.text(),
    "json": st.dictionaries(st.text(max_size=5), st.integers() | st.text(max_size=5), max_size=4),
}


@given(st.one_of(*(st.tuples(st.just(kind), values | st.none()) for kind, values in KINDS.items())))
def test_a_value_has_one_canonical_form_on_both_engines(kind_value: tuple[str, object]) -> None:
    kind, value = kind_value
    original = value if kind != "json" or value is None else __import__("json").dumps(value)
    on_sqlite = to_target(to_target(original, kind, "postgresql"), kind, "sqlite")
    on_postgres = to_target(on_sqlite, kind, "postgresql")
    assert canonical(on_sqlite, kind) == canonical(on_postgres, kind) == canonical(original, kind)


@given(st.lists(st.tuples(st.integers(), st.text(), st.booleans()), max_size=20), st.randoms())
def test_the_checksum_ignores_row_order_and_sees_any_change(rows: list[tuple[int, str, bool]], rnd: object) -> None:
    kinds = {"a": "int", "b": "text", "c": "bool"}
    dicts = [{"a": a, "b": b, "c": c} for a, b, c in rows]
    shuffled = list(dicts)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert checksum(dicts, kinds) == checksum(shuffled, kinds)
    if dicts:
        changed = [*dicts[1:], {**dicts[0], "a": dicts[0]["a"] + 1}]
        assert checksum(changed, kinds) != checksum(dicts, kinds)


def test_db_status_upgrade_and_copy_from_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    fresh = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    status = runner.invoke(main, ["db", "status", "--database", fresh])
    assert status.exit_code == 0, status.output
    assert "schema version: 0" in status.output and "0001_initial" in status.output
    upgrade = runner.invoke(main, ["db", "upgrade", "--database", fresh])
    assert upgrade.exit_code == 0 and "applied 0001_initial" in upgrade.output
    assert "nothing to apply" in runner.invoke(main, ["db", "upgrade", "--database", fresh]).output
    demo = asyncio.run(demo_file(tmp_path / "demo.sqlite3"))
    copy = ["db", "copy", "--from", f"sqlite:///{demo}", "--to", f"sqlite:///{tmp_path / 'c.db'}"]
    copied = runner.invoke(main, copy)
    assert copied.exit_code == 0, copied.output
    assert "every table's rows and checksum match" in copied.output
    refused = runner.invoke(main, copy)
    assert refused.exit_code == 1 and "--replace" in refused.output
    status = runner.invoke(main, ["db", "status", "--database", f"sqlite:///{tmp_path / 'c.db'}"])
    assert "members: 14" in status.output and "pending migrations: none" in status.output
    assert "changed since" not in status.output
    # A migration changed since it was applied: status says which (the bot and `db upgrade` refuse it).
    with sqlite3.connect(tmp_path / "c.db") as conn:
        conn.execute("UPDATE schema_version SET checksum = 'edited' WHERE version = 5")
    status = runner.invoke(main, ["db", "status", "--database", f"sqlite:///{tmp_path / 'c.db'}"])
    assert status.exit_code == 0 and "changed since this database applied them" in status.output
    assert "0005_" in status.output


def test_the_pg_dump_command_leaves_the_password_out() -> None:
    url = "postgresql://bob:s3cr%20et@db:5432/mentor?sslmode=require&password=x"
    command = pg_dump_command(url, Path("/b/x.dump"))
    assert "s3cr" not in command and "password" not in command
    assert command == (
        "pg_dump --format=custom --no-owner --file=/b/x.dump 'postgresql://bob@db:5432/mentor?sslmode=require'"
    )


async def test_a_backup_under_load_restores_whole(tmp_path: Path) -> None:
    """The demo community backed up while a writer keeps adding members: the backup passes its integrity check,
    holds every demo row and a consistent prefix of the writer's, and the bot runs on the restored file."""
    live = await demo_file(tmp_path / "live.sqlite3")
    demo_counts = sqlite3.connect(live).execute("SELECT COUNT(*) FROM members").fetchone()[0]
    settings = load_settings(env_file=None, database_url=f"sqlite:///{live}")
    stop = asyncio.Event()
    reached: dict[int, asyncio.Event] = {20: asyncio.Event()}
    written = 0

    async def writer() -> None:
        nonlocal written
        async with open_bot(settings) as bot:
            while not stop.is_set():
                await bot.signup(Caller("console", f"LOAD{written}", f"Load {written}"), skills="seo")
                written += 1
                for count, event in list(reached.items()):
                    if written >= count:
                        event.set()
                await asyncio.sleep(0)

    task = asyncio.create_task(writer())
    await reached[20].wait()
    result = await sqlite_backup(str(live), tmp_path / "backup.sqlite3")
    during = written
    reached[during + 20] = asyncio.Event()
    await reached[during + 20].wait()
    stop.set()
    await task
    assert result.integrity == "ok"
    restored = tmp_path / "restored.sqlite3"
    restored.write_bytes((tmp_path / "backup.sqlite3").read_bytes())
    connection = sqlite3.connect(restored)
    members = connection.execute("SELECT COUNT(*) FROM members").fetchone()[0]
    profiles = connection.execute("SELECT COUNT(*) FROM mentor_profiles").fetchone()[0]
    load_profiles = connection.execute("SELECT COUNT(*) FROM members WHERE platform_user_id LIKE 'LOAD%'").fetchone()[0]
    connection.close()
    assert result.rows["members"] == members
    assert demo_counts + 20 <= members <= demo_counts + during + 1  # a state between two of the writer's commands
    assert profiles >= 10 + load_profiles - 1
    async with open_bot(load_settings(env_file=None, database_url=f"sqlite:///{restored}")) as bot:
        outcome = await bot.request(Caller("console", "U-AFTER", "After"), skills="seo")
        assert outcome.error is None
    with pytest.raises(CopyRefused):
        await sqlite_backup(str(live), tmp_path / "backup.sqlite3")


async def test_a_backup_that_fails_leaves_no_file_and_the_retry_works(tmp_path: Path) -> None:
    """Found by a CLI hunt: a source that is not a database left an empty backup file behind, and the retry from the
    right source was then refused as "exists already"; the error named no file."""
    broken = tmp_path / "broken.sqlite3"
    broken.write_bytes(b"not a database, only some bytes" * 200)
    target = tmp_path / "backup.sqlite3"
    with pytest.raises(CopyRefused) as refused:
        await sqlite_backup(str(broken), target)
    assert refused.value.key == "source_unreadable" and refused.value.params["database"] == str(broken)
    assert not target.exists() and not target.with_name(target.name + ".partial").exists(), "nothing written"
    live = tmp_path / "live.sqlite3"
    async with open_bot(load_settings(env_file=None, database_url=f"sqlite:///{live}")) as bot:
        await seed_demo(bot, "console")
    result = await sqlite_backup(str(live), target)
    assert result.integrity == "ok" and target.exists()


async def test_a_source_newer_than_this_code_is_refused(tmp_path: Path, target: Database) -> None:
    """Before: copied, and the target recorded at this code's version over data a newer MentorBot had changed (a
    newer release would then run its own migration again on it)."""
    path = await demo_file(tmp_path / "demo.sqlite3")
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO schema_version (version, name, applied_at) VALUES (999, 'future', '2027-01-01')")
    source = SqliteDatabase(str(path))
    await source.open()
    try:
        with pytest.raises(CopyRefused) as refused:
            await copy_database(source, target, NOW)
        assert refused.value.key == "source_new" and refused.value.params["version"] == 999
        assert await row_counts(target) == {}
    finally:
        await source.close()


async def test_a_target_with_rows_at_an_older_schema_is_refused_untouched(tmp_path: Path, target: Database) -> None:
    """Before: the target was migrated to the newest schema first, and only then refused for holding rows (an
    old release still serving it then refused to start)."""
    old = 10
    async with target.transaction() as conn:
        await conn.execute(
            "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        for migration in available_migrations(target.dialect)[:old]:
            for statement in split_statements(migration.sql):
                await conn.execute(statement)
            await conn.execute(
                "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
                migration.version,
                migration.name,
                "2026-01-01",
            )
        await conn.execute(
            "INSERT INTO members (community, platform_user_id, display_name, created_at) VALUES (?, ?, ?, ?)",
            "console",
            "kept",
            "Kept",
            NOW,
        )
    source = SqliteDatabase(str(await demo_file(tmp_path / "demo.sqlite3")))
    await source.open()
    try:
        with pytest.raises(CopyRefused) as refused:
            await copy_database(source, target, NOW)
        assert refused.value.key == "target_not_empty"
    finally:
        await source.close()
    async with target.read() as conn:
        row = await conn.fetch_one("SELECT MAX(version) AS v FROM schema_version")
    assert row is not None and int(row["v"]) == old, "left at its schema"


def test_a_refused_copy_leaves_no_target_file_it_made(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Found by a CLI hunt: a source newer than the code was refused, and an empty target file was left behind
    (docs/deploy.md: the target is refused "before anything is done to it")."""
    monkeypatch.chdir(tmp_path)
    demo = asyncio.run(demo_file(tmp_path / "demo.sqlite3"))
    with sqlite3.connect(demo) as conn:
        conn.execute("INSERT INTO schema_version (version, name, applied_at) VALUES (999, 'future', '2027-01-01')")
    target = tmp_path / "copy.sqlite3"
    refused = CliRunner().invoke(main, ["db", "copy", "--from", f"sqlite:///{demo}", "--to", f"sqlite:///{target}"])
    assert refused.exit_code == 1, refused.output
    assert not target.exists() and not list(tmp_path.glob("copy.sqlite3*"))
    existing = tmp_path / "existing.sqlite3"
    sqlite3.connect(existing).close()
    again = CliRunner().invoke(main, ["db", "copy", "--from", f"sqlite:///{demo}", "--to", f"sqlite:///{existing}"])
    assert again.exit_code == 1 and existing.exists(), "a file that was there before is left alone"


def test_db_status_says_when_a_newer_mentorbot_upgraded_the_database(tmp_path: Path) -> None:
    """Found by a CLI hunt: `db status` on a newer schema listed "pending migrations: none" and the rows, with no word
    that this MentorBot cannot use the database."""
    demo = asyncio.run(demo_file(tmp_path / "demo.sqlite3"))
    with sqlite3.connect(demo) as conn:
        conn.execute("INSERT INTO schema_version (version, name, applied_at) VALUES (999, 'future', '2027-01-01')")
    status = CliRunner().invoke(main, ["db", "status", "--database", f"sqlite:///{demo}"])
    assert status.exit_code == 0 and "a newer MentorBot upgraded this database (schema 999)" in status.output


async def test_a_backup_that_cannot_be_written_blames_the_target_not_the_database(tmp_path: Path) -> None:
    """Found by a review: writing the copy failing (a folder that cannot be made or written, a full disk) was
    reported as the source database being unreadable."""
    live = tmp_path / "live.sqlite3"
    async with open_bot(load_settings(env_file=None, database_url=f"sqlite:///{live}")) as bot:
        await seed_demo(bot, "console")
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the backup's folder should be")
    with pytest.raises(CopyRefused) as refused:
        await sqlite_backup(str(live), blocker / "backup.sqlite3")
    assert refused.value.key == "target_unwritable", refused.value.key
    assert refused.value.params["file"] == blocker / "backup.sqlite3"


def test_a_refused_copy_to_a_url_with_options_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Found by a review: `--to sqlite:///new.sqlite3?timeout=5` left the file it made when the copy was refused."""
    monkeypatch.chdir(tmp_path)
    demo = asyncio.run(demo_file(tmp_path / "demo.sqlite3"))
    with sqlite3.connect(demo) as conn:
        conn.execute("INSERT INTO schema_version (version, name, applied_at) VALUES (999, 'future', '2027-01-01')")
    target = tmp_path / "new.sqlite3"
    refused = CliRunner().invoke(
        main, ["db", "copy", "--from", f"sqlite:///{demo}", "--to", f"sqlite:///{target}?timeout=5"]
    )
    assert refused.exit_code == 1, refused.output
    assert not target.exists()
