"""An optimal matching round: every waiting request against every mentor with free places, read from the
database, solved, and its offers written back (`mentorbot.usecases.admin.run_round`).

Floor, same run, interleaved: the same round with first-come greedy in place of the optimal solver (same
reads, same scores, same writes), so the ratio is the price of optimality. Peak memory is traced in a
separate, untimed repetition. The total score is checked against a reference optimum computed once:
`solve_dense` (the old dense solver) when the matrix is small, else scipy's sparse solver on the whole graph
with no pruning.
"""

from __future__ import annotations

import cProfile
import time
import tracemalloc
from datetime import timedelta

import numpy as np

from benchmarks.engines import BenchStore
from benchmarks.generate import NOW
from benchmarks.report import Row, median, profiled
from mentorbot import rounds
from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from mentorbot.library import Library
from mentorbot.matching import INELIGIBLE32, score_candidate
from mentorbot.settings import Settings
from mentorbot.storage.store import NewOffer
from mentorbot.usecases.admin import run_round

# Rows × free places up to which the reference is the dense solver (once per request: the oldest-first reference).
DENSE_LIMIT = 200_000


async def reset(bench: BenchStore, community: str) -> None:
    """Undo a round: its offers and expiry jobs go, requests wait again, places are free again."""
    async with bench.store.db.transaction() as conn:
        await conn.execute(
            "DELETE FROM jobs WHERE kind = 'offer_expiry' AND ref_id IN (SELECT o.id FROM offers o "
            "JOIN requests r ON r.id = o.request_id WHERE r.community = ?)",
            community,
        )
        await conn.execute(
            "DELETE FROM offers WHERE request_id IN (SELECT id FROM requests WHERE community = ?)", community
        )
        await conn.execute("UPDATE requests SET status = 'waiting' WHERE community = ?", community)
        await conn.execute(
            "UPDATE mentor_profiles SET pending_offers = 0, last_offered_at = NULL "
            "WHERE member_id IN (SELECT id FROM members WHERE community = ?)",
            community,
        )


async def greedy_round(bot: MentorBot, community: str) -> int:
    """The floor: the same round with first-come greedy instead of the optimal solver."""
    now = bot.clock.now()
    pool = await bot.store.round_pool(community, repeat_since=now - timedelta(days=bot.settings.repeat_pair_days))
    # Private helpers on purpose: the floor must share every step with the figure except the solver.
    problem = rounds._problem(pool, [bot.lang_of(item.mentee) for item in pool.requests], now)
    match = problem.greedy()
    items = []
    for i in np.nonzero(match >= 0)[0]:
        item = pool.requests[int(i)]
        cand = pool.candidate(int(i), int(match[i]))
        ranked = score_candidate(
            cand,
            item.request.skills,
            mentee_language=bot.lang_of(item.mentee),
            mentee_timezone=item.mentee.timezone,
            at=now,
        )
        items.append(NewOffer(item.request.id, cand.member.id, ranked.score, ranked.explanation.to_json()))
    created = await bot.store.create_offers(items, now, now + timedelta(hours=bot.settings.offer_ttl_hours))
    return len(created)


async def reference_total(bot: MentorBot, community: str) -> tuple[float, int, str]:
    """(optimal total, matches, how it was computed), without the pruning of `rounds`."""
    now = bot.clock.now()
    pool = await bot.store.round_pool(community, repeat_since=now - timedelta(days=bot.settings.repeat_pair_days))
    problem = rounds._problem(pool, [bot.lang_of(item.mentee) for item in pool.requests], now)
    rows, cols = np.nonzero(problem.micro != INELIGIBLE32)
    if problem.n_rows * int(problem.capacity.sum()) <= DENSE_LIMIT:
        mentor_ids = [m.member.id for m in pool.mentors]
        scores: list[dict[int, float]] = [{} for _ in range(problem.n_rows)]
        for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
            scores[r][mentor_ids[c]] = int(problem.micro[r, c]) / rounds._MICRO
        capacity = {mentor_ids[j]: int(c) for j, c in enumerate(problem.capacity)}
        # Each mentor's k-th place scores its own spare-places term (`PoolScores.places`), as in the round.
        first = problem.first_place.tolist()
        places = {
            mentor_ids[j]: [int(t) / rounds._MICRO for t in problem.places[first[j] : first[j] + c]]
            for j, c in enumerate(problem.capacity.tolist())
        }
        _, pairs, total = rounds.solve_dense_oldest_first(scores, capacity, places)
        return total, len(pairs), "dense solver, oldest requests first"
    # The requests the round matches (the most that can be, the oldest first: checked against the slow reference
    # `solve_dense_oldest_first` by the property tests); their optimum is computed on every pair at once.
    rows_chosen = np.flatnonzero(problem.oldest_first() >= 0)
    sub = rounds._Problem(problem.micro[rows_chosen], problem.capacity, places=problem.places)
    match = sub.solve_whole()
    chosen = np.flatnonzero(match >= 0)
    total = float(sum(int(v) / rounds._MICRO for v in sub.micro[chosen, match[chosen]]))
    total += sub.place_total(match) / rounds._MICRO
    return total, len(chosen), "sparse solver on the whole graph, over the oldest requests the round can match"


