"""The skills taxonomy and course catalog in service, reloadable as one unit.

A reload reads both files afresh; if either is broken the error is raised (naming file, entry and
field) and the previous pair stays in service untouched.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mentorbot.courses import Catalog, load_catalog
from mentorbot.errors import ConfigFileError
from mentorbot.skills import Taxonomy, unnamed_categories


@dataclass(frozen=True)
class LibrarySnapshot:
    """One consistent pair: a taxonomy and a catalog validated against it."""

    taxonomy: Taxonomy
    catalog: Catalog


def check_files(
    skills_file: Path, courses_file: Path
) -> tuple[LibrarySnapshot | None, list[ConfigFileError], list[ConfigFileError]]:
    """Both files read as `Library` reads them, with every problem of every file rather than the first (for ``mentorbot
    config check``): the pair when both are valid, the errors, and the warnings (`skills.unnamed_categories`). The
    courses file is read even when the skills file is broken, its skills then left unchecked (there is no taxonomy
    to check them against)."""
    problems: list[ConfigFileError] = []
    warnings: list[ConfigFileError] = []
    taxonomy: Taxonomy | None = None
    catalog: Catalog | None = None
    try:
        taxonomy = Taxonomy.load(skills_file)
        warnings = unnamed_categories(skills_file, taxonomy)
    except ConfigFileError as exc:
        problems += exc.problems
    try:
        catalog = load_catalog(courses_file, taxonomy)
    except ConfigFileError as exc:
        problems += exc.problems
    if taxonomy is None or catalog is None:
        return None, problems, warnings
    return LibrarySnapshot(taxonomy, catalog), problems, warnings


class Library:
    """Holds the current snapshot; `reload()` swaps it only when both files are valid."""

    def __init__(self, skills_file: Path, courses_file: Path) -> None:
        self.skills_file = skills_file
        self.courses_file = courses_file
        self.current = self._read()
        self.replaced: LibrarySnapshot | None = None
        """The snapshot the latest reload that changed the skills replaced (None before one did): what a reload
        compares the file with to find skills put back, even when a first try read the files and then failed (this
        process then already holds the new ones)."""
        self.followed: int | None = None
        """How many of the admins' reloads (counted in the database) these files include, once this process has
        looked (`usecases.library_follow`) or reloaded them itself; None before."""

    def _read(self) -> LibrarySnapshot:
        taxonomy = Taxonomy.load(self.skills_file)
        return LibrarySnapshot(taxonomy, load_catalog(self.courses_file, taxonomy))

    @property
    def taxonomy(self) -> Taxonomy:
        """The skills taxonomy in service."""
        return self.current.taxonomy

    @property
    def catalog(self) -> Catalog:
        """The course catalog in service."""
        return self.current.catalog

    def reload(self) -> LibrarySnapshot:
        """Re-read both files; raises `ConfigFileError` and keeps the old snapshot when one is broken. A reload
        whose skills differ from the ones in service keeps those as `replaced`."""
        fresh = self._read()
        if _slugs(fresh.taxonomy) != _slugs(self.current.taxonomy):
            self.replaced = self.current
        self.current = fresh
        return fresh


def _slugs(taxonomy: Taxonomy) -> frozenset[str]:
    return frozenset(skill.slug for skill in taxonomy)
