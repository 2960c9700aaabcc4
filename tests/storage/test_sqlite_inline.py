"""The SQLite engine runs a quick transaction's statements in the event loop's thread and the others in aiosqlite's,
on one connection (`SqliteDatabase`). What that must keep:

- atomicity and isolation whatever the mix: concurrent transactions whose statements go either way, some cancelled
  half-way (the cancelled statement still runs in aiosqlite's thread), commit exactly the transactions that
  finished, each entirely, and leave the connection usable (a property test);
- a statement that keeps holding the event loop too long leaves it for aiosqlite's thread;
- a quick read (a quick command's view) runs in the event loop's thread too, still one snapshot;
- another process's write lock is waited for without blocking the event loop, then `DatabaseBusy`;
- the WAL is checkpointed although SQLite's automatic checkpoint is off (it stays small under many commits).
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

import aiosqlite
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mentorbot.storage import sqlite_engine
from mentorbot.storage.database import DatabaseBusy
from mentorbot.storage.sqlite_engine import INLINE_STRIKES, SqliteDatabase

SLOW = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000) SELECT COUNT(*) AS c FROM n"
"""A statement taking some milliseconds: sent to aiosqlite's thread when marked slow."""

plan = st.lists(
    st.tuples(
        st.integers(1, 4),  # rows the transaction inserts
        st.booleans(),  # its statements go to aiosqlite's thread (a plain transaction, and known slow) or inline
        st.none() | st.integers(0, 3),  # cancelled after this many steps of the event loop (None: never)
    ),
    min_size=1,
    max_size=8,
)


@given(transactions=plan)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
async def test_mixed_inline_and_threaded_transactions_stay_atomic_and_isolated(
    tmp_path: Path, transactions: list[tuple[int, bool, int | None]]
) -> None:
    db = SqliteDatabase(str(tmp_path / f"mix-{time.monotonic_ns()}.sqlite3"))
    await db.open()
    try:
        async with db.transaction() as conn:
            await conn.execute("CREATE TABLE t (tx INTEGER NOT NULL, n INTEGER NOT NULL)")
        threaded_insert = "INSERT INTO t (tx, n) VALUES (?, ?) -- threaded"
        db._slow.update({threaded_insert, SLOW})

        async def work(tx: int, rows: int, threaded: bool) -> None:
            async with db.transaction(quick=not threaded) as conn:
                for n in range(rows):
                    if threaded:  # a row written, then a wait in aiosqlite's thread (where a cancel lands)
                        await conn.execute(threaded_insert, tx, n)
                        await conn.fetch_one(SLOW)
                    else:
                        await conn.execute("INSERT INTO t (tx, n) VALUES (?, ?)", tx, n)

        tasks = [asyncio.create_task(work(tx, rows, threaded)) for tx, (rows, threaded, _) in enumerate(transactions)]
        for step in range(4):
            for task, (_, _, cancel_at) in zip(tasks, transactions, strict=True):
                if cancel_at == step:
                    task.cancel()
            await asyncio.sleep(0)
        outcomes = await asyncio.gather(*tasks, return_exceptions=True)
        async with db.read() as conn:
            stored = await conn.fetch_all("SELECT tx, n FROM t ORDER BY rowid")
        finished = [tx for tx, outcome in enumerate(outcomes) if outcome is None]
        for outcome in outcomes:
            assert outcome is None or isinstance(outcome, asyncio.CancelledError), outcome
        # Every finished transaction entirely, none of a cancelled one, each transaction's rows together.
        expected = sorted((tx, n) for tx in finished for n in range(transactions[tx][0]))
        assert sorted((int(r["tx"]), int(r["n"])) for r in stored) == expected
        order = [int(r["tx"]) for r in stored]
        for tx in set(order):  # no interleaving: each transaction's rows are together
            first, last = order.index(tx), len(order) - 1 - order[::-1].index(tx)
            assert order[first : last + 1] == [tx] * (last + 1 - first)
        async with db.transaction() as conn:  # still usable
            await conn.execute("DELETE FROM t")
    finally:
        await db.close()


