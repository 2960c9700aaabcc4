"""The console's read-eval-print loop: interactive (prompt, line editing, history) or a script on stdin.

``mentorbot console`` calls `run_console`. Interactive when stdin is a terminal: a ``name> `` prompt with
readline editing and history in ``~/.mentorbot_history``. Otherwise every line of stdin is run in turn and
echoed after the prompt, and the exit status is 1 when a line could not be run or the files a line gave (an
export) could not be saved (0 otherwise).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import sys
from collections.abc import Iterator
from contextlib import AsyncExitStack
from datetime import timedelta
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

from mentorbot.app import open_bot
from mentorbot.cli_support import database_problem
from mentorbot.clock import Clock
from mentorbot.demo import seed_demo
from mentorbot.errors import ConfigFileError, database_failure
from mentorbot.i18n import translator
from mentorbot.observability import TextFormatter, redact
from mentorbot.settings import Settings
from mentorbot.storage.database import sqlite_path
from mentorbot_console.clock import OffsetClock
from mentorbot_console.session import COMMUNITY, ConsoleSession, plain_text

HISTORY_FILE = Path("~/.mentorbot_history")
HISTORY_LENGTH = 1000
OFFSET_FILE = "clock-offset"
"""Kept in the database's own console folder (`state_dir`): how far `/clock` moved time, so the next session
on the same database goes on from there (and a session on another database does not)."""


def _read_offset(path: Path) -> timedelta:
    try:
        seconds = float(path.read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return timedelta(0)
    return timedelta(seconds=seconds) if seconds > 0 else timedelta(0)


def _write_offset(path: Path, offset: timedelta) -> None:
    if offset <= timedelta(0) and not path.exists():
        return
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{offset.total_seconds():.0f}\n", encoding="utf-8")


def _sqlite_file(url: str) -> Path | None:
    """The file of a SQLite `url`, without the options after it (``?timeout=5`` names no file)."""
    if not url.startswith("sqlite"):
        return None
    path = sqlite_path(url).partition("?")[0]
    return None if path == ":memory:" else Path(path)


def _server(url: str) -> tuple[str, str, str]:
    """A server database's scheme, ``host:port`` and database name, without user, password or parameters."""
    parts = urlsplit(url)
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:  # a port that is not a number: name the host alone
        port = ""
    return parts.scheme, f"{parts.hostname or 'localhost'}{port}", parts.path.lstrip("/")


def describe_database(url: str) -> str:
    """The database as the console's header names it: a SQLite file's path, or a server's
    ``postgresql://host:port/name``; never a user, a password or a query parameter."""
    file = _sqlite_file(url)
    if file is not None:
        return str(file)
    if url.startswith("sqlite"):
        return ":memory:"
    scheme, where, name = _server(url)
    return f"{scheme}://{where}/{name}"


def state_dir(settings: Settings) -> Path:
    """The console's folder for one database: its clock offset, its log and (without ``--files``) the files
    it saved. ``try.sqlite3.console/`` next to a SQLite file; ``data/console/<host>-<port>-<name>/`` for a
    server. Each database has its own, so a fresh one never inherits another's clock."""
    file = _sqlite_file(settings.database_url)
    if file is not None:
        return file.with_name(file.name + ".console")
    if settings.database_url.startswith("sqlite"):
        return Path("data") / "console" / "memory"
    _, where, name = _server(settings.database_url)
    return Path("data") / "console" / "-".join(part for part in (where.replace(":", "-"), name) if part)


@contextlib.contextmanager
def _log_to_file(path: Path, level: str) -> Iterator[None]:
    """Send the bot's log to a file for the session: the terminal shows replies, never tracebacks."""
    logger = logging.getLogger("mentorbot")
    handler: logging.Handler
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(path, encoding="utf-8")
    except OSError:  # an unwritable folder: no log, but still no traceback in the terminal
        handler = logging.NullHandler()
    handler.setFormatter(TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))  # secrets masked
    previous = (logger.level, logger.propagate)
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        handler.close()
        logger.setLevel(previous[0])
        logger.propagate = previous[1]


@contextlib.contextmanager
def _history(interactive: bool) -> Iterator[None]:
    """Line editing and history when interactive (and readline exists on this platform)."""
    if not interactive:
        yield
        return
    try:
        import readline
    except ImportError:  # pragma: no cover - Windows without pyreadline
        yield
        return
    history = HISTORY_FILE.expanduser()
    with contextlib.suppress(OSError):
        readline.read_history_file(history)
    readline.set_history_length(HISTORY_LENGTH)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            readline.write_history_file(history)


