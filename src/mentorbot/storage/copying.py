"""Moving a community between databases (``mentorbot db copy``), the schema's state (``db status``),
online backups of SQLite files (``mentorbot admin backup``) and their restore (``mentorbot db restore``).

`copy_database` reads every table of the source in one snapshot and writes them into the target in ONE
transaction (on PostgreSQL with ``COPY``), parents before children; before it commits, it reads each table back
inside that transaction and compares its row count and a checksum with the source's, so a copy that differs
commits nothing. Values are converted between the engines' forms (SQLite's ISO text timestamps and 0/1
booleans, PostgreSQL's ``timestamptz`` and ``boolean``); the checksum is taken over a canonical form of each
row (an aware UTC timestamp, a boolean as 0/1, JSON with sorted keys), independent of row order. Each table is
read, written and read back `PAGE_ROWS` rows at a time, in the order of its key (`_pages`), and only each row's
digest is kept for its checksum (`_Checksum`): the copy holds one page of rows, and 32 bytes a row on each side,
never a whole table.
Each table's highest id ever given goes with it (`ids_given`, `keep_ids_rising`), so that the target never gives
an id of a row deleted on the source (an offer's id names its direct message). A restore does the same for the
database it replaces (`ids_known`, `raise_ids`): the ids that database gave since the backup are on buttons of
direct messages and admins' lists, and must not name other rows.

A SQLite backup or restore runs in a worker thread that checks a flag (`threading.Event`) at each step of its copy
and before any file moves: cancelling the awaiting task (Ctrl-C in ``mentorbot``'s commands) sets it and waits for
the thread, so an interrupted backup leaves no file and an interrupted restore replaces nothing.

What a restore does about the time between its backup and itself (the outage, what is carried from the database it
replaces, what was lost, the members forgotten since) is in `after_backup`; reading a database's tables, columns, ids
and values alike on both engines, in `introspection`.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import heapq
import os
import re
import shlex
import sqlite3
import stat
import threading
from collections.abc import AsyncGenerator, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final, TypeVar
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from mentorbot.clock import as_utc
from mentorbot.errors import MentorBotError
from mentorbot.storage.after_backup import (
    Forgets,
    Membership,
    SinceBackup,
    carry_forgets,
    forgets_recorded,
    forgotten_since,
    membership,
    outage_needs_upgrade,
    since_backup,
)
from mentorbot.storage.database import Connection, Database, Row
from mentorbot.storage.introspection import canonical, columns, ids_given, kind_of, sequence_of, tables, to_target
from mentorbot.storage.migrations import (
    TableAccess,
    available_migrations,
    defined_tables,
    migrate,
    other_tables,
    schema_version,
    table_access,
)
from mentorbot.storage.privacy import PrivacyStore
from mentorbot.storage.sqlite_engine import SqliteDatabase

Progress = Callable[[int], object]
T = TypeVar("T")

PAGE_ROWS = 5000
"""Rows of a table `copy_database` reads, converts and writes at a time (and reads back for the checksum): what it
holds in memory is one page, not the table (a multi-year community's offers run to hundreds of thousands)."""


class CopyRefused(MentorBotError):
    """The copy (or backup) cannot start or did not check out; nothing was committed. `key` is the message's
    key in the ``ops`` catalog (``ops.refused.<key>``) and `params` its placeholders."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(f"{key}: {params}")
        self.key = key
        self.params = params


class Interrupted(MentorBotError):
    """A backup or restore stopped on request (its `cancel` flag set) before it changed anything: no backup file
    was written, no database replaced. (When its task is cancelled, the cancellation goes on instead.)"""


@dataclass(frozen=True)
class TableCheck:
    """One table after a copy: rows and checksum on each side."""

    table: str
    source_rows: int
    target_rows: int
    source_checksum: str
    target_checksum: str

    @property
    def ok(self) -> bool:
        """Same rows, same content."""
        return self.source_rows == self.target_rows and self.source_checksum == self.target_checksum


@dataclass(frozen=True)
class SchemaState:
    """A database's schema: its version, the newest this MentorBot knows, and the migrations not applied; with no
    schema (version 0), `others` holds the tables of another program found there (none: an empty database)."""

    dialect: str
    version: int
    known: int
    pending: tuple[str, ...]
    others: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableState:
    """A table of ``mentorbot db status``: its rows (None: not counted, the table being absent or unreadable by
    this database user), the privileges the user lacks on it for the bot's work (PostgreSQL), and whether it is
    absent (the migrations made it; it was dropped since)."""

    name: str
    rows: int | None
    missing: tuple[str, ...] = ()
    absent: bool = False


# ------------------------------------------------------------------------------------------------ schema


async def schema_state(db: Database) -> SchemaState:
    """Where `db`'s schema stands (it is read, not changed)."""
    async with db.read() as conn:
        version = await schema_version(conn, db.dialect)
        others = tuple(await other_tables(conn, db.dialect)) if version == 0 else ()
    state = schema_at(db.dialect, version)
    return dataclasses.replace(state, others=others) if others else state


async def table_states(db: Database, version: int) -> tuple[list[TableState], TableAccess]:
    """The tables the migrations up to `version` define (``schema_version`` aside), then any other table the user
    sees there, each with its rows or flagged (`TableState`); and what the user may not use as the bot does
    (`TableAccess`: on PostgreSQL, information_schema hides a table the user has no privilege on, so the
    migrations' list is the one to go by). Read only."""
    applied = [m for m in available_migrations(db.dialect) if m.version <= version]
    defined = list(defined_tables(applied))
    async with db.read() as conn:
        access = await table_access(conn, db.dialect, defined, write=True)
        seen = await tables(conn, db.dialect)
        absent = set(access.absent) if db.dialect == "postgresql" else set(defined) - set(seen) - {"schema_version"}
        out: list[TableState] = []
        for name in [*(n for n in defined if n != "schema_version"), *(n for n in seen if n not in defined)]:
            missing = tuple(access.missing.get(name, ()))
            rows = None
            if name not in absent and "SELECT" not in missing:
                row = await conn.fetch_one(f'SELECT COUNT(*) AS n FROM "{name}"')
                rows = int(row["n"]) if row else 0
            out.append(TableState(name, rows, missing, name in absent))
    return out, access


def schema_at(dialect: str, version: int) -> SchemaState:
    """The state of a `dialect` schema at `version` (0: none yet): the newest known, and what is pending."""
    migrations = available_migrations(dialect)
    pending = tuple(f"{m.version:04d}_{m.name}" for m in migrations if m.version > version)
    return SchemaState(dialect, version, migrations[-1].version if migrations else 0, pending)


async def row_counts(db: Database) -> dict[str, int]:
    """Rows per data table (empty for a database never migrated)."""
    async with db.read() as conn:
        names = await tables(conn, db.dialect)
        out: dict[str, int] = {}
        for name in names:
            row = await conn.fetch_one(f'SELECT COUNT(*) AS n FROM "{name}"')
            out[name] = int(row["n"]) if row else 0
    return out


def _digest(row: Mapping[str, Any], names: Sequence[str], kinds: Mapping[str, str]) -> bytes:
    """A row's digest for the checksum: SHA-256 of its columns `names` in their canonical forms."""
    return hashlib.sha256("\x1f".join(canonical(row[n], kinds[n]) for n in names).encode()).digest()


def checksum(rows: Sequence[Mapping[str, Any]], kinds: Mapping[str, str]) -> str:
    """A digest of `rows` (their columns in `kinds`), independent of their order: SHA-256 of the rows' digests
    (`_digest`) in sorted order."""
    names = sorted(kinds)
    digests = sorted(_digest(row, names, kinds) for row in rows)
    total = hashlib.sha256()
    for digest in digests:
        total.update(digest)
    return total.hexdigest()[:16]


class _Checksum:
    """`checksum` of rows given a page at a time (the same value), keeping only their digests, 32 bytes a row
    in one buffer: each page's digests are sorted as it comes (a run), and the runs merged in order at the end."""

    def __init__(self, kinds: Mapping[str, str]) -> None:
        self._kinds = kinds
        self._names = sorted(kinds)
        self._digests = bytearray()
        self._runs: list[int] = []  # where each page's run starts in `_digests`
        self.rows = 0

    def add(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Take a page of rows."""
        if rows:
            self._runs.append(len(self._digests))
            self._digests += b"".join(sorted(_digest(row, self._names, self._kinds) for row in rows))
            self.rows += len(rows)

    def hexdigest(self) -> str:
        """The checksum of every row taken (`checksum`'s value)."""
        total = hashlib.sha256()
        if len(self._runs) <= 1:  # sorted already
            total.update(self._digests)
        else:
            ends = [*self._runs[1:], len(self._digests)]
            runs = [_run(self._digests, start, end) for start, end in zip(self._runs, ends, strict=True)]
            for digest in heapq.merge(*runs):
                total.update(digest)
        return total.hexdigest()[:16]


def _run(digests: bytearray, start: int, end: int) -> Iterator[bytearray]:
    """The digests of one run of `_Checksum`, in its order."""
    for offset in range(start, end, 32):
        yield digests[offset : offset + 32]


# ------------------------------------------------------------------------------------------------- copy


async def copy_database(
    source: Database,
    target: Database,
    now: datetime,
    *,
    replace: bool = False,
    progress: Progress | None = None,
    on_start: Callable[[int], object] | None = None,
) -> list[TableCheck]:
    """Copy every table of `source` into `target` (both open), in one transaction on the target, and check each
    table's rows and checksum before committing. `source` must be at the newest schema this MentorBot knows;
    `target` is migrated to it. A target with rows is refused unless `replace` (its rows are deleted in the same
    transaction). `on_start` gets the number of rows to copy; `progress` each page's count (`PAGE_ROWS` rows, the
    last of a table fewer). Raises `CopyRefused`.
    """
    state = await schema_state(source)
    if state.version > state.known:
        # Copied, the target would be recorded at this code's version over data a newer one changed.
        raise CopyRefused("source_new", version=state.version, known=state.known)
    if state.pending:
        raise CopyRefused("source_old", version=state.version, known=state.known)
    async with source.read() as src, target.read() as dst:
        if await _identity(src, source.dialect) == await _identity(dst, target.dialect):
            # Two URLs for one database (localhost and 127.0.0.1, a relative and an absolute path): emptying the
            # target would wait forever for this very copy's read of the source, or empty the source. Said first:
            # "pass --replace" would be the wrong advice.
            raise CopyRefused("same")
        found = await schema_version(dst, target.dialect)
        if found > state.known:
            # A newer MentorBot's schema: migrating it would be refused (SchemaTooNewError), in words that do not
            # fit this command (`db copy` names the --to database). Refused here, untouched.
            raise CopyRefused("target_new", version=found, known=state.known)
        if not replace:
            # A target with rows is refused untouched: not migrated first, then refused.
            filled = [
                name
                for name in await tables(dst, target.dialect)
                if await dst.fetch_one(f'SELECT 1 AS one FROM "{name}" LIMIT 1')
            ]
            if filled:
                raise CopyRefused("target_not_empty", tables=", ".join(filled))
    await migrate(target, now)
    async with source.read() as src:
        names = await tables(src, source.dialect)
        given = await ids_given(src, source.dialect, names)
        counts = {}
        for name in names:
            row = await src.fetch_one(f'SELECT COUNT(*) AS n FROM "{name}"')
            counts[name] = int(row["n"]) if row else 0
        if on_start is not None:
            on_start(sum(counts.values()))
        async with target.transaction() as dst:
            target_names = await tables(dst, target.dialect)
            if set(target_names) != set(names):
                raise CopyRefused("tables_differ", source=", ".join(names), target=", ".join(target_names))
            filled = []
            for name in names:
                if await dst.fetch_one(f'SELECT 1 AS one FROM "{name}" LIMIT 1'):
                    filled.append(name)
            if filled and not replace:
                raise CopyRefused("target_not_empty", tables=", ".join(filled))
            # An id the target gave before it is replaced is not given again either.
            for name, highest in (await ids_given(dst, target.dialect, names)).items():
                given[name] = max(given.get(name, 0), highest)
            if filled:
                if target.dialect == "postgresql":
                    # A bot still running on the target holds locks: fail after a while rather than wait forever.
                    await dst.execute("SET LOCAL lock_timeout = '15s'")
                    await dst.execute("TRUNCATE " + ", ".join(f'"{n}"' for n in names) + " RESTART IDENTITY")
                else:
                    for name in reversed(names):
                        await dst.execute(f'DELETE FROM "{name}"')
            checks = []
            for name in names:
                checks.append(await _copy_table(src, source.dialect, dst, target.dialect, name, progress))
            bad = [c for c in checks if not c.ok]
            if bad:
                raise CopyRefused("mismatch", tables=", ".join(c.table for c in bad))
            await keep_ids_rising(dst, target.dialect, names, given)
    return checks


async def _identity(conn: Connection, dialect: str) -> tuple[str, ...]:
    """What tells one database from another, whatever URL reached it: a SQLite file's real path; a PostgreSQL
    server's start time and port, with the database and the schema."""
    if dialect == "sqlite":
        rows = await conn.fetch_all("PRAGMA database_list")
        path = next((str(r["file"]) for r in rows if r["name"] == "main" and r["file"]), "")
        return ("sqlite", path) if path else ("sqlite", f"memory:{id(conn)}")  # SQLite gives the full path
    row = await conn.fetch_one(
        "SELECT CAST(pg_postmaster_start_time() AS TEXT) AS started, current_database() AS db, "
        "current_schema() AS schema, inet_server_port() AS port"
    )
    assert row is not None
    return ("postgresql", str(row["started"]), str(row["db"]), str(row["schema"]), str(row["port"]))


async def _copy_table(
    src: Connection, src_dialect: str, dst: Connection, dst_dialect: str, table: str, progress: Progress | None
) -> TableCheck:
    source_columns = await columns(src, src_dialect, table)
    target_columns = await columns(dst, dst_dialect, table)
    if set(source_columns) != set(target_columns):
        raise CopyRefused("columns_differ", table=table)
    # The PostgreSQL side's types say what each column holds (SQLite declares timestamps and JSON as TEXT).
    declared = target_columns if dst_dialect == "postgresql" else source_columns
    kinds = {name: kind_of(declared[name]) for name in target_columns}
    names = list(target_columns)
    size = PAGE_ROWS
    read, copied = _Checksum(kinds), _Checksum(kinds)
    async with contextlib.aclosing(_pages(src, src_dialect, table, names, size)) as pages:
        async for page in pages:
            read.add(page)
            records = [tuple(to_target(row[n], kinds[n], dst_dialect) for n in names) for row in page]
            if dst_dialect == "postgresql":
                raw = dst._conn  # type: ignore[attr-defined]  # COPY: the fast path asyncpg offers
                await raw.copy_records_to_table(table, records=records, columns=names)
            else:
                marks = ", ".join("?" for _ in names)
                await dst.executemany(f'INSERT INTO "{table}" ({", ".join(names)}) VALUES ({marks})', records)
            if progress is not None:
                progress(len(records))
    async with contextlib.aclosing(_pages(dst, dst_dialect, table, names, size)) as pages:
        async for page in pages:
            copied.add(page)
    return TableCheck(table, read.rows, copied.rows, read.hexdigest(), copied.hexdigest())


_WITHOUT_ROWID: Final = re.compile(r"\bWITHOUT\s+ROWID\b", re.IGNORECASE)
_ROWID_NAMES: Final = frozenset({"rowid", "_rowid_", "oid"})
"""The names of SQLite's rowid, unless a column takes one of them."""


async def _page_key(conn: Connection, dialect: str, table: str) -> list[str]:
    """What `_pages` reads `table` in the order of, as SQL: on SQLite its rowid (every table of the migrations has
    one: the integer the table is stored in the order of, its ``id`` where it has one, a hidden one where its
    primary key is composite or text); else its primary key's columns (every table of the migrations has one on
    PostgreSQL); none for a table with neither (read in one page)."""
    if dialect == "sqlite":
        found = await conn.fetch_one("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", table)
        info = await conn.fetch_all(f"PRAGMA table_info('{table}')")
        named = {str(r["name"]).lower() for r in info}
        if found is not None and not _WITHOUT_ROWID.search(str(found["sql"])) and not named & _ROWID_NAMES:
            return ["rowid"]
        keyed = sorted((int(r["pk"]), str(r["name"])) for r in info if int(r["pk"]))
        return [f'"{name}"' for _, name in keyed]
    rows = await conn.fetch_all(
        "SELECT a.attname AS name FROM pg_index i "
        "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
        "WHERE i.indrelid = CAST(? AS regclass) AND i.indisprimary "
        "ORDER BY array_position(CAST(i.indkey AS smallint[]), a.attnum)",
        f'"{table}"',
    )
    return [f'"{r["name"]}"' for r in rows]


async def _pages(
    conn: Connection, dialect: str, table: str, names: Sequence[str], size: int
) -> AsyncGenerator[list[Row], None]:
    """`table`'s rows (the columns `names`, and its key's as ``_page_<n>``), `size` at a time, in the order of its
    key (`_page_key`): each page is the rows after the last one's key (keyset pagination, through the key's index:
    no row read twice or missed, within the one snapshot or transaction `conn` is in)."""
    key = await _page_key(conn, dialect, table)
    picked = ", ".join(f'"{n}"' for n in names)
    if not key:
        yield await conn.fetch_all(f'SELECT {picked} FROM "{table}"')
        return
    marks = [f"_page_{i}" for i in range(len(key))]
    select = f'SELECT {", ".join(f"{k} AS {m}" for k, m in zip(key, marks, strict=True))}, {picked} FROM "{table}"'
    after = f" WHERE ({', '.join(key)}) > ({', '.join('?' for _ in key)})"
    order = f" ORDER BY {', '.join(key)} LIMIT {int(size)}"
    last: list[Any] = []
    while True:
        page = await conn.fetch_all(select + (after if last else "") + order, *last)
        if page:
            yield page
        if len(page) < size:
            return
        last = [page[-1][m] for m in marks]


async def _autoincrement(conn: Connection) -> set[str]:
    """The SQLite tables whose ids are ``AUTOINCREMENT`` (never given twice: their counter in ``sqlite_sequence``)."""
    found = await conn.fetch_all("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND sql IS NOT NULL")
    return {str(r["name"]) for r in found if "AUTOINCREMENT" in str(r["sql"]).upper()}


async def keep_ids_rising(conn: Connection, dialect: str, names: Sequence[str], given: Mapping[str, int]) -> None:
    """After a copy, make each table of `names` give ids above both its highest row and the highest id `given`
    (`ids_given` on the source), also when it is empty: PostgreSQL's sequences are set, and on SQLite the
    ``sqlite_sequence`` counter of each ``AUTOINCREMENT`` table (the only tables SQLite never reuses an id of)."""
    if dialect == "sqlite":
        autoincrement = await _autoincrement(conn)
        counted = await conn.fetch_one(
            "SELECT 1 AS one FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'"
        )
        for name in names:
            # A table whose ids are on buttons but not AUTOINCREMENT yet (a backup older than the migration that
            # makes it so: mentorships before 0023) gets its counter all the same: SQLite does not read it, but that
            # migration starts the table's counter from it when the next start upgrades the restored database.
            if name not in autoincrement and not (counted and name in ID_TABLES):
                continue
            row = await conn.fetch_one(f'SELECT COALESCE(MAX(id), 0) AS id FROM "{name}"')
            highest = max(int(row["id"]) if row else 0, given.get(name, 0))
            if not await conn.execute("UPDATE sqlite_sequence SET seq = MAX(seq, ?) WHERE name = ?", highest, name):
                await conn.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", name, highest)
        return
    for name in names:
        sequence = await sequence_of(conn, name)
        if sequence is None:
            continue
        row = await conn.fetch_one(f'SELECT COALESCE(MAX(id), 0) AS id FROM "{name}"')
        highest = max(int(row["id"]) if row else 0, given.get(name, 0))
        if highest > 0:
            await conn.execute("SELECT setval(CAST(? AS regclass), ?, true)", sequence, highest)
        else:  # nothing given yet: the first id is 1
            await conn.execute("SELECT setval(CAST(? AS regclass), 1, false)", sequence)


_KEY_PREFIXES: Final = {
    "offer": "offers",
    "request": "requests",
    "suggestion": "course_suggestions",
    "mentorship": "mentorships",
}
"""The message keys that name a row by its id (``offer:<id>``…: the direct message that carries its buttons)."""
ID_TABLES: Final = tuple(_KEY_PREFIXES.values())
"""The tables whose ids are on buttons (of direct messages, of admins' lists) and in message keys."""
_KEYED_ID: Final = re.compile(r"([a-z]+):([0-9]{1,18})")
_TIMER_KINDS: Final = {"offer_expiry": "offers", "checkin": "mentorships"}
"""The timers (``jobs``) whose ``ref_id`` is a row's id."""


async def ids_known(conn: Connection, dialect: str, names: Sequence[str]) -> dict[str, int]:
    """The highest id each table of `names` is known by in this database (table → id), as migrations 0016 and
    0020 count them: the highest it ever gave (`ids_given`), its highest row's, and for offers, requests, course
    suggestions and mentorships the ids named by message keys (``offer:<id>``… in ``message_refs`` and the outbox:
    a direct message that still carries the row's buttons) and by timers (an offer's expiry, a check-in). Read
    only; a table of those that this database does not have is left out."""
    known = await ids_given(conn, dialect, names)

    def seen(name: str, value: object) -> None:
        if value is not None and name in names:
            known[name] = max(known.get(name, 0), int(str(value)))

    for name in names:
        if "id" in await columns(conn, dialect, name):
            row = await conn.fetch_one(f'SELECT MAX(id) AS id FROM "{name}"')
            seen(name, row["id"] if row else None)
    present = set(await tables(conn, dialect))
    prefixes = [prefix for prefix, name in _KEY_PREFIXES.items() if name in names]
    for trace in ("message_refs", "outbox"):
        if trace not in present or not prefixes:
            continue
        where = " OR ".join("message_key LIKE ?" for _ in prefixes)
        for row in await conn.fetch_all(
            f"SELECT DISTINCT message_key FROM {trace} WHERE {where}", *(f"{p}:%" for p in prefixes)
        ):
            keyed = _KEYED_ID.fullmatch(str(row["message_key"]))
            if keyed and keyed[1] in _KEY_PREFIXES:
                seen(_KEY_PREFIXES[keyed[1]], keyed[2])
    if "jobs" in present:
        for kind, name in _TIMER_KINDS.items():
            row = await conn.fetch_one("SELECT MAX(ref_id) AS id FROM jobs WHERE kind = ?", kind)
            seen(name, row["id"] if row else None)
    return known


async def raise_ids(conn: Connection, dialect: str, given: Mapping[str, int]) -> dict[str, int]:
    """In the transaction open on `conn`: make each table give ids above `given` (`ids_known` of another database,
    the one a restore replaces) and above every id it is known by itself (`keep_ids_rising`): counters are only
    ever raised. Returns the highest id each table is known by now (its next id is above it)."""
    names = await tables(conn, dialect)
    raised = await ids_known(conn, dialect, names)
    for name, highest in given.items():
        if name in names:
            raised[name] = max(raised.get(name, 0), highest)
    await keep_ids_rising(conn, dialect, names, raised)
    return raised


@dataclass(frozen=True)
class Raised:
    """What `raise_ids_above` did: the highest id each table of the new database is known by now (its next id is
    above it), and what it did about the time between the backup and the restore (`since_backup`)."""

    ids: dict[str, int]
    since: SinceBackup


async def raise_ids_above(source: Database, target: Database, now: datetime) -> Raised:
    """Make `target` (both open) give ids above every id `source` is known by (`ids_known`), in one transaction on
    `target`; `source` is only read. For a backup restored into a new database: `source` is the database the bot
    used until then, whose ids given since the backup are on buttons (an old Accept must not accept another
    member's offer). Refused (`CopyRefused`), nothing written, for one database under two URLs, for a `target` with
    no MentorBot schema (nothing restored there yet), and for a `target` at a schema newer than this MentorBot knows
    (``ids_new``: a newer MentorBot's backup restored there). `source`'s record of forgets (`forgotten_members`) is
    carried into `target` in the same transaction (`carry_forgets`), where it has the table; and so is what a
    restore does about the time between the backup and `now` (`since_backup`: each community recorded out of reach
    meanwhile, the deliveries, message refs and inbox events done carried, what was lost counted), a `target` older
    than migration 0030 (no outages table) that holds pending offers upgraded first, as the bot's start would."""
    async with source.read() as src, target.read() as dst:
        if await _identity(src, source.dialect) == await _identity(dst, target.dialect):
            raise CopyRefused("same")
        version = await schema_version(dst, target.dialect)
        if not version:
            raise CopyRefused("ids_no_schema")
        known = available_migrations(target.dialect)[-1].version
        if version > known:
            # A newer MentorBot's schema (a backup of it restored there): its tables may mean what this code does
            # not know, and every other command that writes refuses it. Refused here, untouched.
            raise CopyRefused("ids_new", version=version, known=known)
    if version < known and await outage_needs_upgrade(target):
        await migrate(target, now)
    async with source.read() as src:
        given = await ids_known(src, source.dialect, await tables(src, source.dialect))
        forgets = await forgets_recorded(src, source.dialect)
    async with source.read() as src, target.transaction() as dst:
        raised = await raise_ids(dst, target.dialect, given)
        await carry_forgets(dst, target.dialect, forgets or {})
        since = await since_backup(dst, target.dialect, src, source.dialect, now)
        return Raised(raised, since)
"""The columns that hold the time a row was made or changed, written with the clock's time then (`backup_time`). Not
the planned times (an offer's deadline, a timer's, a pause's end, a lease), which may lie after the backup; nor the
times a restore carries from the database it replaces (a message ref's, a delivery's, an inbox event's done, a forget's
record), which would make a second ``db raise-ids`` take the backup for a later one; nor a running process's
``process_fingerprints`` row, which each process writes once a minute with its own clock: one whose clock runs ahead
would put the backup's time after the backup, and what was done in between would be neither carried nor said."""
"""Rows looked up in the other database, or written, in one statement (`IN (...)`, `_rows_of`)."""


# ----------------------------------------------------------------------------------------------- backup


@dataclass(frozen=True)
class BackupResult:
    """A finished SQLite backup: its file, its integrity check and its rows per table."""

    path: Path
    integrity: str
    rows: dict[str, int]


def _remove(path: Path) -> None:
    """Remove a file that may not be there (nor its folder)."""
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)


OWNER_ONLY: Final = 0o600
"""The mode of a copy of the database that a command writes (a backup, a `db copy` into a new SQLite file): every
member's notes and ratings are in it, so it is readable by its owner only, as `admin export` writes its files."""


def new_private_file(path: Path) -> None:
    """Create `path` empty and readable by its owner only (`OWNER_ONLY`, whatever the umask), for SQLite to write a
    database into: SQLite keeps the mode of a file it opens, and gives its -wal, -shm and -journal that mode too.
    Raises `FileExistsError` when anything is there (a symbolic link too: never followed)."""
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), OWNER_ONLY)
    try:
        os.fchmod(handle, OWNER_ONLY)  # a umask such as 0277 takes more than the group's and others' bits
    finally:
        os.close(handle)


