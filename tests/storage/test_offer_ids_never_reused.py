"""An offer's id is never given again, across ``db copy`` and schema upgrades, on both engines.

An offer's id names its direct message (the message key ``offer:<id>``): an id given twice edits the deleted
offer's message into the new offer, and the mentor who had it is not alerted. `copy_database` carries each
table's highest id ever given (SQLite's ``sqlite_sequence``, PostgreSQL's sequences), also for an empty table;
migration 0016 raises the offers' counter above every id an offer is still known by (the offers, their expiry
timers, the ``offer:<id>`` keys of message refs and the outbox), which 0015 (SQLite's ``AUTOINCREMENT``) did not.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

import pytest

from mentorbot.clock import ManualClock
from mentorbot.models import JobKind, Level, NewMentorProfile, Offer
from mentorbot.storage import migrations
from mentorbot.storage.copying import copy_database
from mentorbot.storage.migrations import available_migrations
from mentorbot.storage.store import Store
from tests.conftest import make_store

C = "test:community"
HOUR = timedelta(hours=1)
PAIRS = [
    pytest.param("sqlite", "postgresql", marks=pytest.mark.postgres, id="sqlite-to-postgresql"),
    pytest.param("postgresql", "sqlite", marks=pytest.mark.postgres, id="postgresql-to-sqlite"),
    pytest.param("sqlite", "sqlite", id="sqlite-to-sqlite"),
    pytest.param("postgresql", "postgresql", marks=pytest.mark.postgres, id="postgresql-to-postgresql"),
]


@asynccontextmanager
async def opened(engine: str, folder: Path) -> AsyncIterator[Store]:
    """A fresh store on `engine` whose engine is open but not migrated; dropped (its schema, on PostgreSQL)
    afterwards."""
    made(folder)
    stores = make_store(engine, folder)
    store = await anext(stores)
    try:
        await store.db.open()
        yield store
    finally:
        await anext(stores, None)  # the rest of `make_store`: close, drop the schema


def made(folder: Path) -> Path:
    """`folder`, created (each store of a test in its own)."""
    folder.mkdir()
    return folder


async def mentor_with_offers(store: Store, clock: ManualClock, mentees: int) -> tuple[int, list[int], list[Offer]]:
    """A mentor, `mentees` members with one request each, and the mentor's offer of each request."""
    now = clock.now()
    mentor = await store.ensure_member(C, "u-mentor", "Mentor", now)
    await store.save_mentor_profile(
        mentor.id, NewMentorProfile({"seo": Level.EXPERT}, mentees + 2, "bio", "UTC", ("en",)), now
    )
    members, offers = [], []
    for number in range(mentees):
        mentee = await store.ensure_member(C, f"u-mentee-{number}", f"Mentee {number}", now)
        request = await store.create_request(mentee.id, C, ["seo"], "", now, max_open=3)
        offer = await store.create_offer(request.id, mentor.id, 1.0, "why", now, now + HOUR)
        assert offer is not None
        members.append(mentee.id)
        offers.append(offer)
    return mentor.id, members, offers


async def forget(store: Store, clock: ManualClock, member_id: int) -> None:
    """Forget a member as `/mentor forget` does (their requests, and the offers of them, are deleted)."""
    async with store.unit_of_work():
        await store.prepare_forget(member_id, clock.now())
        await store.forget_member(member_id, clock.now())


async def new_offer(store: Store, clock: ManualClock, mentor_id: int, name: str) -> Offer:
    """A new member's request, offered to the mentor."""
    now = clock.now()
    newcomer = await store.ensure_member(C, f"u-{name}", name, now)
    request = await store.create_request(newcomer.id, C, ["seo"], "", now, max_open=3)
    offer = await store.create_offer(request.id, mentor_id, 1.0, "why", now, now + HOUR)
    assert offer is not None
    return offer


@pytest.mark.parametrize("forgotten", ["the newest offer's mentee", "every mentee"])
@pytest.mark.parametrize(("source_engine", "target_engine"), PAIRS)
async def test_after_a_copy_no_offer_id_of_the_source_is_given_again(
    source_engine: str, target_engine: str, forgotten: str, tmp_path: Path, clock: ManualClock
) -> None:
    async with (
        opened(source_engine, tmp_path / "source") as source,
        opened(target_engine, tmp_path / "target") as target,
    ):
        await source.open(clock.now())
        mentor, mentees, offers = await mentor_with_offers(source, clock, 3)
        newest = offers[-1]
        await source.remember_message(C, "u-mentor", f"offer:{newest.id}", "D1:100.1", clock.now())
        for mentee in mentees if forgotten == "every mentee" else mentees[-1:]:
            await forget(source, clock, mentee)
        left = await source.list_offers(mentor_id=mentor)
        assert [o.id for o in left] == ([] if forgotten == "every mentee" else [o.id for o in offers[:-1]])
        given = max(o.id for o in offers)

        checks = await copy_database(source.db, target.db, clock.now())
        assert all(check.ok for check in checks)

        offer = await new_offer(target, clock, mentor, "Newcomer")
        assert offer.id > given, f"offer id {offer.id} was given on the source already"
        assert await target.message_location(C, "u-mentor", f"offer:{offer.id}") is None
        # and the copy carries the counter on, so that a second copy (back, or on) carries it too
        from mentorbot.storage.introspection import ids_given

        async with target.db.read() as conn:
            assert (await ids_given(conn, target.db.dialect, ["offers"]))["offers"] >= offer.id


