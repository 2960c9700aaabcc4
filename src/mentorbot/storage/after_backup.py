"""What a restore does about the time between its backup and itself (``mentorbot db restore``, ``db raise-ids``).

The backup's time is the newest change it records (`backup_time`). From then to the restore, each community is
recorded out of MentorBot's reach (`since_backup`: the session 41 outage, so an offer open then expires as no one's
lapse); the replaced database's delivered or superseded notices, message refs and finished inbox events are carried
into the restored one, so nothing already said is said again and no processed event is processed again; and what the
restored database lost (offers, requests, mentorships made after the backup) is counted and listed, with the
``/mentor-admin match`` that remakes each mentorship. The members forgotten since the backup are found from the
replaced database's record of forgets (`forgets_recorded`, `forgotten_since`) to be forgotten again.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, TypeVar

from mentorbot.models import OPEN_REQUEST_STATUSES
from mentorbot.storage.database import Connection, Database, Row
from mentorbot.storage.forgotten import forgotten_member_key
from mentorbot.storage.introspection import canonical, columns, ids_given, tables, to_target, utc_time
from mentorbot.storage.sql import id_list, in_list

T = TypeVar("T")


async def forgotten_since_backup(source: Database, target: Database) -> Forgotten:
    """The members of `target` (both open; a backup restored into a new database) that `source`, the database the
    bot used until then, records as forgotten since the backup was made (`forgotten_since`), and whether those are
    all. Both are only read: a restore into a new database (PostgreSQL's) lists them for the admin to forget again
    (`raise_ids_above` carried the record first, so that each such forget keeps its first time)."""
    async with target.read() as dst:
        backup = await membership(dst, target.dialect)
    async with source.read() as src:
        forgets = await forgets_recorded(src, source.dialect)
        later = await membership(src, source.dialect)
    return forgotten_since(backup, forgets, later)


# ---------------------------------------------------------------------------------------- since the backup


EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)

_HAPPENED: Final = (
    ("members", "created_at"),
    ("mentor_profiles", "updated_at"),
    ("requests", "updated_at"),
    ("offers", "created_at"),
    ("offers", "decided_at"),
    ("mentorships", "started_at"),
    ("mentorships", "ended_at"),
    ("feedback", "created_at"),
    ("course_suggestions", "created_at"),
    ("course_suggestions", "decided_at"),
    ("resource_votes", "voted_at"),
    ("outbox", "created_at"),
    ("inbox", "created_at"),
    ("jobs", "created_at"),
    ("offer_lapses", "lapsed_at"),
)

_BATCH: Final = 500


@dataclass(frozen=True)
class Ahead:
    """A column of `_HAPPENED` in which the restored database holds times after the restore's: written by a process
    whose clock ran ahead, or the clock of the host restoring is behind. They are not taken for the backup's time
    (`backup_time`); `newest` is the latest of them."""

    table: str
    column: str
    newest: datetime


@dataclass(frozen=True)
class BackupTime:
    """The backup's time as the restored database tells it (`backup_time`): `at` (None: it records no change up to
    the restore's time), and the columns holding times after the restore's (`Ahead`), left out."""

    at: datetime | None
    ahead: tuple[Ahead, ...] = ()


async def backup_time(conn: Connection, dialect: str, now: datetime) -> BackupTime:
    """The backup's time as the database open on `conn` (a backup, restored at `now`) tells it: the newest time up
    to `now` it records a change at (`_HAPPENED`). A backup file keeps no time of its own (its file time changes with
    a copy, pg_dump records none in the tables), and this one is at or before the backup's: every time it holds was
    written before the backup was made. A time after `now` is no backup's (a process's clock ran ahead, or this
    host's is behind): it is left out, and its column named (`BackupTime.ahead`), for the restore to say. Read only:
    two ``MAX`` over each of those columns."""
    present = set(await tables(conn, dialect))
    bound = to_target(now, "time", dialect)
    newest: datetime | None = None
    ahead: list[Ahead] = []
    for table, column in _HAPPENED:
        if table not in present or column not in await columns(conn, dialect, table):
            continue
        row = await conn.fetch_one(f'SELECT MAX("{column}") AS at FROM "{table}" WHERE "{column}" <= ?', bound)
        if row is not None and row["at"] is not None:
            at = utc_time(row["at"])
            newest = at if newest is None else max(newest, at)
        row = await conn.fetch_one(f'SELECT MAX("{column}") AS at FROM "{table}" WHERE "{column}" > ?', bound)
        if row is not None and row["at"] is not None:
            ahead.append(Ahead(table, column, utc_time(row["at"])))
    return BackupTime(newest, tuple(ahead))


@dataclass(frozen=True)
class LostMentorship:
    """A mentorship the database a restore replaces made after the backup, active there, which the restored one
    lacks: its community, its request's id, the mentor's and the mentee's platform user ids, whether the restored
    database holds that request (the same id, of the same member) and whether it holds the mentor (a member of that
    community with a mentor profile). Both held: ``/mentor-admin match <request> <mentor>`` makes it again; else the
    mentee asks again, or the mentor signs up again (they signed up after the backup), first."""

    community: str
    request: int | None
    mentor: str
    mentee: str
    request_restored: bool
    mentor_restored: bool = True


@dataclass(frozen=True)
class SinceBackup:
    """What a restore did about the time between the backup and itself (`since_backup`), and what it saw lost."""

    since: datetime | None = None
    """The backup's time as the restored database tells it (`backup_time`; None: it records none)."""
    outages: int = 0
    """The communities recorded out of MentorBot's reach from `since` to the restore (`storage.outages`): an offer
    open meanwhile, which its mentor may have answered in the lost period, expires as no lapse of theirs."""
    read: bool = False
    """Whether the database replaced was read (False: there was none, or it could not be read); what follows is
    carried from it and counted in it, nothing when it was not read."""
    delivered: int = 0
    """Outbox rows pending or held in the restored database that the replaced one had delivered or superseded (the
    same row: id, member, time and key), marked so; and, the replaced database being a later state of the backup
    (`_Later.lineage`), those gone from it (pruned once finished), marked superseded: never sent nor shown again."""
    refs: int = 0
    """Message refs carried from the replaced database (newer there, or missing), so that a keyed message sent again
    edits the one the member has instead of posting another."""
    inbox: int = 0
    """Inbox events done in the replaced database, or gone from it (pruned once done; it being a later state of the
    backup), pending or being answered in the restored one: marked done, never processed again."""
    offers: int = 0
    """Offers pending in the restored database that the replaced one had answered or ended since (accepted,
    declined, expired, withdrawn): pending again."""
    requests: int = 0
    """Requests the replaced database took after the backup, open there (waiting, offered) and in no lost mentorship,
    which the restored one lacks: their members are to ask again."""
    mentorships: tuple[LostMentorship, ...] = ()
    """Active mentorships the replaced database made after the backup, which the restored one lacks."""
    ahead: tuple[Ahead, ...] = ()
    """The columns of the restored database holding times after the restore's, left out of the backup's time."""


@dataclass(frozen=True)
class _Held:
    """What the restored database holds that the replaced one may have moved past since the backup: its outbox rows
    still to send or show, its inbox events not done, and its pending offers."""

    outbox: list[Row]
    inbox: list[Row]
    offers: list[Row]


@dataclass(frozen=True)
class _Later:
    """What the replaced database tells of the time after the backup (`_read_later`), after `floor` (the backup's
    time, or before)."""

    floor: datetime
    lineage: bool
    """Whether it is a later state of the backup by its members (`forgotten_since`'s `known`: each member of the
    backup held as the backup holds it, or recorded as forgotten since)."""
    reuses_ids: bool
    """Whether it gives an outbox or inbox id again once the rows above it are deleted (SQLite: no
    ``AUTOINCREMENT`` there); PostgreSQL's sequences never do."""
    given: dict[str, int]
    """The highest id its outbox and inbox have given (their sequences: PostgreSQL only, `ids_given`)."""
    outages: list[Row]
    outbox: list[Row]
    """Its outbox rows at the ids of the restored database's pending and held ones, whatever their state."""
    refs: list[Row]
    inbox: list[Row]
    """Its inbox rows of the event ids of the restored database's events not done, whatever their state."""
    inbox_at: list[Row]
    """Its inbox rows at the ids of those events."""
    offers: list[Row]
    requests: list[Row]
    mentorships: list[Row]


def _chunks(values: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), _BATCH):
        yield values[start : start + _BATCH]


