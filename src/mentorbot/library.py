"""The skills taxonomy and course catalog in service, reloadable as one unit.

A reload reads both files afresh; if either is broken the error is raised (naming file, entry and
field) and the previous pair stays in service untouched.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mentorbot.courses import Catalog, load_catalog
from mentorbot.skills import Taxonomy


@dataclass(frozen=True)
class LibrarySnapshot:
    """One consistent pair: a taxonomy and a catalog validated against it."""

    taxonomy: Taxonomy
    catalog: Catalog


class Library:
    """Holds the current snapshot; `reload()` swaps it only when both files are valid."""

    def __init__(self, skills_file: Path, courses_file: Path) -> None:
        self.skills_file = skills_file
        self.courses_file = courses_file
        self.current = self._read()
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
        """Re-read both files; raises `ConfigFileError` and keeps the old snapshot when one is broken."""
        fresh = self._read()
        self.current = fresh
        return fresh
