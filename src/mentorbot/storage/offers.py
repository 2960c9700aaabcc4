"""Offers: a waiting request offered to one mentor, holding a place until accepted, declined or expired."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from mentorbot.matching.eligibility import AWAY, UNDELIVERED, DeclineReason
from mentorbot.models import OPEN_REQUEST_STATUSES, JobKind, Mentorship, MentorshipRequest, Offer, OfferStatus
from mentorbot.storage import jobs, rows
from mentorbot.storage.database import Connection, Row
from mentorbot.storage.locks import (
    MENTEE_OF_OFFER_PG,
    lock_member,
    lock_mentee_of_offer,
    lock_mentee_of_offer_and_member,
    lock_mentee_of_request,
    lock_mentees_of_mentor_of_offer,
    lock_mentees_of_mentors_of_offers,
    lock_mentees_of_pending_offers,
    lock_mentees_of_requests,
    lock_profile,
    lock_profiles,
)
from mentorbot.storage.mentorships import AcceptResult, check_pairs, close_overlapping, insert_mentorship
from mentorbot.storage.outages import Away, away_during
from mentorbot.storage.outbox import (
    never_reached,
    supersede_pause_notice,
    supersede_request_notices,
    supersede_unsent,
    unsent,
)
from mentorbot.storage.releases import release_offer
from mentorbot.storage.sql import Rollback, change_one, id_list, in_list
from mentorbot.storage.units import Transactions


@dataclass(frozen=True)
class NewOffer:
    """One offer for `Store.create_offers`."""

    request_id: int
    mentor_id: int
    score: float
    explanation: str


_OFFERS_PER_STATEMENT = 5000
"""Rows of one multi-row `INSERT` of `create_offers` on SQLite: 4 parameters each, under SQLite's 32,766."""

_RotationKey = tuple[bool, datetime, datetime, int]

_ROTATION_COLUMNS = "member_id, last_offered_at, created_at"


def _rotation_key(row: Row) -> _RotationKey:
    """A profile row's place in fair rotation (`Store.find_top_candidates`' ORDER BY, `rounds._rotation`): never
    offered anything first, then the least recently offered, then the older profile, then the lower member id."""
    last = rows.opt_ts(row["last_offered_at"])
    return (
        last is not None,
        last or datetime.min.replace(tzinfo=UTC),
        rows.ts(row["created_at"]),
        int(row["member_id"]),
    )


ANSWER_WAIT = timedelta(minutes=1)
"""How long an offer's expiry waits, and then looks again, while an event its mentor or its request's mentee sent
before the deadline is still to be processed (`OfferStore.expire_offer`): the answer or cancel it may be is judged
at the time it was recorded."""

_ANSWER_RECORDED = (
    "EXISTS (SELECT 1 FROM inbox i JOIN members m ON m.community = i.community "
    "AND m.platform_user_id = i.platform_user_id WHERE i.status = 'pending' AND i.created_at < offers.expires_at "
    "AND m.id IN (offers.mentor_id, (SELECT r.member_id FROM requests r WHERE r.id = offers.request_id)))"
)
"""The offer's mentor, or the mentee whose request it is, has an event recorded in the inbox before the offer's
deadline and not processed yet (its process is at it, or died and the recovery will run it): perhaps the mentor's
answer to this offer, or the mentee's cancel of the request, made in time (a cancel the expiry overtook would have
the request handed on to another mentor, and the mentor told it expired unanswered). Which offer or request an
event is about is in the adapter's own payload; any such event of theirs holds the expiry back, briefly: until it
is processed, or given up after its tries (`MentorBot.unprocessed_events`)."""

LAPSE_WINDOW = timedelta(hours=24)
"""Offers of one mentor that expire within this long of the last counted one are the same lapse (three offers
sent in one minute expire together: one lapse, not three)."""


@dataclass(frozen=True)
class ExpireResult:
    """What expiring an offer changed: the offer, whether the mentor was paused for it, and the mentor's other
    pending offers withdrawn because of that pause."""

    offer: Offer
    mentor_paused: bool
    withdrawn: tuple[Offer, ...] = ()
    reached: bool = True
    """False when the offer's message had not reached its mentor when it expired (`outbox.never_reached`): the
    expiry is no lapse of theirs, and its offer is marked `UNDELIVERED`."""
    counted: bool = False
    """Whether this expiry counted as a lapse in the mentor's streak (on time, reached, not within `LAPSE_WINDOW`
    of the last counted one)."""
    streak: int = 0
    """The mentor's streak of lapses (``expired_streak``) after this expiry: what warns them before the auto-pause
    (`usecases.expiry.expire_offer`)."""
    away: Away | None = None
    """Set when the offer's community was out of MentorBot's reach during its life (the bot removed from the server,
    the app uninstalled: `storage.outages`): its mentor could not answer it, so its expiry is no lapse of theirs. Read
    whether or not the offer reached its mentor (an unreached one stays `UNDELIVERED`, `reached` False: its notice says
    it never reached them; no "take it after all" while the community is still out, `Away.still`); one that reached
    them is marked `AWAY` (`matching.eligibility`: no lapse's cooldown either)."""
    out_now: bool = False
    """Whether the offer's community is out of reach as it expires (an open outage), even one that began after the
    offer's deadline: its notice offers no "take it after all", which the platform would refuse or never send."""
    excluded: bool = False
    """Whether the offer's pair was excluded for good as it expired (docs/matching.md rule 5; an offer left pending by
    an older database, or brought under an exclusion by a skills merge): no lapse, and no "take it after all", which
    the accept would refuse."""


@dataclass(frozen=True)
class Forgiven:
    """A lapse taken back, its offer answered in time after all (`OfferStore.forgive_lapse`)."""

    unpaused: bool
    """The pause that very lapse brought was taken back with it (`_forgive_lapse`): the mentor takes requests again."""


@dataclass(frozen=True)
class LateDecline:
    """A decline of an expired offer recorded (`OfferStore.decline_expired`)."""

    offer: Offer
    unpaused: bool = False
    """Made in time (its lapse taken back), and the pause that lapse brought taken back with it (`_forgive_lapse`)."""


async def withdraw_pending(conn: Connection, mentor_id: int, now: datetime, *, dialect: str) -> list[Offer]:
    """Withdraw every pending offer of a mentor who paused (their kind is ``paused``: a lapse for the cooldown),
    giving the places back and letting the requests wait again, inside the caller's transaction; the offers
    withdrawn, oldest request first."""
    await lock_mentees_of_pending_offers(conn, mentor_id, dialect=dialect)
    return await _withdraw(conn, now, "reason_kind = 'paused'", "mentor_id = ?", mentor_id)


async def _withdraw(conn: Connection, now: datetime, kind: str, where: str, *args: object) -> list[Offer]:
    """Withdraw the pending offers `where` names (the withdrawal's `kind` set as given), giving each place back
    without touching the mentor's streak; the offers withdrawn, oldest request first."""
    found = await conn.fetch_all(
        f"UPDATE offers SET status = 'withdrawn', decided_at = ?, {kind} WHERE status = 'pending' AND {where} "
        "RETURNING *",
        now,
        *args,
    )
    withdrawn = sorted((rows.offer(r) for r in found), key=lambda o: o.request_id)
    for offer in withdrawn:
        await release_offer(conn, offer, now, expired=False, answered=False)
    return withdrawn


