"""The community's own catalog: resources members suggest (an admin approves or rejects each), and their votes.

A suggestion is one row per (community, normalized URL) while it is pending or approved (a partial unique
index: a second suggestion of the same address is refused by the database, whichever process inserts it); a
rejected one leaves room for a new suggestion. Approving or rejecting is a compare-and-set on ``pending``, so
two admins clicking at once decide it once; withdrawing an approved one (rejecting it after all) is a
compare-and-set on ``approved``. A vote is one row per (community, resource, member): casting it
again, either way, is an upsert of that row, so a member counts once per resource however often they click.
Forgetting a member deletes their votes (``ON DELETE CASCADE``) and keeps the suggestions they made, anonymous.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from mentorbot.courses import COMMUNITY_ID_PREFIX, Tally
from mentorbot.storage.database import Row
from mentorbot.storage.rows import ts
from mentorbot.storage.sql import in_list
from mentorbot.storage.units import Transactions


class SuggestionStatus(StrEnum):
    """Where a suggestion stands."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


@dataclass(frozen=True)
class Suggestion:
    """A resource a member suggested for the community's catalog."""

    id: int
    community: str
    member_id: int | None
    url: str
    title: str
    skills: tuple[str, ...]
    note: str
    status: SuggestionStatus
    created_at: datetime
    decided_at: datetime | None = None
    decided_by: str | None = None
    reason: str | None = None

    @property
    def resource(self) -> str:
        """The resource id votes name it by: ``community-<id>``."""
        return resource_id(self.id)


def resource_id(suggestion_id: int) -> str:
    """The resource id of an approved suggestion (``community-12``)."""
    return f"{COMMUNITY_ID_PREFIX}{suggestion_id}"


def _suggestion(row: Row) -> Suggestion:
    return Suggestion(
        id=int(row["id"]),
        community=str(row["community"]),
        member_id=int(row["member_id"]) if row["member_id"] is not None else None,
        url=str(row["url"]),
        title=str(row["title"]),
        skills=tuple(s for s in str(row["skills"]).split(",") if s),
        note=str(row["note"] or ""),
        status=SuggestionStatus(row["status"]),
        created_at=ts(row["created_at"]),
        decided_at=ts(row["decided_at"]) if row["decided_at"] is not None else None,
        decided_by=row["decided_by"],
        reason=row["reason"],
    )


