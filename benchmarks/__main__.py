"""``python -m benchmarks``: the benchmark suite (issue 8), figures beside floors measured in the same run.

Run it from the root of a source checkout (the suite uses the test fakes in ``tests/`` and is not part of
the installed package): ``.venv/bin/python -m benchmarks --size 1k``.
"""

from __future__ import annotations

from pathlib import Path

import click

from benchmarks.profiles import PROFILES
from benchmarks.report import render_table
from benchmarks.runner import ENGINES, SECTIONS, run


@click.command()
@click.option("--size", type=click.Choice(tuple(PROFILES)), default="10k", show_default=True, help="Community size.")
@click.option(
    "--json", "json_file", type=click.Path(dir_okay=False, path_type=Path), help="Also write the rows as JSON."
)
@click.option("--sqlite-only", is_flag=True, help="Skip PostgreSQL even when it is reachable.")
@click.option(
    "--only",
    multiple=True,
    type=click.Choice(SECTIONS),
    help="Run only these sections (repeatable).",
)
def bench(size: str, json_file: Path | None, sqlite_only: bool, only: tuple[str, ...]) -> None:
    """Measure match, accept, round, courses, Slack/Discord end to end, start-up, memory and scaling.

    Each figure is printed beside its floor (the plain query, the bare framework, the bare interpreter)
    measured in the same run, with the ratio, the target and whether it is met. PostgreSQL is used when
    MENTORBOT_BENCH_POSTGRES_URL (or MENTORBOT_TEST_POSTGRES_URL, default the local `test` database) answers.
    """
    engines = ("sqlite",) if sqlite_only else ENGINES
    rows = run(
        size,
        engines=engines,
        json_path=json_file,
        echo=lambda text: click.echo(text, err=True),
        sections=only or SECTIONS,
    )
    click.echo(render_table(rows))


if __name__ == "__main__":
    bench()