async def _by_ids(conn: Connection, sql: str, ids: Sequence[Any]) -> list[Row]:
    """The rows of `sql` (ending ``id IN``, or another column's, without its list) for `ids`, `_BATCH` at a time."""
    found: list[Row] = []
    for part in _chunks(ids):
        found.extend(await conn.fetch_all(f"{sql} ({', '.join('?' for _ in part)})", *part))
    return found


def _same_time(a: Any, b: Any) -> bool:
    return a is not None and b is not None and canonical(a, "time") == canonical(b, "time")


async def _lineage(conn: Connection, dialect: str, src: Connection, source_dialect: str) -> bool:
    """Whether the database open on `src` is a later state of the backup open on `conn`, by their members: each
    member of the backup it holds as the backup does (same community, platform user id and time made), or records as
    forgotten since (`forgotten_since`'s `known`, as a restore's forgets go by). Not one restored from an older backup
    that lacks members of this one, nor a fresh one made when the file went missing, nor one keeping no record of
    forgets (older than migration 0026). Read only."""
    backup = await membership(conn, dialect)
    return forgotten_since(
        backup, await forgets_recorded(src, source_dialect), await membership(src, source_dialect)
    ).known


async def _read_later(
    conn: Connection,
    dialect: str,
    src: Connection,
    source_dialect: str,
    held: _Held,
    floor: datetime,
    lineage: bool | None,
) -> _Later:
    """Read, in the database a restore replaces (open on `src`), what changed after `floor` (the backup's time, or
    before) that the restored database (open on `conn`; `held`) needs or lacks, and whether it is a later state of it
    (`lineage`, when the caller knows it already; else `_lineage`). Read only; each read by an index or over the rows
    after `floor`."""
    present = set(await tables(src, source_dialect))
    after = to_target(floor, "time", source_dialect)

    async def rows(table: str, sql: str, *args: Any) -> list[Row]:
        return await src.fetch_all(sql, *args) if table in present else []

    async def by_ids(table: str, sql: str, ids: Sequence[Any]) -> list[Row]:
        return await _by_ids(src, sql, ids) if table in present and ids else []

    outbox = [int(r["id"]) for r in held.outbox]
    inbox = [int(r["id"]) for r in held.inbox]
    offers = [int(r["id"]) for r in held.offers]
    if lineage is None:
        try:
            lineage = await _lineage(conn, dialect, src, source_dialect)
        except ValueError:  # a time it holds is none
            lineage = False
    return _Later(
        floor=floor,
        lineage=lineage,
        reuses_ids=source_dialect == "sqlite",
        given=await ids_given(src, source_dialect, [n for n in ("outbox", "inbox") if n in present]),
        outages=await rows("community_outages", "SELECT community, since, until FROM community_outages ORDER BY since"),
        outbox=await by_ids(
            "outbox",
            "SELECT id, member_id, created_at, message_key, status, delivered_at FROM outbox WHERE id IN",
            outbox,
        ),
        refs=await rows(
            "message_refs",
            "SELECT community, platform_user_id, message_key, location, stored_at FROM message_refs "
            "WHERE stored_at >= ?",
            after,
        ),
        inbox=await by_ids(
            "inbox",
            "SELECT event_id, status, done_at FROM inbox WHERE event_id IN",
            [str(r["event_id"]) for r in held.inbox],
        ),
        inbox_at=await by_ids("inbox", "SELECT id, event_id, created_at FROM inbox WHERE id IN", inbox),
        offers=await by_ids("offers", "SELECT id, request_id, created_at, status FROM offers WHERE id IN", offers),
        requests=await rows(
            "requests",
            "SELECT id, created_at FROM requests WHERE created_at >= ? "
            f"AND status IN ({in_list(OPEN_REQUEST_STATUSES)})",
            after,
            *OPEN_REQUEST_STATUSES,
        ),
        mentorships=await rows(
            "mentorships",
            "SELECT ms.id, ms.request_id, ms.community, ms.started_at, mr.platform_user_id AS mentor, "
            "me.platform_user_id AS mentee FROM mentorships ms JOIN members mr ON mr.id = ms.mentor_id "
            "JOIN members me ON me.id = ms.mentee_id WHERE ms.status = 'active' AND ms.started_at >= ? ORDER BY ms.id",
            after,
        ),
    )


