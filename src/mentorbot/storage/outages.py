"""The times a community was out of MentorBot's reach (session 41): the Discord bot removed from the server, the Slack
app uninstalled or its tokens revoked (``community_outages``, migration 0030).

While a community is out, its members cannot answer its offers (Discord refuses the answer, Slack sends the app
nothing): an offer whose life overlaps an outage is no lapse of its mentor's when it expires (`away_during`, read by
`OfferStore.expire_offer`). An outage is opened by the platform's event (`OutageStore.community_lost`) and closed
when the community is back (`OutageStore.community_back`); one open row per community at most.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from mentorbot.storage.database import Connection
from mentorbot.storage.outbox import key_prefix
from mentorbot.storage.units import Transactions


@dataclass(frozen=True)
class Away:
    """An offer's community was out of reach during its life (`away_during`)."""

    still: bool
    """The community is still out (an outage with no end): answering the offer is still refused."""


async def away_during(
    conn: Connection, member_id: int, start: datetime, end: datetime, now: datetime
) -> tuple[Away | None, bool]:
    """Whether the community of `member_id` was out of reach at some time between `start` and `end` (an offer's
    making and its deadline; None when not), and whether it is out of reach at `now` (an outage begun by then and
    not ended: one begun after the deadline, before the expiry ran, counts too), inside the caller's transaction.
    One read over the community's outages (their primary key)."""
    row = await conn.fetch_one(
        "SELECT COALESCE(SUM(CASE WHEN since < ? AND (until IS NULL OR until > ?) THEN 1 ELSE 0 END), 0) AS n, "
        "COALESCE(SUM(CASE WHEN since < ? AND until IS NULL THEN 1 ELSE 0 END), 0) AS open, "
        "COALESCE(SUM(CASE WHEN since <= ? AND (until IS NULL OR until > ?) THEN 1 ELSE 0 END), 0) AS out_now "
        "FROM community_outages WHERE community = (SELECT community FROM members WHERE id = ?)",
        end,
        start,
        end,
        now,
        now,
        member_id,
    )
    if row is None:
        return None, False
    away = Away(still=int(row["open"]) > 0) if int(row["n"]) > 0 else None
    return away, int(row["out_now"]) > 0


class OutageStore(Transactions):
    """When each community was out of MentorBot's reach."""

    async def community_lost(self, community: str, now: datetime) -> bool:
        """Record that `community` is out of reach from `now`; False when it already was (the outage open goes on)."""
        async with self.transaction(quick=True) as conn:
            changed = await conn.execute(
                "INSERT INTO community_outages (community, since) SELECT ?, ? WHERE NOT EXISTS "
                "(SELECT 1 FROM community_outages WHERE community = ? AND until IS NULL) ON CONFLICT DO NOTHING",
                community,
                now,
                community,
            )
        return changed == 1

    async def community_back(self, community: str, now: datetime) -> bool:
        """Record that `community` is back within reach at `now`: its open outage ends. False when none was open."""
        async with self.transaction(quick=True) as conn:
            changed = await conn.execute(
                "UPDATE community_outages SET until = ? WHERE community = ? AND until IS NULL", now, community
            )
        return changed > 0

    async def communities_out(self, prefix: str) -> Sequence[str]:
        """The communities whose name starts with `prefix` (a platform's, ``slack:``) that are out of reach now."""
        async with self.read() as conn:
            found = await conn.fetch_all(
                "SELECT community FROM community_outages WHERE until IS NULL AND community LIKE ? ESCAPE '\\' "
                "ORDER BY community",
                key_prefix(prefix),
            )
        return [str(r["community"]) for r in found]
