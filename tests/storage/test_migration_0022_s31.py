"""Migration 0022 (`forgotten_exclusions`: a mentor's exclusion of a member kept after that member's forget), on both
engines: the upgrade from 0021 keeps every row and adds the empty table; the table goes with its mentor; `db copy`
copies it (its table list is read from the database, so nothing names the new table there) with the same checksum."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mentorbot.clock import ManualClock
from mentorbot.storage import migrations
from mentorbot.storage.copying import copy_database, row_counts
from mentorbot.storage.forgotten import forgotten_member_key
from mentorbot.storage.introspection import tables
from mentorbot.storage.migrations import available_migrations
from mentorbot.storage.sqlite_engine import SqliteDatabase
from mentorbot.storage.store import Store
from tests.conftest import ENGINES, make_store, store_on_same_database

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
C = "test:community"


def test_0022_is_the_same_table_on_both_engines() -> None:
    for dialect in ("sqlite", "postgresql"):
        [script] = [m for m in available_migrations(dialect) if m.version == 22]
        assert script.name == "forgotten_exclusions"
        assert "CREATE TABLE IF NOT EXISTS forgotten_exclusions" in script.sql
        assert "PRIMARY KEY (community, member_key, mentor_id, reason_kind)" in script.sql
        assert "REFERENCES members(id) ON DELETE CASCADE" in script.sql


async def _keep(store: Store, mentor_id: int, *, kind: str = "not_this_person", skills: str = "") -> None:
    async with store.db.transaction() as conn:
        await conn.execute(
            "INSERT INTO forgotten_exclusions (community, member_key, mentor_id, reason_kind, skills, decided_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            C,
            forgotten_member_key(C, "u-gone"),
            mentor_id,
            kind,
            skills,
            NOW,
        )


async def _count(store: Store) -> int:
    async with store.db.read() as conn:
        row = await conn.fetch_one("SELECT COUNT(*) AS n FROM forgotten_exclusions")
    assert row is not None
    return int(row["n"])


async def test_the_upgrade_from_0021_adds_the_empty_table_and_keeps_every_row(
    engine_store: Store, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    everything = available_migrations(engine_store.db.dialect)
    monkeypatch.setattr(migrations, "available_migrations", lambda d: [m for m in everything if m.version <= 21])
    assert await engine_store.open(clock.now()) == 21
    mentor = await engine_store.ensure_member(C, "u-mentor", "Mentor", clock.now())
    async with engine_store.db.read() as conn:
        assert "forgotten_exclusions" not in await tables(conn, engine_store.db.dialect)
    await engine_store.close()
    monkeypatch.undo()
    store = store_on_same_database(engine_store)
    try:
        assert await store.open(clock.now()) == max(m.version for m in everything)
        assert await store.find_member(C, "u-mentor") == mentor
        assert await _count(store) == 0
        await _keep(store, mentor.id)
        await _keep(store, mentor.id, kind="not_my_skill", skills="copywriting,seo")
        assert await _count(store) == 2
        # The rows go with their mentor (the forget deletes them too; the reference makes sure).
        async with store.db.transaction() as conn:
            await conn.execute("DELETE FROM members WHERE id = ?", mentor.id)
        assert await _count(store) == 0
    finally:
        await store.close()


@pytest.fixture(params=ENGINES)
async def target(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    folder = tmp_path / "target"
    folder.mkdir()
    async for store in make_store(request.param, folder):
        await store.db.open()
        yield store


async def test_db_copy_copies_the_kept_exclusions(tmp_path: Path, target: Store) -> None:
    source = Store(SqliteDatabase(str(tmp_path / "source.sqlite3")))
    await source.open(NOW)
    try:
        mentor = await source.ensure_member(C, "u-mentor", "Mentor", NOW)
        await _keep(source, mentor.id)
        await _keep(source, mentor.id, kind="not_my_skill", skills="seo")
        checks = await copy_database(source.db, target.db, NOW)
        [check] = [c for c in checks if c.table == "forgotten_exclusions"]
        assert check.ok and check.source_rows == check.target_rows == 2
        assert await row_counts(target.db) == await row_counts(source.db)
        async with target.db.read() as conn:
            copied = await conn.fetch_all(
                "SELECT member_key, mentor_id, reason_kind, skills FROM forgotten_exclusions ORDER BY reason_kind"
            )
        key = forgotten_member_key(C, "u-gone")
        assert [tuple(r.values()) for r in copied] == [
            (key, mentor.id, "not_my_skill", "seo"),
            (key, mentor.id, "not_this_person", ""),
        ]
    finally:
        await source.close()
