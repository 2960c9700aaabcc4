"""A task cancelled while its ``BEGIN`` waits in aiosqlite's queue (a timer loop stopped, a request abandoned)
must not leave the shared SQLite connection inside a transaction: aiosqlite runs the statement anyway, and every
later transaction then failed with "cannot start a transaction within a transaction" (found by a flaky runner
test; this test fails without `SqliteDatabase._begin`)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from mentorbot.storage.sqlite_engine import SqliteDatabase, _all

SLOW_QUERY = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000000) SELECT COUNT(*) FROM n"
"""Keeps aiosqlite's thread busy for a while, so a statement queued behind it is still waiting when cancelled."""


@pytest.mark.parametrize("kind", ["transaction", "read"])
async def test_a_transaction_cancelled_while_its_begin_waits_leaves_the_connection_usable(
    tmp_path: Path, kind: str
) -> None:
    db = SqliteDatabase(str(tmp_path / "cancel.sqlite3"))
    await db.open()
    try:
        async with db.transaction() as conn:
            await conn.execute("CREATE TABLE t (x INTEGER)")
        # A statement of the engine's that runs in aiosqlite's thread (one known to be slow, or one whose task was
        # cancelled): while it runs, the engine sends the next statements there too, in order.
        busy = asyncio.create_task(db._in_thread(_all, SLOW_QUERY, ()))
        await asyncio.sleep(0)  # the slow query is queued first

        async def work() -> None:
            async with db.transaction() if kind == "transaction" else db.read() as conn:
                await conn.fetch_all("SELECT x FROM t")

        task = asyncio.create_task(work())
        await asyncio.sleep(0.01)  # its BEGIN waits behind the slow query
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await busy

        async with db.transaction() as conn:  # failed before: "cannot start a transaction within a transaction"
            await conn.execute("INSERT INTO t (x) VALUES (1)")
        async with db.read() as conn:
            assert [r["x"] for r in await conn.fetch_all("SELECT x FROM t")] == [1]
    finally:
        await db.close()
