"""``mentorbot``: the one command line of MentorBot.

Subcommands load settings when they run (never at import), so ``mentorbot --help`` works with any
environment, and a wrong setting stops a command with one line naming it.
"""

from __future__ import annotations

import asyncio
import codecs
import csv
import errno
import io
import logging
import os
import re
import sys
import tempfile
from collections.abc import Callable, Coroutine, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click
from click.core import ParameterSource

from mentorbot import __version__
from mentorbot.catalog_cli import catalog
from mentorbot.cli_support import (
    db_override,
    missing_sqlite_file,
    require_existing_database,
    run_or_exit,
    schema_change_denied,
    settings_or_exit,
)
from mentorbot.i18n import LANGUAGES
from mentorbot.ops_cli import backup as ops_backup
from mentorbot.ops_cli import db as ops_db
from mentorbot.progress import progress_bar
from mentorbot.settings import Settings, SettingsError, SettingUnusableNow, masked_settings

if TYPE_CHECKING:
    from mentorbot.i18n import Translator
    from mentorbot.runners import AdapterSpec, Runner
    from mentorbot.simulation import SimulationError, SimulationResult
    from mentorbot.storage.store import Store

log = logging.getLogger("mentorbot.cli")

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")

CONSOLE_COMMUNITY = "console"
"""The community of the console, and the default of the admin commands' ``--community``."""

CLI_GROUP = "mentorbot.cli"
"""The entry-point group where adapter packages register their commands (``mentorbot discord``, ``console``)."""

_DB = click.Path(dir_okay=False, path_type=Path)