def _cannot_open(settings: Settings, exc: Exception) -> str:
    """Why the console could not open its database, in the console's language: a database failure in the words of
    the admin commands (`cli_support.database_problem`: the database as the header names it, what is wrong and the
    driver's reason, a password in it masked, never its exception class; the log has the details), anything else
    as its text, redacted."""
    t = translator(settings.default_language)
    database = describe_database(settings.database_url)
    failure = database_failure(exc)
    if failure is not None:
        problem = database_problem(t, settings.database_url, failure, shown=database)
        return t("console.database_problem", problem=problem)
    return t("console.cannot_open", database=database, reason=redact(str(exc)) or type(exc).__name__)


def run_console(
    settings: Settings,
    *,
    name: str = "guest",
    demo: bool = False,
    files_dir: Path | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    interactive: bool | None = None,
    base_clock: Clock | None = None,
) -> int:
    """Run the console until ``/quit`` or the end of input; returns the exit status."""
    source = stdin or sys.stdin or io.StringIO()  # none at all (`mentorbot console <&-`): empty input
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    tty = source.isatty() if interactive is None else interactive
    state = state_dir(settings)
    folder = files_dir or state
    offset_file = state / OFFSET_FILE
    file = _sqlite_file(settings.database_url)
    if file is not None and not file.exists():
        # A new database starts at the real time, whatever a deleted one of the same name had moved to.
        with contextlib.suppress(OSError):
            offset_file.unlink(missing_ok=True)
    offset = _read_offset(offset_file)
    clock = OffsetClock(base_clock, offset) if base_clock is not None else OffsetClock(offset=offset)

    def echo(text: str) -> None:
        if text:
            print(text, file=out, flush=True)

    def end_line() -> None:
        """End the prompt's line (Ctrl-C, Ctrl-D): the next prompt, or the shell's, starts on a line of its own."""
        print(file=out, flush=True)

    failed: list[int] = []
    unsaved: list[int] = []  # lines whose attachments could not be saved: the script did not do what it asked
    with _log_to_file(state / "console.log", settings.log_level), asyncio.Runner() as runner:
        stack = AsyncExitStack()
        try:
            bot = runner.run(stack.enter_async_context(open_bot(settings, clock=clock)))
        except ConfigFileError as exc:  # the skills or courses file, read before the database is touched
            logging.getLogger("mentorbot").error("cannot load %s: %s", exc.path, exc)
            t = translator(settings.default_language)
            courses = Path(exc.path) == Path(settings.courses_file)
            key = "console.bad_courses_file" if courses else "console.bad_skills_file"
            print(t(key, reason=redact(str(exc))), file=err, flush=True)
            return 2
        except Exception as exc:
            logging.getLogger("mentorbot").exception("cannot open the database")
            print(_cannot_open(settings, exc), file=err, flush=True)
            return 2
        try:
            session = ConsoleSession(bot, clock, name=name, community=COMMUNITY, files_dir=folder)
            summary = None
            if demo:
                seeded = runner.run(seed_demo(bot, COMMUNITY))
                t = translator(settings.default_language)
                summary = t(
                    "console.demo_ready",
                    mentors=t("console.mentor_count", count=seeded.mentors),
                    requests=t("console.open_request_count", count=seeded.open_requests),
                )
            echo(runner.run(session.start(database=describe_database(settings.database_url), demo_summary=summary)))
            if clock.offset > timedelta(0):
                echo(runner.run(session.run_line("/clock")).output)
            with _history(tty):
                number = 0
                while not session.finished:
                    try:
                        if tty:
                            line = input(session.prompt)
                        else:
                            line = source.readline()
                            if not line:
                                break
                            number += 1
                            line = line.rstrip("\r\n")  # a script saved with Windows line ends, too
                            if number == 1:
                                line = line.removeprefix("\ufeff")  # saved as UTF-8 with a byte-order mark
                            if line.strip() and not line.lstrip().startswith("#"):
                                echo(session.prompt + line)
                    except EOFError:
                        end_line()
                        break
                    except KeyboardInterrupt:
                        end_line()
                        continue
                    try:
                        result = runner.run(session.run_line(line))
                    except KeyboardInterrupt:
                        end_line()
                        continue
                    echo(result.output)
                    if not result.ok and not tty:
                        failed.append(number)
                    if result.unsaved and not tty:
                        unsaved.append(number)
        finally:
            runner.run(stack.aclose())
            _write_offset(offset_file, clock.offset)
    t = translator(settings.default_language)
    for key, numbers in (("console.script_failed", failed), ("console.script_unsaved", unsaved)):
        if numbers:
            lines = ", ".join(str(n) for n in numbers)
            print(plain_text(t(key, count=len(numbers), lines=lines)), file=err, flush=True)
    return 1 if failed or unsaved else 0
