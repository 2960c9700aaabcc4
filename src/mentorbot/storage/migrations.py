"""Versioned schema migrations, applied on start in one transaction and recorded in `schema_version`.

Files live in ``mentorbot/migrations/<dialect>/NNNN_name.sql``. A database whose version is newer than the
newest file is refused: an older MentorBot must not write to a schema it does not know.

A start first only reads the schema's version (and the recorded checksums): a database with nothing to apply
is not written to, so a role that may read and write the tables but not create objects (the schema left to an
owner running ``mentorbot db upgrade``) runs the bot. Only when something is pending does `migrate` take the
lock (PostgreSQL's advisory lock; SQLite's write lock), look again and apply it; a role that may not is
refused with `SchemaChangeDenied`, which says to run ``mentorbot db upgrade`` as the owner.

On PostgreSQL such a role also needs the privileges on every table the migrations made, a later release's
included: opening the store checks them (`table_access`) on each table `defined_tables` names (and the sequences
of their ids) and refuses with `GrantsMissing`, which names what is missing and the owner's grants that mend it
(``ALTER DEFAULT PRIVILEGES`` among them, so the next release's tables are granted as they are made). A database
that holds tables but no ``schema_version`` is another program's: `NotMentorBotDatabase`, nothing written to it.

A SQLite script whose lines include `FOREIGN_KEYS_OFF` rebuilds a table that others refer to: dropping it with
foreign keys on would delete (or set null) every row that refers to it. Its run has foreign keys off (SQLite
ignores the pragma inside a transaction, so it is set between transactions) and checks them all with
``PRAGMA foreign_key_check`` before it commits; they are on again afterwards, whatever happened. A row the run
left naming no row refuses it; rows that named no row before it (a member deleted in the sqlite3 shell, where
foreign keys are off) are not the migration's: the upgrade goes on, keeps them, and logs a warning naming their
tables and the pragma that lists them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import re
from collections import Counter
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from importlib import resources

from mentorbot.errors import MentorBotError
from mentorbot.settings import SettingsError
from mentorbot.storage.database import Connection, Database

log = logging.getLogger("mentorbot.storage")

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_COMMENT = re.compile(r"--.*$")
"""A comment to the end of a line (no migration has ``--`` inside a string)."""
# One constant key for PostgreSQL's advisory lock, so two processes never migrate at once.
_ADVISORY_LOCK_KEY = 7_301_117_004
FOREIGN_KEYS_OFF = "-- mentorbot: foreign keys off"
"""The line of a SQLite script that rebuilds a table others refer to: its run has foreign keys off (see above)."""
_INSUFFICIENT_PRIVILEGE = "42501"
"""The SQLSTATE of a statement the role may not run (PostgreSQL: no CREATE on the schema, not the table's owner)."""
_TABLE_DDL = re.compile(
    r"^\s*(?:(?P<create>CREATE\s+TABLE(?:\s+IF\s+NOT\s+EXISTS)?)|(?P<drop>DROP\s+TABLE(?:\s+IF\s+EXISTS)?)|"
    r"ALTER\s+TABLE)\s+(?P<name>[a-z_][a-z0-9_]*)(?:\s+RENAME\s+TO\s+(?P<new>[a-z_][a-z0-9_]*))?",
    re.IGNORECASE,
)
"""A statement that makes, drops or renames a table (the migrations name their tables bare, in lower case)."""
TABLE_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE")
"""What the bot does to every table (forgetting a member and pruning delete); ``schema_version`` it only reads."""
READ_PRIVILEGES = ("SELECT",)
"""What a command that only reads (`check_schema`: admin stats, export) needs of every table."""


class SchemaTooNewError(MentorBotError):
    """The database was migrated by a newer MentorBot than this one."""

    def __init__(self, found: int, known: int) -> None:
        super().__init__(
            f"the database schema is version {found}, but this MentorBot only knows up to version {known}; "
            "upgrade MentorBot (or point MENTORBOT_DATABASE_URL at another database)"
        )
        self.found = found
        self.known = known


class SchemaPendingError(MentorBotError):
    """A command that opens the database without upgrading it met one older than this MentorBot: it does not
    upgrade it (an older release still serving it would then refuse to start). Its text is a reading command's
    (``admin stats``, ``export``); ``admin forget``, which writes, says it in words of its own (the catalog's
    ``cli.forget.schema_pending``)."""

    def __init__(self, found: int, known: int) -> None:
        super().__init__(
            f"the database schema is version {found}, and this MentorBot's is {known}: this command only reads and "
            "does not upgrade it; run `mentorbot db upgrade` first (the running bot must be this version too)"
        )
        self.found = found
        self.known = known


class SchemaChangeDenied(MentorBotError):
    """The schema must change (`pending` migrations, or the checksums of those applied to record) and the database
    role may not change it: the owner must run ``mentorbot db upgrade``. Nothing was changed."""

    def __init__(self, found: int, known: int, pending: tuple[str, ...], reason: str) -> None:
        change = f"apply {', '.join(pending)}" if pending else "record the applied migrations' checksums"
        super().__init__(
            f"MentorBot must change the schema of this database ({change}; it is at version {found}, this "
            f"MentorBot's is {known}), but its user may not ({reason}): run `mentorbot db upgrade` as the "
            "database's owner, then start MentorBot again"
        )
        self.found = found
        self.known = known
        self.pending = pending
        self.reason = reason


class GrantsMissing(SettingsError):
    """PostgreSQL: the database user may not use some of the tables the migrations made (a table a later release
    added, not covered by the grants made before it) or the sequences of their ids. Raised when the store opens,
    before anything else fails with "permission denied" mid-way. A setting's error (`mentorbot run` exits 2 and a
    service manager does not restart it): the role the database URL names lacks what MentorBot needs.

    `tables`: table → the privileges missing on it; `sequences`: those USAGE is missing on; `write`: whether the
    bot's privileges were checked (or a reading command's, SELECT only); `fix`: the owner's statements."""

    def __init__(
        self,
        role: str,
        schema: str,
        owner: str,
        tables: Mapping[str, tuple[str, ...]],
        sequences: Sequence[str],
        *,
        write: bool = True,
    ) -> None:
        self.role = role
        self.schema = schema
        self.owner = owner
        self.tables = dict(tables)
        self.sequences = tuple(sequences)
        self.write = write
        super().__init__(
            f"the database user {role} may not use everything MentorBot needs in schema {schema}: {self.missing}. "
            f"As the schema's owner, run once (the default privileges also cover the tables a later release adds): "
            f"{self.fix}; see docs/deploy.md"
        )

    @property
    def missing(self) -> str:
        """What is missing, in a form of no language: ``reopened_requests (SELECT, INSERT), members_id_seq (USAGE)``."""
        parts = [f"{table} ({', '.join(privileges)})" for table, privileges in self.tables.items()]
        parts.extend(f"{sequence} (USAGE)" for sequence in self.sequences)
        return ", ".join(parts)

    @property
    def fix(self) -> str:
        """The statements the schema's owner runs, once: grants on the tables and sequences there are, and the same
        as default privileges for those it makes later (`mentorbot db upgrade` of a later release)."""
        return grants_fix(self.role, self.schema, self.owner, write=self.write)


def grants_fix(role: str, schema: str, owner: str, *, write: bool = True) -> str:
    """The owner's statements that give `role` what MentorBot needs in `schema`, now and for the tables `owner`
    makes later (all three quoted as SQL identifiers already); SELECT only when not `write`."""
    tables = ", ".join(TABLE_PRIVILEGES if write else READ_PRIVILEGES)
    statements = [f"GRANT {tables} ON ALL TABLES IN SCHEMA {schema} TO {role}"]
    if write:
        statements.append(f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {schema} TO {role}")
    statements.append(
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {schema} GRANT {tables} ON TABLES TO {role}"
    )
    if write:
        statements.append(
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {schema} GRANT USAGE, SELECT, UPDATE ON SEQUENCES "
            f"TO {role}"
        )
    return "; ".join(statements)


class NotMentorBotDatabase(SettingsError):
    """The database holds tables but no ``schema_version``: another program's. MentorBot does not add its tables
    to it (nothing is written): a setting's error, the database URL names the wrong database. `tables`: its
    tables (a few)."""

    def __init__(self, tables: Sequence[str]) -> None:
        self.tables = tuple(tables)
        super().__init__(
            f"the database is not a MentorBot database: it holds tables of another program ({self.names}) and no "
            "schema_version table, and MentorBot adds nothing to it; point MENTORBOT_DATABASE_URL (or --database) "
            "at an empty database (on PostgreSQL, a schema of its own) or at MentorBot's"
        )

    @property
    def names(self) -> str:
        """The tables found, the first five named."""
        return ", ".join(self.tables[:5]) + (", …" if len(self.tables) > 5 else "")


class MigrationChangedError(MentorBotError):
    """A migration this database applied has changed since: its statements are not the ones that ran."""

    def __init__(self, version: int, name: str) -> None:
        super().__init__(
            f"migration {version:04d}_{name} has changed since this database applied it; a released migration "
            "must never change: put the change in a new migration (and restore the old script)"
        )
        self.version = version
        self.name = name


@dataclass(frozen=True)
class Migration:
    """One numbered SQL script."""

    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        """The SHA-256 of its statements in a canonical form (comments, blank lines, runs of spaces, line endings
        and the final semicolon left out: only a change to what runs counts), recorded with it in
        ``schema_version`` and checked at every start."""
        canonical = []
        for statement in split_statements(self.sql.replace("\r\n", "\n")):
            code = " ".join(_COMMENT.sub("", line) for line in statement.splitlines())
            canonical.append(" ".join(code.split()).rstrip(";").strip())
        return hashlib.sha256("\n".join(canonical).encode("utf-8")).hexdigest()

    @property
    def first_checksum(self) -> str:
        """The checksum as the first version of this code computed it (one commit, on main only): a database it
        migrated recorded that form, which is taken and rewritten to `checksum`."""
        statements = split_statements(self.sql.replace("\r\n", "\n"))
        return hashlib.sha256("\n;\n".join(statements).encode("utf-8")).hexdigest()

    def changed_since(self, recorded: str | None) -> bool:
        """Whether the checksum `recorded` when it was applied shows the script changed since: None (applied
        before checksums were recorded) and the first form (`first_checksum`) do not."""
        return recorded is not None and recorded not in (self.checksum, self.first_checksum)


def available_migrations(dialect: str) -> list[Migration]:
    """The dialect's migration scripts in version order."""
    folder = resources.files("mentorbot") / "migrations" / dialect
    found: list[Migration] = []
    for entry in folder.iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), match.group(2), entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if versions != list(range(1, len(versions) + 1)):
        raise RuntimeError(f"migrations for {dialect} are not numbered 1..n: {versions}")
    return found


def split_statements(sql: str) -> list[str]:
    """Split a script on semicolons at line ends (our scripts hold no procedural code)."""
    lines = [line for line in sql.splitlines() if not line.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";\n") if s.strip().rstrip(";").strip()]


