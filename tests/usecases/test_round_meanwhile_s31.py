"""A round whose planned offers could not all be made tells the admin why, in two groups (found by the
multi-process hunt): requests offered (or matched) meanwhile, by another admin's round or the live matching, are
placed already, and running the round again would place nothing; only the requests still waiting, whose planned
mentor could no longer take them (their place taken, paused), are worth a second run. Before, a second admin's
round at the same moment said every planned offer "was no longer possible… Run it again to place those
requests", and running it again placed nothing."""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime
from typing import Any

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.library import Library
from mentorbot.models import MentorStatus, Offer, RequestStatus
from mentorbot.replies import Outcome
from mentorbot.storage.offers import NewOffer
from mentorbot.storage.store import Store
from tests.conftest import store_on_same_database
from tests.usecases.conftest import COMMUNITY, make_settings

Who = Callable[..., Caller]
COHORT: dict[str, object] = {
    "matching": "rounds",
    "round_schedule": "mon 08:00",
    "admin_ids": ["U-admin", "U-admin2"],
}


def cohort_bot(store: Store, library: Library, clock: ManualClock, worker: str = "A") -> MentorBot:
    return MentorBot(store, library, make_settings(**COHORT), clock, worker_id=worker)


async def programme(bot: MentorBot, who: Who) -> None:
    """Two SEO requests for Sam (three places), one copywriting request for Cole (one place)."""
    await bot.signup(who("sam"), skills="seo", capacity="3")
    await bot.signup(who("cole"), skills="copywriting", capacity="1")
    await bot.request(who("amina"), skills="seo")
    await bot.request(who("baraka"), skills="seo")
    await bot.request(who("chiku"), skills="copywriting")


async def member_id(store: Store, name: str) -> int:
    member = await store.find_member(COMMUNITY, f"U-{name}")
    assert member is not None
    return member.id


def meanwhile(
    store: Store,
    monkeypatch: pytest.MonkeyPatch,
    *,
    offered: Sequence[str],
    paused: Sequence[str],
    clock: ManualClock,
    cancelled: Sequence[str] = (),
) -> None:
    """Just before the round writes its offers: the requests of `offered` are offered by someone else (as the
    other round would, to the mentor planned), those of `cancelled` are cancelled by their mentee, and the mentors
    `paused` pause."""
    real = store.create_offers

    async def first_the_others(items: Sequence[NewOffer], now: datetime, expires: datetime, **kw: Any) -> list[Offer]:
        requests = {r.member_id: r.id for r in await store.list_requests(COMMUNITY, [RequestStatus.WAITING])}
        taken = {requests[await member_id(store, name)] for name in offered}
        await real([item for item in items if item.request_id in taken], now, expires, **kw)
        for name in cancelled:
            mentee = await member_id(store, name)
            assert await store.cancel_request(requests[mentee], mentee, clock.now()) is not None
        for name in paused:
            await store.set_mentor_status(await member_id(store, name), MentorStatus.PAUSED, clock.now())
        return await real(items, now, expires, **kw)

    monkeypatch.setattr(store, "create_offers", first_the_others)


async def test_requests_placed_meanwhile_are_told_apart_from_those_that_lost_their_mentor(
    store: Store, library: Library, clock: ManualClock, who: Who, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = cohort_bot(store, library, clock)
    await programme(bot, who)
    meanwhile(store, monkeypatch, offered=["amina", "baraka"], paused=["cole"], clock=clock)
    text = (await bot.admin_round(who("admin", is_admin=True))).reply.plain_text
    assert "0 offers sent" in text
    assert "2 planned requests were offered meanwhile, by another round or the live matching" in text
    assert "1 planned offer was no longer possible" in text and "Run it again to place that request." in text


async def test_when_every_planned_request_was_placed_meanwhile_nothing_suggests_running_it_again(
    store: Store, library: Library, clock: ManualClock, who: Who, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = cohort_bot(store, library, clock)
    await programme(bot, who)
    meanwhile(store, monkeypatch, offered=["amina", "baraka", "chiku"], paused=[], clock=clock)
    text = (await bot.admin_round(who("admin", is_admin=True))).reply.plain_text
    assert "3 planned requests were offered meanwhile, by another round or the live matching" in text
    assert "no longer possible" not in text and "again" not in text
    monkeypatch.undo()
    again = (await bot.admin_round(who("admin", is_admin=True))).reply.plain_text
    assert "0 offers sent" in again, "running it again places nothing: there was nothing left to place"


async def test_a_request_cancelled_meanwhile_is_said_so(
    store: Store, library: Library, clock: ManualClock, who: Who, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = cohort_bot(store, library, clock)
    await programme(bot, who)
    meanwhile(store, monkeypatch, offered=[], paused=[], cancelled=["chiku"], clock=clock)
    text = (await bot.admin_round(who("admin", is_admin=True))).reply.plain_text
    assert "2 offers sent" in text and "1 planned request was cancelled or closed meanwhile." in text
    assert "no longer possible" not in text and "meanwhile, by another round" not in text


async def test_in_swahili(
    store: Store, library: Library, clock: ManualClock, who: Who, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = cohort_bot(store, library, clock)
    await bot.set_language(who("admin", is_admin=True), language="sw")
    await programme(bot, who)
    meanwhile(store, monkeypatch, offered=["amina"], paused=["cole"], clock=clock)
    text = (await bot.admin_round(who("admin", is_admin=True))).reply.plain_text
    assert "Ombi 1 lililopangwa limepewa ofa wakati huohuo" in text
    assert "Ofa 1 iliyopangwa haikuwezekana tena" in text
    assert "offered" not in text and "meanwhile" not in text


@pytest.fixture
async def second_store(store: Store, clock: ManualClock) -> AsyncIterator[Store]:
    """Another process's store over the same database."""
    other = store_on_same_database(store)
    await other.open(clock.now())
    yield other
    await other.close()


async def test_two_admins_rounds_at_the_same_moment(
    store: Store, second_store: Store, library: Library, clock: ManualClock, who: Who, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Admin 2's round has planned when admin 1's round, in another process, places every request and commits:
    admin 2 is told they were offered meanwhile, not to run it again (PostgreSQL: on SQLite a round's unit holds
    the write lock from its start, so the other round waits for it and plans afresh)."""
    if store.db.dialect != "postgresql":
        pytest.skip("SQLite runs one round's unit at a time: the second plans after the first committed")
    first = cohort_bot(store, library, clock, "A")
    second = cohort_bot(second_store, library, clock, "B")
    await programme(first, who)
    real = second_store.create_offers
    by_first: list[Outcome] = []

    async def after_the_first_round(*args: Any, **kwargs: Any) -> list[Offer]:
        task = asyncio.get_running_loop().create_task(
            first.admin_round(who("admin", is_admin=True)), context=contextvars.Context()
        )
        by_first.append(await asyncio.wait_for(task, 20))
        return await real(*args, **kwargs)

    monkeypatch.setattr(second_store, "create_offers", after_the_first_round)
    text = (await second.admin_round(who("admin2", is_admin=True))).reply.plain_text
    [done] = by_first
    assert "3 offers sent" in done.reply.plain_text
    assert "0 offers sent" in text
    assert "3 planned requests were offered meanwhile, by another round or the live matching" in text
    assert "again" not in text
    assert len(await store.list_offers()) == 3
