"""Group commit: writes submitted while one is being committed are committed together, in the next transaction.

The inbox records every platform event before its acknowledgement (`InboxStore.record_event`). Under a burst, many
records wait at once; rather than one transaction each, queued one behind the other, each batch of waiting records
is one statement in one transaction, and every acknowledgement waits only for its own batch's commit. With no
concurrency a batch is a single record and nothing is added but one step of the event loop.

A batch's flush runs in a task of its own, so that a submitter cancelled meanwhile (a client gone) cancels only its
own wait, never the batch others wait for. When a batch of several fails for a reason other than the database (a
row the driver cannot bind), each of its items is written alone, so that one bad item fails only itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

from mentorbot.storage.database import DatabaseError

T = TypeVar("T")
R = TypeVar("R")


class GroupCommit(Generic[T, R]):
    """Items submitted concurrently, written in batches of at most `max_batch` by `flush` (one result per item,
    in order; a statement's parameters are bounded: SQLite and PostgreSQL take up to 32,766)."""

    def __init__(self, flush: Callable[[Sequence[T]], Awaitable[Sequence[R]]], *, max_batch: int = 200) -> None:
        self._flush = flush
        self.max_batch = max_batch
        self._pending: list[tuple[T, asyncio.Future[R]]] = []
        self._task: asyncio.Task[None] | None = None
        self._direct = False
        """A batch of one is being written in its submitter's task (see `submit`)."""
        self.batches = 0
        """How many flushes ran (tests, measurements)."""

    async def submit(self, item: T) -> R:
        """Write `item` with whatever else is waiting; its result once its batch is committed (the batch's
        exception if it failed).

        With nothing being written and nothing waiting, `item` is a batch of one written at once in the caller's
        own task (no task to start, no step of the event loop to wait for: the acknowledgement's common case);
        what arrives meanwhile waits and goes in the next batch, in a task of its own as under a burst."""
        if self._task is None and not self._direct:
            self._direct = True
            self.batches += 1
            try:
                return (await self._flush([item]))[0]
            finally:
                self._direct = False
                if self._pending:
                    self._task = asyncio.create_task(self._drain())
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))  # a batch is being written: the drain after it takes this one
        return await future

    async def _drain(self) -> None:
        try:
            while self._pending:
                batch, self._pending = self._pending[: self.max_batch], self._pending[self.max_batch :]
                await self._write(batch)
        finally:
            self._task = None

    async def _write(self, batch: list[tuple[T, asyncio.Future[R]]]) -> None:
        self.batches += 1
        try:
            results = await self._flush([item for item, _ in batch])
        except Exception as exc:
            if len(batch) > 1 and not isinstance(exc, DatabaseError):
                for one in batch:
                    await self._write([one])
                return
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        except BaseException:
            for _, future in batch:
                future.cancel()
            raise
        for (_, future), result in zip(batch, results, strict=True):
            if not future.done():
                future.set_result(result)