def keep_private(path: Path) -> None:
    """Make the SQLite file `path` and its -wal and -shm, those that exist, readable by their owner only."""
    for file in _companions(path):
        os.chmod(file, OWNER_ONLY)


PagesDone = Callable[[int, int], object]
"""Progress of a SQLite copy: the pages copied so far and the source's pages (called in the worker thread)."""


def _stop_if(cancel: threading.Event) -> None:
    """Raise `Interrupted` once `cancel` is set: a safe point of a backup's or restore's worker thread."""
    if cancel.is_set():
        raise Interrupted("stopped on request")


def _watched(conn: sqlite3.Connection, cancel: threading.Event) -> None:
    """Have `conn`'s long statements (an integrity check, counting rows) stop soon after `cancel` is set: SQLite
    ends them with "interrupted", which `_stopped` then tells from a real failure."""
    conn.set_progress_handler(lambda: int(cancel.is_set()), 10_000)


def _steps(cancel: threading.Event, progress: PagesDone | None) -> Callable[[int, int, int], None]:
    """The progress callback of SQLite's backup API: report, then stop the copy if `cancel` is set (raising in it
    ends the backup, and the exception comes out of ``backup()``)."""

    def step(status: int, remaining: int, total: int) -> None:
        if progress is not None:
            progress(total - remaining, total)
        _stop_if(cancel)

    return step


