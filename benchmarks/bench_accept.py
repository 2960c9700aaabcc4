"""Accepting an offer end to end (conditional updates, mentorship insert, commit) per second.

Figure: `Store.accept_offer` on pending offers made beforehand (not timed), one after another.
Floor, same run, interleaved: a single-row INSERT + COMMIT with the same journal settings (SQLite: a file
beside the store's, WAL, synchronous=NORMAL, through `sqlite3`; PostgreSQL: a bare `asyncpg` connection to
the same schema).

Then the profile that says what limits the figure, on further offers (`PROFILE_SAMPLES`, not in the figure):
on SQLite the pages each accept and each floor transaction add to the write-ahead log (counted from the log's
size after a ``TRUNCATE`` checkpoint before each) and the time spent inside SQLite's own calls (`cProfile`'s
time of the ``sqlite3`` methods); on PostgreSQL, per accept and per floor transaction, how much of the wall time
this process spends on its CPU and how much it waits for the server (wall time less the process's CPU time).
"""

from __future__ import annotations

import cProfile
import json
import sqlite3
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

from benchmarks.bench_match import waiting_queries
from benchmarks.engines import BenchStore
from benchmarks.generate import NOW
from benchmarks.report import Row, median, profiled
from mentorbot.matching import top_ranked
from mentorbot.models import Offer
from mentorbot.storage.locks import MENTEE_OF_OFFER_PG
from mentorbot.storage.offers import _ACCEPT_PG
from mentorbot.storage.postgres_engine import to_numbered
from mentorbot.storage.store import Store

PROFILE_SAMPLES = 100
"""Offers accepted for the profile rows, after (and apart from) the figure's."""
PROFILE_LEAST = 4
"""Fewer offers to spare than this and no profile is measured (each of its passes needs two at least)."""


class InsertFloor:
    """One-row INSERT + COMMIT through the engine's bare driver."""

    def __init__(self, bench: BenchStore) -> None:
        self.bench = bench
        self._sqlite: sqlite3.Connection | None = None
        self._pg: Any = None
        self._n = 0

    async def open(self) -> None:
        """Create the scratch table with the store's journal settings."""
        if self.bench.engine == "sqlite":
            assert self.bench.path is not None
            conn = sqlite3.connect(str(self.path), isolation_level=None)
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS floor (id INTEGER PRIMARY KEY, note TEXT NOT NULL, at TEXT NOT NULL)"
            )
            self._sqlite = conn
        else:
            self._pg = await asyncpg.connect(self.bench.url, server_settings={"search_path": str(self.bench.schema)})
            await self._pg.execute(
                "CREATE TABLE IF NOT EXISTS floor (id BIGINT PRIMARY KEY, note TEXT NOT NULL, at TIMESTAMPTZ NOT NULL)"
            )

    @property
    def pg(self) -> Any:
        """The floor's bare asyncpg connection (None on SQLite)."""
        return self._pg

    async def close(self) -> None:
        """Disconnect."""
        if self._sqlite is not None:
            self._sqlite.close()
        if self._pg is not None:
            await self._pg.close()

    @property
    def path(self) -> Path | None:
        """The floor's SQLite file (None on PostgreSQL)."""
        assert self.bench.path is not None or self.bench.engine != "sqlite"
        return self.bench.path.with_name(self.bench.path.stem + "-floor.sqlite3") if self.bench.path else None

    async def once(self) -> float:
        """One INSERT + COMMIT; its wall time in seconds."""
        self._n += 1
        if self._sqlite is not None:
            start = time.perf_counter()
            self._sqlite.execute("BEGIN IMMEDIATE")
            self._sqlite.execute("INSERT INTO floor (id, note, at) VALUES (?, ?, ?)", (self._n, "x", NOW.isoformat()))
            self._sqlite.execute("COMMIT")
        else:
            start = time.perf_counter()
            async with self._pg.transaction():
                await self._pg.execute("INSERT INTO floor (id, note, at) VALUES ($1, $2, $3)", self._n, "x", NOW)
        return time.perf_counter() - start


async def make_offers(store: Store, community: str, count: int) -> list[Offer]:
    """Pending offers for up to `count` waiting requests (each to its best mentor)."""
    offers: list[Offer] = []
    for q in await waiting_queries(store, community, count):
        if len(offers) >= count:
            break
        ranked = await top_ranked(
            store,
            community,
            q.skills,
            exclude_member=q.mentee_id,
            request_id=q.request_id,
            repeat_since=NOW - timedelta(days=180),
            mentee_language=q.language,
            mentee_timezone=q.timezone,
            at=NOW,
            limit=3,
        )
        for choice in ranked:
            assert q.request_id is not None
            offer = await store.create_offer(
                q.request_id, choice.candidate.member.id, choice.score, "", NOW, NOW + timedelta(hours=48)
            )
            if offer is not None:
                offers.append(offer)
                break
    return offers


