"""Forcing one interleaving of two processes' units of work, for the race tests (`test_race_hunt`).

`Interleave` wraps one method of a store: right after the method returns, inside the unit of work that called it,
another process's command runs (a second `MentorBot` over a second `Store` on the same database, `second_bot`).
On PostgreSQL that command commits there, unless a lock of the first unit holds it; on SQLite it waits for the
first unit's write lock (``BEGIN IMMEDIATE``), so it runs after it. Either way it is given `grace` seconds before
the first unit goes on.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

from mentorbot.bot import MentorBot
from mentorbot.storage.store import Store
from tests.conftest import store_on_same_database

T = TypeVar("T")


class Interleave(Generic[T]):
    """Run `other` (another process's command) once `store`'s `method` has returned for the `nth` time."""

    def __init__(
        self, store: Store, method: str, other: Callable[[], Awaitable[T]], *, nth: int = 1, grace: float = 1.0
    ) -> None:
        self.store = store
        self.method = method
        self.calls = 0
        self.task: asyncio.Task[T] | None = None
        self.finished_inside = False
        """Whether `other` ended before the first unit went on (it was not held by the first unit's locks)."""
        original = getattr(store, method)

        async def patched(*args: Any, **kwargs: Any) -> Any:
            result = await original(*args, **kwargs)
            self.calls += 1
            if self.calls == nth and self.task is None:
                # A context of its own: a task made here would otherwise inherit this unit of work's connection (a
                # ContextVar) and run inside it, as no other process could.
                self.task = asyncio.get_running_loop().create_task(_run(other), context=contextvars.Context())
                done, _ = await asyncio.wait({self.task}, timeout=grace)
                self.finished_inside = bool(done)
            return result

        setattr(store, method, patched)

    def undo(self) -> None:
        """Give the store its own method back."""
        delattr(self.store, self.method)

    async def result(self) -> T:
        """What the other process's command returned, once it has ended."""
        assert self.task is not None, f"{self.method} was not called"
        return await self.task


async def _run(other: Callable[[], Awaitable[T]]) -> T:
    return await other()


async def second_bot(bot: MentorBot, worker: str = "other-worker") -> MentorBot:
    """Another process's bot over `bot`'s database (its own store and connections); the caller closes its store."""
    store = store_on_same_database(bot.store)
    await store.open(bot.clock.now())
    return MentorBot(store, bot.library, bot.settings, bot.clock, worker_id=worker)
