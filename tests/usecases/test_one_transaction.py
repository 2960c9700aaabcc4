"""A command is one transaction: the event's claim, the member's row, the use-case and its notices commit together
or not at all (issue 18), proven over every statement a command issues, on both engines.

`Faulty` stands between the store and its engine: it counts the transactions each command opens and the
statements it runs, and can make the k-th statement fail. For each command below, a clean run counts its
statements; then the command runs once for every k with the k-th statement failing, and every table must be
exactly as before (a failure anywhere leaves nothing half-written). Then the command runs cleanly and must change
something, in one transaction.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from mentorbot.bot import Caller, MentorBot
from mentorbot.replies import Outcome
from mentorbot.storage.database import Connection, Database, Row
from mentorbot.storage.units import WriteInSnapshot
from tests.usecases.conftest import offer_id, to

Who = Callable[..., Caller]


class Injected(Exception):
    """The failure `Faulty` injects."""


class _Conn:
    """A connection that counts its statements for `Faulty`."""

    def __init__(self, inner: Connection, owner: Faulty) -> None:
        self.inner, self.owner = inner, owner

    def _tick(self) -> None:
        self.owner.statements += 1
        if self.owner.statements == self.owner.fail_at:
            raise Injected(f"statement {self.owner.statements} fails")

    def quick(self) -> _Conn:
        return _Conn(self.inner.quick(), self.owner)

    async def execute(self, sql: str, *args: Any) -> int:
        self._tick()
        return await self.inner.execute(sql, *args)

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self._tick()
        await self.inner.executemany(sql, rows)

    async def fetch_all(self, sql: str, *args: Any) -> list[Row]:
        self._tick()
        return await self.inner.fetch_all(sql, *args)

    async def fetch_one(self, sql: str, *args: Any) -> Row | None:
        self._tick()
        return await self.inner.fetch_one(sql, *args)


class Faulty:
    """The store's `Database`, counting the transactions opened and the statements run; the `fail_at`-th fails."""

    def __init__(self, inner: Database) -> None:
        self.inner = inner
        self.opened: list[str] = []
        self.statements = 0
        self.fail_at: int | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def reset(self, fail_at: int | None = None) -> None:
        self.opened, self.statements, self.fail_at = [], 0, fail_at

    @asynccontextmanager
    async def _counted(self, kind: str, opened: AbstractAsyncContextManager[Connection]) -> AsyncIterator[_Conn]:
        self.opened.append(kind)
        async with opened as conn:
            yield _Conn(conn, self)

    def transaction(self, **options: Any) -> AbstractAsyncContextManager[_Conn]:
        return self._counted("write", self.inner.transaction(**options))

    def read(self, **options: Any) -> AbstractAsyncContextManager[_Conn]:
        return self._counted("read", self.inner.read(**options))


