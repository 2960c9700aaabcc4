"""Candidate queries: which mentors may be offered a request, ranked inside the database, and a round's pool."""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mentorbot.matching.eligibility import MENTORING, NO_LAPSE, PAUSED, DeclineReason, PairFact
from mentorbot.matching.score import MICRO, Candidate, PoolMentor, PoolRequest, RoundPool, ScoreParams, score_sql
from mentorbot.models import Level, Member, MentorshipRequest, RequestStatus
from mentorbot.storage import rows
from mentorbot.storage.database import Connection, Row
from mentorbot.storage.events import DEPARTED_SQL, LEFT_COMMUNITY
from mentorbot.storage.forgotten import forgotten_member_key
from mentorbot.storage.sql import id_list, in_list
from mentorbot.storage.units import Transactions


@dataclass(frozen=True)
class SkillMentor:
    """A mentor sharing a requested skill, as a wait reason needs it."""

    member_id: int
    active: bool
    free_places: int


# The weights `match_key` is computed with by migration 0013's triggers (level weight + spare-places bonus); the
# pruning below is only sound for scores made with these (`score_params` makes them; a test compares them).
MATCH_KEY_LEVEL_WEIGHTS = {"expert": 1.5, "practitioner": 1.0, "learning": 0.5}
MATCH_KEY_CAPACITY_BONUS = 0.2
# Mentors read per skill for the bar (twice per skill for a request of several skills).
SEED_PER_SKILL = 8
# Millionths the bound keeps below the bar: the scores are rounded to millionths (half of one) and the key is
# a sum of floats (far less than one).
BOUND_MARGIN = 2e-6


