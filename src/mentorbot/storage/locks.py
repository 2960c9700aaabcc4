"""The one lock order of the store, and the statements that take it.

Lock order, everywhere: the mentee's member row, then offers, mentor profiles, requests. Taking the
mentee's row first serialises every change to one mentee's requests, which keeps PostgreSQL free of
deadlocks between, say, two mentors accepting two offers of the same mentee at once. Every transaction
that changes a request's status starts with one of these.

On PostgreSQL the lock is ``SELECT … FOR NO KEY UPDATE``: the row lock an ``UPDATE`` of non-key columns takes,
without writing a new version of the row (a no-op ``UPDATE`` did, for every mentee of a round's thousands of
offers). On SQLite nothing is sent: every write transaction starts with ``BEGIN IMMEDIATE``, which already
excludes every other writer, process or connection, until it ends, and a no-op ``UPDATE`` would only add a page
to the write-ahead log.
"""

from __future__ import annotations

from typing import Any

from mentorbot.storage.database import Connection

_LOCK = "SELECT 1 FROM members WHERE id {} FOR NO KEY UPDATE"
_LOCK_MANY = "SELECT 1 FROM members WHERE id {} ORDER BY id FOR NO KEY UPDATE"
"""Several members' rows are locked in the order of their ids, in one statement: two transactions that lock
overlapping sets (a forget and a round) take their common rows in the same order, so neither waits for the
other while holding a row it wants."""

MENTEE_OF_OFFER_PG = _LOCK.format(
    "= (SELECT member_id FROM requests WHERE id = (SELECT request_id FROM offers WHERE id = {}))"
)
"""PostgreSQL's lock of the mentee whose request an offer is for, the offer's id (or its placeholder) to format in.
Nested scalar subqueries, not a join: `OfferStore.accept_offer` sends it with ``BEGIN``, the id formatted in, so
the server plans it each time, and a join of the three tables cost ~0.3 ms more to plan."""


async def _lock(conn: Connection, dialect: str, which: str, *args: Any) -> None:
    if dialect == "postgresql":
        await conn.fetch_all(_LOCK.format(which), *args)


async def _lock_many(conn: Connection, dialect: str, which: str, *args: Any) -> None:
    if dialect == "postgresql":
        await conn.fetch_all(_LOCK_MANY.format(which), *args)


async def lock_member(conn: Connection, member_id: int, *, dialect: str) -> None:
    """Lock a member's row (the mentee's, before their requests change)."""
    await _lock(conn, dialect, "= ?", member_id)


async def lock_mentee_of_offer(conn: Connection, offer_id: int, *, dialect: str) -> None:
    """Lock the row of the mentee whose request an offer is for (`MENTEE_OF_OFFER_PG`)."""
    if dialect == "postgresql":
        await conn.fetch_all(MENTEE_OF_OFFER_PG.format("?"), offer_id)


async def lock_mentee_of_offer_and_member(conn: Connection, offer_id: int, member_id: int, *, dialect: str) -> None:
    """Lock the row of the mentee whose request an offer is for and a member's own row (the offer's mentor), in one
    statement, in the order of their ids: a "not this person" decline, which goes on to lock each of them again as
    the mentee of the other's offers (the exclusion holds both ways: `usecases.offers`), takes both first, so two
    members declining each other at once, or a decline and an expiry that locks both as its mentor's mentees
    (`lock_mentees_of_mentor_of_offer`), take their common rows in the same order."""
    await _lock_many(
        conn,
        dialect,
        "IN (?, (SELECT member_id FROM requests WHERE id = (SELECT request_id FROM offers WHERE id = ?)))",
        member_id,
        offer_id,
    )


async def lock_mentee_of_request(conn: Connection, request_id: int, *, dialect: str) -> None:
    """Lock the row of the mentee who made a request."""
    await _lock(conn, dialect, "= (SELECT member_id FROM requests WHERE id = ?)", request_id)


async def lock_mentees_of_requests(conn: Connection, ids_sql: str, ids_arg: Any, *, dialect: str) -> None:
    """Lock the rows of the mentees of many requests, named by an `id_list` subquery and its one argument."""
    await _lock_many(conn, dialect, f"IN (SELECT member_id FROM requests WHERE id IN ({ids_sql}))", ids_arg)