async def _dump(bot: MentorBot) -> dict[str, list[str]]:
    """Every row of every table (but the migrations' own), as sorted text."""
    store = bot.store
    async with store.read() as conn:
        if store.db.dialect == "sqlite":
            found = await conn.fetch_all("SELECT name FROM sqlite_master WHERE type = 'table'")
            tables = [str(r["name"]) for r in found]
        else:
            found = await conn.fetch_all("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
            tables = [str(r["tablename"]) for r in found]
        out = {}
        for table in sorted(t for t in tables if "migration" not in t and not t.startswith("sqlite_")):
            rows = await conn.fetch_all(f"SELECT * FROM {table}")
            out[table] = sorted(repr(sorted(dict(r).items())) for r in rows)
    return out


def _faulty(bot: MentorBot) -> Faulty:
    faulty = Faulty(bot.store.db)
    bot.store.db = faulty  # type: ignore[assignment]
    return faulty


async def _atomic(bot: MentorBot, faulty: Faulty, command: Callable[[], Awaitable[Outcome]]) -> Outcome:
    """Run `command` with its 1st, 2nd, 3rd… statement failing: each time it must report the failure and leave
    every table as it was. Once k is past its last statement it runs cleanly: it must then change something, in
    exactly one transaction. The clean outcome."""
    before = await _dump(bot)
    for k in range(1, 500):
        faulty.reset(fail_at=k)
        outcome = await command()
        opened, ran = list(faulty.opened), faulty.statements
        faulty.reset()
        if ran < k:  # the k-th statement was never reached: the clean run
            assert outcome.error is None, outcome.reply.text
            assert await _dump(bot) != before, "the clean run changed nothing"
            assert opened == ["write"], f"one transaction per command, not {opened}"
            assert k > 2, "a command that changes something runs more than one statement"
            return outcome
        assert outcome.error is not None, f"statement {k} failed, yet the command reported success"
        assert await _dump(bot) == before, f"statement {k} failed and left a change behind"
    raise AssertionError("the command never ran cleanly")


async def test_every_command_is_one_transaction_and_all_or_nothing(bot: MentorBot, who: Who) -> None:
    """Each command, failing at each of its statements in turn, leaves every table as it was; run cleanly, it
    opens exactly one transaction."""
    await bot.signup(who("baraka"), skills="seo, paid social", capacity="2")
    await bot.signup(who("chausiku"), skills="seo")
    await bot.status(who("amina"))  # known members: no first-sight write below
    await bot.status(who("juma"))
    await bot.status(who("zawadi"))
    faulty = _faulty(bot)

    await _atomic(bot, faulty, lambda: bot.signup(who("juma"), skills="crisis communications"))
    requested = await _atomic(bot, faulty, lambda: bot.request(who("amina"), skills="seo"))
    [offer] = [*to(requested, "baraka"), *to(requested, "chausiku")]
    mentor = offer.platform_user_id.removeprefix("U-")
    declined = await _atomic(bot, faulty, lambda: bot.decline(who(mentor), offer_id=offer_id(offer)))
    [handed_on] = [n for n in declined.notifications if n.reply.buttons]
    other = handed_on.platform_user_id.removeprefix("U-")
    await _atomic(bot, faulty, lambda: bot.accept(who(other), offer_id=offer_id(handed_on)))
    await _atomic(bot, faulty, lambda: bot.request(who("zawadi"), skills="crisis communications"))
    await _atomic(bot, faulty, lambda: bot.pause(who("juma")))
    await _atomic(bot, faulty, lambda: bot.cancel(who("zawadi")))
    await _atomic(bot, faulty, lambda: bot.resume(who("juma")))
    # First sight, in a channel: the member's row is part of the command's one transaction too.
    await _atomic(bot, faulty, lambda: bot.request(who("neema", channel="C-general"), skills="paid social"))


async def test_a_read_only_command_is_one_read_transaction(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("baraka"), skills="seo")
    await bot.status(who("amina"))
    faulty = _faulty(bot)
    faulty.reset()
    outcome = await bot.status(who("amina"))
    assert outcome.error is None
    assert faulty.opened == ["read"], "a known member's status is one read, no write"


async def test_a_first_command_opens_its_write_only_when_needed(bot: MentorBot, who: Who) -> None:
    faulty = _faulty(bot)
    faulty.reset()
    await bot.status(who("amina"))
    assert faulty.opened == ["read", "write"], "first sight: the read finds no member, then one write unit"
    faulty.reset()
    await bot.status(who("amina", channel="C-new"))
    assert faulty.opened == ["read", "write"], "a new channel is written in the command's one write unit"
    faulty.reset()
    await bot.status(who("amina", channel="C-new"))
    assert faulty.opened == ["read"]


async def test_a_read_only_use_case_that_writes_is_caught(bot: MentorBot) -> None:
    store = bot.store
    async with store.snapshot():
        try:
            await store.set_language(1, "sw")
        except WriteInSnapshot:
            pass
        else:
            raise AssertionError("a write inside a snapshot must be refused")
