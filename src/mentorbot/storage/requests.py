"""Mentorship requests: asking, listing, cancelling."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from mentorbot.models import OPEN_REQUEST_STATUSES, JobKind, MentorshipRequest, Offer, RequestStatus
from mentorbot.storage import jobs, rows
from mentorbot.storage.database import Connection
from mentorbot.storage.locks import lock_member
from mentorbot.storage.outbox import supersede_request_notices
from mentorbot.storage.sql import community_scope, in_list
from mentorbot.storage.units import Transactions


class LimitReached(Exception):
    """A member already has the maximum number of open requests: `open_count` open, `max_open` allowed (more open
    than allowed when the limit was lowered since they asked: `Settings.max_open_requests`)."""

    def __init__(self, open_count: int, max_open: int) -> None:
        super().__init__(open_count, max_open)
        self.open_count = open_count
        self.max_open = max_open


class DuplicateRequest(Exception):
    """A member already has an open request for exactly these skills (`request_id`)."""

    def __init__(self, request_id: int) -> None:
        super().__init__(request_id)
        self.request_id = request_id


class CoveredByMentorship(Exception):
    """A member asked for skills that one of their active mentorships already covers (every one of them)."""

    def __init__(self, mentorship_id: int, mentor_id: int | None, skills: tuple[str, ...]) -> None:
        super().__init__(mentorship_id)
        self.mentorship_id = mentorship_id
        self.mentor_id = mentor_id
        self.skills = skills


@dataclass(frozen=True)
class CancelResult:
    """What cancelling a request changed: the pending offer it withdrew, if any."""

    withdrawn_offer: Offer | None


async def read_request(conn: Connection, request_id: int) -> MentorshipRequest | None:
    """A request with its skills, or None, inside the caller's transaction."""
    row = await conn.fetch_one("SELECT * FROM requests WHERE id = ?", request_id)
    if row is None:
        return None
    skills = await conn.fetch_all("SELECT skill FROM request_skills WHERE request_id = ? ORDER BY position", request_id)
    return rows.request(row, tuple(r["skill"] for r in skills))


async def read_requests(
    conn: Connection,
    where: str,
    *args: Any,
    skills_where: str | None = None,
    skills_args: Sequence[Any] = (),
    limit: int | None = None,
) -> list[MentorshipRequest]:
    """Requests matching `where`, oldest first (the first `limit` of them, when given), with their skills.
    `skills_where` selects the same requests' skills by a subquery (for thousands of requests) instead of an IN list
    of their ids."""
    page = f" LIMIT {int(limit)}" if limit is not None else ""
    found = await conn.fetch_all(f"SELECT * FROM requests WHERE {where} ORDER BY created_at, id{page}", *args)
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
            f"SELECT request_id, skill FROM request_skills WHERE request_id IN ({in_list(ids)}) "
            "ORDER BY request_id, position",
            *ids,
        )
    skills: dict[int, list[str]] = {}
    for r in skill_rows:
        skills.setdefault(int(r["request_id"]), []).append(r["skill"])
    return [rows.request(r, tuple(skills.get(int(r["id"]), []))) for r in found]


async def withdraw_pending(conn: Connection, request_ids: Sequence[int], now: datetime) -> list[Offer]:
    """Withdraw the pending offers of these requests (cancelled, closed, or their member gone) and give the mentors
    their held places back; the mentee's notices about each request that have not reached them are superseded
    (`outbox.supersede_request_notices`: "a mentor has been offered your request" or "it is waiting again" is never
    told after "cancelled", nor after the introduction of an admin's match)."""
    if not request_ids:
        return []
    await supersede_request_notices(conn, request_ids, now)
    found = await conn.fetch_all(
        "UPDATE offers SET status = 'withdrawn', decided_at = ? "
        f"WHERE status = 'pending' AND request_id IN ({in_list(request_ids)}) RETURNING *",
        now,
        *request_ids,
    )
    offers = [rows.offer(r) for r in found]
    for offer in offers:
        await conn.execute(
            "UPDATE mentor_profiles SET pending_offers = pending_offers - 1 WHERE member_id = ? AND pending_offers > 0",
            offer.mentor_id,
        )
        await jobs.cancel(conn, JobKind.OFFER_EXPIRY, offer.id)
    return offers


