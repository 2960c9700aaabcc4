"""Session 46: what a forget leaves behind when it commits inside another unit's window (both engines; the races
are PostgreSQL's, where each statement of a READ COMMITTED unit sees what was committed when it began), and what
it missed in notices showing her texts as the bot displays them.

1. `OutboxStore.hold_notices_again` read the forget markers first and looked up the row it took after: a forget
   committing between the two had emptied that row, so none was found and the content went back whole as a new
   held late answer, which no forget searches again (Mo's late answer still said "Zawadi Secretname"). The forget
   is now run to completion before each statement of the hold in turn.
2. The forget empties a delivered row naming her and then deletes the rows it read delivered that are held now (held
   again meanwhile). A row held again before its emptying and taken again (delivered) before that delete was left
   whole. The rows it deals with are now locked before it reads their state.
3. A title with a lone ``[`` is shown with a fullwidth ``［`` (`text_safety.defuse_link_opener`), a display name
   without its needless invisible characters (`text_safety.shown_name`): the forget's search for what she typed and
   her name (`privacy._normal`) no longer found either in an admin's held late answer or stored answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import pytest

import mentorbot.storage.privacy as privacy
from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.library import Library
from mentorbot.replies import Reply, reply_to_json
from mentorbot.storage.database import Connection
from mentorbot.storage.store import Store
from mentorbot.text_safety import shown_name
from tests.conftest import store_on_same_database
from tests.storage.forget_cast import naming_her_text, who
from tests.usecases.conftest import COMMUNITY, make_settings

HOLD_WAITS = 0.3
"""How long a unit stays open while the other one goes on (seconds), as in session 45's race tests."""
HOLD_STATEMENTS = 5
"""The statements `hold_notices_again` runs for one notice taken from a keyed row (its member, the row taken, a
newer version of its key, the forget markers, the update), in whichever order it runs them."""


class _Interrupted:
    """A unit's connection that runs `act` just before its statement number `at` (from 0), once."""

    def __init__(self, conn: Connection, at: int = -1, act: Callable[[], Awaitable[None]] | None = None) -> None:
        self.conn, self.at, self.act, self.seen = conn, at, act, 0

    async def _next(self) -> None:
        if self.seen == self.at and self.act is not None:
            await self.act()
        self.seen += 1

    async def execute(self, sql: str, *args: Any) -> int:
        await self._next()
        return await self.conn.execute(sql, *args)

    async def fetch_one(self, sql: str, *args: Any) -> Any:
        await self._next()
        return await self.conn.fetch_one(sql, *args)

    async def fetch_all(self, sql: str, *args: Any) -> Any:
        await self._next()
        return await self.conn.fetch_all(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.conn, name)


async def _late_answer_taken(a: MentorBot) -> tuple[int, Reply]:
    """Mo's late answer naming Zawadi by her display name (no mention), held and then taken by his command: its
    row delivered, its content with his adapter, which could show it nowhere. Mo's member id, and the answer."""
    await a.signup(who("mo"), skills="visual-design", capacity="3")
    await a.request(who("zawadi"), skills="visual-design")
    late = Reply(text="Waiting: Zawadi Secretname (visual design, 3 days)")
    assert await a.hold_again(COMMUNITY, "U-mo", (late,)) == 1
    taken = (await a.status(who("mo"))).held
    assert taken == (late,)
    mo = await a.store.find_member(COMMUNITY, "U-mo")
    assert mo is not None
    return mo.id, late


async def _nothing_of_her(store: Store, a: MentorBot) -> None:
    async with store.read() as conn:
        rows = await conn.fetch_all("SELECT status, message_key, payload FROM outbox ORDER BY id")
    assert [(r["status"], r["message_key"]) for r in rows if naming_her_text(str(r["payload"]))] == []
    assert [x for x in (await a.status(who("mo"))).held if naming_her_text(reply_to_json(x))] == []


@pytest.mark.parametrize("at", range(HOLD_STATEMENTS))
async def test_a_forget_committing_before_any_statement_of_a_hold_again_leaves_nothing(
    store: Store, library: Library, clock: ManualClock, monkeypatch: pytest.MonkeyPatch, at: int
) -> None:
    """/tmp/hunt/s45-review/test_hold_again_window.py, at every statement of the hold. PostgreSQL's forget runs to
    its commit meanwhile (the hold locks nothing before its write); SQLite's waits for the hold's write lock."""
    a = MentorBot(store, library, make_settings(), clock, worker_id="a")
    other = store_on_same_database(store)
    await other.open(clock.now())
    b = MentorBot(other, library, make_settings(), clock, worker_id="b")
    try:
        mo_id, late = await _late_answer_taken(a)
        forgets: list[asyncio.Task[Any]] = []

        async def forget() -> None:
            forgets.append(asyncio.create_task(b.forget(who("zawadi"), confirm=True)))
            await asyncio.wait(forgets, timeout=10 if store.db.dialect == "postgresql" else HOLD_WAITS)

        real = store.transaction

        @asynccontextmanager
        async def transaction(**kwargs: Any) -> AsyncIterator[Any]:
            async with real(**kwargs) as conn:
                yield _Interrupted(conn, at, forget)

        monkeypatch.setattr(store, "transaction", transaction)
        await store.hold_notices_again(mo_id, [reply_to_json(late)], clock.now())
        monkeypatch.undo()
        assert len(forgets) == 1, "the forget ran inside the hold"
        assert (await forgets[0]).error is None
        await _nothing_of_her(store, a)
    finally:
        await other.close()


