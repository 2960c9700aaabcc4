"""The one lock order of the store, and the statements that take it.

Lock order, everywhere: the mentee's member row, then offers, mentor profiles, requests. Taking the
mentee's row first serialises every change to one mentee's requests, which keeps PostgreSQL free of
deadlocks between, say, two mentors accepting two offers of the same mentee at once. Every transaction
that changes a request's status starts with one of these.
"""

from __future__ import annotations

from typing import Any

from mentorbot.storage.database import Connection


async def lock_member(conn: Connection, member_id: int) -> None:
    """Lock a member's row (the mentee's, before their requests change)."""
    await conn.execute("UPDATE members SET display_name = display_name WHERE id = ?", member_id)


async def lock_mentee_of_offer(conn: Connection, offer_id: int) -> None:
    """Lock the row of the mentee whose request an offer is for."""
    await conn.execute(
        "UPDATE members SET display_name = display_name WHERE id = "
        "(SELECT r.member_id FROM offers o JOIN requests r ON r.id = o.request_id WHERE o.id = ?)",
        offer_id,
    )


async def lock_mentee_of_request(conn: Connection, request_id: int) -> None:
    """Lock the row of the mentee who made a request."""
    await conn.execute(
        "UPDATE members SET display_name = display_name WHERE id = (SELECT member_id FROM requests WHERE id = ?)",
        request_id,
    )


async def lock_mentees_of_requests(conn: Connection, ids_sql: str, ids_arg: Any) -> None:
    """Lock the rows of the mentees of many requests, named by an `id_list` subquery and its one argument."""
    await conn.execute(
        "UPDATE members SET display_name = display_name WHERE id IN "
        f"(SELECT member_id FROM requests WHERE id IN ({ids_sql}))",
        ids_arg,
    )