def defined_tables(migrations: Sequence[Migration]) -> tuple[str, ...]:
    """The tables a database the `migrations` were applied to has (``schema_version`` first, then in the order
    they were made), read from their scripts: each table made and not dropped, under its last name."""
    found = ["schema_version"]
    for migration in migrations:
        for statement in split_statements(migration.sql):
            match = _TABLE_DDL.match("\n".join(_COMMENT.sub("", line) for line in statement.splitlines()))
            if match is None:
                continue
            name = match["name"].lower()
            if match["create"] is not None:
                if name not in found:
                    found.append(name)
            elif match["drop"] is not None:
                if name in found:
                    found.remove(name)
            elif match["new"] is not None and name in found:
                found[found.index(name)] = match["new"].lower()
    return tuple(found)


async def other_tables(conn: Connection, dialect: str) -> list[str]:
    """The tables of the database (of the schema tables are made in, on PostgreSQL: whatever this user may read)
    other than ``schema_version``, by name."""
    if dialect == "sqlite":
        rows = await conn.fetch_all(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name <> 'schema_version' ORDER BY name"
        )
    else:  # pg_class, not information_schema: that leaves out the tables this user has no privilege on
        rows = await conn.fetch_all(
            "SELECT relname AS name FROM pg_class WHERE relkind IN ('r', 'p') AND NOT relispartition "
            "AND relnamespace = current_schema()::regnamespace AND relname <> 'schema_version' ORDER BY relname"
        )
    return [str(r["name"]) for r in rows]


