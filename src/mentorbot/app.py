"""The composition root: settings in, a ready `MentorBot` out, and the timer loop every process runs."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager, suppress
from contextvars import ContextVar, Token
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType
from typing import Final, Self

from mentorbot.bot import MentorBot
from mentorbot.clock import Clock, SystemClock
from mentorbot.config_errors import config_file_problem
from mentorbot.errors import ConfigFileError, MentorBotError, database_down, database_failure
from mentorbot.library import Library
from mentorbot.observability import logging_handler, quiet_libraries
from mentorbot.replies import Notification
from mentorbot.settings import Settings, mask_url_password
from mentorbot.storage.database import DatabaseError
from mentorbot.storage.fingerprints import (
    FILE_SETTINGS,
    FINGERPRINT_SETTINGS,
    LIVE_FOR,
    Disagreement,
    compare,
    digest_of,
    env_name,
)
from mentorbot.storage.store import Store

log = logging.getLogger("mentorbot")

Deliver = Callable[[Sequence[Notification]], Awaitable[None]]

LEASE_SHARE: Final = 0.5
"""A batch of notifications is sent within this share of the outbox lease (``MENTORBOT_LEASE_SECONDS``), counted
from the start of the timer round that claimed or wrote its rows (else from the start of the batch): past it, what
is left is given back to the outbox (`Sending`). The half left covers the notification under way (a rate limit
waited out in-process: up to 5 s a call on Slack, 30 s on Discord, against 60 s of the default 120 s lease) and
clocks that differ a little between processes."""

_round_started: ContextVar[datetime | None] = ContextVar("mentorbot_round_started", default=None)
"""When the timer round under way in this task started (`run_timers`): its rows' leases run from then or later."""
_sending: ContextVar[Sending | None] = ContextVar("mentorbot_sending", default=None)
"""The batch an adapter is sending in this task (`Sending`), for `took`."""
_entered: ContextVar[list[str] | None] = ContextVar("mentorbot_bots_opened", default=None)
"""The list `bots_opened` fills while it is entered."""
_self_reported: ContextVar[list[Sending] | None] = ContextVar("mentorbot_self_reported", default=None)
"""The batches the timer round under way in this task sent (`run_timers`): a deliverer that sends through `Sending`
reports what it delivered itself, and the round then marks nothing more."""


def configure_logging(settings: Settings) -> None:
    """One log format for every process (``MENTORBOT_LOG_FORMAT``: plain text, or one JSON object per line);
    tokens never reach it (settings hold them as secrets, and the handler masks anything that looks like one).
    ``MENTORBOT_LOG_LEVEL=DEBUG`` is MentorBot's own DEBUG lines: discord.py, slack_sdk, slack_bolt, aiohttp,
    asyncpg and urllib3 stay at INFO (`observability.quiet_libraries`), as their DEBUG lines carry interaction
    tokens and response URLs."""
    level = getattr(logging, settings.log_level)
    logging.basicConfig(level=level, handlers=[logging_handler(settings.log_format)])
    quiet_libraries(level)


