"""When the skills and courses files were last reloaded by an admin, so that every process reloads them."""

from __future__ import annotations

from datetime import datetime

from mentorbot.storage import rows
from mentorbot.storage.units import Transactions

_KEY = "library"


class LibraryStateStore(Transactions):
    """The time of the last ``/mentor-admin reload`` (one row): each process compares it with its own."""

    async def note_library_reload(self, now: datetime) -> None:
        """Record that the files were reloaded at `now` (the other processes follow, `usecases.timers`)."""
        async with self.transaction() as conn:
            await conn.execute(
                "INSERT INTO library_reloads (name, reloaded_at) VALUES (?, ?) "
                "ON CONFLICT (name) DO UPDATE SET reloaded_at = excluded.reloaded_at",
                _KEY,
                now,
            )

    async def library_reloaded_at(self) -> datetime | None:
        """When an admin last reloaded the files, in any process; None when never."""
        async with self.read() as conn:
            row = await conn.fetch_one("SELECT reloaded_at FROM library_reloads WHERE name = ?", _KEY)
        return rows.opt_ts(row["reloaded_at"]) if row else None
