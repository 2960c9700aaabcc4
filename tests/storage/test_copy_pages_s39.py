"""``mentorbot db copy`` reads, writes and checks each table a page at a time (session 39's data hunt).

Before: `_copy_table` held every table in memory three times over (all the source's rows, then all the converted
records, then all the copied rows read back for the checksum): copying a 90 MB SQLite database (421k rows) to
PostgreSQL peaked at about 600 MB. Now the source is read in pages by its rows' key (SQLite's rowid, PostgreSQL's
primary key: keyset pagination, ``WHERE key > last ORDER BY key LIMIT n``), each page converted and written, the
target read back in pages too, and only each row's 32-byte digest kept for the checksum, whose value is the same.

Proven on both engines (SQLite → target → SQLite): a copy in pages of 7 rows of a database whose every table holds
several pages, composite and text keys among them, equals the copy in one page (rows, checksums, content), and
its checksums are `checksum` of the whole table as before; and a copy's memory (tracemalloc's peak) is a page of
rows and 64 bytes a row, not the table.
"""

from __future__ import annotations

import sqlite3
import tracemalloc
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from mentorbot.storage import copying
from mentorbot.storage.copying import checksum, copy_database, row_counts
from mentorbot.storage.database import Database
from mentorbot.storage.introspection import columns, kind_of, tables
from mentorbot.storage.migrations import migrate
from mentorbot.storage.sqlite_engine import SqliteDatabase
from mentorbot.storage.store import Store
from tests.conftest import ENGINES, make_store

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PAGE = 7
ROWS = 40  # rows of each table: five pages and a part
NAMES = ["ana", "Ana", "Zoë", "_x", "", "b c", "é", "Ñame", "zz", "A-1"]  # text keys that sort apart by case, accent


def _ts(i: int) -> str:
    return f"2026-03-01T10:{i // 60 % 60:02d}:{i % 60:02d}.{i:06d}+00:00"


async def migrated_file(path: Path) -> Path:
    db = SqliteDatabase(str(path))
    await db.open()
    try:
        await migrate(db, NOW)
    finally:
        await db.close()
    return path