class AdapterCommands(click.Group):
    """The ``mentorbot`` group: its own commands, and those that adapters register (entry points of `CLI_GROUP`),
    each loaded only when it is run or listed."""

    def _registered(self, name: str | None = None) -> None:
        for entry in entry_points(group=CLI_GROUP):
            if entry.name not in self.commands and (name is None or entry.name == name):
                self.add_command(entry.load(), entry.name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command name, the adapters' included."""
        self._registered()
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command `cmd_name`, loading an adapter's when it is one."""
        if cmd_name not in self.commands:
            self._registered(cmd_name)
        return super().get_command(ctx, cmd_name)


@click.group(cls=AdapterCommands)
@click.version_option(__version__, prog_name="mentorbot")
def main() -> None:
    """MentorBot: peer mentorship for social media marketing communities."""
    _tolerant_output()


def _tolerant_output() -> None:
    """Standard output and error whose encoding cannot write every character (cp1252, as Windows has for a pipe or a
    file; ascii) write a ``?`` for one it lacks instead of stopping the command with a traceback (`db copy` stopped
    at its first ``✓``, after committing the copy). UTF-8 streams are left as they are."""
    for stream in (sys.stdout, sys.stderr):
        if not isinstance(stream, io.TextIOWrapper) or stream.errors != "strict":
            continue
        with suppress(LookupError):
            if codecs.lookup(stream.encoding).name != "utf-8":
                stream.reconfigure(errors="replace")


@main.group()
def config() -> None:
    """Inspect the configuration."""


@config.command("check")
def config_check() -> None:
    """Print the effective settings (secrets masked), check the skills and courses files and what each configured
    adapter would refuse at start: every problem in a line of its own (exit 2; the wrong settings in one, as every
    command says them). With no platform configured, a note says that `mentorbot run` would refuse to start (not
    an error: the console needs no token)."""
    from mentorbot.config_errors import config_file_problem
    from mentorbot.i18n import translator
    from mentorbot.library import check_files
    from mentorbot.runners import adapters, configured_adapters

    settings = settings_or_exit()  # every wrong setting, in the one line `run` and every command print
    values = masked_settings(settings)
    width = max(len(name) for name in values)
    for name, value in values.items():
        click.echo(f"{name:<{width}}  {value}")
    # Exit 2, as `run`, the console and the admin commands refuse a broken file; each file is read.
    snapshot, broken, doubtful = check_files(settings.skills_file, settings.courses_file)
    problems = [config_file_problem(exc, settings) for exc in broken]
    for warning in doubtful:  # not refused: a community's own category is shown by its slug
        click.echo(f"warning: {config_file_problem(warning, settings)}", err=True)
    # What `mentorbot run` would refuse at start, refused here in the same lines: every adapter's.
    t = translator(settings.default_language)
    specs = configured_adapters(settings)
    _, unavailable, refused = _adapter_checks(settings, t, specs)
    problems += refused
    for problem in problems:
        click.echo(f"error: {problem}", err=True)
    if unavailable is not None:
        click.echo(unavailable, err=True)
    if problems or unavailable is not None or snapshot is None:
        sys.exit(2 if problems else 1)  # 1: as `run`, for a runner that cannot be used
    click.echo(f"ok: {len(snapshot.taxonomy)} skills, {len(snapshot.catalog)} courses")
    if not specs:
        click.echo(t("cli.check.no_platform", settings=" / ".join(spec.token_setting for spec in adapters())))


main.add_command(catalog)
main.add_command(ops_db)


# --------------------------------------------------------------------------------------------------- run


@main.command()
@click.option(
    "--timer-interval",
    default=15.0,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),  # 0 or less would spin against the database
    help="Seconds between timer checks (more than 0).",
)
def run(timer_interval: float) -> None:
    """Start the Discord and/or Slack adapters, whichever has its token configured, in this process."""
    from mentorbot.i18n import translator
    from mentorbot.runners import adapters, configured_adapters

    settings = settings_or_exit()
    t = translator(settings.default_language)
    specs = configured_adapters(settings)
    if not specs:
        click.echo(t("cli.run.no_token", settings=" / ".join(spec.token_setting for spec in adapters())), err=True)
        sys.exit(2)
    runners = _adapter_runners(settings, t, specs)
    from mentorbot.app import configure_logging

    configure_logging(settings)
    click.echo(t("cli.run.starting", names=", ".join(spec.name for spec, _ in runners)), err=True)
    try:
        asyncio.run(_serve(settings, runners, timer_interval))
    except KeyboardInterrupt:
        click.echo(t("cli.run.stopped"), err=True)
    except Exception as exc:
        wrong = _settings_error(exc)
        if wrong is not None:  # an adapter refused a setting (e.g. socket mode without an app token)
            click.echo(f"error: {wrong}", err=True)
            sys.exit(1 if isinstance(wrong, SettingUnusableNow) else 2)  # 1: a port still held may free up
        from mentorbot.observability import MetricsPortError

        if isinstance(exc, MetricsPortError):  # a setting to change, not an adapter's failure: no traceback
            problem = t("cli.run.metrics_port", host=exc.host, port=exc.port, reason=exc.reason)
            click.echo(t("cli.error", reason=problem), err=True)
            sys.exit(1 if exc.passing else 2)
        from mentorbot.errors import ConfigFileError
        from mentorbot.storage.migrations import MigrationChangedError, SchemaChangeDenied, SchemaTooNewError

        if isinstance(exc, SchemaChangeDenied):  # a pending migration this database user may not apply
            click.echo(schema_change_denied(settings, exc), err=True)
            sys.exit(2)
        # The skills or courses file (led by its setting, as `config check` says it), a database a newer MentorBot
        # migrated, or a migration changed since it was applied: one line, no traceback, as the `db` commands say it.
        if isinstance(exc, ConfigFileError):
            from mentorbot.config_errors import config_file_problem

            click.echo(f"error: {config_file_problem(exc, settings)}", err=True)
            sys.exit(2)
        if isinstance(exc, SchemaTooNewError | MigrationChangedError):
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)
        from mentorbot.errors import database_failure
        from mentorbot.settings import mask_url_password

        failure = database_failure(exc)
        if failure is not None:  # already logged in one line: exit, so a service manager restarts us
            problem = t(f"cli.run.problem_{failure.kind.replace('-', '_')}")
            database = mask_url_password(settings.database_url)
            click.echo(t("cli.run.no_database", database=database, problem=problem), err=True)
            sys.exit(1)
        log.exception("mentorbot run stopped with an error")
        click.echo(t("cli.run.failed"), err=True)
        sys.exit(1)


def _adapter_runners(settings: Settings, t: Translator, specs: Sequence[AdapterSpec]) -> list[tuple[Any, Runner]]:
    """The runners of the configured adapters `specs`, once nothing they would refuse at start is left: a runner
    that cannot be used exits 1 in one line, the settings adapters refuse (`AdapterSpec.check`) exit 2, each in
    one line."""
    runners, unavailable, refused = _adapter_checks(settings, t, specs)
    if unavailable is not None:
        click.echo(unavailable, err=True)
        sys.exit(1)
    if refused:
        for problem in refused:
            click.echo(f"error: {problem}", err=True)
        sys.exit(2)
    return runners


def _adapter_checks(
    settings: Settings, t: Translator, specs: Sequence[AdapterSpec]
) -> tuple[list[tuple[Any, Runner]], str | None, list[str]]:
    """What `mentorbot run` checks of the configured adapters `specs` before it opens the database: their runners,
    the line saying why one cannot be used (None when all can), and every setting an adapter refuses
    (`AdapterSpec.check`), a line each."""
    from mentorbot.runners import AdapterUnavailable, check_adapter_settings, check_runners, load_runner

    runners: list[tuple[Any, Runner]] = []
    unavailable = None
    try:
        for spec in specs:
            runners.append((spec, load_runner(spec)))
        check_runners(runners)
    except AdapterUnavailable as exc:
        name, setting = exc.spec.name, exc.spec.token_setting
        unavailable = t("cli.run.unavailable", name=name, setting=setting, reason=exc.reason)
    try:
        check_adapter_settings(specs, settings)
    except SettingsError as exc:
        return runners, unavailable, list(exc.problems)
    return runners, unavailable, []


