"""Platform events already handled (button clicks, form submissions, App Home opens), so a redelivery is
handled once. Slash commands go through the inbox (`storage/inbox.py`) instead."""

from __future__ import annotations

from datetime import datetime

from mentorbot.storage.units import Transactions


class EventStore(Transactions):
    """Processed platform events."""

    async def claim_event(self, event_id: str, now: datetime) -> bool:
        """Record a platform event id; True the first time, False for a duplicate delivery."""
        async with self.transaction() as conn:
            row = await conn.fetch_one(
                "INSERT INTO processed_events (event_id, created_at) VALUES (?, ?) "
                "ON CONFLICT (event_id) DO NOTHING RETURNING event_id",
                event_id,
                now,
            )
        return row is not None

    async def release_event(self, event_id: str) -> None:
        """Forget a claimed event whose handling failed, so a retry may handle it."""
        async with self.transaction() as conn:
            await conn.execute("DELETE FROM processed_events WHERE event_id = ?", event_id)

    async def prune_events(self, before: datetime) -> int:
        """Drop event ids older than `before` (platforms stop retrying after minutes)."""
        async with self.transaction() as conn:
            return await conn.execute("DELETE FROM processed_events WHERE created_at < ?", before)