@dataclass(frozen=True)
class TableAccess:
    """What the database user may do to the tables asked about (PostgreSQL; on SQLite, anything): `missing`, the
    privileges lacking per table (only those that lack one); `sequences`, the id sequences it may not use;
    `absent`, the tables not there. `role`, `schema` and `owner` (of ``schema_version``: who runs the migrations)
    are quoted as SQL identifiers, for the grants that mend it."""

    role: str = ""
    schema: str = ""
    owner: str = ""
    missing: Mapping[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)
    sequences: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()

    def refusal(self, *, write: bool) -> GrantsMissing | None:
        """The `GrantsMissing` to raise, or None when nothing is missing."""
        if not self.missing and not self.sequences:
            return None
        return GrantsMissing(self.role, self.schema, self.owner, self.missing, self.sequences, write=write)


async def table_access(conn: Connection, dialect: str, tables: Sequence[str], *, write: bool) -> TableAccess:
    """Whether the database user may use `tables` (names from `defined_tables`, bare identifiers) as the bot does
    (`write`: `TABLE_PRIVILEGES` on each, SELECT on ``schema_version``, USAGE on the sequences of serial ids: an
    identity column, every id of ours, needs none) or as a command that only reads (SELECT). PostgreSQL only; on
    SQLite the file's permissions decide, and all is well."""
    if dialect != "postgresql" or not tables:
        return TableAccess()
    names = ", ".join(f"('{name}')" for name in tables if re.fullmatch(r"[a-z_][a-z0-9_]*", name))
    checks = ", ".join(
        f"COALESCE(has_table_privilege(c.oid, '{privilege}'), true) AS {privilege.lower()}"
        for privilege in TABLE_PRIVILEGES
    )
    rows = await conn.fetch_all(
        f"SELECT t.name, c.oid IS NOT NULL AS present, {checks} FROM (VALUES {names}) AS t(name) "
        "LEFT JOIN pg_class c ON c.oid = to_regclass(quote_ident(t.name))"
    )
    who = await conn.fetch_one(
        "SELECT quote_ident(current_user) AS role, quote_ident(COALESCE(current_schema(), 'public')) AS schema, "
        "(SELECT quote_ident(pg_get_userbyid(relowner)) FROM pg_class WHERE oid = to_regclass('schema_version')) "
        "AS owner"
    )
    missing: dict[str, tuple[str, ...]] = {}
    absent = []
    for row in rows:
        name = str(row["name"])
        if not row["present"]:
            absent.append(name)
            continue
        wanted = TABLE_PRIVILEGES if write and name != "schema_version" else READ_PRIVILEGES
        lacking = tuple(p for p in wanted if not row[p.lower()])
        if lacking:
            missing[name] = lacking
    sequences: tuple[str, ...] = ()
    if write:
        found = await conn.fetch_all(
            "SELECT s.relname AS name FROM pg_depend d JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S' "
            "WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass "
            # Serial columns' sequences ('a') only: an identity column's ('i', every id of ours) is used by an
            # INSERT without checking the role's rights on it.
            "AND d.deptype = 'a' "
            f"AND d.refobjid IN (SELECT to_regclass(quote_ident(t.name))::oid FROM (VALUES {names}) AS t(name)) "
            # CASE: the planner may try the condition on rows that are not sequences first (a toast table).
            "AND NOT CASE WHEN s.relkind = 'S' THEN has_sequence_privilege(s.oid, 'USAGE') ELSE true END "
            "ORDER BY s.relname"
        )
        sequences = tuple(str(r["name"]) for r in found)
    assert who is not None
    owner = str(who["owner"]) if who["owner"] is not None else "<owner>"
    return TableAccess(str(who["role"]), str(who["schema"]), owner, missing, sequences, tuple(absent))