def _settings_error(exc: BaseException) -> SettingsError | None:
    """The `SettingsError` that `exc` is or holds (adapters run in a task group, which wraps errors)."""
    if isinstance(exc, SettingsError):
        return exc
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            found = _settings_error(inner)
            if found is not None:
                return found
    return None


async def _serve(settings: Settings, runners: list[tuple[Any, Any]], timer_interval: float) -> None:
    from mentorbot.app import open_bot
    from mentorbot.observability import READINESS, serve_ops
    from mentorbot.runners import run_adapters
    from mentorbot.settings import mask_url_password

    for spec, _ in runners:
        READINESS.expect(spec.name)
    async with open_bot(settings, peers=True) as bot, serve_ops(bot, settings.metrics_host, settings.metrics_port):
        log.info(
            "database %s; %d skills, %d courses; adapters: %s",
            mask_url_password(settings.database_url),
            len(bot.library.taxonomy),
            len(bot.library.catalog),
            ", ".join(f"{spec.name} ({spec.module})" for spec, _ in runners),
        )
        with _stop_on_sigterm(settings) as stopping:
            try:
                await run_adapters(bot, settings, runners, timer_interval=timer_interval)
            except asyncio.CancelledError:
                if not stopping.is_set():
                    raise
                current = asyncio.current_task()
                if current is not None:
                    current.uncancel()
        if stopping.is_set():
            await _release(bot)


async def _release(bot: Any) -> None:
    """After SIGTERM: give back this process's claimed timers and undelivered notifications."""
    from mentorbot.storage.claims import release_claims

    try:
        jobs, notes = await release_claims(bot.store, bot.worker_id, bot.clock.now())
    except Exception as exc:  # their leases run out anyway
        log.warning("could not release this process's claims on stopping: %s", exc)
        return
    log.info("stopped: released %d timer(s) and %d notification(s) for other processes", jobs, notes)


@contextmanager
def _stop_on_sigterm(settings: Settings) -> Iterator[asyncio.Event]:
    """While inside, SIGTERM stops the adapters (they stop taking events and let those in flight finish, up to
    MENTORBOT_SHUTDOWN_GRACE_SECONDS): the running task is cancelled and the yielded event set. A second
    SIGTERM, or the grace plus five seconds, ends the process at once."""
    import os
    import signal

    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    stopping = asyncio.Event()

    def on_sigterm() -> None:
        if stopping.is_set():
            log.warning("second SIGTERM: exiting now")
            os._exit(1)
        log.info("SIGTERM: stopping (up to %s s for the events in flight)", settings.shutdown_grace_seconds)
        stopping.set()
        loop.call_later(settings.shutdown_grace_seconds + 5.0, os._exit, 1)
        if task is not None:
            task.cancel()

    loop.add_signal_handler(signal.SIGTERM, on_sigterm)
    try:
        yield stopping
    finally:
        loop.remove_signal_handler(signal.SIGTERM)


# ------------------------------------------------------------------------------------------------- admin


@main.group()
def admin() -> None:
    """Admin tools: import mentors, export data, programme stats, forget a member."""


_COMMUNITY = re.compile(r"console|discord:[0-9]+|slack:[A-Z0-9]+")
SIMULATION_COMMUNITY = "simulation"
"""The community of `mentorbot simulate` (`simulation.COMMUNITY`): the reading admin commands accept it, so a
simulation's database (``simulate --database``) can be looked at with them."""


