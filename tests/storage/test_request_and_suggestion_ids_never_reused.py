"""A request's or a suggestion's id is never given again, after a forget and across ``db copy``, on both engines.

A suggestion's id is on its Approve / Reject buttons in the admins' review queue, a request's in its message key
(``request:<id>``) and in what members type (``/mentor cancel 12``). SQLite gave a deleted newest row's id to the
next row (no ``AUTOINCREMENT``): an admin's stale Approve #1, clicked after the first suggestion's author forgot
their data, approved another member's newer suggestion. Migration 0019 rebuilds both tables with
``AUTOINCREMENT`` on SQLite (PostgreSQL's sequences never give an id twice); `copy_database` carries the counters.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from mentorbot.clock import ManualClock
from mentorbot.storage import migrations
from mentorbot.storage.copying import copy_database
from mentorbot.storage.introspection import ids_given
from mentorbot.storage.migrations import available_migrations
from mentorbot.storage.store import Store, Suggestion
from tests.conftest import make_store

C = "test:community"
PAIRS = [
    pytest.param("sqlite", "postgresql", marks=pytest.mark.postgres, id="sqlite-to-postgresql"),
    pytest.param("postgresql", "sqlite", marks=pytest.mark.postgres, id="postgresql-to-sqlite"),
    pytest.param("sqlite", "sqlite", id="sqlite-to-sqlite"),
]


async def forget(store: Store, clock: ManualClock, member_id: int) -> None:
    """Forget a member as `/mentor forget` does (their requests and pending suggestions are deleted)."""
    async with store.unit_of_work():
        await store.prepare_forget(member_id, clock.now())
        await store.forget_member(member_id, clock.now())


async def suggestion(store: Store, clock: ManualClock, member_id: int, name: str) -> Suggestion:
    made = await store.suggest_course(
        C,
        member_id,
        url=f"https://{name}.example/course",
        url_key=f"{name}.example/course",
        title=f"{name} course",
        skills=["seo"],
        note="",
        now=clock.now(),
    )
    assert made is not None
    return made


async def test_a_forgotten_members_suggestion_id_is_never_given_again(store: Store, clock: ManualClock) -> None:
    """The hunt's sequence: the admin sees #N with its Approve button; its author forgets their data; another
    member suggests something; Approve #N must not approve that one."""
    author = await store.ensure_member(C, "u-author", "Author", clock.now())
    other = await store.ensure_member(C, "u-other", "Other", clock.now())
    seen = await suggestion(store, clock, author.id, "good")
    await forget(store, clock, author.id)
    newer = await suggestion(store, clock, other.id, "spam")
    assert newer.id > seen.id, f"suggestion #{seen.id} was given again"
    stale = await store.decide_suggestion(C, seen.id, approve=True, admin="u-admin", reason=None, now=clock.now())
    assert stale is None, "the stale Approve button approved another member's suggestion"


async def test_a_forgotten_members_request_id_is_never_given_again(store: Store, clock: ManualClock) -> None:
    leaving = await store.ensure_member(C, "u-leaving", "Leaving", clock.now())
    staying = await store.ensure_member(C, "u-staying", "Staying", clock.now())
    first = await store.create_request(leaving.id, C, ["seo"], "", clock.now(), max_open=3)
    await forget(store, clock, leaving.id)
    again = await store.create_request(staying.id, C, ["seo"], "", clock.now(), max_open=3)
    assert again.id > first.id, f"request #{first.id} was given again"


def made(folder: Path) -> Path:
    """`folder`, created (each store of a test in its own)."""
    folder.mkdir()
    return folder


@asynccontextmanager
async def opened(engine: str, folder: Path, clock: ManualClock) -> AsyncIterator[Store]:
    """A fresh, migrated store on `engine` in `folder` (made); dropped afterwards."""
    stores = make_store(engine, made(folder))
    store = await anext(stores)
    try:
        await store.open(clock.now())
        yield store
    finally:
        await anext(stores, None)


