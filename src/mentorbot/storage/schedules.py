"""Weekly work kept as timers in `jobs` (the scheduled round, the digest): one row per (kind, community), claimed
like any timer (`JobStore.claim_due_jobs`: once, under a lease, whatever the number of processes), then moved to
its next time in the unit of work that ran it, so a week missed while the bot was down runs once, not once per
missed week."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Sequence
from contextlib import nullcontext
from datetime import datetime

from mentorbot.models import JobKind
from mentorbot.storage import rows
from mentorbot.storage.sql import community_scope
from mentorbot.storage.units import Transactions


def community_ref(community: str) -> int:
    """The `jobs.ref_id` of a community's weekly timers: a stable 62-bit number from its id (the jobs table is
    keyed by (kind, ref_id); the community itself is kept in the row's `community`)."""
    return int.from_bytes(hashlib.sha256(community.encode("utf-8")).digest()[:8], "big") >> 2


class ScheduleStore(Transactions):
    """Weekly timers per community."""

    async def ensure_weekly(
        self,
        kind: JobKind,
        due: datetime,
        now: datetime,
        *,
        moves: Callable[[datetime], datetime | None],
        communities: Sequence[str] | None = None,
        first: Callable[[dict[str, datetime]], Awaitable[None]] | None = None,
    ) -> list[str]:
        """Make sure every community with members (of `communities` prefixes, or all) has its timer of `kind`:
        a new one, or one that is done, gets `due`; a pending one whose time the schedule no longer names is moved
        where `moves` says (given its time: its new time, or None when it stays, even past: it fell due while the
        bot was down, and runs once). Returns the communities whose timer was (re)set, in the order of their ids.

        `first`, given those communities and their timers' new times, runs before the timers are written, in the
        same transaction (a unit of work, `Transactions.unit_of_work`, which the store's calls it makes join): what
        the move makes untrue is put right with it, and the jobs rows are written last, as in every other
        transaction (`storage.locks`)."""
        scope, scope_args = community_scope(communities)
        async with self.unit_of_work() if first is not None else nullcontext(), self.transaction() as conn:
            found = await conn.fetch_all(f"SELECT DISTINCT community FROM members WHERE 1 = 1{scope}", *scope_args)
            existing = {
                r["community"]: r
                for r in await conn.fetch_all("SELECT community, due_at, status FROM jobs WHERE kind = ?", kind.value)
            }
            wanted = []
            for row in sorted(found, key=lambda r: str(r["community"])):
                community = str(row["community"])
                have = existing.get(community)
                if have is not None and have["status"] == "running":
                    continue
                when = due
                if have is not None and have["status"] == "pending":
                    moved = moves(rows.ts(have["due_at"]))
                    if moved is None:
                        continue
                    when = moved
                wanted.append((kind.value, community_ref(community), when, now, community))
            if wanted and first is not None:
                await first({w[4]: w[2] for w in wanted})
            if wanted:
                await conn.executemany(
                    "INSERT INTO jobs (kind, ref_id, due_at, status, created_at, community) "
                    "VALUES (?, ?, ?, 'pending', ?, ?) ON CONFLICT (kind, ref_id) DO UPDATE SET "
                    "due_at = excluded.due_at, status = 'pending', claimed_by = NULL, claimed_until = NULL "
                    "WHERE jobs.status <> 'running'",
                    wanted,
                )
        return [w[4] for w in wanted]

    async def weekly_due(self, kind: JobKind, community: str) -> datetime | None:
        """When `community`'s timer of `kind` is due (pending, or running now), or None without one."""
        async with self.read() as conn:
            row = await conn.fetch_one(
                "SELECT due_at FROM jobs WHERE kind = ? AND ref_id = ? AND status IN ('pending', 'running')",
                kind.value,
                community_ref(community),
            )
        return rows.ts(row["due_at"]) if row is not None else None

    async def waiting_for_a_round(self, kind: JobKind, communities: Sequence[str] | None = None) -> list[str]:
        """The communities (of `communities` prefixes, or all) with a timer of `kind` (the scheduled round's: a
        programme that has had rounds) and a waiting request whose stored reason is a next round
        (``wait.next_round``, `matchmaking.next_round_reason`), in order. A read of the waiting requests of
        those communities only: a programme that never had rounds reads none."""
        scope, scope_args = community_scope(communities)
        async with self.read() as conn:
            found = await conn.fetch_all(
                "SELECT DISTINCT community FROM requests WHERE status = 'waiting' AND wait_reason LIKE ? "
                f"AND community IN (SELECT community FROM jobs WHERE kind = ?){scope} ORDER BY community",
                '%"wait.next_round"%',
                kind.value,
                *scope_args,
            )
        return [str(r["community"]) for r in found]

    async def job_community(self, job_id: int) -> str | None:
        """The community a timer belongs to."""
        async with self.read() as conn:
            row = await conn.fetch_one("SELECT community FROM jobs WHERE id = ?", job_id)
        return str(row["community"]) if row and row["community"] is not None else None

    async def reschedule_job(self, job_id: int, worker: str, due: datetime) -> bool:
        """Move a timer `worker` has claimed to its next time (pending again); False when it is no longer theirs."""
        async with self.transaction() as conn:
            return (
                await conn.execute(
                    "UPDATE jobs SET due_at = ?, status = 'pending', claimed_by = NULL, claimed_until = NULL "
                    "WHERE id = ? AND claimed_by = ? AND status = 'running'",
                    due,
                    job_id,
                    worker,
                )
                == 1
            )
