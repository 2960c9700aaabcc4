"""SQLite engine through aiosqlite: WAL, foreign keys on, one connection serialised by a lock.

Write transactions start with ``BEGIN IMMEDIATE`` so that several processes on one file queue up
(with a busy timeout) instead of failing half-way through.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite

from mentorbot.clock import as_utc
from mentorbot.storage.database import Row

BUSY_TIMEOUT_MS = 10_000


def _adapt(value: Any) -> Any:
    if isinstance(value, datetime):
        return as_utc(value).isoformat(timespec="microseconds")
    return value


def _args(args: Sequence[Any]) -> tuple[Any, ...]:
    return tuple(_adapt(a) for a in args)


class SqliteConnection:
    """A connection inside a transaction (or read) on the shared aiosqlite connection."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, *args: Any) -> int:
        """Run a statement; return the number of rows it changed."""
        async with self._conn.execute(sql, _args(args)) as cursor:
            return cursor.rowcount

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run a statement once per parameter row."""
        await self._conn.executemany(sql, [_args(r) for r in rows])

    async def fetch_all(self, sql: str, *args: Any) -> list[Row]:
        """All rows of a query."""
        async with self._conn.execute(sql, _args(args)) as cursor:
            rows = await cursor.fetchall()
        return [dict(r) for r in rows]

    async def fetch_one(self, sql: str, *args: Any) -> Row | None:
        """The first row of a query, or None."""
        async with self._conn.execute(sql, _args(args)) as cursor:
            row = await cursor.fetchone()
        return dict(row) if row is not None else None


class SqliteDatabase:
    """The embedded default engine."""

    dialect = "sqlite"
    skip_locked = ""

    def __init__(self, path: str) -> None:
        self.path = path
        self._conn: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()

    async def open(self) -> None:
        """Open the file (creating its folder), set WAL, foreign keys and a busy timeout."""
        if self._conn is not None:
            return
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        conn.row_factory = sqlite3.Row
        await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await conn.execute("PRAGMA journal_mode = WAL")
        await conn.execute("PRAGMA synchronous = NORMAL")
        await conn.execute("PRAGMA foreign_keys = ON")
        self._conn = conn

    async def close(self) -> None:
        """Close the connection."""
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    def _connection(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise RuntimeError("database is not open")
        return self._conn

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqliteConnection]:
        """``BEGIN IMMEDIATE`` … ``COMMIT``, or ``ROLLBACK`` on any exception."""
        async with self._lock:
            conn = self._connection()
            await conn.execute("BEGIN IMMEDIATE")
            try:
                yield SqliteConnection(conn)
            except BaseException:
                await conn.execute("ROLLBACK")
                raise
            await conn.execute("COMMIT")

    @asynccontextmanager
    async def read(self) -> AsyncIterator[SqliteConnection]:
        """A deferred transaction: a consistent snapshot for several reads."""
        async with self._lock:
            conn = self._connection()
            await conn.execute("BEGIN")
            try:
                yield SqliteConnection(conn)
            finally:
                await conn.execute("COMMIT")

    def to_db_time(self, value: datetime) -> Any:
        """ISO-8601 text with microseconds and ``+00:00``: sorts like the instant it names."""
        return _adapt(value)


def parse_sqlite_time(value: str) -> datetime:
    """Read back a stored timestamp as an aware UTC datetime."""
    parsed = datetime.fromisoformat(value)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