async def _carry_outages(conn: Connection, dialect: str, outages: Sequence[Row]) -> None:
    """The replaced database's outages into the restored one, oldest first: one the restored database holds open and
    the replaced one ended is ended; one it lacks is added (an open one only where the community has none open)."""
    for row in outages:
        since, until = to_target(row["since"], "time", dialect), to_target(row["until"], "time", dialect)
        if until is not None:
            await conn.execute(
                "UPDATE community_outages SET until = ? WHERE community = ? AND since = ? AND until IS NULL",
                until,
                row["community"],
                since,
            )
        await conn.execute(
            "INSERT INTO community_outages (community, since, until) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            row["community"],
            since,
            until,
        )


def _gone_ok(later: _Later, table: str, row_id: int, other: Row | None) -> bool:
    """Whether the row `row_id` of the restored database's `table` (outbox, inbox), missing from the replaced database
    as the same row, may be taken for one deleted there since the backup: there is `other` row at its id there only
    where ids are given again (SQLite), made after the backup's time (`floor`) once the row was deleted; and on
    PostgreSQL the id is one the table's sequence gave there. Otherwise the replaced database is no later state of the
    backup (a later state holds every row of the backup that it did not delete, at its id)."""
    if other is not None:
        return later.reuses_ids and utc_time(other["created_at"]) >= later.floor
    given = later.given.get(table)
    return given is None or row_id <= given