@asynccontextmanager
async def open_bot(
    settings: Settings,
    *,
    clock: Clock | None = None,
    store: Store | None = None,
    upgrade: bool = True,
    settle: bool = True,
    peers: bool = False,
    agree: bool = False,
) -> AsyncIterator[MentorBot]:
    """Open the store (migrating it; without `upgrade`, for a command that only reads, refusing a schema that is
    not this code's: `Store.open`), load skills and courses, and yield the bot; close the store after.

    With `upgrade` and `settle` (a process that serves: `mentorbot run`, the console, a Slack HTTP worker; a
    simulation), the skills stored rows use are then checked against the skills file loaded, once, before the bot
    is yielded (`MentorBot.settle_skills_at_start`): a file edited and the bot restarted with no ``/mentor-admin
    reload`` moves renamed slugs and tells the admins, as a reload would. Without `settle` (`mentorbot admin
    import-mentors`, which migrates) or without `upgrade` (`mentorbot admin export`, ``stats``, ``forget``): one-off
    commands that may run with other files than the running bot's, nothing is settled; the bot's own start does it
    (settled with a one-off command's files, the slugs would move to what the bot does not serve, and the running
    bot would never move them back). A check that fails is logged as an error and the bot starts all the same (the
    next start or reload checks again). With `peers` (a process that serves a platform: `mentorbot run`, a Slack
    HTTP worker; not the console, whose ``--lang`` and ``/clock`` are its own, nor an import or a simulation), the
    process then records its settings and files for the other processes sharing the database and compares them
    with theirs (`MentorBot.look_at_peers`: a disagreement is logged as an error and told to the admins), and
    withdraws them when it stops (`MentorBot.leave`).

    With `agree` (a one-off command that writes what the running bot then works with: ``admin import-mentors``,
    ``admin forget``), the command's settings and files are compared with those the live processes recorded
    (`storage.fingerprints`, the comparison the processes make between themselves), before the bot is yielded: when
    any differs, `SettingsDiffer` is raised and nothing was changed (a forget would otherwise hand requests on by
    the command's ``MENTORBOT_MATCHING`` rather than the bot's, an import check skills against another file). With
    no live process recorded, the command runs with its own.

    A skills or courses file that cannot be loaded is logged as an error in one line led by its setting
    (``MENTORBOT_SKILLS_FILE: …``), where logging is set up (a one-off command, which sets up none, prints its
    own line), and its `ConfigFileError` raised, before the database is touched.
    A database that cannot be opened, or is read-only (the bot must write), is logged as an error in one line,
    where logging is set up (a one-off command says it in its own line: `cli_support.run_or_exit`), and its
    `DatabaseError` raised: the caller refuses to start. A cancellation (Ctrl-C) while the engine connects lets it
    connect first (`_connect`), so that what it opened is closed. Whatever stops the opening (a schema newer than
    this code, a migration that fails on a file of another program), the store is closed before it is raised:
    an open SQLite connection's thread would otherwise keep the process alive after it means to exit.
    """
    clock = clock or SystemClock()
    try:
        library = Library(settings.skills_file, settings.courses_file)
    except ConfigFileError as exc:  # logged led by its setting, as `mentorbot config check` and `run` say it
        # Only to a log that is set up (`run`, a Slack worker, the console's file): a one-off command sets up none,
        # so Python's last-resort handler would print it on the terminal above the command's own `error:` line.
        if log.hasHandlers():
            log.error("cannot load %s", config_file_problem(exc, settings))
        raise
    entered = _entered.get()
    if entered is not None:
        entered.append(settings.database_url)
    store = store or Store.from_url(settings.database_url, flush_before_ack=settings.postgres_flush_before_ack)
    try:
        await _connect(store)
        await store.open(clock.now(), upgrade=upgrade)
    except BaseException as exc:
        # Only to a log that is set up, as for a skills file above: a one-off command says it in its `error:` line.
        if isinstance(exc, DatabaseError) and log.hasHandlers():
            url = mask_url_password(settings.database_url)
            log.error("cannot open the database %s (%s): %s", url, exc.kind, exc)
        await store.close()
        raise
    try:
        bot = MentorBot(store, library, settings, clock, peers=peers)
        if agree:
            await _refuse_other_settings(bot)
        if upgrade and settle:
            await _settle_skills(bot)
        if peers:
            # The processes sharing the database compare their settings and files (`library_follow.Peers`).
            await bot.look_at_peers()
        try:
            yield bot
        finally:
            if peers:
                await bot.leave()
    finally:
        await store.close()


async def _connect(store: Store) -> None:
    """Connect `store`'s engine (`Store.open` then finds it connected), to the end even when the task is cancelled
    meanwhile (Ctrl-C during a one-off command, which `asyncio.run` turns into a cancellation): an engine cancelled
    while it connects keeps what it opened (aiosqlite's thread, which then posts into the closed event loop:
    "Exception in thread … Event loop is closed"). The cancellation goes on once it is connected, and `open_bot`
    closes the store. A cancellation asked for before (Ctrl-C while the command checked a file, with no ``await``)
    is taken first, before anything is opened: no new SQLite file is made."""
    await asyncio.sleep(0)
    connecting = asyncio.ensure_future(store.db.open())
    try:
        await asyncio.shield(connecting)
    except asyncio.CancelledError:
        await asyncio.wait([connecting])
        if not connecting.cancelled():
            connecting.exception()  # retrieved: the cancellation is what goes on, not a failure to connect
        raise


@contextmanager
def bots_opened(opened: list[str]) -> Iterator[None]:
    """Note in `opened` the databases (their URLs) `open_bot` is asked to open while this is entered, in this task
    (or thread): `cli_support.run_or_exit` answers a Ctrl-C itself for a command that worked on the bot's
    database."""
    token = _entered.set(opened)
    try:
        yield
    finally:
        _entered.reset(token)


@dataclass(frozen=True)
class Differing:
    """One setting (or file) a one-off command runs with otherwise than the live processes: its value in the
    command (a file's: its SHA-256) and the live processes' values (several when they differ between themselves)."""

    setting: str
    mine: str
    theirs: tuple[str, ...]

    @property
    def is_file(self) -> bool:
        """Whether it is a file's content, not a setting's value."""
        return self.setting in FILE_SETTINGS


