"""Mentorships: made by an accepted offer or an admin, ended with feedback, checked in on."""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from mentorbot.matching.eligibility import MENTORING, Block, BlockKind, DeclineReason, PairFact, blocks_for
from mentorbot.models import (
    OPEN_REQUEST_STATUSES,
    Feedback,
    JobKind,
    Mentorship,
    MentorshipRequest,
    Offer,
    checkin_key,
)
from mentorbot.storage import jobs, rows
from mentorbot.storage.database import Connection, Row
from mentorbot.storage.events import LEFT_COMMUNITY, departed_sql
from mentorbot.storage.locks import lock_mentee_of_request
from mentorbot.storage.outbox import supersede_unsent
from mentorbot.storage.releases import release_offer
from mentorbot.storage.requests import read_request, read_requests, withdraw_pending
from mentorbot.storage.sql import Rollback, change_one, in_list
from mentorbot.storage.units import Transactions


async def _supersede_earlier_checkins(conn: Connection, member_id: int, mentorship_id: int, now: datetime) -> None:
    """The member's earlier check-ins of the mentorship (``checkin:<id>``, ``checkin:<id>:<n>``) that have not
    reached them are superseded: a later one is being sent (`MentorshipStore.mark_checkin_sent`)."""
    await supersede_unsent(conn, member_id, checkin_key(mentorship_id), now)
    await supersede_unsent(conn, member_id, f"{checkin_key(mentorship_id)}:", now, prefix=True)


class FeedbackResult(StrEnum):
    """What became of a piece of feedback."""

    RECORDED = "recorded"
    ALREADY_GIVEN = "already_given"
    NOT_A_PARTY = "not_a_party"
    STILL_ACTIVE = "still_active"


@dataclass(frozen=True)
class AcceptResult:
    """What accepting an offer (or an admin's manual match, which has no offer) changed."""

    offer: Offer | None
    mentorship: Mentorship
    request: MentorshipRequest
    closed_requests: tuple[MentorshipRequest, ...]
    withdrawn_offers: tuple[Offer, ...]
    unpaused: bool = False
    """An in-time accept of an expired offer (`OfferStore.accept_in_time`) took back the pause its lapse brought: the
    mentor takes requests again (`usecases.offers` tells them so)."""
    mentoring_withdrawn: tuple[Offer, ...] = ()
    """An admin's match (`MentorshipStore.manual_match`): the mentor's pending offers of the mentee's other requests
    that stay open, withdrawn in the match's own transaction as the mentor mentors the mentee now (the
    ``MENTORING`` block), their requests waiting again, to be handed on (`usecases.admin.match`, as
    `usecases.offers.after_mentoring` does after an accept). Those of requests the mentorship closed are in
    `withdrawn_offers`, with the closed ones."""


@dataclass(frozen=True)
class PairCheck:
    """A (request, mentor) pair as read again under the locks, before an offer or an admin's match is written:
    whether the mentor offers one of the request's skills, and the pair's block (`matching.eligibility`)."""

    shares_skill: bool
    block: Block | None

    def refused(self, forced: Collection[str] = ()) -> list[str]:
        """The checks the pair fails, as `usecases.admin.FORCEABLE` names them (``skill``, ``excluded``,
        ``cooldown``, ``mentoring``: the mentor mentors the mentee now), but those in `forced`. A lapse's cooldown
        that lifts when the mentor is back fails none: live matching offers it when no one else is eligible, and an
        admin's match is not refused for it."""
        failed: list[str] = []
        if not self.shares_skill:
            failed.append("skill")
        if self.block is not None and self.block.kind is BlockKind.EXCLUDED:
            failed.append("excluded")
        elif self.block is not None and self.block.kind is BlockKind.COOLDOWN and not self.block.lifts_when_alone:
            failed.append("cooldown")
        if self.block is not None and self.block.mentoring:
            failed.append("mentoring")
        return [check for check in failed if check not in forced]


