"""Course recommendations for 1–3 skills: the whole `/courses` command, from typed text to a reply.

Figure: `recommendations.courses_command` (parse the typed skills, rank, render the localized reply).
Floor, same run, interleaved: the least any recommendation must do: keep the catalog entries that teach
one of the skills and sort them by how many they teach.
"""

from __future__ import annotations

import random
import time

from benchmarks.report import Row, median, percentile
from mentorbot.courses import Catalog
from mentorbot.library import Library
from mentorbot.recommendations import courses_command
from mentorbot.settings import Settings


def _floor(catalog: Catalog, slugs: list[str]) -> float:
    start = time.perf_counter()
    wanted = set(slugs)
    hits = [(len(wanted.intersection(c.skills)), c.id) for c in catalog if wanted.intersection(c.skills)]
    hits.sort(reverse=True)
    _ = hits[:5]
    return time.perf_counter() - start


def bench_courses(samples: int, seed: int = 8) -> list[Row]:
    """The course rows (engine independent: the catalog lives in memory)."""
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    library = Library(settings.skills_file, settings.courses_file)
    taxonomy, catalog = library.taxonomy, library.catalog
    rng = random.Random(seed)
    skills = list(taxonomy.skills)
    figure: list[float] = []
    floor: list[float] = []
    for i in range(samples + 50):
        chosen = rng.sample(skills, rng.randint(1, 3))
        lang = "sw" if rng.random() < 0.2 else "en"
        typed = ", ".join(s.label(lang) if rng.random() < 0.5 else s.slug for s in chosen)
        f = _floor(catalog, [s.slug for s in chosen])
        start = time.perf_counter()
        courses_command(catalog, taxonomy, skills=typed, lang=lang)
        t = time.perf_counter() - start
        if i >= 50:  # the first 50 warm the caches
            figure.append(t)
            floor.append(f)
    ms = 1000.0
    return [
        Row(
            "Courses",
            "Courses median (1–3 skills, parse + rank + render)",
            median(figure) * ms,
            "ms",
            median(floor) * ms,
            "filter + sort",
            note=f"{samples} recommendations over {len(catalog)} courses",
        ),
        Row(
            "Courses", "Courses p99", percentile(figure, 99) * ms, "ms", percentile(floor, 99) * ms, "filter + sort p99"
        ),
    ]