async def check_grants(conn: Connection, dialect: str, version: int, *, write: bool = True) -> None:
    """`GrantsMissing` when the database user may not use a table the migrations up to `version` made (or the
    sequence of its ids) as the bot does (`write`) or as a reading command does; nothing on SQLite."""
    if dialect != "postgresql":
        return
    applied = [m for m in available_migrations(dialect) if m.version <= version]
    refusal = (await table_access(conn, dialect, defined_tables(applied), write=write)).refusal(write=write)
    if refusal is not None:
        raise refusal


async def schema_version(conn: Connection, dialect: str) -> int:
    """The applied schema version (0 for an empty database)."""
    if dialect == "sqlite":
        exists = await conn.fetch_one(
            "SELECT 1 AS one FROM sqlite_master WHERE type = 'table' AND name = ?", "schema_version"
        )
    else:
        exists = await conn.fetch_one("SELECT to_regclass('schema_version') IS NOT NULL AS one")
        exists = exists if exists and exists["one"] else None
    if not exists:
        return 0
    row = await conn.fetch_one("SELECT MAX(version) AS version FROM schema_version")
    return int(row["version"]) if row and row["version"] is not None else 0


async def check_schema(db: Database) -> int:
    """The schema version of `db`, which must be exactly this MentorBot's: `SchemaTooNewError` when newer,
    `SchemaPendingError` when older. Nothing is changed (for commands that only read)."""
    migrations = available_migrations(db.dialect)
    known = migrations[-1].version if migrations else 0
    async with db.read() as conn:
        found = await schema_version(conn, db.dialect)
        if found == 0 and (others := await other_tables(conn, db.dialect)):
            raise NotMentorBotDatabase(others)
        if found > known:
            raise SchemaTooNewError(found, known)
        if found < known:
            raise SchemaPendingError(found, known)
        await check_grants(conn, db.dialect, found, write=False)
    return found


