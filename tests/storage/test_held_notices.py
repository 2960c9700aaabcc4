"""Held notices are outbox rows in the 'held' state (issue 12): one mechanism, not two.

A notification that could not be delivered (DMs closed) is held from its own outbox row, so the recovery of
undelivered rows never sends it again; it is shown once, with the member's next reply. Notices held before
this change (the old `held_notices` table) are moved into the outbox by migration 0008.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from mentorbot.clock import ManualClock
from mentorbot.replies import Notification, Reply
from mentorbot.storage import migrations
from mentorbot.storage.migrations import available_migrations, migrate
from mentorbot.storage.store import Store
from tests.conftest import held_payloads

LEASE = timedelta(minutes=2)


async def test_a_held_notification_is_not_redelivered_and_is_shown_once(store: Store, clock: ManualClock) -> None:
    member = await store.ensure_member("held:test", "U1", "One", clock.now())
    note = Notification(member.id, "U1", Reply("offer #1"), "offer:1", community="held:test", language="en")
    async with store.unit_of_work():
        [written] = await store.enqueue([note], clock.now(), "w1", lease=LEASE)
    await store.hold_notice(member.id, '{"x": 1}', clock.now(), outbox_id=written.outbox_id)
    await store.mark_delivered([written], clock.now(), "w1")  # the adapter reports it handled: it stays held
    clock.advance(LEASE * 3)
    assert await store.claim_undelivered(clock.now(), "w2", lease=LEASE, communities=["held:"]) == []
    assert await store.count_undelivered() == 0
    [payload] = await held_payloads(store, member.id, clock.now())
    assert '"offer #1"' in payload, "the held row is the notification's own row, with its own content"
    assert await held_payloads(store, member.id, clock.now()) == []


async def test_notices_held_before_the_outbox_are_moved_into_it(
    engine_store: Store, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = engine_store
    everything = available_migrations(store.db.dialect)
    monkeypatch.setattr(migrations, "available_migrations", lambda dialect: [m for m in everything if m.version < 8])
    assert await store.open(clock.now()) == 7
    member = await store.ensure_member("old:test", "U1", "One", clock.now())
    async with store.transaction() as conn:
        for text in ("first", "second"):
            await conn.execute(
                "INSERT INTO held_notices (member_id, payload, created_at) VALUES (?, ?, ?)",
                member.id,
                text,
                clock.now(),
            )
    monkeypatch.undo()
    assert await migrate(store.db, clock.now()) == everything[-1].version
    assert await held_payloads(store, member.id, clock.now()) == ["first", "second"]
    assert await held_payloads(store, member.id, clock.now()) == []