def _pairs_sql(dialect: str, pairs: Sequence[tuple[int, int]]) -> tuple[str, list[Any]]:
    """A subquery yielding `pairs` as rows ``(r, m)``: request, mentor; its arguments (one or two, however many
    pairs)."""
    if dialect == "postgresql":
        return (
            "SELECT * FROM unnest(CAST(? AS BIGINT[]), CAST(? AS BIGINT[])) AS p(r, m)",
            [[r for r, _ in pairs], [m for _, m in pairs]],
        )
    return (
        "SELECT json_extract(value, '$[0]') AS r, json_extract(value, '$[1]') AS m FROM json_each(?)",
        [json.dumps([[r, m] for r, m in pairs])],
    )


async def check_pairs(
    conn: Connection,
    dialect: str,
    pairs: Collection[tuple[int, int]],
    now: datetime,
    reoffer_after: timedelta | None,
) -> dict[tuple[int, int], PairCheck]:
    """Each (request, mentor) pair of `pairs` checked again inside the caller's transaction, in two statements
    however many pairs: whether the mentor offers one of the request's skills, and the pair's block from the
    offers of the request's mentee to that mentor and an active mentorship between them (`eligibility.blocks_for`,
    the one definition of cooldowns, exclusions and a mentor already mentoring the mentee; `reoffer_after` None:
    exclusions only). A decline "not this person" holds both ways (docs/matching.md rule 5): the mentee's own of a
    request of the mentor's blocks the pair too (`PairFact.by_mentee`). The exclusions kept of members forgotten
    since (`forgotten_exclusions`) are not read here, either way: the candidates and an admin's checks read them
    (`CandidateStore.pair_history`). A pair whose request does not exist is left out.

    Run after the locks that keep what it reads from changing (`locks`): the mentee's row (a decline, an expiry
    takes it) and the mentor's profile row (a profile update takes it), each read by a statement of its own after
    them: under PostgreSQL's READ COMMITTED a statement sees what was committed when it started, so a check folded
    into the statement that takes the lock could miss what the lock waited for."""
    wanted = sorted(set(pairs))
    if not wanted:
        return {}
    sub, args = _pairs_sql(dialect, wanted)
    found = await conn.fetch_all(
        "SELECT t.r, t.m, q.member_id AS mentee_id, s.skill, EXISTS (SELECT 1 FROM mentor_skills k "
        "WHERE k.member_id = t.m AND k.skill = s.skill) AS offered "
        f"FROM ({sub}) t JOIN requests q ON q.id = t.r LEFT JOIN request_skills s ON s.request_id = t.r",
        *args,
    )
    mentee_of: dict[int, int] = {}
    skills_of: dict[int, set[str]] = {}
    shared: set[tuple[int, int]] = set()
    for row in found:
        request_id = int(row["r"])
        mentee_of[request_id] = int(row["mentee_id"])
        if row["skill"] is not None:
            skills_of.setdefault(request_id, set()).add(str(row["skill"]))
        if row["offered"]:
            shared.add((request_id, int(row["m"])))
    # The pair's decided offers, one row per skill of their request, and (part 1) the pair's active mentorships,
    # whose mentor is not offered the mentee's requests meanwhile (`MENTORING`), as `pair_history` reads them.
    history = await conn.fetch_all(
        "SELECT 0 AS part, o.id, q.member_id AS mentee_id, o.request_id, o.mentor_id, o.status, o.reason_kind, "
        f"o.decided_at, p.back_at, s.skill, NULL AS skills FROM ({sub}) t JOIN requests q ON q.id = t.r "
        "JOIN requests r ON r.member_id = q.member_id JOIN offers o ON o.request_id = r.id AND o.mentor_id = t.m "
        "LEFT JOIN mentor_profiles p ON p.member_id = o.mentor_id "
        "LEFT JOIN request_skills s ON s.request_id = o.request_id "
        "WHERE o.status IN ('declined', 'expired', 'withdrawn') "
        f"UNION ALL SELECT 1, m.id, q.member_id, COALESCE(m.request_id, 0), m.mentor_id, '{MENTORING}', NULL, "
        f"m.started_at, NULL, NULL, m.skills FROM ({sub}) t JOIN requests q ON q.id = t.r "
        "JOIN mentorships m ON m.mentee_id = q.member_id AND m.mentor_id = t.m WHERE m.status = 'active' "
        # (part 2) The mentee's own declines "not this person" of the mentor's requests: the other way round.
        "UNION ALL SELECT 2, o.id, q.member_id, 0, t.m, o.status, o.reason_kind, o.decided_at, NULL, NULL, NULL "
        f"FROM ({sub}) t JOIN requests q ON q.id = t.r JOIN offers o ON o.mentor_id = q.member_id "
        "JOIN requests r ON r.id = o.request_id AND r.member_id = t.m "
        f"WHERE o.status = 'declined' AND o.reason_kind = '{DeclineReason.NOT_THIS_PERSON.value}'",
        *args,
        *args,
        *args,
    )
    offers: dict[tuple[int, int], Row] = {}
    offer_skills: dict[tuple[int, int], set[str]] = {}
    for row in history:
        key = (int(row["part"]), int(row["id"]))
        offers.setdefault(key, row)
        if row["skill"] is not None:
            offer_skills.setdefault(key, set()).add(str(row["skill"]))
    facts: dict[tuple[int, int], list[PairFact]] = {}
    for key, row in sorted(offers.items()):
        if key[0] == 2:
            fact = replace(rows.pair_fact(row, ()), by_mentee=True)
        else:
            skills = offer_skills.get(key, set()) if key[0] == 0 else rows.split_list(row["skills"])
            fact = rows.pair_fact(row, skills)
        facts.setdefault((fact.mentee_id, fact.mentor_id), []).append(fact)
    checked: dict[tuple[int, int], PairCheck] = {}
    for request_id, mentor_id in wanted:
        if request_id not in mentee_of:
            continue
        mentee_id = mentee_of[request_id]
        pair_facts = facts.get((mentee_id, mentor_id), [])
        blocks = blocks_for(
            request_id,
            mentee_id,
            skills_of.get(request_id, set()),
            pair_facts,
            now=now,
            reoffer_after=reoffer_after or timedelta(0),
        )
        block = blocks.get(mentor_id)
        if block is not None and reoffer_after is None and block.kind is not BlockKind.EXCLUDED:
            block = None
        checked[(request_id, mentor_id)] = PairCheck((request_id, mentor_id) in shared, block)
    return checked


