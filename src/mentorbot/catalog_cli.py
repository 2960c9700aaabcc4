"""``mentorbot catalog ...``: admin tools for the course catalog (attached to the main CLI as a group)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

import click

from mentorbot.cli_support import settings_or_exit
from mentorbot.courses import ID_MAX, Catalog, load_catalog, url_problems
from mentorbot.errors import ConfigFileError
from mentorbot.skills import Taxonomy

_FILE = click.Path(dir_okay=False, path_type=Path)


@click.group(name="catalog")
def catalog() -> None:
    """Check the course catalog (the file MENTORBOT_COURSES_FILE names, or one given)."""


@catalog.command(name="check")
@click.argument("file", required=False, type=_FILE)
@click.option(
    "--skills",
    "skills_file",
    type=_FILE,
    default=None,
    help=(
        "Skills taxonomy to check the skill slugs against (default: the file MENTORBOT_SKILLS_FILE names; unset, the "
        "packaged copy of config/skills.toml)."
    ),
)
@click.option(
    "--strict",
    is_flag=True,
    help="Fail (status 1) when a content target is missed or an address is flagged (CI runs this).",
)
def check(file: Path | None, skills_file: Path | None, strict: bool) -> None:
    """Validate a courses FILE and summarise it per skill, against the content targets (TARGETS), flagging
    search-result, homepage and shared addresses.

    By default it checks the files the bot loads: FILE is the one MENTORBOT_COURSES_FILE names, --skills the one
    MENTORBOT_SKILLS_FILE names (set in the environment or .env; unset, the packaged copies of config/courses.toml
    and config/skills.toml). A file given here comes first.

    Exits with status 1 and prints each problem (file, entry, field) on a line of its own when a file is invalid;
    with status 2 when a setting is wrong, as every command does.
    """
    given_by: dict[Path, str] = {}  # a file a setting named, and that setting, to lead the file's problem with
    if file is None or skills_file is None:  # both given: no setting is needed, so none is read (nor refused)
        settings = settings_or_exit()
        if skills_file is None:
            skills_file = settings.skills_file
            given_by[Path(skills_file)] = "MENTORBOT_SKILLS_FILE"
        if file is None:
            file = settings.courses_file
            given_by.setdefault(Path(file), "MENTORBOT_COURSES_FILE")  # one file for both: the skills' problem
    path = file
    try:
        taxonomy = Taxonomy.load(skills_file)
        catalog = load_catalog(path, taxonomy)
    except ConfigFileError as exc:
        for each in exc.problems:  # every problem of the file, a line each (`config check` reads other files)
            setting = given_by.get(Path(each.path))
            reason = " ".join(each.line.split())
            click.echo(f"error: {setting}: {reason}" if setting else f"error: {reason}", err=True)
        raise SystemExit(1) from None

    rows = catalog.coverage(taxonomy)
    width = max([len("skill"), *(len(row.slug) for row in rows)])
    free = sum(1 for course in catalog if course.free)
    covered = sum(1 for row in rows if row.total)
    click.echo(
        f"{path}: {len(catalog)} courses ({free} free, {len(catalog) - free} paid);"
        f" {covered} of {len(rows)} skills covered"
    )
    click.echo(f"{'skill':<{width}}  {'courses':>7}  {'free':>4}  {'paid':>4}  target")
    for row in rows:
        met = row.total >= TARGETS.per_skill and row.free >= TARGETS.free_per_skill
        click.echo(f"{row.slug:<{width}}  {row.total:>7}  {row.free:>4}  {row.paid:>4}  {'ok' if met else 'MISSED'}")
    missed = missed_targets(catalog, taxonomy)
    regional = sum(1 for course in catalog if course.region == "east-africa")
    swahili = sum(1 for course in catalog if course.language == "sw")
    click.echo(
        f"targets: {len(taxonomy)} skills (>= {TARGETS.skills}), {len(catalog)} resources (>= {TARGETS.resources}),"
        f" {regional} from or for East Africa (>= {TARGETS.east_africa}), {swahili} in Swahili;"
        f" every skill >= {TARGETS.per_skill} resources, >= {TARGETS.free_per_skill} free"
    )
    for problem in url_problems(catalog):
        click.echo(
            f"warning: {problem.course_id}: {_FLAGS[problem.kind]}: {problem.url}"
            + (f" (also {', '.join(problem.others)})" if problem.others else ""),
            err=True,
        )
    for line in missed:
        click.echo(f"warning: target missed: {line}", err=True)
    missing = [row.slug for row in rows if not row.total]
    if missing:
        click.echo(f"warning: no course teaches {', '.join(missing)}", err=True)
    long_ids = [course.id for course in catalog if len(course.id) > ID_MAX]
    for course_id in long_ids:
        click.echo(
            f"warning: {course_id}: an id over {ID_MAX} characters: its vote buttons are left out on Discord", err=True
        )
    # A skill's slug is the value of its choice in Discord's autocomplete (100 characters at most) and in Slack's
    # skill menus (150): a longer one makes those menus fail.
    long_slugs = [skill.slug for skill in taxonomy if len(skill.slug) > ID_MAX]
    for slug in long_slugs:
        click.echo(
            f"warning: skill {slug}: a slug over {ID_MAX} characters: Discord's and Slack's skill menus refuse long "
            "values; shorten it (and the data that names it: see the note at the top of skills.toml)",
            err=True,
        )
    if strict and (missed or missing or url_problems(catalog) or long_ids or long_slugs):
        raise SystemExit(1)


_FLAGS: Final = {
    "search": "a search-results address, not the resource's page",
    "homepage": "a homepage, not the programme's own page",
    "shared": "the same address as another entry",
}


@dataclass(frozen=True)
class Targets:
    """What the shipped catalog must hold (issue 15); `catalog check --strict` fails below any of them."""

    skills: int = 28
    resources: int = 100
    east_africa: int = 10
    per_skill: int = 3
    free_per_skill: int = 1


TARGETS: Final = Targets()


def missed_targets(catalog: Catalog, taxonomy: Taxonomy, targets: Targets = TARGETS) -> list[str]:
    """Each content target the catalog and taxonomy miss, in words (empty when all hold)."""
    missed: list[str] = []
    if len(taxonomy) < targets.skills:
        missed.append(f"{len(taxonomy)} skills, fewer than {targets.skills}")
    if len(catalog) < targets.resources:
        missed.append(f"{len(catalog)} resources, fewer than {targets.resources}")
    regional = sum(1 for course in catalog if course.region == "east-africa")
    if regional < targets.east_africa:
        missed.append(f"{regional} resources from or for East Africa, fewer than {targets.east_africa}")
    for row in catalog.coverage(taxonomy):
        if row.total < targets.per_skill:
            missed.append(f"{row.slug} has {row.total} resources, fewer than {targets.per_skill}")
        if row.free < targets.free_per_skill:
            missed.append(f"{row.slug} has {row.free} free resources, fewer than {targets.free_per_skill}")
    return missed
