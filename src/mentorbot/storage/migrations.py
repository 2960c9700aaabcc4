"""Versioned schema migrations, applied on start in one transaction and recorded in `schema_version`.

Files live in ``mentorbot/migrations/<dialect>/NNNN_name.sql``. A database whose version is newer than the
newest file is refused: an older MentorBot must not write to a schema it does not know.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from importlib import resources

from mentorbot.errors import MentorBotError
from mentorbot.storage.database import Connection, Database

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_COMMENT = re.compile(r"--.*$")
"""A comment to the end of a line (no migration has ``--`` inside a string)."""
# One constant key for PostgreSQL's advisory lock, so two processes never migrate at once.
_ADVISORY_LOCK_KEY = 7_301_117_004


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
    """A command that only reads met a database older than this MentorBot: it does not upgrade it (an older
    release still serving it would then refuse to start)."""

    def __init__(self, found: int, known: int) -> None:
        super().__init__(
            f"the database schema is version {found}, and this MentorBot's is {known}: this command only reads and "
            "does not upgrade it; run `mentorbot db upgrade` first (the running bot must be this version too)"
        )
        self.found = found
        self.known = known


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


async def _current_version(conn: Connection) -> int:
    row = await conn.fetch_one("SELECT MAX(version) AS version FROM schema_version")
    return int(row["version"]) if row and row["version"] is not None else 0


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
    if found > known:
        raise SchemaTooNewError(found, known)
    if found < known:
        raise SchemaPendingError(found, known)
    return found


async def migrate(db: Database, now: datetime) -> int:
    """Bring the schema up to date; return the version it is at. Raises `SchemaTooNewError`."""
    migrations = available_migrations(db.dialect)
    known = migrations[-1].version if migrations else 0
    async with db.transaction() as conn:
        if db.dialect == "postgresql":
            await conn.execute("SELECT pg_advisory_xact_lock(?)", _ADVISORY_LOCK_KEY)
            ts_type = "TIMESTAMPTZ"
        else:
            ts_type = "TEXT"
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_version ("
            f"version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at {ts_type} NOT NULL)"
        )
        current = await _current_version(conn)
        if current > known:
            raise SchemaTooNewError(current, known)
        await _check_applied(conn, db.dialect, migrations, current)
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
    return current


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