def prune_bound(params: ScoreParams) -> float | None:
    """What a mentor's score may exceed the best `match_key` of their skills asked by: the language bonus plus
    the best time zone bonus (the skill part is at most the best level weight: it averages the asked skills'
    weights, a skill not shared counting 0; spare places are in the key; the repeat penalty only lowers a
    score). None when `params` are not the weights the stored keys were made with (then nothing is pruned)."""
    if dict(params.level_weights) != MATCH_KEY_LEVEL_WEIGHTS or params.capacity_bonus != MATCH_KEY_CAPACITY_BONUS:
        return None
    if params.repeat_penalty < 0:
        return None
    best_zone = max([*params.tz_bonus.values(), params.tz_default])
    return max(0.0, params.language_bonus) + max(0.0, best_zone) + BOUND_MARGIN


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
    """The SQL of `find_top_candidates`, one statement: the best `limit` eligible mentors, best first, with their
    profile and member rows, their score in millionths (``score_micro``) and all their skills (``skills_json``,
    a JSON array of [skill, level]).

    It scores exactly (`score_sql`) only the mentors that may make the top. A bar first: the `limit`-th best
    exact score among a few mentors of each skill asked, read best `match_key` first from the index (for
    several skills, also the best keys among mentors sharing another skill asked). Then the pool: for one
    skill, the open rows whose key is at least the bar minus `prune_bound` (an index range); for several, the
    mentors whose keys summed over the skills asked (spare places counted once) reach it, from the index alone.
    The pool is scored and ranked. A mentor outside it scores below the bar by more than the rounding, so
    below the `limit` mentors already at or above it: it cannot make the top, whatever the tie-breaks. With
    fewer than `limit` mentors for the bar, nothing is pruned."""
    pg = dialect == "postgresql"
    score, score_args = score_sql(params, dialect, skills_asked=len(skills), mentee_language=mentee_language)
    bound = prune_bound(params)
    excl = "k.member_id <> ?"
    excl_args: list[Any] = [exclude_member]
    if request_id is not None:
        # NOT IN over a subquery is evaluated once (a hashed/ephemeral set), not probed per row.
        excl += " AND k.member_id NOT IN (SELECT o.mentor_id FROM offers o WHERE o.request_id = ?)"
        excl_args.append(request_id)
    if blocked:
        excl += f" AND k.member_id NOT IN ({in_list(list(blocked))})"
        excl_args.extend(sorted(blocked))
    if by_community:
        excl += " AND k.member_id IN (SELECT c.id FROM members c WHERE c.id = k.member_id AND c.community = ?)"
        excl_args.append(community)
    asked = in_list(skills)
    eligible = "p.status = 'active' AND p.active_count + p.pending_offers < p.capacity"
    per_skill = "k.skill = ? AND k.match_open = 1 AND {} ORDER BY k.match_key DESC, k.member_id LIMIT ?"
    seeds: list[str] = []
    seed_args: list[Any] = []
    for slug in skills:
        seeds.append(f"SELECT k.member_id FROM mentor_skills k WHERE {per_skill.format(excl)}")
        seed_args += [slug, *excl_args, SEED_PER_SKILL]
        if len(skills) > 1:
            others = [s for s in skills if s != slug]
            also = (
                f"{excl} AND EXISTS (SELECT 1 FROM mentor_skills o WHERE o.member_id = k.member_id "
                f"AND o.skill IN ({in_list(others)}))"
            )
            seeds.append(f"SELECT k.member_id FROM mentor_skills k WHERE {per_skill.format(also)}")
            seed_args += [slug, *excl_args, *others, SEED_PER_SKILL]
    seed_sql = " UNION ".join(f"SELECT member_id FROM ({s}) AS seed_{i}" for i, s in enumerate(seeds))
    real = "CAST(? AS DOUBLE PRECISION)"
    floor = f"COALESCE((SELECT score FROM bar) / {real} - {real}, {real})"
    if len(skills) == 1:
        # One skill: the key bounds the score itself, so the range of the index above the floor is the pool.
        pool = (
            f"SELECT k.member_id FROM mentor_skills k WHERE k.skill IN ({asked}) AND k.match_open = 1 "
            f"AND k.match_key >= {floor} AND {excl}"
        )
    else:
        # Several: a mentor's keys summed over the skills asked bound its skill and spare-places parts
        # (spare places counted once), read from the index alone.
        pool = (
            f"SELECT k.member_id FROM mentor_skills k WHERE k.skill IN ({asked}) AND k.match_open = 1 AND {excl} "
            f"GROUP BY k.member_id HAVING (SUM(k.match_key) + {real} * ({real} - COUNT(*))) / {real} >= {floor}"
        )
    order = "score DESC, last_offered_at NULLS FIRST, created_at, member_id"
    # The pool is small, but the planners cannot know it: SQLite is held to the written join order (CROSS JOIN);
    # PostgreSQL, which reorders joins and estimated a large pool (a hash join over every profile), is given the
    # pool as an array, read once, so the profiles are looked up by primary key.
    if pg:
        scored = "mentor_profiles p CROSS JOIN mentor_skills s"
        scored_where = "p.member_id = ANY(ARRAY(SELECT member_id FROM pool))"
    else:
        scored = "pool CROSS JOIN mentor_profiles p CROSS JOIN mentor_skills s"
        scored_where = "p.member_id = pool.member_id"
    skills_json = (
        "(SELECT CAST(json_agg(json_build_array(x.skill, x.level)) AS TEXT) FROM mentor_skills x "
        "WHERE x.member_id = top.member_id)"
        if pg
        else "(SELECT json_group_array(json_array(x.skill, x.level)) FROM mentor_skills x "
        "WHERE x.member_id = top.member_id)"
    )
    # Ranked by the score in millionths, rounded to the nearest integer: the order of Python's
    # round(score, 6). (The two roundings could only differ on an exact half, and no score is one: every
    # term is a multiple of 1/2400, of 0.2/capacity or of a level weight over at most 5 skills.)
    sql = (
        "WITH past (mentor_id, n) AS (SELECT mentor_id, COUNT(*) FROM mentorships "
        "WHERE mentee_id = ? AND started_at >= ? GROUP BY mentor_id), "
        f"seed (member_id) AS ({seed_sql}), "
        f"seed_score (score) AS (SELECT ROUND(({score}) * 1000000) FROM seed "
        "CROSS JOIN mentor_profiles p CROSS JOIN mentor_skills s LEFT JOIN past ON past.mentor_id = p.member_id "
        f"WHERE p.member_id = seed.member_id AND s.member_id = p.member_id AND s.skill IN ({asked}) AND {eligible} "
        "GROUP BY p.member_id), "
        "bar (score) AS (SELECT score FROM seed_score ORDER BY score DESC LIMIT 1 OFFSET ?), "
        f"pool (member_id) AS ({pool}), "
        f"top AS (SELECT p.member_id AS member_id, ROUND(({score}) * 1000000) AS score, "
        "p.last_offered_at AS last_offered_at, p.created_at AS created_at "
        f"FROM {scored} LEFT JOIN past ON past.mentor_id = p.member_id "
        f"WHERE {scored_where} AND s.member_id = p.member_id AND s.skill IN ({asked}) AND {eligible} "
        f"GROUP BY p.member_id ORDER BY {order} LIMIT ?) "
        "SELECT p.*, m.community, m.platform_user_id, m.display_name, m.language, m.timezone AS member_timezone, "
        "m.created_at AS member_created_at, COALESCE(past.n, 0) AS past_pairs, top.score AS score_micro, "
        f"{skills_json} AS skills_json "
        "FROM top JOIN mentor_profiles p ON p.member_id = top.member_id JOIN members m ON m.id = top.member_id "
        "LEFT JOIN past ON past.mentor_id = top.member_id "
        "ORDER BY top.score DESC, top.last_offered_at NULLS FIRST, top.created_at, top.member_id"
    )
    # No bar (fewer mentors than `limit`) or no bound (other weights): the range starts below every key.
    no_bar = -1.0e300
    floor_args = [float(MICRO), -no_bar if bound is None else bound, no_bar]
    n = float(len(skills))
    pool_args = (
        [*skills, *floor_args, *excl_args]
        if len(skills) == 1
        else [*skills, *excl_args, MATCH_KEY_CAPACITY_BONUS, n, n, *floor_args]
    )
    args: list[Any] = [
        exclude_member,
        repeat_since,
        *seed_args,
        *score_args,
        *skills,
        max(0, limit - 1),
        *pool_args,
        *score_args,
        *skills,
        limit,
    ]
    return await conn.fetch_all(sql, *args)