async def migrate(db: Database, now: datetime) -> int:
    """Bring the schema up to date; return the version it is at. Raises `SchemaTooNewError`,
    `MigrationChangedError`, and `SchemaChangeDenied` when something is pending that the role may not apply.

    It first reads (no lock, no write): nothing pending and every checksum recorded is the usual start, and it
    ends there. Otherwise it applies the pending migrations in one transaction, after looking again under the
    lock (another process may have applied them meanwhile). Either way, on PostgreSQL the user must then have
    the bot's privileges on every table the migrations made (`check_grants`: `GrantsMissing`). A database with
    tables but no schema is another program's: `NotMentorBotDatabase`, and nothing is written."""
    migrations = available_migrations(db.dialect)
    known = migrations[-1].version if migrations else 0
    async with db.read() as conn:
        current = await schema_version(conn, db.dialect)
        if current == 0 and (others := await other_tables(conn, db.dialect)):
            raise NotMentorBotDatabase(others)
        if current > known:
            raise SchemaTooNewError(current, known)
        if current == known and not await _checksums_to_record(conn, db.dialect, migrations, current):
            await check_grants(conn, db.dialect, current)
            return current
    foreign_keys_off = db.dialect == "sqlite" and any(
        FOREIGN_KEYS_OFF in m.sql.splitlines() for m in migrations if m.version > current
    )
    try:
        async with _foreign_keys_off(db) if foreign_keys_off else _nothing():
            reached = await _apply(db, migrations, known, now, check_foreign_keys=foreign_keys_off)
    except Exception as exc:
        if getattr(exc, "sqlstate", None) != _INSUFFICIENT_PRIVILEGE:
            raise
        pending = tuple(f"{m.version:04d}_{m.name}" for m in migrations if m.version > current)
        raise SchemaChangeDenied(current, known, pending, str(exc)) from exc
    async with db.read() as conn:
        await check_grants(conn, db.dialect, reached)
    return reached


async def _apply(
    db: Database, migrations: list[Migration], known: int, now: datetime, *, check_foreign_keys: bool
) -> int:
    """Apply the migrations `db` has not, in one transaction under the migration lock; the version reached. With
    `check_foreign_keys` (SQLite, a run with foreign keys off) a row naming no row that was not there before is
    refused (`RuntimeError`); those there before are logged as a warning once committed."""
    async with db.transaction() as conn:
        if db.dialect == "postgresql":
            await conn.execute("SELECT pg_advisory_xact_lock(?)", _ADVISORY_LOCK_KEY)
            ts_type = "TIMESTAMPTZ"
        else:
            ts_type = "TEXT"
        current = await schema_version(conn, db.dialect)
        if current > known:
            raise SchemaTooNewError(current, known)
        if current == 0:
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_version ("
                f"version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at {ts_type} NOT NULL)"
            )
        await _check_applied(conn, db.dialect, migrations, current)
        before = await _broken_references(conn) if check_foreign_keys else Counter[tuple[str, int, str]]()
        for migration in migrations:
            if migration.version <= current:
                continue
            for statement in split_statements(migration.sql):
                await conn.execute(statement)
            await conn.execute(
                "INSERT INTO schema_version (version, name, applied_at, checksum) VALUES (?, ?, ?, ?)",
                migration.version,
                migration.name,
                now,
                migration.checksum,
            )
            current = migration.version
        kept: list[str] = []
        if check_foreign_keys:
            after = await _broken_references(conn)
            added = after - before
            if added:
                tables = ", ".join(sorted({table for table, _, _ in added}))
                raise RuntimeError(f"the migration left rows whose foreign key names no row, in {tables}")
            kept = sorted({table for table, _, _ in after})
    if kept:  # there before the upgrade (a row deleted where foreign keys were off): not the migration's doing
        log.warning(
            "the database has rows whose foreign key names no row, in %s; they were there before this upgrade, "
            "which went on and kept them as they are; `PRAGMA foreign_key_check` (in the sqlite3 shell) lists them",
            ", ".join(kept),
        )
    return current


