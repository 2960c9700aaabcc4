"""How many times an admin reloaded the skills and courses files, so that every process reloads them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mentorbot.storage import rows
from mentorbot.storage.units import Transactions

_KEY = "library"


@dataclass(frozen=True)
class LibraryReloads:
    """The count of ``/mentor-admin reload``\\ s in any process, and when the last one was."""

    generation: int
    reloaded_at: datetime


class LibraryStateStore(Transactions):
    """The reloads of the skills and courses files (one row): each process compares the count with its own."""

    async def note_library_reload(self, now: datetime) -> int:
        """Count a reload of the files at `now` (the other processes follow, `usecases.library_follow`); the
        count, which the database increments (no two processes' clocks are compared)."""
        async with self.transaction() as conn:
            row = await conn.fetch_one(
                "INSERT INTO library_reloads (name, generation, reloaded_at) VALUES (?, 1, ?) "
                "ON CONFLICT (name) DO UPDATE SET generation = library_reloads.generation + 1, "
                "reloaded_at = excluded.reloaded_at RETURNING generation",
                _KEY,
                now,
            )
        assert row is not None
        return int(row["generation"])

    async def library_reloads(self) -> LibraryReloads | None:
        """How many times, and when last, an admin reloaded the files; None when never."""
        async with self.read() as conn:
            row = await conn.fetch_one("SELECT generation, reloaded_at FROM library_reloads WHERE name = ?", _KEY)
        return LibraryReloads(int(row["generation"]), rows.ts(row["reloaded_at"])) if row else None