async def _carry_outbox(conn: Connection, dialect: str, held: _Held, later: _Later) -> int:
    """Mark the restored database's pending and held outbox rows that the replaced one delivered or superseded (the
    same row: id, member, time made and key) as it did; and, the replaced database a later state of the backup
    (`_Later.lineage`, and each such row gone from it as `_gone_ok` allows), those it no longer holds as superseded:
    it deletes only delivered and superseded rows (a day after: `timers.EVENT_ID_RETENTION`), held ones shown to no
    one for 90 days (`timers.HELD_NOTICE_RETENTION`), and a forgotten member's, or another's naming them (forgotten
    again in the restored database). How many; a statement per `_BATCH` rows."""
    theirs = {int(r["id"]): r for r in later.outbox}
    finished: list[tuple[Any, ...]] = []
    gone: list[int] = []
    later_state = later.lineage
    for row in held.outbox:
        row_id = int(row["id"])
        there = theirs.get(row_id)
        same = (
            there is not None
            and int(there["member_id"]) == int(row["member_id"])
            and _same_time(there["created_at"], row["created_at"])
            and there["message_key"] == row["message_key"]
        )
        if there is not None and same:
            if there["status"] in ("delivered", "superseded"):
                finished.append((str(there["status"]), to_target(there["delivered_at"], "time", dialect), row_id))
            continue
        gone.append(row_id)
        later_state = later_state and _gone_ok(later, "outbox", row_id, there)
    for part in _chunks(finished):
        await conn.executemany(
            "UPDATE outbox SET status = ?, delivered_at = ? WHERE id = ? AND status IN ('pending', 'held')", part
        )
    carried = len(finished)  # each read pending or held in this transaction
    if later_state:
        for ids in _chunks(gone):
            ids_sql, ids_arg = id_list(dialect, ids)
            carried += await conn.execute(
                f"UPDATE outbox SET status = 'superseded' WHERE id IN ({ids_sql}) AND status IN ('pending', 'held')",
                ids_arg,
            )
    return carried


