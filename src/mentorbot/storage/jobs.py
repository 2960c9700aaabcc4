"""Timers: one job per (kind, object), scheduled inside the transaction that needs it, claimed by workers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Final, Literal, cast

from mentorbot.models import Job, JobKind
from mentorbot.storage import rows
from mentorbot.storage.database import Connection
from mentorbot.storage.sql import community_scope
from mentorbot.storage.units import Transactions

# The community of a timer's object, looked up when the timer is scheduled (one "?" each: the ref id).
_JOB_COMMUNITY: dict[JobKind, str] = {
    JobKind.OFFER_EXPIRY: "SELECT r.community FROM offers o JOIN requests r ON r.id = o.request_id WHERE o.id = ?",
    JobKind.CHECKIN: "SELECT m.community FROM mentorships m WHERE m.id = ?",
    JobKind.RESUME: "SELECT m.community FROM members m WHERE m.id = ?",
}


_INSERT = "INSERT INTO jobs (kind, ref_id, due_at, status, created_at, community) "
_RESCHEDULE = (
    "ON CONFLICT (kind, ref_id) DO UPDATE SET due_at = excluded.due_at, status = 'pending', "
    "claimed_by = NULL, claimed_until = NULL, community = excluded.community"
)
"""A timer already there (one per kind and ref id) is moved to the new time and made pending again, unclaimed."""
_UNLESS_PENDING = " WHERE jobs.status <> 'pending'"
"""`_RESCHEDULE`'s condition that leaves a pending timer as it is (`schedule`'s `keep_pending`)."""


def _schedule_sql(kind: JobKind, *, keep_pending: bool = False) -> str:
    """The upsert of one timer of `kind`; its arguments: kind, ref id, due, now, ref id (for its community)."""
    unless = _UNLESS_PENDING if keep_pending else ""
    return f"{_INSERT}VALUES (?, ?, ?, 'pending', ?, ({_JOB_COMMUNITY[kind]})) {_RESCHEDULE}{unless}"


async def schedule(
    conn: Connection, kind: JobKind, ref_id: int, due: datetime, now: datetime, *, keep_pending: bool = False
) -> None:
    """Schedule (or move) the one timer of `kind` for `ref_id`, inside the caller's transaction. With
    `keep_pending`, one pending already keeps its time: a timer that ran (or is running) is scheduled again, one
    that work done meanwhile scheduled anew is left (a check-in sent meanwhile schedules the next:
    `MentorshipStore.mark_checkin_sent`). The upsert's condition is read on the row as it is once any concurrent
    writer of it has committed (PostgreSQL's ``ON CONFLICT``; SQLite has one writer at a time)."""
    await conn.execute(_schedule_sql(kind, keep_pending=keep_pending), kind.value, ref_id, due, now, ref_id)


async def schedule_many(
    conn: Connection,
    kind: JobKind,
    due: Sequence[tuple[int, datetime]],
    now: datetime,
    *,
    keep_pending: bool = False,
) -> None:
    """`schedule` for many (ref id, due) pairs in one statement."""
    await conn.executemany(
        _schedule_sql(kind, keep_pending=keep_pending), [(kind.value, ref_id, at, now, ref_id) for ref_id, at in due]
    )


async def schedule_selected(conn: Connection, kind: JobKind, now: datetime, select: str, *args: Any) -> None:
    """`schedule` for every row of the query `select` (with its `args`) in one statement: each row is a timer's
    ``ref_id, due_at, community``, in that order."""
    await conn.execute(
        "INSERT INTO jobs (ref_id, due_at, community, kind, status, created_at) "
        f"SELECT s.*, ?, 'pending', ? FROM ({select}) AS s WHERE true {_RESCHEDULE}",  # WHERE: SQLite's upsert rule
        kind.value,
        now,
        *args,
    )


async def cancel(conn: Connection, kind: JobKind, ref_id: int) -> None:
    """Cancel the timer of `kind` for `ref_id` if it has not run, inside the caller's transaction."""
    await conn.execute(
        "UPDATE jobs SET status = 'cancelled' WHERE kind = ? AND ref_id = ? AND status IN ('pending', 'running')",
        kind.value,
        ref_id,
    )


JobStatus = Literal["pending", "running", "done", "cancelled"]
"""Where a timer stands: waiting for its time, claimed by a worker, run (whatever it did), cancelled before it ran."""


class JobTakenOver(Exception):
    """A timer's lease ran out while its worker was busy, and another worker claimed it: the unit of work that
    ran it here is rolled back (its work is the other worker's to do)."""


CLAIM_LIMIT: Final = 50
"""The most timers a round of one process claims (`JobStore.claim_due_jobs`); a round that claimed as many runs the
next one at once."""


class JobStore(Transactions):
    """Scheduling, claiming and finishing timers."""

    async def schedule_job(
        self, kind: JobKind, ref_id: int, due: datetime, now: datetime, *, keep_pending: bool = False
    ) -> None:
        """Schedule (or move) the one timer of `kind` for `ref_id` (`keep_pending`: see `schedule`)."""
        async with self.transaction() as conn:
            await schedule(conn, kind, ref_id, due, now, keep_pending=keep_pending)

    async def job_status(self, kind: JobKind, ref_id: int, *, lock: bool = False) -> JobStatus | None:
        """Where the one timer of `kind` for `ref_id` stands; None when there is none (never scheduled, or ended and
        pruned since: `prune_jobs`). A read: inside a unit of work, it sees the unit's own writes. With `lock`, its
        row is locked until the unit of work ends (PostgreSQL: ``FOR UPDATE``; SQLite has one writer at a time): a
        claim passes over it meanwhile (`claim_due_jobs`), and one committed first is seen as running."""
        sql = "SELECT status FROM jobs WHERE kind = ? AND ref_id = ?"
        if lock and self.db.dialect == "postgresql":
            async with self.transaction() as conn:
                row = await conn.fetch_one(sql + " FOR UPDATE", kind.value, ref_id)
        else:
            async with self.read() as conn:
                row = await conn.fetch_one(sql, kind.value, ref_id)
        return None if row is None else cast(JobStatus, str(row["status"]))

    async def claim_due_jobs(
        self,
        now: datetime,
        worker: str,
        *,
        lease: timedelta,
        limit: int = CLAIM_LIMIT,
        communities: Sequence[str] | None = None,
    ) -> list[Job]:
        """Claim due timers for `worker`: pending ones, and running ones whose lease ran out (a crashed
        worker's). Each job is claimed by exactly one worker at a time. With `communities` (prefixes such as
        ``"slack:"``), only the timers of those communities: a process claims what it can deliver."""
        scope, scope_args = community_scope(communities)
        async with self.transaction() as conn:
            found = await conn.fetch_all(
                "UPDATE jobs SET status = 'running', claimed_by = ?, claimed_until = ?, attempts = attempts + 1 "
                "WHERE id IN (SELECT id FROM jobs WHERE due_at <= ? AND (status = 'pending' OR "
                f"(status = 'running' AND claimed_until < ?)){scope} ORDER BY due_at, id "
                f"LIMIT ?{self.db.skip_locked}) RETURNING *",
                worker,
                now + lease,
                now,
                now,
                *scope_args,
                limit,
            )
        return sorted((rows.job(r) for r in found), key=lambda j: (j.due_at, j.id))

    async def job_is_ours(self, job_id: int, worker: str) -> bool:
        """Whether `worker` still holds its claim on a running job (a read: no lock is taken; the unit that runs
        the job ends with a conditional `finish_job` or `reschedule_job`, and is rolled back, `JobTakenOver`,
        when that finds the job taken over since)."""
        async with self.read() as conn:
            row = await conn.fetch_one(
                "SELECT 1 AS one FROM jobs WHERE id = ? AND claimed_by = ? AND status = 'running'", job_id, worker
            )
        return row is not None

    async def finish_job(self, job_id: int, worker: str) -> bool:
        """Mark a claimed job done; False when another worker has taken it over since."""
        async with self.transaction() as conn:
            return (
                await conn.execute(
                    "UPDATE jobs SET status = 'done' WHERE id = ? AND claimed_by = ? AND status = 'running'",
                    job_id,
                    worker,
                )
                == 1
            )

    async def prune_jobs(self, before: datetime) -> int:
        """Delete the timers that ended (done, or cancelled before they ran) and were due before `before`; how many.
        Nothing reads an ended timer: one scheduled again for the same object is a new row (`schedule`'s upsert
        makes it pending either way), and a weekly timer is moved to its next time, never ended."""
        async with self.transaction() as conn:
            return await conn.execute("DELETE FROM jobs WHERE status IN ('done', 'cancelled') AND due_at < ?", before)

    async def next_job_due(self, communities: Sequence[str] | None = None) -> datetime | None:
        """When the next pending timer is due (for the scheduler's sleep); with `communities` (prefixes), of those
        communities only."""
        scope, scope_args = community_scope(communities)
        async with self.read() as conn:
            row = await conn.fetch_one(
                f"SELECT MIN(due_at) AS due FROM jobs WHERE status = 'pending'{scope}", *scope_args
            )
        return rows.opt_ts(row["due"]) if row else None
