"""The same platform user in the deployment's other communities.

One deployment may serve several communities of one platform (two Discord servers; two workspaces of one Slack
Enterprise Grid, whose user ids are the organisation's): the same platform user is then one member row in each,
and every direct message of theirs lands in the one DM channel, naming no community. These reads let a use-case
say so when a command typed in one community names what is theirs in another (an offer, a mentorship, a request
to cancel), or when what it did holds for this community only (a resume, a pause, a forget, an export), or when
there is nothing to act on here but there is there (`/mentor end` or `/mentor cancel` with no number). Only refusals
and those answers read them: an ordinary accept, feedback, check-in answer, end or cancel reads nothing more.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from mentorbot.models import Member, Mentorship, MentorStatus
from mentorbot.storage import rows
from mentorbot.storage.events import departed_marker
from mentorbot.storage.sql import in_list
from mentorbot.storage.units import Transactions

PLACE_WORDS: Final = {"discord": "server", "slack": "workspace"}
"""What a community of each platform is called in the members' words (the catalog's ``elsewhere.*`` keys)."""


def platform_of(community: str) -> str | None:
    """The platform of a community id (``discord`` of ``discord:<guild>``, ``slack`` of ``slack:<team>``): the part
    before its first ``:``; None for one that names no platform (``console``), which has no other community."""
    platform, colon, rest = community.partition(":")
    return platform if colon and platform and rest else None


def place_word(community: str) -> str:
    """What `community` is called in the catalog's ``elsewhere.*`` keys: ``server``, ``workspace`` or
    ``community``."""
    return PLACE_WORDS.get(platform_of(community) or "", "community")


def same_platform(one: str, other: str) -> bool:
    """Whether two distinct community ids are communities of the same platform (a user id means the same user)."""
    platform = platform_of(one)
    return platform is not None and one != other and platform == platform_of(other)


@dataclass(frozen=True)
class Elsewhere:
    """The member row of the same platform user in another community, with their mentor profile's status there
    (None: not a mentor there) and why it is paused (`MentorProfile.pause_reason`)."""

    member: Member
    mentor_status: MentorStatus | None
    pause_reason: str | None = None


class ElsewhereStore(Transactions):
    """The same platform user's member rows in the deployment's other communities of the same platform."""

    async def same_user_among(self, member: Member, member_ids: Sequence[int]) -> Member | None:
        """Of the members `member_ids` (an offer's mentor, a mentorship's parties), the one that is `member`'s
        platform user in another community of the same platform, if any: one indexed read."""
        wanted = [i for i in dict.fromkeys(member_ids) if i and i != member.id]
        if platform_of(member.community) is None or not wanted:
            return None
        async with self.read() as conn:
            found = await conn.fetch_all(
                f"SELECT * FROM members WHERE id IN ({in_list(wanted)}) AND platform_user_id = ? ORDER BY id",
                *wanted,
                member.platform_user_id,
            )
        return next(
            (m for m in map(rows.member, found) if same_platform(member.community, m.community)),
            None,
        )

    async def same_user_elsewhere(self, member: Member) -> list[Elsewhere]:
        """`member`'s platform user in the other communities of the same platform, by community, each with their
        mentor profile's status there.

        Members are indexed by community, then user id, and no index starts with the user id: the communities
        are walked one index probe each (a loose index scan: the next community after the last), and the user is
        looked up in each, so the read costs as many probes as the deployment has communities, not a scan of its
        members. The walk runs in the index's own order (whatever the collation), so no community is missed."""
        if platform_of(member.community) is None:
            return []
        async with self.read() as conn:
            found = await conn.fetch_all(
                "WITH RECURSIVE communities (community) AS ("
                " SELECT MIN(community) FROM members"
                " UNION ALL"
                " SELECT (SELECT MIN(m.community) FROM members m WHERE m.community > c.community)"
                " FROM communities c WHERE c.community IS NOT NULL"
                ") "
                "SELECT m.*, p.status AS mentor_status, p.pause_reason FROM communities c "
                "JOIN members m ON m.community = c.community AND m.platform_user_id = ? "
                "LEFT JOIN mentor_profiles p ON p.member_id = m.id "
                "WHERE m.id <> ? ORDER BY m.community",
                member.platform_user_id,
                member.id,
            )
        return [
            Elsewhere(
                rows.member(row),
                MentorStatus(row["mentor_status"]) if row["mentor_status"] else None,
                row["pause_reason"],
            )
            for row in found
            if same_platform(member.community, str(row["community"]))
        ]

    async def active_mentorships_elsewhere(self, member: Member) -> list[Mentorship]:
        """The active mentorships of `member`'s platform user in the other communities of the same platform
        (`same_user_elsewhere`), oldest first; not those of a community the platform said they left (their
        `events.departed_marker`, there while they are a party to an active mentorship there): nothing is to be
        done there until they are back. Read only when there is none to end in `member`'s own community."""
        others = [other.member.id for other in await self.same_user_elsewhere(member)]
        if not others:
            return []
        async with self.read() as conn:
            markers = [departed_marker(i) for i in others]
            gone = await conn.fetch_all(
                f"SELECT event_id FROM processed_events WHERE event_id IN ({in_list(markers)})", *markers
            )
            left = {str(row["event_id"]) for row in gone}
            present = [i for i in others if departed_marker(i) not in left]
            if not present:
                return []
            found = await conn.fetch_all(
                f"SELECT * FROM mentorships WHERE status = 'active' AND (mentor_id IN ({in_list(present)})"
                f" OR mentee_id IN ({in_list(present)})) ORDER BY started_at, id",
                *present,
                *present,
            )
        return [rows.mentorship(row) for row in found]
