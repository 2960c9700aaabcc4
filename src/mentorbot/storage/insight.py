"""What admins' charts and the weekly digest are drawn from: supply against demand per skill, requests and matches
per week, how long matches took, and one week of the programme in a few figures."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from mentorbot.inputs import LEVEL_ORDER
from mentorbot.storage import rows
from mentorbot.storage.units import Transactions

DAY_BUCKETS: tuple[float, ...] = (1, 2, 3, 7, 14, 30)
"""Upper bounds (in days, exclusive) of the days-to-match buckets; the last bucket is everything from 30 days."""

LONG_WAIT_DAYS = 30
"""Days beyond which an open request has waited long: the stats count such requests (`Stats.long_waits`); the
days chart's last bucket (`DAY_BUCKETS`) starts there too."""

MATCHED_REQUESTS = "requests r LEFT JOIN reopened_requests w ON w.request_id = r.id"
"""The requests (``r``) with when each went back on the waitlist, if it did (``w``): what `WAITING_SINCE` reads."""

WAITING_SINCE = "COALESCE(w.reopened_at, r.created_at)"
"""When a request of `MATCHED_REQUESTS` last began to wait, which its time to match runs from: when it was made, or,
matched once and back on the waitlist because its mentor was forgotten (`privacy._reopen`), when it went back;
its new match is a new mentorship, and the weeks of the first one are no wait for it. The stats, the days chart
and the digest all measure time to match as `matched_at` minus this."""


def _rank(column: str) -> str:
    """SQL for the rank of a mentor level in `column` (`inputs.LEVEL_ORDER`: learning 0, practitioner 1, expert 2)."""
    cases = " ".join(f"WHEN '{level.value}' THEN {rank}" for rank, level in enumerate(LEVEL_ORDER))
    return f"(CASE {column} {cases} END)"


@dataclass(frozen=True)
class SkillBalance:
    """One skill: the free places of the active mentors who offer it, and the waiting requests that ask for it."""

    skill: str
    free_places: int
    waiting: int


@dataclass(frozen=True)
class WeekCount:
    """One week (from `start`, inclusive, to the next week's start): requests made and requests matched in it (by
    their `matched_at`: a request matched again after its mentor was forgotten counts in the week of its new match,
    and no longer in the week of the first, whose mentor's rows the forget took out of the figures)."""

    start: datetime
    requests: int
    matches: int


@dataclass(frozen=True)
class Insight:
    """The data behind the admins' charts (`mentorbot.charts`), read in one snapshot."""

    balance: tuple[SkillBalance, ...]
    """Skills with a waiting request or a free place, scarcest first (most waiting per free place)."""
    weeks: tuple[WeekCount, ...]
    """The last weeks, oldest first."""
    days_to_match: tuple[int, ...]
    """Matched requests per bucket of `DAY_BUCKETS` (one more bucket than bounds: 30 days and more), by days from
    `WAITING_SINCE` to the match."""


def reason_groups(declines: Iterable[tuple[object, int, int]]) -> dict[str, int]:
    """Declined offers by reason, for admins: `declines` gives (a reason as stored, None for none; how many offers
    were declined with it; the id of the first of them). Reasons are grouped case-folded, every run of white space
    one space ("Travelling for work", "travelling  for work "), and each group is shown in the wording (trimmed,
    white space collapsed) most of its declines typed, the earliest typed of a tie; "" for none. Every stored
    reason's case is kept until here, so the grouping is the same on both engines (neither's SQL folds case as
    Python does)."""
    groups: dict[str, dict[str, tuple[int, int]]] = {}
    for reason, count, first in declines:
        wording = " ".join(str(reason or "").split())
        group = groups.setdefault(wording.casefold(), {})
        typed, earliest = group.get(wording, (0, first))
        group[wording] = (typed + count, min(earliest, first))
    shown: dict[str, int] = {}
    for group in groups.values():
        wording = min(group, key=lambda w: (-group[w][0], group[w][1]))
        shown[wording] = sum(typed for typed, _ in group.values())
    return shown


def scarcity_order(balance: list[SkillBalance]) -> list[SkillBalance]:
    """Scarce skills first: most waiting requests beyond the free places, then most waiting, then the slug."""
    return sorted(balance, key=lambda b: (-(b.waiting - b.free_places), -b.waiting, b.skill))