def fill(path: Path) -> set[str]:
    """Rows in every table of the SQLite file at `path` (its foreign keys checked), ids with gaps, composite and
    text keys whose first columns repeat: the tables filled."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA foreign_keys = ON")
    present = {str(r[0]) for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    member = [3 * i + 2 for i in range(ROWS)]  # ids with gaps
    rows: dict[str, tuple[str, list[tuple[Any, ...]]]] = {
        "members": (
            "id, community, platform_user_id, display_name, language, timezone, created_at",
            [
                (m, "console", f"{NAMES[i % 10]}-{i}", f"=cmd|' Zoë {i}", None if i % 3 else "sw", "UTC", _ts(i))
                for i, m in enumerate(member)
            ],
        ),
        "mentor_profiles": (
            "member_id, capacity, bio, status, paused_until, created_at, updated_at",
            [(m, 1 + i % 5, f"bio {i}\n", "active", None, _ts(i), _ts(i + 1)) for i, m in enumerate(member)],
        ),
        "mentor_skills": (
            "member_id, skill, level",
            [(m, NAMES[k], ("learning", "practitioner", "expert")[k % 3]) for m in member[:10] for k in range(5)],
        ),
        "requests": (
            "id, member_id, community, note, status, created_at, updated_at",
            [(10 + 2 * i, m, "console", f"@SUM({i})", "closed", _ts(i), _ts(i)) for i, m in enumerate(member)],
        ),
        "request_skills": (
            "request_id, skill, position",
            [(10 + 2 * i, NAMES[k], k) for i in range(10) for k in range(5)],
        ),
        "offers": (
            "id, request_id, mentor_id, status, score, explanation, created_at, expires_at, decided_at",
            [
                (100 + i, 10 + 2 * i, member[(i + 1) % ROWS], "declined", i / 7, "{}", _ts(i), _ts(i), None)
                for i in range(ROWS)
            ],
        ),
        "mentorships": (
            "id, request_id, mentor_id, mentee_id, community, skills, status, started_at, ended_at",
            [
                (5 + i, 10 + 2 * i, member[(i + 1) % ROWS], m, "console", "seo", "ended", _ts(i), _ts(i + 2))
                for i, m in enumerate(member)
            ],
        ),
        "feedback": (
            "id, mentorship_id, author_id, community, skills, rating, comment, created_at",
            [(i + 1, 5 + i, m, "console", "seo", 1 + i % 5, None, _ts(i)) for i, m in enumerate(member)],
        ),
        "jobs": (
            "id, kind, ref_id, due_at, status, created_at, community",
            [(i + 1, "checkin", 5 + i, _ts(i), "pending", _ts(i), "console") for i in range(ROWS)],
        ),
        "processed_events": ("event_id, created_at", [(f"{NAMES[i % 10]}:{i}", _ts(i)) for i in range(ROWS)]),
        "outbox": (
            "id, member_id, platform_user_id, community, language, message_key, payload, created_at",
            [(i + 1, m, f"U{i}", "console", "en", f"offer:{i}", '{"a": 1}', _ts(i)) for i, m in enumerate(member)],
        ),
        "inbox": (
            "id, event_id, community, platform_user_id, payload, created_at",
            [(i + 1, f"ev-{i}", "console", f"U{i}", "{}", _ts(i)) for i in range(ROWS)],
        ),
        "message_refs": (
            "community, platform_user_id, message_key, member_id, location, stored_at",
            [("console", NAMES[i % 4], f"{NAMES[i % 10]}:{i}", member[i], "dm", _ts(i)) for i in range(ROWS)],
        ),
        "resource_votes": (
            "community, resource, member_id, helpful, voted_at",
            [(("console", "x")[i % 2], NAMES[i % 3], member[i], i % 2, _ts(i)) for i in range(ROWS)],
        ),
        "library_reloads": ("name, generation, reloaded_at", [(f"{NAMES[i % 10]}{i}", i, _ts(i)) for i in range(ROWS)]),
        "course_suggestions": (
            "id, community, member_id, url, url_key, title, skills, status, created_at",
            [
                (i + 1, "console", m, f"https://e.org/{i}", f"e.org/{i}", f"T{i}", "seo", "approved", _ts(i))
                for i, m in enumerate(member)
            ],
        ),
        "reopened_requests": ("request_id, reopened_at", [(10 + 2 * i, _ts(i)) for i in range(ROWS)]),
        "forgotten_exclusions": (
            "community, member_key, mentor_id, reason_kind, decided_at",
            [("console", NAMES[i % 2], member[i % 5], NAMES[i // 5], _ts(i)) for i in range(ROWS)],
        ),
        "mentorship_checkins": ("mentorship_id, sent", [(5 + i, 2 + i % 3) for i in range(ROWS)]),
    }
    filled = set()
    with conn:
        for table, (names, values) in rows.items():
            if table not in present:
                continue
            marks = ", ".join("?" for _ in names.split(","))
            conn.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", values)
            filled.add(table)
    conn.close()
    return filled


async def content(db: Database) -> dict[str, list[str]]:
    """Each table's rows, as text, in one order whatever the engine's."""
    async with db.read() as conn:
        return {
            name: sorted(repr(sorted(row.items())) for row in await conn.fetch_all(f'SELECT * FROM "{name}"'))
            for name in await tables(conn, db.dialect)
        }


@pytest.fixture(params=ENGINES)
async def target(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """An empty, opened database on each engine."""
    folder = tmp_path / "target"
    folder.mkdir()
    async for store in make_store(request.param, folder):
        await store.db.open()
        yield store.db


async def opened(path: Path) -> SqliteDatabase:
    db = SqliteDatabase(str(path))
    await db.open()
    return db


async def test_a_copy_in_pages_is_the_copy_in_one_page_both_ways(
    tmp_path: Path, target: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = await migrated_file(tmp_path / "source.sqlite3")
    filled = fill(path)
    assert {"members", "mentor_skills", "message_refs", "resource_votes", "forgotten_exclusions"} <= filled
    source = await opened(path)
    back_paged = await opened(tmp_path / "back-paged.sqlite3")
    back_whole = await opened(tmp_path / "back-whole.sqlite3")
    try:
        counts = await row_counts(source)
        assert all(counts[name] > 5 * PAGE for name in filled), counts

        monkeypatch.setattr(copying, "PAGE_ROWS", PAGE, raising=False)
        started: list[int] = []
        seen: list[int] = []
        paged = await copy_database(source, target, NOW, progress=seen.append, on_start=started.append)
        paged_content = await content(target)
        paged_back = await copy_database(target, back_paged, NOW)
        assert started == [sum(counts.values())] and sum(seen) == sum(counts.values())
        assert max(seen) == PAGE  # each page is written and told as it comes

        monkeypatch.setattr(copying, "PAGE_ROWS", 10**9, raising=False)
        whole = await copy_database(source, target, NOW, replace=True)
        whole_content = await content(target)
        whole_back = await copy_database(target, back_whole, NOW)

        assert all(check.ok for check in [*paged, *paged_back, *whole, *whole_back])
        assert paged == whole and paged_back == whole_back  # rows and checksums, table by table
        assert paged_content == whole_content
        assert [c.target_rows for c in paged] == [counts[c.table] for c in paged]
        source_content = await content(source)
        assert await content(back_paged) == source_content == await content(back_whole)
        # The checksum printed is `checksum` of the whole table, as the copy in one piece computed it.
        async with source.read() as src, target.read() as dst:
            for check in paged:
                declared = await columns(dst if target.dialect == "postgresql" else src, target.dialect, check.table)
                kinds = {name: kind_of(kind) for name, kind in declared.items()}
                everything = await src.fetch_all(f'SELECT * FROM "{check.table}"')
                assert check.source_checksum == checksum(everything, kinds), check.table
    finally:
        for db in (source, back_paged, back_whole):
            await db.close()


MEMBERS = 20_000
NAME = "Ñ" * 200
BOUND = 6 * 2**20
"""Bytes a copy of `MEMBERS` members (500 bytes each) in pages of 100 may take at its peak (tracemalloc): a page of
rows, the engines' own, and the checksums' digests, 32 bytes a row on each side (1.3 MB here): about 2 MB on both
engines. The copy of the whole table at once took 43 MB on SQLite, 44 MB on PostgreSQL (session 39, before)."""


async def test_a_copy_holds_a_page_of_rows_not_the_table(
    tmp_path: Path, target: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = await migrated_file(tmp_path / "source.sqlite3")
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany(
            "INSERT INTO members (id, community, platform_user_id, display_name, created_at) VALUES (?, ?, ?, ?, ?)",
            [(i + 1, "console", f"U{i}", f"{NAME} {i}", _ts(i)) for i in range(MEMBERS)],
        )
    conn.close()
    source = await opened(path)
    monkeypatch.setattr(copying, "PAGE_ROWS", 100, raising=False)
    tracemalloc.start()
    try:
        checks = await copy_database(source, target, NOW)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        await source.close()
    assert all(check.ok for check in checks)
    assert sum(c.target_rows for c in checks) == MEMBERS
    assert peak < BOUND, f"peak {peak / 2**20:.1f} MB"


@pytest.mark.parametrize("keyed", ["composite", "none"])
async def test_a_table_is_read_in_pages_by_any_key_it_has(store: Store, keyed: str) -> None:
    """The tables of the migrations all have a rowid (SQLite) or a primary key (PostgreSQL); a table keyed by
    composite text only (SQLite ``WITHOUT ROWID``) is read in pages by that key, and one with no key at all whole
    on PostgreSQL (SQLite gives it a rowid): either way every row once."""
    db = store.db
    if keyed == "composite":
        rowid = " WITHOUT ROWID" if db.dialect == "sqlite" else ""
        create = f"CREATE TABLE paged (a TEXT NOT NULL, b TEXT NOT NULL, n INTEGER, PRIMARY KEY (a, b)){rowid}"
    else:
        create = "CREATE TABLE paged (a TEXT NOT NULL, b TEXT NOT NULL, n INTEGER)"
    values = [(NAMES[i % 3], f"{NAMES[i % 10]}{i}", i) for i in range(50)]
    async with db.transaction() as conn:
        await conn.execute(create)
        await conn.executemany("INSERT INTO paged (a, b, n) VALUES (?, ?, ?)", values)
    async with db.read() as conn:
        pages = [page async for page in copying._pages(conn, db.dialect, "paged", ["a", "b", "n"], PAGE)]
    whole = keyed == "none" and db.dialect == "postgresql"
    assert [len(page) for page in pages] == ([50] if whole else [PAGE] * 7 + [1])
    assert sorted((r["a"], r["b"], r["n"]) for page in pages for r in page) == sorted(values)