class SettingsDiffer(MentorBotError):
    """A one-off command that writes (`open_bot`'s ``agree``) runs with other settings or files than the live
    processes serving its database: it was refused before anything was changed. `differences` are the settings (or
    files) that differ (`Differing`), in the order `storage.fingerprints` lists them; `workers` are those
    processes."""

    def __init__(self, found: Sequence[Disagreement]) -> None:
        self.workers = tuple(sorted({worker for disagreement in found for worker in disagreement.workers}))
        theirs: dict[str, list[str]] = {}
        mine: dict[str, str] = {}
        for disagreement in found:
            for difference in disagreement.differences:
                mine[difference.setting] = difference.mine
                values = theirs.setdefault(difference.setting, [])
                if difference.theirs not in values:
                    values.append(difference.theirs)
        order = (*FINGERPRINT_SETTINGS, *FILE_SETTINGS)
        self.differences = tuple(Differing(name, mine[name], tuple(theirs[name])) for name in order if name in theirs)
        names = ", ".join(env_name(difference.setting) for difference in self.differences)
        super().__init__(
            f"the processes serving this database ({', '.join(self.workers)}) run with other settings or files: "
            f"{names}; nothing was changed"
        )


async def _refuse_other_settings(bot: MentorBot) -> None:
    """Raise `SettingsDiffer` when the live processes sharing `bot`'s database recorded other settings or files
    than `bot`'s (`fingerprints.compare`, over the rows seen within `fingerprints.LIVE_FOR`). Reads only."""
    mine = bot.fingerprint()
    live = await bot.store.live_fingerprints(bot.clock.now() - LIVE_FOR)
    found = compare(mine, digest_of(mine), live)
    if found:
        raise SettingsDiffer(found)


async def _settle_skills(bot: MentorBot) -> None:
    """`MentorBot.settle_skills_at_start`, never raising but for a cancellation: a process that cannot check now
    serves with what is stored, and says why in the log."""
    try:
        await bot.settle_skills_at_start()
    except Exception as exc:
        failure = database_failure(exc)
        log.error(
            "could not check the skills stored rows use against the skills file at start-up: %s; the next start "
            "or /mentor-admin reload checks again",
            failure or exc,
            exc_info=failure is None,
        )


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


class Sending:
    """One batch of notifications an adapter sends one message at a time (Slack `Delivery.notify`, Discord
    `MentorBotClient.deliver`), used as ``async with Sending(bot) as sending``.

    Each notification is reported delivered as soon as the platform took it (`took`, then `report`: one small
    write per notification, about 2 ms on PostgreSQL against the 100 ms or more of a platform call), never only at
    the end of the batch: a batch slower than its lease, or cancelled half-way (SIGTERM), leaves claimable only
    the rows really not sent, and another process never sends again what a member has. On leaving, even by an
    exception or a cancellation, what was taken is reported.

    A batch's time is `LEASE_SHARE` of the lease: past it (`may_send` answers False), the rows left would soon be
    claimable by any process while this one still sent them, so they are given back to the outbox when the batch
    ends (claimable at once, by one process: `Store.release_for_retry`), and this process's timer loop runs its
    next round at once to claim them with a new lease (`MentorBot.wake_timers`).

    Right before each platform call the adapter asks whether the notification is still the batch's to send
    (`still_to_send`): a member's command may have superseded its row, or made what it tells out of date, since the
    batch claimed it. One that is not is skipped, and never reported delivered."""

    def __init__(self, bot: MentorBot) -> None:
        """A batch for `bot`; its time runs from the timer round under way (`run_timers`), else from now."""
        self.bot = bot
        started = _round_started.get() or bot.clock.now()
        self.until = started + timedelta(seconds=bot.settings.lease_seconds * LEASE_SHARE)
        self._taken: dict[int, Notification] = {}
        self._reported: set[int] = set()
        self._dropped: set[int] = set()
        """The outbox rows `still_to_send` found no longer this batch's to send: never reported delivered."""
        self._left: list[Notification] = []
        self._token: Token[Sending | None] | None = None

    async def __aenter__(self) -> Self:
        self._token = _sending.set(self)
        batches = _self_reported.get()
        if batches is not None:
            batches.append(self)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._token is not None:
            _sending.reset(self._token)
        if exc is None:
            await self.report()
            await self._give_back()
            return
        try:  # stopped by a failure or cancelled: what the platform took is reported all the same
            await self.report()
        except Exception as failure:  # the batch's own failure (or cancellation) is what goes on up
            log.warning("could not report %d sent notification(s) delivered: %s", len(self._taken), failure)

    def may_send(self, note: Notification) -> bool:
        """Whether `note` may be sent now: not once the batch's time is up (see the class); it is then given back
        to the outbox when the batch ends. A notification with no outbox row is always sent."""
        if note.outbox_id is None or self.bot.clock.now() < self.until:
            return True
        self._left.append(note)
        return False

    async def still_to_send(self, note: Notification) -> bool:
        """Whether `note` is still this batch's to send (`MentorBot.still_to_send`), asked right before its platform
        call: between the claim and the send (seconds, minutes after an outage), a member's command may have
        superseded the row (a newer version of its key: sent now, the old one would edit the newer message back), made
        what it tells out of date (its offer answered, its request cancelled), or another claim may have taken it.
        One not to send is skipped and never reported delivered (`took` ignores it): nothing is marked. A notification
        with no outbox row (a live reply) is always sent."""
        if note.outbox_id is None:
            return True
        if await self.bot.still_to_send(note):
            return True
        self._dropped.add(note.outbox_id)
        log.info(
            "notification %s (%s) not sent: superseded or taken over since it was claimed", note.outbox_id, note.key
        )
        return False

    def took(self, note: Notification) -> None:
        """The platform took `note` (or it was held for the member's next command): reported at the next
        `report`, or when the batch ends. Not one `still_to_send` dropped: it was not sent."""
        if note.outbox_id is not None and note.outbox_id not in self._reported and note.outbox_id not in self._dropped:
            self._taken[note.outbox_id] = note

    async def report(self) -> None:
        """Report delivered what the platform took since the last report (`MentorBot.delivered`)."""
        if not self._taken:
            return
        notes = list(self._taken.values())
        # Shielded: a cancellation (SIGTERM) lands after the mark, not in the middle of it; the batch's exit reports
        # again what it had not seen done (marking twice changes nothing).
        await asyncio.shield(self.bot.delivered(notes))
        for note in notes:
            assert note.outbox_id is not None
            self._reported.add(note.outbox_id)
            self._taken.pop(note.outbox_id, None)

    async def _give_back(self) -> None:
        if not self._left:
            return
        now, given = self.bot.clock.now(), 0
        for note in self._left:
            given += await self.bot.store.release_for_retry(note, self.bot.worker_id, now, untried=True)
        if given:
            log.info(
                "%d notification(s) not sent within %.0f%% of their lease: given back to the outbox for the next round",
                given,
                LEASE_SHARE * 100,
            )
        self._left = []
        self.bot.wake_timers()


