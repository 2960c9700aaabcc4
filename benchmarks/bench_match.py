"""Match (ranking the mentors for one request) against the plain SQL floor, and how it scales.

Figure: `mentorbot.matching.top_ranked` (what the bot needs to make an offer: the best mentors, exactly
ranked, with their explanations), from an awaited call on the engine to ranked Python objects.
Floor, same run, interleaved request by request: the plain query that selects mentors having any of the
skills with free capacity, grouped by overlap, top 5, on the same indexes, through the engine's plain
driver (`sqlite3`; for PostgreSQL a bare `asyncpg` connection).
Also shown (info): the ranking query alone (`storage.candidates.top_rows`, the statement `top_ranked` runs)
through the same bare driver, which separates the query's cost from the engine's (a transaction begun and
committed, aiosqlite's thread hops, building the rows); and the full ranking the bot used before
(`find_candidates` + `rank_candidates`).
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from benchmarks.engines import BenchStore
from benchmarks.generate import MEMBER_LANGUAGES, NOW, TIMEZONES, taxonomy_slugs
from benchmarks.report import Row, median, percentile
from mentorbot.clock import as_utc
from mentorbot.i18n import LANGUAGES
from mentorbot.matching import rank_candidates, score_params, top_ranked
from mentorbot.models import RequestStatus
from mentorbot.storage.candidates import top_rows
from mentorbot.storage.postgres_engine import PostgresConnection
from mentorbot.storage.store import Store

FLOOR_SQL = (
    "SELECT s.member_id, COUNT(*) AS overlap FROM mentor_skills s JOIN mentor_profiles p ON p.member_id = s.member_id "
    "WHERE s.skill IN ({}) AND p.status = 'active' AND p.active_count + p.pending_offers < p.capacity "
    "GROUP BY s.member_id ORDER BY overlap DESC LIMIT 5"
)
REPEAT_DAYS = 180
LIMIT = 5


@dataclass(frozen=True)
class Query:
    """One request to rank mentors for."""

    community: str
    skills: tuple[str, ...]
    mentee_id: int
    request_id: int | None
    language: str
    timezone: str | None


def _bound(args: Sequence[Any]) -> tuple[Any, ...]:
    return tuple(as_utc(a).isoformat(timespec="microseconds") if isinstance(a, datetime) else a for a in args)


class PlainSqlite:
    """The `Connection` protocol over a bare `sqlite3` connection, in the calling thread (no engine, no lock, no
    hop): the floor's way of running the store's own ranking statement. A datetime argument is bound as the SQLite
    engine stores it (`SqliteDatabase.to_db_time`'s text)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def quick(self) -> PlainSqlite:
        """Itself: its statements run in the calling thread already."""
        return self

    async def execute(self, sql: str, *args: Any) -> int:
        """Run a statement; the number of rows it changed."""
        return self._conn.execute(sql, _bound(args)).rowcount

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run a statement once per parameter row."""
        self._conn.executemany(sql, [_bound(r) for r in rows])

    async def fetch_all(self, sql: str, *args: Any) -> list[dict[str, Any]]:
        """All rows of a query."""
        return [dict(r) for r in self._conn.execute(sql, _bound(args)).fetchall()]

    async def fetch_one(self, sql: str, *args: Any) -> dict[str, Any] | None:
        """The first row of a query, or None."""
        row = self._conn.execute(sql, _bound(args)).fetchone()
        return dict(row) if row is not None else None


class Floor:
    """The plain query through the engine's bare driver."""

    def __init__(self, bench: BenchStore) -> None:
        self.bench = bench
        self._sqlite: sqlite3.Connection | None = None
        self._rows: sqlite3.Connection | None = None
        self._pg: Any = None

    async def open(self) -> None:
        """Connect the bare driver."""
        if self.bench.engine == "sqlite":
            self._sqlite = sqlite3.connect(str(self.bench.path))
            self._rows = sqlite3.connect(str(self.bench.path))
            self._rows.row_factory = sqlite3.Row
        else:
            self._pg = await asyncpg.connect(self.bench.url, server_settings={"search_path": str(self.bench.schema)})

    async def close(self) -> None:
        """Disconnect."""
        if self._sqlite is not None:
            self._sqlite.close()
        if self._rows is not None:
            self._rows.close()
        if self._pg is not None:
            await self._pg.close()

    async def top5(self, skills: Sequence[str]) -> float:
        """Run the floor query once; its wall time in seconds."""
        if self._sqlite is not None:
            sql = FLOOR_SQL.format(", ".join("?" for _ in skills))
            start = time.perf_counter()
            self._sqlite.execute(sql, tuple(skills)).fetchall()
            return time.perf_counter() - start
        sql = FLOOR_SQL.format(", ".join(f"${i}" for i in range(1, len(skills) + 1)))
        start = time.perf_counter()
        await self._pg.fetch(sql, *skills)
        return time.perf_counter() - start

    async def query_alone(self, q: Query) -> float:
        """The ranking statement of `top_ranked` for `q` (`top_rows`) once through the bare driver, outside any
        transaction; its wall time in seconds."""
        zones = await self.bench.store.mentor_timezones()
        params = score_params(zones, q.timezone, NOW)
        conn: Any = PlainSqlite(self._rows) if self._rows is not None else PostgresConnection(self._pg)
        dialect = self.bench.store.db.dialect
        repeat_since = NOW - timedelta(days=REPEAT_DAYS)
        start = time.perf_counter()
        await top_rows(
            conn,
            dialect,
            q.community,
            q.skills,
            q.mentee_id,
            q.request_id,
            repeat_since,
            q.language,
            params,
            LIMIT,
            by_community=False,
        )
        return time.perf_counter() - start


async def ranked_time(store: Store, q: Query) -> float:
    """`top_ranked` once; its wall time in seconds."""
    start = time.perf_counter()
    await top_ranked(
        store,
        q.community,
        q.skills,
        exclude_member=q.mentee_id,
        request_id=q.request_id,
        repeat_since=NOW - timedelta(days=REPEAT_DAYS),
        mentee_language=q.language,
        mentee_timezone=q.timezone,
        at=NOW,
        limit=LIMIT,
    )
    return time.perf_counter() - start


async def full_ranking_time(store: Store, q: Query) -> float:
    """The previous path (every candidate read and ranked in Python) once; seconds."""
    start = time.perf_counter()
    found = await store.find_candidates(
        q.community,
        q.skills,
        exclude_member=q.mentee_id,
        request_id=q.request_id,
        repeat_since=NOW - timedelta(days=REPEAT_DAYS),
    )
    rank_candidates(found, q.skills, mentee_language=q.language, mentee_timezone=q.timezone, at=NOW)
    return time.perf_counter() - start


async def waiting_queries(store: Store, community: str, count: int) -> list[Query]:
    """`count` queries from the community's waiting requests (cycled when there are fewer)."""
    waiting = await store.list_requests(community, [RequestStatus.WAITING])
    out: list[Query] = []
    for request in waiting[: max(count, 1)]:
        mentee = await store.get_member(request.member_id)
        if mentee is None:
            continue
        lang = mentee.language if mentee.language in LANGUAGES else "en"
        out.append(Query(community, request.skills, mentee.id, request.id, lang, mentee.timezone))
    return [out[i % len(out)] for i in range(count)] if out else []


def synthetic_queries(community: str, members: int, count: int, seed: int = 8) -> list[Query]:
    """Seeded request-like queries (for the scaling series: the same queries at every size)."""
    rng = random.Random(seed)
    slugs = taxonomy_slugs()
    out = []
    for _ in range(count):
        skills = tuple(rng.sample(slugs, rng.choice((1, 1, 2, 2, 3))))
        lang = rng.choices([v or "en" for v, _ in MEMBER_LANGUAGES], weights=[w for _, w in MEMBER_LANGUAGES])[0]
        tz = (
            rng.choices([v for v, _ in TIMEZONES], weights=[w for _, w in TIMEZONES])[0] if rng.random() < 0.7 else None
        )
        out.append(Query(community, skills, rng.randint(1, members), None, lang, tz))
    return out


async def measure(bench: BenchStore, queries: Sequence[Query], *, full_samples: int = 0) -> dict[str, list[float]]:
    """Figure and floor for every query, interleaved (warm-up first); optionally the full ranking too."""
    floor = Floor(bench)
    await floor.open()
    try:
        for q in queries[:20]:
            await floor.top5(q.skills)
            await ranked_time(bench.store, q)
        figure: list[float] = []
        floor_times: list[float] = []
        alone: list[float] = []
        for q in queries:
            floor_times.append(await floor.top5(q.skills))
            figure.append(await ranked_time(bench.store, q))
            if full_samples:
                alone.append(await floor.query_alone(q))
        full = [await full_ranking_time(bench.store, q) for q in queries[:full_samples]]
    finally:
        await floor.close()
    return {"figure": figure, "floor": floor_times, "alone": alone, "full": full}


async def bench_match(bench: BenchStore, community: str, samples: int, *, judge: bool, label: str) -> list[Row]:
    """The match rows for one engine."""
    queries = await waiting_queries(bench.store, community, samples)
    if not queries:
        return [Row("Match", f"Match ({label})", None, "ms", skipped="no waiting request to rank for")]
    t = await measure(bench, queries, full_samples=min(50, len(queries)))
    ms = 1000.0
    fig_med, floor_med = median(t["figure"]) * ms, median(t["floor"]) * ms
    ratio_ok = fig_med <= 1.2 * floor_med
    return [
        Row(
            "Match",
            f"Match median, top {LIMIT} ({label})",
            fig_med,
            "ms",
            floor_med,
            "plain query",
            "≤ 1.2× floor at 100k",
            ratio_ok if judge else None,
            note=f"{len(queries)} requests" + ("" if judge else "; target judged at 100k only"),
        ),
        Row(
            "Match",
            f"Match p99 ({label})",
            percentile(t["figure"], 99) * ms,
            "ms",
            percentile(t["floor"], 99) * ms,
            "plain query p99",
        ),
        Row(
            "Match",
            f"Match, the ranking query alone ({label})",
            median(t["alone"]) * ms,
            "ms",
            floor_med,
            "plain query",
            note="top_rows through the floor's bare driver: the figure minus the engine's transaction and hops",
        ),
        Row(
            "Match",
            f"Match, every candidate ranked in Python ({label})",
            median(t["full"]) * ms,
            "ms",
            floor_med,
            "plain query",
            note="the path before issue 8 (find_candidates + rank_candidates), for comparison",
        ),
    ]


async def scaling_median(bench: BenchStore, queries: Sequence[Query]) -> tuple[float, float]:
    """(figure median, floor median) in ms for a scaling point."""
    t = await measure(bench, queries)
    return median(t["figure"]) * 1000, median(t["floor"]) * 1000
