"""Error types shared by the core.

`UserError` carries a message-catalog key, never exception text, so adapters can show it to users
in their language. `ConfigFileError` names the file, the entry and the field of a broken config file.
`unexpected` turns a bug into the apology a member sees, with a correlation id that is logged with it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any


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

    The message names the file, the entry (for example ``skill #3 'paid-social'``) and the field.
    """

    def __init__(self, path: Path | str, entry: str | None, field: str | None, reason: str) -> None:
        self.path = str(path)
        self.entry = entry
        self.field = field
        self.reason = reason
        where = self.path
        if entry:
            where += f", {entry}"
        if field:
            where += f", field '{field}'"
        super().__init__(f"{where}: {reason}")


class ConcurrencyConflict(MentorBotError):
    """A conditional update lost its race: the row was no longer in the expected state."""


def unexpected(log: logging.Logger, what: str, *args: object, exc_info: BaseException | bool = True) -> UserError:
    """An unexpected failure, logged and turned into the apology the member sees (``common.apology``).

    Makes a fresh correlation id, logs ``unexpected error [<id>] <what % args>`` at error level with the
    traceback (of the exception being handled, or of `exc_info` when given) and returns the `UserError`
    that carries the id, so the member can quote it and an operator can find the traceback. The exception's
    own text is never shown to anyone but the log.
    """
    correlation_id = uuid.uuid4().hex[:10]
    log.error("unexpected error [%s] " + what, correlation_id, *args, exc_info=exc_info)
    return UserError("common.apology", correlation_id=correlation_id)
