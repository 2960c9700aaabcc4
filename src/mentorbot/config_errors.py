"""Turning pydantic's validation errors on config files (skills, courses) into a field and a readable reason, and
a broken file's error into a line that names the setting pointing at it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from pydantic import ValidationError
from pydantic_core import ErrorDetails

if TYPE_CHECKING:
    from mentorbot.errors import ConfigFileError
    from mentorbot.settings import Settings

_FIELD_PREFIX_RE: Final = re.compile(r"[a-z_]+(?:\[\d+\])?")


def validation_problems(exc: ValidationError) -> list[tuple[str | None, str]]:
    """The field (in file terms, e.g. ``label.sw`` or ``skills[2]``) and the reason of each validation error of one
    entry, in pydantic's order; a reason met twice for the same field is told once."""
    problems: list[tuple[str | None, str]] = []
    for error in exc.errors():
        problem = _problem(error)
        if problem not in problems:
            problems.append(problem)
    return problems


def _problem(error: ErrorDetails) -> tuple[str | None, str]:
    field = ""
    for part in error["loc"]:
        field += f"[{part}]" if isinstance(part, int) else (f".{part}" if field else str(part))
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    match error["type"]:
        case "missing":
            reason = "is required"
        case "extra_forbidden":
            reason = "unknown field"
        case "enum":
            reason = f"must be one of {ctx.get('expected', '')} (got {error['input']!r})"
        case "value_error":
            reason = str(ctx.get("error", error["msg"]))
        case _:
            reason = error["msg"]
    # Validators that check one item of a list, or a field from the whole entry, say which one.
    prefix, sep, rest = reason.partition(": ")
    if sep and _FIELD_PREFIX_RE.fullmatch(prefix) and (not field or prefix.startswith(field)):
        field, reason = prefix, rest
    return field or None, " ".join(reason.split())


def file_setting(path: str | Path, settings: Settings) -> str | None:
    """The setting that names the skills or courses file `path` (``MENTORBOT_SKILLS_FILE``), or None."""
    if Path(path) == Path(settings.skills_file):  # read first: a file named by both is the skills file's problem
        return "MENTORBOT_SKILLS_FILE"
    if Path(path) == Path(settings.courses_file):
        return "MENTORBOT_COURSES_FILE"
    return None


def config_file_problem(exc: ConfigFileError, settings: Settings) -> str:
    """A broken skills or courses file's line, led by the setting that names it, as a wrong setting's line is
    (``MENTORBOT_SKILLS_FILE: /srv/skills.toml: cannot read the file (No such file or directory)``): the operator
    sees which variable to fix, as the console's "the skills file (MENTORBOT_SKILLS_FILE) is invalid" says."""
    setting = file_setting(exc.path, settings)
    return f"{setting}: {exc}" if setting else str(exc)
