"""A timer whose lease ran out while its process was busy with the timers claimed before it, and that another
process took over, is run by that process only: the first leaves it (`Timers.run_claimed` renews its claim
conditionally as the unit's first statement). Before, the first process ran it anyway when it got to it: the
admins had the weekly digest, or a scheduled round's report, twice. The check takes no lock: the unit writes
the job's row last, as every transaction does."""

from __future__ import annotations

import asyncio
import contextvars
from datetime import timedelta
from typing import Any

import pytest

from mentorbot.clock import ManualClock
from mentorbot.library import Library
from mentorbot.models import JobKind, OfferStatus
from mentorbot.replies import Notification, Outcome
from mentorbot.storage.postgres_engine import PostgresConnection
from mentorbot.storage.sqlite_engine import SqliteConnection
from mentorbot.storage.store import Store
from mentorbot.usecases import insight, timers
from tests.usecases.conftest import COMMUNITY, offer_id, to
from tests.usecases.test_insight import Who, bot_with

LEASE = timedelta(minutes=5)


async def _digests(store: Store, clock: ManualClock) -> int:
    """Digests written to the outbox so far (whoever delivers them)."""
    pending = await store.claim_undelivered(clock.now() + timedelta(days=1), "counter", lease=timedelta(minutes=1))
    return sum(1 for n in pending if n.reply.attachments)


