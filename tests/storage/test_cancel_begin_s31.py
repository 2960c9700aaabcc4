"""A task cancelled while its transaction's BEGIN is on its way (a SIGTERM's shutdown cancels the timer task) gives
its PostgreSQL connection back: it was left checked out of the pool, and closing the store then waited 5 s and
terminated it (found by session 31's delivery fixer)."""

from __future__ import annotations

import asyncio

import pytest

from mentorbot.storage.postgres_engine import PostgresDatabase
from mentorbot.storage.store import Store


async def test_a_cancelled_begin_leaves_no_connection_checked_out(store: Store) -> None:
    if not isinstance(store.db, PostgresDatabase):
        pytest.skip("PostgreSQL's pool only: SQLite has one connection and no BEGIN on its way")
    checked_out = []
    for steps in range(12):
        task = asyncio.create_task(store.count_undelivered())
        for _ in range(steps):
            await asyncio.sleep(0)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        pool = store.db._pool
        checked_out.append(pool.get_size() - pool.get_idle_size())
    assert checked_out == [0] * 12
    assert await store.count_undelivered() == 0  # the pool still serves