async def lock_mentees_of_pending_offers(conn: Connection, mentor_id: int, *, dialect: str) -> None:
    """Lock the rows of the mentees of a mentor's pending offers."""
    await _lock_many(
        conn,
        dialect,
        "IN (SELECT r.member_id FROM offers o JOIN requests r ON r.id = o.request_id "
        "WHERE o.mentor_id = ? AND o.status = 'pending')",
        mentor_id,
    )


async def lock_mentees_of_mentor_of_offer(conn: Connection, offer_id: int, *, dialect: str) -> None:
    """Lock the rows of the mentees of every pending offer of an offer's mentor, that offer's mentee included: an
    expiry may pause the mentor and withdraw the others, and takes them all before the profile."""
    await _lock_many(
        conn,
        dialect,
        "IN (SELECT r.member_id FROM offers o JOIN requests r ON r.id = o.request_id "
        "WHERE o.mentor_id = (SELECT mentor_id FROM offers WHERE id = ?) AND (o.status = 'pending' OR o.id = ?))",
        offer_id,
        offer_id,
    )


async def lock_mentees_of_mentors_of_offers(conn: Connection, ids_sql: str, ids_arg: Any, *, dialect: str) -> None:
    """Lock, in one statement, the rows that `lock_mentees_of_mentor_of_offer` takes for each of many offers (named
    by an `id_list` subquery and its one argument): the mentees of every pending offer of every mentor of those
    offers, theirs included. A round's offer expiries run in one unit (`usecases.timers`), which holds each
    mentor's mentees while it expires the next mentor's offers: taken all at its start, in the order of their ids,
    two rounds of overlapping mentees take them in the same order, and each expiry's own lock then takes rows
    already held."""
    await _lock_many(
        conn,
        dialect,
        "IN (SELECT r.member_id FROM offers o JOIN requests r ON r.id = o.request_id "
        f"WHERE o.mentor_id IN (SELECT mentor_id FROM offers WHERE id IN ({ids_sql})) "
        f"AND (o.status = 'pending' OR o.id IN ({ids_sql})))",
        ids_arg,
        ids_arg,
    )


async def lock_profiles(conn: Connection, ids_sql: str, ids_arg: Any, *, dialect: str) -> None:
    """Lock mentors' profile rows, named by an `id_list` subquery and its one argument, in the order of their ids
    (after the mentees'), before what they offer is read again: a profile update (`members.refuse_in_use`) holds
    the same row while it replaces the mentor's skills, so a statement after this one sees its skills committed."""
    if dialect == "postgresql":
        await conn.fetch_all(
            f"SELECT 1 FROM mentor_profiles WHERE member_id IN ({ids_sql}) ORDER BY member_id FOR NO KEY UPDATE",
            ids_arg,
        )


async def lock_profile(conn: Connection, mentor_id: int, *, dialect: str) -> None:
    """Lock one mentor's profile row (see `lock_profiles`)."""
    if dialect == "postgresql":
        await conn.fetch_all("SELECT 1 FROM mentor_profiles WHERE member_id = ? FOR NO KEY UPDATE", mentor_id)


async def lock_member_and_mentees_of_pending_offers(conn: Connection, member_id: int, *, dialect: str) -> None:
    """Lock a member's row and the rows of the mentees of their pending offers and active mentorships as a mentor
    (a forget puts those mentorships' requests back to waiting), in one statement (in the order of the ids: a
    forget, with a round or another forget), then the member's own row as a delete
    does (``FOR UPDATE``): a forget waits for the units that are saving a row naming them (a suggestion, a
    feedback comment: an insert's foreign key takes ``FOR KEY SHARE``, which ``FOR NO KEY UPDATE`` lets through),
    and sees those rows; one that starts after it waits for the forget's end, and finds no member to name."""
    await _lock_many(
        conn,
        dialect,
        "= ? OR id IN (SELECT r.member_id FROM offers o JOIN requests r ON r.id = o.request_id "
        "WHERE o.mentor_id = ? AND o.status = 'pending') "
        "OR id IN (SELECT mentee_id FROM mentorships WHERE mentor_id = ? AND status = 'active')",
        member_id,
        member_id,
        member_id,
    )
    if dialect == "postgresql":
        await conn.fetch_all("SELECT 1 FROM members WHERE id = ? FOR UPDATE", member_id)
