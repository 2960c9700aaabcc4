"""Platform events already handled (button clicks, form submissions, App Home opens), so a redelivery is
handled once. Slash commands go through the inbox (`storage/inbox.py`) instead.

The same table records that the partner in a mentorship was told a member left (`usecases.departures.told_once`,
ids ``departure:<mentorship id>:<member id>``, `DEPARTURE_PREFIX`), and, in one row per member, that a member has
such markers or is paused as a mentor who left (``departed:<member id>``, `DEPARTED_PREFIX`): the row a command of
theirs looks up, by its primary key, to learn that they are back (`is_departed`, `clear_departure`). Platform event
ids are pruned after a day (`prune_events`); a departure's is kept while its mentorship is active, since the
departure can be reported again any time until then, and goes with the first pruning after the mentorship ended
(nobody is told about an ended one); a member's row is kept as long as one of their departure markers is, or their
mentor profile is paused as one who left (`LEFT_COMMUNITY`). When the member is back, their markers and their row go
at once (a later departure is told again), and their pause as one who left becomes an ordinary one
(`lift_departed_pause`).

`LEFT_COMMUNITY` is `models.LEFT_COMMUNITY`, imported from there (its one home) for the storage modules that read
it from here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Final

from mentorbot.models import LEFT_COMMUNITY as LEFT_COMMUNITY
from mentorbot.models import MentorshipStatus
from mentorbot.storage.database import Connection
from mentorbot.storage.sql import id_list, in_list, text_list
from mentorbot.storage.units import Transactions


def departed_sql(table: str = "p") -> str:
    """The condition that the mentor profile row `table` (an alias, or "" for an unaliased ``mentor_profiles``) is
    one who left the community: paused for `LEFT_COMMUNITY`, its one argument."""
    column = f"{table}." if table else ""
    return f"({column}status = 'paused' AND COALESCE({column}pause_reason, '') = ?)"


DEPARTED_SQL: Final = departed_sql()
"""Whether the mentor profile ``p`` is one who left the community (`LEFT_COMMUNITY`, its one argument)."""

DEPARTURE_PREFIX: Final = "departure:"
"""The prefix of the ids that record a partner told of a departure, ``departure:<mentorship id>:<member id>``:
kept by `EventStore.prune_events` while their mentorship is active."""


DEPARTED_PREFIX: Final = "departed:"
"""The prefix of the id that records that a member has departure markers or is paused as a mentor who left,
``departed:<member id>``: one primary-key lookup tells a command of theirs whether they are back
(`EventStore.is_departed`)."""


def departure_marker(mentorship_id: int, member_id: int) -> str:
    """The id that records the partner in mentorship `mentorship_id` told that `member_id` left."""
    return f"{DEPARTURE_PREFIX}{mentorship_id}:{member_id}"


def departed_marker(member_id: int) -> str:
    """The id that records that `member_id` was reported gone (`DEPARTED_PREFIX`)."""
    return f"{DEPARTED_PREFIX}{member_id}"


def _number(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() else None


def _mentorship_of(event_id: str) -> int | None:
    """The mentorship id in a departure marker `event_id`; None for a malformed one (pruned as any other id)."""
    mentorship, _, _ = event_id[len(DEPARTURE_PREFIX) :].partition(":")
    return _number(mentorship)


def _member_of(event_id: str) -> int | None:
    """The member id in a departure marker `event_id`; None for a malformed one."""
    _, _, member = event_id[len(DEPARTURE_PREFIX) :].partition(":")
    return _number(member)


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

    async def is_departed(self, member_id: int) -> bool:
        """Whether `member_id` was reported gone, their partners told or their mentor profile paused as one who
        left (their `departed_marker` exists): one primary-key lookup, made for each command of a member
        (`usecases.handler`)."""
        async with self.read() as conn:
            row = await conn.fetch_one(
                "SELECT 1 AS one FROM processed_events WHERE event_id = ?", departed_marker(member_id)
            )
        return row is not None

    async def clear_departure(self, member_id: int, mentorship_ids: Sequence[int]) -> list[int]:
        """`member_id` is back: drop their departure markers of mentorships `mentorship_ids` (their active ones) and
        their `departed_marker`, in one statement. The mentorships whose marker this call dropped (a concurrent
        call that dropped them first leaves none to this one: each partner is told once)."""
        ids = [departure_marker(m, member_id) for m in mentorship_ids] + [departed_marker(member_id)]
        async with self.transaction() as conn:
            rows = await conn.fetch_all(
                f"DELETE FROM processed_events WHERE event_id IN ({in_list(ids)}) RETURNING event_id", *ids
            )
        dropped = {str(row["event_id"]) for row in rows}
        return [m for m in mentorship_ids if departure_marker(m, member_id) in dropped]

    async def lift_departed_pause(self, member_id: int, now: datetime) -> bool:
        """`member_id` is back: a mentor profile of theirs paused as one who left (`LEFT_COMMUNITY`) stays paused,
        as an ordinary pause (no reason, no end: `/mentor resume` lifts it), in one conditional update. True when it
        changed (a concurrent return, or a resume meanwhile, leaves nothing to this one: the member is told once)."""
        async with self.transaction() as conn:
            changed = await conn.execute(
                "UPDATE mentor_profiles SET pause_reason = NULL, paused_until = NULL, updated_at = ? "
                f"WHERE member_id = ? AND {departed_sql('')}",
                now,
                member_id,
                LEFT_COMMUNITY,
            )
        return changed == 1

    async def release_event(self, event_id: str) -> None:
        """Forget a claimed event whose handling failed, so a retry may handle it."""
        async with self.transaction() as conn:
            await conn.execute("DELETE FROM processed_events WHERE event_id = ?", event_id)

    async def prune_events(self, before: datetime) -> int:
        """Drop event ids older than `before` (platforms stop retrying after minutes), but for a departure marker
        (`DEPARTURE_PREFIX`) whose mentorship is still active: it must last as long as the departure can be
        reported again, or the partner would be told twice; and for a member's `departed_marker` while one of
        their departure markers is kept or their mentor profile is paused as one who left (one missing then is
        written). The number of ids dropped."""
        prefix, member_prefix = DEPARTURE_PREFIX, DEPARTED_PREFIX
        async with self.transaction() as conn:
            dropped = await conn.execute(
                "DELETE FROM processed_events WHERE created_at < ? AND substr(event_id, 1, ?) <> ? "
                "AND substr(event_id, 1, ?) <> ?",
                before,
                len(prefix),
                prefix,
                len(member_prefix),
                member_prefix,
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
            ended = [event_id for event_id, mentorship in markers.items() if mentorship not in active]
            dropped += await _delete_events(conn, self.db.dialect, ended)
            dropped += await self._prune_departed(conn, self.db.dialect, before)
        return dropped

    @staticmethod
    async def _prune_departed(conn: Connection, dialect: str, before: datetime) -> int:
        """Keep a `departed_marker` exactly for the members with a departure marker left, a mentor profile paused
        as one who left or the notice of their departure still to reach them (there are few): drop the others older
        than `before`, and write the missing ones (markers written before these rows were, mentors paused as ones who
        left before their pause wrote one). The number of ids dropped."""
        prefix, member_prefix = DEPARTURE_PREFIX, DEPARTED_PREFIX
        kept = await conn.fetch_all(
            "SELECT event_id FROM processed_events WHERE substr(event_id, 1, ?) = ?", len(prefix), prefix
        )
        members = {m for m in (_member_of(str(row["event_id"])) for row in kept) if m is not None}
        paused = await conn.fetch_all(f"SELECT member_id FROM mentor_profiles WHERE {departed_sql('')}", LEFT_COMMUNITY)
        members |= {int(row["member_id"]) for row in paused}
        # And those whose notice of their departure has not reached them: their return supersedes it (`came_back`).
        unsent = await conn.fetch_all(
            "SELECT DISTINCT member_id FROM outbox WHERE status IN ('pending', 'held') AND message_key LIKE 'left:%'"
        )
        members |= {int(row["member_id"]) for row in unsent}
        rows = await conn.fetch_all(
            "SELECT event_id, CASE WHEN created_at < ? THEN 1 ELSE 0 END AS old FROM processed_events "
            "WHERE substr(event_id, 1, ?) = ?",
            before,
            len(member_prefix),
            member_prefix,
        )
        flagged = {str(row["event_id"]): bool(row["old"]) for row in rows}
        stale = [e for e, old in flagged.items() if old and _number(e[len(member_prefix) :]) not in members]
        dropped = await _delete_events(conn, dialect, stale)
        missing = [departed_marker(m) for m in sorted(members) if departed_marker(m) not in flagged]
        if missing:
            await conn.executemany(
                "INSERT INTO processed_events (event_id, created_at) VALUES (?, ?) ON CONFLICT (event_id) DO NOTHING",
                [(event_id, before) for event_id in missing],
            )
        return dropped


async def _delete_events(conn: Connection, dialect: str, event_ids: Sequence[str]) -> int:
    """Drop these event ids, in one statement; how many were there."""
    if not event_ids:
        return 0
    ids_sql, ids_arg = text_list(dialect, event_ids)
    return await conn.execute(f"DELETE FROM processed_events WHERE event_id IN ({ids_sql})", ids_arg)
