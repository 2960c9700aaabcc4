"""What a round of offer expiries reads (session 37, found by the scale hunt): the places the round frees go to the
oldest waiting requests, and the round reads no more of the waitlist than it uses (`matchmaking.waiting_pages`, a
page at a time) and the freed mentors' places in one query after each offer made (`MemberStore.open_skills`). Before,
it read every waiting request asking a freed mentor's skill, and each freed mentor's profile again after each offer:
with 10,000 waiting requests and 50 freed places, 7,700 statements in one write transaction (0.9 s on SQLite)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.models import OfferStatus
from mentorbot.storage.postgres_engine import PostgresConnection
from mentorbot.storage.sqlite_engine import SqliteConnection
from mentorbot.usecases import matchmaking, timers
from tests.usecases.conftest import offer_id, to

TTL = timedelta(hours=48)
WAITLIST_PAGE = getattr(matchmaking, "WAITLIST_PAGE", 100)  # so that the file runs on the code before it


@dataclass
class Reads:
    statements: int = 0
    rows: int = 0
    on: bool = False


@contextmanager
def counted(monkeypatch: pytest.MonkeyPatch, *, always: bool = False) -> Iterator[Reads]:
    """Count the statements run and the rows they returned, on either engine, while inside (`always`) or while a
    round's expiries run (`expiry.expire_offers`: not the sweep, due in the same round)."""
    reads = Reads(on=always)
    expire = timers.expire_offers

    async def expire_counted(core: Any, offer_ids: Any) -> Any:
        reads.on = True
        try:
            return await expire(core, offer_ids)
        finally:
            reads.on = False

    monkeypatch.setattr(timers, "expire_offers", expire_counted)
    for cls in (SqliteConnection, PostgresConnection):
        for name in ("execute", "fetch_all", "fetch_one"):
            original = getattr(cls, name)

            def wrapper(original: Any = original) -> Any:
                async def run(self: Any, sql: str, *args: Any) -> Any:
                    result = await original(self, sql, *args)
                    if not reads.on:
                        return result
                    reads.statements += 1
                    if isinstance(result, list):
                        reads.rows += len(result)
                    elif result is not None and not isinstance(result, int):
                        reads.rows += 1
                    return result

                return run

            monkeypatch.setattr(cls, name, wrapper())
    yield reads
    monkeypatch.undo()


async def round_of_expiries(
    bot: MentorBot,
    who: Callable[..., Caller],
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
    *,
    mentors: int,
    waiting: int,
) -> Reads:
    """`mentors` mentors of SEO with one place each, each holding an offer (delivered); `waiting` requests wait
    behind them; every offer expires in one round. What the round ran and read, printed for the note."""
    for n in range(mentors):
        await bot.signup(who(f"m{n}"), skills="seo", capacity="1")
    for n in range(mentors):
        outcome = await bot.request(who(f"x{n}"), skills="seo")
        [offer] = [note for note in outcome.notifications if note.reply.buttons]
        await bot.delivered([offer])
    for n in range(waiting):
        await bot.request(who(f"w{n}"), skills="seo")
    clock.advance(TTL + timedelta(minutes=1))
    with counted(monkeypatch) as reads:
        notes = await bot.run_due_jobs()
    print(f"{mentors} expiries, {waiting} waiting: {reads}")
    # Every freed place went to one of the oldest requests, the expired offers' own first (each to another mentor:
    # its own is on cooldown after the lapse), each mentor told of their expiry and offered another request.
    offered = sorted(o.request_id for o in await bot.store.list_offers(status=OfferStatus.PENDING))
    assert len(offered) == mentors and offered[-1] <= mentors + 1, offered
    assert all(len(to(notes, f"m{n}")) == 2 for n in range(mentors))
    return reads


async def test_a_rounds_expiries_read_no_more_of_the_waitlist_than_they_use(
    bot: MentorBot, who: Callable[..., Caller], clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = await round_of_expiries(bot, who, clock, monkeypatch, mentors=3, waiting=3 * WAITLIST_PAGE)
    # Three places freed: the first page of the waitlist (with its requests' skills) is all it reads of it.
    assert reads.rows < 2 * WAITLIST_PAGE + 150, reads


@pytest.mark.parametrize("mentors", [4, 16])
async def test_a_rounds_expiries_read_the_freed_places_once_per_offer_made(
    bot: MentorBot, who: Callable[..., Caller], clock: ManualClock, monkeypatch: pytest.MonkeyPatch, mentors: int
) -> None:
    reads = await round_of_expiries(bot, who, clock, monkeypatch, mentors=mentors, waiting=mentors)
    # Each expiry and each new offer costs a bounded number of statements; not one per freed mentor per offer.
    assert reads.statements < 45 * mentors, reads


async def test_a_declined_offers_freed_place_reads_one_page_of_the_waitlist(
    bot: MentorBot, who: Callable[..., Caller], clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A mentor with one place declines (busy): the place goes to the oldest waiting request that can take it, and
    the decline reads one page of the waitlist, not all of it (`matchmaking.rematch`)."""
    await bot.signup(who("m"), skills="seo", capacity="1")
    [offer] = to(await bot.request(who("x"), skills="seo"), "m")
    for n in range(3 * WAITLIST_PAGE):
        await bot.request(who(f"w{n}"), skills="seo")
    with counted(monkeypatch, always=True) as reads:
        await bot.decline(who("m"), offer_id=offer_id(offer), reason="busy this week")
    print(f"a decline, {3 * WAITLIST_PAGE} waiting: {reads}")
    [pending] = await bot.store.list_offers(status=OfferStatus.PENDING)
    assert pending.request_id == 2
    assert reads.rows < 2 * WAITLIST_PAGE + 100, reads
