"""A pending offer's place given back (`release_offer`): what an answer, an expiry and a withdrawal share, read by
`storage.offers`, `storage.mentorships` (an admin's match withdraws the mentor's other offers of the member) and
`storage.privacy` (a forget), inside their own transactions."""

from __future__ import annotations

from datetime import datetime

from mentorbot.models import JobKind, Offer
from mentorbot.storage import jobs
from mentorbot.storage.database import Connection
from mentorbot.storage.outbox import supersede_request_notices, supersede_unsent


async def release_offer(
    conn: Connection, offer: Offer, now: datetime, *, expired: bool, counted: bool = True, answered: bool = True
) -> int | None:
    """Give a decided offer's held place back (counting an expiry in the mentor's streak, unless not `counted`:
    a late one, see `OfferStore.expire_offer`), let its request wait again and cancel its expiry timer, inside
    the caller's transaction. An answer (accept, decline) resets the streak; a withdrawal (not `answered`) keeps
    it. The mentee's notices about the request that have not reached them ("offered", "waiting again") are superseded
    (`outbox.supersede_request_notices`), and so is the mentor's offer message while it has not reached them (its
    answer, or a newer version, says what became of it: `outbox.supersede_unsent`). The mentor's streak after it
    (None when no place was held: nothing changed on the profile)."""
    if expired:
        streak = "expired_streak + 1" if counted else "expired_streak"
    else:
        streak = "0" if answered else "expired_streak"
    row = await conn.fetch_one(
        f"UPDATE mentor_profiles SET pending_offers = pending_offers - 1, expired_streak = {streak} "
        "WHERE member_id = ? AND pending_offers > 0 RETURNING expired_streak",
        offer.mentor_id,
    )
    await conn.execute(
        "UPDATE requests SET status = 'waiting', updated_at = ? WHERE id = ? AND status = 'offered'",
        now,
        offer.request_id,
    )
    await supersede_request_notices(conn, [offer.request_id], now)
    await supersede_unsent(conn, offer.mentor_id, f"offer:{offer.id}", now)
    await jobs.cancel(conn, JobKind.OFFER_EXPIRY, offer.id)
    return None if row is None else int(row["expired_streak"])
