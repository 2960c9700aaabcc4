"""PostgreSQL engine through asyncpg: a connection pool, one connection per transaction.

Conditional updates rely on row locks at READ COMMITTED: a second writer waits for the first and then
re-checks its WHERE clause against the committed row, so exactly one compare-and-set wins.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from functools import lru_cache
from typing import Any

import asyncpg

from mentorbot.clock import as_utc
from mentorbot.storage.database import Row

_PLACEHOLDER = re.compile(r"\?")


@lru_cache(maxsize=1024)
def to_numbered(sql: str) -> str:
    """Rewrite ``?`` placeholders as ``$1, $2…`` (our SQL never has ``?`` inside literals)."""
    counter = iter(range(1, 10_000))
    return _PLACEHOLDER.sub(lambda _m: f"${next(counter)}", sql)


def _adapt(value: Any) -> Any:
    if isinstance(value, datetime):
        return as_utc(value)
    return value


class PostgresConnection:
    """A pooled asyncpg connection inside a transaction."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    async def execute(self, sql: str, *args: Any) -> int:
        """Run a statement; return the number of rows it changed."""
        status: str = await self._conn.execute(to_numbered(sql), *[_adapt(a) for a in args])
        last = status.rsplit(" ", 1)[-1]
        return int(last) if last.isdigit() else 0

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run a statement once per parameter row."""
        await self._conn.executemany(to_numbered(sql), [[_adapt(a) for a in r] for r in rows])

    async def fetch_all(self, sql: str, *args: Any) -> list[Row]:
        """All rows of a query."""
        rows = await self._conn.fetch(to_numbered(sql), *[_adapt(a) for a in args])
        return [dict(r) for r in rows]

    async def fetch_one(self, sql: str, *args: Any) -> Row | None:
        """The first row of a query, or None."""
        row = await self._conn.fetchrow(to_numbered(sql), *[_adapt(a) for a in args])
        return dict(row) if row is not None else None


class PostgresDatabase:
    """The engine for communities that run several processes."""

    dialect = "postgresql"
    skip_locked = " FOR UPDATE SKIP LOCKED"

    def __init__(self, url: str, *, min_size: int = 1, max_size: int = 10, schema: str | None = None) -> None:
        self.url = url
        self.schema = schema
        self._min_size = min_size
        self._max_size = max_size
        self._pool: Any = None

    async def open(self) -> None:
        """Create the pool (UTC session time zone)."""
        if self._pool is None:
            self._pool = await asyncpg.create_pool(
                self.url,
                min_size=self._min_size,
                max_size=self._max_size,
                server_settings={"timezone": "UTC", **({"search_path": self.schema} if self.schema else {})},
            )

    async def close(self) -> None:
        """Close the pool."""
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PostgresConnection]:
        """A READ COMMITTED transaction on one pooled connection."""
        if self._pool is None:
            raise RuntimeError("database is not open")
        async with self._pool.acquire() as conn, conn.transaction():
            yield PostgresConnection(conn)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[PostgresConnection]:
        """A REPEATABLE READ, read-only transaction: one snapshot for several reads."""
        if self._pool is None:
            raise RuntimeError("database is not open")
        async with self._pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            yield PostgresConnection(conn)

    def to_db_time(self, value: datetime) -> Any:
        """Aware UTC datetime (timestamptz)."""
        return as_utc(value)
