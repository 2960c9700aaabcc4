"""The hourly prune of processed events drops the departure markers of ended mentorships and the departed markers
of members no longer concerned in one statement each (session 37: one statement per marker before, 2,403 of them in
the scale hunt's synthetic year), and keeps the rest: a recent event id, a marker whose mentorship is active."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mentorbot.storage.events import departed_marker
from mentorbot.storage.store import Store

START = datetime(2026, 12, 1, tzinfo=UTC)
LATER = START + timedelta(days=3)


async def event_ids(store: Store) -> list[str]:
    async with store.read() as conn:
        rows = await conn.fetch_all("SELECT event_id FROM processed_events ORDER BY event_id")
    return [str(r["event_id"]) for r in rows]


async def test_stale_markers_are_dropped_together_and_the_rest_kept(store: Store) -> None:
    stale = [f"departure:{900 + n}:{n}" for n in range(30)] + [departed_marker(5000 + n) for n in range(30)]
    for event_id in [*stale, "slack:old-click"]:
        assert await store.claim_event(event_id, START)
    assert await store.claim_event("slack:new-click", LATER)
    dropped = await store.prune_events(LATER - timedelta(days=1))
    assert dropped == len(stale) + 1
    assert await event_ids(store) == ["slack:new-click"]
