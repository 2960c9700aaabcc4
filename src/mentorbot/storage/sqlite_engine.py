"""SQLite engine through aiosqlite: WAL, foreign keys on, one connection serialised by a lock.

Beside it, a second, synchronous connection serves `SqliteDatabase.express`: the short write an acknowledgement
waits for (recording an event in the inbox). It takes the same lock as an urgent waiter, ahead of every queued
transaction, and runs its statements in the event loop's own thread, with no hop to aiosqlite's thread and no
step of the event loop in between (tens of microseconds in WAL): so the acknowledgement waits at most for the
transaction in progress, not for the queue behind it nor for the work the event loop is doing meanwhile. It
never waits inside SQLite (its busy timeout is 0, so the event loop is never blocked by another process's lock):
a lock held by another process is waited for with asyncio sleeps, up to the same busy timeout, then
`DatabaseBusy`. It leaves the WAL checkpoints to the main connection.

Write transactions start with ``BEGIN IMMEDIATE`` so that several processes on one file queue up
(with a busy timeout) instead of failing half-way through. A failure of the file itself (locked beyond the
busy timeout, read-only, disk full, cannot be opened) rolls the transaction back and is raised as the
`DatabaseError` that names it (`sqlite_failure`). A URL's query (``sqlite:////data/bot.sqlite3?mode=ro``) is
passed to SQLite as a URI; a database that cannot be written is refused at `SqliteDatabase.open`.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite

from mentorbot.clock import as_utc
from mentorbot.storage.database import (
    Connection,
    DatabaseBusy,
    DatabaseError,
    DatabaseFull,
    DatabaseReadOnly,
    DatabaseUnavailable,
    Row,
)
from mentorbot.storage.priority_lock import PriorityLock

log = logging.getLogger("mentorbot.storage")

BUSY_TIMEOUT_MS = 10_000

_BY_CODE: dict[int, type[DatabaseError]] = {
    sqlite3.SQLITE_BUSY: DatabaseBusy,
    sqlite3.SQLITE_LOCKED: DatabaseBusy,
    sqlite3.SQLITE_FULL: DatabaseFull,
    sqlite3.SQLITE_READONLY: DatabaseReadOnly,
    sqlite3.SQLITE_CANTOPEN: DatabaseUnavailable,
    sqlite3.SQLITE_IOERR: DatabaseUnavailable,
    sqlite3.SQLITE_PERM: DatabaseUnavailable,
    sqlite3.SQLITE_NOTADB: DatabaseUnavailable,  # the URL names some other file
}
_EXPLAINED: dict[type[DatabaseError], str] = {
    DatabaseBusy: "is locked by another writer beyond the busy timeout",
    DatabaseFull: "is full (the disk, or the database's size limit)",
    DatabaseReadOnly: "is read-only (the file, its folder or its mount): the bot must write to it",
    DatabaseUnavailable: "cannot be opened or read",
}


def sqlite_failure(exc: BaseException, path: str) -> DatabaseError | None:
    """The `DatabaseError` an aiosqlite/sqlite3 failure of the file at `path` is, or None for a bug in our SQL.

    Classified by SQLite's primary result code (busy, locked, full, read-only, cannot open, I/O error,
    permission, not a database; a corrupt database is left as it is); an `OSError` (its folder cannot be
    made) or a closed connection means unavailable.
    """
    kind: type[DatabaseError] | None = None
    if isinstance(exc, sqlite3.OperationalError | sqlite3.DatabaseError) and not isinstance(
        exc, sqlite3.IntegrityError | sqlite3.ProgrammingError
    ):
        code = getattr(exc, "sqlite_errorcode", None)
        kind = _BY_CODE.get(code & 0xFF) if isinstance(code, int) else None
    elif isinstance(exc, OSError) or (isinstance(exc, ValueError) and "closed" in str(exc).lower()):
        kind = DatabaseUnavailable
    if kind is None:
        return None
    return kind(f"the SQLite database {path} {_EXPLAINED[kind]}: {exc}")


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


class SyncSqliteConnection:
    """`Database.express`'s connection: a plain `sqlite3` connection used in the event loop's thread. Its methods
    never yield to the event loop."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, *args: Any) -> int:
        """Run a statement; return the number of rows it changed."""
        return self._conn.execute(sql, _args(args)).rowcount

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run a statement once per parameter row."""
        self._conn.executemany(sql, [_args(r) for r in rows])

    async def fetch_all(self, sql: str, *args: Any) -> list[Row]:
        """All rows of a query."""
        return [dict(r) for r in self._conn.execute(sql, _args(args)).fetchall()]

    async def fetch_one(self, sql: str, *args: Any) -> Row | None:
        """The first row of a query, or None."""
        row = self._conn.execute(sql, _args(args)).fetchone()
        return dict(row) if row is not None else None


class SqliteDatabase:
    """The embedded default engine."""

    dialect = "sqlite"
    skip_locked = ""

    def __init__(self, path: str, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> None:
        self.path, _, self.query = path.partition("?")
        self.busy_timeout_ms = busy_timeout_ms
        self._conn: aiosqlite.Connection | None = None
        self._express: sqlite3.Connection | None = None
        self._lock = PriorityLock()

    async def open(self) -> None:
        """Open the file (creating its folder), set WAL, foreign keys and a busy timeout, and check that it
        can be written. A file that cannot be opened or written raises a `DatabaseError` (nothing stays open)."""
        if self._conn is not None:
            return
        conn: aiosqlite.Connection | None = None
        try:
            if self.path != ":memory:":
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            if self.query:
                conn = await aiosqlite.connect(f"file:{self.path}?{self.query}", isolation_level=None, uri=True)
            else:
                conn = await aiosqlite.connect(self.path, isolation_level=None)
            conn.row_factory = sqlite3.Row
            await conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA synchronous = NORMAL")
            await conn.execute("PRAGMA foreign_keys = ON")
            await self._check_writable(conn)
            express = self._open_express()
        except Exception as exc:
            if conn is not None:  # a connection left open keeps its thread, and the process, alive
                await conn.close()
            failure = exc if isinstance(exc, DatabaseError) else sqlite_failure(exc, self.path)
            if failure is None:
                raise
            raise failure from exc
        self._conn = conn
        self._express = express

    def _open_express(self) -> sqlite3.Connection | None:
        """`express`'s own connection (None for an in-memory database: a second connection would open another
        one; `express` then goes through the main connection)."""
        if self.path == ":memory:":
            return None
        if self.query:
            conn = sqlite3.connect(f"file:{self.path}?{self.query}", isolation_level=None, uri=True)
        else:
            conn = sqlite3.connect(self.path, isolation_level=None)
        try:
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA busy_timeout = 0")  # never block the event loop: `express` waits itself
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA wal_autocheckpoint = 0")  # checkpoints stay in aiosqlite's thread
        except BaseException:
            conn.close()
            raise
        return conn

    async def _check_writable(self, conn: aiosqlite.Connection) -> None:
        """Rewrite the header's user version in a transaction rolled back: SQLite refuses it when the file,
        its folder or its mount is read-only. A writer holding the lock beyond the busy timeout passes."""
        async with conn.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        version = int(row[0]) if row else 0
        try:
            await conn.execute("BEGIN IMMEDIATE")
            await conn.execute(f"PRAGMA user_version = {version}")
        except sqlite3.OperationalError as exc:
            if not isinstance(sqlite_failure(exc, self.path), DatabaseBusy):
                raise
            log.warning("could not check that %s is writable: it is locked by another writer", self.path)
        finally:
            if conn.in_transaction:
                await conn.execute("ROLLBACK")

    async def close(self) -> None:
        """Close the connections."""
        if self._express is not None:
            self._express.close()
            self._express = None
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    def _connection(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise DatabaseUnavailable(f"the SQLite database {self.path} is not open")
        return self._conn

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqliteConnection]:
        """``BEGIN IMMEDIATE`` … ``COMMIT``, or ``ROLLBACK`` on any exception (a failed ``COMMIT`` included);
        a failure of the file is raised as its `DatabaseError` after the rollback."""
        async with self._write(self._lock) as conn:
            yield conn

    @asynccontextmanager
    async def _write(self, lock: AbstractAsyncContextManager[object]) -> AsyncIterator[SqliteConnection]:
        """One write transaction on the main connection, once `lock` is held."""
        async with lock, self._classified():
            conn = self._connection()
            await self._begin(conn, "BEGIN IMMEDIATE")
            try:
                yield SqliteConnection(conn)
                await conn.execute("COMMIT")
            except BaseException:
                await self._end(conn, "ROLLBACK")
                raise

    @asynccontextmanager
    async def read(self) -> AsyncIterator[SqliteConnection]:
        """A deferred transaction: a consistent snapshot for several reads."""
        async with self._lock, self._classified():
            conn = self._connection()
            await self._begin(conn, "BEGIN")
            try:
                yield SqliteConnection(conn)
            finally:
                await self._end(conn, "COMMIT")

    @asynccontextmanager
    async def express(self) -> AsyncIterator[Connection]:
        """A short write transaction for an acknowledgement path (see the module's docstring): ahead of every
        transaction waiting for the connection, on a connection of its own, with no step of the event loop
        between its statements. Committed on exit, rolled back on an exception."""
        express = self._express
        if express is None:
            async with self._write(self._lock.urgent()) as conn:
                yield conn
            return
        deadline = time.monotonic() + self.busy_timeout_ms / 1000
        pause = 0.001
        while True:
            async with self._lock.urgent(), self._classified():
                try:
                    express.execute("BEGIN IMMEDIATE")
                except sqlite3.OperationalError as exc:
                    if not isinstance(sqlite_failure(exc, self.path), DatabaseBusy) or time.monotonic() > deadline:
                        raise
                else:
                    try:
                        yield SyncSqliteConnection(express)
                        express.execute("COMMIT")
                    except BaseException:
                        try:
                            if express.in_transaction:
                                express.execute("ROLLBACK")
                        except sqlite3.Error:
                            log.warning("ROLLBACK of an express transaction on %s failed", self.path, exc_info=True)
                        raise
                    return
            await asyncio.sleep(pause)  # another process holds the write lock: wait without holding ours
            pause = min(pause * 2, 0.05)

    @asynccontextmanager
    async def _classified(self) -> AsyncIterator[None]:
        """Raise a failure of the file as its `DatabaseError` (with the driver's error as its cause)."""
        try:
            yield
        except (sqlite3.Error, OSError, ValueError) as exc:
            failure = sqlite_failure(exc, self.path)
            if failure is None:
                raise
            raise failure from exc

    async def _begin(self, conn: aiosqlite.Connection, statement: str) -> None:
        """Start a transaction. aiosqlite runs a statement in its own thread even when the task awaiting it is
        cancelled: a ``BEGIN`` cancelled while queued still begins, and would leave the connection inside a
        transaction that the next one trips over ("cannot start a transaction within a transaction"). So a
        cancelled ``BEGIN`` is followed by a rollback, queued after it on the same thread."""
        try:
            await conn.execute(statement)
        except asyncio.CancelledError:
            await conn.rollback()  # a no-op if the BEGIN did not run
            raise

    async def _end(self, conn: aiosqlite.Connection, statement: str) -> None:
        """End the transaction (``COMMIT`` or ``ROLLBACK``) unless SQLite already rolled it back (it does on a
        full disk); a failure here is logged, the exception being handled is the one that matters."""
        try:
            if conn.in_transaction:
                await conn.execute(statement)
        except (sqlite3.Error, ValueError):
            log.warning("%s of a transaction on %s failed", statement, self.path, exc_info=True)

    def to_db_time(self, value: datetime) -> Any:
        """ISO-8601 text with microseconds and ``+00:00``: sorts like the instant it names."""
        return _adapt(value)


def parse_sqlite_time(value: str) -> datetime:
    """Read back a stored timestamp as an aware UTC datetime."""
    parsed = datetime.fromisoformat(value)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
