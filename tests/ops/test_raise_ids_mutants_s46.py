"""Session 46's mutation hunt (/tmp/hunt/mut) of session 45's `mentorbot db raise-ids` refusal of a newer schema
(tests/ops/test_raise_ids_newer_s45.py tried a schema at version 999 only, over SQLite files only).

- C1: a target one migration ahead of this MentorBot (the next release's backup restored there) is refused too:
  the refusal is of any version above the newest this code knows, not of far-off ones.
- X2: the command's refusal of a PostgreSQL database names it as the admin gave it, with its password masked.
"""

from __future__ import annotations

import asyncio
import getpass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from click.testing import CliRunner

from mentorbot.cli import main
from mentorbot.settings import mask_url_password
from mentorbot.storage.copying import CopyRefused, raise_ids_above
from mentorbot.storage.migrations import available_migrations
from mentorbot.storage.postgres_engine import PostgresDatabase
from mentorbot.storage.store import Store
from tests.conftest import ENGINES, POSTGRES_URL, require_postgres
from tests.ops.test_raise_ids_newer_s45 import EN, NOW, _fill, _two_databases, _written

pytestmark = pytest.mark.usefixtures("clean_env")

SECRET = "S3cret-46-canary"
"""The password put in the URLs given to the command (the test server's own, when its URL has one)."""


async def _at_version(store: Store, version: int) -> None:
    """Record on `store` the migration `version`, as the MentorBot that has it would on its upgrade."""
    await store.db.open()
    try:
        async with store.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
                version,
                "from_the_next_mentorbot",
                NOW,
            )
    finally:
        await store.db.close()


@pytest.mark.parametrize("engine", ENGINES)
async def test_raise_ids_above_refuses_a_target_one_migration_ahead(engine: str, tmp_path: Path) -> None:
    """C1: the newest migration this code knows plus one is a newer MentorBot's schema: refused, nothing written."""
    known = available_migrations(engine)[-1].version
    async with _two_databases(engine, tmp_path) as (live, new):
        await _fill(new())
        await _fill(live(), more=True)
        await _at_version(new(), known + 1)
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
        assert (refused.value.key, refused.value.params) == ("ids_new", {"version": known + 1, "known": known})
        assert await _written(engine, new()) == before


def _with_password(url: str) -> tuple[str, str]:
    """`url` with a password (`SECRET`, or the one it has), and that password."""
    parts = urlsplit(url)
    if parts.password:
        return url, parts.password
    user = parts.username or getpass.getuser()
    place = f"{user}:{SECRET}@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=place)), SECRET


@pytest.mark.postgres
async def test_db_raise_ids_refusing_a_newer_postgresql_database_does_not_show_its_password() -> None:
    """X2: ``mentorbot db raise-ids --database postgresql://user:…@host/db`` refused for a newer schema says so of
    ``postgresql://user:********@host/db``; the password is nowhere in what it prints."""
    name = (await require_postgres()).replace("mentorbot_test_", "mentorbot_rid46_")
    server, password = _with_password(POSTGRES_URL)
    base = server.rsplit("/", 1)[0]
    live, new = f"{base}/{name}", f"{base}/{name}_new"
    admin = await asyncpg.connect(POSTGRES_URL)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        await admin.execute(f'CREATE DATABASE "{name}_new"')
        await _fill(Store(PostgresDatabase(live)), more=True)
        await _fill(Store(PostgresDatabase(new)))
        known = available_migrations("postgresql")[-1].version
        await _at_version(Store(PostgresDatabase(new)), known + 1)
        result = await asyncio.to_thread(
            CliRunner().invoke, main, ["db", "raise-ids", "--above", live, "--database", new]
        )
        assert result.exit_code == 1, result.output
        shown = mask_url_password(new)
        assert password not in shown
        said = EN("ops.refused.ids_new", database=shown, version=known + 1, known=known)
        assert said in result.output, result.output
        assert password not in result.output, result.output
    finally:
        for database in (name, f"{name}_new"):
            await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.close()
