"""Privacy: forgetting a member and everything personal of theirs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mentorbot.models import OPEN_REQUEST_STATUSES, JobKind, Mentorship, Offer, RequestStatus, mention_of
from mentorbot.storage import jobs, rows
from mentorbot.storage.database import Connection
from mentorbot.storage.locks import lock_member_and_mentees_of_pending_offers
from mentorbot.storage.offers import release_offer
from mentorbot.storage.requests import read_request, read_requests, withdraw_pending
from mentorbot.storage.sql import in_list
from mentorbot.storage.units import Transactions


@dataclass(frozen=True)
class ForgetResult:
    """What forgetting a member changed for others."""

    ended_mentorships: tuple[Mentorship, ...]
    requeued_requests: tuple[int, ...]
    reopened_requests: tuple[int, ...] = ()
    """The requests of the mentorships the member ended as the mentor, waiting again (see `forget_member`; each
    `ended_mentorships` entry still names its request, as it was when it ended)."""


class PrivacyStore(Transactions):
    """Forgetting a member."""

    async def prepare_forget(self, member_id: int, now: datetime) -> list[Offer]:
        """The first step of forgetting a member, in the unit of work that then calls `forget_member`: their open
        requests are closed and the pending offers of them withdrawn (each mentor's held place given back), and
        their mentor profile is paused, so that those places can be handed on before the rows go (neither a
        request of theirs nor an offer to them comes of it). The withdrawn offers.

        Done first, so that the use-case can tell each mentor and hand their freed place on in the same unit of
        work as the forget, while the offers and requests concerned still exist to be read."""
        async with self.transaction() as conn:
            # The store's lock order (`locks`): members' rows first (theirs, as the mentee of their own requests,
            # then the mentees of the offers they hold as a mentor, whose decisions change the mentor profile paused
            # here), then offers, mentor profiles, requests.
            await lock_member_and_mentees_of_pending_offers(conn, member_id, dialect=self.db.dialect)
            open_requests = await conn.fetch_all(
                f"SELECT id FROM requests WHERE member_id = ? AND status IN ({in_list(OPEN_REQUEST_STATUSES)})",
                member_id,
                *OPEN_REQUEST_STATUSES,
            )
            withdrawn = await withdraw_pending(conn, [int(r["id"]) for r in open_requests], now)
            await conn.execute(
                "UPDATE mentor_profiles SET status = 'paused', updated_at = ? WHERE member_id = ?", now, member_id
            )
            await conn.execute(
                "UPDATE requests SET status = 'closed', updated_at = ? "
                f"WHERE member_id = ? AND status IN ({in_list(OPEN_REQUEST_STATUSES)})",
                now,
                member_id,
                *OPEN_REQUEST_STATUSES,
            )
        return withdrawn

    async def forget_member(self, member_id: int, now: datetime, *, keep_event: int | None = None) -> ForgetResult:
        """Delete a member and everything personal of theirs in one transaction.

        Their open requests and pending offers go; requests offered to them wait again; their active
        mentorships end (freeing the mentor's place), and the request of each one they were the mentor of waits
        again (`reopened_requests`: not when its mentee has meanwhile asked again for the same skills; requests
        closed as overlapping at the accept stay closed); mentorships and feedback keep no link to them. Their
        recorded events are done and emptied (one recorded before the forget and not yet processed would bring
        them back), except `keep_event`, the forget's own, which its unit of work finishes; their course
        suggestions go, or, approved into the catalog, lose their note; notices still waiting for other members
        that name them go (a mentor's offer that quoted their note, held until the mentor's next command).
        """
        async with self.transaction() as conn:
            # The store's lock order (`locks`): members' rows first (theirs, as the mentee of their own requests,
            # then the mentees of the offers they hold), then offers, mentor profiles, requests.
            await lock_member_and_mentees_of_pending_offers(conn, member_id, dialect=self.db.dialect)
            own_requests = await conn.fetch_all(
                f"SELECT id FROM requests WHERE member_id = ? AND status IN ({in_list(OPEN_REQUEST_STATUSES)})",
                member_id,
                *OPEN_REQUEST_STATUSES,
            )
            await withdraw_pending(conn, [int(r["id"]) for r in own_requests], now)
            # The offers they hold, withdrawn only if still pending, in one statement that says which were: one that
            # expired meanwhile (its request perhaps offered to another mentor since) is left alone, and so is its
            # request.
            offered = await conn.fetch_all(
                "UPDATE offers SET status = 'withdrawn', decided_at = ? "
                "WHERE mentor_id = ? AND status = 'pending' RETURNING *",
                now,
                member_id,
            )
            requeued: list[int] = []
            for offer in sorted((rows.offer(r) for r in offered), key=lambda o: o.request_id):
                await release_offer(conn, offer, now, expired=False)
                requeued.append(offer.request_id)
            ended_rows = await conn.fetch_all(
                "UPDATE mentorships SET status = 'ended', ended_at = ? "
                "WHERE status = 'active' AND (mentor_id = ? OR mentee_id = ?) RETURNING *",
                now,
                member_id,
                member_id,
            )
            ended = sorted((rows.mentorship(r) for r in ended_rows), key=lambda m: m.id)
            reopened: list[int] = []
            for mentorship in ended:
                await jobs.cancel(conn, JobKind.CHECKIN, mentorship.id)
                if mentorship.mentor_id != member_id:
                    await conn.execute(
                        "UPDATE mentor_profiles SET active_count = active_count - 1 "
                        "WHERE member_id = ? AND active_count > 0",
                        mentorship.mentor_id,
                    )
                elif await _reopen(conn, mentorship, now):
                    reopened.append(mentorship.request_id)
            await conn.execute("DELETE FROM jobs WHERE kind = ? AND ref_id = ?", JobKind.RESUME.value, member_id)
            await _forget_traces(conn, self.db.dialect, member_id, now, keep_event)
            # Feedback stays only anonymised: its free-text comment could identify the author.
            await conn.execute("UPDATE feedback SET comment = NULL WHERE author_id = ?", member_id)
            await conn.execute("DELETE FROM members WHERE id = ?", member_id)
        return ForgetResult(tuple(ended), tuple(requeued), tuple(reopened))


async def _reopen(conn: Connection, mentorship: Mentorship, now: datetime) -> bool:
    """Let the matched request of a mentorship whose mentor is being forgotten wait again (no longer matched: no
    `matched_at`; waiting since now, its row of `reopened_requests`, from which its next time to match is measured,
    not from its `created_at`, before the whole mentorship), inside the caller's transaction; not when the mentee
    has an open request for the same skills (asked again meanwhile: it would be a duplicate). Whether it waits. The
    ended mentorship then keeps no link to the request (as one whose mentee was forgotten): a request has at most
    one mentorship, and this one may get another. The mentee's row is locked by the forget's first statement
    (`locks.lock_member_and_mentees_of_pending_offers`), so a request they make meanwhile waits for the forget."""
    request = await read_request(conn, mentorship.request_id) if mentorship.request_id else None
    if request is None or request.status is not RequestStatus.MATCHED:
        return False
    open_ones = await read_requests(
        conn,
        f"member_id = ? AND status IN ({in_list(OPEN_REQUEST_STATUSES)})",
        request.member_id,
        *OPEN_REQUEST_STATUSES,
    )
    if any(set(other.skills) == set(request.skills) for other in open_ones):
        return False
    changed = await conn.execute(
        "UPDATE requests SET status = 'waiting', wait_reason = NULL, matched_at = NULL, updated_at = ? "
        "WHERE id = ? AND status = 'matched'",
        now,
        request.id,
    )
    if changed != 1:
        return False
    await conn.execute(
        "INSERT INTO reopened_requests (request_id, reopened_at) VALUES (?, ?) "
        "ON CONFLICT (request_id) DO UPDATE SET reopened_at = excluded.reopened_at",
        request.id,
        now,
    )
    await conn.execute("UPDATE mentorships SET request_id = NULL WHERE id = ?", mentorship.id)
    return True


async def _forget_traces(conn: Connection, dialect: str, member_id: int, now: datetime, keep_event: int | None) -> None:
    """What names a member outside their own rows (see `PrivacyStore.forget_member`), in its transaction."""
    row = await conn.fetch_one("SELECT community, platform_user_id FROM members WHERE id = ?", member_id)
    if row is None:
        return
    community, user_id = str(row["community"]), str(row["platform_user_id"])
    await conn.execute(
        "UPDATE inbox SET status = 'done', done_at = COALESCE(done_at, ?), payload = '', answer = NULL, "
        "platform_user_id = '' WHERE community = ? AND platform_user_id = ? AND id <> ?",
        now,
        community,
        user_id,
        keep_event if keep_event is not None else -1,
    )
    await conn.execute("DELETE FROM course_suggestions WHERE member_id = ? AND status <> 'approved'", member_id)
    await conn.execute("UPDATE course_suggestions SET note = '' WHERE member_id = ?", member_id)
    await conn.execute(
        "UPDATE course_suggestions SET decided_by = NULL WHERE community = ? AND decided_by = ?", community, user_id
    )
    contains = "instr(payload, ?) > 0" if dialect == "sqlite" else "strpos(payload, ?) > 0"
    await conn.execute(
        "DELETE FROM outbox WHERE community = ? AND member_id <> ? AND status IN ('pending', 'held', 'superseded') "
        f"AND {contains}",
        community,
        member_id,
        mention_of(user_id),
    )