class CurationStore(Transactions):
    """Suggestions and votes, per community."""

    async def suggest_course(
        self,
        community: str,
        member_id: int,
        *,
        url: str,
        url_key: str,
        title: str,
        skills: Sequence[str],
        note: str,
        now: datetime,
    ) -> Suggestion | None:
        """Record a pending suggestion; None when the same address is already pending or approved in
        `community` (the unique index decides, so two members suggesting it at once get one row)."""
        async with self.transaction() as conn:
            row = await conn.fetch_one(
                "INSERT INTO course_suggestions (community, member_id, url, url_key, title, skills, note, status, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?) "
                "ON CONFLICT (community, url_key) WHERE status <> 'rejected' DO NOTHING RETURNING *",
                community,
                member_id,
                url,
                url_key,
                title,
                ",".join(skills),
                note,
                now,
            )
        return _suggestion(row) if row is not None else None

    async def find_suggestion_by_url(self, community: str, *url_keys: str) -> Suggestion | None:
        """The pending or approved suggestion in `community` stored under one of `url_keys` (`courses.url_keys`: an
        address's key, and the one it had before), if any; the oldest when there are several."""
        async with self.read() as conn:
            row = await conn.fetch_one(
                "SELECT * FROM course_suggestions WHERE community = ? "
                f"AND url_key IN ({in_list(url_keys)}) AND status <> 'rejected' ORDER BY id LIMIT 1",
                community,
                *url_keys,
            )
        return _suggestion(row) if row is not None else None

    async def suggestions_since(self, member_id: int, since: datetime) -> int:
        """How many suggestions `member_id` made since `since` (the rate limit)."""
        async with self.read() as conn:
            row = await conn.fetch_one(
                "SELECT COUNT(*) AS n FROM course_suggestions WHERE member_id = ? AND created_at >= ?",
                member_id,
                since,
            )
        return int(row["n"]) if row else 0

    async def suggestion_times_since(self, member_id: int, since: datetime) -> list[datetime]:
        """When `member_id` made the suggestions counted by `suggestions_since`, oldest first (the rate limit's
        refusal says when one leaves the window)."""
        async with self.read() as conn:
            found = await conn.fetch_all(
                "SELECT created_at FROM course_suggestions WHERE member_id = ? AND created_at >= ? ORDER BY created_at",
                member_id,
                since,
            )
        return [ts(row["created_at"]) for row in found]

    async def get_suggestion(self, community: str, suggestion_id: int) -> Suggestion | None:
        """One suggestion of `community`."""
        async with self.read() as conn:
            row = await conn.fetch_one(
                "SELECT * FROM course_suggestions WHERE community = ? AND id = ?", community, suggestion_id
            )
        return _suggestion(row) if row is not None else None

    async def list_suggestions(
        self, community: str, status: SuggestionStatus, *, limit: int | None = None
    ) -> list[Suggestion]:
        """The suggestions of `community` in `status`, oldest first."""
        bounded = " LIMIT ?" if limit is not None else ""
        args: tuple[Any, ...] = (limit,) if limit is not None else ()
        async with self.read() as conn:
            rows = await conn.fetch_all(
                "SELECT * FROM course_suggestions WHERE community = ? AND status = ? ORDER BY id" + bounded,
                community,
                status.value,
                *args,
            )
        return [_suggestion(row) for row in rows]

    async def decide_suggestion(
        self,
        community: str,
        suggestion_id: int,
        *,
        approve: bool,
        admin: str,
        reason: str | None,
        now: datetime,
    ) -> Suggestion | None:
        """Approve or reject a pending suggestion (a compare-and-set on ``pending``); None when it is not
        pending any more (decided already, by this admin or another) or not of `community`."""
        status = SuggestionStatus.APPROVED if approve else SuggestionStatus.REJECTED
        async with self.transaction() as conn:
            row = await conn.fetch_one(
                "UPDATE course_suggestions SET status = ?, decided_at = ?, decided_by = ?, reason = ? "
                "WHERE community = ? AND id = ? AND status = 'pending' RETURNING *",
                status.value,
                now,
                admin,
                reason,
                community,
                suggestion_id,
            )
        return _suggestion(row) if row is not None else None

    async def withdraw_suggestion(
        self, community: str, suggestion_id: int, *, admin: str, reason: str | None, now: datetime
    ) -> Suggestion | None:
        """Take an approved suggestion out of the community's catalog: rejected, by `admin` at `now` for `reason`
        (a compare-and-set on ``approved``); None when it is not approved (pending, withdrawn or rejected already,
        by this admin or another) or not of `community`."""
        async with self.transaction() as conn:
            row = await conn.fetch_one(
                "UPDATE course_suggestions SET status = 'rejected', decided_at = ?, decided_by = ?, reason = ? "
                "WHERE community = ? AND id = ? AND status = 'approved' RETURNING *",
                now,
                admin,
                reason,
                community,
                suggestion_id,
            )
        return _suggestion(row) if row is not None else None

    async def vote(self, community: str, resource: str, member_id: int, *, helpful: bool, now: datetime) -> None:
        """Cast or change `member_id`'s vote on `resource`: one row per member and resource, whatever the clicks."""
        async with self.transaction() as conn:
            await conn.execute(
                "INSERT INTO resource_votes (community, resource, member_id, helpful, voted_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (community, resource, member_id) "
                "DO UPDATE SET helpful = excluded.helpful, voted_at = excluded.voted_at",
                community,
                resource,
                member_id,
                helpful,
                now,
            )

    async def member_vote(self, community: str, resource: str, member_id: int) -> bool | None:
        """`member_id`'s vote on `resource` (True: helpful), None when they have not voted."""
        async with self.read() as conn:
            row = await conn.fetch_one(
                "SELECT helpful FROM resource_votes WHERE community = ? AND resource = ? AND member_id = ?",
                community,
                resource,
                member_id,
            )
        return bool(row["helpful"]) if row is not None else None

    async def vote_tallies(self, community: str) -> dict[str, Tally]:
        """Every voted resource of `community` with its helpful and not-helpful counts."""
        async with self.read() as conn:
            rows = await conn.fetch_all(
                "SELECT resource, SUM(CASE WHEN helpful THEN 1 ELSE 0 END) AS up, COUNT(*) AS n "
                "FROM resource_votes WHERE community = ? GROUP BY resource",
                community,
            )
        return {str(r["resource"]): Tally(int(r["up"]), int(r["n"]) - int(r["up"])) for r in rows}
