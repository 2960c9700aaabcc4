"""A request matched again after its mentor was forgotten: its time to match runs from its return to the waitlist.

When a mentor runs `/mentor forget`, their mentee's request waits again (`privacy._reopen`). It kept its
`created_at`, so another mentor's accept an hour later measured the whole mentorship as the time to match: the
stats' median went from 2 hours to 42 days, the days chart put the match in "30+" and the week's digest said
"median time to match: 42.1 days". Migration 0021 adds `reopened_requests` (request, reopened_at; no row: it has
waited since `created_at`), and every figure measures from `COALESCE(reopened_at, created_at)`
(`insight.WAITING_SINCE`).
The re-match counts as a match in the week it happens, and the first match, the forgotten mentor's, no longer
counts (as a forget takes every other row of theirs out of the figures; docs/insight.md, Limits).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.library import Library
from mentorbot.models import RequestStatus
from mentorbot.replies import Outcome
from mentorbot.storage import migrations
from mentorbot.storage.copying import copy_database
from mentorbot.storage.migrations import available_migrations
from mentorbot.storage.store import Store
from tests.conftest import make_store, store_on_same_database
from tests.usecases.conftest import COMMUNITY, make_settings, offer_id, to

MONDAY = datetime(2026, 1, 5, tzinfo=UTC)
"""The week the clock starts in (`ManualClock` starts on Monday 2026-01-05 09:00 UTC)."""


def bot_over(store: Store, clock: ManualClock) -> MentorBot:
    settings = make_settings()
    return MentorBot(store, Library(settings.skills_file, settings.courses_file), settings, clock, worker_id="t")


def who(name: str) -> Caller:
    return Caller(COMMUNITY, f"U-{name}", name.capitalize())


def offered_to(outcome: Outcome) -> str:
    """The one mentor an outcome offers a request to."""
    [name] = [
        n.platform_user_id.removeprefix("U-")
        for n in outcome.notifications
        if any(b.action == "offer.accept" for b in n.reply.buttons)
    ]
    return name


async def accept(bot: MentorBot, outcome: Outcome) -> str:
    """The mentor offered the request in `outcome` accepts it; their name."""
    mentor = offered_to(outcome)
    accepted = await bot.accept(who(mentor), offer_id=offer_id(to(outcome, mentor)[0]))
    assert accepted.error is None
    return mentor


async def matched_in_two_hours(bot: MentorBot, clock: ManualClock, *mentors: str) -> str:
    """`mentors` mentor SEO, one place each; Amina asks (request #1) and is matched two hours later. The mentor."""
    for name in mentors:
        assert (await bot.signup(who(name), skills="seo", capacity=1)).error is None
    asked = await bot.request(who("amina"), skills="seo")
    clock.advance(timedelta(hours=2))
    return await accept(bot, asked)


async def forget_and_rematch(bot: MentorBot, clock: ManualClock, mentor: str) -> tuple[datetime, str]:
    """`mentor` forgets their data; the request, offered to another mentor at once, is accepted an hour later.
    When the forget was, and the new mentor."""
    forgot_at = clock.now()
    gone = await bot.forget(who(mentor), confirm=True)
    assert gone.error is None
    clock.advance(timedelta(hours=1))
    return forgot_at, await accept(bot, gone)


async def reopened_at(store: Store, request_id: int) -> object:
    """When request `request_id` went back on the waitlist, as stored; None: it never did."""
    async with store.read() as conn:
        row = await conn.fetch_one("SELECT reopened_at FROM reopened_requests WHERE request_id = ?", request_id)
    return None if row is None else row["reopened_at"]


async def test_a_rematch_after_a_six_week_mentorship_took_an_hour_not_six_weeks(
    store: Store, clock: ManualClock
) -> None:
    bot = bot_over(store, clock)
    first = await matched_in_two_hours(bot, clock, "baraka", "dina")
    assert (await store.stats(COMMUNITY)).median_time_to_match == timedelta(hours=2)
    assert await reopened_at(store, 1) is None, "a request that never went back waits since it was made"

    clock.advance(timedelta(weeks=6))
    forgot_at, second = await forget_and_rematch(bot, clock, first)
    assert second != first
    request = await store.get_request(1)
    assert request is not None and request.status is RequestStatus.MATCHED
    assert request.created_at == MONDAY + timedelta(hours=9), "the request keeps when it was made"
    assert request.matched_at == forgot_at + timedelta(hours=1)

    stats = await store.stats(COMMUNITY)
    assert stats.median_time_to_match == timedelta(hours=1), "from its return to the waitlist, not 6 weeks + 1 h"
    weeks = [MONDAY + timedelta(weeks=n) for n in range(7)]
    insight = await store.insight(COMMUNITY, weeks)
    assert insight.days_to_match == (1, 0, 0, 0, 0, 0, 0), "under a day, not 30+"
    # The re-match counts in its own week; the forgotten mentor's first match no longer counts anywhere.
    assert [(w.requests, w.matches) for w in insight.weeks] == [(1, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 1)]
    digest = await store.week_digest(COMMUNITY, weeks[-1], weeks[-1] + timedelta(days=7))
    assert digest.matches == 1
    assert digest.median_days_to_match == pytest.approx(1 / 24), "not 42.1 days"

    exported = await store.export_member(request.member_id)
    [mine] = exported["requests"]
    assert mine["reopened_at"] == forgot_at.isoformat(timespec="microseconds"), "the member's export has it too"


async def test_a_second_forgotten_mentor_measures_from_the_latest_return(store: Store, clock: ManualClock) -> None:
    bot = bot_over(store, clock)
    first = await matched_in_two_hours(bot, clock, "baraka", "dina", "wanjiru")
    clock.advance(timedelta(weeks=3))
    _, second = await forget_and_rematch(bot, clock, first)
    clock.advance(timedelta(weeks=4))
    forgot_at, third = await forget_and_rematch(bot, clock, second)
    assert third not in (first, second)
    stamp = await reopened_at(store, 1)
    assert stamp is not None and store_time(stamp) == forgot_at
    assert (await store.stats(COMMUNITY)).median_time_to_match == timedelta(hours=1)


def store_time(value: object) -> datetime:
    """A stored timestamp (ISO text in SQLite, a `datetime` from PostgreSQL) as an aware datetime."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value  # type: ignore[return-value]


async def test_the_upgrade_from_0020_keeps_the_figures_of_existing_rows(
    engine_store: Store, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Requests from before 0021 have no row: their time to match is from `created_at`, as it was; a forget after the
    upgrade then measures the re-match from the return to the waitlist. The upgrade is a restart: a new store over
    the same database migrates it as it opens."""
    old = engine_store
    everything = available_migrations(old.db.dialect)
    assert everything[20].version == 21 and everything[20].name == "reopened_requests"
    monkeypatch.setattr(migrations, "available_migrations", lambda d: [m for m in everything if m.version <= 20])
    assert await old.open(clock.now()) == 20
    # Today's matcher reads the tables of the migrations after 0021 (0022's kept exclusions): made beside version
    # 20 (each is IF NOT EXISTS), without 0021's, which is what this test upgrades to.
    async with old.db.transaction() as conn:
        for later in everything[21:]:
            for statement in migrations.split_statements(later.sql):
                await conn.execute(statement)
    first = await matched_in_two_hours(bot_over(old, clock), clock, "baraka", "dina")
    await old.close()

    monkeypatch.undo()
    store = store_on_same_database(old)
    try:
        assert await store.open(clock.now()) == everything[-1].version
        await _after_the_upgrade(store, clock, first)
    finally:
        await store.close()


async def _after_the_upgrade(store: Store, clock: ManualClock, first: str) -> None:
    assert await reopened_at(store, 1) is None
    request = await store.get_request(1)
    assert request is not None and request.status is RequestStatus.MATCHED
    assert (await store.stats(COMMUNITY)).median_time_to_match == timedelta(hours=2), "as before the upgrade"
    assert (await store.insight(COMMUNITY, [MONDAY])).days_to_match == (1, 0, 0, 0, 0, 0, 0)

    clock.advance(timedelta(weeks=6))
    await forget_and_rematch(bot_over(store, clock), clock, first)
    assert (await store.stats(COMMUNITY)).median_time_to_match == timedelta(hours=1)


async def test_the_rows_go_with_the_mentee_who_forgets(store: Store, clock: ManualClock) -> None:
    """Where the request goes (its mentee forgets their data), so does its reopening."""
    bot = bot_over(store, clock)
    first = await matched_in_two_hours(bot, clock, "baraka", "dina")
    clock.advance(timedelta(days=10))
    await forget_and_rematch(bot, clock, first)
    assert await reopened_at(store, 1) is not None
    assert (await bot.forget(who("amina"), confirm=True)).error is None
    assert await store.get_request(1) is None
    assert await reopened_at(store, 1) is None


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


@pytest.mark.parametrize(
    ("source_engine", "target_engine"),
    [
        pytest.param("sqlite", "postgresql", marks=pytest.mark.postgres, id="sqlite-to-postgresql"),
        pytest.param("postgresql", "sqlite", marks=pytest.mark.postgres, id="postgresql-to-sqlite"),
    ],
)
async def test_db_copy_carries_when_a_request_went_back(
    source_engine: str, target_engine: str, tmp_path: Path, clock: ManualClock
) -> None:
    async with (
        opened(source_engine, tmp_path / "source", clock) as source,
        opened(target_engine, tmp_path / "target", clock) as target,
    ):
        bot = bot_over(source, clock)
        first = await matched_in_two_hours(bot, clock, "baraka", "dina")
        clock.advance(timedelta(weeks=6))
        forgot_at, _ = await forget_and_rematch(bot, clock, first)
        assert all(check.ok for check in await copy_database(source.db, target.db, clock.now()))
        assert store_time(await reopened_at(target, 1)) == forgot_at
        assert (await target.stats(COMMUNITY)).median_time_to_match == timedelta(hours=1)