def _rows_of(dialect: str, kinds: Sequence[str], rows: Sequence[Sequence[Any]]) -> tuple[str, list[Any]]:
    """`rows` as a table to select from, ``v``, its columns ``column1``, ``column2``… (`kinds`: ``text`` or
    ``time``), and its arguments: on PostgreSQL ``unnest`` over one array a column (a planner that sees no row count
    looks each row up by index, where a ``VALUES`` list of hundreds of rows got a hash join over the whole other
    table), on SQLite a ``VALUES`` list."""
    if dialect == "postgresql":
        arrays = ", ".join(f"CAST(? AS {'TIMESTAMPTZ' if kind == 'time' else 'TEXT'}[])" for kind in kinds)
        names = ", ".join(f"column{n}" for n in range(1, len(kinds) + 1))
        return f"unnest({arrays}) AS v({names})", [[row[n] for row in rows] for n in range(len(kinds))]
    one = f"({', '.join('?' for _ in kinds)})"
    return f"(VALUES {', '.join(one for _ in rows)}) AS v", [value for row in rows for value in row]


async def _carry_refs(conn: Connection, dialect: str, refs: Sequence[Row]) -> int:
    """The replaced database's message refs into the restored one where it has none of that key for that member, or
    an older one: a keyed message sent again edits the one the member has. A ref of someone who is no member there
    is not carried. How many; one statement per `_BATCH` refs."""
    carried = 0
    kinds = ("text", "text", "text", "text", "time")
    for part in _chunks(refs):
        rows = [
            (
                ref["community"],
                ref["platform_user_id"],
                ref["message_key"],
                ref["location"],
                to_target(ref["stored_at"], "time", dialect),
            )
            for ref in part
        ]
        values, args = _rows_of(dialect, kinds, rows)
        carried += await conn.execute(
            "INSERT INTO message_refs (community, platform_user_id, message_key, member_id, location, stored_at) "
            f"SELECT m.community, m.platform_user_id, v.column3, m.id, v.column4, v.column5 FROM {values} "
            "JOIN members m ON m.community = v.column1 AND m.platform_user_id = v.column2 WHERE true "
            "ON CONFLICT (community, platform_user_id, message_key) DO UPDATE SET member_id = excluded.member_id, "
            "location = excluded.location, stored_at = excluded.stored_at "
            "WHERE message_refs.stored_at < excluded.stored_at",
            *args,
        )
    return carried


async def _carry_inbox(conn: Connection, dialect: str, held: _Held, later: _Later, now: datetime) -> int:
    """Mark the restored database's inbox events not done that the replaced one finished (by their event id) done,
    emptied as `InboxStore.finish_event` empties them; and, the replaced database a later state of the backup
    (`_Later.lineage`, and each event gone from it as `_gone_ok` allows), those it no longer holds (it deletes only
    done events, a day after: `timers.EVENT_ID_RETENTION`), done at `now`. How many; a statement per `_BATCH`."""
    if not held.inbox:
        return 0
    emptied = ", payload = ''" + (", answer = NULL" if "answer" in await columns(conn, dialect, "inbox") else "")
    emptied += (
        ", platform_user_id = CASE WHEN EXISTS (SELECT 1 FROM members m WHERE m.community = inbox.community "
        "AND m.platform_user_id = inbox.platform_user_id) THEN inbox.platform_user_id ELSE '' END"
    )
    theirs = {str(r["event_id"]): r for r in later.inbox}
    at_ids = {int(r["id"]): r for r in later.inbox_at}
    done: list[tuple[Any, ...]] = []
    gone: list[int] = []
    later_state = later.lineage
    for row in held.inbox:
        row_id = int(row["id"])
        there = theirs.get(str(row["event_id"]))
        if there is not None:
            if there["status"] == "done":
                done.append((to_target(there["done_at"], "time", dialect), row_id))
            continue
        gone.append(row_id)
        later_state = later_state and _gone_ok(later, "inbox", row_id, at_ids.get(row_id))
    for part in _chunks(done):
        await conn.executemany(
            f"UPDATE inbox SET status = 'done', done_at = ?{emptied} WHERE id = ? AND status <> 'done'", part
        )
    carried = len(done)  # each read not done in this transaction
    if later_state:
        for ids in _chunks(gone):
            ids_sql, ids_arg = id_list(dialect, ids)
            carried += await conn.execute(
                f"UPDATE inbox SET status = 'done', done_at = ?{emptied} WHERE id IN ({ids_sql}) AND status <> 'done'",
                to_target(now, "time", dialect),
                ids_arg,
            )
    return carried


