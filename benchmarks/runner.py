"""Run the whole suite for one size, on SQLite and (when reachable) PostgreSQL, and build the table."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from benchmarks.bench_accept import bench_accept
from benchmarks.bench_charts import bench_charts
from benchmarks.bench_courses import bench_courses
from benchmarks.bench_discord import bench_discord
from benchmarks.bench_match import bench_match, scaling_median, synthetic_queries
from benchmarks.bench_round import bench_round
from benchmarks.bench_simulation import bench_simulation
from benchmarks.bench_slack import bench_slack, bench_slack_ready
from benchmarks.bench_startup import bench_console, bench_rss
from benchmarks.engines import Workspace, bench_store, postgres_unavailable
from benchmarks.generate import CommunitySpec, generate, load
from benchmarks.profiles import MAIN, PROFILES, ROUND, Profile
from benchmarks.report import Row, skipped, write_json

ENGINES = ("sqlite", "postgresql")
LABEL = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
SECTIONS = (
    "Match",
    "Accept",
    "Round",
    "Charts",
    "Simulation",
    "Courses",
    "Slack",
    "Discord",
    "Start-up",
    "Memory",
    "Scaling",
)

Echo = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


async def _scaling(engine: str, profile: Profile, workspace: Workspace, echo: Echo) -> list[Row]:
    by_members, by_mentors = profile.scale_specs()
    medians: dict[CommunitySpec, tuple[float, float]] = {}
    for spec in dict.fromkeys([*by_members, *by_mentors]):
        async with bench_store(engine, workspace, "scale") as bench:
            echo(f"  scaling point: {spec.members:,} members, {spec.mentors:,} mentors")
            await load(bench.store, generate(spec))
            queries = synthetic_queries(MAIN, spec.members, profile.scale_samples)
            medians[spec] = await scaling_median(bench, queries)
    label = LABEL[engine]
    rows = []
    first, last = by_members[0], by_members[-1]
    growth = medians[last][0] / medians[first][0]
    rows.append(
        Row(
            "Scaling",
            f"Match median, members {first.members:,}→{last.members:,}, {first.mentors:,} mentors ({label})",
            medians[last][0],
            "ms",
            medians[first][0],
            f"at {first.members:,} members",
            "flat: ≤ 1.5×",
            growth <= 1.5,
            note="medians " + ", ".join(f"{s.members:,}: {medians[s][0]:.3f} ms" for s in by_members),
        )
    )
    first, last = by_mentors[0], by_mentors[-1]
    growth = medians[last][0] / medians[first][0]
    limit = last.mentors / first.mentors
    rows.append(
        Row(
            "Scaling",
            f"Match median, mentors {first.mentors:,}→{last.mentors:,}, {first.members:,} members ({label})",
            medians[last][0],
            "ms",
            medians[first][0],
            f"at {first.mentors:,} mentors",
            f"≤ {limit:g}× (linear)",
            growth <= limit,
            note="medians "
            + ", ".join(f"{s.mentors:,}: {medians[s][0]:.3f} ms (floor {medians[s][1]:.3f})" for s in by_mentors),
        )
    )
    return rows


async def run_async(
    size: str,
    *,
    engines: Sequence[str] = ENGINES,
    json_path: Path | None = None,
    echo: Echo = _quiet,
    sections: Sequence[str] = SECTIONS,
) -> list[Row]:
    """Every row for `size` (see `PROFILES`), grouped by section in table order."""
    profile = PROFILES[size]
    judge = size == "100k"
    started = time.perf_counter()
    rows: list[Row] = []
    workspace = Workspace()
    main_sqlite: Path | None = None
    try:
        for engine in engines:
            label = LABEL[engine]
            if engine == "postgresql":
                reason = await postgres_unavailable()
                if reason:
                    engine_sections = ("Match", "Accept", "Round", "Charts", "Simulation", "Scaling")
                    rows.extend(skipped(s, f"{s} ({label})", reason) for s in engine_sections)
                    continue
            if {"Match", "Accept", "Charts", "Memory"} & set(sections):
                async with bench_store(engine, workspace, "main") as bench:
                    spec = profile.main_spec()
                    echo(
                        f"{label}: loading {spec.members:,} members, {spec.mentors:,} mentors, {spec.waiting:,} waiting"
                    )
                    await load(bench.store, generate(spec))
                    if engine == "sqlite":
                        main_sqlite = bench.path
                    if "Match" in sections:
                        echo(f"{label}: match ({profile.match_samples} requests)")
                        rows.extend(await bench_match(bench, MAIN, profile.match_samples, judge=judge, label=label))
                    if "Accept" in sections:
                        echo(f"{label}: accept ({profile.accept_samples} offers)")
                        rows.extend(await bench_accept(bench, MAIN, profile.accept_samples, label))
                    if "Charts" in sections:
                        echo(f"{label}: charts")
                        rows.extend(await bench_charts(bench, MAIN, label))
            if "Round" in sections:
                async with bench_store(engine, workspace, "round") as bench:
                    spec = profile.round_spec()
                    echo(f"{label}: round ({spec.waiting:,} requests, {spec.mentors:,} mentors)")
                    await load(bench.store, generate(spec))
                    rows.extend(await bench_round(bench, ROUND, profile.round_repeats, label))
            if "Simulation" in sections:
                days, members, mentors = profile.simulation
                echo(f"{label}: simulation ({days} days, {members} members, {mentors} mentors)")
                rows.extend(await bench_simulation(engine, workspace, days, members, mentors, label))
            if "Scaling" in sections:
                echo(f"{label}: scaling")
                rows.extend(await _scaling(engine, profile, workspace, echo))
        if "Courses" in sections:
            echo("courses")
            rows.extend(bench_courses(profile.course_samples))
        if "Slack" in sections:
            for engine in engines:
                if engine == "postgresql" and await postgres_unavailable():
                    rows.append(skipped("Slack", "Slack end to end (PostgreSQL)", "PostgreSQL unreachable"))
                    continue
                echo(f"slack end to end ({LABEL[engine]})")
                rows.extend(await bench_slack(profile.slack_requests, engine, workspace))
        if "Discord" in sections:
            echo("discord end to end")
            rows.extend(await bench_discord(profile.discord_samples))
        if "Start-up" in sections:
            echo("start-up")
            rows.extend(bench_console())
            rows.extend(await bench_slack_ready())
        if "Memory" in sections:
            echo("memory")
            if main_sqlite is not None:
                rows.extend(bench_rss(main_sqlite, MAIN))
            else:
                rows.append(skipped("Memory", "RSS after serving", "the SQLite community was not generated"))
    finally:
        workspace.close()
    order = {s: i for i, s in enumerate(SECTIONS)}
    rows.sort(key=lambda r: order.get(r.section, len(order)))
    elapsed = time.perf_counter() - started
    if json_path is not None:
        extra: dict[str, Any] = {"seconds": round(elapsed, 1), "engines": list(engines)}
        write_json(json_path, size, rows, extra)
    echo(f"done in {elapsed:.0f} s")
    return rows


def run(size: str, **kwargs: Any) -> list[Row]:
    """`run_async` in a fresh event loop."""
    return asyncio.run(run_async(size, **kwargs))
