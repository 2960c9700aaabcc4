"""Recording an event whose connection is lost mid-statement: the outcome is learnt, never guessed.

On PostgreSQL the inbox record is one statement committed on its own (`Database.express_one`, one round trip). A
connection lost while it runs leaves it committed or not (`DatabaseOutcomeUnknown`); `InboxStore.record_event`
then sends it again, as an upsert that also returns the row the lost attempt wrote, until it gets through.

The model test drives the real stores of both engines through random deliveries (new events and redeliveries),
each with a random plan for its statements: through, lost after the server committed it, lost before, or the
database unreachable. A fake `express_one` plays the plan on the real engine. Whatever the plan:

- each event id has at most one row, and a delivery never writes a second one;
- a delivery told its id owns that row (it was the first delivery of the event);
- a delivery told None (a redelivery) really had an earlier delivery's row before it;
- a delivery told "nothing was saved" (`DatabaseUnavailable`, not the doubt) wrote no row;
- a delivery whose doubt could not be resolved in time raises `DatabaseOutcomeUnknown`, never anything else.

Broken on purpose, it fails: resolving by re-raising the doubt as "unavailable" (the member told nothing was
saved about a row that is there), or by sending a plain ``DO NOTHING`` again (the record taken for a redelivery).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import asyncpg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mentorbot.storage.inbox as inbox_module
from mentorbot.clock import ManualClock
from mentorbot.storage.database import DatabaseOutcomeUnknown, DatabaseUnavailable, Row
from mentorbot.storage.postgres_engine import PostgresDatabase
from mentorbot.storage.store import Store
from tests.conftest import POSTGRES_URL

LEASE = timedelta(minutes=2)
COMMUNITY = "slack:T1"

# What happens to one express statement: sent and answered; committed, then the connection lost; lost before the
# server ran it; the database unreachable (nothing sent).
OK, LOST_AFTER, LOST_BEFORE, DOWN = "ok", "lost after", "lost before", "down"
outcomes = st.sampled_from([OK, LOST_AFTER, LOST_BEFORE, DOWN])
deliveries = st.lists(
    st.tuples(st.integers(0, 3), st.lists(outcomes, max_size=4)),  # event number, plan of its statements
    min_size=1,
    max_size=8,
)


class Lossy:
    """`express_one` that plays a plan of outcomes on the engine's real one (then lets every statement through)."""

    def __init__(self, store: Store) -> None:
        self.real = store.db.express_one
        self.plan: list[str] = []
        self.calls = 0

    async def __call__(self, sql: str, *args: Any) -> list[Row]:
        self.calls += 1
        step = self.plan.pop(0) if self.plan else OK
        if step == DOWN:
            raise DatabaseUnavailable("unreachable (test)")
        if step == LOST_BEFORE:
            raise DatabaseOutcomeUnknown("lost before the server ran it (test)")
        rows = await self.real(sql, *args)
        if step == LOST_AFTER:
            raise DatabaseOutcomeUnknown("lost after the server committed it (test)")
        return rows


async def _rows(store: Store) -> dict[str, tuple[int, Any]]:
    async with store.transaction() as conn:
        found = await conn.fetch_all("SELECT id, event_id, created_at FROM inbox")
    return {str(r["event_id"]): (int(r["id"]), r["created_at"]) for r in found}


async def _play(store: Store, clock: ManualClock, lossy: Lossy, plays: Sequence[tuple[int, list[str]]]) -> None:
    written: dict[str, int] = {}  # the model: event id -> the id of its one row
    for number, plan in plays:
        event_id = f"slack:command:{number}"
        clock.advance(timedelta(milliseconds=1))  # each delivery at its own time, as the system clock gives
        before = dict(written)
        lossy.plan = list(plan)
        try:
            got = await store.record_event(event_id, COMMUNITY, "U1", "{}", clock.now(), "w1", lease=LEASE)
        except DatabaseOutcomeUnknown:
            outcome: object = "unknown"
        except DatabaseUnavailable:
            outcome = "nothing saved"
        else:
            outcome = got
        rows = await _rows(store)
        assert set(rows) >= set(before) and all(rows[e][0] == i for e, i in before.items()), "a row changed"
        assert set(rows) - set(before) <= {event_id}, "a row of another event appeared"
        mine = event_id in rows and event_id not in before
        if mine:
            written[event_id] = rows[event_id][0]
        if outcome == "nothing saved":
            assert not mine, f"{plan}: told nothing was saved, and the record is there"
        elif outcome is None:
            assert event_id in before, f"{plan}: taken for a redelivery, but this delivery wrote the record"
        elif isinstance(outcome, int):
            assert mine and outcome == rows[event_id][0], f"{plan}: told id {outcome}, rows {rows}"
        if plan[:1] in ([OK], []):
            assert outcome == (rows[event_id][0] if mine else None), "a plain record changed"


