"""Session 46's mutation hunt (/tmp/hunt/mut): what `OutboxStore.hold_notices_again` and the forget's emptying of
delivered notices (`privacy._forget_notices`) do that no test asserted. Both engines.

- O4: the hold's update of the row it took keeps ``AND payload = ?``. On PostgreSQL a forget that empties that row
  (payload ``''``, still delivered) and commits while the hold waits for its lock would otherwise leave it held,
  empty, for Mo's next command.
- O9: the count returned is of the rows the update set back to held, not of those it tried.
- O7: of two delivered rows of the member with the same key and content, the newest is the one held again.
- P3: a delivered notice naming the member forgotten keeps its row, delivered, with its key and an empty payload.
"""

from __future__ import annotations

from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from mentorbot.library import Library
from mentorbot.replies import Reply, reply_to_json
from mentorbot.storage.store import Store
from tests.conftest import store_on_same_database
from tests.storage.forget_cast import HER, who
from tests.storage.test_hold_again_race_s45 import _across
from tests.usecases.conftest import COMMUNITY, make_settings, to


async def test_a_row_emptied_by_a_forget_while_held_again_is_not_held_empty(
    store: Store, library: Library, clock: ManualClock
) -> None:
    """O4, O9: Mo's late answer naming Zawadi, taken by his command (its row delivered), is held again while her
    forget, not committed yet, has emptied that row. PostgreSQL's hold finds the row before the forget commits and
    waits for its lock; the row is then still delivered but empty: not held (none counted), and Mo's next command
    shows nothing and fails on nothing. SQLite's hold waits for the forget's commit and finds its marker."""
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
        assert taken == (late,)
        counted: list[int] = []

        async def hold() -> int:
            counted.append(await a.hold_again(COMMUNITY, "U-mo", taken))
            return counted[-1]

        forgot = await _across(store, other, lambda: b.forget(who("zawadi"), confirm=True), hold)
        assert forgot.error is None
        async with store.read() as conn:
            held = await conn.fetch_all("SELECT message_key, payload FROM outbox WHERE status = 'held'")
        assert [dict(r) for r in held] == []
        shown = await a.status(who("mo"))
        assert shown.error is None, shown.reply.text
        assert shown.held == ()
        assert counted == [0], "the count is of the rows held again: none"
    finally:
        await other.close()


async def test_of_two_delivered_rows_alike_the_newest_is_held_again(
    store: Store, library: Library, clock: ManualClock
) -> None:
    """O7: the same check-in reminder delivered twice under one key (two rows, same content). The row held again
    is the newest: the older one has a newer version of its key (the newest), which would leave nothing held."""
    a = MentorBot(store, library, make_settings(), clock, worker_id="a")
    await a.signup(who("mo"), skills="visual-design", capacity="3")
    mo = await store.find_member(COMMUNITY, "U-mo")
    assert mo is not None
    reminder = Reply(text="Reminder: your mentorship #1 check-in")
    payload = reply_to_json(reminder)
    async with store.transaction() as conn:
        for _ in range(2):
            await conn.execute(
                "INSERT INTO outbox (member_id, platform_user_id, community, language, message_key, payload, status, "
                "created_at, delivered_at) VALUES (?, 'U-mo', ?, 'en', 'checkin:1', ?, 'delivered', ?, ?)",
                mo.id,
                COMMUNITY,
                payload,
                clock.now(),
                clock.now(),
            )
        ids = [int(r["id"]) for r in await conn.fetch_all("SELECT id FROM outbox WHERE message_key = 'checkin:1'")]
    older, newer = sorted(ids)

    assert await store.hold_notices_again(mo.id, [payload], clock.now()) == 1

    async with store.read() as conn:
        rows = await conn.fetch_all("SELECT id, status FROM outbox WHERE message_key = 'checkin:1' ORDER BY id")
    assert [(int(r["id"]), r["status"]) for r in rows] == [(older, "delivered"), (newer, "held")]
    assert (await a.status(who("mo"))).held == (reminder,)


async def test_a_delivered_notice_naming_her_keeps_its_row_delivered_and_empty(
    store: Store, library: Library, clock: ManualClock
) -> None:
    """P3: Mo's offer of Zawadi's request, delivered, holds her mention. Her forget empties it and leaves the row,
    delivered, with its key: its key and state are still read (`OutboxStore.has_keyed`, `outbox.never_reached`)
    until the prune drops it."""
    bot = MentorBot(store, library, make_settings(), clock, worker_id="w")
    await bot.signup(who("mo"), skills="visual-design", capacity="3")
    r = await bot.request(who("zawadi"), skills="visual-design", note="NOTECANARY from Kisumu")
    [offer] = [n for n in to(r, "mo") if (n.key or "").startswith("offer:")]
    await bot.delivered(r.notifications)
    assert offer.outbox_id is not None
    async with store.read() as conn:
        before = await conn.fetch_one("SELECT status, payload FROM outbox WHERE id = ?", offer.outbox_id)
    assert before is not None and before["status"] == "delivered" and HER in str(before["payload"])

    assert (await bot.forget(who("zawadi"), confirm=True)).error is None

    async with store.read() as conn:
        after = await conn.fetch_one("SELECT status, message_key, payload FROM outbox WHERE id = ?", offer.outbox_id)
    assert after is not None, "the delivered row stays"
    assert dict(after) == {"status": "delivered", "message_key": offer.key, "payload": ""}