async def _lost(conn: Connection, held: _Held, later: _Later) -> tuple[int, int, tuple[LostMentorship, ...]]:
    """What the restored database lacks of what the replaced one did after the backup: its pending offers answered
    or ended there, the requests made there and open there that no mentorship made there covers, and the active
    mentorships made there (`LostMentorship`)."""
    theirs = {int(r["id"]): r for r in later.offers}
    offers = 0
    for row in held.offers:
        there = theirs.get(int(row["id"]))
        if (
            there is not None
            and int(there["request_id"]) == int(row["request_id"])
            and _same_time(there["created_at"], row["created_at"])
            and there["status"] != "pending"
        ):
            offers += 1
    matched = {int(r["request_id"]) for r in later.mentorships if r["request_id"] is not None}
    made = {int(r["id"]): r["created_at"] for r in later.requests if int(r["id"]) not in matched}
    here = {
        int(r["id"]): r["created_at"]
        for r in await _by_ids(conn, "SELECT id, created_at FROM requests WHERE id IN", list(made))
    }
    requests = sum(1 for key, at in made.items() if not _same_time(here.get(key), at))
    started = {
        int(r["id"]): r["started_at"]
        for r in await _by_ids(
            conn, "SELECT id, started_at FROM mentorships WHERE id IN", [int(r["id"]) for r in later.mentorships]
        )
    }
    lost: list[LostMentorship] = []
    for row in later.mentorships:
        if _same_time(started.get(int(row["id"])), row["started_at"]):
            continue
        request = int(row["request_id"]) if row["request_id"] is not None else None
        restored = request is not None and (
            await conn.fetch_one(
                "SELECT r.id FROM requests r JOIN members m ON m.id = r.member_id "
                "WHERE r.id = ? AND m.community = ? AND m.platform_user_id = ?",
                request,
                row["community"],
                row["mentee"],
            )
            is not None
        )
        mentor = (
            await conn.fetch_one(
                "SELECT m.id FROM members m JOIN mentor_profiles p ON p.member_id = m.id "
                "WHERE m.community = ? AND m.platform_user_id = ?",
                row["community"],
                row["mentor"],
            )
            is not None
        )
        lost.append(
            LostMentorship(str(row["community"]), request, str(row["mentor"]), str(row["mentee"]), restored, mentor)
        )
    return offers, requests, tuple(lost)


