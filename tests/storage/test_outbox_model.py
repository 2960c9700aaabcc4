"""A model test of the outbox: any interleaving of writers, deliverers, crashes and time loses no notification,
and never has two live processes holding the same row.

Each example runs a random program against one store: `write` (a unit of work writes notifications, claimed by
its process), `deliver` (a process sends what it holds to the fake platform, then marks it; a crash may come
between the two), `crash` (a process forgets what it held), `sweep` (a process claims what others left), and
time passing. At the end, time runs out every lease and live processes sweep until nothing is pending.

Checked: every notification reaches the platform at least once, unless a newer one with its key replaced it
while it was pending (that newer one is then delivered); one reaches it twice only when a sender
crashed between sending and marking, or sent it after its own lease had run out (a process stalled longer than
the lease: delivery is at-least-once); and a row is never held by two processes whose leases both run.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mentorbot.replies import Notification, Reply
from mentorbot.storage.store import Store

LEASE = timedelta(minutes=2)
WORKERS = ("a", "b", "c")
START = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)

step = st.one_of(
    st.tuples(st.just("write"), st.sampled_from(WORKERS), st.integers(1, 3)),
    st.tuples(st.just("deliver"), st.sampled_from(WORKERS), st.booleans()),  # True: crash after sending
    st.tuples(st.just("crash"), st.sampled_from(WORKERS), st.just(0)),
    st.tuples(st.just("sweep"), st.sampled_from(WORKERS), st.just(0)),
    st.tuples(st.just("wait"), st.just(""), st.integers(1, 200)),  # seconds
)


@dataclass
class Process:
    held: dict[int, datetime] = field(default_factory=dict)  # outbox id -> when its lease ends


@given(program=st.lists(step, max_size=30))
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
async def test_no_notification_is_lost_and_none_is_held_twice(
    store: Store, program: list[tuple[str, str, int]]
) -> None:
    community = f"model:{uuid.uuid4().hex[:8]}"
    member = await store.ensure_member(community, "U1", "One", START)
    now = START
    procs = {name: Process() for name in WORKERS}
    written: set[int] = set()
    sent: dict[int, int] = {}
    crashed_after_send: set[int] = set()
    sent_late: set[int] = set()  # sent by a process whose lease on the row had run out (it stalled)

    def check_exclusive() -> None:
        live = [(i, w) for w, p in procs.items() for i, until in p.held.items() if until > now]
        ids = [i for i, _ in live]
        assert len(ids) == len(set(ids)), f"a row held by two live processes: {live}"

    async def deliver(name: str, crash_after_send: bool) -> None:
        proc = procs[name]
        notes = [
            Notification(member.id, "U1", Reply("x"), community=community, language="en", outbox_id=i)
            for i in sorted(proc.held)
        ]
        for note in notes:
            assert note.outbox_id is not None
            sent[note.outbox_id] = sent.get(note.outbox_id, 0) + 1
            if proc.held[note.outbox_id] <= now:
                sent_late.add(note.outbox_id)
        if crash_after_send:
            crashed_after_send.update(proc.held)
            proc.held.clear()
            return
        await store.mark_delivered(notes, now, name)
        proc.held.clear()

    for kind, name, amount in program:
        if kind == "write":
            notes = [
                Notification(member.id, "U1", Reply(f"n{k}"), f"k{k}", community=community, language="en")
                for k in range(amount)
            ]
            async with store.unit_of_work():
                made = await store.enqueue(notes, now, name, lease=LEASE)
            for note in made:
                assert note.outbox_id is not None
                written.add(note.outbox_id)
                procs[name].held[note.outbox_id] = now + LEASE
        elif kind == "deliver":
            await deliver(name, bool(amount))
        elif kind == "crash":
            procs[name].held.clear()
        elif kind == "sweep":
            for note in await store.claim_undelivered(now, name, lease=LEASE, communities=[community]):
                assert note.outbox_id is not None
                procs[name].held[note.outbox_id] = now + LEASE
        else:
            now += timedelta(seconds=amount)
        check_exclusive()

    # The end: every lease runs out, and the processes sweep and deliver until nothing is left.
    for _ in range(len(written) + 2):
        now += LEASE + timedelta(seconds=1)
        for name in WORKERS:
            procs[name].held.clear()
            for note in await store.claim_undelivered(now, name, lease=LEASE, communities=[community]):
                assert note.outbox_id is not None
                procs[name].held[note.outbox_id] = now + LEASE
            check_exclusive()
            await deliver(name, False)
    async with store.read() as conn:
        rows = await conn.fetch_all(
            "SELECT id, message_key, status FROM outbox WHERE member_id = ? ORDER BY id", member.id
        )
    superseded = {int(r["id"]) for r in rows if r["status"] == "superseded"}
    for row in rows:  # a superseded version has a newer one with its key, which was delivered
        if int(row["id"]) in superseded:
            assert any(
                int(r["id"]) > int(row["id"]) and r["message_key"] == row["message_key"] and r["status"] == "delivered"
                for r in rows
            )
    assert written - superseded <= set(sent), "every notification not replaced by a newer version reached the platform"
    twice = {i for i, n in sent.items() if n > 1}
    assert twice <= crashed_after_send | sent_late, (
        "a notification is sent twice only when a sender died before marking it, or sent after its lease ran out"
    )