async def bench_accept(bench: BenchStore, community: str, samples: int, label: str) -> list[Row]:
    """The accept row for one engine."""
    made = await make_offers(bench.store, community, samples + PROFILE_SAMPLES)
    # The profile's offers come after the figure's; a small community makes too few for both: a quarter then.
    spare = min(PROFILE_SAMPLES, len(made) // 4)
    if spare < PROFILE_LEAST:
        spare = 0  # too few offers for a profile: the figure alone
    offers, extra = made[: min(samples, len(made) - spare)], made[len(made) - spare :]
    if not offers:
        return [Row("Accept", f"Accept ({label})", None, "/s", skipped="no offer could be made")]
    floor = InsertFloor(bench)
    await floor.open()
    figure: list[float] = []
    floor_times: list[float] = []
    accepted = 0
    try:
        for _ in range(10):
            await floor.once()
        at = NOW + timedelta(minutes=1)
        for offer in offers:
            floor_times.append(await floor.once())
            start = time.perf_counter()
            result = await bench.store.accept_offer(offer.id, offer.mentor_id, at)
            figure.append(time.perf_counter() - start)
            accepted += result is not None
        profile = await _profile(bench, floor, extra, at, label, median(floor_times)) if extra else []
    finally:
        await floor.close()
    rate, floor_rate = len(figure) / sum(figure), len(floor_times) / sum(floor_times)
    return [
        Row(
            "Accept",
            f"Accept an offer, per second ({label})",
            rate,
            "/s",
            floor_rate,
            "1-row INSERT+COMMIT",
            better="higher",
            note=f"{accepted} of {len(offers)} accepted; median {median(figure) * 1000:.3f} ms "
            f"vs floor {median(floor_times) * 1000:.3f} ms",
        ),
        *profile,
    ]


async def _profile(
    bench: BenchStore, floor: InsertFloor, offers: list[Offer], at: datetime, label: str, floor_median: float
) -> list[Row]:
    """The rows that say where an accept's time goes (see the module's docstring); `floor_median`: the floor's
    median transaction beside the figure, in seconds."""
    if bench.engine == "sqlite":
        return await _profile_sqlite(bench, floor, offers, at, label, floor_median)
    return await _profile_postgres(bench, floor, offers, at, label, floor_median)


def _wal_pages(path: Path) -> list[int]:
    """The page number of each frame in the write-ahead log of the database at `path` (a log holds a 32-byte header,
    the page size at bytes 8–11, then per frame a 24-byte header, the page number first, and one page)."""
    wal = path.with_name(path.name + "-wal")
    data = wal.read_bytes() if wal.exists() else b""
    if len(data) < 32:
        return []
    step = 24 + int.from_bytes(data[8:12], "big")
    return [int.from_bytes(data[at : at + 4], "big") for at in range(32, len(data) - step + 1, step)]


def _pages_by_btree(path: Path) -> dict[str, int]:
    """The distinct pages in the write-ahead log of the database at `path`, counted by the table or index each
    belongs to (SQLite's ``dbstat``; a page no b-tree holds, such as the free list's, counts as "other")."""
    with sqlite3.connect(str(path)) as conn:
        found = dict(conn.execute("SELECT pageno, name FROM dbstat").fetchall())
    counts: dict[str, int] = {}
    for number in set(_wal_pages(path)):
        name = str(found.get(number, "other"))
        counts[name] = counts.get(name, 0) + 1
    return counts


def _truncate_wal(path: Path) -> None:
    """Checkpoint the database at `path` and empty its write-ahead log, so the next write starts it afresh."""
    conn = sqlite3.connect(str(path), isolation_level=None)
    try:
        busy, _log, _done = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if busy:
            raise RuntimeError(f"could not checkpoint {path}: a reader holds it")
    finally:
        conn.close()


async def _profile_sqlite(
    bench: BenchStore, floor: InsertFloor, offers: list[Offer], at: datetime, label: str, floor_median: float
) -> list[Row]:
    assert bench.path is not None and floor.path is not None
    half = len(offers) // 2
    # First pass, as the figure runs: cProfile's time inside the sqlite3 module's methods.
    profiler = cProfile.Profile()
    for offer in offers[:half]:
        profiler.enable()
        await bench.store.accept_offer(offer.id, offer.mentor_id, at)
        profiler.disable()
    entries = profiled(profiler)
    inside = sum(own for _path, name, own, _cumulative in entries if "sqlite3." in name)
    whole = sum(own for _path, _name, own, _cumulative in entries)
    # Second pass: the pages each accept and each floor transaction add to an emptied log.
    pages: list[int] = []
    floor_pages: list[int] = []
    for offer in offers[half:]:
        _truncate_wal(floor.path)
        await floor.once()
        floor_pages.append(len(_wal_pages(floor.path)))
        _truncate_wal(bench.path)
        await bench.store.accept_offer(offer.id, offer.mentor_id, at)
        pages.append(len(_wal_pages(bench.path)))
    written = _pages_by_btree(bench.path) if offers[half:] else {}
    return [
        Row(
            "Accept",
            f"Accept: pages written to the write-ahead log per accept ({label})",
            median(pages),
            "",
            median(floor_pages),
            "1-row INSERT+COMMIT",
            note=f"{len(pages)} further accepts, the log emptied before each: min {min(pages)}, max {max(pages)} "
            f"(floor {min(floor_pages)}–{max(floor_pages)}); the last accept's pages by table or index: "
            + ", ".join(f"{name} {count}" for name, count in sorted(written.items(), key=lambda kv: (-kv[1], kv[0]))),
        ),
        Row(
            "Accept",
            f"Accept: time inside SQLite's own calls per accept, profiled ({label})",
            inside / max(1, half) * 1000,
            "ms",
            floor_median * 1000,
            "the floor's whole transaction",
            note=f"cProfile over {half} further accepts: {inside / whole:.0%} of the profiled time is inside the "
            "sqlite3 module's methods (the statements and COMMIT); an accept cannot take less, whatever the Python "
            "around it costs",
        ),
    ]


async def _profile_postgres(
    bench: BenchStore, floor: InsertFloor, offers: list[Offer], at: datetime, label: str, floor_median: float
) -> list[Row]:
    cpu: list[float] = []
    waiting: list[float] = []
    floor_cpu: list[float] = []
    floor_waiting: list[float] = []
    probe, offers = offers[-1], offers[:-1]  # the plan's offer stays pending
    for offer in offers:
        cpu_start, start = time.process_time(), time.perf_counter()
        await floor.once()
        wall, used = time.perf_counter() - start, time.process_time() - cpu_start
        floor_cpu.append(used)
        floor_waiting.append(max(0.0, wall - used))
        cpu_start, start = time.process_time(), time.perf_counter()
        await bench.store.accept_offer(offer.id, offer.mentor_id, at)
        wall, used = time.perf_counter() - start, time.process_time() - cpu_start
        cpu.append(used)
        waiting.append(max(0.0, wall - used))
    plan = await _server_plan(floor, probe, at)
    return [
        Row(
            "Accept",
            f"Accept: waiting for the server per accept ({label})",
            median(waiting) * 1000,
            "ms",
            median(floor_waiting) * 1000,
            "the floor's waiting",
            note=f"{len(offers)} further offers: wall time less this process's CPU time (the server's work, its "
            "commit and the round trips: three for an accept, BEGIN with the lock, one statement, COMMIT, as for "
            f"the floor); the floor's whole transaction {floor_median * 1000:.3f} ms",
        ),
        Row(
            "Accept",
            f"Accept: this process's CPU per accept ({label})",
            median(cpu) * 1000,
            "ms",
            median(floor_cpu) * 1000,
            "the floor's CPU",
            note="asyncpg, the engine and the store's Python, measured by the process's CPU clock",
        ),
        *([plan] if plan else []),
    ]


async def _server_plan(floor: InsertFloor, offer: Offer, at: datetime, repeats: int = 11) -> Row | None:
    """The server's own time for the accept's statement (`_ACCEPT_PG` after the mentee's lock), from
    ``EXPLAIN (ANALYZE)`` run `repeats` times on the pending `offer`, each time in a transaction rolled back (so
    the offer is pending again, its rows untouched: a row changed earlier in the same transaction would make its
    foreign keys be checked again): the median execution time and, of it, the triggers' (foreign keys, the
    match keys')."""
    conn = floor.pg
    if conn is None:
        return None
    statement = "EXPLAIN (ANALYZE, FORMAT JSON) " + to_numbered(_ACCEPT_PG)
    executions: list[float] = []
    triggers: dict[str, list[float]] = {}
    for _ in range(repeats):
        tx = conn.transaction()
        await tx.start()
        try:
            await conn.execute(MENTEE_OF_OFFER_PG.format("$1"), offer.id)
            found = await conn.fetchval(statement, at, offer.id, offer.mentor_id, None, None)
        finally:
            await tx.rollback()
        plan = (json.loads(found) if isinstance(found, str) else found)[0]
        executions.append(float(plan["Execution Time"]))
        for trigger in plan.get("Triggers", []):
            triggers.setdefault(str(trigger["Trigger Name"]), []).append(float(trigger["Time"]))
    # A foreign key's triggers are named by number: name them by their constraint and table instead.
    names = {
        r["tgname"]: f"{r['conname']} on {r['relname']}"
        for r in await conn.fetch(
            "SELECT t.tgname, c.conname, t.tgrelid::regclass::text AS relname FROM pg_trigger t "
            "JOIN pg_constraint c ON c.oid = t.tgconstraint WHERE t.tgname = ANY($1::text[])",
            list(triggers),
        )
    }
    by_trigger = sorted(((median(times), names.get(name, name)) for name, times in triggers.items()), reverse=True)
    in_triggers = sum(t for t, _name in by_trigger)
    return Row(
        "Accept",
        "Accept: the server's execution of the accept's statement, EXPLAIN ANALYZE (PostgreSQL)",
        median(executions),
        "ms",
        None,
        note=f"median of {repeats}, each rolled back; of it {in_triggers:.3f} ms in triggers ("
        + ", ".join(f"{name} {t:.3f}" for t, name in by_trigger[:4])
        + "); the lock and the transaction's BEGIN and COMMIT come on top",
    )