async def since_backup(
    conn: Connection,
    dialect: str,
    source: Connection | None,
    source_dialect: str,
    now: datetime,
    *,
    unreadable: tuple[type[BaseException], ...] = (),
    lineage: bool | None = None,
) -> SinceBackup:
    """In the transaction open on `conn` (a backup restored, before the bot starts on it, `now` the restore's time):
    what a restore does about the time between the backup and itself, reading `source`, the database it replaces
    (None: there is none; only read; a failure of a kind in `unreadable` while reading it counts as unread);
    `lineage`: whether `source` is a later state of the backup, when the caller knows it (`forgotten_since`'s
    `known`; None: read here, `_lineage`).

    Each community of the restored database is recorded out of MentorBot's reach from the backup's time
    (`backup_time`: its newest change up to `now`; the columns holding later times are named, `SinceBackup.ahead`) to
    `now`, closed (`storage.outages`; the same backup restored again ends that outage at `now`): an offer open then,
    which its mentor may have answered in the lost period (an accept the restore undoes), expires as no lapse of
    theirs (`OfferStore.expire_offer`). From `source`: its outages are carried; the outbox rows it delivered or
    superseded are marked so (never sent nor shown again), its message refs carried (newer or missing) and its inbox
    events done marked done (never processed again), and, `source` a later state of the backup (`_Later.lineage`),
    the outbox rows and inbox events gone from it (deleted once finished) marked so too; and what the restored
    database loses of what it did is counted: offers answered or ended there, open requests and active mentorships
    made there (`SinceBackup`). A database older than migration 0030 (no outages table) has no outage recorded: the
    caller upgrades it first when it holds pending offers (`outage_needs_upgrade`)."""
    present = set(await tables(conn, dialect))
    found = await backup_time(conn, dialect, now)
    since = found.at
    floor = since or EPOCH
    held = _Held(
        outbox=(
            await conn.fetch_all(
                "SELECT id, member_id, created_at, message_key FROM outbox WHERE status IN ('pending', 'held')"
            )
            if "outbox" in present
            else []
        ),
        inbox=(
            await conn.fetch_all("SELECT id, event_id FROM inbox WHERE status <> 'done'") if "inbox" in present else []
        ),
        offers=await conn.fetch_all("SELECT id, request_id, created_at FROM offers WHERE status = 'pending'"),
    )
    later: _Later | None = None
    if source is not None:
        try:
            later = await _read_later(conn, dialect, source, source_dialect, held, floor, lineage)
        except unreadable:
            later = None
    outages = 0
    if "community_outages" in present:
        if later is not None:
            await _carry_outages(conn, dialect, later.outages)
        if since is not None and since < now:
            for row in await conn.fetch_all("SELECT DISTINCT community FROM members ORDER BY community"):
                outages += await conn.execute(
                    "INSERT INTO community_outages (community, since, until) VALUES (?, ?, ?) "
                    "ON CONFLICT (community, since) DO UPDATE SET until = CASE WHEN community_outages.until IS NULL "
                    "OR community_outages.until >= excluded.until THEN community_outages.until ELSE excluded.until END",
                    row["community"],
                    to_target(since, "time", dialect),
                    to_target(now, "time", dialect),
                )
    if later is None:
        return SinceBackup(since, outages, ahead=found.ahead)
    delivered = await _carry_outbox(conn, dialect, held, later)
    refs = await _carry_refs(conn, dialect, later.refs) if "message_refs" in present else 0
    inbox = await _carry_inbox(conn, dialect, held, later, now)
    offers, requests, mentorships = await _lost(conn, held, later)
    return SinceBackup(since, outages, True, delivered, refs, inbox, offers, requests, mentorships, found.ahead)


async def outage_needs_upgrade(db: Database) -> bool:
    """Whether the restored database `db` must be upgraded for `since_backup` to record its outage: it has no outages
    table (older than migration 0030) and holds pending offers (the outage is for them: an offer made after the
    restore is no part of it). A backup with none is left at its version, for the bot's start to upgrade."""
    async with db.read() as conn:
        if "community_outages" in await tables(conn, db.dialect):
            return False
        return await conn.fetch_one("SELECT 1 AS one FROM offers WHERE status = 'pending' LIMIT 1") is not None

MemberKey = tuple[int, str, str]
"""A member as a restore names them: id, community, platform user id. Not the id alone: a member's id is SQLite's
rowid (not ``AUTOINCREMENT``), and the newest member's, once forgotten, is given to the next to join."""
"""The forgets a database records (`forgotten_members`, migration 0026): (community, `forgotten_member_key`) → when
the platform user was last forgotten. A hash and a time: nothing that names the member."""


Forgets = Mapping[tuple[str, str], datetime]


@dataclass(frozen=True)
class Membership:
    """A database's members, by (community, platform user id): their id, when their row was made, and their newest
    time there (the latest of that, of their requests' and of their mentor profile's last change)."""

    members: Mapping[tuple[str, str], tuple[int, datetime, datetime]]