async def test_a_row_held_again_and_taken_again_while_her_forget_empties_goes(
    store: Store, library: Library, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Mo's late answer, taken (delivered), is held again by a unit that commits after the forget read it delivered
    and before the forget empties the rows it read so (which then skips it, held, and locks nothing); Mo's next
    command takes it again (delivered) before the forget deletes the rows it read delivered that are held now.
    Before, on PostgreSQL, the row stayed, delivered, whole. SQLite's forget waits for the hold's write lock and
    reads the row held: it is deleted with the held ones."""
    a = MentorBot(store, library, make_settings(), clock, worker_id="a")
    other = store_on_same_database(store)
    await other.open(clock.now())
    b = MentorBot(other, library, make_settings(), clock, worker_id="b")
    try:
        mo_id, late = await _late_answer_taken(a)
        scanned, scan_ends, emptied, empty_ends = (asyncio.Event() for _ in range(4))
        real_forget_notices = privacy._forget_notices

        class _Paused(_Interrupted):
            """The forget's connection, paused after it read the outbox and after it emptied what it read."""

            async def fetch_all(self, sql: str, *args: Any) -> Any:
                found = await self.conn.fetch_all(sql, *args)
                if sql.startswith("SELECT id, member_id, status, message_key, payload FROM outbox"):
                    scanned.set()
                    await scan_ends.wait()
                return found

            async def execute(self, sql: str, *args: Any) -> int:
                changed = await self.conn.execute(sql, *args)
                if sql.startswith("UPDATE outbox SET payload = ''"):
                    emptied.set()
                    await empty_ends.wait()
                return changed

        async def forget_notices(conn: Connection, *args: Any) -> None:
            await real_forget_notices(_Paused(conn), *args)

        monkeypatch.setattr(privacy, "_forget_notices", forget_notices)
        held, hold_ends = asyncio.Event(), asyncio.Event()

        async def hold() -> int:
            async with store.unit_of_work():
                count = await store.hold_notices_again(mo_id, [reply_to_json(late)], clock.now())
                held.set()
                await hold_ends.wait()
            return count

        async def first(event: asyncio.Event, task: asyncio.Task[Any], seconds: float) -> None:
            waiting = asyncio.create_task(event.wait())
            await asyncio.wait({waiting, task}, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
            waiting.cancel()

        holding = asyncio.create_task(hold())
        await asyncio.wait_for(held.wait(), 10)
        forgetting = asyncio.create_task(b.forget(who("zawadi"), confirm=True))
        await first(scanned, forgetting, 10 if store.db.dialect == "postgresql" else HOLD_WAITS)
        hold_ends.set()
        assert await holding == 1
        scan_ends.set()
        await first(emptied, forgetting, 10)
        assert emptied.is_set() or forgetting.done()
        taking = asyncio.create_task(store.take_held_keyed(mo_id, clock.now()))  # Mo's next command
        await asyncio.sleep(HOLD_WAITS)
        empty_ends.set()
        assert (await forgetting).error is None
        await taking
        monkeypatch.undo()
        await _nothing_of_her(store, a)
    finally:
        await other.close()


TITLES = ("Kisumu women's network guide part one", "Kisumu [women's network guide part one")


async def _recovered(store: Store, library: Library, clock: ManualClock) -> list[str]:
    """What a process restarted half an hour later would show of the answers stored and not shown, as JSON."""
    clock.advance(timedelta(minutes=30))
    restarted = MentorBot(store, library, make_settings(), clock, worker_id="w2")
    answers = [restarted.recorded_answer(e) for e in await restarted.unprocessed_events()]
    return [reply_to_json(r) for a in answers if a is not None for r in (a.reply, *a.held)]


@pytest.mark.parametrize("title", TITLES)
async def test_her_title_leaves_the_admins_held_and_stored_answers(
    store: Store, library: Library, clock: ManualClock, title: str
) -> None:
    """/tmp/hunt/s45-review/test_forget_title_bracket.py: the admin's `/mentor-admin courses` answer quoting her
    pending suggestion's title, held as a late answer, and another stored on his inbox row (not shown yet)."""
    bot = MentorBot(store, library, make_settings(), clock, worker_id="w")
    said = await bot.suggest_course(
        who("zawadi"), url="https://www.example.org/kisumu-network", skills="seo", title=title
    )
    assert said.error is None, said.reply.text
    queue = await bot.admin_courses(who("admin", is_admin=True))
    assert "women's network guide" in reply_to_json(queue.reply)
    assert await bot.hold_again(COMMUNITY, "U-admin", (queue.reply,)) == 1
    inbox_id = await bot.record_event("slack:command:T46", COMMUNITY, "U-admin", '{"kind": "command"}')
    stored = await bot.admin_courses(who("admin", is_admin=True, inbox_id=inbox_id, event_id="slack:command:T46"))
    assert "women's network guide" in reply_to_json(stored.reply)

    assert (await bot.forget(who("zawadi"), confirm=True)).error is None
    async with store.read() as conn:
        rows = await conn.fetch_all("SELECT status, message_key, payload FROM outbox")
    assert [(r["status"], r["message_key"]) for r in rows if "network guide" in str(r["payload"])] == []
    assert [answer for answer in await _recovered(store, library, clock) if "network guide" in answer] == []


async def test_her_name_shown_without_its_invisible_characters_leaves_a_late_answer(
    store: Store, library: Library, clock: ManualClock
) -> None:
    """A display name with a right-to-left override is shown without it (`shown_name`): an admin's pause of her,
    answered late with her name so shown, goes with her forget as the same answer with a plain name does."""
    bot = MentorBot(store, library, make_settings(), clock, worker_id="w")
    her = Caller(COMMUNITY, "U-zawadi", "Zawadi \u202eSecretname")
    await bot.signup(her, skills="brand-strategy", capacity="3")
    late = Reply(text=f"{shown_name(her.display_name)} is paused.")
    assert "Zawadi Secretname" in late.text
    await bot.status(who("admin", is_admin=True))  # the admin a member: his late answer can be held
    assert await bot.hold_again(COMMUNITY, "U-admin", (late,)) == 1
    assert (await bot.forget(her, confirm=True)).error is None
    async with store.read() as conn:
        rows = await conn.fetch_all("SELECT status, message_key, payload FROM outbox")
    assert [(r["status"], r["message_key"]) for r in rows if naming_her_text(str(r["payload"]))] == []


async def test_her_emoji_sequence_name_leaves_a_late_answer(store: Store, library: Library, clock: ManualClock) -> None:
    """A display name that is an emoji sequence ("👨‍👩‍👧": three emoji and two zero-width joiners, which `shown_name`
    keeps) is as long as it is typed, not as `_normal` compares it: searched, its late answer goes with her forget
    (the day's review: counted without its joiners it fell under `TYPED_MIN` and stayed)."""
    name = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    bot = MentorBot(store, library, make_settings(), clock, worker_id="w")
    her = Caller(COMMUNITY, "U-zawadi", name)
    await bot.signup(her, skills="brand-strategy", capacity="3")
    late = Reply(text=f"{shown_name(name)} is paused.")
    assert name in late.text
    await bot.status(who("admin", is_admin=True))
    assert await bot.hold_again(COMMUNITY, "U-admin", (late,)) == 1
    assert (await bot.forget(her, confirm=True)).error is None
    async with store.read() as conn:
        rows = await conn.fetch_all("SELECT status, message_key, payload FROM outbox")
    assert [(r["status"], r["message_key"]) for r in rows if "paused" in str(r["payload"])] == []


async def test_a_short_name_with_an_invisible_character_takes_no_other_members_notice(
    store: Store, library: Library, clock: ManualClock
) -> None:
    """"Ann" with a zero-width space after it reads "Ann": shorter than `TYPED_MIN`, it is not searched, so her
    forget leaves an admin's late answer about another Ann (the day's second review: counted with the invisible
    character it was searched, and that answer went)."""
    bot = MentorBot(store, library, make_settings(), clock, worker_id="w")
    her = Caller(COMMUNITY, "U-ann1", "Ann\u200b")
    await bot.signup(her, skills="brand-strategy", capacity="3")
    await bot.signup(Caller(COMMUNITY, "U-ann2", "Ann"), skills="brand-strategy", capacity="3")
    await bot.status(who("admin", is_admin=True))
    assert await bot.hold_again(COMMUNITY, "U-admin", (Reply(text="Ann is paused."),)) == 1
    assert (await bot.forget(her, confirm=True)).error is None
    async with store.read() as conn:
        rows = await conn.fetch_all("SELECT payload FROM outbox")
    assert [r for r in rows if "Ann is paused" in str(r["payload"])]
