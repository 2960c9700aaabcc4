"""Timer units and the sweep's units are run again when a concurrent unit aborted them (a PostgreSQL deadlock or
serialization failure), as use-cases are (`handler.retrying`). Found by the multi-process hunt: two offer
expiries running at once in two processes deadlocked every time (each locks its mentee and its mentor's profile,
then passes its request on to the other's mentor); the loser was logged as a bug, its timer stayed `running` until
its lease ran out and its request was passed on minutes late. A unit run again is rolled back wholly first, so a
weekly timer's digest or round report is never written twice."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.library import Library
from mentorbot.models import JobKind, MentorStatus, OfferStatus, RequestStatus
from mentorbot.replies import Notification
from mentorbot.storage.store import Store
from mentorbot.usecases import matchmaking, timers
from tests.conftest import make_store, store_on_same_database
from tests.usecases.conftest import COMMUNITY, make_settings

Who = Callable[..., Caller]
LEASE = timedelta(minutes=5)


class Conflict(Exception):
    """What the driver raises when PostgreSQL aborted a transaction for a deadlock (its SQLSTATE)."""

    sqlstate = "40P01"


@pytest.fixture
async def pg_store(tmp_path: Path, clock: ManualClock) -> AsyncIterator[Store]:
    """A fresh store on PostgreSQL (the deadlocks are PostgreSQL's: SQLite runs one writer at a time)."""
    async for store in make_store("postgresql", tmp_path):
        await store.open(clock.now())
        yield store


@pytest.fixture
async def second_store(pg_store: Store, clock: ManualClock) -> AsyncIterator[Store]:
    """Another process's store over the same database (its own pool)."""
    other = store_on_same_database(pg_store)
    await other.open(clock.now())
    yield other
    await other.close()


def two_bots(first: Store, second: Store, library: Library, clock: ManualClock) -> tuple[MentorBot, MentorBot]:
    settings = make_settings(offer_ttl_hours=1.0)
    return (
        MentorBot(first, library, settings, clock, worker_id="A"),
        MentorBot(second, library, settings, clock, worker_id="B"),
    )


async def two_expiring_offers(bot: MentorBot, clock: ManualClock, who: Who) -> None:
    """Mentors m1 and m2 (SEO, two places each); x's request is offered to m1, y's to m2; both offers expire."""
    for mentor in ("m1", "m2"):
        await bot.signup(who(mentor), skills="seo", capacity="2")
    for mentee in ("x", "y"):
        await bot.request(who(mentee), skills="seo")
    clock.advance(timedelta(hours=1, minutes=1))


async def assert_both_passed_on(store: Store) -> None:
    """Both first offers expired, and each request is offered to the other mentor now."""
    offers = sorted(await store.list_offers(), key=lambda o: o.id)
    first = {o.request_id: o for o in offers[:2]}
    assert {o.status for o in first.values()} == {OfferStatus.EXPIRED}
    for request_id, expired in first.items():
        pending = [o for o in offers if o.request_id == request_id and o.status is OfferStatus.PENDING]
        assert len(pending) == 1, offers
        assert pending[0].mentor_id != expired.mentor_id
    for request_id in first:
        request = await store.get_request(request_id)
        assert request is not None and request.status is RequestStatus.OFFERED


def errors_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


async def test_two_expiries_in_two_processes_both_pass_their_request_on(
    pg_store: Store,
    second_store: Store,
    library: Library,
    clock: ManualClock,
    who: Who,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Each process runs one expiry at the same moment: both go through in that round, nothing is logged as a
    bug, and both timers are done (none left `running` until its lease runs out)."""
    a, b = two_bots(pg_store, second_store, library, clock)
    await two_expiring_offers(a, clock, who)
    [job_a] = await pg_store.claim_due_jobs(clock.now(), "A", lease=LEASE, limit=1)
    [job_b] = await second_store.claim_due_jobs(clock.now(), "B", lease=LEASE, limit=1)
    assert job_a.kind is job_b.kind is JobKind.OFFER_EXPIRY and job_a.ref_id != job_b.ref_id
    with caplog.at_level(logging.INFO, logger="mentorbot"):
        done = await asyncio.gather(
            a._timers.run_claimed(job_a, lease=LEASE), b._timers.run_claimed(job_b, lease=LEASE)
        )
    assert errors_of(caplog) == []
    await assert_both_passed_on(pg_store)
    # Each expiry told its mentor and the other mentor of the request passed on.
    assert all(len(notes) >= 2 for notes in done), done
    async with pg_store.db.read() as conn:
        rows = await conn.fetch_all("SELECT ref_id, status FROM jobs WHERE kind = 'offer_expiry' ORDER BY ref_id")
    statuses = {row["ref_id"]: row["status"] for row in rows}
    assert statuses[job_a.ref_id] != "running" and statuses[job_b.ref_id] != "running", statuses


async def test_through_each_processs_timer_round_no_error_is_logged(
    pg_store: Store,
    second_store: Store,
    library: Library,
    clock: ManualClock,
    who: Who,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As `run_timers` runs them: each process's round claims one of the two due expiries. A conflict met and
    run again is an INFO line, never an ERROR with a traceback."""
    a, b = two_bots(pg_store, second_store, library, clock)
    await two_expiring_offers(a, clock, who)
    for store in (pg_store, second_store):
        monkeypatch.setattr(store, "claim_due_jobs", functools.partial(store.claim_due_jobs, limit=1))
    with caplog.at_level(logging.INFO, logger="mentorbot"):
        await asyncio.gather(a.run_due_jobs(lease=LEASE), b.run_due_jobs(lease=LEASE))
    assert errors_of(caplog) == []
    assert not [r for r in caplog.records if r.exc_info], "no traceback for a conflict run again"
    await assert_both_passed_on(pg_store)


async def test_a_conflict_that_persists_is_logged_as_before(
    store: Store,
    library: Library,
    clock: ManualClock,
    who: Who,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A unit aborted on every try is given up after `UNIT_ATTEMPTS`: logged with its correlation id, its timer
    left to its lease (run again by a later round)."""
    bot = MentorBot(store, library, make_settings(offer_ttl_hours=1.0), clock, worker_id="A")
    await bot.signup(who("m1"), skills="seo")
    await bot.request(who("x"), skills="seo")
    clock.advance(timedelta(hours=1, minutes=1))
    tries: list[int] = []

    async def always(core: Any, kind: JobKind, ref_id: int) -> list[Notification]:
        tries.append(ref_id)
        raise Conflict("deadlock detected")

    monkeypatch.setattr(timers, "run_job", always)
    with caplog.at_level(logging.INFO, logger="mentorbot"):
        assert await bot.run_due_jobs(lease=LEASE) == []
    assert len(tries) == 3
    [error] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert "timer offer_expiry" in error.getMessage() and error.exc_info is not None
    retried = [r for r in caplog.records if "running it again" in r.getMessage()]
    assert len(retried) == 2 and all(r.levelno < logging.ERROR for r in retried)
    [offer] = await store.list_offers()
    assert offer.status is OfferStatus.PENDING, "the unit was rolled back"


async def test_a_timer_aborted_once_is_run_again_and_goes_through(
    store: Store,
    library: Library,
    clock: ManualClock,
    who: Who,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The first run of the expiry does its work, then its unit is aborted at the last statement: the second run,
    in a new transaction, does it again, once."""
    bot = MentorBot(store, library, make_settings(offer_ttl_hours=1.0), clock, worker_id="A")
    await bot.signup(who("m1"), skills="seo")
    await bot.signup(who("m2"), skills="seo")
    await bot.request(who("x"), skills="seo")
    clock.advance(timedelta(hours=1, minutes=1))
    real = store.finish_job
    aborted: list[int] = []

    async def aborts_once(job_id: int, worker: str) -> bool:
        done = await real(job_id, worker)
        if not aborted:
            aborted.append(job_id)
            raise Conflict("deadlock detected")
        return done

    monkeypatch.setattr(store, "finish_job", aborts_once)
    with caplog.at_level(logging.INFO, logger="mentorbot"):
        notes = await bot.run_due_jobs(lease=LEASE)
    assert aborted and errors_of(caplog) == []
    assert len([n for n in notes if n.platform_user_id == "U-m1"]) == 1, "the expiry notice once"
    offers = await store.list_offers()
    assert sorted(o.status.value for o in offers) == ["expired", "pending"]
    assert await store.count_undelivered() == len(notes)


@pytest.mark.parametrize("kind", ["digest", "round"])
async def test_a_weekly_timer_run_again_after_a_conflict_is_sent_once(
    store: Store,
    library: Library,
    clock: ManualClock,
    who: Who,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
) -> None:
    """The digest's or the scheduled round's unit writes its notices to the outbox, then is aborted: it is rolled
    back wholly before it runs again, so the admins get one digest (one round report) and the round's offers are
    made once."""
    extra: dict[str, object] = (
        {"digest": "mon 08:00"}
        if kind == "digest"
        else {
            "matching": "rounds",
            "round_schedule": "mon 08:00",
        }
    )
    bot = MentorBot(store, library, make_settings(**extra), clock, worker_id="A")
    await bot.set_language(who("admin", is_admin=True), language="en")
    await bot.signup(who("m1"), skills="seo", capacity="2")
    await bot.request(who("x"), skills="seo")
    await bot.request(who("y"), skills="seo")
    await bot.run_due_jobs(lease=LEASE)  # makes the weekly timer
    clock.advance(timedelta(days=7))
    real = store.enqueue
    aborted: list[bool] = []

    async def aborts_once(notes: Any, *args: Any, **kwargs: Any) -> list[Notification]:
        written = await real(notes, *args, **kwargs)
        if not aborted and any(n.platform_user_id == "U-admin" for n in notes):
            aborted.append(True)
            raise Conflict("deadlock detected")
        return written

    monkeypatch.setattr(store, "enqueue", aborts_once)
    with caplog.at_level(logging.INFO, logger="mentorbot"):
        notes = await bot.run_due_jobs(lease=LEASE)
    assert aborted and errors_of(caplog) == []
    monkeypatch.undo()
    to_admin = [n for n in notes if n.platform_user_id == "U-admin"]
    assert len(to_admin) == 1, to_admin
    waiting = await store.claim_undelivered(clock.now() + timedelta(days=1), "counter", lease=timedelta(minutes=1))
    assert len([n for n in waiting if n.platform_user_id == "U-admin"]) == 1, "one in the outbox"
    if kind == "round":
        offers = await store.list_offers()
        assert len(offers) == 2 and len({o.request_id for o in offers}) == 2, offers


async def test_a_sweep_unit_aborted_once_is_run_again(
    store: Store,
    library: Library,
    clock: ManualClock,
    who: Who,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The sweep's unit for one waiting request is aborted by a concurrent unit: it is run again at once, and the
    request is offered in this sweep, with no error logged."""
    bot = MentorBot(store, library, make_settings(), clock, worker_id="A")
    await bot.signup(who("m1"), skills="seo")
    mentor = await store.find_member(COMMUNITY, "U-m1")
    assert mentor is not None
    await store.set_mentor_status(mentor.id, MentorStatus.PAUSED, clock.now())
    await bot.request(who("x"), skills="seo")  # waits: the only mentor is paused
    # Back without the live matching seeing it (as a place freed by a unit that failed to hand it on).
    await store.set_mentor_status(mentor.id, MentorStatus.ACTIVE, clock.now())
    assert await store.list_offers() == []
    real = matchmaking.requeue_quietly
    aborted: list[bool] = []

    async def aborts_once(core: Any, request: Any) -> list[Notification]:
        found = await real(core, request)
        if not aborted:
            aborted.append(True)
            raise Conflict("deadlock detected")
        return found

    monkeypatch.setattr(timers, "requeue_quietly", aborts_once)
    with caplog.at_level(logging.INFO, logger="mentorbot"):
        notes = await bot._timers.sweep()
    assert aborted and errors_of(caplog) == []
    assert [n.platform_user_id for n in notes].count("U-m1") == 1
    [offer] = await store.list_offers()
    assert offer.status is OfferStatus.PENDING
    request = await store.get_request(offer.request_id)
    assert request is not None and request.status is RequestStatus.OFFERED
    assert any("running it again" in r.getMessage() for r in caplog.records)