def _stopped(cancel: threading.Event, exc: BaseException) -> bool:
    """Whether a failure of a worker thread is its stop: `cancel` was set meanwhile (SQLite ended a statement as
    "interrupted", or anything failed after the request to stop), and it is not `Interrupted` already."""
    return cancel.is_set() and not isinstance(exc, Interrupted)


async def _in_thread(
    cancel: threading.Event,
    work: Callable[..., T],
    *args: Any,
    late: bool = True,
    stopping: Callable[[], None] | None = None,
) -> T:
    """`work(*args)` in a worker thread that checks `cancel` at its safe points. When the awaiting task is
    cancelled (Ctrl-C in ``mentorbot``'s commands: ``asyncio.run`` cancels the command's task), `cancel` is set,
    `stopping` called (in the event loop's thread) and the thread awaited to its end, so that nothing goes on
    behind the command's back; then the cancellation goes on, unless the thread had finished its work already and
    `late` says a finished work stands (a backup written, a database replaced: the request to stop came too late,
    and the result is returned to be reported)."""
    running = asyncio.ensure_future(asyncio.to_thread(work, *args))
    try:
        return await asyncio.shield(running)
    except asyncio.CancelledError:
        cancel.set()
        if stopping is not None:
            stopping()
        await asyncio.wait([running])
        failed = running.cancelled() or running.exception() is not None  # (its exception retrieved: not logged)
        if failed or not late:
            raise
        task = asyncio.current_task()
        if task is not None:
            task.uncancel()
        return running.result()


