"""Delivery bookkeeping: platform events already handled, and notices held for a member whose DMs are closed."""

from __future__ import annotations

from datetime import datetime

from mentorbot.storage.units import Transactions


class DeliveryStore(Transactions):
    """Processed platform events and held notices."""

    async def hold_notice(self, member_id: int, payload: str, now: datetime) -> None:
        """Keep a notice that could not be delivered (DMs closed) for the member's next command."""
        async with self.transaction() as conn:
            await conn.execute(
                "INSERT INTO held_notices (member_id, payload, created_at) VALUES (?, ?, ?)", member_id, payload, now
            )

    async def take_held_notices(self, member_id: int) -> list[str]:
        """The member's held notices, oldest first, removed in the same transaction (each is shown once)."""
        # Every command asks; almost always there is nothing, and a read avoids taking the write lock for it.
        async with self.read() as conn:
            held = await conn.fetch_one("SELECT 1 AS held FROM held_notices WHERE member_id = ? LIMIT 1", member_id)
        if held is None:
            return []
        async with self.transaction() as conn:
            found = await conn.fetch_all(
                "DELETE FROM held_notices WHERE member_id = ? RETURNING id, payload", member_id
            )
        return [r["payload"] for r in sorted(found, key=lambda r: int(r["id"]))]

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
