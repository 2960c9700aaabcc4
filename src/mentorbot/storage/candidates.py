"""Candidate queries: which mentors may be offered a request, ranked inside the database, and a round's pool."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mentorbot.matching.eligibility import PairFact
from mentorbot.matching.score import Candidate, PoolMentor, PoolRequest, RoundPool, ScoreParams, score_sql
from mentorbot.models import Level
from mentorbot.storage import rows
from mentorbot.storage.database import Connection, Row
from mentorbot.storage.requests import read_requests
from mentorbot.storage.sql import in_list
from mentorbot.storage.units import Transactions


@dataclass(frozen=True)
class SkillMentor:
    """A mentor sharing a requested skill, as a wait reason needs it."""

    member_id: int
    active: bool
    free_places: int


@dataclass(frozen=True)
class WaitFacts:
    """Counts behind a wait reason: mentors sharing a requested skill, active ones, active ones not yet asked."""

    mentors: int
    active: int
    not_asked: int


async def top_rows(
    conn: Connection,
    dialect: str,
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
    blocked: Collection[int] = (),
) -> list[Row]:
    """The SQL of `find_top_candidates`: score every eligible mentor (`score_sql`), keep the best `limit`, then
    read the profile and member rows of those only, best first; each row also carries its score in millionths
    (``score_micro``)."""
    score, score_args = score_sql(params, dialect, skills_asked=len(skills), mentee_language=mentee_language)
    where_args: list[Any] = [*skills, exclude_member]
    extra = ""
    if request_id is not None:
        # NOT IN over a subquery is evaluated once (a hashed/ephemeral set), not probed per candidate.
        extra += " AND s.member_id NOT IN (SELECT o.mentor_id FROM offers o WHERE o.request_id = ?)"
        where_args.append(request_id)
    if blocked:
        extra += f" AND s.member_id NOT IN ({in_list(list(blocked))})"
        where_args.extend(sorted(blocked))
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
        f"WHERE s.skill IN ({in_list(skills)}) AND p.status = 'active' "
        f"AND p.active_count + p.pending_offers < p.capacity AND s.member_id <> ?{extra} "
        f"GROUP BY p.member_id ORDER BY {order} LIMIT ?) "
        "SELECT p.*, m.community, m.platform_user_id, m.display_name, m.language, m.timezone AS member_timezone, "
        "m.created_at AS member_created_at, COALESCE(past.n, 0) AS past_pairs, top.score AS score_micro "
        "FROM top JOIN mentor_profiles p ON p.member_id = top.member_id JOIN members m ON m.id = top.member_id "
        "LEFT JOIN past ON past.mentor_id = top.member_id "
        "ORDER BY top.score DESC, top.last_offered_at NULLS FIRST, top.created_at, top.member_id"
    )
    return await conn.fetch_all(sql, exclude_member, repeat_since, *score_args, *where_args, limit)


class CandidateStore(Transactions):
    """Eligible mentors for a request or a whole round."""
    _timezones: tuple[str, ...] | None

    async def find_candidates(
        self,
        community: str,
        skills: Sequence[str],
        *,
        exclude_member: int,
        request_id: int | None,
        repeat_since: datetime,
        blocked: Collection[int] = (),
    ) -> list[Candidate]:
        """Eligible mentors for a request: active, with a free place, sharing a skill, not the requester,
        in the same community, not already offered this request (when `request_id` is given) and not in
        `blocked` (the mentors `matching.eligibility` blocks: cooldowns, exclusions)."""
        if not skills:
            return []
        async with self.read() as conn:
            args: list[Any] = [*skills, community, exclude_member]
            not_offered = ""
            if request_id is not None:
                not_offered = (
                    " AND NOT EXISTS (SELECT 1 FROM offers o WHERE o.request_id = ? AND o.mentor_id = p.member_id)"
                )
                args.append(request_id)
            if blocked:
                not_offered += f" AND p.member_id NOT IN ({in_list(list(blocked))})"
                args.extend(sorted(blocked))
            found = await conn.fetch_all(
                "SELECT p.*, m.community, m.platform_user_id, m.display_name, m.language, "
                "m.timezone AS member_timezone, m.created_at AS member_created_at, "
                "s.skill AS shared_skill, s.level AS shared_level "
                "FROM mentor_skills s JOIN mentor_profiles p ON p.member_id = s.member_id "
                "JOIN members m ON m.id = p.member_id "
                f"WHERE s.skill IN ({in_list(skills)}) AND m.community = ? AND p.member_id <> ? "
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
                f"SELECT member_id, skill, level FROM mentor_skills WHERE member_id IN ({in_list(ids)})", *ids
            )
            pairs = await conn.fetch_all(
                "SELECT mentor_id, COUNT(*) AS n FROM mentorships WHERE mentee_id = ? AND started_at >= ? "
                f"AND mentor_id IN ({in_list(ids)}) GROUP BY mentor_id",
                exclude_member,
                repeat_since,
                *ids,
            )
        skills_of = rows.skills_by_member(all_skills)
        past = {int(r["mentor_id"]): int(r["n"]) for r in pairs}
        out: list[Candidate] = []
        for member_id, member_rows in by_member.items():
            first = member_rows[0]
            member = rows.joined_member(first)
            profile = rows.mentor_profile(first, skills_of.get(member_id, {}))
            shared = {r["shared_skill"]: Level(r["shared_level"]) for r in member_rows}
            out.append(Candidate(member, profile, shared, past.get(member_id, 0)))
        return out

    async def skills_with_room(self, community: str) -> set[str]:
        """The skills of `community`'s active mentors who have a free place (one query)."""
        async with self.read() as conn:
            found = await conn.fetch_all(
                "SELECT DISTINCT s.skill FROM mentor_skills s JOIN mentor_profiles p ON p.member_id = s.member_id "
                "JOIN members m ON m.id = p.member_id WHERE m.community = ? AND p.status = 'active' "
                "AND p.active_count + p.pending_offers < p.capacity",
                community,
            )
        return {str(r["skill"]) for r in found}

    async def wait_facts(
        self, community: str, skills: Sequence[str], *, exclude_member: int, request_id: int
    ) -> WaitFacts:
        """Why a request may have no eligible mentor, counted in one query: the mentors of the community who
        share one of `skills` (not the requester), the active ones, and the active ones not yet asked."""
        async with self.read() as conn:
            row = await conn.fetch_one(
                "SELECT COUNT(DISTINCT p.member_id) AS mentors, "
                "COUNT(DISTINCT CASE WHEN p.status = 'active' THEN p.member_id END) AS active, "
                "COUNT(DISTINCT CASE WHEN p.status = 'active' AND NOT EXISTS (SELECT 1 FROM offers o "
                "WHERE o.request_id = ? AND o.mentor_id = p.member_id) THEN p.member_id END) AS not_asked "
                "FROM mentor_skills s JOIN mentor_profiles p ON p.member_id = s.member_id "
                "JOIN members m ON m.id = p.member_id "
                f"WHERE s.skill IN ({in_list(skills)}) AND m.community = ? AND p.member_id <> ?",
                request_id,
                *skills,
                community,
                exclude_member,
            )
        if row is None:
            return WaitFacts(0, 0, 0)
        return WaitFacts(int(row["mentors"]), int(row["active"]), int(row["not_asked"]))

    async def pair_history(self, mentee_ids: Collection[int]) -> list[PairFact]:
        """Every offer of the requests of `mentee_ids`, as `matching.eligibility` reads them (cooldowns and
        exclusions are decided there, in one place)."""
        if not mentee_ids:
            return []
        ids = sorted(mentee_ids)
        async with self.read() as conn:
            found = await conn.fetch_all(
                "SELECT r.member_id AS mentee_id, o.request_id, o.mentor_id, o.status, o.reason_kind, o.decided_at, "
                "p.back_at FROM offers o JOIN requests r ON r.id = o.request_id "
                "LEFT JOIN mentor_profiles p ON p.member_id = o.mentor_id "
                f"WHERE r.member_id IN ({in_list(ids)}) "
                "ORDER BY o.id",
                *ids,
            )
            request_ids = sorted({int(r["request_id"]) for r in found})
            skill_rows = (
                await conn.fetch_all(
                    f"SELECT request_id, skill FROM request_skills WHERE request_id IN ({in_list(request_ids)})",
                    *request_ids,
                )
                if request_ids
                else []
            )
        skills: dict[int, list[str]] = {}
        for row in skill_rows:
            skills.setdefault(int(row["request_id"]), []).append(str(row["skill"]))
        return [
            PairFact(
                mentee_id=int(r["mentee_id"]),
                request_id=int(r["request_id"]),
                request_skills=tuple(sorted(skills.get(int(r["request_id"]), []))),
                mentor_id=int(r["mentor_id"]),
                status=str(r["status"]),
                reason_kind=r["reason_kind"],
                decided_at=rows.opt_ts(r["decided_at"]),
                mentor_back_at=rows.opt_ts(r["back_at"]),
            )
            for r in found
        ]

    async def mark_back(self, member_id: int, now: datetime) -> None:
        """Record that a mentor showed they are around (resumed, updated their profile, answered an offer): a
        lapse before this may be lifted when no one else is eligible (`matching.eligibility`)."""
        async with self.transaction() as conn:
            await conn.execute("UPDATE mentor_profiles SET back_at = ? WHERE member_id = ?", now, member_id)

    async def skill_mentors(
        self, community: str, skills: Sequence[str], *, exclude_member: int
    ) -> list[SkillMentor]:
        """Every mentor of `community` sharing one of `skills` (not `exclude_member`): whether active and how many
        places are free (what a wait reason is told from, with `matching.eligibility`'s blocks)."""
        if not skills:
            return []
        async with self.read() as conn:
            found = await conn.fetch_all(
                "SELECT DISTINCT p.member_id, p.status, p.capacity - p.active_count - p.pending_offers AS free "
                "FROM mentor_skills s JOIN mentor_profiles p ON p.member_id = s.member_id "
                "JOIN members m ON m.id = p.member_id "
                f"WHERE s.skill IN ({in_list(skills)}) AND m.community = ? AND p.member_id <> ? ORDER BY p.member_id",
                *skills,
                community,
                exclude_member,
            )
        return [SkillMentor(int(r["member_id"]), r["status"] == "active", max(0, int(r["free"]))) for r in found]

    async def mentor_timezones(self, *, refresh: bool = False) -> tuple[str, ...]:
        """The distinct time zones of mentor profiles, most common first (cached; `refresh` re-reads them)."""
        if self._timezones is None or refresh:
            async with self.read() as conn:
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
        blocked: Collection[int] = (),
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
        async with self.read() as conn:
            found = await top_rows(conn, self.db.dialect, *query, by_community=False, blocked=blocked)
            if any(r["community"] != community for r in found):
                found = await top_rows(conn, self.db.dialect, *query, by_community=True, blocked=blocked)
            if not found:
                return [], False
            ids = [int(r["member_id"]) for r in found]
            skill_rows = await conn.fetch_all(
                f"SELECT member_id, skill, level FROM mentor_skills WHERE member_id IN ({in_list(ids)})", *ids
            )
        skills_of = rows.skills_by_member(sorted(skill_rows, key=lambda r: (int(r["member_id"]), r["skill"])))
        wanted = set(skills)
        out: list[Candidate] = []
        for row in found:
            member_id = int(row["member_id"])
            member = rows.joined_member(row)
            own = skills_of.get(member_id, {})
            shared = {slug: level for slug, level in own.items() if slug in wanted}
            out.append(Candidate(member, rows.mentor_profile(row, own), shared, int(row["past_pairs"])))
        return out, any(c.profile.timezone not in params.tz_bonus for c in out)

    async def round_pool(self, community: str, *, repeat_since: datetime) -> RoundPool:
        """What a matching round over every waiting request of `community` needs, in one snapshot:
        the waiting requests (oldest first) with their mentees, the active mentors with a free place,
        the pairs already offered and the recent mentorships between them. A fixed number of queries,
        whatever the size of the community (reading per request was thousands of queries)."""
        async with self.read() as conn:
            waiting = await read_requests(
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
        skills_of = rows.skills_by_member(skill_rows)
        mentee_of = {int(r["id"]): rows.member(r) for r in mentees}
        mentors = tuple(
            PoolMentor(rows.joined_member(r), rows.mentor_profile(r, skills_of.get(int(r["member_id"]), {})))
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
