"""An asyncio lock whose urgent waiters go first: the SQLite engine's one connection, shared by every transaction
of the process, lets the write that an acknowledgement waits for (`Database.express_one`) overtake the units of
work queued before it.

On release the lock is handed to the next waiter directly (the oldest urgent one, else the oldest other one), so a
newcomer never overtakes a waiter; a waiter cancelled after it was handed the lock hands it on.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import TracebackType


class PriorityLock:
    """Mutual exclusion with two FIFO queues of waiters: urgent ones, then the others."""

    def __init__(self) -> None:
        self._locked = False
        self._urgent: deque[asyncio.Future[None]] = deque()
        self._normal: deque[asyncio.Future[None]] = deque()

    def locked(self) -> bool:
        """Whether someone holds the lock."""
        return self._locked

    def waiting(self) -> int:
        """How many tasks wait for the lock (cancelled ones not yet gone included)."""
        return len(self._urgent) + len(self._normal)

    async def acquire(self, *, urgent: bool = False) -> None:
        """Take the lock: at once (without yielding to the event loop) when it is free, else after every urgent
        waiter and, unless `urgent`, every other waiter queued before."""
        if not self._locked:
            self._locked = True
            return
        queue = self._urgent if urgent else self._normal
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # handed the lock, then cancelled before running: hand it on
            raise
        finally:
            with contextlib.suppress(ValueError):  # handed over: `release` took it out already
                queue.remove(waiter)

    def release(self) -> None:
        """Hand the lock to the next live waiter (urgent first), or leave it free."""
        if not self._locked:
            raise RuntimeError("release of an unlocked PriorityLock")
        for queue in (self._urgent, self._normal):
            while queue:
                waiter = queue.popleft()
                if not waiter.done():
                    waiter.set_result(None)  # the lock stays taken: it is the waiter's now
                    return
        self._locked = False

    @asynccontextmanager
    async def urgent(self) -> AsyncIterator[None]:
        """Hold the lock as an urgent waiter."""
        await self.acquire(urgent=True)
        try:
            yield
        finally:
            self.release()

    async def __aenter__(self) -> None:
        await self.acquire()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()
