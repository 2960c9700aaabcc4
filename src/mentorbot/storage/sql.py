"""SQL pieces every store module shares: IN-list placeholders, an id list bound as one parameter, and the
signal that undoes a transaction."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from mentorbot.storage.database import Connection, Row


class Rollback(Exception):
    """Raised inside a transaction to undo it when a later compare-and-set fails."""


def in_list(values: Sequence[Any]) -> str:
    """Placeholders for an IN list; an empty list matches nothing (``IN (NULL)``) instead of a syntax error."""
    return ", ".join("?" for _ in values) or "NULL"


def id_list(dialect: str, ids: Sequence[int]) -> tuple[str, Any]:
    """A subquery yielding `ids`, bound as ONE parameter (thousands of ids exceed placeholder limits)."""
    if dialect == "postgresql":
        return "SELECT unnest(CAST(? AS BIGINT[]))", list(ids)
    return "SELECT value FROM json_each(?)", json.dumps(list(ids))


def text_list(dialect: str, values: Sequence[str]) -> tuple[str, Any]:
    """A subquery yielding the strings `values`, bound as ONE parameter (`id_list` for text)."""
    if dialect == "postgresql":
        return "SELECT unnest(CAST(? AS TEXT[]))", list(values)
    return "SELECT value FROM json_each(?)", json.dumps(list(values))


def community_scope(communities: Sequence[str] | None) -> tuple[str, list[Any]]:
    """An ``AND (…)`` condition keeping the rows whose ``community`` starts with one of `communities` (prefixes
    such as ``"slack:"``), and its arguments; none for None (every community)."""
    if communities is None:
        return "", []
    condition = " OR ".join("substr(community, 1, ?) = ?" for _ in communities) or "1 = 0"
    return f" AND ({condition})", [arg for prefix in communities for arg in (len(prefix), prefix)]


async def claim_expired(
    conn: Connection,
    table: str,
    *,
    now: datetime,
    worker: str,
    lease: timedelta,
    limit: int,
    communities: Sequence[str] | None,
    skip_locked: str,
    statuses: Sequence[str] = ("pending",),
    unless: str = "",
    unless_args: Sequence[Any] = (),
) -> list[Row]:
    """Claim for `worker` the rows of `table` (the outbox or the inbox: ``status``, ``claimed_by``,
    ``claimed_until``, ``attempts``, ``community``) in one of `statuses` whose lease ran out, oldest first, up
    to `limit`; each row is claimed by one worker at a time (`skip_locked` lets PostgreSQL workers pass over each
    other's). `unless`, when given, is an SQL condition on the row (the table's name in it names the row) that leaves it
    unclaimed, its arguments `unless_args`; the rows it leaves do not use up `limit`."""
    scope, scope_args = community_scope(communities)
    states = ", ".join(f"'{s}'" for s in statuses)  # constants of the storage modules, never user input
    excluded = f" AND NOT ({unless})" if unless else ""
    found = await conn.fetch_all(
        f"UPDATE {table} SET claimed_by = ?, claimed_until = ?, attempts = attempts + 1 "
        f"WHERE id IN (SELECT id FROM {table} WHERE status IN ({states}) AND claimed_until < ?"
        f"{scope}{excluded} ORDER BY id LIMIT ?{skip_locked}) RETURNING *",
        worker,
        now + lease,
        now,
        *scope_args,
        *unless_args,
        limit,
    )
    return sorted(found, key=lambda r: int(r["id"]))


async def change_one(conn: Connection, sql: str, *args: Any) -> None:
    """Run a compare-and-set that must change exactly one row; raise `Rollback` when it changes none."""
    if await conn.execute(sql, *args) != 1:
        raise Rollback