@pytest.mark.parametrize("engine", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def test_a_replaced_target_gives_no_id_it_gave_before(engine: str, tmp_path: Path, clock: ManualClock) -> None:
    async with opened("sqlite", tmp_path / "source") as source, opened(engine, tmp_path / "target") as target:
        await source.open(clock.now())
        mentor, _, _ = await mentor_with_offers(source, clock, 1)
        await target.open(clock.now())
        _, _, before = await mentor_with_offers(target, clock, 5)
        await copy_database(source.db, target.db, clock.now(), replace=True)
        offer = await new_offer(target, clock, mentor, "Newcomer")
        assert offer.id > max(o.id for o in before)


def _up_to(monkeypatch: pytest.MonkeyPatch, dialect: str, version: int) -> None:
    everything = available_migrations(dialect)
    monkeypatch.setattr(migrations, "available_migrations", lambda d: [m for m in everything if m.version <= version])


async def test_an_offer_deleted_before_the_upgrade_keeps_its_id_to_itself(
    engine_store: Store, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The sequence of /tmp/hunt-storage/mig15.py: at version 14, the newest offer's mentee is forgotten (the offer
    # goes), the mentor's message of it stays; 0015 then started AUTOINCREMENT at the highest id still present.
    store = engine_store
    _up_to(monkeypatch, store.db.dialect, 14)
    assert await store.open(clock.now()) == 14
    mentor, mentees, offers = await mentor_with_offers(store, clock, 2)
    await store.remember_message(C, "u-mentor", f"offer:{offers[-1].id}", "D1:100.1", clock.now())

    async def no_record(conn: object, member_id: int, now: object) -> None:
        """Version 14's forget: no record of it (`forgotten_members` came with 0026)."""

    monkeypatch.setattr("mentorbot.storage.privacy._record_forget", no_record)
    await forget(store, clock, mentees[-1])
    monkeypatch.undo()
    latest = available_migrations(store.db.dialect)[-1].version
    assert await migrations.migrate(store.db, clock.now()) == latest
    offer = await new_offer(store, clock, mentor, "Newcomer")
    assert offer.id > offers[-1].id
    assert await store.message_location(C, "u-mentor", f"offer:{offer.id}") is None


async def _lower_the_counter_to_the_highest_offer(store: Store) -> None:
    """The state 0015 left on SQLite, and the old `db copy` on PostgreSQL: the offers' counter at the highest
    offer id present."""
    async with store.transaction() as conn:
        if store.db.dialect == "sqlite":
            await conn.execute("UPDATE sqlite_sequence SET seq = (SELECT MAX(id) FROM offers) WHERE name = 'offers'")
        else:
            await conn.execute("SELECT setval(pg_get_serial_sequence('offers', 'id'), (SELECT MAX(id) FROM offers))")


async def test_0016_raises_the_counter_above_every_offer_id_still_known(
    engine_store: Store, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = engine_store
    _up_to(monkeypatch, store.db.dialect, 15)
    assert await store.open(clock.now()) == 15
    mentor, _, offers = await mentor_with_offers(store, clock, 2)
    assert [o.id for o in offers] == [1, 2]
    async with store.transaction() as conn:
        await conn.execute("DELETE FROM offers WHERE id = 2")
    await _lower_the_counter_to_the_highest_offer(store)
    now = clock.now()
    # Where an offer's id outlives it: its expiry timer, the message refs and the outbox.
    async with store.transaction() as conn:
        for kind, ref in ((JobKind.OFFER_EXPIRY.value, 40), (JobKind.CHECKIN.value, 500)):
            await conn.execute(
                "INSERT INTO jobs (kind, ref_id, due_at, status, created_at, community) VALUES (?, ?, ?, ?, ?, ?)",
                kind,
                ref,
                now,
                "done",
                now,
                C,
            )
        for key in ("offer:42", "mentorship:980", None):
            await conn.execute(
                "INSERT INTO outbox (member_id, platform_user_id, community, language, message_key, payload, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                mentor,
                "u-mentor",
                C,
                "en",
                key,
                "{}",
                now,
            )
    # Only a key that is exactly "offer:" and digits is an offer's: the rest are left out (one of 20 digits too,
    # which would not fit the counter).
    for key in ("offer:41", "offer:900x", "Offer:901", "offer:", "offer:99999999999999999999", "request:950"):
        await store.remember_message(C, "u-mentor", key, "D1:1.1", now)
    for key in ("offer:-960", "offer: 970", "offer:1e3", "xoffer:990", "offer:995 "):
        await store.remember_message(C, "u-mentor", key, "D1:1.1", now)
    monkeypatch.undo()
    assert await migrations.migrate(store.db, now) == available_migrations(store.db.dialect)[-1].version
    offer = await new_offer(store, clock, mentor, "Newcomer")
    assert offer.id == 43, "above offer:42 (the outbox), offer:41 (a message ref), timer 40 and the offers"


async def test_0016_leaves_a_counter_above_every_trace_as_it_is(
    engine_store: Store, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = engine_store
    _up_to(monkeypatch, store.db.dialect, 15)
    assert await store.open(clock.now()) == 15
    mentor, _, offers = await mentor_with_offers(store, clock, 3)
    async with store.transaction() as conn:
        await conn.execute("DELETE FROM jobs WHERE kind = 'offer_expiry'")
        await conn.execute("DELETE FROM offers WHERE id = ?", offers[-1].id)
    monkeypatch.undo()
    await migrations.migrate(store.db, clock.now())
    offer = await new_offer(store, clock, mentor, "Newcomer")
    assert offer.id == offers[-1].id + 1, "never lowered, and no id used up by the upgrade"
