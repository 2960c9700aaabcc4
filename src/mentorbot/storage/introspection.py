"""What a database holds, read the same way on either engine (SQLite, PostgreSQL): its data tables, parents
before children (`tables`), their columns (`columns`), the highest id each table has given (`ids_given`), and each
value in the one canonical form both engines' values take (`canonical`, for checksums and comparisons) and in the
form a target engine stores (`to_target`). Read by `copying` (``db copy``, backups and restores) and `after_backup`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from mentorbot.clock import as_utc
from mentorbot.storage.database import Connection


async def tables(conn: Connection, dialect: str) -> list[str]:
    """The data tables (not ``schema_version``), parents before the tables whose foreign keys name them."""
    if dialect == "sqlite":
        rows = await conn.fetch_all(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
        names = [str(r["name"]) for r in rows]
        parents = {
            name: {str(fk["table"]) for fk in await conn.fetch_all(f"PRAGMA foreign_key_list('{name}')")}
            for name in names
        }
    else:
        rows = await conn.fetch_all(
            "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() "
            "AND table_type = 'BASE TABLE' ORDER BY table_name"
        )
        names = [str(r["name"]) for r in rows]
        links = await conn.fetch_all(
            "SELECT child.relname AS child, parent.relname AS parent FROM pg_constraint c "
            "JOIN pg_class child ON child.oid = c.conrelid JOIN pg_class parent ON parent.oid = c.confrelid "
            "WHERE c.contype = 'f' AND child.relnamespace = current_schema()::regnamespace"
        )
        parents = {name: set() for name in names}
        for link in links:
            parents.setdefault(str(link["child"]), set()).add(str(link["parent"]))
    ordered: list[str] = []
    remaining = [n for n in names if n != "schema_version"]
    while remaining:
        ready = [n for n in remaining if not (parents.get(n, set()) - {n}) - set(ordered)]
        if not ready:  # a cycle: keep the rest in name order (our schema has none)
            ready = remaining[:1]
        ordered.extend(ready)
        remaining = [n for n in remaining if n not in ready]
    return ordered


async def columns(conn: Connection, dialect: str, table: str) -> dict[str, str]:
    """Column name → declared type (lower case), in table order."""
    if dialect == "sqlite":
        rows = await conn.fetch_all(f"PRAGMA table_info('{table}')")
        return {str(r["name"]): str(r["type"]).lower() for r in rows}
    rows = await conn.fetch_all(
        "SELECT column_name AS name, data_type AS type FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
        table,
    )
    return {str(r["name"]): str(r["type"]).lower() for r in rows}


# ---------------------------------------------------------------------------------------------- values


def kind_of(declared: str) -> str:
    """The canonical kind of a column's declared type: time, bool, json, int, float or text."""
    if "timestamp" in declared:
        return "time"
    if declared == "boolean":
        return "bool"
    if declared in ("json", "jsonb"):
        return "json"
    if declared in ("integer", "bigint", "smallint"):
        return "int"
    if declared in ("double precision", "real", "numeric"):
        return "float"
    return "text"


def utc_time(value: Any) -> datetime:
    return as_utc(datetime.fromisoformat(value) if isinstance(value, str) else value)


def canonical(value: Any, kind: str) -> str:
    """`value` in the one form both engines' values of `kind` take for the checksum."""
    if value is None:
        return "\x00"
    if kind == "time":
        return utc_time(value).isoformat(timespec="microseconds")
    if kind == "bool":
        return "1" if value else "0"
    if kind == "json":
        return json.dumps(json.loads(value) if isinstance(value, str) else value, sort_keys=True)
    if kind == "int" and not isinstance(value, str):
        return str(int(value))
    if kind == "float" and not isinstance(value, str):
        return repr(float(value))
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def to_target(value: Any, kind: str, dialect: str) -> Any:
    """`value` as the target engine stores a column of `kind`."""
    if value is None:
        return None
    if dialect == "postgresql":
        if kind == "time":
            return utc_time(value)
        if kind == "bool":
            return bool(value)
        if kind == "json" and not isinstance(value, str):
            return json.dumps(value)
        if kind == "int":
            return int(value)
        if kind == "float":
            return float(value)
        return value
    if isinstance(value, datetime):
        return as_utc(value).isoformat(timespec="microseconds")
    if isinstance(value, bool):
        return int(value)
    return value


async def sequence_of(conn: Connection, table: str) -> str | None:
    """The PostgreSQL sequence that gives `table`'s ids (its identity or serial ``id``), quoted; None for none."""
    if "id" not in await columns(conn, "postgresql", table):
        return None
    row = await conn.fetch_one("SELECT pg_get_serial_sequence(?, 'id') AS seq", f'"{table}"')
    return str(row["seq"]) if row and row["seq"] else None


async def ids_given(conn: Connection, dialect: str, names: Sequence[str]) -> dict[str, int]:
    """The highest id each of the tables `names` has ever given, where the database keeps it (table → id): its
    ``sqlite_sequence`` counter on SQLite (``AUTOINCREMENT`` tables only), its sequence on PostgreSQL. An id above
    every row's is one deleted since, which must not be given again (an offer's id names its direct message)."""
    out: dict[str, int] = {}
    if dialect == "sqlite":
        if not await conn.fetch_one(
            "SELECT 1 AS one FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'"
        ):
            return out
        for counter in await conn.fetch_all("SELECT name, seq FROM sqlite_sequence"):
            name = str(counter["name"])
            if name in names and counter["seq"] is not None:
                out[name] = max(out.get(name, 0), int(counter["seq"]))
        return out
    for name in names:
        sequence = await sequence_of(conn, name)
        if sequence is None:
            continue
        row = await conn.fetch_one(f"SELECT last_value, is_called FROM {sequence}")
        if row is not None:
            # Not yet called: `last_value` is the id it gives next (1 for a new sequence, or as `setval` left it).
            out[name] = int(row["last_value"]) if row["is_called"] else int(row["last_value"]) - 1
    return out
