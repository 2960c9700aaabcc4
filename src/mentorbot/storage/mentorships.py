"""Mentorships: made by an accepted offer or an admin, ended with feedback, checked in on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from mentorbot.models import OPEN_REQUEST_STATUSES, Feedback, JobKind, Mentorship, MentorshipRequest, Offer
from mentorbot.storage import jobs, rows
from mentorbot.storage.database import Connection
from mentorbot.storage.locks import lock_mentee_of_request
from mentorbot.storage.requests import read_request, read_requests, withdraw_pending
from mentorbot.storage.sql import Rollback, change_one, in_list
from mentorbot.storage.units import Transactions


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
    ) -> AcceptResult | None:
        """An admin's match: the open request goes to this mentor directly, within their capacity (never
        overridden) and, unless ``"paused"`` is in `forced`, only while the mentor is active. A pending offer
        of the request is withdrawn first. The mentorship records `admin_id` and the checks `forced`. None
        when the request is not open, the mentor is the requester, paused or has no free place."""
        try:
            async with self.transaction() as conn:
                await lock_mentee_of_request(conn, request_id, dialect=self.db.dialect)
                request = await read_request(conn, request_id)
                if request is None or not request.status.is_open or request.member_id == mentor_id:
                    return None
                withdrawn = await withdraw_pending(conn, [request_id], now)
                active_only = "" if "paused" in forced else " AND status = 'active'"
                await change_one(
                    conn,
                    "UPDATE mentor_profiles SET active_count = active_count + 1, updated_at = ? "
                    "WHERE member_id = ? AND active_count + pending_offers < capacity" + active_only,
                    now,
                    mentor_id,
                )
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
                return AcceptResult(None, mentorship, matched, tuple(closed), tuple(withdrawn + more_withdrawn))
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
    ) -> Mentorship | None:
        """End an active mentorship (by one of its parties, or by an admin when `by_member` is None), free the
        mentor's place and keep the feedback. None when it was not active or `by_member` is not a party."""
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
        statement, so two submissions at once still record one."""
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
                "SET rating = excluded.rating, comment = COALESCE(excluded.comment, feedback.comment) "
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

    async def mark_checkin_sent(self, mentorship_id: int, now: datetime) -> bool:
        """Record the check-in of an active mentorship, once; True when this call recorded it."""
        async with self.transaction() as conn:
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
        async with self.read() as conn:
            if community is None:
                found = await conn.fetch_all("SELECT * FROM feedback ORDER BY id")
            else:
                found = await conn.fetch_all("SELECT * FROM feedback WHERE community = ? ORDER BY id", community)
        return [rows.feedback(r) for r in found]
