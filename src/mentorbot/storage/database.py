"""The small SQL port both engines implement: connections, transactions, parameters, timestamps.

SQL is written once with ``?`` placeholders; the PostgreSQL engine rewrites them to ``$1, $2…``.
Timestamps go in and come out as aware UTC datetimes whichever engine stores them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any, Protocol

Row = Mapping[str, Any]


class Connection(Protocol):
    """A connection inside a transaction."""

    async def execute(self, sql: str, *args: Any) -> int:
        """Run a statement; return the number of rows it changed."""
        ...

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run a statement once per parameter row."""
        ...

    async def fetch_all(self, sql: str, *args: Any) -> list[Row]:
        """All rows of a query, as mappings of column name to value."""
        ...

    async def fetch_one(self, sql: str, *args: Any) -> Row | None:
        """The first row of a query, or None."""
        ...


class Database(Protocol):
    """An engine: opens transactions and knows its dialect's few differences."""

    dialect: str
    skip_locked: str

    async def open(self) -> None:
        """Connect (and set engine pragmas); idempotent."""
        ...

    async def close(self) -> None:
        """Release every connection."""
        ...

    def transaction(self) -> AbstractAsyncContextManager[Connection]:
        """A write transaction: committed on exit, rolled back on an exception."""
        ...

    def read(self) -> AbstractAsyncContextManager[Connection]:
        """A read-only unit of work with a consistent view."""
        ...

    def to_db_time(self, value: datetime) -> Any:
        """A UTC datetime in this engine's storage form."""
        ...


def sqlite_path(url: str) -> str:
    """The file path of a ``sqlite:///path`` (relative) or ``sqlite:////abs/path`` URL; ``:memory:`` kept."""
    rest = url.split(":", 1)[1]
    if rest.startswith("///"):
        return rest[3:] or ":memory:"
    if rest.startswith("//"):
        return rest[2:] or ":memory:"
    return rest
