"""The small SQL port both engines implement: connections, transactions, parameters, timestamps.

SQL is written once with ``?`` placeholders; the PostgreSQL engine rewrites them to ``$1, $2…``.
Timestamps go in and come out as aware UTC datetimes whichever engine stores them.

When the database itself fails (not the bot's SQL), the engines raise a `DatabaseError` that says what kind of
failure it is: `DatabaseUnavailable`, `DatabaseBusy`, `DatabaseFull` or `DatabaseReadOnly` (and, for a statement
committed on its own whose connection was lost, `DatabaseOutcomeUnknown`). The transaction
was rolled back before it is raised, so nothing half-done is kept; the driver's exception is its ``__cause__``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any, Protocol

Row = Mapping[str, Any]


class DatabaseError(Exception):
    """The database failed for a reason outside the bot (connection, disk, locks, permissions).

    `kind` names the failure for logs and `message_key` is the catalog key of what the member is told (a short
    "try again in a minute"). The text of the exception is for the log only.
    """

    kind = "failed"
    message_key = "common.db_unavailable"
    database: str | None = None
    """The URL of the database that failed, set by its engine (`named`): a command that works on two (``db copy``)
    names the one that failed. It may hold a password: mask it (`settings.mask_url_password`) before showing it."""

    def named(self, url: str) -> DatabaseError:
        """This failure, of the database at `url` unless an inner engine named one already."""
        if self.database is None:
            self.database = url
        return self


class DatabaseUnavailable(DatabaseError):
    """The database cannot be reached: connection refused, lost or timed out, or the file cannot be opened."""

    kind = "unavailable"
    message_key = "common.db_unavailable"


class DatabaseOutcomeUnknown(DatabaseUnavailable):
    """The connection was lost while a statement committed on its own (`Database.express_one`) was running, and
    the database could not be asked since: the statement may or may not have taken effect. Only the caller can
    resolve it (by running an idempotent statement again); the member is told it is not known
    (``common.db_unsure``), never that nothing was changed."""

    kind = "outcome unknown"
    message_key = "common.db_unsure"


class DatabaseBusy(DatabaseError):
    """The database stayed locked by another writer beyond the busy timeout, or has no free connection."""

    kind = "busy"
    message_key = "common.db_busy"


class DatabaseFull(DatabaseError):
    """The disk (or the database's size limit) is full: nothing more can be written."""

    kind = "full"
    message_key = "common.db_full"


class DatabaseReadOnly(DatabaseError):
    """The database can be read but not written (a read-only file, folder or mount, or a standby server)."""

    kind = "read-only"
    message_key = "common.db_read_only"


class Connection(Protocol):
    """A connection inside a transaction."""

    async def execute(self, sql: str, *args: Any) -> int:
        """Run a statement; return the number of rows it changed."""
        ...

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run a statement once per parameter row."""
        ...

    async def fetch_all(self, sql: str, *args: Any) -> list[Row]:
        """All rows of a query, as mappings of column name to value."""
        ...

    async def fetch_one(self, sql: str, *args: Any) -> Row | None:
        """The first row of a query, or None."""
        ...

    def quick(self) -> Connection:
        """The same transaction, for a short run of quick statements (see `Database.transaction`'s `quick`)."""
        ...


class Database(Protocol):
    """An engine: opens transactions and knows its dialect's few differences."""

    dialect: str
    skip_locked: str

    async def open(self) -> None:
        """Connect (and set engine pragmas); idempotent."""
        ...

    async def close(self) -> None:
        """Release every connection."""
        ...

    def transaction(self, *, quick: bool = False) -> AbstractAsyncContextManager[Connection]:
        """A write transaction: committed on exit, rolled back on an exception. `quick`: a short compare-and-set
        body of quick statements (accepting an offer): SQLite runs them in the event loop's thread, with no hop to
        its driver's thread; PostgreSQL ignores it."""
        ...

    def read(self, *, quick: bool = False) -> AbstractAsyncContextManager[Connection]:
        """A read-only unit of work with a consistent view. `quick`: a few short reads (a quick command's view):
        SQLite runs them in the event loop's thread, with no hop to its driver's thread; PostgreSQL ignores it."""
        ...

    async def express_one(self, sql: str, *args: Any) -> list[Row]:
        """One statement committed on its own, for an acknowledgement path (recording an event in the inbox): it
        does not queue behind the units of work in progress (SQLite: ahead of them, on a connection of its own;
        PostgreSQL: on a connection of its own, beside the pool). The rows it returns. A failure raises like a
        transaction's statement, nothing kept, except `DatabaseOutcomeUnknown`: the connection was lost while the
        statement ran (PostgreSQL), so it may have committed. The statement must then be idempotent, so that the
        caller can run it again to learn the outcome (`InboxStore.record_event`)."""
        ...

    def to_db_time(self, value: datetime) -> Any:
        """A UTC datetime in this engine's storage form."""
        ...


def sqlite_path(url: str) -> str:
    """The file path of a ``sqlite:///path`` (relative) or ``sqlite:////abs/path`` URL; ``:memory:`` kept."""
    rest = url.split(":", 1)[1]
    if rest.startswith("///"):
        return rest[3:] or ":memory:"
    if rest.startswith("//"):
        return rest[2:] or ":memory:"
    return rest
