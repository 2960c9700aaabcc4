"""The simulation's hourly look follows a sweep (`run_due_jobs(sweep=True)`).

A hunt found `mentorbot simulate --seed 1` reporting a request that waited an hour while a mentor had room (docs say
it must be 0): a simulated event 51 seconds before the hour had run the timers and the sweep, the pair's cooldown
ended on the hour, and the hourly round skipped the sweep (it runs at most every ``MENTORBOT_SWEEP_MINUTES``), so the
hourly look counted an hour a deployment's timer loop would have swept within minutes. A round asked to sweep now
sweeps whenever the last one ran; an ordinary round keeps its pace."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from tests.usecases.conftest import offer_id, to

Who = Callable[..., Caller]


async def test_a_round_asked_to_sweep_sweeps_though_one_ran_a_minute_ago(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    await bot.signup(who("baraka"), skills="seo", levels="expert")
    [offer] = to(await bot.request(who("amina"), skills="seo"), "baraka")
    await bot.decline(who("baraka"), offer_id=offer_id(offer), reason="not now")  # three days' cooldown
    clock.advance(timedelta(days=3) - timedelta(seconds=30))
    assert to(await bot.run_due_jobs(), "baraka") == [], "still on cooldown: the sweep offers nothing"
    clock.advance(timedelta(seconds=31))
    assert to(await bot.run_due_jobs(), "baraka") == [], "an ordinary round a minute later does not sweep again"
    again = to(await bot.run_due_jobs(sweep=True), "baraka")
    assert [n for n in again if n.reply.buttons], "a round asked to sweep offers it at once"