@given(plays=deliveries)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
async def test_a_lost_record_is_resolved_never_guessed(
    store: Store, clock: ManualClock, monkeypatch: pytest.MonkeyPatch, plays: list[tuple[int, list[str]]]
) -> None:
    lossy = store.db.express_one if isinstance(store.db.express_one, Lossy) else Lossy(store)
    monkeypatch.setattr(store.db, "express_one", lossy)
    monkeypatch.setattr(inbox_module, "RESOLVE_SECONDS", 60.0)  # every plan is finite: the doubt is resolved
    monkeypatch.setattr(inbox_module, "_PAUSES", (0.0,))
    async with store.transaction() as conn:
        await conn.execute("DELETE FROM inbox")
    await _play(store, clock, lossy, plays)


async def test_a_doubt_not_resolved_in_time_is_said_to_be_one(
    store: Store, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database stays away past `RESOLVE_SECONDS`: the record's fate is not known, and that is what is raised
    (the member is told so: ``common.db_unsure``), not "nothing was saved"."""
    lossy = Lossy(store)
    monkeypatch.setattr(store.db, "express_one", lossy)
    monkeypatch.setattr(inbox_module, "RESOLVE_SECONDS", 0.05)
    lossy.plan = [LOST_AFTER] + [DOWN] * 1000
    with pytest.raises(DatabaseOutcomeUnknown) as raised:
        await store.record_event("slack:command:x", COMMUNITY, "U1", "{}", clock.now(), "w1", lease=LEASE)
    assert raised.value.message_key == "common.db_unsure"
    assert lossy.calls >= 2
    lossy.plan = []
    assert "slack:command:x" in await _rows(store)  # it had committed: the recovery will process it


async def test_a_lost_record_is_found_again_on_the_next_attempt(store: Store, clock: ManualClock) -> None:
    """Committed, then the answer lost: the attempt that follows returns the same row (no second one), and a later
    redelivery of the event is still recognised."""
    lossy = Lossy(store)
    store.db.express_one = lossy  # type: ignore[method-assign]
    lossy.plan = [LOST_AFTER]
    first = await store.record_event("slack:command:y", COMMUNITY, "U1", "{}", clock.now(), "w1", lease=LEASE)
    rows = await _rows(store)
    assert first == rows["slack:command:y"][0] and lossy.calls == 2
    clock.advance(timedelta(seconds=1))
    again = await store.record_event("slack:command:y", COMMUNITY, "U1", "{}", clock.now(), "w1", lease=LEASE)
    assert again is None


# ----------------------------------------------------------------------------------------- the real PostgreSQL engine


@pytest.mark.postgres
@pytest.mark.parametrize("engine_store", ["postgresql"], indirect=True)
async def test_postgres_statement_lost_mid_way_is_a_doubt_and_a_dead_idle_connection_is_replaced(
    engine_store: Store, clock: ManualClock
) -> None:
    """On the real server: a statement whose backend is terminated while it runs raises `DatabaseOutcomeUnknown`
    (not "unavailable"); the express connection found dead afterwards is replaced without an error; the record
    is not waited for on the disk unless asked (``synchronous_commit``)."""
    store = engine_store
    await store.open(clock.now())
    db: Any = store.db
    assert (await db.express_one("SHOW synchronous_commit"))[0]["synchronous_commit"] == "off"
    pid = (await db.express_one("SELECT pg_backend_pid() AS pid"))[0]["pid"]
    admin = await asyncpg.connect(POSTGRES_URL)
    try:

        async def terminate_soon() -> None:
            await asyncio.sleep(0.3)
            await admin.execute("SELECT pg_terminate_backend($1)", pid)

        killer = asyncio.create_task(terminate_soon())
        with pytest.raises(DatabaseOutcomeUnknown):
            await db.express_one("SELECT pg_sleep(5)")
        await killer
        # The next one goes through on a new connection.
        assert (await db.express_one("SELECT pg_backend_pid() AS pid"))[0]["pid"] != pid
        # Ended while idle: found closed before anything is sent, and sent on a new connection.
        pid = (await db.express_one("SELECT pg_backend_pid() AS pid"))[0]["pid"]
        await admin.execute("SELECT pg_terminate_backend($1)", pid)
        await asyncio.sleep(0.2)
        assert (await db.express_one("SELECT 1 AS one"))[0]["one"] == 1
    finally:
        await admin.close()
    flushed = PostgresDatabase(db.url, schema=db.schema, flush_before_ack=True)
    await flushed.open()
    try:
        assert (await flushed.express_one("SHOW synchronous_commit"))[0]["synchronous_commit"] == "on"
    finally:
        await flushed.close()
