"""The inbox: platform events recorded before they are acknowledged, processed exactly once.

`record_event` writes the event (claimed by the receiving process) before the platform gets its
acknowledgement; a redelivery of the same event id is recognised there. Processing marks it done with
`finish_event`, a compare-and-set made inside the use-case's own unit of work, so the event's changes commit
exactly once. A process that dies before that leaves the event pending; once its lease runs out,
`claim_unprocessed` hands it to a process serving its community.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from mentorbot.storage.sql import claim_expired
from mentorbot.storage.units import Transactions


@dataclass(frozen=True)
class InboxEvent:
    """A recorded platform event: the adapter's own `payload` (what it needs to process it again)."""

    id: int
    event_id: str
    community: str
    platform_user_id: str
    payload: str
    attempts: int


class InboxStore(Transactions):
    """Platform events received, and which were processed."""

    async def record_event(
        self,
        event_id: str,
        community: str,
        platform_user_id: str,
        payload: str,
        now: datetime,
        worker: str,
        *,
        lease: timedelta,
    ) -> int | None:
        """Record an event before acknowledging it, claimed by `worker` for `lease`; its inbox id, or None when
        the same event id was recorded before (a redelivery: acknowledge it and do nothing)."""
        async with self.transaction() as conn:
            row = await conn.fetch_one(
                "INSERT INTO inbox (event_id, community, platform_user_id, payload, claimed_by, claimed_until, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING RETURNING id",
                event_id,
                community,
                platform_user_id,
                payload,
                worker,
                now + lease,
                now,
            )
        return int(row["id"]) if row is not None else None

    async def finish_event(self, inbox_id: int, now: datetime) -> bool:
        """Mark a recorded event processed; False when it was already (another process got to it first)."""
        async with self.transaction() as conn:
            changed = await conn.execute(
                "UPDATE inbox SET status = 'done', done_at = ?, payload = '' WHERE id = ? AND status = 'pending'",
                now,
                inbox_id,
            )
        return changed == 1

    async def claim_unprocessed(
        self,
        now: datetime,
        worker: str,
        *,
        lease: timedelta,
        limit: int = 50,
        communities: Sequence[str] | None = None,
    ) -> list[InboxEvent]:
        """Claim for `worker` the recorded events whose process died before processing them (lease run out),
        oldest first; each is claimed by one worker at a time."""
        async with self.transaction() as conn:
            found = await claim_expired(
                conn,
                "inbox",
                now=now,
                worker=worker,
                lease=lease,
                limit=limit,
                communities=communities,
                skip_locked=self.db.skip_locked,
            )
        return [
            InboxEvent(
                int(r["id"]),
                str(r["event_id"]),
                str(r["community"]),
                str(r["platform_user_id"]),
                str(r["payload"]),
                int(r["attempts"]),
            )
            for r in found
        ]

    async def count_unprocessed(self) -> int:
        """How many recorded events are not processed yet (health checks, tests)."""
        async with self.read() as conn:
            row = await conn.fetch_one("SELECT COUNT(*) AS n FROM inbox WHERE status = 'pending'")
        return int(row["n"]) if row else 0

    async def prune_inbox(self, before: datetime) -> int:
        """Drop processed events older than `before` (a redelivery comes within minutes)."""
        async with self.transaction() as conn:
            return await conn.execute("DELETE FROM inbox WHERE status = 'done' AND done_at < ?", before)
