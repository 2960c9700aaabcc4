"""SQLite engine through aiosqlite: WAL, foreign keys on, one connection serialised by a lock.

Beside it, a second, synchronous connection serves `SqliteDatabase.express_one`: the short write an
acknowledgement waits for (recording an event in the inbox). It takes the same lock as an urgent waiter, ahead
of every queued transaction, and runs its statement in the event loop's own thread, with no hop to aiosqlite's
thread and no step of the event loop in between (tens of microseconds in WAL): so the acknowledgement waits at
most for the transaction in progress, not for the queue behind it nor for the work the event loop is doing
meanwhile. It never waits inside SQLite (its busy timeout is 0, so the event loop is never blocked by another
process's lock): a lock held by another process is waited for with asyncio sleeps, up to the same busy timeout,
then `DatabaseBusy`. It leaves the WAL checkpoints to the main connection.

Write transactions start with ``BEGIN IMMEDIATE`` so that several processes on one file queue up (each
waiting, with asyncio sleeps, up to the busy timeout) instead of failing half-way through. Short compare-and-set
transactions run their statements in the event loop's thread (`SqliteDatabase`). A failure of the file itself
(locked beyond the busy timeout, read-only, disk full, cannot be opened) rolls the transaction back and is raised
as the `DatabaseError` that names it (`sqlite_failure`). A URL's query (``sqlite:////data/bot.sqlite3?mode=ro``) is
passed to SQLite as a URI; a database that cannot be written is refused at `SqliteDatabase.open`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from mentorbot.clock import as_utc
from mentorbot.storage.database import (
    DatabaseBusy,
    DatabaseError,
    DatabaseFull,
    DatabaseReadOnly,
    DatabaseUnavailable,
    Row,
)
from mentorbot.storage.priority_lock import PriorityLock

log = logging.getLogger("mentorbot.storage")

T = TypeVar("T")

BUSY_TIMEOUT_MS = 10_000
SECURE_DELETE = "PRAGMA secure_delete = ON"
"""Set on every connection the engine opens: deleted and overwritten content is zeroed in the file, not left in its
free pages, so that what a forget deletes is gone from it (many SQLite builds, python.org's and macOS's among them,
default it off). Old page versions can still sit in the WAL file until its next checkpoint restarts it."""

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


async def _thread_ended(connecting: aiosqlite.Connection) -> None:
    """Wait for the thread of an aiosqlite connection whose opening failed to end. aiosqlite stops it then (its
    ``stop``), but does not wait: the thread then posts the stop's result to the event loop, and when the loop was
    closed meanwhile (a one-shot command exiting with the error) prints "Exception in thread ... RuntimeError:
    Event loop is closed" on stderr. Its last step is that post, so once the thread ended the loop has it."""
    thread = connecting._thread
    if thread.ident is not None:  # started (`await` starts it first)
        await asyncio.to_thread(thread.join)


def _adapt(value: Any) -> Any:
    if isinstance(value, datetime):
        return as_utc(value).isoformat(timespec="microseconds")
    return value


def _args(args: Sequence[Any]) -> tuple[Any, ...]:
    return tuple(_adapt(a) for a in args)


def _rowcount(conn: sqlite3.Connection, sql: str, params: Any) -> int:
    return conn.execute(sql, params).rowcount


def _many(conn: sqlite3.Connection, sql: str, params: Any) -> None:
    conn.executemany(sql, params)


def _all(conn: sqlite3.Connection, sql: str, params: Any) -> list[Row]:
    return [dict(r) for r in conn.execute(sql, params).fetchall()]


def _one(conn: sqlite3.Connection, sql: str, params: Any) -> Row | None:
    cursor = conn.execute(sql, params)
    try:
        row = cursor.fetchone()
    finally:
        cursor.close()  # ends the statement now, not when the cursor is collected
    return dict(row) if row is not None else None