_IDS_INLINE = 500
"""Up to this many ids a statement names each as a parameter (the planner sees the values: live matching's one or
two mentees); past it they are one parameter (`sql.id_list`): a round's pool of 5,000 mentees named three times
is 15,000 parameters."""


def _ids_in(dialect: str, ids: Sequence[int]) -> tuple[str, list[Any]]:
    """What ``IN (…)`` holds for `ids`, and its arguments."""
    if len(ids) <= _IDS_INLINE:
        return in_list(ids), list(ids)
    subquery, arg = id_list(dialect, ids)
    return subquery, [arg]


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

    async def pair_history(self, mentee_ids: Collection[int]) -> list[PairFact]:
        """Every offer of the requests of `mentee_ids`, and every active mentorship of theirs (status `MENTORING`:
        their mentor is not offered their requests meanwhile), as `matching.eligibility` reads them (cooldowns and
        exclusions are decided there, in one place). One statement for both, and one for the offers' skills.

        A mentor's exclusion of an earlier member with the same platform user id in the same community, whose data
        was forgotten since (`forgotten_exclusions`, `storage.forgotten.forgotten_member_key`), is one more fact: a
        ``declined`` offer of that kind (request 0, with the kept skills). The first statement also names the
        mentees of a community that has such rows (part 2: community and platform user id); only then is a third
        statement read, for their keys.

        A decline "not this person" holds both ways (docs/matching.md rule 5): each such decline by one of
        `mentee_ids` as a mentor, of a request of another member, is a fact with `PairFact.by_mentee` (part 3: that
        member as the mentor, request 0); and so is each such exclusion they made of a member forgotten since (part
        4: the kept row), once the community's mentors whose key it is are found (`_forgotten_by_mentee`: read only
        when there is such a row)."""
        if not mentee_ids:
            return []
        ids = sorted(mentee_ids)
        dialect = self.db.dialect
        person = DeclineReason.NOT_THIS_PERSON.value
        async with self.read() as conn:
            which, args = _ids_in(dialect, ids)
            found = await conn.fetch_all(
                "SELECT r.member_id AS mentee_id, o.request_id, o.mentor_id, o.status, o.reason_kind, o.decided_at, "
                "p.back_at, NULL AS skills, 0 AS part, o.id AS ord "
                "FROM offers o JOIN requests r ON r.id = o.request_id "
                "LEFT JOIN mentor_profiles p ON p.member_id = o.mentor_id "
                f"WHERE r.member_id IN ({which}) "
                "UNION ALL "
                f"SELECT s.mentee_id, COALESCE(s.request_id, 0), s.mentor_id, '{MENTORING}', NULL, s.started_at, "
                "NULL, s.skills, 1, s.id FROM mentorships s "
                f"WHERE s.mentee_id IN ({which}) AND s.status = 'active' AND s.mentor_id IS NOT NULL "
                "UNION ALL "
                "SELECT m.id, 0, 0, m.community, m.platform_user_id, NULL, NULL, NULL, 2, m.id FROM members m "
                f"WHERE m.id IN ({which}) AND EXISTS "
                "(SELECT 1 FROM forgotten_exclusions f WHERE f.community = m.community) "
                "UNION ALL "
                "SELECT o.mentor_id, 0, r.member_id, o.status, o.reason_kind, o.decided_at, NULL, NULL, 3, o.id "
                "FROM offers o JOIN requests r ON r.id = o.request_id "
                f"WHERE o.mentor_id IN ({which}) AND o.status = 'declined' AND o.reason_kind = '{person}' "
                "AND r.member_id <> o.mentor_id "
                "UNION ALL "
                "SELECT f.mentor_id, 0, 0, f.community, f.member_key, f.decided_at, NULL, NULL, 4, 0 "
                f"FROM forgotten_exclusions f WHERE f.mentor_id IN ({which}) AND f.reason_kind = '{person}' "
                "ORDER BY part, ord",
                *args,
                *args,
                *args,
                *args,
                *args,
            )
            request_ids = sorted({int(r["request_id"]) for r in found if int(r["part"]) == 0})
            skill_rows: Sequence[Row] = []
            if request_ids:
                which, args = _ids_in(dialect, request_ids)
                skill_rows = await conn.fetch_all(
                    f"SELECT request_id, skill FROM request_skills WHERE request_id IN ({which})", *args
                )
            kept = await _forgotten_exclusions(conn, [r for r in found if int(r["part"]) == 2])
            kept += await _forgotten_by_mentee(conn, [r for r in found if int(r["part"]) == 4])
        skills: dict[int, list[str]] = {}
        for row in skill_rows:
            skills.setdefault(int(row["request_id"]), []).append(str(row["skill"]))
        facts = [
            rows.pair_fact(
                r, skills.get(int(r["request_id"]), []) if int(r["part"]) == 0 else rows.split_list(r["skills"])
            )
            for r in found
            if int(r["part"]) < 2
        ]
        theirs = [
            PairFact(
                mentee_id=int(r["mentee_id"]),
                request_id=0,
                request_skills=(),
                mentor_id=int(r["mentor_id"]),
                status=str(r["status"]),
                reason_kind=r["reason_kind"],
                decided_at=rows.opt_ts(r["decided_at"]),
                by_mentee=True,
            )
            for r in found
            if int(r["part"]) == 3
        ]
        return facts + kept + theirs

    async def mark_back(self, member_id: int, now: datetime, *, lapsed_since: datetime | None = None) -> bool:
        """Record that a mentor showed they are around (resumed, updated their profile, answered an offer): a
        lapse before this may be lifted when no one else is eligible (`matching.eligibility`). With `lapsed_since`
        (now less the cooldown), whether that can change anything: a lapse of theirs (an expiry, a pause
        withdrawal) decided since then whose request still waits, read in the same statement; an expiry that is no
        lapse (`eligibility.NO_LAPSE`: its message never reached them, or their community was out of MentorBot's
        reach meanwhile) is not one, its cooldown lifted whether or not they are back. False without it."""
        async with self.transaction() as conn:
            if lapsed_since is None:
                await conn.execute("UPDATE mentor_profiles SET back_at = ? WHERE member_id = ?", now, member_id)
                return False
            no_lapse = sorted(NO_LAPSE)
            row = await conn.fetch_one(
                "UPDATE mentor_profiles SET back_at = ? WHERE member_id = ? RETURNING EXISTS (SELECT 1 FROM offers o "
                "JOIN requests r ON r.id = o.request_id WHERE o.mentor_id = mentor_profiles.member_id "
                f"AND ((o.status = 'expired' AND COALESCE(o.reason_kind, '') NOT IN ({in_list(no_lapse)})) "
                "OR (o.status = 'withdrawn' AND o.reason_kind = ?)) AND o.decided_at > ? "
                "AND r.status = 'waiting') AS lifted",
                now,
                member_id,
                *no_lapse,
                PAUSED,
                lapsed_since,
            )
        return row is not None and bool(row["lifted"])

    async def skill_mentors(self, community: str, skills: Sequence[str], *, exclude_member: int) -> list[SkillMentor]:
        """Every mentor of `community` sharing one of `skills` (not `exclude_member`): whether active and how many
        places are free (what a wait reason is told from, with `matching.eligibility`'s blocks). Not those paused
        because they left the community (`LEFT_COMMUNITY`): no offer waits for their return, so a skill only they
        had is one no mentor offers (recruit), not one whose mentors are all paused (ask one to resume)."""
        if not skills:
            return []
        async with self.read() as conn:
            found = await conn.fetch_all(
                "SELECT DISTINCT p.member_id, p.status, p.capacity - p.active_count - p.pending_offers AS free "
                "FROM mentor_skills s JOIN mentor_profiles p ON p.member_id = s.member_id "
                "JOIN members m ON m.id = p.member_id "
                f"WHERE s.skill IN ({in_list(skills)}) AND m.community = ? AND p.member_id <> ? "
                f"AND NOT {DEPARTED_SQL} ORDER BY p.member_id",
                *skills,
                community,
                exclude_member,
                LEFT_COMMUNITY,
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
        wanted = set(skills)
        out: list[Candidate] = []
        for row in found:
            member = rows.joined_member(row)
            own = {str(slug): Level(level) for slug, level in sorted(json.loads(row["skills_json"]))}
            shared = {slug: level for slug, level in own.items() if slug in wanted}
            out.append(Candidate(member, rows.mentor_profile(row, own), shared, int(row["past_pairs"])))
        return out, any(c.profile.timezone not in params.tz_bonus for c in out)

    async def round_pool(self, community: str, *, repeat_since: datetime) -> RoundPool:
        """What a matching round over every waiting request of `community` needs, in one snapshot:
        the waiting requests (oldest first) with their mentees, the active mentors with a free place,
        the pairs already offered and the recent mentorships between them. A fixed number of queries,
        whatever the size of the community (reading per request was thousands of queries)."""
        async with self.read() as conn:
            # The waiting requests and their mentees in one statement (a join, not a second read by id).
            waiting_rows = await conn.fetch_all(
                "SELECT r.id, r.member_id, r.community, r.note, r.status, r.wait_reason, r.created_at, "
                "r.updated_at, r.matched_at, m.community AS member_community, m.platform_user_id, m.display_name, "
                "m.language, m.created_at AS member_created_at, m.timezone AS member_timezone, m.last_channel "
                "FROM requests r JOIN members m ON m.id = r.member_id "
                "WHERE r.community = ? AND r.status = 'waiting' ORDER BY r.created_at, r.id",
                community,
            )
            request_skill_rows = await conn.fetch_all(
                "SELECT request_id, skill FROM request_skills WHERE request_id IN "
                "(SELECT id FROM requests WHERE community = ? AND status = 'waiting') ORDER BY request_id, position",
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
                # A forgotten mentor's mentorships keep no mentor (`mentor_id` NULL): no pair to avoid repeating.
                "SELECT mentee_id, mentor_id, COUNT(*) AS n FROM mentorships WHERE started_at >= ? "
                "AND mentor_id IS NOT NULL AND mentee_id IN "
                "(SELECT member_id FROM requests WHERE community = ? AND status = 'waiting') "
                "GROUP BY mentee_id, mentor_id",
                repeat_since,
                community,
            )
        levels = {level.value: level for level in Level}
        skills_of: dict[int, dict[str, Level]] = {}
        for r in skill_rows:
            skills_of.setdefault(int(r["member_id"]), {})[r["skill"]] = levels[r["level"]]
        mentors = tuple(
            PoolMentor(rows.joined_member(r), rows.mentor_profile(r, skills_of.get(int(r["member_id"]), {})))
            for r in mentor_rows
        )
        return RoundPool(
            requests=_pool_requests(waiting_rows, request_skill_rows),
            mentors=mentors,
            offered=frozenset((int(r["request_id"]), int(r["mentor_id"])) for r in offered_rows),
            past_pairs={(int(r["mentee_id"]), int(r["mentor_id"])): int(r["n"]) for r in past_rows},
        )


async def _forgotten_exclusions(conn: Connection, members: Sequence[Row]) -> list[PairFact]:
    """The exclusions kept of forgotten members (`forgotten_exclusions`) that concern `members` (rows of ``mentee_id``
    with their community in ``status`` and platform user id in ``reason_kind``: `CandidateStore.pair_history`'s part
    2), as declined offers of that kind to that mentor (request 0, the kept skills), in one statement."""
    if not members:
        return []
    by_key = {
        (str(m["status"]), forgotten_member_key(str(m["status"]), str(m["reason_kind"]))): int(m["mentee_id"])
        for m in members
    }
    communities = sorted({community for community, _ in by_key})
    keys = sorted({key for _, key in by_key})
    # The primary key leads with the community, then the key: both conditions read it as an index range.
    found = await conn.fetch_all(
        "SELECT community, member_key, mentor_id, reason_kind, skills, decided_at FROM forgotten_exclusions "
        f"WHERE community IN ({in_list(communities)}) AND member_key IN ({in_list(keys)}) "
        "ORDER BY mentor_id, reason_kind",
        *communities,
        *keys,
    )
    out: list[PairFact] = []
    for row in found:
        mentee_id = by_key.get((str(row["community"]), str(row["member_key"])))
        if mentee_id is None or int(row["mentor_id"]) == mentee_id:
            continue
        out.append(
            PairFact(
                mentee_id=mentee_id,
                request_id=0,
                request_skills=rows.split_list(row["skills"]),
                mentor_id=int(row["mentor_id"]),
                status="declined",
                reason_kind=str(row["reason_kind"]),
                decided_at=rows.ts(row["decided_at"]),
            )
        )
    return out


async def _forgotten_by_mentee(conn: Connection, excluded: Sequence[Row]) -> list[PairFact]:
    """The other way round of `_forgotten_exclusions`: the rows `excluded` (`CandidateStore.pair_history`'s part 4:
    a decline "not this person" by the mentee, in ``mentee_id``, of a member forgotten since, with the community in
    ``status`` and the kept key in ``reason_kind``), as facts `PairFact.by_mentee` against the community's mentors
    whose key it is: the same platform user back as a mentor is not offered the mentee's requests either. The key
    is a one-way hash, so each mentor of those communities is hashed here (read in one statement, only for a mentee
    with such a row) and nothing more of anyone is kept or read than the existing direction reads."""
    if not excluded:
        return []
    communities = sorted({str(r["status"]) for r in excluded})
    found = await conn.fetch_all(
        "SELECT m.id, m.community, m.platform_user_id FROM members m JOIN mentor_profiles p ON p.member_id = m.id "
        f"WHERE m.community IN ({in_list(communities)}) ORDER BY m.id",
        *communities,
    )
    by_key: dict[tuple[str, str], list[int]] = {}
    for m in found:
        community = str(m["community"])
        key = forgotten_member_key(community, str(m["platform_user_id"]))
        by_key.setdefault((community, key), []).append(int(m["id"]))
    out: list[PairFact] = []
    for row in excluded:
        mentee_id = int(row["mentee_id"])
        for mentor_id in by_key.get((str(row["status"]), str(row["reason_kind"])), []):
            if mentor_id == mentee_id:
                continue
            out.append(
                PairFact(
                    mentee_id=mentee_id,
                    request_id=0,
                    request_skills=(),
                    mentor_id=mentor_id,
                    status="declined",
                    reason_kind=DeclineReason.NOT_THIS_PERSON.value,
                    decided_at=rows.opt_ts(row["decided_at"]),
                    by_mentee=True,
                )
            )
    return out


def _pool_requests(waiting_rows: Sequence[Row], skill_rows: Sequence[Row]) -> tuple[PoolRequest, ...]:
    """The round's waiting requests with their mentees, from the joined rows of `round_pool` (the same records
    as `rows.request` and `rows.member` make). A timestamp repeated across rows (a request's created and updated
    times, members created together) is parsed once."""
    skills: dict[int, list[str]] = {}
    for r in skill_rows:
        skills.setdefault(int(r["request_id"]), []).append(r["skill"])
    parsed: dict[Any, datetime] = {}

    def stamp(value: Any) -> datetime:
        found = parsed.get(value)
        if found is None:
            found = parsed[value] = rows.ts(value)
        return found

    waiting = RequestStatus.WAITING
    out: list[PoolRequest] = []
    for r in waiting_rows:
        request_id, member_id = int(r["id"]), int(r["member_id"])
        matched_at = r["matched_at"]
        request = MentorshipRequest(
            id=request_id,
            member_id=member_id,
            community=r["community"],
            skills=tuple(skills.get(request_id, ())),
            note=r["note"],
            status=waiting if r["status"] == waiting.value else RequestStatus(r["status"]),
            wait_reason=r["wait_reason"],
            created_at=stamp(r["created_at"]),
            updated_at=stamp(r["updated_at"]),
            matched_at=None if matched_at is None else stamp(matched_at),
        )
        mentee = Member(
            id=member_id,
            community=r["member_community"],
            platform_user_id=r["platform_user_id"],
            display_name=r["display_name"],
            language=r["language"],
            created_at=stamp(r["member_created_at"]),
            timezone=r["member_timezone"],
            last_channel=r["last_channel"],
        )
        out.append(PoolRequest(request, mentee))
    return tuple(out)
