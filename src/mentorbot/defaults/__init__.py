"""The default skills taxonomy and course catalog, shipped inside the package.

``skills.toml`` and ``courses.toml`` here are byte-identical copies of ``config/skills.toml`` and
``config/courses.toml`` of the repository (a test keeps them so). The repository's ``config/`` stays the
place to copy from: point ``MENTORBOT_SKILLS_FILE`` / ``MENTORBOT_COURSES_FILE`` at your own copy to change
them. They are found with `importlib.resources`, so an installed wheel needs no source checkout.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
from importlib import resources
from pathlib import Path

SKILLS = "skills.toml"
COURSES = "courses.toml"

_extracted = contextlib.ExitStack()
atexit.register(_extracted.close)


@functools.cache
def packaged_file(name: str) -> Path:
    """The path of the packaged default `name` (``skills.toml`` or ``courses.toml``).

    An installed package is a folder, so this is the file itself; from a zip import it is a copy
    extracted once for the life of the process.
    """
    resource = resources.files(__name__).joinpath(name)
    if isinstance(resource, Path):
        return resource
    return _extracted.enter_context(resources.as_file(resource))


def skills_path() -> Path:
    """The packaged default skills taxonomy."""
    return packaged_file(SKILLS)


def courses_path() -> Path:
    """The packaged default course catalog."""
    return packaged_file(COURSES)


def is_packaged(path: Path) -> bool:
    """Whether `path` is one of the packaged defaults (so no ``MENTORBOT_*_FILE`` points elsewhere)."""
    resolved = path.resolve()
    return any(resolved == packaged_file(name).resolve() for name in (SKILLS, COURSES))
