"""What every ``mentorbot`` subcommand module shares: loading the settings, running an async part, ``--db``.

Its own module so that the subcommand modules (`mentorbot.cli`, `mentorbot.ops_cli`) need not import each other.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from mentorbot.settings import ENV_PREFIX, Settings, SettingsError, load_settings

if TYPE_CHECKING:
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


def run_or_exit(coroutine: Coroutine[Any, Any, T], settings: Settings) -> T:
    """Run an admin command's async part; a failure (database unreachable, broken config file) is one line."""
    try:
        return asyncio.run(coroutine)
    except Exception as exc:
        from mentorbot.config_errors import config_file_problem
        from mentorbot.errors import ConfigFileError
        from mentorbot.i18n import translator

        log.debug("admin command failed", exc_info=True)
        reason = config_file_problem(exc, settings) if isinstance(exc, ConfigFileError) else str(exc)
        click.echo(translator(settings.default_language)("cli.error", reason=reason or type(exc).__name__), err=True)
        sys.exit(2)


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
