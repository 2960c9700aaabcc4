"""Error types shared by the core.

`UserError` carries a message-catalog key, never exception text, so adapters can show it to users
in their language. `ConfigFileError` names the file, the entry and the field of a broken config file.
`unexpected` turns a bug into the apology a member sees, with a correlation id that is logged with it, and a
failure of the database itself (`mentorbot.storage.database.DatabaseError`) into its short "try again in a
minute" message, logged once in one line with the id.
"""

from __future__ import annotations

import errno
import logging
import socket
import sys
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final, Literal, get_args

from mentorbot.logcontext import correlation_id as current_correlation_id
from mentorbot.storage.database import DatabaseError

FieldName = Literal[
    "note", "bio", "comment", "reason", "title", "request", "offer", "mentorship", "mentor", "suggestion"
]
"""What a `UserError`'s ``field`` or ``what`` names: each has its word under ``[field]`` in every catalog."""
FIELD_NAMES: tuple[str, ...] = get_args(FieldName)

PASSING_LISTEN_ERRORS: Final = frozenset({errno.EADDRINUSE, errno.EADDRNOTAVAIL, socket.EAI_AGAIN})
"""Why a socket cannot listen that may pass by itself: a port still held by the process before, an address not
assigned yet, a name server not answering yet at boot (`mentorbot run` exits 1 for these, to be restarted)."""


class MentorBotError(Exception):
    """Base class of every error raised on purpose by MentorBot."""


class UserError(MentorBotError):
    """Bad input or a refused action: shown to the user as a localized message.

    `key` is a message-catalog key (for example ``"request.too_many_skills"``) and `params` fill its
    placeholders. Nothing was changed when this is raised.
    """

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params: Mapping[str, Any] = params


class ConfigFileError(MentorBotError):
    """A configuration file (skills, courses) is invalid.

    The message names the file, the entry (for example ``skill #3 'paid-social'``) and the field. `more` holds the
    file's other problems found in the same reading (each entry's, so an admin fixes them in one pass): the message
    then says how many more there are in one line, and `problems` lists every one (``mentorbot config check`` and
    an admin's reload show them all).
    """

    def __init__(
        self,
        path: Path | str,
        entry: str | None,
        field: str | None,
        reason: str,
        *,
        more: Sequence[ConfigFileError] = (),
    ) -> None:
        self.path = str(path)
        self.entry = entry
        self.field = field
        self.reason = reason
        self.more: tuple[ConfigFileError, ...] = tuple(more)
        where = self.path
        if entry:
            where += f", {entry}"
        if field:
            where += f", field '{field}'"
        self.line = f"{where}: {reason}"
        """This problem alone, in one line (the message adds how many more the file has)."""
        others = ""
        if self.more:
            count = len(self.more)
            plural = "s" if count > 1 else ""
            others = f" (and {count} more problem{plural} in this file: `mentorbot config check` lists them all)"
        super().__init__(self.line + others)

    @classmethod
    def of(cls, problems: Sequence[ConfigFileError]) -> ConfigFileError:
        """One error standing for `problems` (of one file, in the file's order; at least one): the first, carrying
        the others as `more`."""
        first, *rest = problems
        return cls(first.path, first.entry, first.field, first.reason, more=rest)

    @property
    def problems(self) -> tuple[ConfigFileError, ...]:
        """Every problem this error stands for, each alone: itself first, then `more`."""
        alone = ConfigFileError(self.path, self.entry, self.field, self.reason) if self.more else self
        return (alone, *self.more)


def unexpected(log: logging.Logger, what: str, *args: object, exc_info: BaseException | bool = True) -> UserError:
    """An unexpected failure, logged and turned into the apology the member sees (``common.apology``).

    Makes a fresh correlation id, logs ``unexpected error [<id>] <what % args>`` at error level with the
    traceback (of the exception being handled, or of `exc_info` when given) and returns the `UserError`
    that carries the id, so the member can quote it and an operator can find the traceback. The exception's
    own text is never shown to anyone but the log.

    When the failure is the database's (a `DatabaseError`, or one that caused it), it is not a bug: the log gets
    one line, ``database <kind> [<id>] <what % args>: <reason>``, without a traceback, the failure is counted in
    ``mentorbot_database_errors_total`` under its kind, and the `UserError` is the database's own message
    (``common.db_unavailable``, ``db_busy``, ``db_full``, ``db_read_only``) with the id.
    """
    # The use-case's own id when one is running, so every log line of the command carries the one quoted.
    correlation_id = current_correlation_id() or uuid.uuid4().hex[:10]
    failure = database_failure(exc_info if isinstance(exc_info, BaseException) else sys.exc_info()[1])
    if failure is not None:
        # Here, not at import: the settings and every use-case import this module, the metrics only this path.
        from mentorbot.metrics import DATABASE_ERRORS

        DATABASE_ERRORS.labels(failure.kind).inc()
        log.error("database %s [%s] " + what + ": %s", failure.kind, correlation_id, *args, failure)
        return UserError(failure.message_key, correlation_id=correlation_id)
    log.error("unexpected error [%s] " + what, correlation_id, *args, exc_info=exc_info)
    return UserError("common.apology", correlation_id=correlation_id)


def database_down(
    log: logging.Logger, failure: DatabaseError, what: str, *args: object, then: str = "", failures: int = 1
) -> None:
    """A database failure met outside a use-case, where nobody waits for an answer (a timer round, a loop, a
    lookup): not a bug, so one warning line, ``<what % args>: the database is <kind> (<reason>)<then>``, without a
    traceback, and `failures` (those the line stands for) counted in ``mentorbot_database_errors_total`` under the
    kind. `then` says what happens next."""
    from mentorbot.metrics import DATABASE_ERRORS  # here, not at import: see `unexpected`

    DATABASE_ERRORS.labels(failure.kind).inc(failures)
    log.warning(what + ": the database is %s (%s)" + then.replace("%", "%%"), *args, failure.kind, failure)


def database_failure(exc: BaseException | None) -> DatabaseError | None:
    """The `DatabaseError` that `exc` is, or that caused it (its ``__cause__``/``__context__`` chain, or one of
    an exception group's), or None."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, DatabaseError):
            return exc
        if isinstance(exc, BaseExceptionGroup):
            return next((f for f in map(database_failure, exc.exceptions) if f is not None), None)
        exc = exc.__cause__ or exc.__context__
    return None