async def withdraw_mentors_offers_of_mentee(
    conn: Connection, mentor_id: int, mentee_id: int, except_request: int, now: datetime
) -> list[Offer]:
    """Withdraw `mentor_id`'s pending offers of `mentee_id`'s requests but `except_request`, inside the caller's
    transaction, after the mentee's lock (which an accept or an expiry of those offers takes too): each released as
    `OfferStore.withdraw_for_mentee` releases it (`releases.release_offer`: its place given back, its request waiting
    again, the mentor's streak kept). The offers withdrawn, oldest request first."""
    found = await conn.fetch_all(
        "UPDATE offers SET status = 'withdrawn', decided_at = ?, reason_kind = NULL WHERE status = 'pending' "
        "AND mentor_id = ? AND request_id <> ? AND request_id IN (SELECT id FROM requests WHERE member_id = ?) "
        "RETURNING *",
        now,
        mentor_id,
        except_request,
        mentee_id,
    )

    withdrawn = sorted((rows.offer(r) for r in found), key=lambda o: o.request_id)
    for offer in withdrawn:
        await release_offer(conn, offer, now, expired=False, answered=False)
    return withdrawn


async def insert_mentorship(conn: Connection, request: MentorshipRequest, mentor_id: int, now: datetime) -> Mentorship:
    """A new active mentorship for a matched request, inside the caller's transaction. Its skills are the ones
    the request and the mentor share (what the introduction names and the courses are for); all the request's
    when they share none (an admin's forced match)."""
    offered = {
        str(r["skill"]) for r in await conn.fetch_all("SELECT skill FROM mentor_skills WHERE member_id = ?", mentor_id)
    }
    shared = tuple(s for s in request.skills if s in offered) or request.skills
    row = await conn.fetch_one(
        "INSERT INTO mentorships (request_id, mentor_id, mentee_id, community, skills, status, started_at) "
        "VALUES (?, ?, ?, ?, ?, 'active', ?) RETURNING *",
        request.id,
        mentor_id,
        request.member_id,
        request.community,
        rows.join_list(shared),
        now,
    )
    assert row is not None
    return rows.mentorship(row)


