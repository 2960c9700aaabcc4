"""A notice written by a process that delivers nothing (`mentorbot admin forget`) is handed to the running bot
untried: the bot's first claim is its first delivery attempt, and until then it does not count as one that never
reached its member. On both engines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mentorbot.replies import Notification, Reply
from mentorbot.storage.outbox import never_reached
from mentorbot.storage.store import Store

START = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
C = "handover:test"
LEASE = timedelta(minutes=2)


async def test_a_handed_over_notice_is_claimed_at_once_and_its_first_claim_is_its_first_attempt(store: Store) -> None:
    member = await store.ensure_member(C, "A0", "A0", START)
    note = Notification(member.id, "A0", Reply("hi"), "offer:7", community=C, language="en")
    [written] = await store.enqueue([note], START, "cli", lease=LEASE)
    assert await store.hand_over([written], "cli", START) == 1
    async with store.transaction() as conn:
        assert not await never_reached(conn, member.id, "offer:7"), "untried: not a notice that never reached"
    [claimed] = await store.claim_undelivered(START + timedelta(seconds=1), "bot", lease=LEASE)
    assert claimed.outbox_id == written.outbox_id
    assert claimed.attempts == 1, "the bot's first try is the first attempt"
    async with store.transaction() as conn:
        assert not await never_reached(conn, member.id, "offer:7"), "on its first try: being delivered"
    assert await store.release_for_retry(claimed, "bot", START + timedelta(seconds=30))
    async with store.transaction() as conn:
        assert await never_reached(conn, member.id, "offer:7"), "a failed try: not reached"


async def test_only_an_untried_claim_of_the_writer_is_handed_over(store: Store) -> None:
    member = await store.ensure_member(C, "A1", "A1", START)
    note = Notification(member.id, "A1", Reply("hi"), None, community=C, language="en")
    [written] = await store.enqueue([note], START, "cli", lease=LEASE)
    assert await store.hand_over([written], "someone-else", START) == 0
    later = START + LEASE + timedelta(seconds=1)
    [again] = await store.claim_undelivered(later, "bot", lease=LEASE)
    assert again.attempts == 2
    assert await store.hand_over([again], "bot", later) == 0, "tried already: its attempts are kept"