class RequestStore(Transactions):
    """Creating, reading and cancelling requests."""

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
        reject_covered: bool = False,
    ) -> MentorshipRequest:
        """A new waiting request; raises `LimitReached` when the member already has `max_open` open ones (or more),
        (with `reject_duplicate`) `DuplicateRequest` when one of them asks for exactly these skills and (with
        `reject_covered`) `CoveredByMentorship` when an active mentorship of theirs covers every one of these skills
        (what an accept closes an open request for, `mentorships.close_overlapping`), checked under the member's
        lock so simultaneous duplicates cannot both pass, nor a request race the accept that covers it."""
        async with self.transaction() as conn:
            # Locking the member's row means two simultaneous requests cannot both pass the limit check.
            await lock_member(conn, member_id, dialect=self.db.dialect)
            if reject_covered:
                for active in await conn.fetch_all(
                    "SELECT id, mentor_id, skills FROM mentorships "
                    "WHERE mentee_id = ? AND status = 'active' ORDER BY id",
                    member_id,
                ):
                    covered = rows.split_list(active["skills"])
                    if set(skills) <= set(covered):
                        mentor = int(active["mentor_id"]) if active["mentor_id"] is not None else None
                        raise CoveredByMentorship(int(active["id"]), mentor, covered)
            if reject_duplicate:
                open_ones = await read_requests(
                    conn,
                    f"member_id = ? AND status IN ({in_list(OPEN_REQUEST_STATUSES)})",
                    member_id,
                    *OPEN_REQUEST_STATUSES,
                )
                for existing in open_ones:
                    if set(existing.skills) == set(skills):
                        raise DuplicateRequest(existing.id)
            row = await conn.fetch_one(
                "SELECT COUNT(*) AS n FROM requests WHERE member_id = ? "
                f"AND status IN ({in_list(OPEN_REQUEST_STATUSES)})",
                member_id,
                *OPEN_REQUEST_STATUSES,
            )
            open_count = int(row["n"]) if row is not None else 0
            if open_count >= max_open:
                raise LimitReached(open_count, max_open)
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
            made = await read_request(conn, request_id)
        assert made is not None
        return made

    async def get_request(self, request_id: int) -> MentorshipRequest | None:
        """A request by id."""
        async with self.read() as conn:
            return await read_request(conn, request_id)

    async def list_member_requests(self, member_id: int, *, open_only: bool = False) -> list[MentorshipRequest]:
        """A member's requests, oldest first."""
        async with self.read() as conn:
            if open_only:
                return await read_requests(
                    conn,
                    f"member_id = ? AND status IN ({in_list(OPEN_REQUEST_STATUSES)})",
                    member_id,
                    *OPEN_REQUEST_STATUSES,
                )
            return await read_requests(conn, "member_id = ?", member_id)

    async def list_requests(self, community: str | None, statuses: Sequence[RequestStatus]) -> list[MentorshipRequest]:
        """Requests in the given states (of one community or all), oldest first."""
        values = [s.value for s in statuses]
        async with self.read() as conn:
            if community is None:
                return await read_requests(conn, f"status IN ({in_list(values)})", *values)
            return await read_requests(conn, f"community = ? AND status IN ({in_list(values)})", community, *values)

    async def waiting_asking(
        self,
        community: str,
        skills: Sequence[str],
        *,
        after: MentorshipRequest | None = None,
        limit: int | None = None,
    ) -> list[MentorshipRequest]:
        """The waiting requests of `community` that ask for at least one of `skills`, oldest first: the
        database chooses them, so a freed place or a pause does not read the whole waitlist to use some of it. With
        `limit`, one page of them: the first `limit` after the request `after` in the queue's order (asking time,
        then id), so a reader that may stop early reads no more of the waitlist than it uses
        (`usecases.matchmaking.waiting_pages`)."""
        if not skills:
            return []
        where = "community = ? AND status = 'waiting' "
        args: list[Any] = [community]
        if after is not None:
            where += "AND (created_at > ? OR (created_at = ? AND id > ?)) "
            args += [after.created_at, after.created_at, after.id]
        where += f"AND id IN (SELECT request_id FROM request_skills WHERE skill IN ({in_list(skills)}))"
        args += skills
        async with self.read() as conn:
            return await read_requests(conn, where, *args, limit=limit)

    async def waiting_dated_by(self, mentor_id: int, *, limit: int) -> list[MentorshipRequest]:
        """The waiting requests told they may be asked again after a date (a stored reason naming a cooldown) of the
        members `mentor_id` held an offer of a request of, ended since (declined, expired, withdrawn): those a cooldown
        of this mentor's may be why they wait (a cooldown is the pair's, for every request of that member:
        `matching.eligibility`), which the mentor's last free place going makes untrue
        (`matchmaking.after_last_place`). Oldest first, at most `limit`; read through the mentor's offers (their
        index) and the members' requests, not the waitlist."""
        where = (
            "status = 'waiting' AND wait_reason LIKE '%cooldown%' AND member_id IN (SELECT r.member_id FROM offers o "
            "JOIN requests r ON r.id = o.request_id WHERE o.mentor_id = ? "
            "AND o.status IN ('declined', 'expired', 'withdrawn'))"
        )
        async with self.read() as conn:
            return await read_requests(conn, where, mentor_id, limit=limit)

    async def waiting_own_mentor_of(self, mentor_id: int, *, limit: int) -> list[MentorshipRequest]:
        """The waiting requests told that their member's own mentor is the only one who could take them (a stored
        reason naming ``own_mentor``, alone or as one cause of several) of the members `mentor_id` mentors now:
        those that mentor's last free place going makes untrue (`matchmaking.after_last_place`). Oldest first, at
        most `limit`; one statement, read through the mentor's active mentorships (their index)."""
        where = (
            "status = 'waiting' AND wait_reason LIKE '%own_mentor%' AND member_id IN (SELECT m.mentee_id FROM "
            "mentorships m WHERE m.mentor_id = ? AND m.status = 'active')"
        )
        async with self.read() as conn:
            return await read_requests(conn, where, mentor_id, limit=limit)

    async def reopened_at(self, request_ids: Sequence[int]) -> dict[int, datetime]:
        """When each of these requests went back on the waitlist after its mentorship ended (its mentor deleted their
        data: ``reopened_requests``), for those that did: what a request's "waiting since" counts from, as the
        admins' figures count it (`storage.insight.WAITING_SINCE`); its place in the queue stays its asking time."""
        if not request_ids:
            return {}
        async with self.read() as conn:
            found = await conn.fetch_all(
                f"SELECT request_id, reopened_at FROM reopened_requests WHERE request_id IN ({in_list(request_ids)})",
                *request_ids,
            )
        return {int(r["request_id"]): rows.ts(r["reopened_at"]) for r in found}

    async def communities_waiting(self, communities: Sequence[str] | None = None) -> list[str]:
        """The communities (of those starting with one of `communities`, or all) with a waiting request."""
        scope, scope_args = community_scope(communities)
        async with self.read() as conn:
            found = await conn.fetch_all(
                f"SELECT DISTINCT community FROM requests WHERE status = 'waiting'{scope} ORDER BY community",
                *scope_args,
            )
        return [str(r["community"]) for r in found]

    async def set_wait_reason(
        self, request_id: int, reason: str, now: datetime, *, only_if: str | Literal[False] | None = False
    ) -> bool:
        """Record why a waiting request waits (a JSON message reference); True when it was still waiting (and, with
        `only_if`, its reason was still `only_if`, None for none: another process did not change it since it was
        read)."""
        condition, args = "", []
        if only_if is not False:
            condition, args = " AND COALESCE(wait_reason, '') = ?", [only_if or ""]
        async with self.transaction() as conn:
            return (
                await conn.execute(
                    "UPDATE requests SET wait_reason = ?, updated_at = ? "
                    f"WHERE id = ? AND status = 'waiting'{condition}",
                    reason,
                    now,
                    request_id,
                    *args,
                )
                == 1
            )

    async def cancel_request(self, request_id: int, member_id: int, now: datetime) -> CancelResult | None:
        """Cancel an open request of `member_id`; None when it was not open (or not theirs)."""
        async with self.transaction() as conn:
            await lock_member(conn, member_id, dialect=self.db.dialect)
            changed = await conn.execute(
                "UPDATE requests SET status = 'cancelled', updated_at = ? "
                f"WHERE id = ? AND member_id = ? AND status IN ({in_list(OPEN_REQUEST_STATUSES)})",
                now,
                request_id,
                member_id,
                *OPEN_REQUEST_STATUSES,
            )
            if changed != 1:
                return None
            withdrawn = await withdraw_pending(conn, [request_id], now)
        return CancelResult(withdrawn[0] if withdrawn else None)