async def close_overlapping(
    conn: Connection,
    request: MentorshipRequest,
    now: datetime,
    others: Sequence[MentorshipRequest] | None = None,
    *,
    covered: Sequence[str],
) -> tuple[list[MentorshipRequest], list[Offer]]:
    """Close the mentee's other open requests for the same skills: those whose every skill the new mentorship
    `covered` (the skills the request and the mentor share). One asking for a skill the mentor does not offer
    stays open. `others`: the mentee's open requests sharing a skill (or more of them) when the caller read them
    already, in the same transaction after the mentee's lock (oldest first); None reads them here."""
    if others is None:
        others = await read_requests(
            conn,
            f"member_id = ? AND id <> ? AND status IN ({in_list(OPEN_REQUEST_STATUSES)})",
            request.member_id,
            request.id,
            *OPEN_REQUEST_STATUSES,
        )
    overlapping = [r for r in others if r.skills and set(r.skills) <= set(covered)]
    closed: list[MentorshipRequest] = []
    for other in overlapping:
        if (
            await conn.execute(
                "UPDATE requests SET status = 'closed', updated_at = ? WHERE id = ? "
                f"AND status IN ({in_list(OPEN_REQUEST_STATUSES)})",
                now,
                other.id,
                *OPEN_REQUEST_STATUSES,
            )
            == 1
        ):
            closed.append(other)
    withdrawn = await withdraw_pending(conn, [r.id for r in closed], now)
    return closed, withdrawn


async def start_mentorship(
    conn: Connection, request: MentorshipRequest, mentor_id: int, now: datetime, checkin_at: datetime | None
) -> tuple[Mentorship, list[MentorshipRequest], list[Offer]]:
    """The mentorship of a request just matched to `mentor_id`, inside the caller's transaction: its check-in
    scheduled at `checkin_at` (if given), and the mentee's overlapping open requests closed."""
    mentorship = await insert_mentorship(conn, request, mentor_id, now)
    if checkin_at is not None:
        await jobs.schedule(conn, JobKind.CHECKIN, mentorship.id, checkin_at, now)
    closed, withdrawn = await close_overlapping(conn, request, now, covered=mentorship.skills)
    return mentorship, closed, withdrawn


_NOT_DEPARTED = " AND NOT " + departed_sql("")
"""The condition of an admin's forced match on the mentor's profile (its one argument `LEFT_COMMUNITY`): paused, it
may be, but not because they left the community (`events.departed_sql`)."""


