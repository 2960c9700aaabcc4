"""Every process keeps the skills and courses of an admin's latest ``/mentor-admin reload``.

One process answers the command and reloads the files at once; it counts the reload in the database
(`LibraryStateStore.note_library_reload`: a generation the database increments, so no two clocks are compared).
Every process looks at that count at most once a `CHECK_EVERY`: from its timer loop, and before a command it runs
(a process that runs no timers, such as a Slack HTTP worker started with ``timers=False``, follows too). A process
that cannot read the files keeps the ones it has and logs why, once per reload.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Final

from mentorbot.errors import ConfigFileError
from mentorbot.usecases.context import Core

log = logging.getLogger(__name__)

CHECK_EVERY: Final = timedelta(minutes=1)
"""How often a process looks whether an admin reloaded the skills and courses files in another one."""


class LibraryFollower:
    """Reloads this process's files when an admin reloaded them elsewhere (`Library.followed`: the count of
    reloads its files include)."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self._started = core.clock.now()
        """When this process read the files: a reload counted before then is in them."""
        self._checked_at: datetime | None = None

    async def check(self) -> bool:
        """Look, unless this process looked less than `CHECK_EVERY` ago; whether the files were reloaded. Never
        raises: a command or a timer run goes on with the files it has when the database cannot say (it says so
        itself, to whoever asked)."""
        now = self.core.clock.now()
        if self._checked_at is not None and now - self._checked_at < CHECK_EVERY:
            return False
        self._checked_at = now
        try:
            return await self.follow()
        except Exception as exc:  # the database away: looked at again after CHECK_EVERY
            log.warning("could not look whether an admin reloaded the skills and courses files: %s", exc)
            return False

    async def follow(self) -> bool:
        """Reload the files when the database counts a reload this process has not followed; whether it did."""
        library = self.core.library
        state = await self.core.store.library_reloads()
        if state is None:
            return False
        seen = library.followed
        if seen is not None and state.generation <= seen:
            return False
        library.followed = state.generation
        # The first look: the files as read at start include every reload counted before then.
        if seen is None and state.reloaded_at <= self._started:
            return False
        try:
            snapshot = library.reload()
        except ConfigFileError as exc:
            log.error("an admin reloaded the skills and courses files, but this process cannot read them: %s", exc)
            return False
        log.info(
            "skills and courses files reloaded, as an admin did: %s skills, %s courses",
            len(snapshot.taxonomy),
            len(snapshot.catalog),
        )
        return True
