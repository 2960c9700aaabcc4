"""Migration 0025: what every metrics scrape and every sweep asks reads the open rows alone (a year hunt, session 39:
the waiting requests by reason, the communities with a waiting request and the count of mentorships in progress
each read every request or mentorship ever made, history the stats keep)."""

from __future__ import annotations

import pytest

from mentorbot.observability import _ACTIVE_MENTORSHIPS_SQL, _WAITING_SQL
from mentorbot.storage.sqlite_engine import SqliteDatabase
from mentorbot.storage.store import Store

COMMUNITIES_WAITING = "SELECT DISTINCT community FROM requests WHERE status = 'waiting' ORDER BY community"


@pytest.mark.parametrize(
    ("query", "index"),
    [
        (_WAITING_SQL, "requests_waiting"),
        (COMMUNITIES_WAITING, "requests_waiting"),
        (_ACTIVE_MENTORSHIPS_SQL, "mentorships_active"),
    ],
    ids=["waiting-by-reason", "communities-waiting", "active-mentorships"],
)
async def test_the_open_row_queries_read_their_partial_index(store: Store, query: str, index: str) -> None:
    async with store.db.read() as conn:
        if isinstance(store.db, SqliteDatabase):
            plan = " ".join(str(row["detail"]) for row in await conn.fetch_all("EXPLAIN QUERY PLAN " + query))
            assert f"INDEX {index}" in plan, plan
        else:  # PostgreSQL's planner weighs its statistics: the index is there, partial, for it to take
            found = await conn.fetch_one("SELECT indexdef FROM pg_indexes WHERE indexname = ?", index)
            assert found is not None and "WHERE" in str(found["indexdef"]), found


def test_the_sweeps_query_is_the_one_tested() -> None:
    """`communities_waiting` asks what `COMMUNITIES_WAITING` asks (with no community scope)."""
    import inspect

    from mentorbot.storage.requests import RequestStore

    source = inspect.getsource(RequestStore.communities_waiting)
    assert "SELECT DISTINCT community FROM requests WHERE status = 'waiting'" in source
