"""Versioned schema migrations, applied on start in one transaction and recorded in `schema_version`.

Files live in ``mentorbot/migrations/<dialect>/NNNN_name.sql``. A database whose version is newer than the
newest file is refused: an older MentorBot must not write to a schema it does not know.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from importlib import resources

from mentorbot.errors import MentorBotError
from mentorbot.storage.database import Connection, Database

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
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


@dataclass(frozen=True)
class Migration:
    """One numbered SQL script."""

    version: int
    name: str
    sql: str


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
        for migration in migrations:
            if migration.version <= current:
                continue
            for statement in split_statements(migration.sql):
                await conn.execute(statement)
            await conn.execute(
                "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
                migration.version,
                migration.name,
                now,
            )
            current = migration.version
    return current
