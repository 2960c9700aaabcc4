"""What every ``mentorbot`` subcommand module shares: loading the settings, running an async part, ``--db``.

Its own module so that the subcommand modules (`mentorbot.cli`, `mentorbot.ops_cli`) need not import each other.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import re
import sys
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from mentorbot.settings import ENV_PREFIX, Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from mentorbot.i18n import Translator
    from mentorbot.storage.database import DatabaseError
    from mentorbot.storage.migrations import SchemaChangeDenied

log = logging.getLogger("mentorbot.cli")

T = TypeVar("T")


def settings_or_exit(*, option: str | None = None, **overrides: Any) -> Settings:
    """The settings (with `overrides`), or exit with status 2 and one line naming the wrong setting.

    `option` is the command-line option (``--database``) that gave ``database_url``: a URL it gave that is
    refused is named after the option, not after ``MENTORBOT_DATABASE_URL`` (which it overrides)."""
    try:
        return load_settings(**overrides)
    except SettingsError as exc:
        message = str(exc)
        if option is not None and "database_url" in overrides:
            message = re.sub(rf"(^|; ){ENV_PREFIX}DATABASE_URL: ", rf"\g<1>{option}: ", message)
        click.echo(f"error: {message}", err=True)
        sys.exit(2)


def database_option_or_exit(url: str, option: str) -> Settings:
    """The settings with the database `url` a command-line `option` gave (``db copy --from``): the same check as
    ``MENTORBOT_DATABASE_URL``, a malformed URL refused in one line naming `option` (its value, which may hold a
    password, is never echoed), exit 2."""
    return settings_or_exit(option=option, database_url=url)


MAY_PASS: frozenset[str] = frozenset({"unavailable", "busy"})
"""The kinds of database failure a one-off command exits 1 for, as ``mentorbot run`` does for them (a database
down, out of reach or locked by another writer: the same command may work later); the others exit 2."""


def run_or_exit(coroutine: Coroutine[Any, Any, T], settings: Settings, *, databases: Sequence[str] = ()) -> T:
    """Run an admin command's async part; a failure is one line in the admin's language (`settings`' language).

    A database the command cannot use is said in the words of ``mentorbot run`` (`database_problem`), naming it,
    exit 1 when it may pass (`MAY_PASS`), else 2; a broken skills or courses file is led by its setting; anything
    else is its text; both exit 2.

    Ctrl-C during a command that works on the bot's database (`app.open_bot`: ``admin import-mentors``, ``export``,
    ``forget``, ``stats``, ``simulate``) is one line too, exit 130: ``asyncio.run`` cancelled the command, whose
    open transaction was rolled back and whose store was closed; a SQLite file it created is removed. So is it for a
    command that opens `databases` (their URLs) itself (``db status``, ``db upgrade``, ``db copy``). Another
    command's Ctrl-C goes on up: ``db restore`` and ``admin backup`` say what they left."""
    made = [
        (url, path) for url in (databases or (settings.database_url,)) if (path := new_sqlite_file(url)) is not None
    ]
    opened: list[str] = []
    try:
        return asyncio.run(_noting_bots(coroutine, opened))
    except KeyboardInterrupt:
        if inspect.iscoroutine(coroutine) and inspect.getcoroutinestate(coroutine) == inspect.CORO_CREATED:
            coroutine.close()  # Ctrl-C came before it started: no "coroutine … was never awaited" warning
        if not opened and not databases:
            raise
        _interrupted(settings, made)
    except Exception as exc:
        from mentorbot.config_errors import config_file_problem
        from mentorbot.errors import ConfigFileError
        from mentorbot.i18n import translator

        log.debug("admin command failed", exc_info=True)
        t = translator(settings.default_language)
        if _settings_differ(exc, settings, t):
            sys.exit(2)
        failure = None if isinstance(exc, ConfigFileError) else _database_failure(exc)
        if failure is not None:
            database = failure.database or (opened[-1] if opened else None)
            if database is not None:
                click.echo(t("cli.error", reason=database_problem(t, database, failure)), err=True)
                sys.exit(1 if failure.kind in MAY_PASS else 2)
        reason = config_file_problem(exc, settings) if isinstance(exc, ConfigFileError) else str(exc)
        click.echo(t("cli.error", reason=reason or type(exc).__name__), err=True)
        sys.exit(1 if failure is not None and failure.kind in MAY_PASS else 2)


async def _noting_bots(coroutine: Coroutine[Any, Any, T], opened: list[str]) -> T:
    """`coroutine`, the databases `app.open_bot` is asked to open in it noted in `opened`. The bot's modules are
    imported here, in the event loop: a Ctrl-C meanwhile is asyncio's, which cancels the command."""
    from mentorbot.app import bots_opened

    with bots_opened(opened):
        return await coroutine


def _interrupted(settings: Settings, made: list[tuple[str, Path]]) -> NoReturn:
    """Say that Ctrl-C stopped the command, what it had not committed rolled back (a change it committed before,
    an import's or a forget's, stays: the admin runs it again to see), and exit 130; `made`, the URLs and files of
    the SQLite databases that did not exist before the command, are removed with their -wal and -shm (the first
    named: a command makes one at most)."""
    from mentorbot.i18n import translator
    from mentorbot.settings import mask_url_password

    t = translator(settings.default_language)
    for _, path in made:
        for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            leftover.unlink(missing_ok=True)
    if not made:
        click.echo(t("cli.interrupted.nothing_changed"), err=True)
    else:
        click.echo(t("cli.interrupted.nothing_left", database=mask_url_password(made[0][0])), err=True)
    sys.exit(130)