async def _broken_references(conn: Connection) -> Counter[tuple[str, int, str]]:
    """SQLite: the rows whose foreign key names no row (``PRAGMA foreign_key_check``), counted by table, rowid and
    table referred to: a rebuilt table keeps its rows' ids, and not always the numbers of its foreign keys."""
    rows = await conn.fetch_all("PRAGMA foreign_key_check")
    return Counter((str(row["table"]), int(row["rowid"] or 0), str(row["parent"])) for row in rows)


@asynccontextmanager
async def _nothing() -> AsyncIterator[None]:
    yield


@asynccontextmanager
async def _foreign_keys_off(db: Database) -> AsyncIterator[None]:
    """SQLite's foreign keys off on the engine's connection while inside, on again after (checked). The pragma is a
    no-op inside a transaction: it is set in a read whose deferred transaction, holding nothing yet, is ended first
    (the engine ends a read only when SQLite has not), under the engine's lock."""
    try:
        await _set_foreign_keys(db, on=False)
        yield
    finally:
        await _set_foreign_keys(db, on=True)


async def _set_foreign_keys(db: Database, *, on: bool) -> None:
    async with db.read() as conn:
        await conn.execute("COMMIT")
        await conn.execute(f"PRAGMA foreign_keys = {'ON' if on else 'OFF'}")
        row = await conn.fetch_one("PRAGMA foreign_keys")
    if row is None or bool(row["foreign_keys"]) != on:
        raise RuntimeError(f"could not turn SQLite's foreign keys {'on' if on else 'off'}")


async def changed_migrations(db: Database) -> list[str]:
    """The applied migrations whose script changed since (``0005_name``), read only: what `migrate` would refuse
    (`mentorbot db status` says it)."""
    migrations = {m.version: m for m in available_migrations(db.dialect)}
    async with db.read() as conn:
        if await schema_version(conn, db.dialect) == 0 or not await _has_checksums(conn, db.dialect):
            return []  # no schema, or one from before version 18: nothing recorded to compare
        rows = await conn.fetch_all("SELECT version, checksum FROM schema_version ORDER BY version")
    changed = []
    for row in rows:
        migration = migrations.get(int(row["version"]))
        if migration is not None and migration.changed_since(row["checksum"]):
            changed.append(f"{migration.version:04d}_{migration.name}")
    return changed


async def _has_checksums(conn: Connection, dialect: str) -> bool:
    """Whether ``schema_version`` has its checksum column (added by this code's first start)."""
    if dialect == "sqlite":
        columns = {str(r["name"]) for r in await conn.fetch_all("PRAGMA table_info(schema_version)")}
    else:
        columns = {
            str(r["column_name"])
            for r in await conn.fetch_all(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = 'schema_version'"
            )
        }
    return "checksum" in columns


async def _checksums_to_record(conn: Connection, dialect: str, migrations: list[Migration], current: int) -> bool:
    """Read only: whether `_check_applied` has checksums to record or rewrite (the column missing, one recorded
    before checksums were, one in the first form). A changed migration raises `MigrationChangedError` here."""
    if current == 0:
        return False
    if not await _has_checksums(conn, dialect):
        return True
    recorded = {
        int(r["version"]): r["checksum"] for r in await conn.fetch_all("SELECT version, checksum FROM schema_version")
    }
    stale = False
    for migration in migrations:
        if migration.version > current or migration.version not in recorded:
            continue
        if migration.changed_since(recorded[migration.version]):
            raise MigrationChangedError(migration.version, migration.name)
        stale = stale or recorded[migration.version] != migration.checksum
    return stale


async def _check_applied(conn: Connection, dialect: str, migrations: list[Migration], current: int) -> None:
    """Each applied migration's recorded checksum against its script: `MigrationChangedError` when they differ.
    One applied before checksums were recorded (version 18) has it recorded now, from the script as it is; one
    recorded in `Migration.first_checksum`'s form is rewritten in the current one."""
    if not await _has_checksums(conn, dialect):
        await conn.execute("ALTER TABLE schema_version ADD COLUMN checksum TEXT")
    recorded = {
        int(r["version"]): r["checksum"] for r in await conn.fetch_all("SELECT version, checksum FROM schema_version")
    }
    for migration in migrations:
        if migration.version > current or migration.version not in recorded:
            continue
        found = recorded[migration.version]
        if found == migration.checksum:
            continue
        if migration.changed_since(found):
            raise MigrationChangedError(migration.version, migration.name)
        await conn.execute(
            "UPDATE schema_version SET checksum = ? WHERE version = ?", migration.checksum, migration.version
        )