def _backup(source: str, target: Path, pages: int, cancel: threading.Event, progress: PagesDone | None) -> BackupResult:
    if not Path(source).exists():
        raise CopyRefused("no_source", database=source)
    if target.exists():
        raise CopyRefused("target_exists", file=target)
    if not target.parent.exists():  # a mistyped path: refused, as `admin stats --chart` refuses it, not made
        raise CopyRefused("no_folder", folder=target.parent, file=target)
    # Written beside the target and renamed only once checked: a copy that fails leaves no file behind (an empty
    # one named like the backup would then refuse the retry as "exists already").
    partial = target.with_name(target.name + ".partial")
    try:
        src = sqlite3.connect(source, timeout=30)
    except sqlite3.DatabaseError as exc:  # a folder, or a file this user may not read: named, with SQLite's reason
        raise CopyRefused("source_unreadable", database=source, error=str(exc)) from exc
    try:
        try:
            src.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError as exc:  # not a database, or a damaged one: the source is to blame
            raise CopyRefused("source_unreadable", database=source, error=str(exc)) from exc
        try:
            partial.unlink(missing_ok=True)  # a killed backup's (or a symbolic link: not followed)
            for leftover in _companions(partial):  # and its -wal, which would be read into this copy
                leftover.unlink()
            new_private_file(partial)  # owner-only before any member's data is in it
            dst = sqlite3.connect(partial)
            try:
                _watched(dst, cancel)
                # In one step (pages=-1): one read transaction, so the copy is one consistent state of the database;
                # in WAL mode the bot's writers go on meanwhile. (In several steps, each write would restart it.)
                src.backup(dst, pages=pages, progress=_steps(cancel, progress))
                integrity = str(dst.execute("PRAGMA integrity_check").fetchone()[0])
                names = [
                    str(r[0])
                    for r in dst.execute(
                        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
                    )
                ]
                rows = {name: int(dst.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0]) for name in names}
            finally:
                dst.close()
            keep_private(partial)  # and a -wal or -shm the check left, before the name makes it the backup
            _stop_if(cancel)  # the last check: once renamed, the backup is there
            os.replace(partial, target)
        except (sqlite3.DatabaseError, OSError) as exc:  # the source read fine: writing the copy failed (place, disk)
            _remove(partial)
            if _stopped(cancel, exc):
                raise Interrupted("stopped on request") from exc
            raise CopyRefused("target_unwritable", file=target, error=str(exc)) from exc
        except BaseException as exc:
            _remove(partial)
            if _stopped(cancel, exc):
                raise Interrupted("stopped on request") from exc
            raise
    finally:
        src.close()
    return BackupResult(target, integrity, rows)