class MentorshipStore(Transactions):
    """Manual matches, mentorships, check-ins and feedback."""

    async def manual_match(
        self,
        request_id: int,
        mentor_id: int,
        now: datetime,
        *,
        checkin_at: datetime | None = None,
        admin_id: int | None = None,
        forced: Sequence[str] = (),
        reoffer_after: timedelta | None = None,
    ) -> AcceptResult | None:
        """An admin's match: the open request goes to this mentor directly, within their capacity (never
        overridden) and, unless ``"paused"`` is in `forced`, only while the mentor is active. A pending offer
        of the request is withdrawn first, and so are the mentor's pending offers of the mentee's other requests
        (`withdraw_mentors_offers_of_mentee`: the mentorship withdraws them anyway, so the places they hold are the
        match's to use), after the mentee's lock and before the capacity's compare-and-set, so that neither another
        admin's match nor an accept can take that place meanwhile; a match that fails rolls them back. Those whose
        request stays open come back in `AcceptResult.mentoring_withdrawn`, to be handed on; those of a request
        the mentorship closed, in `withdrawn_offers`. The mentorship records `admin_id` and the checks `forced`. None
        when the request is not open, the mentor is the requester, paused or has no free place, or when a check
        not `forced` fails, read again under the locks (`PairCheck.refused`: the mentor offers none of the
        request's skills, or the pair is excluded or on cooldown; `reoffer_after` None: no cooldown is checked)."""
        try:
            async with self.transaction() as conn:
                await lock_mentee_of_request(conn, request_id, dialect=self.db.dialect)
                request = await read_request(conn, request_id)
                if request is None or not request.status.is_open or request.member_id == mentor_id:
                    return None
                withdrawn = await withdraw_pending(conn, [request_id], now)
                # The mentor's offers of the mentee's other requests: the mentorship withdraws them (the MENTORING
                # block), so their places are this match's (docs/matching.md, admin actions).
                mentoring = await withdraw_mentors_offers_of_mentee(conn, mentor_id, request.member_id, request_id, now)
                # A forced pause is any pause but a departure: a mentee is never introduced to someone gone.
                forced_pause = "paused" in forced
                active_only = _NOT_DEPARTED if forced_pause else " AND status = 'active'"
                await change_one(
                    conn,
                    "UPDATE mentor_profiles SET active_count = active_count + 1, updated_at = ? "
                    "WHERE member_id = ? AND active_count + pending_offers < capacity" + active_only,
                    now,
                    mentor_id,
                    *([LEFT_COMMUNITY] if forced_pause else []),
                )
                # The update above holds the mentor's row (after the mentee's): what the admin's checks read is
                # read again, as it stands now.
                checked = await check_pairs(conn, self.db.dialect, [(request_id, mentor_id)], now, reoffer_after)
                if checked[(request_id, mentor_id)].refused(forced):
                    raise Rollback
                await change_one(
                    conn,
                    "UPDATE requests SET status = 'matched', matched_at = ?, updated_at = ? "
                    f"WHERE id = ? AND status IN ({in_list(OPEN_REQUEST_STATUSES)})",
                    now,
                    now,
                    request_id,
                    *OPEN_REQUEST_STATUSES,
                )
                matched = await read_request(conn, request_id)
                assert matched is not None
                mentorship, closed, more_withdrawn = await start_mentorship(conn, matched, mentor_id, now, checkin_at)
                row = await conn.fetch_one(
                    "UPDATE mentorships SET matched_by_admin = ?, forced = ? WHERE id = ? RETURNING *",
                    admin_id,
                    rows.join_list(list(forced)) or None,
                    mentorship.id,
                )
                assert row is not None
                mentorship = rows.mentorship(row)
                # The mentor's offer of a request the mentorship closed is told with it (`introduce`: covered).
                shut = {r.id for r in closed}
                covered = [o for o in mentoring if o.request_id in shut]
                return AcceptResult(
                    None,
                    mentorship,
                    matched,
                    tuple(closed),
                    tuple(withdrawn + covered + more_withdrawn),
                    mentoring_withdrawn=tuple(o for o in mentoring if o.request_id not in shut),
                )
        except Rollback:
            return None

    async def get_mentorship(self, mentorship_id: int) -> Mentorship | None:
        """A mentorship by id."""
        async with self.read() as conn:
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
        async with self.read() as conn:
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
        by_admin: int | None = None,
    ) -> Mentorship | None:
        """End an active mentorship (by one of its parties, or by an admin when `by_member` is None: the admin
        `by_admin`, kept in `admin_ended_mentorships` for the export), free the mentor's place and keep the
        feedback. None when it was not active or `by_member` is not a party."""
        async with self.transaction() as conn:
            sql = "UPDATE mentorships SET status = 'ended', ended_at = ? WHERE id = ? AND status = 'active'"
            args: list[Any] = [now, mentorship_id]
            if by_member is not None:
                sql += " AND (mentor_id = ? OR mentee_id = ?)"
                args += [by_member, by_member]
            row = await conn.fetch_one(sql + " RETURNING *", *args)
            if row is None:
                return None
            ended = rows.mentorship(row)
            if by_member is None and by_admin is not None:
                await conn.execute(
                    "INSERT INTO admin_ended_mentorships (mentorship_id, admin_id) VALUES (?, ?)", ended.id, by_admin
                )
            await conn.execute(
                "UPDATE mentor_profiles SET active_count = active_count - 1, updated_at = ? "
                "WHERE member_id = ? AND active_count > 0",
                now,
                ended.mentor_id,
            )
            if rating is not None or comment:
                await conn.execute(
                    "INSERT INTO feedback (mentorship_id, author_id, community, skills, rating, comment, "
                    "created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    ended.id,
                    by_member,
                    row["community"],
                    rows.join_list(ended.skills),
                    rating,
                    comment or None,
                    now,
                )
            await jobs.cancel(conn, JobKind.CHECKIN, ended.id)
            return ended

    async def add_feedback(
        self, mentorship_id: int, author_id: int, rating: int | None, comment: str | None, now: datetime
    ) -> bool:
        """Feedback from a party of a mentorship, at most once per person per mentorship (a unique index: two
        submissions at once record one); True when this call recorded it."""
        return await self.give_feedback(mentorship_id, author_id, rating, comment, now) is FeedbackResult.RECORDED

    async def give_feedback(
        self,
        mentorship_id: int,
        author_id: int,
        rating: int | None,
        comment: str | None,
        now: datetime,
        *,
        ended_only: bool = False,
    ) -> FeedbackResult:
        """Record `author_id`'s feedback on a mentorship they are part of (with `ended_only`, once it has ended),
        at most once per person per mentorship. A comment left on ending it without a rating is not that once:
        a rating given later fills in that row (its comment kept unless a new one is given), in the same single
        statement, so two submissions at once still record one. The row's `created_at` becomes the rating's time
        then: the weekly digest counts a rating in the week it was given (`InsightStore.week_digest`)."""
        async with self.transaction() as conn:
            row = await conn.fetch_one(
                "SELECT * FROM mentorships WHERE id = ? AND (mentor_id = ? OR mentee_id = ?)",
                mentorship_id,
                author_id,
                author_id,
            )
            if row is None:
                return FeedbackResult.NOT_A_PARTY
            if ended_only and row["status"] != "ended":
                return FeedbackResult.STILL_ACTIVE
            saved = await conn.fetch_one(
                "INSERT INTO feedback (mentorship_id, author_id, community, skills, rating, comment, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (mentorship_id, author_id) DO UPDATE "
                "SET rating = excluded.rating, comment = COALESCE(excluded.comment, feedback.comment), "
                "created_at = excluded.created_at "
                "WHERE feedback.rating IS NULL AND excluded.rating IS NOT NULL RETURNING id",
                mentorship_id,
                author_id,
                row["community"],
                row["skills"],
                rating,
                comment,
                now,
            )
            return FeedbackResult.RECORDED if saved is not None else FeedbackResult.ALREADY_GIVEN

    async def has_given_feedback(self, mentorship_id: int, author_id: int) -> bool:
        """Whether `author_id` rated the mentorship already (a comment left on ending it without a rating does
        not count: the rating may still follow, see `give_feedback`)."""
        async with self.read() as conn:
            row = await conn.fetch_one(
                "SELECT id FROM feedback WHERE mentorship_id = ? AND author_id = ? AND rating IS NOT NULL",
                mentorship_id,
                author_id,
            )
        return row is not None

    async def mark_checkin_sent(
        self, mentorship_id: int, now: datetime, *, due: datetime | None = None, every: timedelta | None = None
    ) -> int | None:
        """Record a check-in of an active mentorship, each once: the first whenever it runs; with `every` (the time
        between check-ins), a later one when none was sent since `due` (when the timer that runs it fell due;
        default `now`), and the next is scheduled `every` after `now`. `checkin_sent_at` becomes the latest's
        time. The check-in's number (1 for the first) when this call recorded it; None otherwise (another process
        recorded it, or a timer run late after the one sent: `due` is no later than that one was sent; the
        mentorship ended). Each is one conditional update of the mentorship's row, whose lock a concurrent call
        waits for and then reads the row as committed (PostgreSQL), or one writer at a time (SQLite): two
        processes running the same occurrence record it once. A later one supersedes the earlier check-ins still
        to reach either party (held for their next command: DMs closed), so a member is never shown a pile of
        them."""
        due = now if due is None else due
        async with self.transaction() as conn:
            first = await conn.fetch_one(
                "UPDATE mentorships SET checkin_sent_at = ? WHERE id = ? AND status = 'active' "
                "AND checkin_sent_at IS NULL RETURNING id",
                now,
                mentorship_id,
            )
            if first is not None:
                sent = 1
            elif every is None:
                return None
            else:
                later = await conn.fetch_one(
                    "UPDATE mentorships SET checkin_sent_at = ? WHERE id = ? AND status = 'active' "
                    "AND checkin_sent_at < ? RETURNING mentor_id, mentee_id",
                    now,
                    mentorship_id,
                    due,
                )
                if later is None:
                    return None
                counted = await conn.fetch_one(
                    "INSERT INTO mentorship_checkins (mentorship_id, sent) VALUES (?, 2) ON CONFLICT (mentorship_id) "
                    "DO UPDATE SET sent = mentorship_checkins.sent + 1 RETURNING sent",
                    mentorship_id,
                )
                assert counted is not None
                sent = int(counted["sent"])
                for member_id in (later["mentor_id"], later["mentee_id"]):
                    if member_id is not None:
                        await _supersede_earlier_checkins(conn, int(member_id), mentorship_id, now)
            if every is not None:
                await jobs.schedule(conn, JobKind.CHECKIN, mentorship_id, now + every, now)
            return sent

    async def checkins_sent(self, mentorship_id: int) -> int:
        """How many check-ins the mentorship has had (`mark_checkin_sent`): the latest's key is
        `models.checkin_key` of that number."""
        async with self.read() as conn:
            row = await conn.fetch_one(
                "SELECT m.checkin_sent_at, c.sent FROM mentorships m "
                "LEFT JOIN mentorship_checkins c ON c.mentorship_id = m.id WHERE m.id = ?",
                mentorship_id,
            )
        if row is None or row["checkin_sent_at"] is None:
            return 0
        return 1 if row["sent"] is None else int(row["sent"])

    async def resume_checkins(self, every: timedelta, now: datetime) -> int:
        """Schedule the next check-in, `every` after the latest (at `now` when that is past), of each active
        mentorship that has had one and has no check-in timer pending or running: its check-ins went out when they
        were not repeated (``MENTORBOT_CHECKIN_REPEAT_DAYS`` 0, or a release before session 39); or one was skipped
        while a party was gone (`timers.send_checkin`: run again while they still are, it skips again, and their
        return makes it due: `returns.came_back`). A timer made pending meanwhile is left as it is (`jobs.schedule`'s
        `keep_pending`). How many were scheduled."""
        async with self.transaction() as conn:
            found = await conn.fetch_all(
                "SELECT m.id, m.checkin_sent_at FROM mentorships m WHERE m.status = 'active' "
                "AND m.checkin_sent_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.kind = ? "
                "AND j.ref_id = m.id AND j.status IN ('pending', 'running')) ORDER BY m.id",
                JobKind.CHECKIN.value,
            )
            due = [(int(r["id"]), max(rows.ts(r["checkin_sent_at"]) + every, now)) for r in found]
            if due:
                await jobs.schedule_many(conn, JobKind.CHECKIN, due, now, keep_pending=True)
        return len(due)

    async def list_feedback(self, community: str | None = None) -> list[Feedback]:
        """All feedback (for admins: the stats count it in aggregate; the export lists it by mentorship)."""
        async with self.read() as conn:
            if community is None:
                found = await conn.fetch_all("SELECT * FROM feedback ORDER BY id")
            else:
                found = await conn.fetch_all("SELECT * FROM feedback WHERE community = ? ORDER BY id", community)
        return [rows.feedback(r) for r in found]
