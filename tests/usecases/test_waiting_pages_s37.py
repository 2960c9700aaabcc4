"""The waitlist read a page at a time (`matchmaking.waiting_pages`) yields what one read of it yields, oldest first,
each once, across page boundaries and asking-time ties (requests asked in the same instant are ordered by id); and a
round's queue (`expiry._oldest_first`) merges the ended offers' requests into it oldest first, each once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.models import MentorshipRequest, RequestStatus
from mentorbot.usecases import matchmaking
from mentorbot.usecases.expiry import _oldest_first
from tests.usecases.conftest import COMMUNITY

T0 = datetime(2026, 12, 6, tzinfo=UTC)


async def collect(found: AsyncIterator[MentorshipRequest]) -> list[int]:
    return [request.id async for request in found]


@pytest.mark.parametrize("page", [1, 3, 7, 100])
async def test_the_waitlist_read_in_pages_is_the_waitlist(
    bot: MentorBot, who: Callable[..., Caller], clock: ManualClock, monkeypatch: pytest.MonkeyPatch, page: int
) -> None:
    for n in range(10):
        await bot.request(who(f"w{n}"), skills="seo" if n % 3 else "copywriting")
        if n % 4 == 0:
            clock.advance(timedelta(seconds=1))  # ties in between: several asked in the same instant
    core = bot.core
    whole = [r.id for r in await bot.store.waiting_asking(COMMUNITY, ["seo"])]
    monkeypatch.setattr(matchmaking, "WAITLIST_PAGE", page)
    assert await collect(matchmaking.waiting_pages(core, COMMUNITY, lambda: {"seo"})) == whole
    assert len(whole) == 6


async def test_the_pages_stop_once_no_skill_is_asked_for(
    bot: MentorBot, who: Callable[..., Caller], monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(7):
        await bot.request(who(f"w{n}"), skills="seo")
    monkeypatch.setattr(matchmaking, "WAITLIST_PAGE", 2)
    skills = {"seo"}
    seen: list[int] = []
    async for found in matchmaking.waiting_pages(bot.core, COMMUNITY, lambda: set(skills)):
        seen.append(found.id)
        if len(seen) == 3:
            skills.clear()  # the freed places are filled
    assert seen == [1, 2, 3]


def request(n: int, at: int) -> MentorshipRequest:
    at_time = T0 + timedelta(seconds=at)
    return MentorshipRequest(n, n, COMMUNITY, ("seo",), "", RequestStatus.WAITING, None, at_time, at_time, None)


async def items(found: list[MentorshipRequest]) -> AsyncIterator[MentorshipRequest]:
    for r in found:
        yield r


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(st.integers(1, 40), st.integers(0, 5), max_size=25),
    st.sets(st.integers(1, 40), max_size=12),
)
def test_a_rounds_queue_is_oldest_first_and_each_once(asked: dict[int, int], ended_ids: set[int]) -> None:
    """Ended requests may wait again (on the waitlist too) or not (they are tried whatever)."""

    every = {n: request(n, at) for n, at in asked.items()}
    ended = sorted((every[n] for n in ended_ids if n in every), key=lambda r: (r.created_at, r.id))
    waiting = sorted(every.values(), key=lambda r: (r.created_at, r.id))
    waiting = [r for r in waiting if r.id not in ended_ids or r.id % 2]  # some ended ones wait again

    async def run() -> list[MentorshipRequest]:
        return [r async for r in _oldest_first(list(ended), items(waiting))]

    out = asyncio.run(run())
    assert [r.id for r in out] == [r.id for r in sorted({*ended, *waiting}, key=lambda r: (r.created_at, r.id))]