async def membership(conn: Connection, dialect: str) -> Membership:
    """The members of the database open on `conn` (`Membership`; read only)."""
    present = set(await tables(conn, dialect))
    newest: dict[int, datetime] = {}
    for table in ("requests", "mentor_profiles"):
        if table in present:
            found = await conn.fetch_all(
                f'SELECT member_id, MAX(updated_at) AS at FROM "{table}" WHERE member_id IS NOT NULL GROUP BY member_id'
            )
            for row in found:
                if row["at"] is not None:
                    at = utc_time(row["at"])
                    newest[int(row["member_id"])] = max(at, newest.get(int(row["member_id"]), at))
    members: dict[tuple[str, str], tuple[int, datetime, datetime]] = {}
    for row in await conn.fetch_all("SELECT id, community, platform_user_id, created_at FROM members"):
        member_id, created = int(row["id"]), utc_time(row["created_at"])
        members[(str(row["community"]), str(row["platform_user_id"]))] = (
            member_id,
            created,
            max(created, newest.get(member_id, created)),
        )
    return Membership(members)


async def forgets_recorded(conn: Connection, dialect: str) -> dict[tuple[str, str], datetime] | None:
    """The forgets the database open on `conn` records (`Forgets`); None when it keeps no record (a schema before
    migration 0026: which members it forgot cannot be known). Read only."""
    if "forgotten_members" not in await tables(conn, dialect):
        return None
    found = await conn.fetch_all("SELECT community, member_key, forgotten_at FROM forgotten_members")
    return {(str(r["community"]), str(r["member_key"])): utc_time(r["forgotten_at"]) for r in found}


async def carry_forgets(conn: Connection, dialect: str, forgets: Forgets) -> None:
    """In the transaction open on `conn`: add `forgets` (another database's record, the one a restore replaces) to
    this database's record, the later time kept for a member both record. A database with no record table (older
    than 0026) is left as it is."""
    if not forgets or "forgotten_members" not in await tables(conn, dialect):
        return
    held = await forgets_recorded(conn, dialect) or {}
    for (community, key), at in sorted(forgets.items()):
        if (community, key) in held and held[(community, key)] >= at:
            continue
        await conn.execute(
            "INSERT INTO forgotten_members (community, member_key, forgotten_at) VALUES (?, ?, ?) "
            "ON CONFLICT (community, member_key) DO UPDATE SET forgotten_at = excluded.forgotten_at",
            community,
            key,
            at,
        )


@dataclass(frozen=True)
class Forgotten:
    """The forgets made since a backup (`forgotten_since`): the members of the backup to forget again, and whether
    that is all of them (`known` False: some cannot be known; the admin must check)."""

    members: tuple[MemberKey, ...]
    known: bool


def forgotten_since(backup: Membership, forgets: Forgets | None, later: Membership | None) -> Forgotten:
    """The members of `backup` forgotten since it was made, as `forgets`, the record of the database the bot used
    since (one a restore of the backup replaces; None: it keeps none), tells: those it records as forgotten after
    their newest time in the backup. Only a recorded forget counts: a member missing from `later` (that database's
    members; None: unread) is never taken for one forgotten (a backup restored by mistake, then the right one; a
    fresh database the bot made when the file went missing). Measured against the member's own newest time in the
    backup, not the backup's time, which a backup file does not tell (its file time changes with a copy): a forget
    made after it is one of that very row (a member row is made again only by a return after a forget, later
    still), and a forget before a return (the backup holds the member back) is not made again.

    `known` is False when some forgets since the backup cannot be known: no record, unread members, or a member of
    the backup that `later` does not hold as the backup does (missing, or made again) without a record explaining
    it: `later` is then no later state of the backup (one restored from an older backup, a fresh one)."""
    if forgets is None:
        return Forgotten((), False)
    again: list[MemberKey] = []
    known = later is not None
    for (community, user), (member_id, created, newest) in sorted(backup.members.items()):
        at = forgets.get((community, forgotten_member_key(community, user)))
        if at is not None and at > newest:
            again.append((member_id, community, user))
            continue
        held = later.members.get((community, user)) if later is not None else None
        if held is None or held[1] != created:
            known = False
    return Forgotten(tuple(again), known)
