"""The composition root: settings in, a ready `MentorBot` out, and the timer loop every process runs."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager, suppress

from mentorbot.bot import MentorBot
from mentorbot.clock import Clock, SystemClock
from mentorbot.config_errors import config_file_problem
from mentorbot.errors import ConfigFileError, database_down, database_failure
from mentorbot.library import Library
from mentorbot.observability import logging_handler
from mentorbot.replies import Notification
from mentorbot.settings import Settings, mask_url_password
from mentorbot.storage.database import DatabaseError
from mentorbot.storage.store import Store

log = logging.getLogger("mentorbot")

Deliver = Callable[[Sequence[Notification]], Awaitable[None]]


def configure_logging(settings: Settings) -> None:
    """One log format for every process (``MENTORBOT_LOG_FORMAT``: plain text, or one JSON object per line);
    tokens never reach it (settings hold them as secrets, and the handler masks anything that looks like one)."""
    logging.basicConfig(level=getattr(logging, settings.log_level), handlers=[logging_handler(settings.log_format)])


@asynccontextmanager
async def open_bot(
    settings: Settings, *, clock: Clock | None = None, store: Store | None = None, upgrade: bool = True
) -> AsyncIterator[MentorBot]:
    """Open the store (migrating it; without `upgrade`, for a command that only reads, refusing a schema that is
    not this code's: `Store.open`), load skills and courses, and yield the bot; close the store after.

    A skills or courses file that cannot be loaded is logged as an error in one line led by its setting
    (``MENTORBOT_SKILLS_FILE: …``) and its `ConfigFileError` raised, before the database is touched.
    A database that cannot be opened, or is read-only (the bot must write), is logged as an error in one line
    and its `DatabaseError` raised: the caller refuses to start. Whatever stops the opening (a schema newer than
    this code, a migration that fails on a file of another program), the store is closed before it is raised:
    an open SQLite connection's thread would otherwise keep the process alive after it means to exit.
    """
    clock = clock or SystemClock()
    try:
        library = Library(settings.skills_file, settings.courses_file)
    except ConfigFileError as exc:  # logged led by its setting, as `mentorbot config check` and `run` say it
        log.error("cannot load %s", config_file_problem(exc, settings))
        raise
    store = store or Store.from_url(settings.database_url, flush_before_ack=settings.postgres_flush_before_ack)
    try:
        await store.open(clock.now(), upgrade=upgrade)
    except BaseException as exc:
        if isinstance(exc, DatabaseError):
            url = mask_url_password(settings.database_url)
            log.error("cannot open the database %s (%s): %s", url, exc.kind, exc)
        await store.close()
        raise
    try:
        yield MentorBot(store, library, settings, clock)
    finally:
        await store.close()


async def every(
    interval: float, work: Callable[[], Awaitable[object]], what: str, *, wake: asyncio.Event | None = None
) -> None:
    """Run `work` now and every `interval` seconds, forever (until cancelled), surviving its failures: a failing
    database is one warning line (not a bug: the next round tries again), anything else is logged with its
    traceback. `what` names the loop in the log. `wake`, when set, starts the next round before the interval is
    up (set during a round, it starts another one right after it)."""
    while True:
        if wake is not None:
            wake.clear()
        try:
            await work()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            # The failure itself, or one of a group's (the dispatcher raises one when several adapters fail).
            failure = database_failure(exc)
            if failure is None:
                log.exception("%s failed; retrying in %s s", what, interval)
            else:
                database_down(log, failure, "%s", what, then=f"; retrying in {interval} s")
        if wake is None:
            await asyncio.sleep(interval)
        else:
            with suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), interval)


async def run_timers(
    bot: MentorBot, deliver: Deliver, *, interval: float = 15.0, communities: Sequence[str] | None = None
) -> None:
    """Run due timers forever: every `interval` seconds, deliver what they produce, and the notifications a dead
    process left undelivered in the outbox; then mark them delivered. Survives errors.

    `communities` (prefixes such as ``"discord:"``) are the communities this process delivers for: it claims
    only their timers, so processes serving different platforms over one database never take each other's. A
    round also starts at once when the bot asks for one (`MentorBot.wake_timers`).
    """

    async def round_() -> None:
        notes = await bot.run_due_jobs(communities=communities)
        notes += await bot.undelivered(communities=communities)
        if notes:
            await deliver(notes)
            await bot.delivered(notes)

    await every(interval, round_, "timer loop", wake=bot.timers_due())