async def sqlite_backup(
    source: str,
    target: Path,
    *,
    pages: int = -1,
    cancel: threading.Event | None = None,
    progress: PagesDone | None = None,
) -> BackupResult:
    """Back up the SQLite file `source` to `target` with SQLite's online backup API (consistent while the bot
    writes to it), then check the copy's integrity and count its rows. Refuses an existing `target`, and a `target`
    in a folder that does not exist (``no_folder``: a mistyped path is not made). The copy is readable by its owner
    only (`OWNER_ONLY`, whatever the umask): it holds every member's data.

    Stopped by setting `cancel` (`Interrupted`) or by cancelling the task (the cancellation goes on once the worker
    thread has stopped): either way no file is left at `target`, unless the backup had finished already (then it is
    returned). `progress` gets the pages copied and the source's pages after each step of the copy."""
    flag = cancel if cancel is not None else threading.Event()
    return await _in_thread(flag, _backup, source, target, pages, flag, progress)


def _without_password(url: str) -> str:
    """`url` with its password left out (of the address and of the query), for pg_dump and pg_restore, which take
    it from PGPASSWORD or ~/.pgpass."""
    parts = urlsplit(url.replace("postgres://", "postgresql://", 1))
    netloc = parts.netloc
    if parts.password is not None:
        netloc = netloc.replace(f":{parts.password}@", "@", 1)
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if "password" not in k.lower()])
    return urlunsplit(parts._replace(netloc=netloc, query=query))


def pg_dump_command(url: str, file: Path) -> str:
    """The ``pg_dump`` command that backs up the database at `url` into `file` (custom format, for
    ``pg_restore``), with the URL's password left out (pg_dump reads it from PGPASSWORD or ~/.pgpass)."""
    return f"pg_dump --format=custom --no-owner --file={shlex.quote(str(file))} {shlex.quote(_without_password(url))}"


def pg_restore_command(url: str, file: Path) -> str:
    """The ``pg_restore`` command that restores `file` (made by `pg_dump_command`) into the database at `url`, a new
    and empty one (`restored_database_url`), with the URL's password left out: all of it or nothing
    (``--single-transaction``, ``--exit-on-error``)."""
    return (
        "pg_restore --no-owner --exit-on-error --single-transaction "
        f"--dbname={shlex.quote(_without_password(url))} {shlex.quote(str(file))}"
    )


