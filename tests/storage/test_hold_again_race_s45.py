"""Session 45's race hunt (/tmp/hunt/race45): holding a notice again while another process's unit of work, not yet
committed, forgets the member it names or writes a newer version of its key. Both engines.

Mo's offer DM of Zawadi's request is held; his `/mentor status` takes it (its row marked delivered); his adapter can
show it nowhere and holds it again (`OutboxStore.hold_notices_again`). Meanwhile another process runs Zawadi's forget
(it empties Mo's row of her offer and writes its marker) or her cancel (it writes the newer ``offer:1``, withdrawn),
and commits only after the hold-again's checks. Before, on PostgreSQL, those checks saw none of it: a new held row
brought back her offer whole after her forget (her mention, her note, live Accept / Decline), or the withdrawn offer
with its live buttons after the withdrawal. Now the row taken is the row held again: the hold waits for the forget's
lock on it and finds it emptied, and a newer version of its key, whenever it commits, has the higher id
(`take_held_keyed` shows only the newest). Each unit commits after the other has begun.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from mentorbot.library import Library
from mentorbot.replies import Outcome, Reply, reply_to_json
from mentorbot.storage.store import Store
from tests.conftest import store_on_same_database
from tests.storage.forget_cast import naming_her_text, who
from tests.usecases.conftest import COMMUNITY, make_settings, to

HOLD_WAITS = 0.3
"""How long the other unit of work stays open after the hold-again began (seconds): SQLite's hold waits for its
write lock, PostgreSQL's for the forget's row lock, or goes on (a cancel locks nothing it reads)."""


async def _held_offer_taken(bot: MentorBot, note: str | None = None) -> tuple[Reply, ...]:
    await bot.signup(who("mo"), skills="visual-design", capacity="3")
    r = await bot.request(who("zawadi"), skills="visual-design", note=note)
    [offer] = [n for n in to(r, "mo") if n.key and n.key.startswith("offer:")]
    await bot.hold_undelivered(offer)
    taken = await bot.status(who("mo"))
    assert len(taken.held) == 1 and [b.action for b in taken.held[0].buttons][:1] == ["offer.accept"]
    return taken.held


async def _across(
    store: Store, other: Store, use_case: Callable[[], Awaitable[Outcome]], hold: Callable[[], Awaitable[int]]
) -> Outcome:
    """Run `use_case` (on `other`) until it has written its notices, then `hold`, then let the use-case commit."""
    written, go_on = asyncio.Event(), asyncio.Event()
    real_enqueue = other.enqueue

    async def slow_enqueue(*args: Any, **kwargs: Any) -> Any:
        out = await real_enqueue(*args, **kwargs)
        written.set()
        await go_on.wait()  # the unit of work commits after this
        return out

    other.enqueue = slow_enqueue  # type: ignore[method-assign]
    task = asyncio.create_task(use_case())
    await asyncio.wait_for(written.wait(), 10)
    holding = asyncio.create_task(hold())
    await asyncio.sleep(HOLD_WAITS)
    go_on.set()
    outcome = await task
    await holding
    return outcome


async def test_her_offer_is_not_held_again_across_her_forget(
    store: Store, library: Library, clock: ManualClock
) -> None:
    a = MentorBot(store, library, make_settings(), clock, worker_id="a")
    other = store_on_same_database(store)
    await other.open(clock.now())
    b = MentorBot(other, library, make_settings(), clock, worker_id="b")
    try:
        held = await _held_offer_taken(a, note="NOTECANARY I am Zawadi from Kisumu")
        forgot = await _across(
            store,
            other,
            lambda: b.forget(who("zawadi"), confirm=True),
            lambda: a.hold_again(COMMUNITY, "U-mo", held),
        )
        assert forgot.error is None
        shown = (await a.status(who("mo"))).held
        assert [x for x in shown if naming_her_text(reply_to_json(x))] == []
        async with store.read() as conn:
            rows = await conn.fetch_all("SELECT status, payload FROM outbox ORDER BY id")
        assert [r["status"] for r in rows if naming_her_text(str(r["payload"]))] == []
    finally:
        await other.close()


async def test_a_withdrawn_offer_is_not_shown_again_with_live_buttons(
    store: Store, library: Library, clock: ManualClock
) -> None:
    a = MentorBot(store, library, make_settings(), clock, worker_id="a")
    other = store_on_same_database(store)
    await other.open(clock.now())
    b = MentorBot(other, library, make_settings(), clock, worker_id="b")
    try:
        held = await _held_offer_taken(a)
        cancelled = await _across(
            store, other, lambda: b.cancel(who("zawadi")), lambda: a.hold_again(COMMUNITY, "U-mo", held)
        )
        assert cancelled.error is None
        assert [n for n in to(cancelled, "mo") if (n.key or "").startswith("offer:")], "a newer version was written"
        shown = (await a.status(who("mo"))).held
        assert [x for x in shown if any(btn.action == "offer.accept" for btn in x.buttons)] == []
    finally:
        await other.close()


async def test_a_late_answer_with_her_mention_is_not_held_across_her_forget(
    store: Store, library: Library, clock: ManualClock
) -> None:
    """An answer no row held (a command recovered after a crash, its DM refused), with her mention: the hold waits
    for the forget that deletes her (PostgreSQL: her member row read FOR SHARE), then finds her forgotten."""
    a = MentorBot(store, library, make_settings(), clock, worker_id="a")
    other = store_on_same_database(store)
    await other.open(clock.now())
    b = MentorBot(other, library, make_settings(), clock, worker_id="b")
    try:
        await _held_offer_taken(a)
        late = Reply(text="Your mentee <@U-zawadi> asked about NOTECANARY")
        forgot = await _across(
            store,
            other,
            lambda: b.forget(who("zawadi"), confirm=True),
            lambda: a.hold_again(COMMUNITY, "U-mo", (late,)),
        )
        assert forgot.error is None
        shown = (await a.status(who("mo"))).held
        assert [x for x in shown if naming_her_text(reply_to_json(x))] == []
    finally:
        await other.close()


async def test_a_notice_held_again_while_her_forget_scans_goes_with_her(
    store: Store, library: Library, clock: ManualClock
) -> None:
    """The other order (session 45's review): the hold's unit, the row set back to held, commits after the forget
    read the row as delivered. The forget's emptying of delivered rows waits for it and finds the row held: it is
    deleted, as a held row naming her is (before, it stayed, and Mo's next command showed her name)."""
    a = MentorBot(store, library, make_settings(), clock, worker_id="a")
    other = store_on_same_database(store)
    await other.open(clock.now())
    b = MentorBot(other, library, make_settings(), clock, worker_id="b")
    try:
        await a.signup(who("mo"), skills="visual-design", capacity="3")
        await a.request(who("zawadi"), skills="visual-design")
        late = Reply(text="Waiting: Zawadi Secretname (visual design, 3 days)")  # her name, no mention
        assert await a.hold_again(COMMUNITY, "U-mo", (late,)) == 1
        taken = (await a.status(who("mo"))).held
        assert len(taken) == 1
        mo = await store.find_member(COMMUNITY, "U-mo")
        assert mo is not None
        held, go_on = asyncio.Event(), asyncio.Event()

        async def hold() -> int:
            async with store.unit_of_work():
                count = await store.hold_notices_again(mo.id, [reply_to_json(taken[0])], clock.now())
                held.set()
                await go_on.wait()  # the unit commits after the forget has begun
            return count

        holding = asyncio.create_task(hold())
        await asyncio.wait_for(held.wait(), 10)
        forgetting = asyncio.create_task(b.forget(who("zawadi"), confirm=True))
        await asyncio.sleep(HOLD_WAITS)
        go_on.set()
        await holding
        assert (await forgetting).error is None
        async with store.read() as conn:
            rows = await conn.fetch_all("SELECT status, payload FROM outbox ORDER BY id")
        assert [r["status"] for r in rows if naming_her_text(str(r["payload"]))] == []
        assert [x for x in (await a.status(who("mo"))).held if naming_her_text(reply_to_json(x))] == []
    finally:
        await other.close()
