"""Forgetting a mentor while one of their offers expires and its request goes to another mentor.

The interleaving of /tmp/hunt-storage/forget_race.py, at every point of the forget: another process expires the
mentor's pending offer (its request waits again) and offers the request to a second mentor. Whatever the order,
afterwards the request is offered exactly when it has a pending offer, and the second mentor can accept it.
`forget_member` read the mentor's pending offers, then withdrew each by id and let its request wait: an offer
that expired in between was overwritten and its request, offered to the other mentor meanwhile, waited again.

On SQLite a write transaction excludes every other (``BEGIN IMMEDIATE``), so there the other process's work
always waits for the forget's end; the test holds for it too. The forget runs alone (`forget_member`) and as
``/mentor forget`` runs it (`prepare_forget`, then `forget_member`, in one unit of work).
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest

from mentorbot.clock import ManualClock
from mentorbot.models import Level, NewMentorProfile, OfferStatus, RequestStatus
from mentorbot.storage.postgres_engine import PostgresConnection
from mentorbot.storage.sqlite_engine import SqliteConnection
from mentorbot.storage.store import Store

C = "test:community"
HOUR = timedelta(hours=1)
BLOCKED = 0.15
"""Seconds the forget waits for the other process's work before going on (it is blocked by the forget's locks)."""


async def _mentor(store: Store, clock: ManualClock, name: str) -> int:
    member = await store.ensure_member(C, f"u-{name}", name, clock.now())
    await store.save_mentor_profile(
        member.id, NewMentorProfile({"seo": Level.EXPERT}, 2, "bio", "UTC", ("en",)), clock.now()
    )
    return member.id


async def _forget_with_the_expiry_after(
    store: Store, clock: ManualClock, monkeypatch: pytest.MonkeyPatch, statement: int, *, whole: bool
) -> bool:
    """Forget a fresh mentor with one pending offer, the other process's expiry and re-offer starting after the
    forget's `statement`-th statement; check the outcome. False when the forget has fewer statements."""
    now = clock.now()
    leaver = await _mentor(store, clock, f"Leaver{statement}")
    other = await _mentor(store, clock, f"Other{statement}")
    mentee = await store.ensure_member(C, f"u-mentee{statement}", f"Mentee{statement}", now)
    request = await store.create_request(mentee.id, C, ["seo"], "", now, max_open=3)
    offer = await store.create_offer(request.id, leaver, 1.0, "why", now, now + HOUR)
    assert offer is not None
    later = now + 2 * HOUR

    async def meanwhile() -> None:  # another process: the offer's expiry timer, then a round
        await store.expire_offer(offer.id, later, max_expired=3)
        await store.create_offer(request.id, other, 1.0, "why", later, later + HOUR)

    connection = SqliteConnection if store.db.dialect == "sqlite" else PostgresConnection
    forgetting: asyncio.Task[None] | None = None
    elsewhere: asyncio.Task[None] | None = None
    seen = 0

    def hooked(original: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def run(self: Any, sql: str, *args: Any) -> Any:
            nonlocal seen, elsewhere
            result = await original(self, sql, *args)
            if asyncio.current_task() is forgetting and elsewhere is None:
                if seen == statement:
                    # Its own context: not the forget's unit of work.
                    elsewhere = asyncio.create_task(meanwhile(), context=contextvars.Context())
                    await asyncio.wait({elsewhere}, timeout=BLOCKED)
                seen += 1
            return result

        return run

    for name in ("execute", "fetch_all", "fetch_one"):
        monkeypatch.setattr(connection, name, hooked(getattr(connection, name)))

    async def forget() -> None:
        if whole:
            async with store.unit_of_work():
                await store.prepare_forget(leaver, later)
                await store.forget_member(leaver, later)
        else:
            await store.forget_member(leaver, later)

    forgetting = asyncio.create_task(forget())
    try:
        await forgetting
    finally:
        if elsewhere is not None:
            await elsewhere
        monkeypatch.undo()
    if elsewhere is None:
        return False

    assert await store.get_member(leaver) is None
    found = await store.get_request(request.id)
    assert found is not None
    pending = await store.list_offers(request_id=request.id, status=OfferStatus.PENDING)
    assert [o.mentor_id for o in pending] == [other], f"after statement {statement}"
    assert found.status is RequestStatus.OFFERED, f"offered to the other mentor, after statement {statement}"
    profile = await store.get_mentor_profile(other)
    assert profile is not None and profile.pending_offers == 1
    accepted = await store.accept_offer(pending[0].id, other, later + timedelta(minutes=1))
    assert accepted is not None, f"the other mentor can accept it, after statement {statement}"
    return True


@pytest.mark.parametrize("whole", [False, True], ids=["forget_member", "prepare_forget-then-forget_member"])
async def test_an_offer_that_expires_during_a_forget_keeps_its_request_with_the_next_mentor(
    store: Store, clock: ManualClock, monkeypatch: pytest.MonkeyPatch, whole: bool
) -> None:
    statement = 0
    while await _forget_with_the_expiry_after(store, clock, monkeypatch, statement, whole=whole):
        statement += 1
    assert statement > 5
