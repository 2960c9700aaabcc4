"""Accepting an offer reads the mentee's other open requests only once it holds the mentee's lock.

On PostgreSQL the lock is sent with the transaction's ``BEGIN`` and the read is part of the accept's one statement
(`offers._ACCEPT_PG`), whose snapshot is taken after the lock: a request the mentee made in a transaction that held
the lock while the accept waited must be seen, and closed when it shares a skill. On SQLite, ``BEGIN IMMEDIATE``
is the lock. Without the lock (or with the read before it) the accept would not wait, and would leave that request
open beside the new mentorship.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from mentorbot.models import Level, NewMentorProfile, RequestStatus
from mentorbot.storage.postgres_engine import PostgresDatabase
from mentorbot.storage.store import Store
from tests.conftest import make_store, store_on_same_database

START = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


async def test_an_overlapping_request_committed_while_the_accept_waits_for_the_mentee_is_closed(
    store: Store,
) -> None:
    community = f"lock:{uuid.uuid4().hex[:8]}"
    mentor = await store.ensure_member(community, "M", "Mentor", START)
    await store.save_mentor_profile(
        mentor.id, NewMentorProfile({"seo": Level.EXPERT, "copywriting": Level.EXPERT}, 2, "", "UTC", ("en",)), START
    )
    mentee = await store.ensure_member(community, "A", "Mentee", START)
    request = await store.create_request(mentee.id, community, ["seo"], "", START, max_open=5)
    offer = await store.create_offer(request.id, mentor.id, 1.0, "", START, START + timedelta(hours=1))
    assert offer is not None

    other = store_on_same_database(store)
    await other.open(START)
    holding, release = asyncio.Event(), asyncio.Event()
    made: list[int] = []

    async def another_command_of_the_mentee() -> None:
        async with other.unit_of_work():  # holds the mentee's lock (SQLite: the write lock) until it commits
            later = await other.create_request(mentee.id, community, ["seo"], "", START, max_open=5)
            made.append(later.id)
            holding.set()
            await release.wait()

    try:
        command = asyncio.create_task(another_command_of_the_mentee())
        await asyncio.wait_for(holding.wait(), 10)
        accept = asyncio.create_task(store.accept_offer(offer.id, mentor.id, START + timedelta(minutes=5)))
        await asyncio.sleep(0.3)
        assert not accept.done(), "the accept did not wait for the mentee's lock"
        release.set()
        await command
        result = await asyncio.wait_for(accept, 10)
    finally:
        release.set()
        await other.close()

    assert result is not None
    assert [r.id for r in result.closed_requests] == made, "the request made while the accept waited is left open"
    later = await store.get_request(made[0])
    assert later is not None and later.status is RequestStatus.CLOSED


async def test_a_transaction_begun_with_its_first_statement_commits_rolls_back_and_survives_a_failing_first(
    tmp_path: Path,
) -> None:
    async for store in make_store("postgresql", tmp_path):
        await store.open(START)
        assert isinstance(store.db, PostgresDatabase)
        await _begun_with_a_first_statement(store, store.db)


async def _begun_with_a_first_statement(store: Store, db: PostgresDatabase) -> None:
    member = await store.ensure_member("first:x", "U", "Before", START)
    lock = f"SELECT 1 FROM members WHERE id = {member.id} FOR NO KEY UPDATE"

    async with db.transaction_from(lock) as conn:
        await conn.execute("UPDATE members SET display_name = 'Committed' WHERE id = ?", member.id)
    with pytest.raises(RuntimeError):
        async with db.transaction_from(lock) as conn:
            await conn.execute("UPDATE members SET display_name = 'Rolled back' WHERE id = ?", member.id)
            raise RuntimeError("the body failed")
    with pytest.raises(asyncpg.DivisionByZeroError):
        async with db.transaction_from("SELECT 1 / 0") as conn:
            raise AssertionError("the body ran after a failed first statement")  # pragma: no cover
    # Every pooled connection is usable and outside a transaction afterwards (the failed one included).
    for _ in range(3):
        async with db.transaction_from(lock) as conn:
            row = await conn.fetch_one("SELECT display_name FROM members WHERE id = ?", member.id)
    assert row is not None and row["display_name"] == "Committed"