_PHASES = {
    "read (round_pool)": ("candidates.py", "round_pool"),
    "pair history": ("candidates.py", "pair_history"),
    "scores (_problem)": ("rounds.py", "_problem"),
    "greedy": ("rounds.py", "greedy"),
    "oldest requests first": ("rounds.py", "oldest_first"),
    "optimal and its proof": ("rounds.py", "optimal"),
    "explanations (score_candidate)": ("score.py", "score_candidate"),
    "write (create_offers)": ("offers.py", "create_offers"),
}
"""The round's phases the profile reports: a name, and the file and function whose cumulative time it is."""


async def round_phases(bot: MentorBot, community: str) -> dict[str, float]:
    """One more round under cProfile: its whole wall time and the cumulative seconds of each of `_PHASES` (their
    shares are the profile of the figure; the profiler slows the Python-heavy parts most)."""
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    await run_round(bot.core, community)
    profiler.disable()
    out = {"whole": time.perf_counter() - start}
    entries = profiled(profiler)
    for name, (file, function) in _PHASES.items():
        out[name] = sum(
            cumulative for path, func, _own, cumulative in entries if func == function and path.endswith(file)
        )
    return out


async def bench_round(bench: BenchStore, community: str, repeats: int, label: str) -> list[Row]:
    """The round rows for one engine."""
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    bot = MentorBot(bench.store, Library(settings.skills_file, settings.courses_file), settings, ManualClock(NOW))
    figure: list[float] = []
    floor: list[float] = []
    result = None
    for _ in range(repeats):
        await reset(bench, community)
        start = time.perf_counter()
        await greedy_round(bot, community)
        floor.append(time.perf_counter() - start)
        await reset(bench, community)
        start = time.perf_counter()
        result = await run_round(bot.core, community)
        figure.append(time.perf_counter() - start)
    assert result is not None
    await reset(bench, community)
    tracemalloc.start()
    await run_round(bot.core, community)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    await reset(bench, community)
    phases = await round_phases(bot, community)
    await reset(bench, community)
    best, best_matched, how = await reference_total(bot, community)
    plan = result.plan
    same = len(plan.assignments) == best_matched and abs(plan.total_score - best) < 1e-6
    return [
        Row(
            "Round",
            f"Round median, {len(plan.assignments)} offers ({label})",
            median(figure),
            "s",
            median(floor),
            "greedy round",
            "≤ 1 s",
            median(figure) <= 1.0,
            note=f"{repeats} rounds; reads, solve and {len(result.offers)} offers written in one transaction",
        ),
        Row("Round", f"Round peak memory, traced ({label})", peak / 1e6, "MB"),
        Row(
            "Round",
            f"Round: its phases, profiled ({label})",
            phases["whole"],
            "s",
            note="one more round under cProfile (slower than the figure; the shares are what it shows): "
            + ", ".join(
                f"{name} {seconds / phases['whole']:.0%}" for name, seconds in phases.items() if name != "whole"
            ),
        ),
        Row(
            "Round",
            f"Round total = optimum ({label})",
            plan.total_score,
            "",
            best,
            how,
            "equal",
            same,
            note=f"matched {len(plan.assignments)} (optimum {best_matched})",
        ),
        Row(
            "Round",
            f"Round vs first-come greedy ({label})",
            plan.total_score,
            "",
            plan.greedy_score,
            "greedy total",
            better="higher",
            note=f"optimal matches {len(plan.assignments)}, greedy {plan.greedy_matched}",
        ),
    ]