def restored_database_url(url: str, now: datetime) -> tuple[str, str]:
    """The new database a PostgreSQL backup is restored into, beside the one at `url` (the same server, user and
    options): its name, ``<name>_restored_<UTC time>`` (at most PostgreSQL's 63 bytes), and its URL. Never the
    database at `url`: restored there, the backup's rows would be merged into the live ones."""
    parts = urlsplit(url.replace("postgres://", "postgresql://", 1))
    query = parse_qsl(parts.query, keep_blank_values=True)
    in_query = next((v for k, v in query if k == "dbname"), "")
    name = unquote(parts.path.lstrip("/")) or in_query or unquote(parts.username or "") or "mentorbot"
    suffix = f"_restored_{as_utc(now).strftime('%Y%m%d_%H%M%S')}"
    stem = name.encode()[: 63 - len(suffix)].decode(errors="ignore")
    new = stem + suffix
    if in_query and not parts.path.lstrip("/"):
        query = [(k, new if k == "dbname" else v) for k, v in query]
        return new, urlunsplit(parts._replace(query=urlencode(query)))
    return new, urlunsplit(parts._replace(path="/" + quote(new)))


def createdb_command(url: str, name: str) -> str:
    """The ``createdb`` command that creates the database `name` on the server of the database at `url` (through
    which it connects), with the URL's password left out."""
    return f"createdb --maintenance-db={shlex.quote(_without_password(url))} {shlex.quote(name)}"


def raise_ids_command(above: str, database: str) -> str:
    """The ``mentorbot db raise-ids`` command that makes the database at `database` give ids above those the one at
    `above` gave (`raise_ids_above`), with the URLs' passwords left out (PGPASSWORD or ~/.pgpass give them)."""
    return (
        f"mentorbot db raise-ids --above {shlex.quote(_without_password(above))} "
        f"--database {shlex.quote(_without_password(database))}"
    )


# ---------------------------------------------------------------------------------------------- restore


@dataclass(frozen=True)
class RestoreResult:
    """A finished SQLite restore: the database restored, the backup it came from, the files of the database that
    was there (moved aside, never deleted; none when there was none), the schema version, the integrity check of
    the result and its rows per table; and whether its ids were raised above those the database that was there
    gave (`raise_ids`: None when there was none, False when it could not be read); and the forgets made since the
    backup, made again in the restored database or listed (`forgotten_again`, `to_forget`, `forgets_known`)."""

    database: Path
    backup: Path
    kept: tuple[Path, ...]
    version: int
    integrity: str
    rows: dict[str, int]
    ids_raised: bool | None = None
    forgotten_again: tuple[int, ...] = ()
    """The members of the backup that the database that was there records as forgotten since (`forgotten_since`),
    forgotten again in the restored database before it took that one's place: their ids (in the backup)."""
    to_forget: tuple[tuple[str, str], ...] = ()
    """Those members when the database that was there could not be read whole (its ids: `ids_raised` False): not
    forgotten again, listed for the admin to check and forget (community, platform user id)."""
    forgets_known: bool = True
    """False when the forgets made since the backup cannot all be known: there was no database there, it could not
    be read, it keeps no record of forgets (older than migration 0026), or it lacks members of the backup (or made
    them again) with no record of a forget (no later state of the backup). Nobody is forgotten for that; the admin
    is to check."""
    since: SinceBackup = dataclasses.field(default_factory=SinceBackup)
    """What the restore did about the time between the backup and itself (`since_backup`): the outage it recorded,
    what it carried from the database that was there (deliveries, message refs, inbox events done), and what it saw
    lost (offers answered there, requests and mentorships made there)."""


