"""PostgreSQL engine through asyncpg: a connection pool, one connection per transaction.

Conditional updates rely on row locks at READ COMMITTED: a second writer waits for the first and then
re-checks its WHERE clause against the committed row, so exactly one compare-and-set wins.

A restart of the server or a lost connection costs no process restart: a transaction whose ``BEGIN`` finds its
pooled connection dead (nothing was done on it yet) drops that connection, has the pool replace the others,
and begins once more on a new one. Connecting gives up after `CONNECT_TIMEOUT` seconds rather than hang.
What still fails (the server is down, the disk is full, a standby is read-only) is rolled back and raised as
the `DatabaseError` that names it (`postgres_failure`).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime
from functools import lru_cache
from typing import Any

import asyncpg

from mentorbot.clock import as_utc
from mentorbot.storage.database import (
    DatabaseBusy,
    DatabaseError,
    DatabaseFull,
    DatabaseOutcomeUnknown,
    DatabaseReadOnly,
    DatabaseUnavailable,
    Row,
)

log = logging.getLogger("mentorbot.storage")
CLOSE_TIMEOUT = 5.0
"""Seconds `PostgresDatabase.close` waits for the pools' connections to be released before terminating them."""

_InternalClientError = asyncpg.exceptions._base.InternalClientError
"""asyncpg's protocol in a state it cannot leave (neither a `PostgresError` nor an `InterfaceError`)."""

CONNECT_TIMEOUT = 5.0
"""Seconds to open one connection (asyncpg's default is 60: a command would hang that long)."""
ACQUIRE_TIMEOUT = 15.0
"""Seconds to wait for a pooled connection (connecting included) before the command is told to try again."""

_BY_TYPE: tuple[tuple[type[BaseException], type[DatabaseError]], ...] = (
    (asyncpg.exceptions.QueryCanceledError, DatabaseBusy),
    (asyncpg.exceptions.LockNotAvailableError, DatabaseBusy),
    (asyncpg.exceptions.TooManyConnectionsError, DatabaseBusy),
    (asyncpg.exceptions.DiskFullError, DatabaseFull),
    (asyncpg.exceptions.ReadOnlySQLTransactionError, DatabaseReadOnly),
    (asyncpg.exceptions.PostgresConnectionError, DatabaseUnavailable),
    (asyncpg.exceptions.OperatorInterventionError, DatabaseUnavailable),  # shut down, restarting, terminated
    # The server refuses the credentials (a wrong password, a role that does not exist) or has no such database.
    (asyncpg.exceptions.InvalidAuthorizationSpecificationError, DatabaseUnavailable),
    (asyncpg.exceptions.InvalidCatalogNameError, DatabaseUnavailable),
    (OSError, DatabaseUnavailable),  # refused, reset, unreachable
    (TimeoutError, DatabaseUnavailable),  # connecting took longer than CONNECT_TIMEOUT
)


def _lost(exc: BaseException) -> bool:
    """Whether `exc` says the connection is gone (so another one may work). asyncpg's pool takes back a
    connection that closed while in use (the server ended it), so the next statement on it, such as the rollback
    of a savepoint after the failure, says "released back to the pool": that is the same loss. A connection ended
    in the middle of an exchange can also leave asyncpg's protocol in a state it refuses to leave
    (``InternalClientError``: "cannot switch to state 11; another operation (2) is in progress"): lost too."""
    if isinstance(exc, _InternalClientError):
        return True
    if isinstance(exc, asyncpg.InterfaceError):
        return any(sign in str(exc) for sign in ("closed", "closing", "released back to the pool"))
    return isinstance(
        exc,
        asyncpg.exceptions.PostgresConnectionError
        | asyncpg.exceptions.AdminShutdownError
        | asyncpg.exceptions.CrashShutdownError
        | OSError,
    )


def _not_sent(exc: BaseException) -> bool:
    """Whether asyncpg refused to send a statement because its connection was already closed (nothing reached
    the server), as opposed to a connection lost while the statement ran."""
    return isinstance(exc, asyncpg.InterfaceError) and "connection is closed" in str(exc)


def _dead_on_begin(exc: BaseException) -> bool:
    """Whether ``BEGIN`` failed because its connection is dead or its protocol state broken (the server ended
    it while it sat idle in the pool): a client-side error, a lost connection or the server shutting down."""
    return isinstance(exc, asyncpg.InterfaceError) or _lost(exc)


def _close(conn: Any) -> None:
    """Close a pooled connection for good, so the pool opens a new one in its place (a connection already
    lost is detached from its proxy: nothing to do)."""
    with contextlib.suppress(asyncpg.InterfaceError):
        conn.terminate()


