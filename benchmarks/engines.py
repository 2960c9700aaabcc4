"""Fresh, throw-away stores for a benchmark: a SQLite file in a temporary folder, or a new PostgreSQL schema."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from benchmarks.generate import NOW
from mentorbot.storage.postgres_engine import PostgresDatabase
from mentorbot.storage.sqlite_engine import SqliteDatabase
from mentorbot.storage.store import Store

POSTGRES_URL = os.environ.get(
    "MENTORBOT_BENCH_POSTGRES_URL", os.environ.get("MENTORBOT_TEST_POSTGRES_URL", "postgresql://127.0.0.1:5432/test")
)


async def postgres_unavailable(url: str = POSTGRES_URL) -> str | None:
    """Why PostgreSQL cannot be used (None when it can)."""
    try:
        conn = await asyncpg.connect(url, timeout=3)
    except (OSError, asyncpg.PostgresError) as exc:
        return f"PostgreSQL unreachable at {url}: {type(exc).__name__}"
    await conn.close()
    return None


@dataclass
class BenchStore:
    """An opened, migrated store and where it lives (`path` for SQLite, `schema` for PostgreSQL)."""

    engine: str
    store: Store
    path: Path | None = None
    schema: str | None = None
    url: str = POSTGRES_URL


class Workspace:
    """One temporary folder for the run's SQLite files; removed at the end."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="mentorbot-bench-"))

    def close(self) -> None:
        """Remove every file of the run."""
        shutil.rmtree(self.root, ignore_errors=True)


@asynccontextmanager
async def bench_store(engine: str, workspace: Workspace, name: str) -> AsyncIterator[BenchStore]:
    """A fresh store on `engine`, opened and migrated; dropped (PostgreSQL schema) or left to the workspace."""
    if engine == "sqlite":
        path = workspace.root / f"{name}-{uuid.uuid4().hex[:6]}.sqlite3"
        store = Store(SqliteDatabase(str(path)))
        await store.open(NOW)
        try:
            yield BenchStore(engine, store, path=path)
        finally:
            await store.close()
        return
    schema = f"mentorbot_bench_{name}_{uuid.uuid4().hex[:8]}".replace("-", "_")
    admin = await asyncpg.connect(POSTGRES_URL)
    try:
        await admin.execute(f'CREATE SCHEMA "{schema}"')
        store = Store(PostgresDatabase(POSTGRES_URL, schema=schema, max_size=4))
        try:
            await store.open(NOW)
            yield BenchStore(engine, store, schema=schema)
        finally:
            await store.close()
            await admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
    finally:
        await admin.close()
