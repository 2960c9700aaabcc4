"""Privacy: forgetting a member and everything personal of theirs."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from mentorbot.matching.eligibility import EXCLUDING, DeclineReason
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


def forgotten_member_key(community: str, platform_user_id: str) -> str:
    """What `forgotten_exclusions` keeps of a forgotten member instead of their platform user id: the SHA-256 (hex)
    of their community and that id (joined by a unit separator, which neither holds), so that the same platform user
    coming back is recognised (`CandidateStore.pair_history`) and nothing else of them is kept. A plain hash, not a
    keyed one: the bot has no secret kept apart from the database to key it with (a key stored beside the rows would
    hide nothing), and one lost or rotated would silently lift every block. Platform user ids are guessable, so the
    key is a pseudonym, not anonymity: someone holding the database and a user id can tell whether that user was
    excluded by a mentor, and nothing more."""
    return hashlib.sha256(f"{community}\x1f{platform_user_id}".encode()).hexdigest()


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

        A mentor's exclusion of them (a decline "not this person", or "not my skill" with its requests' skills:
        docs/matching.md rule 5) outlives them as a row of `forgotten_exclusions` keyed by `forgotten_member_key`, so
        that the same platform user asking again is not offered to that mentor; the rows of their own exclusions as
        a mentor go.
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
            await _keep_exclusions(conn, member_id)
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


async def _keep_exclusions(conn: Connection, member_id: int) -> None:
    """Inside the forget's transaction, before the member's rows go: keep each mentor's exclusion of them (one row
    per mentor and kind, merged with what an earlier forget of the same platform user kept: the skills joined, the
    latest date). The rows of the exclusions they made as a mentor go with their member row (the table's reference
    to it deletes them: ``ON DELETE CASCADE``, enforced by both engines). A member no mentor excluded touches nothing
    here but their offers."""
    member = await conn.fetch_one("SELECT community, platform_user_id FROM members WHERE id = ?", member_id)
    if member is None:
        return
    kinds = sorted(EXCLUDING)
    found = await conn.fetch_all(
        "SELECT o.mentor_id, o.reason_kind, o.decided_at, s.skill FROM offers o "
        "JOIN requests r ON r.id = o.request_id LEFT JOIN request_skills s ON s.request_id = o.request_id "
        f"WHERE r.member_id = ? AND o.mentor_id <> ? AND o.status = 'declined' AND o.reason_kind IN ({in_list(kinds)}) "
        "AND o.decided_at IS NOT NULL",
        member_id,
        member_id,
        *kinds,
    )
    if not found:
        return
    community = str(member["community"])
    key = forgotten_member_key(community, str(member["platform_user_id"]))
    kept: dict[tuple[int, str], tuple[set[str], datetime]] = {}

    def merge(mentor_id: int, kind: str, skills: set[str], at: datetime) -> None:
        before = kept.get((mentor_id, kind))
        kept[(mentor_id, kind)] = (skills | before[0], max(at, before[1])) if before else (skills, at)

    for row in found:
        skill = {str(row["skill"])} if row["skill"] is not None else set()
        merge(int(row["mentor_id"]), str(row["reason_kind"]), skill, rows.ts(row["decided_at"]))
    earlier = await conn.fetch_all(
        "SELECT mentor_id, reason_kind, skills, decided_at FROM forgotten_exclusions "
        "WHERE community = ? AND member_key = ?",
        community,
        key,
    )
    for row in earlier:
        merge(
            int(row["mentor_id"]),
            str(row["reason_kind"]),
            set(rows.split_list(row["skills"])),
            rows.ts(row["decided_at"]),
        )
    for (mentor_id, kind), (skills, at) in sorted(kept.items()):
        # "Not this person" is about every request of theirs: no skills. "Not my skill": its requests' skills.
        joined = "" if kind == DeclineReason.NOT_THIS_PERSON.value else rows.join_list(sorted(skills))
        await conn.execute(
            "INSERT INTO forgotten_exclusions (community, member_key, mentor_id, reason_kind, skills, decided_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (community, member_key, mentor_id, reason_kind) "
            "DO UPDATE SET skills = excluded.skills, decided_at = excluded.decided_at",
            community,
            key,
            mentor_id,
            kind,
            joined,
            at,
        )


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