async def _timer_runner(conn: Connection, offer_id: int) -> str | None:
    """The worker running the offer's expiry timer (its claim on the job), inside the caller's transaction; None when
    no timer runs it (an answer that expires the offer first: `usecases.offers`). Every process has a worker id of
    its own (`MentorBot`: ``worker-<random>``), so an outbox row another worker claimed and never marked, its claim
    run out, was left by a process that died (`outbox.never_reached`)."""
    row = await conn.fetch_one(
        "SELECT claimed_by FROM jobs WHERE kind = ? AND ref_id = ? AND status = 'running'",
        JobKind.OFFER_EXPIRY.value,
        offer_id,
    )
    return None if row is None or row["claimed_by"] is None else str(row["claimed_by"])


async def _offer_request(conn: Connection, request_id: int, now: datetime) -> bool:
    """Mark a waiting request offered, inside the caller's transaction: the compare-and-set that lets one pending
    offer at a time hold it (`create_offer`, `accept_in_time`). Whether it was still waiting."""
    return (
        await conn.execute(
            "UPDATE requests SET status = 'offered', wait_reason = NULL, updated_at = ? "
            "WHERE id = ? AND status = 'waiting'",
            now,
            request_id,
        )
        == 1
    )


async def _forgive_lapse(conn: Connection, offer_id: int, mentor_id: int) -> bool:
    """Take back the lapse of `mentor_id`'s expired offer `offer_id`, answered in time after all, inside the
    caller's transaction: its row of `offer_lapses` goes, the streak is reset, as by any answer, and the profile's
    `last_lapse_at` goes back to what it was before this expiry when the expiry had set it (it sets the offer's
    deadline, and only when the last counted lapse was a `LAPSE_WINDOW` or more before: a later expiry is then
    counted whether it finds that earlier time or none). A pause for lapses that this very expiry brought (its row
    of `offer_lapses` says so, `expire_offer`) is taken back too, while the mentor is still paused for lapses (a
    pause of their own or an admin's since changes the reason): the mentor is active again (the offers it withdrew
    stay withdrawn, their requests handed on then), and the expiry's notice of that pause, while it has not reached
    them, is superseded (`outbox.supersede_pause_notice`). Whether it took that pause back: the caller tells the
    mentor they take requests again, and tries the waiting requests for them, as a resume does (`usecases.offers`)."""
    unpaused = (
        await conn.execute(
            "UPDATE mentor_profiles SET status = 'active', pause_reason = NULL "
            "WHERE member_id = ? AND status = 'paused' AND pause_reason = 'expired_offers' "
            "AND EXISTS (SELECT 1 FROM offer_lapses l WHERE l.offer_id = ? AND l.paused = TRUE)",
            mentor_id,
            offer_id,
        )
        == 1
    )
    await conn.execute(
        "UPDATE mentor_profiles SET expired_streak = 0, last_lapse_at = CASE WHEN last_lapse_at = "
        "(SELECT o.expires_at FROM offers o JOIN offer_lapses l ON l.offer_id = o.id WHERE o.id = ?) "
        "THEN NULL ELSE last_lapse_at END WHERE member_id = ?",
        offer_id,
        mentor_id,
    )
    await conn.execute("DELETE FROM offer_lapses WHERE offer_id = ?", offer_id)
    if unpaused:  # "we've paused your mentor profile" is no longer so: not told after the reply saying it is over
        await supersede_pause_notice(conn, mentor_id, offer_id)
    return unpaused


@dataclass(frozen=True)
class Exclusion:
    """Why a pair is excluded for good (`OfferStore.exclusion_of`): the decline that excludes it, by the mentor of
    the offer read or, with `by_mentee`, by its mentee."""

    declined: Offer
    by_mentee: bool


