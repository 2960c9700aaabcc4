"""The programme simulation (`mentorbot simulate`, issue 13): simulated days per second through the real core.

Figure: a seeded community (the profile's days, members and mentors) played through `MentorBot` on a fresh
store, timers run before every event and at every simulated hour. Floor, same run: the same days with nobody
in the community (the hourly timers and observation alone), so the ratio is the share of the time the
programme's own traffic leaves. The simulation's invariant (no mentor over capacity) and its liveness (no request
seen waiting while a mentor with room may be offered it, by the rules of `matching.eligibility`) are pass/fail
rows.
"""

from __future__ import annotations

import time

from benchmarks.engines import BenchStore, Workspace, bench_store
from benchmarks.report import Row
from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from mentorbot.library import Library
from mentorbot.settings import Settings
from mentorbot.simulation import START, SimulationResult, SimulationSpec, simulate


async def _timed(bench: BenchStore, spec: SimulationSpec) -> tuple[float, SimulationResult]:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    clock = ManualClock(START)
    bot = MentorBot(bench.store, Library(settings.skills_file, settings.courses_file), settings, clock)
    started = time.perf_counter()
    result = await simulate(bot, clock, spec)
    return time.perf_counter() - started, result


async def bench_simulation(
    engine: str, workspace: Workspace, days: int, members: int, mentors: int, label: str
) -> list[Row]:
    """The simulation rows for one engine."""
    spec = SimulationSpec(days=days, members=members, mentors=mentors, seed=1)
    async with bench_store(engine, workspace, "simulation-idle") as bench:  # first: it also warms the engine up
        idle, _ = await _timed(bench, SimulationSpec(days=days, members=0, mentors=0, seed=1))
    async with bench_store(engine, workspace, "simulation") as bench:
        seconds, result = await _timed(bench, spec)
    size = f"{days} days, {members} members, {mentors} mentors"
    return [
        Row(
            "Simulation",
            f"Simulation, simulated days per second ({label})",
            days / seconds,
            "days/s",
            days / idle,
            "an empty community",
            better="higher",
            note=(
                f"{size}, seed 1: {result.requests_made} requests, {result.matched} matched, "
                f"{result.offers} offers, {seconds:.1f} s"
            ),
        ),
        Row(
            "Simulation",
            f"Simulation, mentors over capacity ({label})",
            result.mentors_over_capacity,
            "",
            target="0",
            passed=result.mentors_over_capacity == 0,
        ),
        Row(
            "Simulation",
            f"Simulation, longest wait while an eligible mentor had room ({label})",
            result.longest_wait_with_room_hours,
            "h",
            target="0",
            passed=result.longest_wait_with_room_hours == 0,
            note="hours a request was seen waiting (hourly, after the timers) while a mentor with a free place in "
            "one of its skills could be offered it (matching.eligibility: cooldowns and exclusions apply)",
        ),
    ]
