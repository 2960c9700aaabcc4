"""Transactions as the store's parts open them, and the unit of work that lets one use-case be one transaction.

Outside a unit of work, every store method runs in a transaction of its own, as it always has. Inside
`Transactions.unit_of_work` (the use-case handler opens one per command, the timer loop one per timer), every
store method joins the unit's transaction: its writes are visible to the reads that follow and commit together
with everything else the use-case did, or not at all. A method that undoes its own partial work (a
compare-and-set that fails half-way raises `sql.Rollback`) does so inside a savepoint, so the rest of the unit
is untouched.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar

from mentorbot.storage.database import Connection, Database

_ambient: ContextVar[Connection | None] = ContextVar("mentorbot_unit_of_work", default=None)
_reading: ContextVar[bool] = ContextVar("mentorbot_snapshot", default=False)
_savepoints = itertools.count(1)
# PostgreSQL: deadlock_detected, serialization_failure.
_RETRY_SQLSTATES = frozenset({"40P01", "40001"})


class WriteInSnapshot(RuntimeError):
    """A write was asked inside `Transactions.snapshot`: a use-case declared read-only changes something."""


class Transactions:
    """What every part of the `Store` opens its transactions with (`transaction`, `read`, `unit_of_work`)."""

    db: Database

    @asynccontextmanager
    async def transaction(self, *, quick: bool = False) -> AsyncIterator[Connection]:
        """A write transaction of its own, or, inside a unit of work, a savepoint of the unit's transaction
        (rolled back alone when the block raises). `quick`: a short compare-and-set body (see
        `Database.transaction`), also as a savepoint of a unit of work."""
        conn = _ambient.get()
        if conn is None:
            async with self.db.transaction(quick=True) if quick else self.db.transaction() as own:
                yield own
            return
        if _reading.get():
            raise WriteInSnapshot("a write was asked inside a read-only snapshot (`Transactions.snapshot`)")
        if quick:
            conn = conn.quick()
        name = f"mentorbot_{next(_savepoints)}"
        await conn.execute(f"SAVEPOINT {name}")
        try:
            yield conn
        except BaseException:
            await conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
            await conn.execute(f"RELEASE SAVEPOINT {name}")
            raise
        await conn.execute(f"RELEASE SAVEPOINT {name}")

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Connection]:
        """A consistent read; inside a unit of work, the unit's own connection (it sees the unit's writes)."""
        conn = _ambient.get()
        if conn is None:
            async with self.db.read() as own:
                yield own
            return
        yield conn

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[None]:
        """One transaction for everything the store is asked inside the block: committed when the block ends,
        rolled back when it raises. Nested units join the outer one (as a savepoint)."""
        if _ambient.get() is not None:
            async with self.transaction():
                yield
            return
        async with self.db.transaction() as conn:
            token = _ambient.set(conn)
            try:
                yield
            finally:
                _ambient.reset(token)

    @asynccontextmanager
    async def snapshot(self, *, quick: bool = False) -> AsyncIterator[None]:
        """One consistent read for everything the store is asked inside the block: a read-only use-case's whole
        work in one (read) transaction. Asking a write inside it raises `WriteInSnapshot`. Inside a unit of
        work, the unit's own transaction serves (it sees the unit's writes). `quick`: a few short reads
        (`Database.read`)."""
        if _ambient.get() is not None:
            yield
            return
        async with self.db.read(quick=quick) as conn:
            token, reading = _ambient.set(conn), _reading.set(True)
            try:
                yield
            finally:
                _reading.reset(reading)
                _ambient.reset(token)

    @staticmethod
    def is_transient_conflict(exc: BaseException) -> bool:
        """Whether `exc` aborted a unit of work only because another one ran at the same time (PostgreSQL's
        deadlock or serialization failure): running the whole unit again is safe and should succeed."""
        return getattr(exc, "sqlstate", None) in _RETRY_SQLSTATES

    @staticmethod
    def in_unit_of_work() -> bool:
        """Whether the current task is inside a unit of work."""
        return _ambient.get() is not None
