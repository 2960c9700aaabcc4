"""Accepting an offer end to end (conditional updates, mentorship insert, commit) per second.

Figure: `Store.accept_offer` on pending offers made beforehand (not timed), one after another.
Floor, same run, interleaved: a single-row INSERT + COMMIT with the same journal settings (SQLite: a file
beside the store's, WAL, synchronous=NORMAL, through `sqlite3`; PostgreSQL: a bare `asyncpg` connection to
the same schema).
"""

from __future__ import annotations

import sqlite3
import time
from datetime import timedelta
from typing import Any

import asyncpg

from benchmarks.bench_match import waiting_queries
from benchmarks.engines import BenchStore
from benchmarks.generate import NOW
from benchmarks.report import Row, median
from mentorbot.matching import top_ranked
from mentorbot.models import Offer
from mentorbot.storage.store import Store


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
            path = self.bench.path.with_name(self.bench.path.stem + "-floor.sqlite3")
            conn = sqlite3.connect(str(path), isolation_level=None)
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

    async def close(self) -> None:
        """Disconnect."""
        if self._sqlite is not None:
            self._sqlite.close()
        if self._pg is not None:
            await self._pg.close()

    async def once(self) -> float:
        """One INSERT + COMMIT; its wall time in seconds."""
        self._n += 1
        if self._sqlite is not None:
            start = time.perf_counter()
            self._sqlite.execute("BEGIN IMMEDIATE")
            self._sqlite.execute("INSERT INTO floor (id, note, at) VALUES (?, ?, ?)", (self._n, "x", NOW.isoformat()))
            self._sqlite.execute("COMMIT")
            return time.perf_counter() - start
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
    offers = await make_offers(bench.store, community, samples)
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
        )
    ]
