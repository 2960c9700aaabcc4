"""A timer whose lease ran out while its process was busy with the timers claimed before it, and that another
process took over, is run by that process only: the first leaves it (`Timers.run_claimed` renews its claim
conditionally as the unit's first statement). Before, the first process ran it anyway when it got to it: the
admins had the weekly digest, or a scheduled round's report, twice."""

from __future__ import annotations

from datetime import timedelta

from mentorbot.clock import ManualClock
from mentorbot.library import Library
from mentorbot.models import JobKind
from mentorbot.storage.store import Store
from tests.usecases.conftest import to
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