class OfferStore(Transactions):
    """Making offers (one or a round's batch) and deciding them."""

    async def create_offer(
        self,
        request_id: int,
        mentor_id: int,
        score: float,
        explanation: str,
        now: datetime,
        expires_at: datetime,
        *,
        reoffer_after: timedelta | None = None,
    ) -> Offer | None:
        """Offer a waiting request to a mentor, holding one of their places, and schedule its expiry; the mentee's
        notices about the request that have not reached them ("waiting again") are superseded
        (`outbox.supersede_request_notices`): what they hear next is that it is offered.

        None when the request is no longer waiting, the mentor is no longer active with a free place, or the pair
        is no longer eligible, read again under the locks (`mentorships.check_pairs`): the mentor offers none of
        the request's skills, or the pair is excluded or on cooldown (`reoffer_after` None: exclusions only).
        """
        try:
            async with self.transaction() as conn:
                # Lock order (`locks`): the mentee's row, then the mentor's profile; then the pair read again.
                await lock_mentee_of_request(conn, request_id, dialect=self.db.dialect)
                await lock_profile(conn, mentor_id, dialect=self.db.dialect)
                checked = await check_pairs(conn, self.db.dialect, [(request_id, mentor_id)], now, reoffer_after)
                pair = checked.get((request_id, mentor_id))
                if pair is None or pair.refused():
                    return None
                if not await _offer_request(conn, request_id, now):
                    return None
                # The mentee's notices about it not reached them yet ("waiting again") are out of date now.
                await supersede_request_notices(conn, [request_id], now)
                held = await conn.execute(
                    "UPDATE mentor_profiles SET pending_offers = pending_offers + 1, last_offered_at = ? "
                    "WHERE member_id = ? AND status = 'active' AND active_count + pending_offers < capacity",
                    now,
                    mentor_id,
                )
                if held != 1:
                    raise Rollback
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
                    raise Rollback
                offer = rows.offer(row)
                await jobs.schedule(conn, JobKind.OFFER_EXPIRY, offer.id, expires_at, now)
                return offer
        except Rollback:
            return None

    async def create_offers(
        self,
        items: Sequence[NewOffer],
        now: datetime,
        expires_at: datetime,
        *,
        reoffer_after: timedelta | None = None,
    ) -> list[Offer]:
        """Many offers in ONE transaction (a matching round): each is created exactly when `create_offer`
        would create it on its own (request still waiting, mentor active with a free place, the pair still
        eligible, read again under the locks; which pairs to offer is the caller's, `matching.eligibility`), the
        others are skipped and change nothing. Set-based: a fixed number of statements for the whole batch
        instead of a transaction per offer. Returns the offers created."""
        todo: dict[int, NewOffer] = {}
        for item in items:
            todo.setdefault(item.request_id, item)
        if not todo:
            return []
        async with self.transaction() as conn:
            ids_sql, ids_arg = id_list(self.db.dialect, list(todo))
            # Lock order as everywhere: the mentees' member rows first. Every change to a request's status
            # takes that lock, so the states read below stay true until this transaction ends.
            await lock_mentees_of_requests(conn, ids_sql, ids_arg, dialect=self.db.dialect)
            waiting = {
                int(r["id"])
                for r in await conn.fetch_all(
                    f"SELECT id FROM requests WHERE id IN ({ids_sql}) AND status = 'waiting'", ids_arg
                )
            }
            # Then the mentors' profile rows, in the order of their ids, and each pair read again after them.
            mentors = sorted({item.mentor_id for item in todo.values() if item.request_id in waiting})
            if not mentors:
                return []
            m_sql, m_arg = id_list(self.db.dialect, mentors)
            await lock_profiles(conn, m_sql, m_arg, dialect=self.db.dialect)
            checked = await check_pairs(
                conn,
                self.db.dialect,
                [(item.request_id, item.mentor_id) for item in todo.values() if item.request_id in waiting],
                now,
                reoffer_after,
            )
            by_mentor: dict[int, list[NewOffer]] = {}
            for item in todo.values():
                pair = checked.get((item.request_id, item.mentor_id))
                if item.request_id in waiting and pair is not None and not pair.refused():
                    by_mentor.setdefault(item.mentor_id, []).append(item)
            # Hold the places: one conditional UPDATE per distinct number of places taken from a mentor. Each
            # returns its mentors' fair-rotation key as it stood before the round (`last_offered_at` is written
            # below, `_stamp_offered`).
            held: list[NewOffer] = []
            rotation: dict[int, _RotationKey] = {}
            by_count: dict[int, list[int]] = {}
            for mentor_id, mentor_items in by_mentor.items():
                by_count.setdefault(len(mentor_items), []).append(mentor_id)
            for count, mentor_ids in sorted(by_count.items()):
                m_sql, m_arg = id_list(self.db.dialect, mentor_ids)
                for r in await conn.fetch_all(
                    "UPDATE mentor_profiles SET pending_offers = pending_offers + ? "
                    f"WHERE member_id IN ({m_sql}) AND status = 'active' "
                    f"AND active_count + pending_offers + ? <= capacity RETURNING {_ROTATION_COLUMNS}",
                    count,
                    m_arg,
                    count,
                ):
                    rotation[int(r["member_id"])] = _rotation_key(r)
                for mentor_id in mentor_ids:
                    if mentor_id in rotation:
                        held.extend(by_mentor[mentor_id])
                        continue
                    # Fewer places than planned (changed since the round read them): one at a time, in order,
                    # as many as still fit, like consecutive `create_offer` calls.
                    for item in by_mentor[mentor_id]:
                        one = await conn.fetch_one(
                            "UPDATE mentor_profiles SET pending_offers = pending_offers + 1 "
                            "WHERE member_id = ? AND status = 'active' "
                            f"AND active_count + pending_offers < capacity RETURNING {_ROTATION_COLUMNS}",
                            mentor_id,
                        )
                        if one is None:
                            break
                        rotation[mentor_id] = _rotation_key(one)
                        held.append(item)
            if not held:
                return []
            await self._stamp_offered(conn, held, rotation, now)
            h_sql, h_arg = id_list(self.db.dialect, [item.request_id for item in held])
            await conn.execute(
                "UPDATE requests SET status = 'offered', wait_reason = NULL, updated_at = ? "
                f"WHERE id IN ({h_sql}) AND status = 'waiting'",
                now,
                h_arg,
            )
            # The mentees' notices about them not reached them yet are out of date now.
            await supersede_request_notices(conn, [item.request_id for item in held], now)
            # The offers in a few multi-row statements that return them (no read back), then their expiry
            # timers in one statement (`jobs.schedule_selected`), each at its offer's expiry.
            created: list[Offer] = []
            if self.db.dialect == "postgresql":
                created.extend(
                    rows.offer(r)
                    for r in await conn.fetch_all(
                        "INSERT INTO offers (request_id, mentor_id, status, score, explanation, created_at, "
                        "expires_at) SELECT t.r, t.m, 'pending', t.s, t.e, ?, ? FROM unnest(CAST(? AS BIGINT[]), "
                        "CAST(? AS BIGINT[]), CAST(? AS DOUBLE PRECISION[]), CAST(? AS TEXT[])) AS t(r, m, s, e) "
                        "RETURNING *",
                        now,
                        expires_at,
                        [item.request_id for item in held],
                        [item.mentor_id for item in held],
                        [item.score for item in held],
                        [item.explanation for item in held],
                    )
                )
            else:
                for lo in range(0, len(held), _OFFERS_PER_STATEMENT):
                    part = held[lo : lo + _OFFERS_PER_STATEMENT]
                    created.extend(
                        rows.offer(r)
                        for r in await conn.fetch_all(
                            "INSERT INTO offers (request_id, mentor_id, status, score, explanation, created_at, "
                            "expires_at) SELECT column1, column2, 'pending', column3, column4, ?, ? FROM (VALUES "
                            + ", ".join(["(?, ?, ?, ?)"] * len(part))
                            + ") RETURNING *",
                            now,
                            expires_at,
                            *[
                                value
                                for item in part
                                for value in (item.request_id, item.mentor_id, item.score, item.explanation)
                            ],
                        )
                    )
            created.sort(key=lambda offer: offer.id)
            o_sql, o_arg = id_list(self.db.dialect, [offer.id for offer in created])
            await jobs.schedule_selected(
                conn,
                JobKind.OFFER_EXPIRY,
                now,
                "SELECT o.id, o.expires_at, r.community FROM offers o JOIN requests r ON r.id = o.request_id "
                f"WHERE o.id IN ({o_sql})",
                o_arg,
            )
        return created

    async def _stamp_offered(
        self, conn: Connection, held: Sequence[NewOffer], rotation: Mapping[int, _RotationKey], now: datetime
    ) -> None:
        """Set the `last_offered_at` of the mentors a batch offered something as live matching would have set it
        making the same offers one by one, a microsecond apart, in one statement.

        Live matching, given the same offers, makes every mentor's first offer in fair rotation's order, then
        the second ones in that order, and so on, so a mentor's last offer comes by how many places they were
        given, then by their rotation key before the batch. One instant for the whole batch made those
        mentors tie at the next round, the tie going to the older profile every week: the round never moved on
        from its first mentors. Only the profiles' stamps differ: the offers keep `now` and the expiry told."""
        places = Counter(item.mentor_id for item in held)
        order = sorted(places, key=lambda mentor_id: (places[mentor_id], rotation[mentor_id]))
        stamps = [now + timedelta(microseconds=i) for i in range(len(order))]
        if self.db.dialect == "postgresql":
            await conn.execute(
                "UPDATE mentor_profiles AS p SET last_offered_at = t.at "
                "FROM unnest(CAST(? AS BIGINT[]), CAST(? AS TIMESTAMPTZ[])) AS t(m, at) WHERE p.member_id = t.m",
                order,
                [self.db.to_db_time(stamp) for stamp in stamps],
            )
        else:
            # Stored as ISO text with six digits of microseconds (`SqliteDatabase.to_db_time`): sorts as it should.
            await conn.execute(
                "UPDATE mentor_profiles SET last_offered_at = json_extract(t.value, '$[1]') FROM json_each(?) AS t "
                "WHERE mentor_profiles.member_id = json_extract(t.value, '$[0]')",
                json.dumps(
                    [[mentor_id, self.db.to_db_time(stamp)] for mentor_id, stamp in zip(order, stamps, strict=True)]
                ),
            )

    async def get_offer(self, offer_id: int) -> Offer | None:
        """An offer by id."""
        async with self.read() as conn:
            row = await conn.fetch_one("SELECT * FROM offers WHERE id = ?", offer_id)
        return rows.offer(row) if row else None

    async def exclusion_of(self, offer_id: int) -> Exclusion | None:
        """The decline that excludes offer `offer_id`'s pair for good (docs/matching.md rule 5), read with the very
        condition the accept's compare-and-set refuses it by (`_NOT_EXCLUDED`): the mentor's "not this person" first,
        then their "not my skill" of a request sharing a skill, then the mentee's "not this person" of a request of
        the mentor's; the oldest of each. None when the pair is not excluded, or there is no such offer."""
        person = f"CASE WHEN x.reason_kind = '{DeclineReason.NOT_THIS_PERSON}' THEN 0 ELSE 1 END"
        async with self.read() as conn:
            row = await conn.fetch_one(
                f"SELECT (SELECT x.id {_BY_MENTOR} ORDER BY {person}, x.id LIMIT 1) AS by_mentor, "
                f"(SELECT y.id {_BY_MENTEE} ORDER BY y.id LIMIT 1) AS by_mentee FROM offers WHERE offers.id = ?",
                offer_id,
            )
            if row is None or (row["by_mentor"] is None and row["by_mentee"] is None):
                return None
            by_mentee = row["by_mentor"] is None
            declined = await conn.fetch_one(
                "SELECT * FROM offers WHERE id = ?", row["by_mentee"] if by_mentee else row["by_mentor"]
            )
        return None if declined is None else Exclusion(rows.offer(declined), by_mentee=by_mentee)

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
        async with self.read() as conn:
            found = await conn.fetch_all(f"SELECT * FROM offers WHERE {where} ORDER BY created_at, id", *args)
        return [rows.offer(r) for r in found]

    async def accept_offer(
        self,
        offer_id: int,
        mentor_id: int,
        now: datetime,
        *,
        checkin_at: datetime | None = None,
    ) -> AcceptResult | None:
        """Accept a pending offer made to `mentor_id`: one transaction that turns the held place into a mentorship,
        matches the request, cancels the offer's expiry timer, supersedes the mentee's notices about the request and
        the mentor's offer message while they have not reached them (`outbox.supersede_request_notices`,
        `outbox.supersede_unsent`: the introduction says what became of them), closes the
        mentee's other open requests for the same skills and schedules the check-in at `checkin_at` (if given). None
        when any step's expected state no longer holds (nothing is changed then).

        The rules, each a compare-and-set: the offer is pending (an offer is open until its expiry runs: one whose time
        is up but whose timer has not expired it yet, nothing said to anyone and its request offered to no one else, is
        accepted as in time; the expiry's own compare-and-set makes the two exclusive) and the mentor's, and the mentor
        does not mentor its mentee now (an active mentorship of the pair: `matching.eligibility`'s ``MENTORING`` block,
        as `create_offer` checks it; the offer stays pending then, for the caller to withdraw), nor is excluded from
        it for good (a decline "not this person" either way, or "not my skill" of a request sharing a skill:
        `_NOT_EXCLUDED`, as `create_offer` checks it too; pending too, for the caller to withdraw); the mentor holds a
        place for it and is under capacity; the request is still offered. On PostgreSQL three round trips, as many as a
        one-row insert's transaction: ``BEGIN`` with the mentee's lock, one statement for the rest (`_ACCEPT_PG`: the
        compare-and-sets, the timers, the mentorship and the read of the overlapping requests), ``COMMIT``; on SQLite,
        where statements cost no round trip, one statement each (`_accept_step_by_step`). Closing overlapping requests,
        which is rare, adds statements."""
        try:
            async with self._accept_transaction(offer_id) as conn:
                return await self._accept_steps(conn, offer_id, mentor_id, now, checkin_at)
        except Rollback:
            return None

    async def _accept_steps(
        self, conn: Connection, offer_id: int, mentor_id: int, now: datetime, checkin_at: datetime | None
    ) -> AcceptResult | None:
        """`accept_offer`'s steps inside its transaction (the mentee locked): None when the offer's compare-and-set
        failed (nothing changed), `Rollback` when a later one did."""
        if self.db.dialect == "postgresql":
            accepted = await _accept_in_one_statement(conn, offer_id, mentor_id, now, checkin_at)
        else:
            accepted = await _accept_step_by_step(conn, offer_id, mentor_id, now)
            if accepted is not None:
                await supersede_request_notices(conn, [accepted.request.id], now)
                await supersede_unsent(conn, mentor_id, f"offer:{offer_id}", now)
        if accepted is None:
            return None
        if checkin_at is not None and not accepted.checkin_scheduled:
            await jobs.schedule(conn, JobKind.CHECKIN, accepted.mentorship.id, checkin_at, now)
        closed, withdrawn = await close_overlapping(
            conn, accepted.request, now, accepted.overlapping, covered=accepted.mentorship.skills
        )
        return AcceptResult(accepted.offer, accepted.mentorship, accepted.request, tuple(closed), tuple(withdrawn))

    async def accept_in_time(
        self,
        offer_id: int,
        mentor_id: int,
        answered: datetime,
        now: datetime,
        *,
        checkin_at: datetime | None = None,
    ) -> AcceptResult | None:
        """Accept an offer made to `mentor_id` that expired although their Accept was recorded before its deadline
        (`answered`, `Caller.answered_at`: another process's timer expired it a moment before that record could be
        seen), its request still waiting: the answer was in time, so the offer itself is accepted, decided at
        `answered`, and its lapse taken back (`_forgive_lapse`; with the pause it brought: `AcceptResult.unpaused`).
        One transaction under the mentee's lock, as `accept_offer`'s: the offer is made pending again, holding a place
        of the mentor's (active, with a free place), its request offered again (still waiting), the pair read again
        under the mentor's lock (not excluded: `mentorships.check_pairs`), then `accept_offer`'s own steps; the
        mentorship and the match are dated `now`, as an in-time answer that finds its offer pending is. None (nothing
        changed) when any of these no longer holds: the caller tells what became of the request
        (`usecases.offers._late_accept`)."""
        try:
            async with self._accept_transaction(offer_id) as conn:
                row = await conn.fetch_one(
                    "SELECT request_id FROM offers WHERE id = ? AND mentor_id = ? AND status = 'expired' "
                    "AND expires_at > ?",
                    offer_id,
                    mentor_id,
                    answered,
                )
                if row is None:
                    return None
                request_id = int(row["request_id"])
                await lock_profile(conn, mentor_id, dialect=self.db.dialect)
                pair = (await check_pairs(conn, self.db.dialect, [(request_id, mentor_id)], now, None)).get(
                    (request_id, mentor_id)
                )
                if pair is None or pair.refused():
                    return None
                # The request first: still waiting, it has no other pending offer (one offered to another mentor
                # meanwhile, by another process, leaves it as it is), so the offer may be pending again.
                if not await _offer_request(conn, request_id, now):
                    raise Rollback
                unpaused = await _forgive_lapse(conn, offer_id, mentor_id)  # and a pause that lapse brought
                await conn.execute(
                    "UPDATE offers SET status = 'pending', decided_at = NULL, reason_kind = NULL "
                    "WHERE id = ? AND status = 'expired'",
                    offer_id,
                )
                if (
                    await conn.execute(
                        "UPDATE mentor_profiles SET pending_offers = pending_offers + 1 "
                        "WHERE member_id = ? AND status = 'active' AND active_count + pending_offers < capacity",
                        mentor_id,
                    )
                    != 1
                ):
                    raise Rollback
                result = await self._accept_steps(conn, offer_id, mentor_id, now, checkin_at)
                if result is None or result.offer is None:
                    raise Rollback
                await conn.execute("UPDATE offers SET decided_at = ? WHERE id = ?", answered, offer_id)
                return replace(result, offer=replace(result.offer, decided_at=answered), unpaused=unpaused)
        except Rollback:
            return None

    async def forgive_lapse(self, offer_id: int, mentor_id: int, answered: datetime) -> Forgiven | None:
        """Take back the lapse of an expired offer of `mentor_id` whose answer was recorded before its deadline
        (`answered`) but could not be applied (an in-time Accept whose request went on meanwhile: the offer stays
        expired, `usecases.offers._late_accept`): no lapse of theirs (`_forgive_lapse`). A pause this lapse brought
        is taken back with it (the lapse that brought it is none after all): `Forgiven.unpaused` says so, for the
        caller to tell the mentor and try the waiting requests for them. None when the offer was not such an
        offer."""
        async with self.transaction(quick=True) as conn:
            await lock_mentee_of_offer(conn, offer_id, dialect=self.db.dialect)
            row = await conn.fetch_one(
                "SELECT 1 AS found FROM offers WHERE id = ? AND mentor_id = ? AND status = 'expired' "
                "AND expires_at > ?",
                offer_id,
                mentor_id,
                answered,
            )
            if row is None:
                return None
            return Forgiven(await _forgive_lapse(conn, offer_id, mentor_id))

    @asynccontextmanager
    async def _accept_transaction(self, offer_id: int) -> AsyncIterator[Connection]:
        """`accept_offer`'s transaction (quick), the mentee of the offer locked first on PostgreSQL: in the same
        round trip as ``BEGIN`` when the transaction is its own (`PostgresDatabase.transaction_from`), else as the
        first statement of the unit of work's savepoint. No lock on SQLite: its write transaction
        (``BEGIN IMMEDIATE``) already excludes every other writer."""
        if self.db.dialect != "postgresql":
            async with self.transaction(quick=True) as conn:
                yield conn
            return
        if not self.in_unit_of_work() and isinstance(self.db, _BeginsWith):
            async with self.db.transaction_from(MENTEE_OF_OFFER_PG.format(int(offer_id))) as conn:
                yield conn
            return
        async with self.transaction(quick=True) as conn:
            await conn.execute(MENTEE_OF_OFFER_PG.format("?"), offer_id)  # a prepared statement: planned once
            yield conn

    async def decline_offer(
        self, offer_id: int, mentor_id: int, reason: str | None, now: datetime, *, kind: str | None = None
    ) -> Offer | None:
        """Decline a pending offer made to `mentor_id` (`kind`: the `DeclineReason` its text gives); the request
        waits again. None when not pending. A "not this person" decline locks the mentor's own row with the
        mentee's (`_lock_decline`)."""
        async with self.transaction(quick=True) as conn:
            await self._lock_decline(conn, offer_id, mentor_id, kind)
            row = await conn.fetch_one(
                "UPDATE offers SET status = 'declined', decided_at = ?, decline_reason = ?, reason_kind = ? "
                "WHERE id = ? AND mentor_id = ? AND status = 'pending' RETURNING *",
                now,
                reason,
                kind,
                offer_id,
                mentor_id,
            )
            if row is None:
                return None
            offer = rows.offer(row)
            await release_offer(conn, offer, now, expired=False)
            return offer

    async def decline_expired(
        self,
        offer_id: int,
        mentor_id: int,
        reason: str | None,
        now: datetime,
        *,
        kind: str | None = None,
        in_time: datetime | None = None,
    ) -> LateDecline | None:
        """Record a decline of an offer made to `mentor_id` that had expired before the answer came (a late answer,
        `usecases.offers.decline`): the offer becomes declined (`kind`: the `DeclineReason` its text gives), decided
        now, so the pair's history holds the mentor's answer (a decline's cooldown, or an exclusion for good) instead
        of a lapse that their return would lift. Its place was given back and its request handed on at the expiry:
        nothing else changes (the lapse stays: its row of `offer_lapses`, which the digest counts, and the streak). With
        `in_time`, the time a decline was recorded before the offer's deadline (another process's timer expired it
        a moment before that record could be seen), the offer is decided then and its lapse taken back, as for an
        in-time accept (`accept_in_time`), with the pause it brought (`LateDecline.unpaused`). None when the offer is
        not an expired one of theirs (already answered late: one answer only; or, `in_time`, not recorded before its
        deadline). A "not this person" decline locks as `decline_offer` does."""
        async with self.transaction(quick=True) as conn:
            await self._lock_decline(conn, offer_id, mentor_id, kind)
            unpaused = False
            if in_time is not None:
                # Its lapse (and a pause it brought) taken back while the offer still reads as its expiry left it.
                found = await conn.fetch_one(
                    "SELECT 1 AS found FROM offers WHERE id = ? AND mentor_id = ? AND status = 'expired' "
                    "AND expires_at > ?",
                    offer_id,
                    mentor_id,
                    in_time,
                )
                if found is None:
                    return None
                unpaused = await _forgive_lapse(conn, offer_id, mentor_id)
            row = await conn.fetch_one(
                "UPDATE offers SET status = 'declined', decided_at = ?, decline_reason = ?, reason_kind = ? "
                "WHERE id = ? AND mentor_id = ? AND status = 'expired' RETURNING *",
                now if in_time is None else in_time,
                reason,
                kind,
                offer_id,
                mentor_id,
            )
        return None if row is None else LateDecline(rows.offer(row), unpaused)

    async def _lock_decline(self, conn: Connection, offer_id: int, mentor_id: int, kind: str | None) -> None:
        """The first lock of a decline: the mentee's row; for a "not this person" decline, the mentee's and the
        decliner's own, in id order, in one statement (`locks.lock_mentee_of_offer_and_member`). Its unit goes on
        to withdraw the offers between the two both ways (`usecases.offers`), locking each row again as the mentee
        of the other's offers: rows already held, not "the other member, then me"."""
        if kind == DeclineReason.NOT_THIS_PERSON.value:
            await lock_mentee_of_offer_and_member(conn, offer_id, mentor_id, dialect=self.db.dialect)
        else:
            await lock_mentee_of_offer(conn, offer_id, dialect=self.db.dialect)

    async def lock_mentees_of_mentors_of_offers(self, offer_ids: Sequence[int]) -> None:
        """Hold, until the unit of work ends, the rows of the mentees of every pending offer of every mentor of
        `offer_ids` (theirs included), in one statement in id order (`locks.lock_mentees_of_mentors_of_offers`):
        what a round's offer expiries, run in one unit, lock one mentor at a time (`expire_offer`), taken at its
        start. Only inside a unit of work; nothing on SQLite, whose write transaction already excludes every other
        writer."""
        if self.db.dialect != "postgresql" or not offer_ids:
            return
        async with self.transaction() as conn:
            ids_sql, ids_arg = id_list(self.db.dialect, offer_ids)
            await lock_mentees_of_mentors_of_offers(conn, ids_sql, ids_arg, dialect=self.db.dialect)

    async def expire_offer(
        self,
        offer_id: int,
        now: datetime,
        *,
        max_expired: int,
        late_after: timedelta | None = None,
        together_with: int | None = None,
    ) -> ExpireResult | None:
        """Expire a pending offer whose time is up; the request waits again. A mentor whose `max_expired`-th
        lapse in a row comes is paused (offers expiring within `LAPSE_WINDOW` of the last counted one are the
        same lapse) and their other pending offers are withdrawn in the same transaction. An expiry run more
        than `late_after` after the offer's time (the bot was down: the mentor's answer could not arrive) is
        not counted in that streak and pauses no one; nor is one whose message never reached the mentor (its
        outbox row ``offer:<id>`` still retrying or held, or left unsent by another process that died:
        `outbox.never_reached`, read in this transaction), which is marked `UNDELIVERED` (`ExpireResult.reached`
        False); nor one whose community was out of MentorBot's reach at some time while it was open (the bot
        removed from the server, the app uninstalled: `outages.away_during`, one read, whether or not the offer
        reached its mentor; `ExpireResult.away`), which is marked `AWAY` when it reached them (an unreached one stays
        `UNDELIVERED`): no row of `offer_lapses`, no streak, no pause, and no lapse's cooldown for the pair
        (`matching.eligibility.NO_LAPSE`). None when the offer was no longer pending or not yet due. `together_with`
        names the offer whose expiry's timer runs this one too (the same mentor's, expired in the same unit:
        `usecases.expiry`): its worker is the one asking when this offer's own timer is not running.

        Nor while its mentor, or its request's mentee, has an event recorded in the inbox before the deadline and not
        processed yet (`_ANSWER_RECORDED`: perhaps the mentor's answer or the mentee's cancel, acknowledged in time,
        whose process died): the offer stays pending, its timer moved `ANSWER_WAIT` on (None), and the answer finds it
        pending (an offer is open until its expiry runs: `accept_offer`), the cancel withdraws it. An answer whose
        record this look missed (another process's, committed a moment after it) meets an expired offer:
        `usecases.offers` takes it as in time, by its record time."""
        async with self.transaction(quick=True) as conn:
            # Every mentee the mentor holds an offer for, not only this one's: a pause withdraws the others.
            await lock_mentees_of_mentor_of_offer(conn, offer_id, dialect=self.db.dialect)
            row = await conn.fetch_one(
                "UPDATE offers SET status = 'expired', decided_at = ? "
                f"WHERE id = ? AND status = 'pending' AND expires_at <= ? AND NOT {_ANSWER_RECORDED} RETURNING *",
                now,
                offer_id,
                now,
            )
            if row is None:
                waiting = await conn.fetch_one(
                    "SELECT 1 AS waiting FROM offers WHERE id = ? AND status = 'pending' AND expires_at <= ? "
                    f"AND {_ANSWER_RECORDED}",
                    offer_id,
                    now,
                )
                if waiting is not None:
                    await jobs.schedule(conn, JobKind.OFFER_EXPIRY, offer_id, now + ANSWER_WAIT, now)
                return None
            offer = rows.offer(row)
            # An offer its mentor never had (the platform kept failing or refused the bot itself, or the process that
            # wrote it died before sending it) is no lapse of theirs: neither counted in the streak nor, once marked,
            # a lapse for the pair's cooldown. The worker running this expiry's timer (`_timer_runner`) tells a dead
            # process's row (another worker's, its claim run out) from its own.
            runner = await _timer_runner(conn, offer.id)
            if runner is None and together_with is not None:
                runner = await _timer_runner(conn, together_with)
            reached = not await never_reached(conn, offer.mentor_id, f"offer:{offer.id}", now, runner=runner)
            # Its community out of reach while it was open (`storage.outages`): its mentor could not answer it. Read
            # for an unreached offer too (its notice offers no "take it after all" while the community is still out).
            # Out of reach now (an outage begun after the deadline, before this expiry ran): the lapse counts, but
            # "take it after all" waits for the community's return (session 42's lapse model). The same read.
            away, out_now = await away_during(conn, offer.mentor_id, offer.created_at, offer.expires_at, now)
            # Marked, so no lapse is read from it later either (`matching.eligibility.NO_LAPSE`: the pair's cooldown,
            # "back since a lapse"): never reached (UNDELIVERED, whatever the community), or reached while out (AWAY).
            mark = UNDELIVERED if not reached else AWAY if away is not None else None
            if mark is not None:
                await conn.execute("UPDATE offers SET reason_kind = ? WHERE id = ?", mark, offer.id)
                offer = replace(offer, reason_kind=mark)
            # Its pair excluded for good (rule 5) while it was pending: left so by a database from before session 42,
            # or brought under a "not my skill" by a skills merge. Its accept would be refused (`_NOT_EXCLUDED`), so
            # it is no lapse either, and its notice offers no "take it after all" (`ExpireResult.excluded`).
            excluded = (
                await conn.fetch_one(
                    f"SELECT 1 AS one FROM offers WHERE offers.id = ? AND {_EXCLUDED}",
                    offer.id,
                )
                is not None
            )
            counted = (
                reached
                and away is None
                and not excluded
                and (late_after is None or now - offer.expires_at <= late_after)
            )
            if counted:
                # A lapse against the mentor, what the digest counts (`offer_lapses`), in the streak or not.
                await conn.execute(
                    "INSERT INTO offer_lapses (offer_id, lapsed_at) VALUES (?, ?) ON CONFLICT (offer_id) DO NOTHING",
                    offer.id,
                    now,
                )
                # One lapse per LAPSE_WINDOW: offers that expire together were ignored together.
                counted = (
                    await conn.execute(
                        "UPDATE mentor_profiles SET last_lapse_at = ? WHERE member_id = ? "
                        "AND (last_lapse_at IS NULL OR last_lapse_at <= ?)",
                        offer.expires_at,
                        offer.mentor_id,
                        offer.expires_at - LAPSE_WINDOW,
                    )
                    == 1
                )
            streak = await release_offer(conn, offer, now, expired=True, counted=counted)
            paused = counted and (
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
            if paused:  # this lapse paused them: an in-time answer takes the pause back with it (`_forgive_lapse`)
                await conn.execute("UPDATE offer_lapses SET paused = TRUE WHERE offer_id = ?", offer.id)
            withdrawn = await withdraw_pending(conn, offer.mentor_id, now, dialect=self.db.dialect) if paused else []
            return ExpireResult(
                offer,
                paused,
                tuple(withdrawn),
                reached,
                counted=counted,
                streak=streak or 0,
                away=away,
                out_now=out_now,
                excluded=excluded,
            )

    async def withdraw_for_mentee(
        self, mentor_id: int, mentee_id: int, now: datetime, *, sharing_skills_with: int | None = None
    ) -> list[Offer]:
        """Withdraw the mentor's pending offers of a member's other requests, once the mentor mentors that member
        (an accept: `matching.eligibility`'s ``MENTORING`` block) or declined them "not this person", giving the
        places back; the offers withdrawn, oldest request first. With `sharing_skills_with` (a request's id: one the
        mentor declined "not my skill"), only the offers of the member's requests sharing a skill with that request,
        as the exclusion covers them (`eligibility.blocks_for`). Not a lapse: the kind is left empty. One statement
        when there are none (the common case)."""
        async with self.transaction() as conn:
            await lock_member(conn, mentee_id, dialect=self.db.dialect)
            where = "mentor_id = ? AND request_id IN (SELECT id FROM requests WHERE member_id = ?)"
            if sharing_skills_with is None:
                return await _withdraw(conn, now, "reason_kind = NULL", where, mentor_id, mentee_id)
            where += (
                " AND request_id IN (SELECT a.request_id FROM request_skills a JOIN request_skills d "
                "ON d.skill = a.skill WHERE d.request_id = ?)"
            )
            return await _withdraw(conn, now, "reason_kind = NULL", where, mentor_id, mentee_id, sharing_skills_with)

    async def withdraw_for_pause(self, mentor_id: int, now: datetime) -> list[Offer]:
        """Withdraw a paused mentor's pending offers in one transaction (see `withdraw_pending`)."""
        async with self.transaction() as conn:
            return await withdraw_pending(conn, mentor_id, now, dialect=self.db.dialect)


_NOT_MENTORING = (
    "AND NOT EXISTS (SELECT 1 FROM requests mr JOIN mentorships mm ON mm.mentee_id = mr.member_id "
    "WHERE mr.id = offers.request_id AND mm.mentor_id = offers.mentor_id AND mm.status = 'active')"
)
"""The condition of an accept's compare-and-set on the offer that its mentor does not mentor its mentee now (an
active mentorship of the pair, the ``MENTORING`` block): a second mentorship of a pair is an admin's forced match
only, never an accept (read after the mentee's lock, which every new mentorship of the mentee takes)."""

_BY_MENTOR = (
    # The mentor's own decline of one of the mentee's requests: "not this person", or "not my skill" of a request
    # sharing a skill with this one.
    "FROM requests xr JOIN requests xd ON xd.member_id = xr.member_id "
    "JOIN offers x ON x.request_id = xd.id AND x.mentor_id = offers.mentor_id "
    f"WHERE xr.id = offers.request_id AND x.status = 'declined' AND (x.reason_kind = '{DeclineReason.NOT_THIS_PERSON}' "
    f"OR (x.reason_kind = '{DeclineReason.NOT_MY_SKILL}' AND EXISTS (SELECT 1 FROM request_skills xa "
    "JOIN request_skills xb ON xb.skill = xa.skill WHERE xa.request_id = offers.request_id "
    "AND xb.request_id = x.request_id)))"
)
"""The declines (``x``) by an offer's (``offers``) mentor that exclude its pair for good: the FROM and WHERE of a
correlated subquery, read by `_NOT_EXCLUDED` and `OfferStore.exclusion_of` alike."""

_BY_MENTEE = (
    # The mentee's own decline "not this person" of a request of the mentor's (both ways).
    "FROM requests yr JOIN offers y ON y.mentor_id = yr.member_id "
    "JOIN requests yd ON yd.id = y.request_id WHERE yr.id = offers.request_id AND yd.member_id = offers.mentor_id "
    f"AND y.status = 'declined' AND y.reason_kind = '{DeclineReason.NOT_THIS_PERSON}'"
)
"""The declines (``y``) by an offer's mentee, of a request of its mentor's, that exclude the pair for good (as
`_BY_MENTOR`)."""

_EXCLUDED = f"(EXISTS (SELECT 1 {_BY_MENTOR}) OR EXISTS (SELECT 1 {_BY_MENTEE}))"
"""That an offer's (``offers``) pair is excluded for good, either way (`_BY_MENTOR`, `_BY_MENTEE`): what an accept
refuses (`_NOT_EXCLUDED`) and an expiry reads (`ExpireResult.excluded`)."""

_NOT_EXCLUDED = f" AND NOT {_EXCLUDED}"
"""The condition of an accept's compare-and-set on the offer that the pair is not excluded for good (docs/matching.md
rule 5, as `eligibility.blocks_for` reads the pair's declines and `mentorships.check_pairs` checks them before an
offer is made): a "not my skill" decline withdraws the decliner's offers it covers in its own unit (session 42), so
this holds an offer left pending by an older database, or one whose request a skill merge brought under an exclusion.
Read after the mentee's lock, which every decline of the mentee's requests takes, and a "not this person" decline by
the mentee takes as the decliner's own row. The exclusions kept of members forgotten since are not read here, as
`check_pairs` does not read them."""

_ACCEPT_PG = (
    # Runs after the mentee's lock (`locks.MENTEE_OF_OFFER_PG`, an earlier statement): its snapshot, taken when it
    # starts, holds every committed change to the mentee's requests, so `ov` reads them as a statement after the
    # lock would.
    # Each step runs only when the one before it changed its row (`EXISTS`), and reads the rows it returned.
    "WITH o AS (UPDATE offers SET status = 'accepted', decided_at = ? "
    "WHERE id = ? AND mentor_id = ? AND status = 'pending' " + _NOT_MENTORING + _NOT_EXCLUDED + " RETURNING *), "
    "p AS (UPDATE mentor_profiles SET pending_offers = pending_offers - 1, active_count = active_count + 1, "
    "expired_streak = 0, updated_at = (SELECT decided_at FROM o) "
    "WHERE member_id = (SELECT mentor_id FROM o) AND pending_offers > 0 AND active_count < capacity "
    "RETURNING member_id), "
    "rq AS (UPDATE requests SET status = 'matched', matched_at = (SELECT decided_at FROM o), "
    "updated_at = (SELECT decided_at FROM o) "
    "WHERE id = (SELECT request_id FROM o) AND status = 'offered' AND EXISTS (SELECT 1 FROM p) RETURNING *), "
    "j AS (UPDATE jobs SET status = 'cancelled' WHERE kind = 'offer_expiry' AND ref_id = (SELECT id FROM o) "
    "AND status IN ('pending', 'running') AND EXISTS (SELECT 1 FROM rq) RETURNING id), "
    # The mentee's notices about the request and the mentor's offer message that have not reached them
    # (`outbox.supersede_request_notices`, `outbox.supersede_unsent`): the introduction tells what became of them.
    "sup AS (UPDATE outbox SET status = 'superseded' WHERE ((member_id = (SELECT member_id FROM rq) "
    "AND message_key LIKE 'request:' || (SELECT id FROM rq) || ':%') OR (member_id = (SELECT mentor_id FROM o) "
    "AND message_key = 'offer:' || (SELECT id FROM o) AND EXISTS (SELECT 1 FROM rq))) "
    f"AND {unsent('(SELECT decided_at FROM o)')} RETURNING id), "
    "sk AS (SELECT s.skill, s.position FROM request_skills s WHERE s.request_id = (SELECT id FROM rq)), "
    # The mentorship's skills: those the request and the mentor share (all the request's when none).
    "sh AS (SELECT skill, position FROM sk WHERE skill IN "
    "(SELECT skill FROM mentor_skills WHERE member_id = (SELECT mentor_id FROM o))), "
    "ms AS (INSERT INTO mentorships (request_id, mentor_id, mentee_id, community, skills, status, started_at) "
    "SELECT rq.id, o.mentor_id, rq.member_id, rq.community, "
    "coalesce((SELECT string_agg(skill, ',' ORDER BY position) FROM sh), "
    "(SELECT string_agg(skill, ',' ORDER BY position) FROM sk), ''), 'active', o.decided_at "
    "FROM rq, o RETURNING *), "
    # The check-in timer (`jobs.schedule`'s upsert), when a time is given.
    "ck AS (INSERT INTO jobs (kind, ref_id, due_at, status, created_at, community) "
    "SELECT 'checkin', ms.id, CAST(? AS TIMESTAMPTZ), 'pending', ms.started_at, ms.community FROM ms "
    f"WHERE CAST(? AS TIMESTAMPTZ) IS NOT NULL {jobs._RESCHEDULE} RETURNING id), "
    # The mentee's other open requests sharing a skill with this one (`close_overlapping` closes them).
    "ov AS (SELECT r.*, (SELECT array_agg(s.skill ORDER BY s.position) FROM request_skills s "
    "WHERE s.request_id = r.id) AS skills FROM requests r WHERE r.member_id = (SELECT member_id FROM rq) "
    f"AND r.id <> (SELECT id FROM rq) AND r.status IN ({', '.join(repr(str(x)) for x in OPEN_REQUEST_STATUSES)}) "
    "AND EXISTS (SELECT 1 FROM request_skills a WHERE a.request_id = r.id AND a.skill IN (SELECT skill FROM sk))) "
    "SELECT (SELECT row_to_json(o) FROM o) AS offer, (SELECT row_to_json(rq) FROM rq) AS request, "
    "(SELECT array_agg(skill ORDER BY position) FROM sk) AS skills, "
    "(SELECT row_to_json(ms) FROM ms) AS mentorship, (SELECT count(*) FROM j) AS timers, "
    "(SELECT count(*) FROM ck) AS checkins, (SELECT json_agg(ov ORDER BY ov.created_at, ov.id) FROM ov) AS overlapping"
)
"""`accept_offer` on PostgreSQL after the mentee's lock, one statement: the compare-and-sets on the offer, the mentor's
places and the request, cancel the expiry timer, supersede the unsent notices of the request and the offer, insert the
mentorship, schedule its check-in, and read the mentee's overlapping open requests. Its one row says how far it went: no
offer (not pending, not the mentor's, nothing changed), or no mentorship (a later step's expected state no longer held:
the caller rolls back)."""


@runtime_checkable
class _BeginsWith(Protocol):
    """An engine that sends a transaction's first statement with its ``BEGIN`` (`PostgresDatabase`)."""

    def transaction_from(self, first: str) -> AbstractAsyncContextManager[Connection]:
        """A transaction begun together with `first`."""
        ...


@dataclass(frozen=True)
class _Accepted:
    """What `_ACCEPT_PG` or `_accept_step_by_step` changed and read."""

    offer: Offer
    request: MentorshipRequest
    mentorship: Mentorship
    overlapping: tuple[MentorshipRequest, ...] | None = None
    """The mentee's other open requests (at least those sharing a skill), read after the lock (None: not read yet)."""
    checkin_scheduled: bool = False


async def _accept_in_one_statement(
    conn: Connection, offer_id: int, mentor_id: int, now: datetime, checkin_at: datetime | None
) -> _Accepted | None:
    """`_ACCEPT_PG` (the mentee locked already); None when the offer's compare-and-set failed, `Rollback` when a
    later one did."""
    row = await conn.fetch_one(_ACCEPT_PG, now, offer_id, mentor_id, checkin_at, checkin_at)
    if row is None or row["offer"] is None:
        return None
    if row["mentorship"] is None:
        raise Rollback
    request = rows.request(json.loads(row["request"]), tuple(row["skills"] or ()))
    overlapping = tuple(
        rows.request(other, tuple(other.pop("skills") or ())) for other in json.loads(row["overlapping"] or "[]")
    )
    return _Accepted(
        rows.offer(json.loads(row["offer"])),
        request,
        rows.mentorship(json.loads(row["mentorship"])),
        overlapping,
        checkin_scheduled=checkin_at is not None,
    )


async def _accept_step_by_step(conn: Connection, offer_id: int, mentor_id: int, now: datetime) -> _Accepted | None:
    """The same steps as `_ACCEPT_PG`, one statement each (SQLite). No mentee lock: SQLite's write transaction
    (``BEGIN IMMEDIATE``) already excludes every other writer, and the lock's no-op update would cost a page."""
    offer_row = await conn.fetch_one(
        "UPDATE offers SET status = 'accepted', decided_at = ? "
        "WHERE id = ? AND mentor_id = ? AND status = 'pending' " + _NOT_MENTORING + _NOT_EXCLUDED + " RETURNING *",
        now,
        offer_id,
        mentor_id,
    )
    if offer_row is None:
        return None
    offer = rows.offer(offer_row)
    await change_one(
        conn,
        "UPDATE mentor_profiles SET pending_offers = pending_offers - 1, "
        "active_count = active_count + 1, expired_streak = 0, updated_at = ? "
        "WHERE member_id = ? AND pending_offers > 0 AND active_count < capacity",
        now,
        mentor_id,
    )
    request_row = await conn.fetch_one(
        "UPDATE requests SET status = 'matched', matched_at = ?, updated_at = ? "
        "WHERE id = ? AND status = 'offered' RETURNING *",
        now,
        now,
        offer.request_id,
    )
    if request_row is None:
        raise Rollback
    await jobs.cancel(conn, JobKind.OFFER_EXPIRY, offer.id)
    # One read for the matched request's skills and the mentee's other open requests with theirs (`close_overlapping`).
    found = await conn.fetch_all(
        "SELECT r.*, s.skill AS skill_ FROM requests r JOIN request_skills s ON s.request_id = r.id "
        f"WHERE r.member_id = ? AND (r.id = ? OR r.status IN ({in_list(OPEN_REQUEST_STATUSES)})) "
        "ORDER BY r.created_at, r.id, s.position",
        request_row["member_id"],
        offer.request_id,
        *OPEN_REQUEST_STATUSES,
    )
    by_id: dict[int, tuple[Row, list[str]]] = {}
    for r in found:
        by_id.setdefault(int(r["id"]), (r, []))[1].append(r["skill_"])
    request = rows.request(request_row, tuple(by_id.pop(offer.request_id, (request_row, []))[1]))
    others = tuple(rows.request(r, tuple(skills)) for r, skills in by_id.values())
    return _Accepted(offer, request, await insert_mentorship(conn, request, mentor_id, now), others)