def _companions(path: Path) -> list[Path]:
    """A SQLite file and its ``-wal`` and ``-shm``, those that exist."""
    return [p for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")) if p.exists()]


def _checked_backup(conn: sqlite3.Connection, backup: Path, known: int) -> int:
    """The schema version of the backup open on `conn`, once it passed its integrity check and is a MentorBot
    database no newer than this code (`known`); else `CopyRefused`."""
    try:
        problems = [str(r[0]) for r in conn.execute("PRAGMA integrity_check(5)").fetchall()]
        names = {str(r[0]) for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as exc:
        if getattr(exc, "sqlite_errorcode", 0) & 0xFF == sqlite3.SQLITE_CORRUPT:  # a database, damaged
            raise CopyRefused("backup_damaged", file=backup, integrity=str(exc)) from exc
        raise CopyRefused("backup_unreadable", file=backup, error=str(exc)) from exc
    if problems != ["ok"]:
        raise CopyRefused("backup_damaged", file=backup, integrity="; ".join(problems))
    if not {"schema_version", "members"} <= names:
        raise CopyRefused("not_mentorbot", file=backup)
    row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
    version = int(row[0]) if row and row[0] is not None else 0
    if version > known:
        raise CopyRefused("backup_new", file=backup, version=version, known=known)
    return version


def _in_use(database: Path) -> bool:
    """Whether another connection (the bot, another program) has the SQLite file `database` open: an exclusive
    lock is refused then (in WAL mode every open connection holds a shared lock on the file). Closing this one
    checkpoints a ``-wal`` left by a process that did not stop cleanly into the file it belongs to, and removes it.
    A file SQLite cannot read is no database anything serves: not in use."""
    conn = sqlite3.connect(database, timeout=0, isolation_level=None)
    try:
        conn.execute("PRAGMA locking_mode = EXCLUSIVE")
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        conn.execute("ROLLBACK")
    except sqlite3.OperationalError as exc:
        if exc.sqlite_errorcode & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
            return True
    except sqlite3.DatabaseError:
        pass
    finally:
        conn.close()
    return False


def _take_ownership(path: Path, like: os.stat_result) -> None:
    """Give `path` the owner, group and mode of the file it replaces (`like`'s): a restore run by root (``sudo``)
    must leave a database the service's user can still write. Changing the owner is allowed to root only; for
    another user it is left as it is (the file is theirs, as the database they could replace was)."""
    with contextlib.suppress(PermissionError):
        os.chown(path, like.st_uid, like.st_gid)
    os.chmod(path, stat.S_IMODE(like.st_mode))


def _aside(database: Path, now: datetime) -> Path:
    """The name the database that was at `database` is moved to: ``<name>.before-restore-<UTC time>``, numbered
    when taken (its ``-wal`` and ``-shm`` keep SQLite's names beside it, so the three still open as one)."""
    stamp = as_utc(now).strftime("%Y%m%dT%H%M%SZ")
    aside = database.with_name(f"{database.name}.before-restore-{stamp}")
    number = 1
    while _companions(aside):
        number += 1
        aside = database.with_name(f"{database.name}.before-restore-{stamp}.{number}")
    return aside


def _stage(
    database: Path, partial: Path, backup: Path, known: int, progress: PagesDone | None, cancel: threading.Event
) -> int:
    """The restore's first part: check the backup and copy it to `partial`, beside `database` (nothing of
    `database` changes). Returns the backup's schema version; stops at each step of the copy once `cancel` is set."""
    if not backup.is_file():
        raise CopyRefused("no_source", database=backup)
    if database.exists() and database.samefile(backup):
        raise CopyRefused("same")
    # Copied first beside the database, under a name of its own, and moved in place only once it checked out: a
    # refused, failed or interrupted restore leaves the database as it was.
    try:
        source = sqlite3.connect(backup, timeout=30)
    except sqlite3.Error as exc:
        raise CopyRefused("backup_unreadable", file=backup, error=str(exc)) from exc
    try:
        _watched(source, cancel)
        version = _checked_backup(source, backup, known)
        if database.exists() and _in_use(database):  # said before the copy; asked again before the move
            raise CopyRefused("in_use", database=database)
        database.parent.mkdir(parents=True, exist_ok=True)
        for leftover in _companions(partial):
            leftover.unlink()
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy, pages=1024, progress=_steps(cancel, progress))
        finally:
            copy.close()
        _stop_if(cancel)
    except BaseException as exc:
        _remove_copy(partial)
        if _stopped(cancel, exc):
            raise Interrupted("stopped on request") from exc
        raise
    finally:
        source.close()
    return version


def _remove_copy(partial: Path) -> None:
    """Remove the restore's copy, with its ``-wal`` and ``-shm``."""
    for leftover in _companions(partial):
        _remove(leftover)


class _FileConnection:
    """A `Connection` over a plain sqlite3 connection to a file the restore handles (the database it replaces, the
    copy that replaces it), not opened as the bot opens one (no WAL set, no write to check it is writable): each
    statement runs in a worker thread, one at a time. Autocommit: a transaction is begun and ended by hand."""

    def __init__(self, path: Path) -> None:
        self._conn = sqlite3.connect(path, timeout=0, isolation_level=None, check_same_thread=False)
        self._conn.row_factory = sqlite3.Row

    def quick(self) -> _FileConnection:
        """The same connection (a file of its own: nothing to hurry for)."""
        return self

    async def execute(self, sql: str, *args: Any) -> int:
        """Run a statement; return the number of rows it changed."""
        return await asyncio.to_thread(lambda: self._conn.execute(sql, args).rowcount)

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run a statement once per parameter row."""
        await asyncio.to_thread(self._conn.executemany, sql, rows)

    async def fetch_all(self, sql: str, *args: Any) -> list[Row]:
        """All rows of a query."""
        return await asyncio.to_thread(lambda: [dict(r) for r in self._conn.execute(sql, args).fetchall()])

    async def fetch_one(self, sql: str, *args: Any) -> Row | None:
        """The first row of a query, or None."""
        rows = await self.fetch_all(sql, *args)
        return rows[0] if rows else None

    def close(self) -> None:
        """Roll back what is not committed, and close."""
        if self._conn.in_transaction:
            self._conn.rollback()
        self._conn.close()


@dataclass(frozen=True)
class _Replaced:
    """What a restore reads of the SQLite database it replaces: the ids it is known by (`ids_known`), its record of
    forgets (`forgets_recorded`) and its members (`membership`), each None when it could not be read (damaged, not
    a database; no record table: older than 0026)."""

    known: dict[str, int] | None
    forgets: dict[tuple[str, str], datetime] | None
    members: Membership | None


async def _read_replaced(database: Path) -> _Replaced | None:
    """What the restore reads of the database at `database` (None: there is none). Read only."""
    if not await asyncio.to_thread(database.exists):
        return None
    try:
        current = _FileConnection(database)
    except sqlite3.Error:
        return _Replaced(None, None, None)
    try:
        known: dict[str, int] | None = None
        forgets: dict[tuple[str, str], datetime] | None = None
        members: Membership | None = None
        with contextlib.suppress(sqlite3.Error):
            known = await ids_known(current, "sqlite", await tables(current, "sqlite"))
        with contextlib.suppress(sqlite3.Error, ValueError):
            forgets = await forgets_recorded(current, "sqlite")
        with contextlib.suppress(sqlite3.Error, ValueError):
            members = await membership(current, "sqlite")
    finally:
        current.close()
    return _Replaced(known, forgets, members)


async def _ids_of_replaced(replaced: _Replaced | None, copy: Path) -> bool | None:
    """Raise the ids of `copy` (the backup, about to replace the database `replaced` was read from) above every id
    that database is known by (`ids_known`), as `db copy --replace` keeps them above the replaced database's: an id
    given since the backup is on a button of a direct message or an admin's list, and must not name another row.
    None: there is no database there; False: it cannot be read (damaged, not a database: what the restore may be
    mending), and nothing was raised."""
    if replaced is None:
        return None
    if replaced.known is None:
        return False
    target = _FileConnection(copy)
    try:
        await target.execute("BEGIN IMMEDIATE")
        await raise_ids(target, "sqlite", replaced.known)
        await target.execute("COMMIT")
    finally:
        target.close()
    return True


async def _since_backup_in_copy(
    copy: Path, replaced: Path | None, version: int, now: datetime, lineage: bool
) -> tuple[SinceBackup, int]:
    """`since_backup` in the restore's copy of the backup, in one transaction, reading the database at `replaced`
    (the one it replaces; None: none there, or unreadable; `lineage`: whether it is a later state of the backup, as
    the restore's forgets found: `forgotten_since`), on the engine the bot opens it with. A backup older than
    migration 0030 (no outages table) that holds pending offers is upgraded first, as the bot's start would, so that
    the restore's outage is recorded (`outage_needs_upgrade`). Returns what it did and the copy's schema version;
    the engine is closed either way, its ``-wal`` checkpointed into the copy."""
    db = SqliteDatabase(str(copy))
    await db.open()
    try:
        if version < available_migrations("sqlite")[-1].version and await outage_needs_upgrade(db):
            version = await migrate(db, now)
        source: _FileConnection | None = None
        if replaced is not None:
            with contextlib.suppress(sqlite3.Error):
                source = _FileConnection(replaced)
        try:
            async with db.transaction() as conn:
                found = await since_backup(
                    conn, "sqlite", source, "sqlite", now, unreadable=(sqlite3.Error,), lineage=lineage
                )
        finally:
            if source is not None:
                source.close()
    finally:
        await db.close()
    return found, version


async def _backup_membership(copy: Path) -> Membership:
    """The members of the restore's copy of the backup (`membership`)."""
    conn = _FileConnection(copy)
    try:
        return await membership(conn, "sqlite")
    finally:
        conn.close()


def _forgets(
    backup: Membership, replaced: _Replaced | None
) -> tuple[tuple[int, ...], tuple[tuple[str, str], ...], bool]:
    """The forgets made since the backup, from what the restore read of the database it replaces
    (`forgotten_since`): the members to forget again in the restored copy (their ids), those to list for the admin
    instead, and whether those are all (see `RestoreResult`). A database whose ids could not be read is not taken
    at its word: the members its record names are listed, for the admin to check. With no database there, no
    forget since the backup can be known."""
    if replaced is None:
        return (), (), False
    found = forgotten_since(backup, replaced.forgets, replaced.members)
    if replaced.known is None:
        return (), tuple((community, user) for _, community, user in found.members), found.known
    return tuple(member_id for member_id, _, _ in found.members), (), found.known


class _Forgetting(PrivacyStore):
    """The forget's store code (`PrivacyStore`) over the restore's copy of the backup."""

    def __init__(self, db: Database) -> None:
        self.db = db


async def _forget_again(
    copy: Path,
    members: Sequence[int],
    forgets: Forgets,
    version: int,
    now: datetime,
    cancel: threading.Event,
    max_open: int | None,
) -> int:
    """Carry `forgets` (the record of the database the restore replaces: `carry_forgets`) into the restore's copy of
    the backup, so that a restore after this one still knows them, then forget `members` again in it, as a forget
    does (`PrivacyStore.erase_member`, with `max_open`, the open-request limit, as the forget passes it; on the
    engine the bot opens it with: foreign keys on, secure delete, so that nothing of theirs stays in the file's
    free pages), each in one transaction; the record of each keeps the time of the forget carried. A backup older
    than this MentorBot is upgraded first, as the bot's start would (the forget's statements and the record are
    this MentorBot's). Returns the copy's schema version. Stops between two members once `cancel` is set
    (`Interrupted`); the engine is closed either way, its ``-wal`` checkpointed into the copy."""
    db = SqliteDatabase(str(copy))
    await db.open()
    try:
        if version < available_migrations("sqlite")[-1].version:
            version = await migrate(db, now)
        async with db.transaction() as conn:
            await carry_forgets(conn, "sqlite", forgets)
        store = _Forgetting(db)
        for member_id in members:
            _stop_if(cancel)
            await store.erase_member(member_id, now, max_open=max_open)
    finally:
        await db.close()
    return version


class _NoWayBack:
    """The point of a restore from which its files move: the worker passes it (`cross`) only while no stop was
    asked, and whoever asks a stop (sets `cancel`, then reads `crossed`) learns whether the files had started
    moving; both under one lock, so that the answer is never "not yet" for a restore that then moves its files."""

    def __init__(self, cancel: threading.Event) -> None:
        self.cancel = cancel
        self._lock = threading.Lock()
        self._crossed = False

    def cross(self) -> None:
        """In the worker, before the first move: `Interrupted` when a stop was asked, else the point is passed."""
        with self._lock:
            _stop_if(self.cancel)
            self._crossed = True

    def crossed(self) -> bool:
        """Whether the files have started moving (read after setting `cancel`: then the worker moves none if not)."""
        with self._lock:
            return self._crossed


def _swap(database: Path, partial: Path, backup: Path, version: int, now: datetime, point: _NoWayBack) -> RestoreResult:
    """The restore's second part: move the database that is there aside (with its ``-wal`` and ``-shm``) and the
    copy in its place, then check it. A stop asked is looked at once more before the first move (`point`); once
    the files move, the restore goes to its end, its check included (a stop asked then is too late)."""
    moves: list[tuple[Path, Path]] = []
    replaced: os.stat_result | None = None
    try:
        if database.exists() and _in_use(database):
            raise CopyRefused("in_use", database=database)
        if database.exists():
            replaced = database.stat()
            _take_ownership(partial, replaced)
        aside = _aside(database, now)
        point.cross()  # the last check: from here on the files move
        for path in _companions(database):
            moved = aside.with_name(aside.name + path.name[len(database.name) :])
            path.rename(moved)
            moves.append((path, moved))
        os.replace(partial, database)
    except BaseException:
        for path, moved in reversed(moves):  # the database as it was, under its own name again
            with contextlib.suppress(OSError):
                moved.rename(path)
        _remove_copy(partial)
        raise
    kept = [moved for _, moved in moves]
    result = sqlite3.connect(database)
    try:
        integrity = "; ".join(str(r[0]) for r in result.execute("PRAGMA integrity_check(5)").fetchall())
        names = [
            str(r[0])
            for r in result.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        rows = {name: int(result.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0]) for name in names}
    finally:
        result.close()
    if replaced is not None:  # a -wal or -shm the check left behind is the service's to open too
        for sidecar in _companions(database)[1:]:
            with contextlib.suppress(OSError):
                _take_ownership(sidecar, replaced)
    return RestoreResult(database, backup, tuple(kept), version, integrity, rows)


async def sqlite_restore(
    database: str,
    backup: Path,
    now: datetime,
    *,
    progress: PagesDone | None = None,
    cancel: threading.Event | None = None,
    too_late: Callable[[], None] | None = None,
    max_open: int | None = None,
) -> RestoreResult:
    """Put the SQLite backup `backup` in place of the database file `database`, with the bot stopped.

    Refused (`CopyRefused`, nothing changed) when the backup fails its integrity check, is not a MentorBot
    database or is newer than this code, and while the database is in use (another connection has it open). The
    backup is copied with SQLite's backup API beside the database and checked; the copy's ids are raised above
    every id the database that was there is known by (`RestoreResult.ids_raised`), so that none given since the
    backup is given again; that database's record of forgets is carried into the copy, and the members of the
    backup it records as forgotten since (`forgotten_since`) are forgotten again in the copy
    (`RestoreResult.forgotten_again`; `max_open`: `Settings.max_open_requests`, as the forget passes it), or, that
    database's ids unread, listed (`RestoreResult.to_forget`); a member merely missing from it is never erased, and
    forgets that cannot be known are said (`RestoreResult.forgets_known`): a restore does not undo a forget; the
    database that was there moves aside with its ``-wal`` and ``-shm``
    (`RestoreResult.kept`: never deleted, and no stale ``-wal`` is left to be replayed onto the backup), the copy
    takes its place with the owner, group and mode of the file it replaces (a restore run as root leaves the
    service's user a database it can write), and its integrity is checked again. `progress` gets the pages copied
    so far and the backup's pages.

    Stopped by setting `cancel` (`Interrupted`) or by cancelling the task (the cancellation goes on once the worker
    thread has stopped): either way before any file moves, and the copy is removed. A restore whose files had
    moved already finishes (the check of the restored database included, which takes seconds on a large one) and
    its result is returned: `too_late` is called then, in the event loop's thread, as the task is cancelled (for
    the command to say at once that the database is restored and being checked)."""
    known = available_migrations("sqlite")[-1].version
    path = Path(database)
    partial = path.with_name(path.name + ".restoring")
    flag = cancel if cancel is not None else threading.Event()
    try:
        version = await _in_thread(flag, _stage, path, partial, backup, known, progress, flag, late=False)
        _stop_if(flag)
        replaced = await _read_replaced(path)
        again, listed, complete = _forgets(await _backup_membership(partial), replaced)
        raised = await _ids_of_replaced(replaced, partial)
        _stop_if(flag)
        readable = replaced is not None and replaced.known is not None
        since, version = await _since_backup_in_copy(partial, path if readable else None, version, now, complete)
        _stop_if(flag)
        carried = replaced.forgets if replaced is not None and replaced.forgets else {}
        if again or carried:
            version = await _forget_again(partial, again, carried, version, now, flag, max_open)
            _stop_if(flag)
        point = _NoWayBack(flag)

        def stopping() -> None:
            if too_late is not None and point.crossed():
                too_late()

        result = await _in_thread(flag, _swap, path, partial, backup, version, now, point, stopping=stopping)
    except BaseException:
        # A copy left by a stop between the parts (or one the stage finished as it was cancelled).
        _remove_copy(partial)
        raise
    return dataclasses.replace(
        result, ids_raised=raised, forgotten_again=again, to_forget=listed, forgets_known=complete, since=since
    )