def postgres_failure(exc: BaseException) -> DatabaseError | None:
    """The `DatabaseError` an asyncpg failure is, or None for a bug in our SQL (left as it is)."""
    kind = next((kind for driver, kind in _BY_TYPE if isinstance(exc, driver)), None)
    if kind is None and _lost(exc):
        kind = DatabaseUnavailable
    if kind is None:
        return None
    return kind(f"PostgreSQL: {type(exc).__name__}: {exc}")


_PLACEHOLDER = re.compile(r"\?")


@lru_cache(maxsize=1024)
def to_numbered(sql: str) -> str:
    """Rewrite ``?`` placeholders as ``$1, $2…`` (our SQL never has ``?`` inside literals). Any number: a
    statement past PostgreSQL's own limit (65,535 parameters) is refused by the server in words, not here."""
    counter = itertools.count(1)
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

    def quick(self) -> PostgresConnection:
        """Itself (a statement is a round trip whichever way it is run)."""
        return self


class ExpressLane:
    """The connection of its own, beside the pool, that records platform events before their acknowledgement.

    One connection, one statement at a time (the inbox's group commit keeps one batch in flight
    anyway): no pool to acquire from nor give back to, a round trip's worth of work less per record. A closed
    connection is replaced on the next use; connecting gives up after the engine's connect timeout.
    """

    def __init__(self, connect: Callable[[], Awaitable[Any]]) -> None:
        """A lane whose connections `connect` opens (not opened yet: `open`)."""
        self._connect = connect
        self._conn: Any = None
        self._lock = asyncio.Lock()

    async def open(self) -> None:
        """Connect now (a server that cannot be reached is said at start-up, not at the first record)."""
        async with self._lock:
            await self._connection()

    async def close(self) -> None:
        """Close the connection (terminated, if it does not close within `CLOSE_TIMEOUT`)."""
        conn, self._conn = self._conn, None
        if conn is None or conn.is_closed():
            return
        try:
            await asyncio.wait_for(conn.close(), CLOSE_TIMEOUT)
        except (TimeoutError, asyncpg.InterfaceError, asyncpg.PostgresError, OSError):
            conn.terminate()

    async def _connection(self) -> Any:
        if self._conn is None or self._conn.is_closed():
            self._conn = None
            self._conn = await self._connect()
        return self._conn

    def _drop(self) -> None:
        """Forget the connection for good (lost, or left mid-exchange): the next use opens a new one."""
        conn, self._conn = self._conn, None
        if conn is not None:
            _close(conn)

    async def one(self, sql: str, args: Sequence[Any]) -> list[Row]:
        """Run `sql` (numbered placeholders) committed on its own; its rows.

        A connection found closed before the statement went out is replaced and the statement sent once more. A
        connection lost while the statement ran (reset, the backend terminated, the server shutting down) leaves
        it committed or not, unknown: that raises `DatabaseOutcomeUnknown`, and the caller runs its idempotent
        statement again to learn which (`InboxStore.record_event`). Inside a transaction the same doubt exists,
        during its ``COMMIT``; this makes it explicit, and resolved, instead of reported as "nothing was saved"."""
        async with self._lock:
            for attempt in (1, 2):
                conn = await self._connection()
                try:
                    rows = await conn.fetch(sql, *args)
                except Exception as exc:
                    if not _lost(exc):
                        raise  # the statement failed: it took no effect, and the connection is fine
                    self._drop()
                    if _not_sent(exc) and attempt == 1:
                        log.info("the express PostgreSQL connection was closed (%s); sending on a new one", exc)
                        continue
                    raise DatabaseOutcomeUnknown(
                        "PostgreSQL: the connection was lost during a statement committed on its own: "
                        f"{type(exc).__name__}: {exc}"
                    ) from exc
                except BaseException:
                    self._drop()  # cancelled mid-exchange: the connection's state is not known
                    raise
                return [dict(r) for r in rows]
        raise AssertionError("unreachable")  # pragma: no cover