async def test_a_digest_taken_over_by_another_process_is_sent_once(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    first = bot_with(store, library, clock, worker="A", digest="mon 08:00")
    second = bot_with(store, library, clock, worker="B", digest="mon 08:00")
    await first.set_language(who("admin"), language="en")
    await first.signup(who("baraka"), skills="seo", capacity="1")
    await first.run_due_jobs()  # makes the weekly digest's timer
    clock.advance(timedelta(days=7))
    [job] = [j for j in await store.claim_due_jobs(clock.now(), "A", lease=LEASE) if j.kind is JobKind.DIGEST]
    clock.advance(LEASE + timedelta(minutes=1))  # A is busy with the timers claimed before this one
    by_second = [n for n in to(await second.run_due_jobs(lease=LEASE), "admin") if n.reply.attachments]
    assert len(by_second) == 1
    by_first = await first._timers.run_claimed(job, lease=LEASE)
    assert by_first == []
    assert await _digests(store, clock) == 1


async def test_a_timer_still_ours_is_held_and_run_once(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    """The claim renewed by the unit's first statement holds the timer: a second process that looks for due
    timers meanwhile does not take it, and it runs once, here."""
    first = bot_with(store, library, clock, worker="A", digest="mon 08:00")
    await first.set_language(who("admin"), language="en")
    await first.run_due_jobs()
    clock.advance(timedelta(days=7))
    [job] = [j for j in await store.claim_due_jobs(clock.now(), "A", lease=LEASE) if j.kind is JobKind.DIGEST]
    clock.advance(LEASE - timedelta(minutes=1))  # near the end of the lease, but still A's
    notes = await first._timers.run_claimed(job, lease=LEASE)
    assert len([n for n in notes if n.reply.attachments]) == 1
    clock.advance(timedelta(minutes=2))  # the first lease would have run out: the timer is pending for next week
    assert [j for j in await store.claim_due_jobs(clock.now(), "B", lease=LEASE) if j.kind is JobKind.DIGEST] == []


async def test_an_accept_while_the_offers_expiry_runs_is_not_deadlocked(
    store: Store, library: Library, clock: ManualClock, who: Who, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The timer's unit writes the job's row last, as every other transaction does (`storage.locks`). A first
    version of the takeover check renewed the claim as the unit's first statement: a mentor's accept, which locks
    the mentee and then cancels the expiry's job, and the expiry, holding the job and waiting for the mentee,
    deadlocked on PostgreSQL, and the accept was the one undone. Here the accept comes from another process just
    after the timer's first statement: it goes through, or (SQLite, where the timer's unit excludes every other
    writer) finds the offer expired; nothing fails either way."""
    first = bot_with(store, library, clock, worker="A", offer_ttl_hours=1.0)
    await first.signup(who("baraka"), skills="seo", capacity="2")
    offered = await first.request(who("amina"), skills="seo")
    offer = offer_id(to(offered, "baraka")[0])
    clock.advance(timedelta(hours=1, seconds=1))
    # The click, a second before the deadline, reaches the other process as the expiry's timer runs.
    second = bot_with(store, library, ManualClock(clock.now() - timedelta(seconds=2)), worker="B")
    [job] = [j for j in await store.claim_due_jobs(clock.now(), "A", lease=LEASE) if j.kind is JobKind.OFFER_EXPIRY]
    connection = SqliteConnection if store.db.dialect == "sqlite" else PostgresConnection
    timer: asyncio.Task[list[Notification]] | None = None
    accept: asyncio.Task[Outcome] | None = None
    original = connection.fetch_one

    async def hooked(self: Any, sql: str, *args: Any) -> Any:
        nonlocal accept
        result = await original(self, sql, *args)
        if asyncio.current_task() is timer and accept is None:  # the unit's first statement
            accept = asyncio.create_task(second.accept(who("baraka"), offer_id=offer), context=contextvars.Context())
            await asyncio.wait({accept}, timeout=0.3)
        return result

    monkeypatch.setattr(connection, "fetch_one", hooked)
    timer = asyncio.create_task(first._timers.run_claimed(job, lease=LEASE))
    await timer
    assert accept is not None
    answered = await accept
    assert answered.error is None or answered.error.key.startswith("offer."), answered
    mentorships = await store.list_mentorships(community=COMMUNITY)
    [state] = [o.status for o in await store.list_offers(request_id=1)]
    assert (len(mentorships), state) in ((1, OfferStatus.ACCEPTED), (0, OfferStatus.EXPIRED))
    if store.db.dialect == "postgresql":
        assert len(mentorships) == 1, "the mentor's click, made before the timer locked anything, goes through"


async def test_a_checkin_run_twice_is_sent_once(store: Store, library: Library, clock: ManualClock, who: Who) -> None:
    """A process that took a check-in's timer over runs it again: the check-in is marked sent in the same
    conditional statement, so the second run sends nothing (found by mutation testing: nothing ran one twice)."""
    bot = bot_with(store, library, clock)
    await bot.signup(who("bob"), skills="seo")
    offered = await bot.request(who("amina"), skills="seo")
    await bot.accept(who("bob"), offer_id=offer_id(to(offered, "bob")[0]))
    [mentorship] = await store.list_mentorships(active_only=True)
    clock.advance(timedelta(days=30))
    first = await timers.send_checkin(bot.core, mentorship.id)
    assert len(first) == 2 and await timers.send_checkin(bot.core, mentorship.id) == []


async def test_a_digest_taken_over_during_its_unit_is_sent_once(
    store: Store, library: Library, clock: ManualClock, who: Who, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Process A is past its check that the digest's timer is still its own, then stalls past the lease inside
    the unit; B takes the timer over and sends the digest. A's unit ends with the weekly timer's conditional move
    to next week, which fails, so A's digest is rolled back: one digest (found by mutation testing with that
    move made unconditional: two). On SQLite the unit's write lock keeps B out for its whole length."""
    if store.db.dialect != "postgresql":
        pytest.skip("SQLite's write lock keeps the other process out of A's unit for its whole length")
    first = bot_with(store, library, clock, worker="A", digest="mon 08:00")
    second = bot_with(store, library, clock, worker="B", digest="mon 08:00")
    await first.set_language(who("admin"), language="en")
    await first.signup(who("baraka"), skills="seo", capacity="1")
    await first.run_due_jobs()
    clock.advance(timedelta(days=7))
    [job] = [j for j in await store.claim_due_jobs(clock.now(), "A", lease=LEASE) if j.kind is JobKind.DIGEST]
    real = insight.digest
    by_second: list[Notification] = []
    stalled: list[bool] = []

    async def stalls_then_digest(*args: Any, **kwargs: Any) -> list[Notification]:
        if not stalled:  # A's call (B's own call, made meanwhile, goes straight on)
            stalled.append(True)
            clock.advance(LEASE + timedelta(minutes=1))
            # B is another process: its own context, outside A's unit of work.
            task = asyncio.get_running_loop().create_task(
                second.run_due_jobs(lease=LEASE), context=contextvars.Context()
            )
            by_second.extend(n for n in await asyncio.wait_for(task, 20) if n.reply.attachments)
        return await real(*args, **kwargs)

    monkeypatch.setattr(insight, "digest", stalls_then_digest)
    await first._timers.run_claimed(job, lease=LEASE)
    assert len(by_second) == 1, "B sent the digest"
    assert await _digests(store, clock) == 1, "A's was rolled back"