def bucket_of(days: float) -> int:
    """The `DAY_BUCKETS` bucket (index) of a wait of `days`."""
    for index, bound in enumerate(DAY_BUCKETS):
        if days < bound:
            return index
    return len(DAY_BUCKETS)


@dataclass(frozen=True)
class Lapse:
    """A mentor who let offers expire in a digest's week: their display name, platform user id, and how many."""

    name: str
    platform_user_id: str
    count: int


@dataclass(frozen=True)
class WeekDigest:
    """One week of a community for its admins' digest."""

    new_requests: int
    matches: int
    median_days_to_match: float | None
    waiting_reasons: dict[str, int]
    """Waiting requests by stored wait reason (a JSON message reference, `matchmaking.wait_reason`)."""
    lapses: tuple[Lapse, ...]
    """Mentors who let offers expire this week, one entry per mentor (two may share a display name), most first;
    expiries run late (the bot was down) are left out."""
    average_rating: float | None
    ratings: int
    decline_reasons: dict[str, int] = field(default_factory=dict)
    """Offers declined this week by reason, grouped whatever their case and spacing and shown as most typed them
    (`reason_groups`; "" for none)."""


@dataclass(frozen=True)
class SkillUse:
    """What uses one skill slug in the store: mentors who offer it, open requests (waiting or offered) that ask
    for it, active mentorships about it, and the community's course suggestions (pending or approved) that name
    it."""

    mentors: int = 0
    requests: int = 0
    mentorships: int = 0
    suggestions: int = 0

    def __add__(self, other: SkillUse) -> SkillUse:
        return SkillUse(
            self.mentors + other.mentors,
            self.requests + other.requests,
            self.mentorships + other.mentorships,
            self.suggestions + other.suggestions,
        )