@pytest.mark.parametrize(("source_engine", "target_engine"), PAIRS)
async def test_after_a_copy_no_request_or_suggestion_id_of_the_source_is_given_again(
    source_engine: str, target_engine: str, tmp_path: Path, clock: ManualClock
) -> None:
    async with (
        opened(source_engine, tmp_path / "source", clock) as source,
        opened(target_engine, tmp_path / "target", clock) as target,
    ):
        leaving = await source.ensure_member(C, "u-leaving", "Leaving", clock.now())
        staying = await source.ensure_member(C, "u-staying", "Staying", clock.now())
        request = await source.create_request(leaving.id, C, ["seo"], "", clock.now(), max_open=3)
        suggested = await suggestion(source, clock, leaving.id, "good")
        await forget(source, clock, leaving.id)  # both tables are empty now: only their counters remember

        assert all(check.ok for check in await copy_database(source.db, target.db, clock.now()))

        again = await target.create_request(staying.id, C, ["seo"], "", clock.now(), max_open=3)
        newer = await suggestion(target, clock, staying.id, "spam")
        assert again.id > request.id and newer.id > suggested.id
        async with target.db.read() as conn:
            given = await ids_given(conn, target.db.dialect, ["requests", "course_suggestions"])
        assert given == {"requests": again.id, "course_suggestions": newer.id}, "carried on to the next copy"


def _up_to(monkeypatch: pytest.MonkeyPatch, dialect: str, version: int) -> None:
    everything = available_migrations(dialect)
    monkeypatch.setattr(migrations, "available_migrations", lambda d: [m for m in everything if m.version <= version])


async def _lower_the_counters_to_the_highest_rows(store: Store) -> None:
    """The state the old `db copy` left on PostgreSQL: each sequence at the highest id present."""
    async with store.transaction() as conn:
        for table in ("requests", "course_suggestions"):
            await conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")


@pytest.mark.postgres
async def test_0020_raises_the_counters_above_every_id_still_known(
    tmp_path: Path, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    async for store in make_store("postgresql", tmp_path):
        await _raised_above_every_trace(store, clock, monkeypatch)


async def _raised_above_every_trace(store: Store, clock: ManualClock, monkeypatch: pytest.MonkeyPatch) -> None:
    _up_to(monkeypatch, "postgresql", 19)
    assert await store.open(clock.now()) == 19
    author = await store.ensure_member(C, "u-author", "Author", clock.now())
    requests = [await store.create_request(author.id, C, [skill], "", clock.now(), max_open=3) for skill in "ab"]
    suggestions = [await suggestion(store, clock, author.id, name) for name in ("one", "two")]
    async with store.transaction() as conn:
        await conn.execute("DELETE FROM requests WHERE id = ?", requests[-1].id)
        await conn.execute("DELETE FROM course_suggestions WHERE id = ?", suggestions[-1].id)
    await _lower_the_counters_to_the_highest_rows(store)
    now = clock.now()
    # Where the deleted rows' ids outlive them: the message refs and the outbox. Only a key that is exactly the
    # prefix and digits counts (one of 20 digits would not fit the counter).
    for key in ("request:7", "suggestion:9", "request:7x", "Request:80", "suggestion:99999999999999999999"):
        await store.remember_message(C, "u-author", key, "D1:1.1", now)
    async with store.transaction() as conn:
        for key in ("request:12", "suggestion:15", "offer:90"):
            await conn.execute(
                "INSERT INTO outbox (member_id, platform_user_id, community, language, message_key, payload, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                author.id,
                "u-author",
                C,
                "en",
                key,
                "{}",
                now,
            )
    monkeypatch.undo()
    assert await migrations.migrate(store.db, now) == available_migrations("postgresql")[-1].version
    again = await store.create_request(author.id, C, ["c"], "", clock.now(), max_open=3)
    newer = await suggestion(store, clock, author.id, "three")
    assert (again.id, newer.id) == (13, 16), "above request:12 / suggestion:15 (the outbox) and the message refs"


async def test_0020_leaves_counters_above_every_trace_as_they_are(
    engine_store: Store, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = engine_store
    _up_to(monkeypatch, store.db.dialect, 19)
    assert await store.open(clock.now()) == 19
    author = await store.ensure_member(C, "u-author", "Author", clock.now())
    first = await store.create_request(author.id, C, ["a"], "", clock.now(), max_open=3)
    second = await store.create_request(author.id, C, ["b"], "", clock.now(), max_open=3)
    made = await suggestion(store, clock, author.id, "one")
    async with store.transaction() as conn:
        await conn.execute("DELETE FROM requests WHERE id = ?", second.id)
    monkeypatch.undo()
    await migrations.migrate(store.db, clock.now())
    again = await store.create_request(author.id, C, ["c"], "", clock.now(), max_open=3)
    newer = await suggestion(store, clock, author.id, "two")
    assert (again.id, newer.id) == (second.id + 1, made.id + 1), "never lowered, and no id used up"
    assert first.id < second.id
