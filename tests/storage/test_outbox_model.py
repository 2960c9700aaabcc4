"""A model test of the outbox: any interleaving of writers, deliverers, crashes, transient platform failures and
time loses no notification, delivers or holds each exactly once, never brings back a superseded one, and never
has two live processes holding the same row.

Each example runs a random program against one store: `write` (a unit of work writes notifications, claimed by
its process), `deliver` (a process sends what it holds to the fake platform, then marks it; a crash may come
between the two; or the platform fails for a transient reason and each row goes back to the outbox for a retry
with backoff, or is held after its last try, as `MentorBot.retry_later` does; or it refuses for good and each is
held), `crash` (a process forgets what it held), `sweep` (a process claims what others left or what is due for a
retry), and time passing. At the end, time runs out every lease and retry wait and live processes sweep and
deliver until nothing is pending, the platform either back or down for good.

Checked: every notification ends delivered or held, once: delivered ones reached the platform, held ones are
shown once with the member's next command, and reached the platform only if a sender crashed or stalled (below);
one reaches the platform twice only when a sender crashed between sending and marking, or sent it after its own
lease had run out (a process stalled longer than the lease: delivery is at-least-once); a row superseded by a
newer version of its key is never claimed again (so never retried over the newer one), and that newer one is
delivered or held; the rows superseded are exactly those the model expects (each row of a key still pending or held
when a newer version of that key is written: without this oracle, superseding removed went unseen, as nothing was
ever superseded); no row is tried more than the maximum; and a row is never held by two processes whose leases
both run. With the platform down for good, everything ends held within the maximum of tries: never retried
forever.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mentorbot.replies import Notification, Reply, reply_to_json
from mentorbot.retries import next_try
from mentorbot.storage.store import Store
from tests.conftest import held_payloads

LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 3
WORKERS = ("a", "b", "c")
START = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
DELIVERIES = ("ok", "crash_after_send", "transient", "refused")

step = st.one_of(
    st.tuples(st.just("write"), st.sampled_from(WORKERS), st.integers(1, 3)),
    st.tuples(st.just("deliver"), st.sampled_from(WORKERS), st.sampled_from(DELIVERIES)),
    st.tuples(st.just("crash"), st.sampled_from(WORKERS), st.just(0)),
    st.tuples(st.just("sweep"), st.sampled_from(WORKERS), st.just(0)),
    st.tuples(st.just("wait"), st.just(""), st.integers(1, 200) | st.sampled_from([1800, 3600])),  # seconds
)


@dataclass
class Process:
    held: dict[int, tuple[datetime, Notification]] = field(default_factory=dict)  # id -> (lease end, as claimed)


@given(
    program=st.lists(step, max_size=30),
    retry_after=st.none() | st.integers(0, 600),
    jitter=st.floats(0, 1, exclude_max=True),
    down_for_good=st.booleans(),
)
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
async def test_each_notification_is_delivered_or_held_once_and_none_is_held_twice(
    store: Store,
    program: list[tuple[str, str, int | str]],
    retry_after: int | None,
    jitter: float,
    down_for_good: bool,
) -> None:
    community = f"model:{uuid.uuid4().hex[:8]}"
    member = await store.ensure_member(community, "U1", "One", START)
    now = START
    procs = {name: Process() for name in WORKERS}
    written: set[int] = set()
    superseded: set[int] = set()
    must_supersede: set[int] = set()  # the model's own oracle: pending rows a newer version of their key replaces
    sent: dict[int, int] = {}
    crashed_after_send: set[int] = set()
    sent_late: set[int] = set()  # sent by a process whose lease on the row had run out (it stalled)
    failures: dict[int, int] = {}  # transient failures that released or held the row

    def check_exclusive() -> None:
        live = [(i, w) for w, p in procs.items() for i, (until, _) in p.held.items() if until > now]
        ids = [i for i, _ in live]
        assert len(ids) == len(set(ids)), f"a row held by two live processes: {live}"

    async def claim(name: str) -> None:
        for note in await store.claim_undelivered(now, name, lease=LEASE, communities=[community]):
            assert note.outbox_id is not None
            assert note.outbox_id not in superseded, "a superseded row is never claimed (nor retried) again"
            procs[name].held[note.outbox_id] = (now + LEASE, note)

    async def deliver(name: str, how: str) -> None:
        proc = procs[name]
        notes = [note for _, note in (proc.held[i] for i in sorted(proc.held))]
        proc.held, held = {}, proc.held
        if how == "transient":  # the platform took none of them: each goes back to the outbox, or is held
            for note in notes:
                assert note.outbox_id is not None
                wait = next_try(note.attempts, MAX_ATTEMPTS, retry_after=retry_after, jitter=jitter)
                if wait is None:
                    changed = await store.hold_notice(
                        member.id, reply_to_json(note.reply), now, outbox_id=note.outbox_id, worker=name
                    )
                else:
                    changed = await store.release_for_retry(note, name, now + wait)
                if changed:
                    failures[note.outbox_id] = failures.get(note.outbox_id, 0) + 1
            await store.mark_delivered(notes, now, name)  # as the timer loop reports the batch it handed over
            return
        if how == "refused":  # DMs closed: each is held for the member's next command, then reported
            for note in notes:
                await store.hold_notice(
                    member.id, reply_to_json(note.reply), now, outbox_id=note.outbox_id, worker=name
                )
            await store.mark_delivered(notes, now, name)
            return
        for note in notes:
            assert note.outbox_id is not None
            sent[note.outbox_id] = sent.get(note.outbox_id, 0) + 1
            if held[note.outbox_id][0] <= now:
                sent_late.add(note.outbox_id)
        if how == "crash_after_send":
            crashed_after_send.update(held)
            return
        await store.mark_delivered(notes, now, name)

    async def keys() -> dict[int, str]:
        async with store.read() as conn:
            rows = await conn.fetch_all("SELECT id, message_key FROM outbox WHERE member_id = ?", member.id)
        return {int(r["id"]): str(r["message_key"]) for r in rows}

    async def statuses() -> dict[int, str]:
        async with store.read() as conn:
            rows = await conn.fetch_all("SELECT id, status FROM outbox WHERE member_id = ?", member.id)
        return {int(r["id"]): str(r["status"]) for r in rows}

    for kind, name, amount in program:
        if kind == "write":
            notes = [
                Notification(member.id, "U1", Reply(f"n{k}"), f"k{k}", community=community, language="en")
                for k in range(int(amount))
            ]
            keys_now = await keys()
            must_supersede |= {
                i
                for i, status in (await statuses()).items()
                if status in ("pending", "held") and keys_now[i] in {n.key for n in notes}
            }
            async with store.unit_of_work():
                made = await store.enqueue(notes, now, name, lease=LEASE)
            for note in made:
                assert note.outbox_id is not None and note.attempts == 1
                written.add(note.outbox_id)
                procs[name].held[note.outbox_id] = (now + LEASE, note)
            superseded |= {i for i, status in (await statuses()).items() if status == "superseded"}
        elif kind == "deliver":
            await deliver(name, str(amount))
        elif kind == "crash":
            procs[name].held.clear()
        elif kind == "sweep":
            await claim(name)
        else:
            now += timedelta(seconds=int(amount))
        check_exclusive()

    # The end: every lease and retry wait runs out, and the processes sweep and deliver until nothing is left;
    # the platform is back, or down for good (then every row must end held within its tries).
    for _ in range(MAX_ATTEMPTS + len(written) + 2):
        now += timedelta(days=1)
        for name in WORKERS:
            procs[name].held.clear()
            await claim(name)
            check_exclusive()
            await deliver(name, "transient" if down_for_good else "ok")

    final = await statuses()
    assert set(final) == written
    assert superseded == {i for i, s in final.items() if s == "superseded"}
    assert superseded == must_supersede, "exactly the pending older versions of a key written again are superseded"
    assert all(s in ("delivered", "held", "superseded") for s in final.values()), f"left pending: {final}"
    async with store.read() as conn:
        keys = {
            int(r["id"]): r["message_key"]
            for r in await conn.fetch_all("SELECT id, message_key FROM outbox WHERE member_id = ?", member.id)
        }
    for old in superseded:  # a superseded version has a newer one with its key, delivered or held
        assert any(i > old and keys[i] == keys[old] and final[i] in ("delivered", "held") for i in final)
    delivered = {i for i, s in final.items() if s == "delivered"}
    held = {i for i, s in final.items() if s == "held"}
    assert delivered <= set(sent), "a row marked delivered reached the platform (none released for a retry)"
    twice = {i for i, n in sent.items() if n > 1}
    assert twice <= crashed_after_send | sent_late, (
        "a notification is sent twice only when a sender died before marking it, or sent after its lease ran out"
    )
    assert held & set(sent) <= crashed_after_send | sent_late, "held and sent only after a crash or a stall"
    assert all(n <= MAX_ATTEMPTS for n in failures.values()), "never tried more than the maximum"
    shown = await held_payloads(store, member.id, now)
    assert len(shown) == len(held), "each held notice is shown once with the member's next command"
    assert await held_payloads(store, member.id, now) == []