def _community(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    """`--community` as the platforms name it (a typo would read or write a community no adapter serves)."""
    if not _COMMUNITY.fullmatch(value):
        raise click.BadParameter("expected console, discord:<guild id> (digits) or slack:<team id> (T0123ABC)")
    return value


def _community_to_read(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """`--community` of a command that only reads: a platform's, or the simulation's (`SIMULATION_COMMUNITY`)."""
    if value == SIMULATION_COMMUNITY:
        return value
    if not _COMMUNITY.fullmatch(value):
        raise click.BadParameter(
            f"expected console, discord:<guild id> (digits), slack:<team id> (T0123ABC) or {SIMULATION_COMMUNITY}"
        )
    return value


def _admin_options(command: F, *, reading: bool = False) -> F:
    """``--community`` and ``--db``; a command that only `reading` also takes the simulation's community."""
    command = click.option(
        "--community",
        default=CONSOLE_COMMUNITY,
        show_default=True,
        callback=_community_to_read if reading else _community,
        help=(
            f"Community id: console, discord:<guild id>, slack:<team id> or {SIMULATION_COMMUNITY} "
            "(a `mentorbot simulate --database` run)."
            if reading
            else "Community id: console, discord:<guild id> or slack:<team id>."
        ),
    )(command)
    return click.option("--db", type=_DB, help="SQLite file to use instead of MENTORBOT_DATABASE_URL.")(command)


def _reading_admin_options(command: F) -> F:
    return _admin_options(command, reading=True)


@dataclass(frozen=True)
class _Held:
    """The communities a database holds, with how many members each has (`Store.members_by_community`), read
    for the command about `community`."""

    community: str
    members: dict[str, int]

    @property
    def refused(self) -> bool:
        """Whether `community` has no member while the database holds others: the community left out (so
        `CONSOLE_COMMUNITY`) on a Discord or Slack deployment's database, or a mistyped id, which a command that
        reads would report as an empty programme. A database that holds nobody (a fresh install) is not refused."""
        return bool(self.members) and self.community not in self.members


_LISTED = 10
"""At most this many communities are named in `_refuse_empty`, the largest first; the others are counted."""


async def _held(store: Store, community: str) -> _Held:
    return _Held(community, await store.members_by_community())


def _refuse_empty(held: _Held, settings: Settings, t: Translator, after: str = "") -> NoReturn:
    """Say that the community asked for has no member and which communities the database holds (with their
    members, the largest first), and to pass ``--community``; exit 1. `after`: what the command did not do."""
    from mentorbot.settings import mask_url_password

    ranked = sorted(held.members.items(), key=lambda item: (-item[1], item[0]))
    names = [t("cli.community.listed", community=name, count=count) for name, count in ranked[:_LISTED]]
    if len(ranked) > _LISTED:
        names.append(t("cli.community.more", count=len(ranked) - _LISTED))
    left_out = click.get_current_context().get_parameter_source("community") is ParameterSource.DEFAULT
    message = t(
        "cli.community.empty_default" if left_out else "cli.community.empty",
        community=held.community,
        database=mask_url_password(settings.database_url),
        communities=t.join(names),
    )
    click.echo(f"{message} {after}".rstrip(), err=True)
    sys.exit(1)


admin.add_command(ops_backup)


@admin.command("import-mentors")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@_admin_options
def import_mentors(file: Path, community: str, db: Path | None) -> None:
    """Create or update mentors from a CSV FILE, all or nothing.

    Columns: user_id (required), name, skills (required), levels, capacity, bio, timezone, languages.
    A bad row is reported with its line number and nothing of the file is applied.
    """
    from mentorbot.i18n import translator

    settings = settings_or_exit(**db_override(db))
    t = translator(settings.default_language)
    try:
        text = file.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        click.echo(t("cli.import.not_utf8", file=file), err=True)
        sys.exit(1)
    except OSError as exc:
        click.echo(t("cli.import.cannot_read", file=file, reason=exc.strerror or exc), err=True)
        sys.exit(1)
    sys.exit(run_or_exit(_import_mentors(settings, text, file, community), settings))


async def _import_mentors(settings: Settings, text: str, file: Path, community: str) -> int:
    from mentorbot.app import open_bot
    from mentorbot.bot import MentorBot
    from mentorbot.clock import SystemClock
    from mentorbot.i18n import translator
    from mentorbot.library import Library
    from mentorbot.mentor_import import ImportPlan, plan_import
    from mentorbot.settings import mask_url_password
    from mentorbot.storage.members import ProfileInUse
    from mentorbot.storage.store import Store
    from mentorbot.usecases.imports import after_import, before_import
    from mentorbot.usecases.profiles import in_use_words

    t = translator(settings.default_language)
    rows = _data_rows(text)
    # The file is checked before the database is opened: a file that imports nothing leaves no database behind
    # (opening one creates and migrates it). Checking rows reads only the skills and the settings, not the store
    # (but for the rows `recheck` reads again below).
    store = Store.from_url(settings.database_url, flush_before_ack=settings.postgres_flush_before_ack)
    checker = MentorBot(store, Library(settings.skills_file, settings.courses_file), settings, SystemClock())
    with progress_bar(t("cli.import.checking"), length=rows) as bar:
        plan = plan_import(text, checker, t, progress=bar.update, community=community)
    new = missing_sqlite_file(settings.database_url)

    def report(checked: ImportPlan) -> int:
        """The file's problems said (or that it has no rows); exit status 1."""
        if checked.errors:
            for error in checked.errors:
                click.echo(t("cli.import.line", line=error.line, message=error.message), err=True)
            click.echo(t("cli.import.failed", count=len(checked.errors), file=file), err=True)
        else:
            click.echo(t("cli.import.empty", file=file), err=True)
        return 1

    # A row refused for a skill the taxonomy does not have may name one its mentor holds (an admin's reload took
    # it out; `/mentor signup` keeps it too): checked again below with the skills read from the database, when
    # there is one to read (a new one holds nobody's).
    recheck = bool(plan.errors and plan.unknown_skill and not new)
    if (plan.errors or not plan.entries) and not recheck:
        return report(plan)
    # A one-off command: it migrates, but settles no stored skills with its own skills file, and is refused when the
    # running bot's processes run with other settings or files (`open_bot`'s ``settle`` and ``agree``).
    async with open_bot(settings, store=store, settle=False, agree=True) as bot:
        if plan.errors:
            held = await bot.store.mentor_skills_of(community, plan.unknown_skill)
            taxonomy = checker.library.taxonomy
            if any(taxonomy.get(slug) is None for slugs in held.values() for slug in slugs):
                plan = plan_import(text, checker, t, community=community, held=held)
            if plan.errors or not plan.entries:
                return report(plan)
        # Each phase has its line on stderr (a bar on a terminal, its label alone otherwise), so a long import is
        # never a full bar with nothing said about what is still running. The mentors already here are read first:
        # what the import changes of them (skills dropped, a last free place taken, a zone moved) is followed up.
        with progress_bar(t("cli.import.comparing"), plan.entries) as entries:
            before = await before_import(bot.core, community, (user_id for user_id, _, _ in entries))
        # One transaction: the bar moves as each mentor is saved in it, all committed after the last.
        try:
            with progress_bar(t("cli.import.writing", count=len(plan.entries)), length=len(plan.entries)) as bar:
                count = await bot.store.import_mentors(community, plan.entries, bot.clock.now(), progress=bar.update)
        except ProfileInUse as refused:
            line = plan.lines[refused.index or 0]
            click.echo(
                t("cli.import.line", line=line, message=in_use_words(refused.in_use, t, bot.core.labels)), err=True
            )
            click.echo(t("cli.import.failed", count=1, file=file), err=True)
            return 1
        await after_import(bot.core, community, before)
    for warning in plan.warnings:  # imported all the same: the admin is told what to check
        click.echo(t("cli.import.line", line=warning.line, message=warning.message), err=True)
    database = mask_url_password(settings.database_url)
    written = t("cli.import.new_database" if new else "cli.import.database", database=database)
    click.echo(f"{t('cli.import.done', count=count, community=community)} {written}")
    return 0


def _data_rows(text: str) -> int:
    """How many CSV records follow the header, for the progress bar: those read before any the csv module cannot
    read (a field over its size limit, say), which `plan_import` then reports with its line."""
    rows = 0
    try:
        for _ in csv.reader(io.StringIO(text, newline="")):
            rows += 1
    except csv.Error:
        pass
    return max(rows - 1, 0)


@admin.command("export")
@click.argument("folder", metavar="DIR", type=click.Path(file_okay=False, path_type=Path))
@_reading_admin_options
def export(folder: Path, community: str, db: Path | None) -> None:
    """Write members.csv, requests.csv, offers.csv, mentorships.csv and feedback.csv of a community to DIR,
    readable by their owner only (0600); refused, writing nothing, when one of them is there already (a file or a
    symbolic link: an export never writes over, or through, what is there)."""
    from mentorbot.i18n import translator

    settings = settings_or_exit(**db_override(db))
    require_existing_database(settings)
    t = translator(settings.default_language)
    files = run_or_exit(_export(settings, community), settings)
    if isinstance(files, _Held):
        _refuse_empty(files, settings, t, t("cli.community.nothing_exported"))
    written: list[Path] = []
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        there = [folder / name for name in files if os.path.lexists(folder / name)]
        if there:
            click.echo(t("cli.export.exists", file=there[0]), err=True)
            sys.exit(1)
        with progress_bar(t("cli.export.progress"), list(files.items())) as items:
            for name, content in items:
                write_private(folder / name, content, replace=False)
                written.append(folder / name)
    except FileExistsError as exc:  # made there meanwhile, by another process
        _take_back(written)
        click.echo(t("cli.export.exists", file=exc.filename2 or exc.filename or folder), err=True)
        sys.exit(1)
    except OSError as exc:
        _take_back(written)
        click.echo(t("cli.export.cannot_write", folder=folder, reason=exc.strerror or exc), err=True)
        sys.exit(1)
    click.echo(t("cli.export.done", count=len(files), community=community, folder=folder, files=", ".join(files)))


def _take_back(written: Sequence[Path]) -> None:
    """Remove the files an export that failed half-way wrote (a full disk at its fourth file), so that the folder
    holds no partial set and the export run again is not refused as already there."""
    for path in written:
        with suppress(OSError):
            path.unlink()


def write_private(path: Path, content: bytes, *, replace: bool) -> None:
    """Write `content` to `path`, readable and writable by its owner only (0600, whatever the umask): to a new
    temporary file beside it first (so no half-written file is ever at `path`), then moved to its name. With
    `replace`, `os.replace` takes the name over: a file there is replaced, and a symbolic link there is replaced
    itself, never followed (the file it points at stays as it was). Without, the file is linked to the name, which
    fails with `FileExistsError` when anything, a symbolic link included, is there; on a file system without hard
    links it is created there new (``O_EXCL | O_NOFOLLOW``), which fails the same way."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        if replace:
            os.replace(temporary, path)
        else:
            _link_new(temporary, path, content)
    finally:
        with suppress(FileNotFoundError):
            os.unlink(temporary)


_NO_HARD_LINKS: frozenset[int] = frozenset({errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK})
"""What `os.link` raises on a file system that has no hard links (FAT, some network shares)."""


def _link_new(temporary: str, path: Path, content: bytes) -> None:
    """Give the written `temporary` the name `path`, which must be free (`write_private`)."""
    try:
        os.link(temporary, path)
    except FileExistsError:
        raise
    except OSError as exc:
        if exc.errno not in _NO_HARD_LINKS:
            raise
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        handle = os.open(path, flags, 0o600)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(content)
        except BaseException:  # a full disk half-way: no half-written file left under the name
            path.unlink(missing_ok=True)
            raise


async def _export(settings: Settings, community: str) -> dict[str, bytes] | _Held:
    from mentorbot.app import open_bot
    from mentorbot.usecases.admin import export_csv

    async with open_bot(settings, upgrade=False) as bot:
        held = await _held(bot.store, community)
        if held.refused:
            return held
        return await export_csv(bot.store, community)


@admin.command("forget")
@click.argument("user_id", metavar="USER_ID")
@_admin_options
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def forget(user_id: str, community: str, db: Path | None, yes: bool) -> None:
    """Forget a member of a community, as `/mentor forget` does for the member themself: for a member who left
    the server or workspace (they cannot run it any more) or who asked an admin. Their profile, requests, offers,
    mentorships and feedback are deleted in one transaction; partners and mentors affected are told through the
    outbox, by the running bot. USER_ID is the platform's id (a Discord user id, a Slack member id; in the console
    the member's name, in any case), the platform_user_id column of the members.csv `admin export` writes."""
    from mentorbot.i18n import translator
    from mentorbot.models import user_key

    user_id = user_key(community, user_id)  # the console's names lower-cased, as stored; a platform's id exact
    settings = settings_or_exit(**db_override(db))
    require_existing_database(settings)
    t = translator(settings.default_language)
    name = run_or_exit(_member_name(settings, community, user_id), settings)
    if name is None:
        click.echo(t("cli.forget.no_such_member", user=user_id, community=community), err=True)
        sys.exit(1)
    if not yes and not _confirmed(t("cli.forget.confirm", name=name, user=user_id, community=community)):
        click.echo(t("cli.forget.kept", name=name, user=user_id))
        sys.exit(1)
    run_or_exit(_forget(settings, community, user_id, name), settings)
    click.echo(t("cli.forget.done", name=name, user=user_id, community=community))


def _confirmed(question: str) -> bool:
    """The admin's yes to `question`; no answer (the input ended: a script, ``< /dev/null``; or Ctrl-C at the
    prompt) is a no, said in the command's own words rather than click's untranslated "Aborted!"."""
    try:
        return click.confirm(question)
    except click.Abort:
        click.echo()  # the prompt's line, left open, is ended
        return False


async def _member_name(settings: Settings, community: str, user_id: str) -> str | None:
    from mentorbot.app import open_bot
    from mentorbot.storage.migrations import SchemaPendingError

    try:
        # Refused here already, before the admin is asked to confirm, when the running bot's settings differ.
        async with open_bot(settings, upgrade=False, agree=True) as bot:
            member = await bot.store.find_member(community, user_id)
    except SchemaPendingError as exc:
        raise _not_upgraded(settings, exc.found, exc.known) from exc
    return None if member is None else member.display_name


async def _forget(settings: Settings, community: str, user_id: str, name: str) -> None:
    from mentorbot.app import open_bot
    from mentorbot.storage.migrations import SchemaPendingError
    from mentorbot.usecases.context import Caller

    try:
        # Who takes the member's requests on, and what the members affected are told, depend on the settings
        # (``MENTORBOT_MATCHING``, the round's schedule, the skills file): refused when the running bot's differ.
        async with open_bot(settings, upgrade=False, agree=True) as bot:
            member = await bot.store.find_member(community, user_id)
            try:
                async with bot.store.unit_of_work():  # one transaction: the forget's unit joins it
                    if member is not None:
                        # An admin forgetting a member who left is no sign they are back: nobody is told "back" first.
                        await bot.store.clear_departure(member.id, [])
                    outcome = await bot.forget(Caller(community, user_id, name), confirm=True)
                    if outcome.error is not None:
                        raise _Refused(outcome.reply.text)
            except _Refused as refused:
                raise click.ClickException(str(refused)) from None
            # This process delivers nothing: the running bot may send what the forget wrote at once, not after a
            # lease.
            await bot.store.hand_over(outcome.notifications, bot.worker_id, bot.clock.now())
    except SchemaPendingError as exc:  # a restore of an older backup since `_member_name` looked
        raise _not_upgraded(settings, exc.found, exc.known) from exc


def _not_upgraded(settings: Settings, found: int, known: int) -> click.ClickException:
    """The refusal of ``admin forget`` on a database at an older schema version than this MentorBot's, in the
    admin's language: the command does not upgrade it (`SchemaPendingError`'s own words, a reading command's,
    would say that it only reads, and a forget deletes)."""
    from mentorbot.i18n import translator

    t = translator(settings.default_language)
    return click.ClickException(t("cli.forget.schema_pending", version=found, known=known))


class _Refused(Exception):
    """The core refused the forget (its text is the reason): nothing of it is kept."""


@admin.command("stats")
@_reading_admin_options
@click.option(
    "--chart",
    "chart_file",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Also draw a chart and save it as this PNG file.",
)
@click.option(
    "--chart-name",
    type=click.Choice(["supply", "weekly", "days"]),
    default="supply",
    show_default=True,
    help="Which chart: supply against demand per skill, requests and matches per week, or days to match.",
)
def stats(community: str, db: Path | None, chart_file: Path | None, chart_name: str) -> None:
    """Programme health of a community: members, mentors, requests, mentorships, time to match, skill gaps, and
    the numbers of one chart (with --chart, the chart itself as a PNG file, 0600, replacing a file or a symbolic
    link of that name rather than writing through it: `write_private`). A chart that cannot be drawn is said on
    stderr, after the numbers, and the command exits 1."""
    from mentorbot.i18n import translator

    settings = settings_or_exit(**db_override(db))
    require_existing_database(settings)
    found = run_or_exit(_stats(settings, community, chart_name, draw=chart_file is not None), settings)
    if isinstance(found, _Held):
        _refuse_empty(found, settings, translator(settings.default_language))
    text, picture = found
    click.echo(text)
    if chart_file is None:
        return
    t = translator(settings.default_language)
    if picture is None:
        click.echo(t("cli.stats.chart_undrawn", file=chart_file), err=True)
        sys.exit(1)
    try:
        write_private(chart_file, picture, replace=True)
    except OSError as exc:
        reason = t("cli.stats.chart_cannot_write", file=chart_file, reason=exc.strerror or exc)
        click.echo(t("cli.error", reason=reason), err=True)
        sys.exit(1)
    click.echo(t("cli.stats.chart_written", file=chart_file))


async def _stats(settings: Settings, community: str, chart: str, *, draw: bool) -> tuple[str, bytes | None] | _Held:
    from mentorbot.app import open_bot
    from mentorbot.i18n import translator

    async with open_bot(settings, upgrade=False) as bot:
        held = await _held(bot.store, community)
        if held.refused:
            return held
        reply = await bot.stats_reply(community, settings.default_language, chart=chart, picture=draw)
    lines = [reply.title or ""]
    if len(held.members) > 1:  # which of the database's communities these figures are of
        t = translator(settings.default_language)
        lines.append(t("cli.stats.community", community=community, count=len(held.members)))
    lines.append(reply.text)
    for item in reply.fields:
        if "\n" in item.value:
            lines.append(f"{item.name}:")
            lines.extend(f"  {line}" for line in item.value.splitlines())
        else:
            lines.append(f"{item.name}: {item.value}")
    picture = reply.attachments[0].content if reply.attachments else None
    return "\n".join(line for line in lines if line), picture


# ---------------------------------------------------------------------------------------------- simulate


@main.command()
@click.option("--days", type=click.IntRange(1, 3650), default=90, show_default=True, help="Days to simulate.")
@click.option("--members", type=click.IntRange(1), default=300, show_default=True, help="Members who ask for help.")
@click.option("--mentors", type=click.IntRange(1), default=40, show_default=True, help="Mentors.")
@click.option("--seed", type=int, default=1, show_default=True, help="Seed: the same seed gives the same run.")
@click.option(
    "--database",
    metavar="URL",
    help="sqlite:///FILE or postgresql://… without a simulation yet (default: a temporary SQLite file).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.option(
    "--language",
    type=click.Choice(LANGUAGES),
    default="en",
    show_default=True,
    help="Language of the report (the simulated community's own is English, whatever this says).",
)
def simulate(
    days: int, members: int, mentors: int, seed: int, database: str | None, as_json: bool, language: str
) -> None:
    """Play a seeded community for DAYS through the real core and print how well it was served.

    It runs on MentorBot's defaults, not on this folder's .env or MENTORBOT_* variables, so a seed gives the same
    figures anywhere."""
    import json
    import tempfile
    import time

    from mentorbot.i18n import translator
    from mentorbot.simulation import SimulationError, SimulationSpec, run_simulation

    spec = SimulationSpec(days=days, members=members, mentors=mentors, seed=seed)
    t = translator(language)
    with tempfile.TemporaryDirectory(prefix="mentorbot-simulate-") as folder:
        url = database or f"sqlite:///{Path(folder) / 'simulation.sqlite3'}"
        settings = _simulation_settings_or_exit(url)
        started = time.perf_counter()
        with progress_bar(t("cli.simulate.progress"), length=days) as bar:
            result = run_or_exit(_simulate(run_simulation(settings, spec, progress=bar.update)), settings)
        seconds = time.perf_counter() - started
    if isinstance(result, SimulationError):
        click.echo(t(f"cli.simulate.{result.key}", **result.params), err=True)
        sys.exit(2)
    speed = {"seconds": round(seconds, 2), "days_per_second": round(days / seconds, 2)}
    if as_json:
        click.echo(json.dumps({"figures": result.as_json(), "speed": speed}, indent=2, ensure_ascii=False))
        return
    click.echo(_simulation_report(result, speed, t))


def _simulation_settings_or_exit(url: str) -> Settings:
    """The simulation's settings (`simulation.simulation_settings`: the defaults and `url`), or exit with status 2
    and one line naming ``--database`` when `url` is no database's (its value, which may hold a password, is never
    echoed)."""
    from pydantic import ValidationError

    from mentorbot.settings import ENV_PREFIX, describe_validation_error
    from mentorbot.simulation import simulation_settings

    try:
        return simulation_settings(url)
    except ValidationError as exc:
        message = re.sub(rf"(^|; ){ENV_PREFIX}DATABASE_URL: ", r"\g<1>--database: ", describe_validation_error(exc))
        click.echo(f"error: {message}", err=True)
        sys.exit(2)


async def _simulate(running: Coroutine[Any, Any, SimulationResult]) -> SimulationResult | SimulationError:
    """The simulation's figures, or the `SimulationError` that stopped it (said in words, not as a failure)."""
    from mentorbot.simulation import SimulationError

    try:
        return await running
    except SimulationError as exc:
        return exc


def _simulation_report(result: SimulationResult, speed: dict[str, float], t: Translator) -> str:
    """The figures of a `SimulationResult` as lines in the admin's language."""
    none = t("cli.simulate.none")

    def days(value: float | None) -> str:
        return none if value is None else f"{value:g}"

    r = result
    lines = [
        t("cli.simulate.title", days=r.days, members=r.members, mentors=r.mentors, seed=r.seed),
        t("simulation.defaults"),
        t("cli.simulate.requests", made=r.requests_made, matched=r.matched, cancelled=r.cancelled),
        t("cli.simulate.time_to_match", median=days(r.days_to_match_median), p90=days(r.days_to_match_p90)),
        t(
            "cli.simulate.longest_wait",
            hours=r.longest_wait_with_room_hours,
            requests=t("cli.simulate.requests_waited", count=r.requests_waited_with_room),
            total=r.wait_with_room_hours,
        ),
        t("cli.simulate.stranded", count=r.stranded, with_room=r.stranded_with_room),
        t("cli.simulate.over_capacity", count=r.mentors_over_capacity),
        t(
            "simulation.offers",
            offers=r.offers,
            accepted=r.offers_accepted,
            declined=r.offers_declined,
            expired=r.offers_expired,
            withdrawn=r.offers_withdrawn,
            pending=r.offers_pending,
            ratio=none if r.offers_per_accept is None else f"{r.offers_per_accept:g}",
        ),
        t(
            "cli.simulate.feedback",
            mentees=r.feedback_from_mentees,
            mentors=r.feedback_from_mentors,
            ended=r.mentorships_ended,
            started=r.mentorships,
        ),
        t("cli.simulate.pauses", auto=r.auto_pauses, pauses=r.pauses, resumes=r.resumes),
        t("cli.simulate.scarce", skills=", ".join(r.scarce_skills) or none),
        t("cli.simulate.speed", seconds=f"{speed['seconds']:g}", rate=f"{speed['days_per_second']:g}"),
    ]
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    main()
