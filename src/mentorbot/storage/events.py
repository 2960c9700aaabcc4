"""Platform events already handled (button clicks, form submissions, App Home opens), so a redelivery is
handled once. Slash commands go through the inbox (`storage/inbox.py`) instead.

The same table records that the partner in a mentorship was told a member left (`usecases.departures.told_once`,
ids ``departure:<mentorship id>:<member id>``, `DEPARTURE_PREFIX`). Platform event ids are pruned after a day
(`prune_events`); a departure's is kept while its mentorship is active, since the departure can be reported again
any time until then (a refused check-in DM 14 days on makes the adapter look the member up again), and goes with
the first pruning after the mentorship ended (nobody is told about an ended one)."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from mentorbot.models import MentorshipStatus
from mentorbot.storage.sql import id_list
from mentorbot.storage.units import Transactions

DEPARTURE_PREFIX: Final = "departure:"
"""The prefix of the ids that record a partner told of a departure, ``departure:<mentorship id>:<member id>``:
kept by `EventStore.prune_events` while their mentorship is active."""


def _mentorship_of(event_id: str) -> int | None:
    """The mentorship id in a departure marker `event_id`; None for a malformed one (pruned as any other id)."""
    mentorship, _, _ = event_id[len(DEPARTURE_PREFIX) :].partition(":")
    return int(mentorship) if mentorship.isascii() and mentorship.isdigit() else None


class EventStore(Transactions):
    """Processed platform events, and the departure markers (see the module)."""

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

    async def departed_from(self, mentorship_id: int) -> bool:
        """Whether a member of mentorship `mentorship_id` was reported gone from the community (a departure marker
        of it exists: kept while the mentorship is active, see the module)."""
        marker = f"{DEPARTURE_PREFIX}{mentorship_id}:"
        async with self.transaction() as conn:
            row = await conn.fetch_one(
                "SELECT 1 AS one FROM processed_events WHERE substr(event_id, 1, ?) = ?", len(marker), marker
            )
        return row is not None

    async def release_event(self, event_id: str) -> None:
        """Forget a claimed event whose handling failed, so a retry may handle it."""
        async with self.transaction() as conn:
            await conn.execute("DELETE FROM processed_events WHERE event_id = ?", event_id)

    async def prune_events(self, before: datetime) -> int:
        """Drop event ids older than `before` (platforms stop retrying after minutes), but for a departure marker
        (`DEPARTURE_PREFIX`) whose mentorship is still active: it must last as long as the departure can be
        reported again, or the partner would be told twice. The number of ids dropped."""
        prefix = DEPARTURE_PREFIX
        async with self.transaction() as conn:
            dropped = await conn.execute(
                "DELETE FROM processed_events WHERE created_at < ? AND substr(event_id, 1, ?) <> ?",
                before,
                len(prefix),
                prefix,
            )
            rows = await conn.fetch_all(
                "SELECT event_id FROM processed_events WHERE created_at < ? AND substr(event_id, 1, ?) = ?",
                before,
                len(prefix),
                prefix,
            )
            markers = {str(row["event_id"]): _mentorship_of(str(row["event_id"])) for row in rows}
            ids = sorted({m for m in markers.values() if m is not None})
            active: set[int] = set()
            if ids:
                ids_sql, ids_arg = id_list(self.db.dialect, ids)
                found = await conn.fetch_all(
                    f"SELECT id FROM mentorships WHERE status = ? AND id IN ({ids_sql})",
                    MentorshipStatus.ACTIVE.value,
                    ids_arg,
                )
                active = {int(row["id"]) for row in found}
            for event_id, mentorship in markers.items():
                if mentorship not in active:
                    dropped += await conn.execute("DELETE FROM processed_events WHERE event_id = ?", event_id)
        return dropped
