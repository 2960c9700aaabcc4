"""``mentorbot bench``: the benchmark suite (issue 8), figures beside floors measured in the same run.

Attach with ``main.add_command(bench)``. The suite lives in ``benchmarks/`` at the root of a source
checkout (it is not part of the installed package): the command finds it next to ``src/``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

SIZES = ("1k", "10k", "100k")


def _benchmarks_importable() -> bool:
    """Make the checkout's `benchmarks` package importable; False when this is not a source checkout."""
    root = Path(__file__).resolve().parents[2]
    if not (root / "benchmarks" / "runner.py").is_file():
        return False
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    return True


@click.command()
@click.option("--size", type=click.Choice(SIZES), default="10k", show_default=True, help="Community size.")
@click.option(
    "--json", "json_file", type=click.Path(dir_okay=False, path_type=Path), help="Also write the rows as JSON."
)
@click.option("--sqlite-only", is_flag=True, help="Skip PostgreSQL even when it is reachable.")
@click.option(
    "--only",
    multiple=True,
    type=click.Choice(["Match", "Accept", "Round", "Courses", "Slack", "Discord", "Start-up", "Memory", "Scaling"]),
    help="Run only these sections (repeatable).",
)
def bench(size: str, json_file: Path | None, sqlite_only: bool, only: tuple[str, ...]) -> None:
    """Measure match, accept, round, courses, Slack/Discord end to end, start-up, memory and scaling.

    Each figure is printed beside its floor (the plain query, the bare framework, the bare interpreter)
    measured in the same run, with the ratio, the target and whether it is met. PostgreSQL is used when
    MENTORBOT_BENCH_POSTGRES_URL (or MENTORBOT_TEST_POSTGRES_URL, default the local `test` database) answers.
    """
    if not _benchmarks_importable():
        click.echo("error: `mentorbot bench` runs from a source checkout (benchmarks/ not found)", err=True)
        sys.exit(2)
    from benchmarks.report import render_table
    from benchmarks.runner import ENGINES, SECTIONS, run

    engines = ("sqlite",) if sqlite_only else ENGINES
    rows = run(
        size,
        engines=engines,
        json_path=json_file,
        echo=lambda text: click.echo(text, err=True),
        sections=only or SECTIONS,
    )
    click.echo(render_table(rows))
