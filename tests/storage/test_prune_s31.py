"""Rows that only grew (an operations hunt, /tmp/hunt/ops/prune.py): timers that ended (done, cancelled) were never
deleted, nor notices held for members who never came back. The timers' pruning block now deletes an ended timer
`FINISHED_JOB_RETENTION` after it was due and a held notice `HELD_NOTICE_RETENTION` (the message-ref retention)
after it was written; on both engines."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from mentorbot.library import Library
from mentorbot.replies import Notification, Reply
from mentorbot.settings import Settings
from mentorbot.storage.store import Store
from mentorbot.usecases.timers import (
    FINISHED_JOB_RETENTION,
    HELD_NOTICE_RETENTION,
    MESSAGE_REF_RETENTION,
)
from tests.conftest import held_payloads

C = "prune:test"
DAY = timedelta(days=1)
STATUSES = ("pending", "running", "done", "cancelled")


async def _job(store: Store, ref_id: int, status: str, due: datetime, now: datetime) -> int:
    async with store.transaction() as conn:
        row = await conn.fetch_one(
            "INSERT INTO jobs (kind, ref_id, due_at, status, created_at, community) "
            "VALUES ('checkin', ?, ?, ?, ?, ?) RETURNING id",
            ref_id,
            due,
            status,
            now,
            C,
        )
    assert row is not None
    return int(row["id"])


async def _jobs(store: Store) -> dict[int, str]:
    async with store.read() as conn:
        return {int(r["id"]): str(r["status"]) for r in await conn.fetch_all("SELECT id, status FROM jobs")}


async def _outbox(store: Store) -> dict[int, str]:
    async with store.read() as conn:
        return {int(r["id"]): str(r["status"]) for r in await conn.fetch_all("SELECT id, status FROM outbox")}


job_plans = st.lists(st.tuples(st.sampled_from(STATUSES), st.integers(-30, 30)), min_size=1, max_size=12)


@given(plan=job_plans, cutoff=st.integers(-20, 20))
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
async def test_only_ended_timers_due_before_the_cutoff_are_pruned(
    store: Store, clock: ManualClock, plan: list[tuple[str, int]], cutoff: int
) -> None:
    async with store.transaction() as conn:
        await conn.execute("DELETE FROM jobs")
    now = clock.now()
    made = {
        await _job(store, i, status, now + days * DAY, now): (status, days) for i, (status, days) in enumerate(plan)
    }
    gone = await store.prune_jobs(now + cutoff * DAY)
    left = await _jobs(store)
    expected = {
        job_id: status for job_id, (status, days) in made.items() if status in ("pending", "running") or days >= cutoff
    }
    assert left == expected
    assert gone == len(made) - len(expected)


async def test_held_notices_are_pruned_by_age_and_nothing_else_is(store: Store, clock: ManualClock) -> None:
    member = await store.ensure_member(C, "U1", "One", clock.now())
    await store.hold_notice(member.id, '{"text": "old"}', clock.now(), key="offer:1")
    pending = Notification(member.id, "U1", Reply("pending"), None, community=C, language="en")
    async with store.unit_of_work():
        [written] = await store.enqueue([pending], clock.now(), "w1", lease=timedelta(minutes=2))
    clock.advance(HELD_NOTICE_RETENTION - DAY)
    await store.hold_notice(member.id, '{"text": "recent"}', clock.now())
    clock.advance(2 * DAY)
    assert await store.prune_held_notices(clock.now() - HELD_NOTICE_RETENTION) == 1
    assert set((await _outbox(store)).values()) == {"held", "pending"}
    assert written.outbox_id in await _outbox(store)
    assert await held_payloads(store, member.id, clock.now()) == ['{"text": "recent"}']


async def test_the_timers_pruning_block_deletes_ended_timers_and_stale_held_notices(
    store: Store, clock: ManualClock
) -> None:
    """Before: /tmp/hunt/ops/prune.py changed nothing on a community a year old."""
    assert HELD_NOTICE_RETENTION == MESSAGE_REF_RETENTION
    settings_ = Settings(_env_file=None)  # type: ignore[call-arg]
    bot = MentorBot(store, Library(settings_.skills_file, settings_.courses_file), settings_, clock, worker_id="w")
    member = await store.ensure_member(C, "U1", "One", clock.now())
    now = clock.now()
    done = await _job(store, 1, "done", now, now)
    cancelled = await _job(store, 2, "cancelled", now + 2 * DAY, now)
    pending = await _job(store, 3, "pending", now + 400 * DAY, now)
    await store.hold_notice(member.id, '{"text": "never seen"}', now)
    clock.advance(FINISHED_JOB_RETENTION + 3 * DAY)
    recent = await _job(store, 4, "done", clock.now(), clock.now())
    await bot.run_due_jobs()
    left = await _jobs(store)
    assert done not in left and cancelled not in left
    assert left[pending] == "pending" and left[recent] == "done"
    assert await store.has_held_notices(member.id), "a notice held for less than the retention stays"
    clock.advance(HELD_NOTICE_RETENTION)
    await bot.run_due_jobs()
    assert not await store.has_held_notices(member.id)
    assert recent not in await _jobs(store) and pending in await _jobs(store)
