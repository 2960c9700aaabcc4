"""`mentorbot db raise-ids` refuses a database a newer MentorBot migrated (session 45).

Before, it checked only that the ``--database`` had a MentorBot schema: one at a schema version above this code's
(a backup of a newer MentorBot restored there, with this older one run for the last step) had its counters
raised, a ``community_outages`` row added, and the ``--above`` database's forgets, deliveries and message refs
written into tables whose meaning this code does not know, exit 0. Every other command that writes (``db
upgrade``, ``db copy --to``, ``db restore``, the admin commands) refuses such a database; raise-ids now does too,
in one line, exit 1, with nothing written (`copying.raise_ids_above`, ``ops.refused.ids_new``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from click.testing import CliRunner

from mentorbot.app import open_bot
from mentorbot.cli import main
from mentorbot.i18n import translator
from mentorbot.settings import Settings
from mentorbot.storage.copying import CopyRefused, raise_ids_above
from mentorbot.storage.migrations import available_migrations
from mentorbot.storage.postgres_engine import PostgresDatabase
from mentorbot.storage.sqlite_engine import SqliteDatabase
from mentorbot.storage.store import Store
from mentorbot.usecases.context import Caller
from tests.conftest import ENGINES, POSTGRES_URL, require_postgres

pytestmark = pytest.mark.usefixtures("clean_env")

C = "console"
EN, SW = translator("en"), translator("sw")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FUTURE = 999  # a migration this MentorBot does not have

# What raise-ids writes, per engine: its counters, an outage, the carried records.
_WRITTEN = {
    "sqlite": [
        "SELECT name, seq FROM sqlite_sequence ORDER BY name",
        "SELECT * FROM community_outages ORDER BY community",
        "SELECT * FROM forgotten_members ORDER BY 1, 2",
        "SELECT version, name FROM schema_version ORDER BY version",
    ],
    "postgresql": [
        "SELECT sequencename AS name, last_value FROM pg_sequences WHERE schemaname = current_schema() ORDER BY 1",
        "SELECT * FROM community_outages ORDER BY community",
        "SELECT * FROM forgotten_members ORDER BY 1, 2",
        "SELECT version, name FROM schema_version ORDER BY version",
    ],
}


def _settings(url: str) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None, database_url=url, rate_limit_per_minute=1_000_000, default_language="en"
    )


async def _fill(store: Store, *, more: bool = False) -> None:
    """A community's rows: a mentor, a request (and, `more`, another after it: the live database's later ids)."""
    async with open_bot(_settings("sqlite:///unused.sqlite3"), store=store) as bot:
        await bot.signup(Caller(C, "mentor", "Mona"), skills="seo", capacity="3")
        await bot.request(Caller(C, "amina", "Amina"), skills="seo", note="help with seo")
        if more:
            await bot.request(Caller(C, "baraka", "Baraka"), skills="seo", note="mine too")
            await bot.forget(Caller(C, "baraka", "Baraka"), confirm=True)  # a forget raise-ids would carry


async def _from_the_future(store: Store) -> None:
    """Record on `store` a migration this MentorBot does not know, as a newer MentorBot's upgrade would."""
    await store.db.open()
    try:
        async with store.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
                FUTURE,
                "from_a_newer_mentorbot",
                NOW,
            )
    finally:
        await store.db.close()


async def _written(engine: str, store: Store) -> list[list[dict[str, Any]]]:
    await store.db.open()
    try:
        async with store.db.read() as conn:
            return [[dict(row) for row in await conn.fetch_all(sql)] for sql in _WRITTEN[engine]]
    finally:
        await store.db.close()


@asynccontextmanager
async def _two_databases(engine: str, tmp_path: Path) -> AsyncIterator[tuple[Callable[[], Store], Callable[[], Store]]]:
    """Two stores' factories on `engine`: the live database and the new one a backup was restored into."""
    if engine == "sqlite":
        paths = tmp_path / "live.sqlite3", tmp_path / "new.sqlite3"
        yield (lambda: Store(SqliteDatabase(str(paths[0])))), (lambda: Store(SqliteDatabase(str(paths[1]))))
        return
    first = await require_postgres()
    schemas = first, f"{first}_new"
    admin = await asyncpg.connect(POSTGRES_URL)
    try:
        for schema in schemas:
            await admin.execute(f'CREATE SCHEMA "{schema}"')
        yield (
            (lambda: Store(PostgresDatabase(POSTGRES_URL, schema=schemas[0]))),
            (lambda: Store(PostgresDatabase(POSTGRES_URL, schema=schemas[1]))),
        )
    finally:
        for schema in schemas:
            await admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await admin.close()


