"""The store contract: every read and every state change of the mentorship domain.

One implementation over the `Database` port serves both engines (SQLite and PostgreSQL); the contract
suite in ``tests/storage`` runs against both. Every state change is a compare-and-set (an UPDATE whose
WHERE clause names the state it expects) inside one transaction, so two clicks, two processes or a crash
can never double-book a mentor, accept an offer twice or lose a request.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from mentorbot.matching.score import Candidate, PoolMentor, PoolRequest, RoundPool, ScoreParams, score_sql
from mentorbot.models import (
    OPEN_REQUEST_STATUSES,
    Feedback,
    Job,
    JobKind,
    Level,
    Member,
    MentorProfile,
    Mentorship,
    MentorshipRequest,
    MentorStatus,
    NewMentorProfile,
    Offer,
    OfferStatus,
    RequestStatus,
)
from mentorbot.storage import rows
from mentorbot.storage.database import Connection, Database, Row, create_database
from mentorbot.storage.migrations import migrate


class LimitReached(Exception):
    """A member already has the maximum number of open requests."""


class DuplicateRequest(Exception):
    """A member already has an open request for exactly these skills (`request_id`)."""

    def __init__(self, request_id: int) -> None:
        super().__init__(request_id)
        self.request_id = request_id


@dataclass(frozen=True)
class AcceptResult:
    """What accepting an offer (or an admin's manual match, which has no offer) changed."""

    offer: Offer | None
    mentorship: Mentorship
    request: MentorshipRequest
    closed_requests: tuple[MentorshipRequest, ...]
    withdrawn_offers: tuple[Offer, ...]


@dataclass(frozen=True)
class WaitFacts:
    """Counts behind a wait reason: mentors sharing a requested skill, active ones, active ones not yet asked."""

    mentors: int
    active: int
    not_asked: int


@dataclass(frozen=True)
class CancelResult:
    """What cancelling a request changed: the pending offer it withdrew, if any."""

    withdrawn_offer: Offer | None


@dataclass(frozen=True)
class ExpireResult:
    """What expiring an offer changed: the offer, and whether the mentor was paused for it."""

    offer: Offer
    mentor_paused: bool


@dataclass(frozen=True)
class ForgetResult:
    """What forgetting a member changed for others."""

    ended_mentorships: tuple[Mentorship, ...]
    requeued_requests: tuple[int, ...]


@dataclass(frozen=True)
class Stats:
    """Programme health, counted from the tables."""

    members: int
    mentors_active: int
    mentors_paused: int
    requests_open: int
    requests_waiting: int
    mentorships_active: int
    median_time_to_match: timedelta | None
    acceptance_rate: float | None
    skill_demand: dict[str, int]
    skill_supply: dict[str, int]
    ratings: int = 0
    average_rating: float | None = None
    comments: int = 0


@dataclass(frozen=True)
class NewOffer:
    """One offer for `Store.create_offers`."""

    request_id: int
    mentor_id: int
    score: float
    explanation: str


def _in(values: Sequence[Any]) -> str:
    """Placeholders for an IN list; an empty list matches nothing (``IN (NULL)``) instead of a syntax error."""
    return ", ".join("?" for _ in values) or "NULL"


class Store:
    """Async store of members, mentor profiles, requests, offers, mentorships, feedback, jobs and events."""

    def __init__(self, db: Database) -> None:
        self.db = db
        # Distinct mentor time zones, cached for ranking in SQL (`find_top_candidates`). Only a hint: a zone
        # missing from it ranks with the largest bonus and is reported, and the caller refreshes and re-ranks.
        self._timezones: tuple[str, ...] | None = None

    @classmethod
    def from_url(cls, url: str) -> Store:
        """A store over the engine that `url` names (not yet opened)."""
        return cls(create_database(url))

    async def open(self, now: datetime) -> int:
        """Connect and apply pending migrations; return the schema version."""
        await self.db.open()
        return await migrate(self.db, now)

    async def close(self) -> None:
        """Release the engine's connections."""
        await self.db.close()

    # ------------------------------------------------------------------ members

    async def ensure_member(self, community: str, platform_user_id: str, display_name: str, now: datetime) -> Member:
        """The member with this platform id, created on first sight; the display name is kept fresh."""
        async with self.db.transaction() as conn:
            row = await conn.fetch_one(
                "SELECT * FROM members WHERE community = ? AND platform_user_id = ?",
                community,
                platform_user_id,
            )
            if row is None:
                row = await conn.fetch_one(
                    "INSERT INTO members (community, platform_user_id, display_name, created_at) "
                    "VALUES (?, ?, ?, ?) ON CONFLICT (community, platform_user_id) "
                    "DO UPDATE SET display_name = excluded.display_name RETURNING *",
                    community,
                    platform_user_id,
                    display_name,
                    now,
                )
            elif display_name and row["display_name"] != display_name:
                row = await conn.fetch_one(
                    "UPDATE members SET display_name = ? WHERE id = ? RETURNING *", display_name, row["id"]
                )
            assert row is not None
            return rows.member(row)

    async def get_member(self, member_id: int) -> Member | None:
        """A member by id."""
        async with self.db.read() as conn:
            row = await conn.fetch_one("SELECT * FROM members WHERE id = ?", member_id)
        return rows.member(row) if row else None

    async def find_member(self, community: str, platform_user_id: str) -> Member | None:
        """A member by community and platform user id."""
        async with self.db.read() as conn:
            row = await conn.fetch_one(
                "SELECT * FROM members WHERE community = ? AND platform_user_id = ?",
                community,
                platform_user_id,
            )
        return rows.member(row) if row else None

    async def find_member_by_name(self, community: str, name: str) -> Member | None:
        """A member by display name or platform id, case-insensitively (admin commands, console)."""
        async with self.db.read() as conn:
            row = await conn.fetch_one(
                "SELECT * FROM members WHERE community = ? AND "
                "(LOWER(display_name) = LOWER(?) OR platform_user_id = ?) ORDER BY id LIMIT 1",
                community,
                name,
                name,
            )
        return rows.member(row) if row else None

    async def set_language(self, member_id: int, language: str) -> None:
        """Remember the language a member chose."""
        async with self.db.transaction() as conn:
            await conn.execute("UPDATE members SET language = ? WHERE id = ?", language, member_id)

    async def set_last_channel(self, member_id: int, channel: str) -> None:
        """Remember where a member last used the bot (fallback when their DMs are closed)."""
        async with self.db.transaction() as conn:
            await conn.execute("UPDATE members SET last_channel = ? WHERE id = ?", channel, member_id)

    async def set_member_timezone(self, member_id: int, timezone: str) -> None:
        """Remember a member's time zone (when the platform tells it), for ranking mentors by closeness."""
        async with self.db.transaction() as conn:
            await conn.execute("UPDATE members SET timezone = ? WHERE id = ?", timezone, member_id)

    async def count_members(self, community: str | None = None) -> int:
        """How many members (in one community, or everywhere)."""
        async with self.db.read() as conn:
            if community is None:
                row = await conn.fetch_one("SELECT COUNT(*) AS n FROM members")
            else:
                row = await conn.fetch_one("SELECT COUNT(*) AS n FROM members WHERE community = ?", community)
        return int(row["n"]) if row else 0

    # --------------------------------------------------------- mentor profiles

    async def _profile(self, conn: Connection, member_id: int) -> MentorProfile | None:
        row = await conn.fetch_one("SELECT * FROM mentor_profiles WHERE member_id = ?", member_id)
        if row is None:
            return None
        skills = await conn.fetch_all(
            "SELECT skill, level FROM mentor_skills WHERE member_id = ? ORDER BY skill", member_id
        )
        return rows.mentor_profile(row, {r["skill"]: Level(r["level"]) for r in skills})

    async def get_mentor_profile(self, member_id: int) -> MentorProfile | None:
        """A mentor's profile, or None when the member is not a mentor."""
        async with self.db.read() as conn:
            return await self._profile(conn, member_id)

    async def _upsert_profile(self, conn: Connection, member_id: int, profile: NewMentorProfile, now: datetime) -> bool:
        """Insert or update a mentor profile and replace its skills; True when it was created."""
        existing = await conn.fetch_one("SELECT member_id FROM mentor_profiles WHERE member_id = ?", member_id)
        await conn.execute(
            "INSERT INTO mentor_profiles (member_id, capacity, bio, timezone, languages, status, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, 'active', ?, ?) ON CONFLICT (member_id) DO UPDATE SET "
            "capacity = excluded.capacity, bio = excluded.bio, timezone = excluded.timezone, "
            "languages = excluded.languages, updated_at = excluded.updated_at",
            member_id,
            profile.capacity,
            profile.bio,
            profile.timezone,
            rows.join_list(profile.languages),
            now,
            now,
        )
        # Replacing the skill set inside the caller's transaction: readers see the old set or the new one.
        await conn.execute("DELETE FROM mentor_skills WHERE member_id = ?", member_id)
        await conn.executemany(
            "INSERT INTO mentor_skills (member_id, skill, level) VALUES (?, ?, ?)",
            [(member_id, slug, level.value) for slug, level in profile.skills.items()],
        )
        return existing is None

    async def save_mentor_profile(
        self, member_id: int, profile: NewMentorProfile, now: datetime
    ) -> tuple[MentorProfile, bool]:
        """Create or update a mentor profile and its skills in one transaction; True when created."""
        async with self.db.transaction() as conn:
            created = await self._upsert_profile(conn, member_id, profile, now)
            saved = await self._profile(conn, member_id)
        self._timezones = None
        assert saved is not None
        return saved, created

    async def import_mentors(
        self, community: str, entries: Sequence[tuple[str, str, NewMentorProfile]], now: datetime
    ) -> int:
        """Create or update many mentors (platform user id, display name, profile) in ONE transaction:
        all of them are saved, or none is. Returns how many were saved."""
        async with self.db.transaction() as conn:
            for user_id, name, profile in entries:
                row = await conn.fetch_one(
                    "INSERT INTO members (community, platform_user_id, display_name, created_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (community, platform_user_id) DO UPDATE SET display_name = excluded.display_name "
                    "RETURNING id",
                    community,
                    user_id,
                    name,
                    now,
                )
                assert row is not None
                await self._upsert_profile(conn, int(row["id"]), profile, now)
        self._timezones = None
        return len(entries)

    async def set_mentor_status(
        self,
        member_id: int,
        status: MentorStatus,
        now: datetime,
        *,
        paused_until: datetime | None = None,
        reason: str | None = None,
        expect: MentorStatus | None = None,
    ) -> bool:
        """Pause or resume a mentor (compare-and-set on `expect` when given); True when changed.

        Pausing with `paused_until` schedules a resume job; resuming cancels it and resets the expiry streak.
        """
        async with self.db.transaction() as conn:
            sql = (
                "UPDATE mentor_profiles SET status = ?, paused_until = ?, pause_reason = ?, updated_at = ?"
                + (", expired_streak = 0" if status is MentorStatus.ACTIVE else "")
                + " WHERE member_id = ?"
            )
            args: list[Any] = [status.value, paused_until, reason, now, member_id]
            if expect is not None:
                sql += " AND status = ?"
                args.append(expect.value)
            changed = await conn.execute(sql, *args) == 1
            if changed:
                if status is MentorStatus.PAUSED and paused_until is not None:
                    await self._schedule(conn, JobKind.RESUME, member_id, paused_until, now)
                else:
                    await self._cancel_job(conn, JobKind.RESUME, member_id)
            return changed

    async def count_mentors(self, community: str) -> dict[str, int]:
        """Mentors by status in a community."""
        async with self.db.read() as conn:
            found = await conn.fetch_all(
                "SELECT p.status, COUNT(*) AS n FROM mentor_profiles p JOIN members m ON m.id = p.member_id "
                "WHERE m.community = ? GROUP BY p.status",
                community,
            )
        return {r["status"]: int(r["n"]) for r in found}

    async def list_mentors(self, community: str) -> list[tuple[Member, MentorProfile]]:
        """Every mentor of a community with their member record."""
        async with self.db.read() as conn:
            members = await conn.fetch_all(
                "SELECT m.* FROM members m JOIN mentor_profiles p ON p.member_id = m.id "
                "WHERE m.community = ? ORDER BY m.id",
                community,
            )
            # Two queries for the whole community instead of two per mentor (it was N+1: slow at 10,000 mentors).
            profiles = await conn.fetch_all(
                "SELECT p.* FROM mentor_profiles p JOIN members m ON m.id = p.member_id WHERE m.community = ?",
                community,
            )
            skill_rows = await conn.fetch_all(
                "SELECT s.member_id, s.skill, s.level FROM mentor_skills s JOIN members m ON m.id = s.member_id "
                "WHERE m.community = ? ORDER BY s.member_id, s.skill",
                community,
            )
        skills_of: dict[int, dict[str, Level]] = {}
        for r in skill_rows:
            skills_of.setdefault(int(r["member_id"]), {})[r["skill"]] = Level(r["level"])
        profile_of = {int(r["member_id"]): r for r in profiles}
        out: list[tuple[Member, MentorProfile]] = []
        for row in members:
            member_id = int(row["id"])
            if member_id in profile_of:
                out.append((rows.member(row), rows.mentor_profile(profile_of[member_id], skills_of.get(member_id, {}))))
        return out

    async def find_candidates(
        self,
        community: str,
        skills: Sequence[str],
        *,
        exclude_member: int,
        request_id: int | None,
        repeat_since: datetime,
    ) -> list[Candidate]:
        """Eligible mentors for a request: active, with a free place, sharing a skill, not the requester,
        in the same community, and not already offered this request."""
        if not skills:
            return []
        async with self.db.read() as conn:
            args: list[Any] = [*skills, community, exclude_member]
            not_offered = ""
            if request_id is not None:
                not_offered = (
                    " AND NOT EXISTS (SELECT 1 FROM offers o WHERE o.request_id = ? AND o.mentor_id = p.member_id)"
                )
                args.append(request_id)
            found = await conn.fetch_all(
                "SELECT p.*, m.community, m.platform_user_id, m.display_name, m.language, "
                "m.created_at AS member_created_at, s.skill AS shared_skill, s.level AS shared_level "
                "FROM mentor_skills s JOIN mentor_profiles p ON p.member_id = s.member_id "
                "JOIN members m ON m.id = p.member_id "
                f"WHERE s.skill IN ({_in(skills)}) AND m.community = ? AND p.member_id <> ? "
                "AND p.status = 'active' AND p.active_count + p.pending_offers < p.capacity" + not_offered,
                *args,
            )
            if not found:
                return []
            by_member: dict[int, list[Row]] = {}
            for row in found:
                by_member.setdefault(int(row["member_id"]), []).append(row)
            ids = list(by_member)
            all_skills = await conn.fetch_all(
                f"SELECT member_id, skill, level FROM mentor_skills WHERE member_id IN ({_in(ids)})", *ids
            )
            pairs = await conn.fetch_all(
                "SELECT mentor_id, COUNT(*) AS n FROM mentorships WHERE mentee_id = ? AND started_at >= ? "
                f"AND mentor_id IN ({_in(ids)}) GROUP BY mentor_id",
                exclude_member,
                repeat_since,
                *ids,
            )
        skills_of: dict[int, dict[str, Level]] = {}
        for row in all_skills:
            skills_of.setdefault(int(row["member_id"]), {})[row["skill"]] = Level(row["level"])
        past = {int(r["mentor_id"]): int(r["n"]) for r in pairs}
        out: list[Candidate] = []
        for member_id, member_rows in by_member.items():
            first = member_rows[0]
            member = rows.member(
                {
                    "id": member_id,
                    "community": first["community"],
                    "platform_user_id": first["platform_user_id"],
                    "display_name": first["display_name"],
                    "language": first["language"],
                    "created_at": first["member_created_at"],
                }
            )
            profile = rows.mentor_profile(first, skills_of.get(member_id, {}))
            shared = {r["shared_skill"]: Level(r["shared_level"]) for r in member_rows}
            out.append(Candidate(member, profile, shared, past.get(member_id, 0)))
        return out

    async def wait_facts(
        self, community: str, skills: Sequence[str], *, exclude_member: int, request_id: int
    ) -> WaitFacts:
        """Why a request may have no eligible mentor, counted in one query: the mentors of the community who
        share one of `skills` (not the requester), the active ones, and the active ones not yet asked."""
        async with self.db.read() as conn:
            row = await conn.fetch_one(
                "SELECT COUNT(DISTINCT p.member_id) AS mentors, "
                "COUNT(DISTINCT CASE WHEN p.status = 'active' THEN p.member_id END) AS active, "
                "COUNT(DISTINCT CASE WHEN p.status = 'active' AND NOT EXISTS (SELECT 1 FROM offers o "
                "WHERE o.request_id = ? AND o.mentor_id = p.member_id) THEN p.member_id END) AS not_asked "
                "FROM mentor_skills s JOIN mentor_profiles p ON p.member_id = s.member_id "
                "JOIN members m ON m.id = p.member_id "
                f"WHERE s.skill IN ({_in(skills)}) AND m.community = ? AND p.member_id <> ?",
                request_id,
                *skills,
                community,
                exclude_member,
            )
        if row is None:
            return WaitFacts(0, 0, 0)
        return WaitFacts(int(row["mentors"]), int(row["active"]), int(row["not_asked"]))

    async def mentor_timezones(self, *, refresh: bool = False) -> tuple[str, ...]:
        """The distinct time zones of mentor profiles, most common first (cached; `refresh` re-reads them)."""
        if self._timezones is None or refresh:
            async with self.db.read() as conn:
                found = await conn.fetch_all(
                    "SELECT timezone, COUNT(*) AS n FROM mentor_profiles GROUP BY timezone ORDER BY n DESC, timezone"
                )
            self._timezones = tuple(str(r["timezone"]) for r in found)
        return self._timezones

    async def find_top_candidates(
        self,
        community: str,
        skills: Sequence[str],
        *,
        exclude_member: int,
        request_id: int | None,
        repeat_since: datetime,
        mentee_language: str,
        params: ScoreParams,
        limit: int,
    ) -> tuple[list[Candidate], bool]:
        """The `limit` best eligible mentors for a request, ranked inside the database.

        Eligibility is exactly `find_candidates`'; the score is `mentorbot.matching.score_candidate`'s, computed
        in SQL with the same floating-point operations in the same order and rounded to 6 decimals, and ties
        are broken like `rank_candidates` (least recently offered, older profile, lower id). Only the winners
        are read into Python, so the cost no longer grows with the number of candidates materialised.
        Returns the candidates best first, and whether one of them has a time zone missing from
        `params.tz_bonus` (it was ranked with `params.tz_default`; the caller then refreshes and asks again).
        """
        if not skills or limit <= 0:
            return [], False
        # First without the community condition: it costs a members lookup per candidate row, and a database
        # usually serves one community. The best of everyone, if all in `community`, are its best; otherwise
        # the query runs again with the condition.
        query = (community, skills, exclude_member, request_id, repeat_since, mentee_language, params, limit)
        async with self.db.read() as conn:
            found = await self._top_rows(conn, *query, by_community=False)
            if any(r["community"] != community for r in found):
                found = await self._top_rows(conn, *query, by_community=True)
            if not found:
                return [], False
            ids = [int(r["member_id"]) for r in found]
            skill_rows = await conn.fetch_all(
                f"SELECT member_id, skill, level FROM mentor_skills WHERE member_id IN ({_in(ids)})", *ids
            )
        skills_of: dict[int, dict[str, Level]] = {}
        for r in sorted(skill_rows, key=lambda r: (int(r["member_id"]), r["skill"])):
            skills_of.setdefault(int(r["member_id"]), {})[r["skill"]] = Level(r["level"])
        wanted = set(skills)
        out: list[Candidate] = []
        for row in found:
            member_id = int(row["member_id"])
            member = rows.member(
                {
                    "id": member_id,
                    "community": row["community"],
                    "platform_user_id": row["platform_user_id"],
                    "display_name": row["display_name"],
                    "language": row["language"],
                    "created_at": row["member_created_at"],
                }
            )
            own = skills_of.get(member_id, {})
            shared = {slug: level for slug, level in own.items() if slug in wanted}
            out.append(Candidate(member, rows.mentor_profile(row, own), shared, int(row["past_pairs"])))
        return out, any(c.profile.timezone not in params.tz_bonus for c in out)

    async def _top_rows(
        self,
        conn: Connection,
        community: str,
        skills: Sequence[str],
        exclude_member: int,
        request_id: int | None,
        repeat_since: datetime,
        mentee_language: str,
        params: ScoreParams,
        limit: int,
        *,
        by_community: bool,
    ) -> list[Row]:
        """The SQL of `find_top_candidates`: score every eligible mentor, keep the best `limit`, then read
        the profile and member rows of those only."""
        score, score_args = score_sql(
            params, self.db.dialect, skills_asked=len(skills), mentee_language=mentee_language
        )
        where_args: list[Any] = [*skills, exclude_member]
        extra = ""
        if request_id is not None:
            # NOT IN over a subquery is evaluated once (a hashed/ephemeral set), not probed per candidate.
            extra += " AND s.member_id NOT IN (SELECT o.mentor_id FROM offers o WHERE o.request_id = ?)"
            where_args.append(request_id)
        if by_community:
            extra += " AND s.member_id IN (SELECT c.id FROM members c WHERE c.id = s.member_id AND c.community = ?)"
            where_args.append(community)
        # Ranked by the score in millionths, rounded to the nearest integer: the order of Python's
        # round(score, 6). (The two roundings could only differ on an exact half, and no score is one: every
        # term is a multiple of 1/2400, of 0.2/capacity or of a level weight over at most 5 skills.)
        # ROUND without digits is exact and cheap on both engines.
        order = "score DESC, last_offered_at NULLS FIRST, created_at, member_id"
        sql = (
            "WITH past (mentor_id, n) AS (SELECT mentor_id, COUNT(*) FROM mentorships "
            "WHERE mentee_id = ? AND started_at >= ? GROUP BY mentor_id), "
            f"top AS (SELECT p.member_id AS member_id, ROUND(({score}) * 1000000) AS score, "
            "p.last_offered_at AS last_offered_at, p.created_at AS created_at "
            "FROM mentor_skills s JOIN mentor_profiles p ON p.member_id = s.member_id "
            "LEFT JOIN past ON past.mentor_id = s.member_id "
            f"WHERE s.skill IN ({_in(skills)}) AND p.status = 'active' "
            f"AND p.active_count + p.pending_offers < p.capacity AND s.member_id <> ?{extra} "
            f"GROUP BY p.member_id ORDER BY {order} LIMIT ?) "
            "SELECT p.*, m.community, m.platform_user_id, m.display_name, m.language, "
            "m.created_at AS member_created_at, COALESCE(past.n, 0) AS past_pairs "
            "FROM top JOIN mentor_profiles p ON p.member_id = top.member_id JOIN members m ON m.id = top.member_id "
            "LEFT JOIN past ON past.mentor_id = top.member_id "
            "ORDER BY top.score DESC, top.last_offered_at NULLS FIRST, top.created_at, top.member_id"
        )
        return await conn.fetch_all(sql, exclude_member, repeat_since, *score_args, *where_args, limit)

    async def round_pool(self, community: str, *, repeat_since: datetime) -> RoundPool:
        """What a matching round over every waiting request of `community` needs, in one snapshot:
        the waiting requests (oldest first) with their mentees, the active mentors with a free place,
        the pairs already offered and the recent mentorships between them. A fixed number of queries,
        whatever the size of the community (reading per request was thousands of queries)."""
        async with self.db.read() as conn:
            waiting = await self._requests(
                conn,
                "community = ? AND status = 'waiting'",
                community,
                skills_where="request_id IN (SELECT id FROM requests WHERE community = ? AND status = 'waiting')",
                skills_args=(community,),
            )
            mentees = await conn.fetch_all(
                "SELECT * FROM members WHERE id IN "
                "(SELECT member_id FROM requests WHERE community = ? AND status = 'waiting')",
                community,
            )
            free = (
                "SELECT p.member_id FROM mentor_profiles p JOIN members m ON m.id = p.member_id WHERE m.community = ? "
                "AND p.status = 'active' AND p.active_count + p.pending_offers < p.capacity"
            )
            mentor_rows = await conn.fetch_all(
                "SELECT p.*, m.community, m.platform_user_id, m.display_name, m.language, "
                "m.timezone AS member_timezone, m.last_channel, m.created_at AS member_created_at "
                "FROM mentor_profiles p JOIN members m ON m.id = p.member_id "
                f"WHERE p.member_id IN ({free}) ORDER BY p.member_id",
                community,
            )
            skill_rows = await conn.fetch_all(
                f"SELECT member_id, skill, level FROM mentor_skills WHERE member_id IN ({free}) "
                "ORDER BY member_id, skill",
                community,
            )
            offered_rows = await conn.fetch_all(
                "SELECT o.request_id, o.mentor_id FROM offers o JOIN requests r ON r.id = o.request_id "
                "WHERE r.community = ? AND r.status = 'waiting'",
                community,
            )
            past_rows = await conn.fetch_all(
                "SELECT mentee_id, mentor_id, COUNT(*) AS n FROM mentorships WHERE started_at >= ? AND mentee_id IN "
                "(SELECT member_id FROM requests WHERE community = ? AND status = 'waiting') "
                "GROUP BY mentee_id, mentor_id",
                repeat_since,
                community,
            )
        skills_of: dict[int, dict[str, Level]] = {}
        for r in skill_rows:
            skills_of.setdefault(int(r["member_id"]), {})[r["skill"]] = Level(r["level"])
        mentee_of = {int(r["id"]): rows.member(r) for r in mentees}
        mentors = tuple(
            PoolMentor(
                rows.member(
                    {
                        "id": r["member_id"],
                        "community": r["community"],
                        "platform_user_id": r["platform_user_id"],
                        "display_name": r["display_name"],
                        "language": r["language"],
                        "created_at": r["member_created_at"],
                        "timezone": r["member_timezone"],
                        "last_channel": r["last_channel"],
                    }
                ),
                rows.mentor_profile(r, skills_of.get(int(r["member_id"]), {})),
            )
            for r in mentor_rows
        )
        return RoundPool(
            requests=tuple(
                PoolRequest(request, mentee_of[request.member_id])
                for request in waiting
                if request.member_id in mentee_of
            ),
            mentors=mentors,
            offered=frozenset((int(r["request_id"]), int(r["mentor_id"])) for r in offered_rows),
            past_pairs={(int(r["mentee_id"]), int(r["mentor_id"])): int(r["n"]) for r in past_rows},
        )

    # ---------------------------------------------------------------- locking

    # Lock order, everywhere: the mentee's member row, then offers, mentor profiles, requests. Taking the
    # mentee's row first serialises every change to one mentee's requests, which keeps PostgreSQL free of
    # deadlocks between, say, two mentors accepting two offers of the same mentee at once.

    async def _lock_member(self, conn: Connection, member_id: int) -> None:
        await conn.execute("UPDATE members SET display_name = display_name WHERE id = ?", member_id)

    async def _lock_mentee_of_offer(self, conn: Connection, offer_id: int) -> None:
        await conn.execute(
            "UPDATE members SET display_name = display_name WHERE id = "
            "(SELECT r.member_id FROM offers o JOIN requests r ON r.id = o.request_id WHERE o.id = ?)",
            offer_id,
        )

    async def _lock_mentee_of_request(self, conn: Connection, request_id: int) -> None:
        await conn.execute(
            "UPDATE members SET display_name = display_name WHERE id = (SELECT member_id FROM requests WHERE id = ?)",
            request_id,
        )

    # ---------------------------------------------------------------- requests

    async def _request(self, conn: Connection, request_id: int) -> MentorshipRequest | None:
        row = await conn.fetch_one("SELECT * FROM requests WHERE id = ?", request_id)
        if row is None:
            return None
        skills = await conn.fetch_all(
            "SELECT skill FROM request_skills WHERE request_id = ? ORDER BY position", request_id
        )
        return rows.request(row, tuple(r["skill"] for r in skills))

    async def _requests(
        self,
        conn: Connection,
        where: str,
        *args: Any,
        skills_where: str | None = None,
        skills_args: Sequence[Any] = (),
    ) -> list[MentorshipRequest]:
        """Requests matching `where`, oldest first, with their skills. `skills_where` selects the same requests'
        skills by a subquery (for thousands of requests) instead of an IN list of their ids."""
        found = await conn.fetch_all(f"SELECT * FROM requests WHERE {where} ORDER BY created_at, id", *args)
        if not found:
            return []
        if skills_where is not None:
            skill_rows = await conn.fetch_all(
                f"SELECT request_id, skill FROM request_skills WHERE {skills_where} ORDER BY request_id, position",
                *skills_args,
            )
        else:
            ids = [int(r["id"]) for r in found]
            skill_rows = await conn.fetch_all(
                f"SELECT request_id, skill FROM request_skills WHERE request_id IN ({_in(ids)}) "
                "ORDER BY request_id, position",
                *ids,
            )
        skills: dict[int, list[str]] = {}
        for r in skill_rows:
            skills.setdefault(int(r["request_id"]), []).append(r["skill"])
        return [rows.request(r, tuple(skills.get(int(r["id"]), []))) for r in found]

    async def create_request(
        self,
        member_id: int,
        community: str,
        skills: Sequence[str],
        note: str,
        now: datetime,
        *,
        max_open: int,
        reject_duplicate: bool = False,
    ) -> MentorshipRequest:
        """A new waiting request; raises `LimitReached` when the member already has `max_open` open ones and
        (with `reject_duplicate`) `DuplicateRequest` when one of them asks for exactly these skills, checked
        under the member's lock so simultaneous duplicates cannot both pass."""
        async with self.db.transaction() as conn:
            # Locking the member's row means two simultaneous requests cannot both pass the limit check.
            await self._lock_member(conn, member_id)
            if reject_duplicate:
                open_ones = await self._requests(
                    conn,
                    f"member_id = ? AND status IN ({_in(OPEN_REQUEST_STATUSES)})",
                    member_id,
                    *OPEN_REQUEST_STATUSES,
                )
                for existing in open_ones:
                    if set(existing.skills) == set(skills):
                        raise DuplicateRequest(existing.id)
            row = await conn.fetch_one(
                f"SELECT COUNT(*) AS n FROM requests WHERE member_id = ? AND status IN ({_in(OPEN_REQUEST_STATUSES)})",
                member_id,
                *OPEN_REQUEST_STATUSES,
            )
            if row is not None and int(row["n"]) >= max_open:
                raise LimitReached
            created = await conn.fetch_one(
                "INSERT INTO requests (member_id, community, note, status, created_at, updated_at) "
                "VALUES (?, ?, ?, 'waiting', ?, ?) RETURNING id",
                member_id,
                community,
                note,
                now,
                now,
            )
            assert created is not None
            request_id = int(created["id"])
            await conn.executemany(
                "INSERT INTO request_skills (request_id, skill, position) VALUES (?, ?, ?)",
                [(request_id, slug, i) for i, slug in enumerate(skills)],
            )
            made = await self._request(conn, request_id)
        assert made is not None
        return made

    async def get_request(self, request_id: int) -> MentorshipRequest | None:
        """A request by id."""
        async with self.db.read() as conn:
            return await self._request(conn, request_id)

    async def list_member_requests(self, member_id: int, *, open_only: bool = False) -> list[MentorshipRequest]:
        """A member's requests, oldest first."""
        async with self.db.read() as conn:
            if open_only:
                return await self._requests(
                    conn,
                    f"member_id = ? AND status IN ({_in(OPEN_REQUEST_STATUSES)})",
                    member_id,
                    *OPEN_REQUEST_STATUSES,
                )
            return await self._requests(conn, "member_id = ?", member_id)

    async def list_requests(self, community: str | None, statuses: Sequence[RequestStatus]) -> list[MentorshipRequest]:
        """Requests in the given states (of one community or all), oldest first."""
        values = [s.value for s in statuses]
        async with self.db.read() as conn:
            if community is None:
                return await self._requests(conn, f"status IN ({_in(values)})", *values)
            return await self._requests(conn, f"community = ? AND status IN ({_in(values)})", community, *values)

    async def set_wait_reason(self, request_id: int, reason: str, now: datetime) -> bool:
        """Record why a waiting request waits (a JSON message reference); True when it was still waiting."""
        async with self.db.transaction() as conn:
            return (
                await conn.execute(
                    "UPDATE requests SET wait_reason = ?, updated_at = ? WHERE id = ? AND status = 'waiting'",
                    reason,
                    now,
                    request_id,
                )
                == 1
            )

    async def cancel_request(self, request_id: int, member_id: int, now: datetime) -> CancelResult | None:
        """Cancel an open request of `member_id`; None when it was not open (or not theirs)."""
        async with self.db.transaction() as conn:
            await self._lock_member(conn, member_id)
            changed = await conn.execute(
                "UPDATE requests SET status = 'cancelled', updated_at = ? "
                f"WHERE id = ? AND member_id = ? AND status IN ({_in(OPEN_REQUEST_STATUSES)})",
                now,
                request_id,
                member_id,
                *OPEN_REQUEST_STATUSES,
            )
            if changed != 1:
                return None
            withdrawn = await self._withdraw_pending(conn, [request_id], now)
        return CancelResult(withdrawn[0] if withdrawn else None)

    async def _withdraw_pending(self, conn: Connection, request_ids: Sequence[int], now: datetime) -> list[Offer]:
        """Withdraw the pending offers of these requests and give the mentors their held places back."""
        if not request_ids:
            return []
        found = await conn.fetch_all(
            "UPDATE offers SET status = 'withdrawn', decided_at = ? "
            f"WHERE status = 'pending' AND request_id IN ({_in(request_ids)}) RETURNING *",
            now,
            *request_ids,
        )
        offers = [rows.offer(r) for r in found]
        for offer in offers:
            await conn.execute(
                "UPDATE mentor_profiles SET pending_offers = pending_offers - 1 WHERE member_id = ? "
                "AND pending_offers > 0",
                offer.mentor_id,
            )
            await self._cancel_job(conn, JobKind.OFFER_EXPIRY, offer.id)
        return offers

    # ------------------------------------------------------------------ offers

    async def create_offer(
        self,
        request_id: int,
        mentor_id: int,
        score: float,
        explanation: str,
        now: datetime,
        expires_at: datetime,
    ) -> Offer | None:
        """Offer a waiting request to a mentor, holding one of their places, and schedule its expiry.

        None when the request is no longer waiting or the mentor is no longer active with a free place.
        """
        try:
            async with self.db.transaction() as conn:
                await self._lock_mentee_of_request(conn, request_id)
                if (
                    await conn.execute(
                        "UPDATE requests SET status = 'offered', wait_reason = NULL, updated_at = ? "
                        "WHERE id = ? AND status = 'waiting'",
                        now,
                        request_id,
                    )
                    != 1
                ):
                    return None
                held = await conn.execute(
                    "UPDATE mentor_profiles SET pending_offers = pending_offers + 1, last_offered_at = ? "
                    "WHERE member_id = ? AND status = 'active' AND active_count + pending_offers < capacity",
                    now,
                    mentor_id,
                )
                if held != 1:
                    raise _Rollback
                row = await conn.fetch_one(
                    "INSERT INTO offers (request_id, mentor_id, status, score, explanation, created_at, expires_at) "
                    "VALUES (?, ?, 'pending', ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING *",
                    request_id,
                    mentor_id,
                    score,
                    explanation,
                    now,
                    expires_at,
                )
                if row is None:
                    raise _Rollback
                offer = rows.offer(row)
                await self._schedule(conn, JobKind.OFFER_EXPIRY, offer.id, expires_at, now)
                return offer
        except _Rollback:
            return None

    def _id_list(self, ids: Sequence[int]) -> tuple[str, Any]:
        """A subquery yielding `ids`, bound as ONE parameter (thousands of ids exceed placeholder limits)."""
        if self.db.dialect == "postgresql":
            return "SELECT unnest(CAST(? AS BIGINT[]))", list(ids)
        return "SELECT value FROM json_each(?)", json.dumps(list(ids))

    async def create_offers(self, items: Sequence[NewOffer], now: datetime, expires_at: datetime) -> list[Offer]:
        """Many offers in ONE transaction (a matching round): each is created exactly when `create_offer`
        would create it on its own (request still waiting, mentor active with a free place, pair never
        offered), the others are skipped and change nothing. Set-based: a fixed number of statements for
        the whole batch instead of a transaction per offer. Returns the offers created."""
        todo: dict[int, NewOffer] = {}
        for item in items:
            todo.setdefault(item.request_id, item)
        if not todo:
            return []
        async with self.db.transaction() as conn:
            ids_sql, ids_arg = self._id_list(list(todo))
            # Lock order as everywhere: the mentees' member rows first. Every change to a request's status
            # takes that lock, so the states read below stay true until this transaction ends.
            await conn.execute(
                "UPDATE members SET display_name = display_name WHERE id IN "
                f"(SELECT member_id FROM requests WHERE id IN ({ids_sql}))",
                ids_arg,
            )
            waiting = {
                int(r["id"])
                for r in await conn.fetch_all(
                    f"SELECT id FROM requests WHERE id IN ({ids_sql}) AND status = 'waiting'", ids_arg
                )
            }
            offered = {
                (int(r["request_id"]), int(r["mentor_id"]))
                for r in await conn.fetch_all(
                    f"SELECT request_id, mentor_id FROM offers WHERE request_id IN ({ids_sql})", ids_arg
                )
            }
            by_mentor: dict[int, list[NewOffer]] = {}
            for item in todo.values():
                if item.request_id in waiting and (item.request_id, item.mentor_id) not in offered:
                    by_mentor.setdefault(item.mentor_id, []).append(item)
            # Hold the places: one conditional UPDATE per distinct number of places taken from a mentor.
            held: list[NewOffer] = []
            by_count: dict[int, list[int]] = {}
            for mentor_id, mentor_items in by_mentor.items():
                by_count.setdefault(len(mentor_items), []).append(mentor_id)
            for count, mentor_ids in sorted(by_count.items()):
                m_sql, m_arg = self._id_list(mentor_ids)
                granted = {
                    int(r["member_id"])
                    for r in await conn.fetch_all(
                        "UPDATE mentor_profiles SET pending_offers = pending_offers + ?, last_offered_at = ? "
                        f"WHERE member_id IN ({m_sql}) AND status = 'active' "
                        "AND active_count + pending_offers + ? <= capacity RETURNING member_id",
                        count,
                        now,
                        m_arg,
                        count,
                    )
                }
                for mentor_id in mentor_ids:
                    if mentor_id in granted:
                        held.extend(by_mentor[mentor_id])
                        continue
                    # Fewer places than planned (changed since the round read them): one at a time, in order,
                    # as many as still fit, like consecutive `create_offer` calls.
                    for item in by_mentor[mentor_id]:
                        if (
                            await conn.execute(
                                "UPDATE mentor_profiles SET pending_offers = pending_offers + 1, last_offered_at = ? "
                                "WHERE member_id = ? AND status = 'active' "
                                "AND active_count + pending_offers < capacity",
                                now,
                                mentor_id,
                            )
                            != 1
                        ):
                            break
                        held.append(item)
            if not held:
                return []
            h_sql, h_arg = self._id_list([item.request_id for item in held])
            await conn.execute(
                "UPDATE requests SET status = 'offered', wait_reason = NULL, updated_at = ? "
                f"WHERE id IN ({h_sql}) AND status = 'waiting'",
                now,
                h_arg,
            )
            await conn.executemany(
                "INSERT INTO offers (request_id, mentor_id, status, score, explanation, created_at, expires_at) "
                "VALUES (?, ?, 'pending', ?, ?, ?, ?)",
                [(item.request_id, item.mentor_id, item.score, item.explanation, now, expires_at) for item in held],
            )
            created = [
                rows.offer(r)
                for r in await conn.fetch_all(
                    f"SELECT * FROM offers WHERE request_id IN ({h_sql}) AND status = 'pending' ORDER BY id", h_arg
                )
            ]
            await conn.executemany(
                "INSERT INTO jobs (kind, ref_id, due_at, status, created_at, community) "
                f"VALUES (?, ?, ?, 'pending', ?, ({_JOB_COMMUNITY[JobKind.OFFER_EXPIRY]})) "
                "ON CONFLICT (kind, ref_id) DO UPDATE SET due_at = excluded.due_at, status = 'pending', "
                "claimed_by = NULL, claimed_until = NULL, community = excluded.community",
                [(JobKind.OFFER_EXPIRY.value, offer.id, offer.expires_at, now, offer.id) for offer in created],
            )
        return created

    async def get_offer(self, offer_id: int) -> Offer | None:
        """An offer by id."""
        async with self.db.read() as conn:
            row = await conn.fetch_one("SELECT * FROM offers WHERE id = ?", offer_id)
        return rows.offer(row) if row else None

    async def list_offers(
        self, *, request_id: int | None = None, mentor_id: int | None = None, status: OfferStatus | None = None
    ) -> list[Offer]:
        """Offers of a request and/or a mentor, oldest first."""
        clauses: list[str] = []
        args: list[Any] = []
        if request_id is not None:
            clauses.append("request_id = ?")
            args.append(request_id)
        if mentor_id is not None:
            clauses.append("mentor_id = ?")
            args.append(mentor_id)
        if status is not None:
            clauses.append("status = ?")
            args.append(status.value)
        where = " AND ".join(clauses) or "1 = 1"
        async with self.db.read() as conn:
            found = await conn.fetch_all(f"SELECT * FROM offers WHERE {where} ORDER BY created_at, id", *args)
        return [rows.offer(r) for r in found]

    async def accept_offer(
        self, offer_id: int, mentor_id: int, now: datetime, *, checkin_at: datetime | None = None
    ) -> AcceptResult | None:
        """Accept a pending, unexpired offer made to `mentor_id`: one transaction that turns the held place
        into a mentorship, matches the request, closes the mentee's other open requests for the same skills
        and schedules the check-in at `checkin_at` (if given). None when any step's expected state no longer
        holds."""
        try:
            async with self.db.transaction() as conn:
                await self._lock_mentee_of_offer(conn, offer_id)
                offer_row = await conn.fetch_one(
                    "UPDATE offers SET status = 'accepted', decided_at = ? "
                    "WHERE id = ? AND mentor_id = ? AND status = 'pending' AND expires_at > ? RETURNING *",
                    now,
                    offer_id,
                    mentor_id,
                    now,
                )
                if offer_row is None:
                    return None
                offer = rows.offer(offer_row)
                if (
                    await conn.execute(
                        "UPDATE mentor_profiles SET pending_offers = pending_offers - 1, "
                        "active_count = active_count + 1, expired_streak = 0, updated_at = ? "
                        "WHERE member_id = ? AND pending_offers > 0 AND active_count < capacity",
                        now,
                        mentor_id,
                    )
                    != 1
                ):
                    raise _Rollback
                if (
                    await conn.execute(
                        "UPDATE requests SET status = 'matched', matched_at = ?, updated_at = ? "
                        "WHERE id = ? AND status = 'offered'",
                        now,
                        now,
                        offer.request_id,
                    )
                    != 1
                ):
                    raise _Rollback
                await self._cancel_job(conn, JobKind.OFFER_EXPIRY, offer.id)
                request = await self._request(conn, offer.request_id)
                assert request is not None
                mentorship = await self._insert_mentorship(conn, request, mentor_id, now)
                if checkin_at is not None:
                    await self._schedule(conn, JobKind.CHECKIN, mentorship.id, checkin_at, now)
                closed, withdrawn = await self._close_overlapping(conn, request, now)
                return AcceptResult(offer, mentorship, request, tuple(closed), tuple(withdrawn))
        except _Rollback:
            return None

    async def _insert_mentorship(
        self, conn: Connection, request: MentorshipRequest, mentor_id: int, now: datetime
    ) -> Mentorship:
        row = await conn.fetch_one(
            "INSERT INTO mentorships (request_id, mentor_id, mentee_id, community, skills, status, started_at) "
            "VALUES (?, ?, ?, ?, ?, 'active', ?) RETURNING *",
            request.id,
            mentor_id,
            request.member_id,
            request.community,
            rows.join_list(request.skills),
            now,
        )
        assert row is not None
        return rows.mentorship(row)

    async def _close_overlapping(
        self, conn: Connection, request: MentorshipRequest, now: datetime
    ) -> tuple[list[MentorshipRequest], list[Offer]]:
        """Close the mentee's other open requests that ask for any of the matched request's skills."""
        others = await self._requests(
            conn,
            f"member_id = ? AND id <> ? AND status IN ({_in(OPEN_REQUEST_STATUSES)})",
            request.member_id,
            request.id,
            *OPEN_REQUEST_STATUSES,
        )
        overlapping = [r for r in others if set(r.skills) & set(request.skills)]
        closed: list[MentorshipRequest] = []
        for other in overlapping:
            if (
                await conn.execute(
                    "UPDATE requests SET status = 'closed', updated_at = ? WHERE id = ? "
                    f"AND status IN ({_in(OPEN_REQUEST_STATUSES)})",
                    now,
                    other.id,
                    *OPEN_REQUEST_STATUSES,
                )
                == 1
            ):
                closed.append(other)
        withdrawn = await self._withdraw_pending(conn, [r.id for r in closed], now)
        return closed, withdrawn

    async def decline_offer(self, offer_id: int, mentor_id: int, reason: str | None, now: datetime) -> Offer | None:
        """Decline a pending offer made to `mentor_id`; the request waits again. None when not pending."""
        async with self.db.transaction() as conn:
            await self._lock_mentee_of_offer(conn, offer_id)
            row = await conn.fetch_one(
                "UPDATE offers SET status = 'declined', decided_at = ?, decline_reason = ? "
                "WHERE id = ? AND mentor_id = ? AND status = 'pending' RETURNING *",
                now,
                reason,
                offer_id,
                mentor_id,
            )
            if row is None:
                return None
            offer = rows.offer(row)
            await self._release_offer(conn, offer, now, expired=False)
            return offer

    async def expire_offer(self, offer_id: int, now: datetime, *, max_expired: int) -> ExpireResult | None:
        """Expire a pending offer whose time is up; the request waits again. A mentor whose `max_expired`-th
        offer in a row expires is paused. None when the offer was no longer pending or not yet due."""
        async with self.db.transaction() as conn:
            await self._lock_mentee_of_offer(conn, offer_id)
            row = await conn.fetch_one(
                "UPDATE offers SET status = 'expired', decided_at = ? "
                "WHERE id = ? AND status = 'pending' AND expires_at <= ? RETURNING *",
                now,
                offer_id,
                now,
            )
            if row is None:
                return None
            offer = rows.offer(row)
            await self._release_offer(conn, offer, now, expired=True)
            paused = (
                await conn.execute(
                    "UPDATE mentor_profiles SET status = 'paused', pause_reason = 'expired_offers', "
                    "paused_until = NULL, updated_at = ? "
                    "WHERE member_id = ? AND status = 'active' AND expired_streak >= ?",
                    now,
                    offer.mentor_id,
                    max_expired,
                )
                == 1
            )
            return ExpireResult(offer, paused)

    async def _release_offer(self, conn: Connection, offer: Offer, now: datetime, *, expired: bool) -> None:
        streak = "expired_streak + 1" if expired else "0"
        await conn.execute(
            f"UPDATE mentor_profiles SET pending_offers = pending_offers - 1, expired_streak = {streak} "
            "WHERE member_id = ? AND pending_offers > 0",
            offer.mentor_id,
        )
        await conn.execute(
            "UPDATE requests SET status = 'waiting', updated_at = ? WHERE id = ? AND status = 'offered'",
            now,
            offer.request_id,
        )
        await self._cancel_job(conn, JobKind.OFFER_EXPIRY, offer.id)

    # ------------------------------------------------------------- mentorships

    async def manual_match(
        self, request_id: int, mentor_id: int, now: datetime, *, checkin_at: datetime | None = None
    ) -> AcceptResult | None:
        """An admin's match: the open request goes to this mentor directly, within their capacity.
        A pending offer of the request to someone else is withdrawn. None when the request is not open,
        the mentor has no free place, or the mentor is the requester."""
        try:
            async with self.db.transaction() as conn:
                await self._lock_mentee_of_request(conn, request_id)
                request = await self._request(conn, request_id)
                if request is None or not request.status.is_open or request.member_id == mentor_id:
                    return None
                withdrawn = await self._withdraw_pending(conn, [request_id], now)
                if (
                    await conn.execute(
                        "UPDATE mentor_profiles SET active_count = active_count + 1, updated_at = ? "
                        "WHERE member_id = ? AND active_count + pending_offers < capacity",
                        now,
                        mentor_id,
                    )
                    != 1
                ):
                    raise _Rollback
                if (
                    await conn.execute(
                        "UPDATE requests SET status = 'matched', matched_at = ?, updated_at = ? "
                        f"WHERE id = ? AND status IN ({_in(OPEN_REQUEST_STATUSES)})",
                        now,
                        now,
                        request_id,
                        *OPEN_REQUEST_STATUSES,
                    )
                    != 1
                ):
                    raise _Rollback
                matched = await self._request(conn, request_id)
                assert matched is not None
                mentorship = await self._insert_mentorship(conn, matched, mentor_id, now)
                if checkin_at is not None:
                    await self._schedule(conn, JobKind.CHECKIN, mentorship.id, checkin_at, now)
                closed, more_withdrawn = await self._close_overlapping(conn, matched, now)
                return AcceptResult(None, mentorship, matched, tuple(closed), tuple(withdrawn + more_withdrawn))
        except _Rollback:
            return None

    async def get_mentorship(self, mentorship_id: int) -> Mentorship | None:
        """A mentorship by id."""
        async with self.db.read() as conn:
            row = await conn.fetch_one("SELECT * FROM mentorships WHERE id = ?", mentorship_id)
        return rows.mentorship(row) if row else None

    async def list_mentorships(
        self, *, member_id: int | None = None, community: str | None = None, active_only: bool = False
    ) -> list[Mentorship]:
        """Mentorships where `member_id` is either party (or of a community), oldest first."""
        clauses: list[str] = []
        args: list[Any] = []
        if member_id is not None:
            clauses.append("(mentor_id = ? OR mentee_id = ?)")
            args += [member_id, member_id]
        if community is not None:
            clauses.append("community = ?")
            args.append(community)
        if active_only:
            clauses.append("status = 'active'")
        where = " AND ".join(clauses) or "1 = 1"
        async with self.db.read() as conn:
            found = await conn.fetch_all(f"SELECT * FROM mentorships WHERE {where} ORDER BY started_at, id", *args)
        return [rows.mentorship(r) for r in found]

    async def end_mentorship(
        self,
        mentorship_id: int,
        now: datetime,
        *,
        by_member: int | None,
        rating: int | None = None,
        comment: str | None = None,
    ) -> Mentorship | None:
        """End an active mentorship (by one of its parties, or by an admin when `by_member` is None), free the
        mentor's place and keep the feedback. None when it was not active or `by_member` is not a party."""
        async with self.db.transaction() as conn:
            sql = "UPDATE mentorships SET status = 'ended', ended_at = ? WHERE id = ? AND status = 'active'"
            args: list[Any] = [now, mentorship_id]
            if by_member is not None:
                sql += " AND (mentor_id = ? OR mentee_id = ?)"
                args += [by_member, by_member]
            row = await conn.fetch_one(sql + " RETURNING *", *args)
            if row is None:
                return None
            ended = rows.mentorship(row)
            await conn.execute(
                "UPDATE mentor_profiles SET active_count = active_count - 1, updated_at = ? "
                "WHERE member_id = ? AND active_count > 0",
                now,
                ended.mentor_id,
            )
            if rating is not None or comment:
                await conn.execute(
                    "INSERT INTO feedback (mentorship_id, author_id, community, skills, rating, comment, "
                    "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    ended.id,
                    by_member,
                    row["community"],
                    rows.join_list(ended.skills),
                    rating,
                    comment or None,
                    now,
                )
            await self._cancel_job(conn, JobKind.CHECKIN, ended.id)
            return ended

    async def add_feedback(
        self, mentorship_id: int, author_id: int, rating: int | None, comment: str | None, now: datetime
    ) -> bool:
        """Feedback from the other party of an ended mentorship; True when recorded."""
        async with self.db.transaction() as conn:
            row = await conn.fetch_one(
                "SELECT * FROM mentorships WHERE id = ? AND (mentor_id = ? OR mentee_id = ?)",
                mentorship_id,
                author_id,
                author_id,
            )
            if row is None:
                return False
            await conn.execute(
                "INSERT INTO feedback (mentorship_id, author_id, community, skills, rating, comment, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                mentorship_id,
                author_id,
                row["community"],
                row["skills"],
                rating,
                comment,
                now,
            )
            return True

    async def mark_checkin_sent(self, mentorship_id: int, now: datetime) -> bool:
        """Record the check-in of an active mentorship, once; True when this call recorded it."""
        async with self.db.transaction() as conn:
            return (
                await conn.execute(
                    "UPDATE mentorships SET checkin_sent_at = ? WHERE id = ? AND status = 'active' "
                    "AND checkin_sent_at IS NULL",
                    now,
                    mentorship_id,
                )
                == 1
            )

    async def list_feedback(self, community: str | None = None) -> list[Feedback]:
        """All feedback (admins see it in aggregate)."""
        async with self.db.read() as conn:
            if community is None:
                found = await conn.fetch_all("SELECT * FROM feedback ORDER BY id")
            else:
                found = await conn.fetch_all("SELECT * FROM feedback WHERE community = ? ORDER BY id", community)
        return [rows.feedback(r) for r in found]

    # ---------------------------------------------------------------- privacy

    async def forget_member(self, member_id: int, now: datetime) -> ForgetResult:
        """Delete a member and everything personal of theirs in one transaction.

        Their open requests and pending offers go; requests offered to them wait again; their active
        mentorships end (freeing the mentor's place); mentorships and feedback keep no link to them.
        """
        async with self.db.transaction() as conn:
            own_requests = await conn.fetch_all(
                f"SELECT id FROM requests WHERE member_id = ? AND status IN ({_in(OPEN_REQUEST_STATUSES)})",
                member_id,
                *OPEN_REQUEST_STATUSES,
            )
            await self._withdraw_pending(conn, [int(r["id"]) for r in own_requests], now)
            offered = await conn.fetch_all("SELECT * FROM offers WHERE mentor_id = ? AND status = 'pending'", member_id)
            requeued: list[int] = []
            for row in offered:
                offer = rows.offer(row)
                await conn.execute("UPDATE offers SET status = 'withdrawn', decided_at = ? WHERE id = ?", now, offer.id)
                await self._release_offer(conn, offer, now, expired=False)
                requeued.append(offer.request_id)
            ended_rows = await conn.fetch_all(
                "UPDATE mentorships SET status = 'ended', ended_at = ? "
                "WHERE status = 'active' AND (mentor_id = ? OR mentee_id = ?) RETURNING *",
                now,
                member_id,
                member_id,
            )
            ended = [rows.mentorship(r) for r in ended_rows]
            for mentorship in ended:
                await self._cancel_job(conn, JobKind.CHECKIN, mentorship.id)
                if mentorship.mentor_id != member_id:
                    await conn.execute(
                        "UPDATE mentor_profiles SET active_count = active_count - 1 "
                        "WHERE member_id = ? AND active_count > 0",
                        mentorship.mentor_id,
                    )
            await conn.execute("DELETE FROM jobs WHERE kind = ? AND ref_id = ?", JobKind.RESUME.value, member_id)
            # Feedback stays only anonymised: its free-text comment could identify the author.
            await conn.execute("UPDATE feedback SET comment = NULL WHERE author_id = ?", member_id)
            await conn.execute("DELETE FROM members WHERE id = ?", member_id)
        return ForgetResult(tuple(ended), tuple(requeued))

    # ------------------------------------------------------------------- jobs

    async def _schedule(self, conn: Connection, kind: JobKind, ref_id: int, due: datetime, now: datetime) -> None:
        await conn.execute(
            "INSERT INTO jobs (kind, ref_id, due_at, status, created_at, community) "
            f"VALUES (?, ?, ?, 'pending', ?, ({_JOB_COMMUNITY[kind]})) "
            "ON CONFLICT (kind, ref_id) DO UPDATE SET due_at = excluded.due_at, status = 'pending', "
            "claimed_by = NULL, claimed_until = NULL, community = excluded.community",
            kind.value,
            ref_id,
            due,
            now,
            ref_id,
        )

    async def _cancel_job(self, conn: Connection, kind: JobKind, ref_id: int) -> None:
        await conn.execute(
            "UPDATE jobs SET status = 'cancelled' WHERE kind = ? AND ref_id = ? AND status IN ('pending', 'running')",
            kind.value,
            ref_id,
        )

    async def schedule_job(self, kind: JobKind, ref_id: int, due: datetime, now: datetime) -> None:
        """Schedule (or move) the one timer of `kind` for `ref_id`."""
        async with self.db.transaction() as conn:
            await self._schedule(conn, kind, ref_id, due, now)

    async def cancel_job(self, kind: JobKind, ref_id: int) -> None:
        """Cancel a timer that has not run yet."""
        async with self.db.transaction() as conn:
            await self._cancel_job(conn, kind, ref_id)

    async def claim_due_jobs(
        self,
        now: datetime,
        worker: str,
        *,
        lease: timedelta,
        limit: int = 50,
        communities: Sequence[str] | None = None,
    ) -> list[Job]:
        """Claim due timers for `worker`: pending ones, and running ones whose lease ran out (a crashed
        worker's). Each job is claimed by exactly one worker at a time. With `communities` (prefixes such as
        ``"slack:"``), only the timers of those communities: a process claims what it can deliver."""
        scope = ""
        scope_args: list[Any] = []
        if communities is not None:
            scope = " AND (" + (" OR ".join("substr(community, 1, ?) = ?" for _ in communities) or "1 = 0") + ")"
            for prefix in communities:
                scope_args += [len(prefix), prefix]
        async with self.db.transaction() as conn:
            found = await conn.fetch_all(
                "UPDATE jobs SET status = 'running', claimed_by = ?, claimed_until = ?, attempts = attempts + 1 "
                "WHERE id IN (SELECT id FROM jobs WHERE due_at <= ? AND (status = 'pending' OR "
                f"(status = 'running' AND claimed_until < ?)){scope} ORDER BY due_at, id "
                f"LIMIT ?{self.db.skip_locked}) RETURNING *",
                worker,
                now + lease,
                now,
                now,
                *scope_args,
                limit,
            )
        return sorted((rows.job(r) for r in found), key=lambda j: (j.due_at, j.id))

    async def finish_job(self, job_id: int, worker: str) -> bool:
        """Mark a claimed job done; False when another worker has taken it over since."""
        async with self.db.transaction() as conn:
            return (
                await conn.execute(
                    "UPDATE jobs SET status = 'done' WHERE id = ? AND claimed_by = ? AND status = 'running'",
                    job_id,
                    worker,
                )
                == 1
            )

    async def next_job_due(self) -> datetime | None:
        """When the next pending timer is due (for the scheduler's sleep)."""
        async with self.db.read() as conn:
            row = await conn.fetch_one("SELECT MIN(due_at) AS due FROM jobs WHERE status = 'pending'")
        return rows.opt_ts(row["due"]) if row else None

    # ----------------------------------------------------------- held notices

    async def hold_notice(self, member_id: int, payload: str, now: datetime) -> None:
        """Keep a notice that could not be delivered (DMs closed) for the member's next command."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO held_notices (member_id, payload, created_at) VALUES (?, ?, ?)", member_id, payload, now
            )

    async def take_held_notices(self, member_id: int) -> list[str]:
        """The member's held notices, oldest first, removed in the same transaction (each is shown once)."""
        # Every command asks; almost always there is nothing, and a read avoids taking the write lock for it.
        async with self.db.read() as conn:
            held = await conn.fetch_one("SELECT 1 AS held FROM held_notices WHERE member_id = ? LIMIT 1", member_id)
        if held is None:
            return []
        async with self.db.transaction() as conn:
            found = await conn.fetch_all(
                "DELETE FROM held_notices WHERE member_id = ? RETURNING id, payload", member_id
            )
        return [r["payload"] for r in sorted(found, key=lambda r: int(r["id"]))]

    # ----------------------------------------------------------------- events

    async def claim_event(self, event_id: str, now: datetime) -> bool:
        """Record a platform event id; True the first time, False for a duplicate delivery."""
        async with self.db.transaction() as conn:
            row = await conn.fetch_one(
                "INSERT INTO processed_events (event_id, created_at) VALUES (?, ?) "
                "ON CONFLICT (event_id) DO NOTHING RETURNING event_id",
                event_id,
                now,
            )
        return row is not None

    async def release_event(self, event_id: str) -> None:
        """Forget a claimed event whose handling failed, so a retry may handle it."""
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM processed_events WHERE event_id = ?", event_id)

    async def prune_events(self, before: datetime) -> int:
        """Drop event ids older than `before` (platforms stop retrying after minutes)."""
        async with self.db.transaction() as conn:
            return await conn.execute("DELETE FROM processed_events WHERE created_at < ?", before)

    # ------------------------------------------------------------------ stats

    async def stats(self, community: str) -> Stats:
        """Programme health for a community, counted in one consistent snapshot."""
        async with self.db.read() as conn:
            members = await conn.fetch_one("SELECT COUNT(*) AS n FROM members WHERE community = ?", community)
            mentors = await conn.fetch_all(
                "SELECT p.status, COUNT(*) AS n FROM mentor_profiles p JOIN members m ON m.id = p.member_id "
                "WHERE m.community = ? GROUP BY p.status",
                community,
            )
            requests = await conn.fetch_all(
                "SELECT status, COUNT(*) AS n FROM requests WHERE community = ? GROUP BY status", community
            )
            active = await conn.fetch_one(
                "SELECT COUNT(*) AS n FROM mentorships WHERE community = ? AND status = 'active'", community
            )
            matched = await conn.fetch_all(
                "SELECT created_at, matched_at FROM requests WHERE community = ? AND matched_at IS NOT NULL",
                community,
            )
            decisions = await conn.fetch_all(
                "SELECT o.status, COUNT(*) AS n FROM offers o JOIN requests r ON r.id = o.request_id "
                "WHERE r.community = ? AND o.status IN ('accepted', 'declined', 'expired') GROUP BY o.status",
                community,
            )
            demand = await conn.fetch_all(
                "SELECT s.skill, COUNT(*) AS n FROM request_skills s JOIN requests r ON r.id = s.request_id "
                f"WHERE r.community = ? AND r.status IN ({_in(OPEN_REQUEST_STATUSES)}) GROUP BY s.skill",
                community,
                *OPEN_REQUEST_STATUSES,
            )
            supply = await conn.fetch_all(
                "SELECT s.skill, COUNT(*) AS n FROM mentor_skills s JOIN mentor_profiles p "
                "ON p.member_id = s.member_id JOIN members m ON m.id = p.member_id "
                "WHERE m.community = ? AND p.status = 'active' GROUP BY s.skill",
                community,
            )
            feedback = await conn.fetch_one(
                "SELECT COUNT(rating) AS ratings, AVG(rating) AS average, COUNT(comment) AS comments "
                "FROM feedback WHERE community = ?",
                community,
            )
        by_status = {r["status"]: int(r["n"]) for r in requests}
        waits = sorted(rows.ts(r["matched_at"]) - rows.ts(r["created_at"]) for r in matched)
        median: timedelta | None = None
        if waits:
            mid = len(waits) // 2
            median = waits[mid] if len(waits) % 2 else (waits[mid - 1] + waits[mid]) / 2
        decided = {r["status"]: int(r["n"]) for r in decisions}
        total = sum(decided.values())
        mentor_counts = {r["status"]: int(r["n"]) for r in mentors}
        return Stats(
            members=int(members["n"]) if members else 0,
            mentors_active=mentor_counts.get("active", 0),
            mentors_paused=mentor_counts.get("paused", 0),
            requests_open=sum(by_status.get(s, 0) for s in OPEN_REQUEST_STATUSES),
            requests_waiting=by_status.get("waiting", 0),
            mentorships_active=int(active["n"]) if active else 0,
            median_time_to_match=median,
            acceptance_rate=(decided.get("accepted", 0) / total) if total else None,
            skill_demand={r["skill"]: int(r["n"]) for r in demand},
            skill_supply={r["skill"]: int(r["n"]) for r in supply},
            ratings=int(feedback["ratings"]) if feedback else 0,
            average_rating=float(feedback["average"]) if feedback and feedback["average"] is not None else None,
            comments=int(feedback["comments"]) if feedback else 0,
        )

    # ----------------------------------------------------------------- export

    async def export_table(self, table: str, community: str | None = None) -> tuple[list[str], list[dict[str, Any]]]:
        """One exportable table (members, requests, mentorships, feedback): its columns and rows as plain values.

        Columns are fixed (see `EXPORT_QUERIES`), so an empty table still has a header and a schema change never
        leaks a new column into admins' files unnoticed. Skills come joined with commas.
        """
        if table not in EXPORT_QUERIES:
            raise ValueError(f"not an exportable table: {table}")
        columns, sql = EXPORT_QUERIES[table]
        where = " WHERE t.community = ?" if community is not None else ""
        args = [community] if community is not None else []
        async with self.db.read() as conn:
            found = await conn.fetch_all(sql.format(where=where), *args)
            skills: list[Row] = []
            if table == "requests":
                skills = await conn.fetch_all(
                    "SELECT request_id AS owner, skill FROM request_skills "
                    f"WHERE request_id IN (SELECT t.id FROM requests t{where}) ORDER BY request_id, position",
                    *args,
                )
            elif table == "members":
                skills = await conn.fetch_all(
                    "SELECT member_id AS owner, skill FROM mentor_skills "
                    f"WHERE member_id IN (SELECT t.id FROM members t{where}) ORDER BY skill",
                    *args,
                )
        joined: dict[int, list[str]] = {}
        for row in skills:
            joined.setdefault(int(row["owner"]), []).append(row["skill"])
        out = []
        for row in found:
            plain = {k: _plain(v) for k, v in row.items()}
            if table in ("requests", "members"):
                plain["skills"] = ",".join(joined.get(int(row["id"]), []))
            out.append({c: plain.get(c) for c in columns})
        return columns, out

    async def export_member(self, member_id: int) -> dict[str, Any]:
        """Everything stored about one member, as a JSON-ready document."""
        async with self.db.read() as conn:
            member_row = await conn.fetch_one("SELECT * FROM members WHERE id = ?", member_id)
            profile = await self._profile(conn, member_id)
            requests = await self._requests(conn, "member_id = ?", member_id)
            offers = await conn.fetch_all("SELECT * FROM offers WHERE mentor_id = ? ORDER BY id", member_id)
            mentorships = await conn.fetch_all(
                "SELECT * FROM mentorships WHERE mentor_id = ? OR mentee_id = ? ORDER BY id", member_id, member_id
            )
            feedback = await conn.fetch_all("SELECT * FROM feedback WHERE author_id = ? ORDER BY id", member_id)
        return {
            "member": {k: _plain(v) for k, v in member_row.items()} if member_row else None,
            "mentor_profile": _plain_obj(profile) if profile else None,
            "requests": [_plain_obj(r) for r in requests],
            "offers_received": [{k: _plain(v) for k, v in r.items()} for r in offers],
            "mentorships": [{k: _plain(v) for k, v in r.items()} for r in mentorships],
            "feedback_given": [{k: _plain(v) for k, v in r.items()} for r in feedback],
        }


# The community of a timer's object, looked up when the timer is scheduled (one "?" each: the ref id).
_JOB_COMMUNITY: dict[JobKind, str] = {
    JobKind.OFFER_EXPIRY: "SELECT r.community FROM offers o JOIN requests r ON r.id = o.request_id WHERE o.id = ?",
    JobKind.CHECKIN: "SELECT m.community FROM mentorships m WHERE m.id = ?",
    JobKind.RESUME: "SELECT m.community FROM members m WHERE m.id = ?",
}


class _Rollback(Exception):
    """Raised inside a transaction to undo it when a later compare-and-set fails."""


EXPORT_QUERIES: dict[str, tuple[list[str], str]] = {
    "members": (
        [
            "id",
            "platform_user_id",
            "display_name",
            "language",
            "timezone",
            "created_at",
            "mentor_status",
            "capacity",
            "active_mentorships",
            "skills",
        ],
        "SELECT t.id, t.platform_user_id, t.display_name, t.language, t.timezone, t.created_at, "
        "p.status AS mentor_status, p.capacity, p.active_count AS active_mentorships "
        "FROM members t LEFT JOIN mentor_profiles p ON p.member_id = t.id{where} ORDER BY t.id",
    ),
    "requests": (
        ["id", "member_id", "skills", "note", "status", "wait_reason", "created_at", "matched_at"],
        "SELECT t.id, t.member_id, t.note, t.status, t.wait_reason, t.created_at, t.matched_at "
        "FROM requests t{where} ORDER BY t.id",
    ),
    "mentorships": (
        ["id", "request_id", "mentor_id", "mentee_id", "skills", "status", "started_at", "ended_at", "checkin_sent_at"],
        "SELECT t.id, t.request_id, t.mentor_id, t.mentee_id, t.skills, t.status, t.started_at, t.ended_at, "
        "t.checkin_sent_at FROM mentorships t{where} ORDER BY t.id",
    ),
    # Feedback is exported without its author: admins see ratings and comments, not who wrote them.
    "feedback": (
        ["id", "mentorship_id", "skills", "rating", "comment", "created_at"],
        "SELECT t.id, t.mentorship_id, t.skills, t.rating, t.comment, t.created_at "
        "FROM feedback t{where} ORDER BY t.id",
    ),
}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return rows.ts(value).isoformat()
    return value


def _plain_obj(obj: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in vars(obj).items():
        if isinstance(value, datetime):
            out[key] = value.isoformat()
        elif isinstance(value, dict):
            out[key] = {k: str(v) for k, v in value.items()}
        elif isinstance(value, tuple):
            out[key] = list(value)
        elif hasattr(value, "value"):
            out[key] = value.value
        else:
            out[key] = value
    plain: dict[str, Any] = json.loads(json.dumps(out, default=str))
    return plain
