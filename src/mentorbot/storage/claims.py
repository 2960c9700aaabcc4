"""Giving back what a stopping process holds: its claimed timers and undelivered notifications.

On a graceful shutdown (SIGTERM) the process releases them so that another process takes them at once instead
of waiting for their lease to run out. Each is one conditional update (only rows this worker still holds).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mentorbot.storage.store import Store


async def release_claims(store: Store, worker: str, now: datetime) -> tuple[int, int]:
    """Release `worker`'s running timers (back to pending) and pending outbox rows (claimable now); return
    how many of each."""
    async with store.transaction() as conn:
        jobs = await conn.execute(
            "UPDATE jobs SET status = 'pending', claimed_by = NULL, claimed_until = NULL "
            "WHERE claimed_by = ? AND status = 'running'",
            worker,
        )
        notes = await conn.execute(
            "UPDATE outbox SET claimed_by = NULL, claimed_until = ? WHERE claimed_by = ? AND status = 'pending'",
            now,
            worker,
        )
    return jobs, notes