@pytest.mark.parametrize("engine", ENGINES)
async def test_raise_ids_above_refuses_a_target_a_newer_mentorbot_migrated(engine: str, tmp_path: Path) -> None:
    async with _two_databases(engine, tmp_path) as (live, new):
        await _fill(new())
        await _fill(live(), more=True)
        await _from_the_future(new())
        before = await _written(engine, new())
        source, target = live(), new()
        await source.db.open()
        await target.db.open()
        try:
            with pytest.raises(CopyRefused) as refused:
                await raise_ids_above(source.db, target.db, NOW)
        finally:
            await target.db.close()
            await source.db.close()
        known = available_migrations(engine)[-1].version
        assert (refused.value.key, refused.value.params) == ("ids_new", {"version": FUTURE, "known": known})
        assert await _written(engine, new()) == before, "nothing written to a database this MentorBot does not know"


@pytest.mark.parametrize("engine", ENGINES)
async def test_raise_ids_above_still_raises_a_target_at_this_mentorbots_schema(engine: str, tmp_path: Path) -> None:
    """The refusal is of a newer schema only: the same databases at this code's schema are raised as before."""
    async with _two_databases(engine, tmp_path) as (live, new):
        await _fill(new())
        await _fill(live(), more=True)
        source, target = live(), new()
        await source.db.open()
        await target.db.open()
        try:
            raised = await raise_ids_above(source.db, target.db, NOW)
        finally:
            await target.db.close()
            await source.db.close()
        assert raised.ids["requests"] >= 2


# ------------------------------------------------------------------------------------------ the command


def _sqlite_file(path: Path, *, more: bool = False) -> str:
    url = f"sqlite:///{path}"
    asyncio.run(_fill(Store(SqliteDatabase(str(path))), more=more))
    return url


def test_db_raise_ids_refuses_a_sqlite_database_a_newer_mentorbot_migrated(tmp_path: Path) -> None:
    live = _sqlite_file(tmp_path / "live.sqlite3", more=True)
    new_path = tmp_path / "new.sqlite3"
    new = _sqlite_file(new_path)
    asyncio.run(_from_the_future(Store(SqliteDatabase(str(new_path)))))
    before = asyncio.run(_written("sqlite", Store(SqliteDatabase(str(new_path)))))
    result = CliRunner().invoke(main, ["db", "raise-ids", "--above", live, "--database", new])
    assert result.exit_code == 1, result.output
    known = available_migrations("sqlite")[-1].version
    assert EN("ops.refused.ids_new", database=new, version=FUTURE, known=known) in result.output, result.output
    assert "Traceback" not in result.output
    assert asyncio.run(_written("sqlite", Store(SqliteDatabase(str(new_path))))) == before


def test_db_raise_ids_says_it_in_the_admins_language(tmp_path: Path) -> None:
    live = _sqlite_file(tmp_path / "live.sqlite3")
    new_path = tmp_path / "new.sqlite3"
    new = _sqlite_file(new_path)
    asyncio.run(_from_the_future(Store(SqliteDatabase(str(new_path)))))
    result = CliRunner().invoke(
        main, ["db", "raise-ids", "--above", live, "--database", new], env={"MENTORBOT_DEFAULT_LANGUAGE": "sw"}
    )
    known = available_migrations("sqlite")[-1].version
    assert result.exit_code == 1, result.output
    assert SW("ops.refused.ids_new", database=new, version=FUTURE, known=known) in result.output, result.output


@pytest.mark.postgres
async def test_db_raise_ids_refuses_a_postgresql_database_a_newer_mentorbot_migrated() -> None:
    name = (await require_postgres()).replace("mentorbot_test_", "mentorbot_rid45_")
    base = POSTGRES_URL.rsplit("/", 1)[0]
    live, new = f"{base}/{name}", f"{base}/{name}_new"
    admin = await asyncpg.connect(POSTGRES_URL)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        await admin.execute(f'CREATE DATABASE "{name}_new"')
        await _fill(Store(PostgresDatabase(live)), more=True)
        await _fill(Store(PostgresDatabase(new)))
        await _from_the_future(Store(PostgresDatabase(new)))
        before = await _written("postgresql", Store(PostgresDatabase(new)))
        result = await asyncio.to_thread(
            CliRunner().invoke, main, ["db", "raise-ids", "--above", live, "--database", new]
        )
        assert result.exit_code == 1, result.output
        known = available_migrations("postgresql")[-1].version
        assert EN("ops.refused.ids_new", database=new, version=FUTURE, known=known) in result.output, result.output
        assert await _written("postgresql", Store(PostgresDatabase(new))) == before
    finally:
        for database in (name, f"{name}_new"):
            await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.close()
