"""The garbage collector's pause around a round (`collection.collection_paused`): nested and overlapping blocks
restore it once, a collector the program disabled stays disabled, and a round runs with it paused."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator
from typing import Any

import pytest
from benchmarks.generate import NOW, CommunitySpec, generate, load

from mentorbot import rounds
from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from mentorbot.collection import collection_paused
from mentorbot.library import Library
from mentorbot.settings import Settings
from mentorbot.storage.store import Store
from mentorbot.usecases import admin


@pytest.fixture(autouse=True)
def _collector_enabled() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


def test_the_collector_runs_again_only_when_the_last_block_ends() -> None:
    with collection_paused():
        assert not gc.isenabled()
        with collection_paused():
            assert not gc.isenabled()
        assert not gc.isenabled(), "the outer block is still open"
    assert gc.isenabled()


def test_a_block_left_by_an_exception_restores_the_collector() -> None:
    with pytest.raises(RuntimeError), collection_paused():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_a_collector_the_program_disabled_stays_disabled() -> None:
    gc.disable()
    with collection_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


async def test_overlapping_blocks_in_two_tasks_restore_the_collector_once_both_end() -> None:
    first_in, second_done = asyncio.Event(), asyncio.Event()
    seen: list[bool] = []

    async def first() -> None:
        with collection_paused():
            first_in.set()
            await second_done.wait()
            seen.append(gc.isenabled())  # the second block ended: still paused for this one
        seen.append(gc.isenabled())

    async def second() -> None:
        await first_in.wait()
        with collection_paused():
            pass
        second_done.set()

    await asyncio.gather(first(), second())
    assert seen == [False, True]


async def test_a_round_plans_with_the_collector_paused(monkeypatch: pytest.MonkeyPatch, store: Store) -> None:
    spec = CommunitySpec("round:gc", 40, 10, 20, round_ready=True, seed=5)
    await load(store, generate(spec))
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    bot = MentorBot(store, Library(settings.skills_file, settings.courses_file), settings, ManualClock(NOW))
    during: list[bool] = []

    def watched(*args: Any, **kwargs: Any) -> rounds.RoundPlan:
        during.append(gc.isenabled())
        return rounds.plan_pool(*args, **kwargs)

    monkeypatch.setattr(admin, "plan_pool", watched)
    result = await admin.run_round(bot.core, spec.name)
    assert result.offers, "the round offered something"
    assert during and not any(during)
    assert gc.isenabled()