class InsightStore(Transactions):
    """The queries behind charts and digests (read only), and the skill slugs stored rows use, which a reload of
    the skills file checks (and renames, `rename_skills`)."""

    async def waiting_for_skills(self, community: str, skills: Sequence[str]) -> int:
        """How many requests of `community` wait now asking for at least one of `skills` (each counted once,
        however many of them it names)."""
        if not skills:
            return 0
        marks = ", ".join("?" for _ in skills)
        async with self.read() as conn:
            row = await conn.fetch_one(
                "SELECT COUNT(DISTINCT r.id) AS n FROM requests r JOIN request_skills s ON s.request_id = r.id "
                f"WHERE r.community = ? AND r.status = 'waiting' AND s.skill IN ({marks})",
                community,
                *skills,
            )
        return int(row["n"]) if row is not None else 0

    async def waiting_by_reason(self, community: str) -> list[tuple[str, str | None, int]]:
        """The waiting requests of `community` per skill they ask for and stored wait reason (a JSON message
        reference, `matchmaking.wait_reason`): (skill, reason, how many). A request is counted once per skill."""
        async with self.read() as conn:
            found = await conn.fetch_all(
                "SELECT s.skill, r.wait_reason, COUNT(*) AS n FROM requests r JOIN request_skills s "
                "ON s.request_id = r.id WHERE r.community = ? AND r.status = 'waiting' GROUP BY s.skill, r.wait_reason",
                community,
            )
        return [
            (str(r["skill"]), str(r["wait_reason"]) if r["wait_reason"] is not None else None, int(r["n"]))
            for r in found
        ]

    async def skills_in_use(self) -> dict[tuple[str, str], SkillUse]:
        """Every skill slug stored rows use now, per community: (community, slug) → `SkillUse` (mentors of any
        status, open requests, active mentorships, pending or approved course suggestions). Past rows (closed
        requests, ended mentorships, feedback, rejected suggestions) are history and not counted."""
        uses: dict[tuple[str, str], SkillUse] = {}

        def add(key: tuple[str, str], use: SkillUse) -> None:
            uses[key] = uses.get(key, SkillUse()) + use

        async with self.read() as conn:
            mentors = await conn.fetch_all(
                "SELECT m.community, s.skill, COUNT(*) AS n FROM mentor_skills s JOIN members m ON m.id = s.member_id "
                "GROUP BY m.community, s.skill"
            )
            requests = await conn.fetch_all(
                "SELECT r.community, s.skill, COUNT(*) AS n FROM request_skills s JOIN requests r "
                "ON r.id = s.request_id WHERE r.status IN ('waiting', 'offered') GROUP BY r.community, s.skill"
            )
            mentorships = await conn.fetch_all(
                "SELECT community, skills, COUNT(*) AS n FROM mentorships WHERE status = 'active' "
                "GROUP BY community, skills"
            )
            suggestions = await conn.fetch_all(
                "SELECT community, skills, COUNT(*) AS n FROM course_suggestions "
                "WHERE status IN ('pending', 'approved') GROUP BY community, skills"
            )
        for row in mentors:
            add((str(row["community"]), str(row["skill"])), SkillUse(mentors=int(row["n"])))
        for row in requests:
            add((str(row["community"]), str(row["skill"])), SkillUse(requests=int(row["n"])))
        for row in mentorships:
            for slug in set(rows.split_list(row["skills"])):
                add((str(row["community"]), slug), SkillUse(mentorships=int(row["n"])))
        for row in suggestions:
            for slug in set(rows.split_list(row["skills"])):
                add((str(row["community"]), slug), SkillUse(suggestions=int(row["n"])))
        return uses

    async def stored_slugs(self) -> set[str]:
        """Every skill slug any stored row holds, past rows included (a closed request, an ended mentorship, a
        rating, a course suggestion of any status): what a rename must reach."""
        async with self.read() as conn:
            found = await conn.fetch_all(
                "SELECT DISTINCT skill AS s FROM mentor_skills UNION SELECT DISTINCT skill FROM request_skills "
                "UNION SELECT DISTINCT skills FROM mentorships UNION SELECT DISTINCT skills FROM feedback "
                "UNION SELECT DISTINCT skills FROM course_suggestions "
                "UNION SELECT DISTINCT skills FROM forgotten_exclusions"
            )
        return {slug for row in found for slug in rows.split_list(row["s"])}

    async def rename_skills(self, renames: Mapping[str, str]) -> int:
        """Store every `renames` old slug as its new one (a skill renamed in the skills file, the old slug kept as
        an alias), in one transaction: mentors' skills, every request's skills (a past one's too: matching reads
        history, a decline "not my skill" and a request put back to waiting, by slug), every mentorship's, every
        rating's and every course suggestion's (pending and approved ones are the community's catalog and its
        queue; a rejected one is renamed too, as history), and the skills of a forgotten member's "not my skill"
        exclusions (kept for when they return). A mentor or request that has both keeps the new slug's
        row only (a mentor's at the higher of the two levels: a merge never lowers what they said they know), a
        list that has both keeps one. How many rows changed."""
        if not renames:
            return 0
        changed = 0
        async with self.transaction() as conn:
            for old, new in sorted(renames.items()):
                changed += await conn.execute(
                    "UPDATE mentor_skills SET level = (SELECT o.level FROM mentor_skills o "
                    "WHERE o.member_id = mentor_skills.member_id AND o.skill = ?) "
                    "WHERE skill = ? AND EXISTS (SELECT 1 FROM mentor_skills o "
                    f"WHERE o.member_id = mentor_skills.member_id AND o.skill = ? AND {_rank('o.level')} > "
                    f"{_rank('mentor_skills.level')})",
                    old,
                    new,
                    old,
                )
                for table, owner in (("mentor_skills", "member_id"), ("request_skills", "request_id")):
                    changed += await conn.execute(
                        f"DELETE FROM {table} WHERE skill = ? AND EXISTS (SELECT 1 FROM {table} d "
                        f"WHERE d.{owner} = {table}.{owner} AND d.skill = ?)",
                        old,
                        new,
                    )
                    changed += await conn.execute(f"UPDATE {table} SET skill = ? WHERE skill = ?", new, old)
            for table in ("mentorships", "feedback", "course_suggestions"):
                for row in await conn.fetch_all(f"SELECT id, skills FROM {table}"):
                    skills = rows.split_list(row["skills"])
                    renamed = tuple(dict.fromkeys(renames.get(slug, slug) for slug in skills))
                    if renamed != skills:
                        changed += await conn.execute(
                            f"UPDATE {table} SET skills = ? WHERE id = ?", rows.join_list(renamed), row["id"]
                        )
            # A forgotten member's "not my skill" exclusions (migration 0022) are read by slug when they return.
            kept = "SELECT community, member_key, mentor_id, reason_kind, skills FROM forgotten_exclusions"
            for row in await conn.fetch_all(kept):
                skills = rows.split_list(row["skills"])
                renamed = tuple(dict.fromkeys(renames.get(slug, slug) for slug in skills))
                if renamed != skills:
                    changed += await conn.execute(
                        "UPDATE forgotten_exclusions SET skills = ? WHERE community = ? AND member_key = ? "
                        "AND mentor_id = ? AND reason_kind = ?",
                        rows.join_list(renamed),
                        row["community"],
                        row["member_key"],
                        row["mentor_id"],
                        row["reason_kind"],
                    )
        return changed

    async def insight(self, community: str, week_starts: list[datetime], end: datetime | None = None) -> Insight:
        """Supply and demand per skill, requests and matches in each week from `week_starts` (oldest first; each
        week ends where the next starts, the last at `end`, by default seven days after its start) and the
        days-to-match distribution of every matched request (from `WAITING_SINCE`), in one snapshot. Weeks of local
        calendar days are 167 or 169 hours across a daylight saving change: given their bounds, each instant is in
        one week."""
        ends = [*week_starts[1:], end or week_starts[-1] + timedelta(days=7)] if week_starts else []
        weekly_sql = ", ".join(
            f"SUM(CASE WHEN created_at >= ? AND created_at < ? THEN 1 ELSE 0 END) AS r{n}, "
            f"SUM(CASE WHEN matched_at >= ? AND matched_at < ? THEN 1 ELSE 0 END) AS m{n}"
            for n in range(len(week_starts))
        )
        weekly_args: list[datetime] = []
        for start, until in zip(week_starts, ends, strict=True):
            weekly_args += [start, until, start, until]
        async with self.read() as conn:
            supply = await conn.fetch_all(
                "SELECT s.skill, SUM(CASE WHEN p.capacity - p.active_count - p.pending_offers > 0 "
                "THEN p.capacity - p.active_count - p.pending_offers ELSE 0 END) AS free "
                "FROM mentor_skills s JOIN mentor_profiles p ON p.member_id = s.member_id "
                "JOIN members m ON m.id = p.member_id WHERE m.community = ? AND p.status = 'active' GROUP BY s.skill",
                community,
            )
            demand = await conn.fetch_all(
                "SELECT s.skill, COUNT(*) AS n FROM request_skills s JOIN requests r ON r.id = s.request_id "
                "WHERE r.community = ? AND r.status = 'waiting' GROUP BY s.skill",
                community,
            )
            weekly = None
            if week_starts:
                weekly = await conn.fetch_one(
                    f"SELECT {weekly_sql} FROM requests WHERE community = ? AND (created_at >= ? OR matched_at >= ?)",
                    *weekly_args,
                    community,
                    week_starts[0],
                    week_starts[0],
                )
            matched = await conn.fetch_all(
                f"SELECT {WAITING_SINCE} AS waiting_since, r.matched_at FROM {MATCHED_REQUESTS} "
                "WHERE r.community = ? AND r.matched_at IS NOT NULL",
                community,
            )
        free = {r["skill"]: int(r["free"] or 0) for r in supply}
        waiting = {r["skill"]: int(r["n"]) for r in demand}
        balance = [
            SkillBalance(skill, free.get(skill, 0), waiting.get(skill, 0))
            for skill in set(free) | set(waiting)
            if free.get(skill, 0) or waiting.get(skill, 0)
        ]
        weeks = tuple(
            WeekCount(
                start,
                int((weekly or {}).get(f"r{n}") or 0),
                int((weekly or {}).get(f"m{n}") or 0),
            )
            for n, start in enumerate(week_starts)
        )
        buckets = [0] * (len(DAY_BUCKETS) + 1)
        for row in matched:
            days = (rows.ts(row["matched_at"]) - rows.ts(row["waiting_since"])).total_seconds() / 86400
            buckets[bucket_of(days)] += 1
        return Insight(tuple(scarcity_order(balance)), weeks, tuple(buckets))

    async def week_digest(
        self, community: str, since: datetime, until: datetime, *, late_after: timedelta | None = None
    ) -> WeekDigest:
        """The figures of the digest for [`since`, `until`): requests made, matches, their median days to match
        (from `WAITING_SINCE`), the requests waiting now by reason, lapsed offers per mentor (by `offer_lapses`,
        what the expiry recorded: an offer declined late still lapsed, in the week it expired; one answered in time
        did not), ratings, and decline reasons. An expiry run more than `late_after` after the offer's time (the bot
        was down: `OfferStore.expire_offer` does not count it against the mentor) is no lapse here either."""
        async with self.read() as conn:
            made = await conn.fetch_one(
                "SELECT COUNT(*) AS n FROM requests WHERE community = ? AND created_at >= ? AND created_at < ?",
                community,
                since,
                until,
            )
            matched = await conn.fetch_all(
                f"SELECT {WAITING_SINCE} AS waiting_since, r.matched_at FROM {MATCHED_REQUESTS} "
                "WHERE r.community = ? AND r.matched_at >= ? AND r.matched_at < ?",
                community,
                since,
                until,
            )
            waiting = await conn.fetch_all(
                "SELECT wait_reason, COUNT(*) AS n FROM requests WHERE community = ? AND status = 'waiting' "
                "GROUP BY wait_reason",
                community,
            )
            # One row per lapse (`offer_lapses`, written by the expiry, whatever became of the offer since: a late
            # decline does not undo it; an answer recorded in time, or a message that never reached the mentor, is
            # none), its lateness judged here for the rows 0029 filled in: the engines share no interval arithmetic
            # on the stored times (ISO text in SQLite, timestamptz in PostgreSQL), and a week holds few lapses.
            expired = await conn.fetch_all(
                "SELECT m.id, m.display_name, m.platform_user_id, o.expires_at, l.lapsed_at FROM offer_lapses l "
                "JOIN offers o ON o.id = l.offer_id JOIN requests r ON r.id = o.request_id "
                "JOIN members m ON m.id = o.mentor_id WHERE r.community = ? AND l.lapsed_at >= ? AND l.lapsed_at < ?",
                community,
                since,
                until,
            )
            ratings = await conn.fetch_one(
                "SELECT COUNT(rating) AS n, AVG(rating) AS average FROM feedback WHERE community = ? "
                "AND created_at >= ? AND created_at < ?",
                community,
                since,
                until,
            )
            declines = await conn.fetch_all(
                "SELECT o.id, o.decline_reason FROM offers o JOIN requests r ON r.id = o.request_id "
                "WHERE r.community = ? AND o.status = 'declined' AND o.decided_at >= ? AND o.decided_at < ?",
                community,
                since,
                until,
            )
        waits = sorted(
            (rows.ts(r["matched_at"]) - rows.ts(r["waiting_since"])).total_seconds() / 86400 for r in matched
        )
        median: float | None = None
        if waits:
            mid = len(waits) // 2
            median = waits[mid] if len(waits) % 2 else (waits[mid - 1] + waits[mid]) / 2
        lapsed: dict[int, Lapse] = {}
        for row in expired:
            if late_after is not None and rows.ts(row["lapsed_at"]) - rows.ts(row["expires_at"]) > late_after:
                continue
            member_id = int(row["id"])
            before = lapsed.get(member_id)
            lapsed[member_id] = Lapse(
                str(row["display_name"]), str(row["platform_user_id"]), (before.count if before else 0) + 1
            )
        reasons = reason_groups((row["decline_reason"], 1, int(row["id"])) for row in declines)
        return WeekDigest(
            new_requests=int(made["n"]) if made else 0,
            matches=len(waits),
            median_days_to_match=median,
            waiting_reasons={str(r["wait_reason"] or ""): int(r["n"]) for r in waiting},
            lapses=tuple(sorted(lapsed.values(), key=lambda lapse: (-lapse.count, lapse.name, lapse.platform_user_id))),
            average_rating=float(ratings["average"]) if ratings and ratings["average"] is not None else None,
            ratings=int(ratings["n"]) if ratings else 0,
            decline_reasons=reasons,
        )