async def still_to_send(note: Notification) -> bool:
    """Right before the platform call that sends `note`: whether it is still to send (`Sending.still_to_send`, the
    batch under way in this task: its row still this process's claim, not superseded nor out of date). False: the
    adapter sends nothing and reports nothing for it. Outside a batch (a note with no outbox row), True."""
    sending = _sending.get()
    return True if sending is None else await sending.still_to_send(note)


def took(note: Notification) -> None:
    """The platform took `note`'s first message (or the edit of its keyed message): the batch under way in this
    task (`Sending`) reports it delivered even when it is cancelled before the note's last steps (where the
    message is recorded, a chart uploaded), so no other process sends it again. Outside a batch, nothing."""
    sending = _sending.get()
    if sending is not None:
        sending.took(note)


async def run_timers(
    bot: MentorBot, deliver: Deliver, *, interval: float = 15.0, communities: Sequence[str] | None = None
) -> None:
    """Run due timers forever: every `interval` seconds, deliver what they produce, and the notifications a dead
    process left undelivered in the outbox. The adapters mark each as it is sent and give back what their batch had
    no time for (`Sending`, whose time runs from the round's start); one they could not deliver stays pending. A
    deliverer that does not send through `Sending` (the console) has all it was given marked delivered. Survives
    errors.

    `communities` (prefixes such as ``"discord:"``) are the communities this process delivers for: it claims
    only their timers, so processes serving different platforms over one database never take each other's. A
    round also starts at once when the bot asks for one (`MentorBot.wake_timers`).
    """

    async def round_() -> None:
        started = _round_started.set(bot.clock.now())  # the adapter's `Sending` counts its time from here
        batches: list[Sending] = []
        reporting = _self_reported.set(batches)
        try:
            notes = await bot.run_due_jobs(communities=communities)
            notes += await bot.undelivered(communities=communities)
            if notes:
                await deliver(notes)
                if not batches:
                    # A deliverer that does not report each notification (the console's): all it was given. One
                    # that sends through `Sending` has reported what it delivered; one it could not deliver (an
                    # unexpected failure) stays pending, to be tried again once its lease runs out.
                    await bot.delivered(notes)
        finally:
            _self_reported.reset(reporting)
            _round_started.reset(started)

    await every(interval, round_, "timer loop", wake=bot.timers_due())