INLINE_LIMIT = 0.002
"""Seconds a statement may hold the event loop: one that takes longer `INLINE_STRIKES` times runs in aiosqlite's
thread from then on."""
INLINE_STRIKES = 3
"""How often a statement must exceed `INLINE_LIMIT` before it leaves the event loop's thread (one slow run may be
the machine, not the statement)."""
INLINE_SLICE = 0.0005
"""Seconds of statements a transaction runs in the event loop's thread before it lets the other tasks run (one step
of the event loop), so that a transaction of many quick statements does not hold the loop for long either."""
INLINE_MANY = 64
"""An ``executemany`` of more parameter rows than this runs in aiosqlite's thread."""
CHECKPOINT_CHANGES = 2_000
"""Rows changed on the main connection between two WAL checkpoints (run in aiosqlite's thread, not at a commit in
the event loop's thread: SQLite's automatic checkpoint is turned off on that connection)."""


class SqliteConnection:
    """A connection inside a transaction (or read) on the shared connection (see `SqliteDatabase`). In a quick
    transaction (`inline`) each statement runs in the event loop's thread, unless it is known to be slow or
    aiosqlite's thread still has work queued; otherwise each statement is one hop to aiosqlite's thread."""

    def __init__(self, db: SqliteDatabase, *, inline: bool = False) -> None:
        self._db = db
        self._inline = inline

    def quick(self) -> SqliteConnection:
        """The same transaction, its statements run in the event loop's thread (`Database.transaction`)."""
        return self if self._inline else SqliteConnection(self._db, inline=True)

    async def execute(self, sql: str, *args: Any) -> int:
        """Run a statement; return the number of rows it changed."""
        result: int = await self._db._run(_rowcount, sql, _args(args), inline=self._inline)
        return result

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run a statement once per parameter row."""
        params = [_args(r) for r in rows]
        await self._db._run(_many, sql, params, inline=self._inline and len(params) <= INLINE_MANY)

    async def fetch_all(self, sql: str, *args: Any) -> list[Row]:
        """All rows of a query."""
        result: list[Row] = await self._db._run(_all, sql, _args(args), inline=self._inline)
        return result

    async def fetch_one(self, sql: str, *args: Any) -> Row | None:
        """The first row of a query, or None."""
        result: Row | None = await self._db._run(_one, sql, _args(args), inline=self._inline)
        return result


def _finish(conn: sqlite3.Connection, sql: str, params: Any) -> None:
    """``COMMIT`` or ``ROLLBACK`` unless SQLite ended the transaction already (it does on a full disk)."""
    if conn.in_transaction:
        conn.execute(sql, params)


class SqliteDatabase:
    """The embedded default engine.

    One connection, serialised by a `PriorityLock`, opened by aiosqlite. A statement normally runs in aiosqlite's
    thread (one hop each: the event loop keeps serving other tasks meanwhile). A quick transaction
    (``transaction(quick=True)``: a short compare-and-set body such as accepting an offer, or a savepoint of a unit
    of work opened so) runs its statements and its ``COMMIT`` on the same connection in the event loop's own
    thread instead: no hop at all, and no step of the event loop between statements for up to `INLINE_SLICE`
    (then one step, so that the other tasks run). Even there, a statement that held the event loop longer than
    `INLINE_LIMIT` a few times, a large ``executemany``, and anything while aiosqlite's thread still has work
    (a statement whose task was cancelled runs to its end there) go through aiosqlite's thread, in order.

    The connection's busy timeout is 0 once it is open, so that a ``BEGIN IMMEDIATE`` (always run in the event
    loop's thread: it cannot wait) never blocks the event loop while another process writes: it is retried with
    asyncio sleeps up to `busy_timeout_ms`, then `DatabaseBusy`. SQLite's automatic WAL checkpoint is off on it (it
    would run inside a ``COMMIT``, with an fsync, possibly in the event loop's thread); a passive checkpoint runs
    in aiosqlite's thread every `CHECKPOINT_CHANGES` changed rows.
    """

    dialect = "sqlite"
    skip_locked = ""

    def __init__(self, path: str, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> None:
        self.path, _, self.query = path.partition("?")
        self.url = f"sqlite:///{self.path}" + (f"?{self.query}" if self.query else "")
        """The database's URL, as its failures name it (`DatabaseError.database`)."""
        self.busy_timeout_ms = busy_timeout_ms
        self._conn: aiosqlite.Connection | None = None
        self._raw: sqlite3.Connection | None = None
        self._express: sqlite3.Connection | None = None
        self._lock = PriorityLock()
        # Calls handed to aiosqlite's thread, and those it finished (each counter written by one thread only).
        self._submitted = 0
        self._finished = 0
        self._slow: set[str] = set()
        self._strikes: dict[str, int] = {}
        self._checkpointed = 0
        self._checkpoint_task: asyncio.Task[None] | None = None
        self._slice_started = 0.0

    async def open(self) -> None:
        """Open the file (creating its folder), set WAL, foreign keys, secure delete (`SECURE_DELETE`) and a busy
        timeout, and check that it can be written. A file that cannot be opened or written raises a `DatabaseError`
        (nothing stays open)."""
        if self._conn is not None:
            return
        conn: aiosqlite.Connection | None = None
        connecting: aiosqlite.Connection | None = None
        try:
            if self.path != ":memory:":
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            # check_same_thread off: quick statements run in the event loop's thread, under the engine's lock.
            if self.query:
                connecting = aiosqlite.connect(
                    f"file:{self.path}?{self.query}", isolation_level=None, uri=True, check_same_thread=False
                )
            else:
                connecting = aiosqlite.connect(self.path, isolation_level=None, check_same_thread=False)
            conn = await connecting
            conn.row_factory = sqlite3.Row
            await conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA synchronous = NORMAL")
            await conn.execute("PRAGMA foreign_keys = ON")
            await conn.execute(SECURE_DELETE)
            await self._check_writable(conn)
            await conn.execute("PRAGMA busy_timeout = 0")  # `_begin` waits for other writers itself
            await conn.execute("PRAGMA wal_autocheckpoint = 0")  # `_checkpoint` runs them, in aiosqlite's thread
            express = self._open_express()
        except BaseException as exc:  # a cancellation too (Ctrl-C in a `db` command): the thread must end all the same
            if conn is not None:  # a connection left open keeps its thread, and the process, alive
                await conn.close()
            elif connecting is not None:
                await _thread_ended(connecting)
            if not isinstance(exc, Exception):
                raise
            failure = exc if isinstance(exc, DatabaseError) else sqlite_failure(exc, self.path)
            if failure is None:
                raise
            raise failure.named(self.url) from exc
        self._conn = conn
        self._raw = conn._conn
        self._checkpointed = self._raw.total_changes
        self._express = express

    def _open_express(self) -> sqlite3.Connection | None:
        """`express_one`'s own connection (None for an in-memory database: a second connection would open another
        one; `express_one` then goes through the main connection)."""
        if self.path == ":memory:":
            return None
        if self.query:
            conn = sqlite3.connect(f"file:{self.path}?{self.query}", isolation_level=None, uri=True)
        else:
            conn = sqlite3.connect(self.path, isolation_level=None)
        try:
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA busy_timeout = 0")  # never block the event loop: `express_one` waits itself
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute(SECURE_DELETE)
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
        if self._checkpoint_task is not None:
            self._checkpoint_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._checkpoint_task
        if self._express is not None:
            self._express.close()
            self._express = None
        if self._conn is not None:
            self._raw = None
            await self._conn.close()
            self._conn = None
            self._submitted = self._finished = 0

    def _connection(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise DatabaseUnavailable(f"the SQLite database {self.path} is not open").named(self.url)
        return self._conn

    def _raw_connection(self) -> sqlite3.Connection:
        if self._raw is None:
            raise DatabaseUnavailable(f"the SQLite database {self.path} is not open").named(self.url)
        return self._raw

    async def _run(self, fn: Callable[[sqlite3.Connection, str, Any], T], sql: str, params: Any, *, inline: bool) -> T:
        """`fn` on the connection: in the event loop's thread when the statement is quick (see the class), else
        in aiosqlite's thread. Call only while holding the engine's lock."""
        raw = self._raw_connection()
        if not inline or sql in self._slow or self._submitted != self._finished:
            return await self._in_thread(fn, sql, params)
        start = time.perf_counter()
        if start - self._slice_started > INLINE_SLICE:
            await asyncio.sleep(0)  # a long transaction of quick statements: let the other tasks run meanwhile
            start = self._slice_started = time.perf_counter()
        result = fn(raw, sql, params)
        if time.perf_counter() - start > INLINE_LIMIT:
            self._strike(sql)
        return result

    async def _yield_first(self) -> None:
        """One step of the event loop before a transaction, whose statements then run without one for up to
        `INLINE_SLICE`: the tasks that were ready go first (a Slack acknowledgement whose command's work was just
        started must not wait for that work's transactions)."""
        await asyncio.sleep(0)
        self._slice_started = time.perf_counter()

    def _strike(self, sql: str) -> None:
        """`sql` held the event loop too long: after `INLINE_STRIKES` times it runs in aiosqlite's thread."""
        if len(self._strikes) > 10_000:  # unique statements (savepoint names) slowed by a busy machine
            self._strikes.clear()
        strikes = self._strikes[sql] = self._strikes.get(sql, 0) + 1
        if strikes >= INLINE_STRIKES:
            log.debug("SQLite statement runs in aiosqlite's thread from now on: %.200s", sql)
            self._slow.add(sql)

    async def _in_thread(self, fn: Callable[[sqlite3.Connection, str, Any], T], sql: str, params: Any) -> T:
        """`fn` in aiosqlite's thread, after whatever is queued there. It runs to its end even when the awaiting
        task is cancelled; the counters keep the next statements off the event loop's thread until it has."""
        raw = self._raw_connection()
        aio = self._connection()

        def work() -> T:
            try:
                return fn(raw, sql, params)
            finally:
                self._finished += 1

        self._submitted += 1
        try:
            result: T = await aio._execute(work)  # type: ignore[no-untyped-call]
        except ValueError:  # closed: `work` was not queued
            if not aio._running:
                self._finished += 1
            raise
        return result

    @asynccontextmanager
    async def transaction(self, *, quick: bool = False) -> AsyncIterator[SqliteConnection]:
        """``BEGIN IMMEDIATE`` … ``COMMIT``, or ``ROLLBACK`` on any exception (a failed ``COMMIT`` included);
        a failure of the file is raised as its `DatabaseError` after the rollback. `quick`: its statements (and its
        ``COMMIT``) run in the event loop's thread (see the class)."""
        async with self._write(self._lock, quick=quick) as conn:
            yield conn

    @asynccontextmanager
    async def _write(
        self, lock: AbstractAsyncContextManager[object], *, quick: bool
    ) -> AsyncIterator[SqliteConnection]:
        """One write transaction on the main connection, once `lock` is held."""
        if quick:
            await self._yield_first()
        async with lock, self._classified():
            await self._begin("BEGIN IMMEDIATE")
            try:
                yield SqliteConnection(self, inline=quick)
                await self._run(_rowcount, "COMMIT", (), inline=quick)
            except BaseException:
                await self._end("ROLLBACK", inline=quick)
                raise
            self._maybe_checkpoint()

    @asynccontextmanager
    async def read(self, *, quick: bool = False) -> AsyncIterator[SqliteConnection]:
        """A deferred transaction: a consistent snapshot for several reads. `quick`: its statements run in the event
        loop's thread, as a quick transaction's do (see the class; a statement found slow leaves it)."""
        if quick:
            await self._yield_first()
        async with self._lock, self._classified():
            await self._begin("BEGIN")
            try:
                yield SqliteConnection(self, inline=quick)
            finally:
                await self._end("COMMIT", inline=True)  # ends a read: instant

    async def express_one(self, sql: str, *args: Any) -> list[Row]:
        """One statement committed on its own on the express connection (SQLite's autocommit: the statement is
        its own transaction, without a ``BEGIN`` and a ``COMMIT`` to send), ahead of every transaction waiting for
        the engine's lock; the rows it returns. Another process's write lock is waited for with asyncio sleeps,
        without holding the engine's lock, up to the busy timeout. An in-memory database has no second connection:
        there the statement is a quick transaction of the main one, still ahead of the queue."""
        express = self._express
        if express is None:
            async with self._write(self._lock.urgent(), quick=True) as conn:
                return await conn.fetch_all(sql, *args)
        deadline = time.monotonic() + self.busy_timeout_ms / 1000
        pause = 0.001
        while True:
            async with self._lock.urgent(), self._classified():
                try:
                    return [dict(r) for r in express.execute(sql, _args(args)).fetchall()]
                except sqlite3.OperationalError as exc:
                    if not isinstance(sqlite_failure(exc, self.path), DatabaseBusy) or time.monotonic() > deadline:
                        raise
            await asyncio.sleep(pause)  # another process holds the write lock: wait without holding ours
            pause = min(pause * 2, 0.05)

    @asynccontextmanager
    async def _classified(self) -> AsyncIterator[None]:
        """Raise a failure of the file as its `DatabaseError` (with the driver's error as its cause)."""
        try:
            yield
        except DatabaseError as named:
            named.named(self.url)
            raise
        except (sqlite3.Error, OSError, ValueError) as exc:
            failure = sqlite_failure(exc, self.path)
            if failure is None:
                raise
            raise failure.named(self.url) from exc

    async def _begin(self, statement: str) -> None:
        """Start a transaction. Another process holding the write lock is waited for with asyncio sleeps (the
        connection's own busy timeout is 0), up to `busy_timeout_ms`. aiosqlite runs a statement in its own
        thread even when the task awaiting it is cancelled: a ``BEGIN`` cancelled while queued there still
        begins, and would leave the connection inside a transaction that the next one trips over ("cannot start
        a transaction within a transaction"). So a cancelled ``BEGIN`` is followed by a rollback, queued after it
        on the same thread."""
        deadline: float | None = None
        pause = 0.001
        while True:
            try:
                await self._run(_rowcount, statement, (), inline=True)  # never waits: busy timeout 0
                return
            except asyncio.CancelledError:
                await self._in_thread(_finish, "ROLLBACK", ())  # a no-op if the BEGIN did not run
                raise
            except sqlite3.OperationalError as exc:
                if not isinstance(sqlite_failure(exc, self.path), DatabaseBusy):
                    raise
                now = time.monotonic()
                deadline = now + self.busy_timeout_ms / 1000 if deadline is None else deadline
                if now >= deadline:
                    raise
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.05)

    async def _end(self, statement: str, *, inline: bool) -> None:
        """End the transaction (``COMMIT`` or ``ROLLBACK``) unless SQLite already rolled it back (it does on a
        full disk); a failure here is logged, the exception being handled is the one that matters."""
        try:
            await self._run(_finish, statement, (), inline=inline)
        except (sqlite3.Error, ValueError, DatabaseError):
            log.warning("%s of a transaction on %s failed", statement, self.path, exc_info=True)

    def _maybe_checkpoint(self) -> None:
        """Start a passive WAL checkpoint (in aiosqlite's thread, under the lock) once enough rows changed."""
        raw = self._raw
        if raw is None or self._checkpoint_task is not None:
            return
        if raw.total_changes - self._checkpointed < CHECKPOINT_CHANGES:
            return
        self._checkpointed = raw.total_changes
        self._checkpoint_task = asyncio.create_task(self._checkpoint())

    async def _checkpoint(self) -> None:
        try:
            async with self._lock:
                await self._in_thread(_all, "PRAGMA wal_checkpoint(PASSIVE)", ())
        except (sqlite3.Error, ValueError, DatabaseError) as exc:
            log.warning("WAL checkpoint of %s failed: %s", self.path, exc)
        finally:
            self._checkpoint_task = None

    def to_db_time(self, value: datetime) -> Any:
        """ISO-8601 text with microseconds and ``+00:00``: sorts like the instant it names."""
        return _adapt(value)
