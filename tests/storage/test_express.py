"""The inbox's express lane: an acknowledgement waits for its own record, not for the units of work queued before it.

- `PriorityLock` (the SQLite engine's lock): a model-based test over random schedules of urgent and other waiters,
  holders and cancellations: never two holders, every grant is the one the model predicts (the oldest live urgent
  waiter, else the oldest live other one; a free lock at once), and every waiter not cancelled gets the lock.
- `GroupCommit` (the inbox's batcher): over random arrivals and failures, every item is written in exactly one
  successful batch or told its batch's failure, each submitter gets its own item's result, at most one batch is
  in flight, and a bad item fails only itself.
- On both engines: concurrent records (with redeliveries among them) each get their own row, once, committed when
  `record_event` returns; on SQLite a record overtakes the transactions queued behind the one in progress, and a
  write lock held by another process beyond the busy timeout is `DatabaseBusy`, never a blocked event loop.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mentorbot.clock import ManualClock
from mentorbot.storage.database import DatabaseBusy, DatabaseUnavailable
from mentorbot.storage.group_commit import GroupCommit
from mentorbot.storage.priority_lock import PriorityLock
from mentorbot.storage.sqlite_engine import SqliteDatabase
from mentorbot.storage.store import Store

LEASE = timedelta(minutes=2)

# ----------------------------------------------------------------------------------------------- PriorityLock

waiter_plans = st.lists(
    st.tuples(
        st.booleans(),  # urgent
        st.integers(0, 3),  # loop steps before asking
        st.integers(0, 3),  # loop steps held
        st.one_of(st.none(), st.integers(0, 6)),  # cancelled after this many loop steps (None: never)
    ),
    min_size=1,
    max_size=12,
)


async def _steps(n: int) -> None:
    for _ in range(n):
        await asyncio.sleep(0)


async def _run_lock_schedule(plans: Sequence[tuple[bool, int, int, int | None]]) -> None:
    lock = PriorityLock()
    holders: list[int] = []
    granted: list[int] = []
    # The model: waiters in arrival order, and the one the last release handed the lock to (not resumed yet).
    queued: list[tuple[int, bool]] = []
    handed: list[int] = []

    def model_release() -> None:
        pick = next((q for q in queued if q[1]), queued[0] if queued else None)
        if pick is not None:
            queued.remove(pick)
            handed.append(pick[0])

    async def waiter(i: int, urgent: bool, before: int, hold: int) -> None:
        await _steps(before)
        free = not lock.locked()
        if free:
            assert not queued and not handed  # a free lock has nobody waiting
        else:
            queued.append((i, urgent))
        try:
            await lock.acquire(urgent=urgent)
        except asyncio.CancelledError:
            if i in handed:  # handed the lock, cancelled before running: it goes to the next
                handed.remove(i)
                model_release()
            raise
        if not free:
            assert handed == [i], (handed, i)  # the grant the model predicts
            handed.remove(i)
        holders.append(i)
        try:
            assert len(holders) == 1, holders  # never two holders
            granted.append(i)
            await _steps(hold)
        finally:
            holders.remove(i)
            model_release()
            lock.release()

    tasks = [asyncio.create_task(waiter(i, u, b, h)) for i, (u, b, h, _) in enumerate(plans)]

    async def canceller(i: int, task: asyncio.Task[None], after: int) -> None:
        await _steps(after)
        task.cancel()
        for q in list(queued):
            if q[0] == i:
                queued.remove(q)  # cancelled while waiting: never handed the lock

    cancels = [
        asyncio.create_task(canceller(i, t, c))
        for i, (t, (_, _, _, c)) in enumerate(zip(tasks, plans, strict=True))
        if c is not None
    ]
    results = await asyncio.wait_for(asyncio.gather(*tasks, *cancels, return_exceptions=True), timeout=5)
    for i, result in enumerate(results[: len(tasks)]):
        if isinstance(result, asyncio.CancelledError):
            continue
        assert result is None, result
        assert i in granted  # nobody left waiting
    assert not lock.locked() and lock.waiting() == 0


@settings(max_examples=300, deadline=None)
@given(waiter_plans)
def test_the_priority_lock_behaves_as_its_model(plans: list[tuple[bool, int, int, int | None]]) -> None:
    asyncio.run(_run_lock_schedule(plans))


async def test_a_free_priority_lock_is_taken_without_yielding_to_the_event_loop() -> None:
    lock = PriorityLock()
    ran = []
    other = asyncio.get_running_loop().call_soon(ran.append, "other")
    await lock.acquire(urgent=True)
    assert not ran  # nothing else ran in between
    lock.release()
    other.cancel()


# ----------------------------------------------------------------------------------------------- GroupCommit

arrivals = st.lists(
    st.tuples(st.integers(0, 4), st.sampled_from(["ok", "ok", "ok", "bad"])),  # loop steps before submitting
    min_size=1,
    max_size=20,
)


async def _run_group_commit(plan: Sequence[tuple[int, str]], flush_steps: int, down: frozenset[int]) -> None:
    batches: list[list[int]] = []
    in_flight = 0

    async def flush(items: Sequence[tuple[int, str]]) -> list[str]:
        nonlocal in_flight
        in_flight += 1
        assert in_flight == 1  # one batch at a time
        try:
            number = len(batches)
            batches.append([i for i, _ in items])
            await _steps(flush_steps)
            if number in down:
                raise DatabaseUnavailable("down")
            if any(kind == "bad" for _, kind in items):
                raise ValueError("cannot bind")
            return [f"row-{i}" for i, _ in items]
        finally:
            in_flight -= 1

    commit: GroupCommit[tuple[int, str], str] = GroupCommit(flush, max_batch=5)

    async def submit(i: int, before: int, kind: str) -> str:
        await _steps(before)
        return await commit.submit((i, kind))

    results = await asyncio.gather(*(submit(i, b, k) for i, (b, k) in enumerate(plan)), return_exceptions=True)
    for i, ((_, kind), result) in enumerate(zip(plan, results, strict=True)):
        containing = [n for n, batch in enumerate(batches) if i in batch]
        assert containing, i  # every item was written (or tried)
        last = containing[-1]
        if isinstance(result, DatabaseUnavailable):
            assert last in down  # told the failure of its own batch
        elif isinstance(result, ValueError):
            assert kind == "bad" and batches[last] == [i]  # a bad item fails alone, after its batch failed
        else:
            assert result == f"row-{i}" and last not in down and kind == "ok"
            succeeded = [n for n in containing if n not in down and all(plan[j][1] == "ok" for j in batches[n])]
            assert succeeded == [last]  # written in exactly one successful batch
    assert all(len(batch) <= 5 for batch in batches)


@settings(max_examples=300, deadline=None)
@given(arrivals, st.integers(0, 3), st.frozensets(st.integers(0, 8), max_size=3))
def test_group_commit_gives_each_submitter_its_own_batch_outcome(
    plan: list[tuple[int, str]], flush_steps: int, down: frozenset[int]
) -> None:
    asyncio.run(_run_group_commit(plan, flush_steps, down))


# ------------------------------------------------------------------------------------------ on both engines


@settings(max_examples=15, deadline=None)
@given(st.lists(st.integers(0, 12), min_size=1, max_size=40))
def test_concurrent_records_get_one_row_per_event_on_sqlite(
    tmp_path_factory: pytest.TempPathFactory, ids: list[int]
) -> None:
    async def run() -> None:
        store = Store(SqliteDatabase(str(tmp_path_factory.mktemp("express") / "bot.sqlite3")))
        await store.open(ManualClock().now())
        try:
            await _check_concurrent_records(store, ids)
        finally:
            await store.close()

    asyncio.run(run())


async def _check_concurrent_records(store: Store, ids: Sequence[int]) -> None:
    now = ManualClock().now()
    got = await asyncio.gather(
        *(store.record_event(f"test:{n}", "slack:T1", "U1", "{}", now, "w", lease=LEASE) for n in ids)
    )
    by_event: dict[int, list[int]] = {}
    for n, inbox_id in zip(ids, got, strict=True):
        if inbox_id is not None:
            by_event.setdefault(n, []).append(inbox_id)
    assert sorted(by_event) == sorted(set(ids))  # each event recorded by exactly one of its deliveries
    assert all(len(v) == 1 for v in by_event.values())
    async with store.db.read() as conn:  # committed when record_event returned
        rows = await conn.fetch_all("SELECT id, event_id FROM inbox")
    assert {str(r["event_id"]): int(r["id"]) for r in rows} == {f"test:{n}": v[0] for n, v in by_event.items()}


async def test_concurrent_records_get_one_row_per_event(store: Store) -> None:
    await _check_concurrent_records(store, [1, 2, 2, 3, 1, 4, 5, 6, 6, 6, *range(7, 60)])
    again = await _record(store, "test:1")
    assert again is None  # a redelivery after the batch


async def _record(store: Store, event_id: str) -> int | None:
    return await store.record_event(event_id, "slack:T1", "U1", "{}", ManualClock().now(), "w", lease=LEASE)


async def test_a_record_inside_a_unit_of_work_commits_with_the_unit(store: Store) -> None:
    with pytest.raises(RuntimeError):
        async with store.unit_of_work():
            assert await _record(store, "test:unit") is not None
            raise RuntimeError("rolled back")
    assert await store.count_unprocessed() == 0


async def test_on_sqlite_a_record_overtakes_the_transactions_queued_behind_the_one_in_progress(tmp_path: Path) -> None:
    store = Store(SqliteDatabase(str(tmp_path / "bot.sqlite3")))
    await store.open(ManualClock().now())
    order: list[str] = []
    recorded: list[int] = []
    release = asyncio.Event()
    try:

        async def in_progress() -> None:
            async with store.db.transaction() as conn:
                await conn.execute("SELECT 1")
                await release.wait()
            order.append("in progress")

        async def queued(n: int) -> None:
            async with store.db.transaction() as conn:
                row = await conn.fetch_one("SELECT COUNT(*) AS n FROM inbox")
                assert row is not None
                recorded.append(int(row["n"]))  # the record committed before this one began?
            order.append(f"queued {n}")

        async def record() -> None:
            await _record(store, "test:urgent")
            order.append("record")

        first = asyncio.create_task(in_progress())
        await asyncio.sleep(0.01)
        others = [asyncio.create_task(queued(n)) for n in range(3)]
        await asyncio.sleep(0.01)
        urgent = asyncio.create_task(record())
        await asyncio.sleep(0.01)
        assert order == []  # the record waits for the transaction in progress...
        release.set()
        await asyncio.gather(first, urgent, *others)
        # ...and for nothing queued behind it. (A queued transaction of quick statements runs in one step of the
        # event loop, so it may finish before the record's task wakes up: what counts is what it saw.)
        assert order[0] == "in progress"
        assert recorded == [1, 1, 1]
    finally:
        await store.close()


async def test_on_sqlite_a_write_lock_held_by_another_process_is_waited_for_then_busy(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    store = Store(SqliteDatabase(str(path), busy_timeout_ms=300))
    await store.open(ManualClock().now())
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        beat = asyncio.create_task(ticker())
        started = time.monotonic()
        with pytest.raises(DatabaseBusy):
            await _record(store, "test:locked")
        assert 0.25 < time.monotonic() - started < 3
        assert ticks >= 10  # the event loop kept running meanwhile
        beat.cancel()
        asyncio.get_running_loop().call_later(0.05, other.execute, "ROLLBACK")
        assert await _record(store, "test:later") is not None  # waits for the other process, then records
        assert await store.count_unprocessed() == 1
    finally:
        other.close()
        await store.close()