class PostgresDatabase:
    """The engine for communities that run several processes."""

    dialect = "postgresql"
    skip_locked = " FOR UPDATE SKIP LOCKED"

    def __init__(
        self,
        url: str,
        *,
        min_size: int = 1,
        max_size: int = 10,
        schema: str | None = None,
        connect_timeout: float = CONNECT_TIMEOUT,
        acquire_timeout: float = ACQUIRE_TIMEOUT,
        flush_before_ack: bool = False,
    ) -> None:
        """`flush_before_ack`: whether `express_one` (recording an event before its acknowledgement) waits for the
        server to flush its commit to disk (``synchronous_commit``; see `_create_pool`)."""
        self.url = url
        self.flush_before_ack = flush_before_ack
        self.schema = schema
        self._min_size = min_size
        self._max_size = max_size
        self.connect_timeout = connect_timeout
        self.acquire_timeout = acquire_timeout
        self._pool: Any = None
        self._express: ExpressLane | None = None

    @property
    def application_name(self) -> str:
        """How this engine's connections are named on the server: ``mentorbot``, or ``mentorbot/<schema>``."""
        return f"mentorbot/{self.schema}" if self.schema else "mentorbot"

    async def open(self) -> None:
        """Create the pools (UTC session time zone) and check that the server accepts writes; a server that
        cannot be reached (within `connect_timeout`) or is read-only raises a `DatabaseError`."""
        if self._pool is not None:
            return
        async with _classified(self.url):
            pool = await self._create_pool(self._min_size, self._max_size)
            try:
                async with pool.acquire(timeout=self.acquire_timeout) as conn:
                    read_only = await conn.fetchval("SHOW transaction_read_only")
                express = None
                if read_only != "on":
                    express = ExpressLane(self._connect_express)
                    await express.open()
            except BaseException:
                await pool.close()
                raise
        if read_only == "on":
            await pool.close()
            raise DatabaseReadOnly(
                "the PostgreSQL database is read-only (a standby, or default_transaction_read_only): "
                "the bot must write to it"
            ).named(self.url)
        self._pool = pool
        self._express = express

    def _server_settings(self) -> dict[str, str]:
        return {
            "timezone": "UTC",
            # Names MentorBot's connections in pg_stat_activity (operators, and tests that end them).
            "application_name": self.application_name,
            **({"search_path": self.schema} if self.schema else {}),
        }

    async def _create_pool(self, min_size: int, max_size: int) -> Any:
        return await asyncpg.create_pool(
            self.url,
            min_size=min_size,
            max_size=max_size,
            timeout=self.connect_timeout,
            reset=_keep_session,
            server_settings=self._server_settings(),
        )

    async def _connect_express(self) -> Any:
        """The express lane's connection. Unless `flush_before_ack`, its commits do not wait for the disk flush
        (``synchronous_commit = off``): the record is as durable as SQLite's in WAL mode with ``synchronous =
        NORMAL`` (it survives the bot's crash and the server's restart; a power loss or crash of the server may
        lose its last fraction of a second, ``3 × wal_writer_delay``), and the acknowledgement does not wait
        about a millisecond for the disk. docs/reliability.md."""
        unflushed = {} if self.flush_before_ack else {"synchronous_commit": "off"}
        return await asyncpg.connect(
            self.url, timeout=self.connect_timeout, server_settings={**self._server_settings(), **unflushed}
        )

    async def close(self) -> None:
        """Close the pools: gracefully (each connection once it is released), or, past `CLOSE_TIMEOUT` (a
        connection held by work that never gives it back), by terminating them, so a stopping process never
        hangs here."""
        express, self._express = self._express, None
        if express is not None:
            await express.close()
        pool, self._pool = self._pool, None
        if pool is None:
            return
        try:
            await asyncio.wait_for(pool.close(), CLOSE_TIMEOUT)
        except TimeoutError:
            log.warning("PostgreSQL connections still in use after %s s: terminating them", CLOSE_TIMEOUT)
            pool.terminate()

    def transaction(self, *, quick: bool = False) -> AbstractAsyncContextManager[PostgresConnection]:
        """A READ COMMITTED transaction on one pooled connection (`quick` changes nothing here)."""
        return self._unit()

    def transaction_from(self, first: str) -> AbstractAsyncContextManager[PostgresConnection]:
        """A READ COMMITTED transaction like `transaction`, whose first statement `first` goes to the server in
        the same round trip as its ``BEGIN`` (one round trip less). `first` is literal SQL without parameters
        (it is sent as text, in one simple-protocol message with the ``BEGIN``) and its rows are not returned:
        a statement run for its effect, such as taking a row lock before the transaction's reads."""
        return self._unit(first=first)

    def read(self, *, quick: bool = False) -> AbstractAsyncContextManager[PostgresConnection]:
        """A REPEATABLE READ, read-only transaction: one snapshot for several reads (`quick` changes nothing here:
        a statement is a round trip whichever way it is run)."""
        return self._unit(isolation="repeatable_read", readonly=True)

    async def express_one(self, sql: str, *args: Any) -> list[Row]:
        """One statement committed on its own (no ``BEGIN``/``COMMIT``: one round trip) on the express lane; the
        rows it returns (`ExpressLane.one`: a lost connection raises `DatabaseOutcomeUnknown`)."""
        if self._express is None:
            raise DatabaseUnavailable("the PostgreSQL database is not open").named(self.url)
        async with _classified(self.url):
            return await self._express.one(to_numbered(sql), [_adapt(a) for a in args])

    @asynccontextmanager
    async def _unit(self, *, first: str | None = None, **options: Any) -> AsyncIterator[PostgresConnection]:
        """A transaction with `options`: committed on exit, rolled back on an exception; the connection goes
        back to the pool either way (closed, so it is replaced, when it was lost)."""
        pool = self._pool
        if pool is None:
            raise DatabaseUnavailable("the PostgreSQL database is not open").named(self.url)
        async with _classified(self.url):
            conn, tx = await self._begin(pool, options, first)
            try:
                yield PostgresConnection(conn)
                await tx.commit()
            except BaseException as exc:
                await self._rollback(tx, conn, exc)
                raise
            finally:
                await self._release(pool, conn)

    async def _begin(self, pool: Any, options: dict[str, Any], first: str | None = None) -> tuple[Any, Any]:
        """A pooled connection with its transaction begun. When ``BEGIN`` finds the connection lost (the server
        restarted, or closed it), nothing was done on it: it is closed, every other pooled connection is
        replaced on its next acquire (they were opened before the same loss), and a new one is tried, once."""
        for attempt in (1, 2):
            conn = await pool.acquire(timeout=self.acquire_timeout)
            tx = conn.transaction(**options) if first is None else _BegunWith(conn, first)
            try:
                await tx.start()
            except BaseException as exc:
                if not isinstance(exc, Exception):
                    # Cancelled (a SIGTERM's shutdown) while BEGIN was on its way: the connection's state is not
                    # known, so it is closed, and given back rather than left checked out of the pool.
                    _close(conn)
                    await self._release(pool, conn)
                    raise
                dead = _dead_on_begin(exc)
                if dead:  # the server restarted or ended its connections: the others in the pool are dead too
                    _close(conn)
                    await pool.expire_connections()
                await self._release(pool, conn)
                if attempt == 2 or not dead:
                    raise
                log.info("a pooled PostgreSQL connection was lost (%s); beginning on a new one", exc)
                continue
            return conn, tx
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    async def _rollback(tx: Any, conn: Any, cause: BaseException) -> None:
        """Roll back (a lost connection needs none: the server dropped the transaction with it)."""
        if _dead_on_begin(cause):
            _close(conn)
            return
        try:
            await tx.rollback()
        except Exception:
            log.warning("rolling back a PostgreSQL transaction failed; closing its connection", exc_info=True)
            _close(conn)

    @staticmethod
    async def _release(pool: Any, conn: Any) -> None:
        """Give the connection back; one that cannot be reset is closed by the pool (logged, not raised)."""
        try:
            await pool.release(conn)
        except Exception as exc:
            # A connection the server ended cannot be reset: expected after a restart, so no traceback then.
            log.warning("releasing a PostgreSQL connection failed: %s", exc, exc_info=not _dead_on_begin(exc))

    def to_db_time(self, value: datetime) -> Any:
        """Aware UTC datetime (timestamptz)."""
        return as_utc(value)