async def test_a_statement_that_keeps_holding_the_event_loop_moves_to_aiosqlites_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_engine, "INLINE_LIMIT", 0.0)  # every statement is "too long"
    db = SqliteDatabase(str(tmp_path / "slow.sqlite3"))
    await db.open()
    try:
        for attempt in range(1, INLINE_STRIKES + 1):
            assert SLOW not in db._slow, attempt
            async with db.transaction(quick=True) as conn:
                await conn.fetch_one(SLOW)
        assert SLOW in db._slow
        threads: list[str] = []
        ran_on = sqlite_engine._all

        def spy(conn: sqlite3.Connection, sql: str, params: object) -> list[dict[str, object]]:
            import threading

            threads.append(threading.current_thread().name)
            return ran_on(conn, sql, params)  # type: ignore[return-value]

        monkeypatch.setattr(sqlite_engine, "_all", spy)
        async with db.transaction(quick=True) as conn:
            await conn.fetch_all(SLOW)
            await conn.fetch_all("SELECT 1")  # with INLINE_LIMIT 0 it strikes once: still inline
        assert threads[0] != "MainThread" and threads[1] == "MainThread"
    finally:
        await db.close()


async def test_a_quick_read_runs_in_the_event_loops_thread_and_sees_one_snapshot(tmp_path: Path) -> None:
    """A quick command's view (`Database.read(quick=True)`) runs its statements in the event loop's thread, a plain
    read in aiosqlite's; either is one snapshot: a write committed by another connection meanwhile is not seen."""
    import threading

    db = SqliteDatabase(str(tmp_path / "reads.sqlite3"))
    await db.open()
    other = sqlite3.connect(str(tmp_path / "reads.sqlite3"), isolation_level=None)
    try:
        async with db.transaction() as conn:
            await conn.execute("CREATE TABLE t (n INTEGER NOT NULL)")
            await conn.execute("INSERT INTO t (n) VALUES (1)")
        assert db._raw is not None
        db._raw.create_function("thread_name", 0, lambda: threading.current_thread().name)
        for quick, expected_main in ((True, True), (False, False)):
            async with db.read(quick=quick) as conn:
                first = await conn.fetch_one("SELECT thread_name() AS name, COUNT(*) AS n FROM t")
                other.execute("INSERT INTO t (n) VALUES (2)")  # committed by another connection meanwhile
                again = await conn.fetch_one("SELECT COUNT(*) AS n FROM t")
            assert first is not None and again is not None
            assert (first["name"] == "MainThread") is expected_main, (quick, first["name"])
            assert again["n"] == first["n"], "one snapshot for the whole read"
    finally:
        other.close()
        await db.close()


async def test_another_process_write_lock_is_waited_for_without_blocking_the_event_loop(tmp_path: Path) -> None:
    path = tmp_path / "locked.sqlite3"
    db = SqliteDatabase(str(path), busy_timeout_ms=300)
    await db.open()
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.005)

    beat = asyncio.create_task(ticker())
    try:
        started = time.monotonic()
        with pytest.raises(DatabaseBusy):
            async with db.transaction() as conn:
                await conn.execute("CREATE TABLE t (x INTEGER)")
        waited = time.monotonic() - started
        assert 0.25 <= waited < 3
        assert ticks >= 10  # the event loop kept running while the transaction waited
        other.execute("ROLLBACK")
        async with db.transaction() as conn:  # the lock released: it goes through
            await conn.execute("CREATE TABLE t (x INTEGER)")
    finally:
        beat.cancel()
        other.close()
        await db.close()


async def test_the_wal_is_checkpointed_without_sqlites_automatic_checkpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_engine, "CHECKPOINT_CHANGES", 50)
    path = tmp_path / "wal.sqlite3"
    db = SqliteDatabase(str(path))
    await db.open()
    try:
        async with db.transaction() as conn:
            await conn.execute("CREATE TABLE t (x TEXT NOT NULL)")
        for _ in range(1500):  # ~1,500 frames of 4 KiB without checkpoints: 6 MB of WAL
            async with db.transaction() as conn:
                await conn.execute("INSERT INTO t (x) VALUES (?)", "x" * 3000)
            await asyncio.sleep(0)  # let a started checkpoint run
        assert _size(Path(f"{path}-wal")) < 1_500_000
    finally:
        await db.close()


def _size(path: Path) -> int:
    return path.stat().st_size


async def test_the_private_parts_of_aiosqlite_the_engine_uses_are_there(tmp_path: Path) -> None:
    """The engine queues work on aiosqlite's connection thread (`_execute`), reads its sqlite3 connection
    (`_conn`) and whether its thread runs (`_running`): none is public, so an upgrade of aiosqlite that renames
    them must fail here, not in production (pyproject pins the tested minor version)."""
    conn = await aiosqlite.connect(str(tmp_path / "probe.sqlite3"))
    try:
        assert isinstance(conn._conn, sqlite3.Connection)
        assert callable(conn._execute)
        assert conn._running is True
        assert await conn._execute(lambda: 41 + 1) == 42  # type: ignore[no-untyped-call]
    finally:
        await conn.close()
