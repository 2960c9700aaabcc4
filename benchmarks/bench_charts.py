"""The admins' charts on the main community: `/mentor-admin stats chart:<name>` without the numbers reply, that is
the chart's data read from the database (`Store.insight`) and drawn to a PNG (`mentorbot.charts`).

Floor, same run, interleaved: `Store.stats`, the query the numbers reply already pays for, so the ratio is what a
chart adds. The first chart of the process also imports matplotlib (lazily, not at start-up): reported apart.
"""

from __future__ import annotations

import time

from benchmarks.engines import BenchStore
from benchmarks.generate import NOW
from benchmarks.report import Row, median
from mentorbot import charts
from mentorbot.i18n import translator
from mentorbot.library import Library
from mentorbot.settings import Settings
from mentorbot.usecases.insight import week_bounds

REPEATS = 5


async def _chart(bench: BenchStore, community: str, name: str, library: Library) -> bytes:
    *starts, end = week_bounds(NOW, "UTC")
    insight = await bench.store.insight(community, starts, end)
    t = translator("en")
    return charts.render_png(charts.chart_data(name, insight, t, library.taxonomy))


async def bench_charts(bench: BenchStore, community: str, label: str) -> list[Row]:
    """A row per chart (median of `REPEATS`), and the first chart's cost with matplotlib's import."""
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    library = Library(settings.skills_file, settings.courses_file)
    start = time.perf_counter()
    first = await _chart(bench, community, "supply", library)
    cold = time.perf_counter() - start
    rows = [
        Row(
            "Charts",
            f"First chart of a process, with matplotlib's import ({label})",
            cold,
            "s",
            note=f"supply chart, {len(first) // 1000} kB PNG",
        )
    ]
    for name in charts.CHARTS:
        figure: list[float] = []
        floor: list[float] = []
        size = 0
        for _ in range(REPEATS):
            start = time.perf_counter()
            await bench.store.stats(community)
            floor.append(time.perf_counter() - start)
            start = time.perf_counter()
            size = len(await _chart(bench, community, name, library))
            figure.append(time.perf_counter() - start)
        rows.append(
            Row(
                "Charts",
                f"Chart {name}, data and PNG ({label})",
                median(figure),
                "s",
                median(floor),
                "stats query",
                "≤ 1 s",
                median(figure) <= 1.0,
                note=f"{REPEATS} draws, {size // 1000} kB PNG",
            )
        )
    return rows
