"""``mentorbot catalog ...``: admin tools for the course catalog (attached to the main CLI as a group)."""

from __future__ import annotations

from pathlib import Path

import click

from mentorbot.courses import default_courses_path, load_catalog
from mentorbot.errors import ConfigFileError
from mentorbot.skills import Taxonomy, default_skills_path

_FILE = click.Path(dir_okay=False, path_type=Path)


@click.group(name="catalog")
def catalog() -> None:
    """Check the course catalog (config/courses.toml or your own file)."""


@catalog.command(name="check")
@click.argument("file", required=False, type=_FILE)
@click.option(
    "--skills",
    "skills_file",
    type=_FILE,
    default=None,
    help="Skills taxonomy to check the skill slugs against (default: the packaged copy of config/skills.toml).",
)
@click.option("--strict", is_flag=True, help="Also fail when a skill of the taxonomy has no course.")
def check(file: Path | None, skills_file: Path | None, strict: bool) -> None:
    """Validate a courses FILE (default: the packaged copy of config/courses.toml) and summarise it per skill.

    Exits with status 1 and prints the problem (file, entry, field) on one line when the file is invalid.
    """
    path = file or default_courses_path()
    try:
        taxonomy = Taxonomy.load(skills_file or default_skills_path())
        catalog = load_catalog(path, taxonomy)
    except ConfigFileError as exc:
        click.echo(f"error: {' '.join(str(exc).split())}", err=True)
        raise SystemExit(1) from None

    rows = catalog.coverage(taxonomy)
    width = max([len("skill"), *(len(row.slug) for row in rows)])
    free = sum(1 for course in catalog if course.free)
    covered = sum(1 for row in rows if row.total)
    click.echo(
        f"{path}: {len(catalog)} courses ({free} free, {len(catalog) - free} paid);"
        f" {covered} of {len(rows)} skills covered"
    )
    click.echo(f"{'skill':<{width}}  {'courses':>7}  {'free':>4}  {'paid':>4}")
    for row in rows:
        click.echo(f"{row.slug:<{width}}  {row.total:>7}  {row.free:>4}  {row.paid:>4}")
    missing = [row.slug for row in rows if not row.total]
    if missing:
        click.echo(f"warning: no course teaches {', '.join(missing)}", err=True)
        if strict:
            raise SystemExit(1)