class _BegunWith:
    """`PostgresDatabase.transaction_from`'s transaction: ``BEGIN`` and a first statement in one message (the simple
    query protocol runs both, in order, in one round trip), committed or rolled back like asyncpg's own."""

    def __init__(self, conn: Any, first: str) -> None:
        self._conn = conn
        self._first = first

    async def start(self) -> None:
        """Begin and run the first statement; on its failure, nothing stays begun."""
        try:
            await self._conn.execute(f"BEGIN ISOLATION LEVEL READ COMMITTED; {self._first}")
        except BaseException:
            if not self._conn.is_closed() and self._conn.is_in_transaction():
                with contextlib.suppress(Exception):
                    await self._conn.execute("ROLLBACK")
            raise

    async def commit(self) -> None:
        """``COMMIT``; a transaction the server had aborted (it answers ``ROLLBACK``) raises instead of passing."""
        status = await self._conn.execute("COMMIT")
        if status != "COMMIT":
            raise asyncpg.InterfaceError(f"COMMIT answered {status}: the transaction had failed")

    async def rollback(self) -> None:
        """``ROLLBACK``."""
        await self._conn.execute("ROLLBACK")


async def _keep_session(conn: Any) -> None:
    """The pool's reset of a connection given back: nothing beyond what asyncpg always does (roll back a transaction
    left open). Its default reset query (``RESET ALL``, ``UNLISTEN *``, ``CLOSE ALL``, advisory unlocks) is a round
    trip per transaction, and the bot leaves none of that session state behind: its settings are the connection's
    start-up ones, and its advisory lock is a transaction's (`migrations`)."""


@asynccontextmanager
async def _classified(url: str) -> AsyncIterator[None]:
    """Raise a failure of the server or the connection as its `DatabaseError` (the driver's as its cause), naming the
    database at `url`."""
    try:
        yield
    except DatabaseError as named:
        named.named(url)
        raise
    except (TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError, _InternalClientError, OSError) as exc:
        failure = postgres_failure(exc)
        if failure is None:
            raise
        raise failure.named(url) from exc