def _settings_differ(exc: Exception, settings: Settings, t: Translator) -> bool:
    """When `exc` is `app.SettingsDiffer` (a one-off command that writes, run with other settings or files than the
    live processes of its database: refused, nothing changed), say so in one line in the admin's language, naming
    each setting that differs with both values (a file: the start of both SHA-256), and what to do; whether it
    was."""
    from mentorbot.app import SettingsDiffer
    from mentorbot.settings import mask_url_password
    from mentorbot.storage.fingerprints import env_name

    if not isinstance(exc, SettingsDiffer):
        return False
    parts = []
    for difference in exc.differences:
        setting = env_name(difference.setting)
        if difference.is_file:
            theirs = " / ".join(value[:12] for value in difference.theirs)
            parts.append(t("cli.agree.file", setting=setting, mine=difference.mine[:12], theirs=theirs))
        else:
            mine = f"`{difference.mine}`" if difference.mine else t("cli.agree.not_set")
            theirs = " / ".join(f"`{value}`" if value else t("cli.agree.not_set") for value in difference.theirs)
            parts.append(t("cli.agree.setting", setting=setting, mine=mine, theirs=theirs))
    reason = t(
        "cli.agree.nothing_done",
        database=mask_url_password(settings.database_url),
        workers=", ".join(exc.workers),
        differences="; ".join(parts),
    )
    click.echo(t("cli.error", reason=reason), err=True)
    return True


def _database_failure(exc: Exception) -> DatabaseError | None:
    """The database failure `exc` is, or that caused it (`errors.database_failure`); not for MentorBot's own
    refusals (a schema too new, another program's tables, missing grants), which say what to do themselves."""
    from mentorbot.errors import MentorBotError, database_failure

    if isinstance(exc, MentorBotError | SettingsError | click.ClickException):
        return None
    return database_failure(exc)


def database_problem(t: Translator, url: str, failure: DatabaseError, *, shown: str | None = None) -> str:
    """What a one-off command says of the database at `url` it could not use: ``mentorbot run``'s words for the
    failure's kind, the database (its password masked, or `shown`: the console names it as its header does) and
    the reason its driver gave (not its Python class)."""
    from mentorbot.settings import mask_url_password

    kind = failure.kind.replace("-", "_").replace(" ", "_")
    key = f"cli.database.problem_{kind}"
    problem = t(key if t.has(key) else "cli.database.problem_failed")
    database = mask_url_password(url) if shown is None else shown
    cause = failure.__cause__
    reason = str(cause).strip() if cause is not None else ""
    if not reason:
        return t("cli.database.failed_bare", database=database, problem=problem)
    return t("cli.database.failed", database=database, problem=problem, reason=_without_password(reason, url))


def _without_password(text: str, url: str) -> str:
    """`text` with the password of `url`, if it holds it, masked (a driver may repeat what it was given)."""
    from urllib.parse import unquote, urlsplit

    try:
        password = urlsplit(url).password
    except ValueError:
        return text
    for secret in {password, unquote(password)} if password else ():
        text = text.replace(secret, "********")
    return text


def db_override(db: Path | None) -> dict[str, Any]:
    """``--db PATH``: a SQLite file instead of the configured database."""
    return {"database_url": f"sqlite:///{db}"} if db is not None else {}


def new_sqlite_file(url: str) -> Path | None:
    """The file of the database `url` names when it is a SQLite file that does not exist (yet: opening the
    database would create it), else None. Options after the path (``?timeout=5``) are not the file's."""
    from mentorbot.storage.database import sqlite_path

    if not url.startswith("sqlite"):
        return None
    path = sqlite_path(url).partition("?")[0]
    return None if path == ":memory:" or Path(path).exists() else Path(path)


def missing_sqlite_file(url: str) -> bool:
    """Whether the database `url` names is a SQLite file that does not exist (yet)."""
    return new_sqlite_file(url) is not None


def require_existing_database(settings: Settings) -> None:
    """For a command that only reads (`admin export`, `admin stats`): a SQLite file that does not exist is
    refused, exit 2 (a mistyped path would otherwise create an empty database and report on it)."""
    from mentorbot.i18n import translator
    from mentorbot.settings import mask_url_password

    if missing_sqlite_file(settings.database_url):
        t = translator(settings.default_language)
        reason = t("ops.refused.no_source", database=mask_url_password(settings.database_url))
        click.echo(t("cli.error", reason=reason), err=True)
        sys.exit(2)


def schema_change_denied(settings: Settings, exc: SchemaChangeDenied) -> str:
    """The one line of `mentorbot run` and ``db upgrade`` when the schema must change and the database user may
    not change it (a role without CREATE): what is pending, the server's reason, and to upgrade as the owner."""
    from mentorbot.i18n import translator
    from mentorbot.settings import mask_url_password

    t = translator(settings.default_language)
    change = t("cli.schema.apply", names=", ".join(exc.pending)) if exc.pending else t("cli.schema.checksums")
    database = mask_url_password(settings.database_url)
    return t("cli.error", reason=t("cli.schema.denied", database=database, change=change, reason=exc.reason))
