"""Reports for admins: programme statistics, table exports, and everything stored about one member."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Final

from mentorbot.models import OPEN_REQUEST_STATUSES, Places, RequestStatus
from mentorbot.replies import reply_from_json
from mentorbot.storage import rows
from mentorbot.storage.database import Row
from mentorbot.storage.events import DEPARTED_SQL, LEFT_COMMUNITY
from mentorbot.storage.insight import LONG_WAIT_DAYS, MATCHED_REQUESTS, WAITING_SINCE, reason_groups
from mentorbot.storage.members import read_profile
from mentorbot.storage.requests import read_requests
from mentorbot.storage.sql import in_list
from mentorbot.storage.units import Transactions


@dataclass(frozen=True)
class Stats:
    """Programme health, counted from the tables."""

    members: int
    mentors_active: int
    mentors_paused: int
    requests_open: int
    requests_waiting: int
    mentorships_active: int
    median_time_to_match: timedelta | None
    """Over the matched requests, from when each last began to wait (`insight.WAITING_SINCE`) to its match."""
    acceptance_rate: float | None
    skill_demand: dict[str, int]
    skill_supply: dict[str, int]
    ratings: int = 0
    average_rating: float | None = None
    comments: int = 0
    places: Places = field(default_factory=lambda: Places(0, 0, 0))
    """The places of the community's active mentors, summed (`MentorProfile.places`, counted the same way)."""
    decline_reasons: dict[str, int] = field(default_factory=dict)
    """Declined offers by reason, grouped whatever their case and spacing and shown as most typed them
    (`insight.reason_groups`; "" for none): for admins, never requesters."""
    mentors_left: int = 0
    """Mentors paused because they left the community (`events.LEFT_COMMUNITY`): no supply, and not among
    `mentors_paused` (who may resume any time), so departures do not swell "paused" for good."""
    oldest_waiting_since: datetime | None = None
    """When the open request (waiting, or offered) that has waited longest began to wait (`insight.WAITING_SINCE`,
    as the time to match counts it); None when none is open. The median counts only matched requests: this is
    what tells a request left waiting for months."""
    long_waits: int = 0
    """Open requests that have waited over `insight.LONG_WAIT_DAYS` days, at the `now` `ReportStore.stats` was
    given (0 without one)."""


_MENTOR_STATUS: Final = (
    f"CASE WHEN p.status = 'paused' AND COALESCE(p.pause_reason, '') = '{LEFT_COMMUNITY}' "
    f"THEN '{LEFT_COMMUNITY}' ELSE p.status END"
)
"""A mentor's status as the members export tells it: ``left`` for one paused because they left the community
(`events.DEPARTED_SQL`, a constant here, as the page's parameters follow), as `ReportStore.stats` counts them apart
from the paused ones, who may resume any time."""

EXPORT_QUERIES: dict[str, tuple[list[str], str]] = {
    "members": (
        [
            "id",
            "platform_user_id",
            "display_name",
            "language",
            "timezone",
            "created_at",
            "mentor_status",
            "capacity",
            "active_mentorships",
            "skills",
        ],
        # The zone the member lives in: the platform's, else their mentor profile's (unless the UTC default).
        "SELECT t.id, t.platform_user_id, t.display_name, t.language, "
        "COALESCE(t.timezone, NULLIF(p.timezone, 'UTC')) AS timezone, t.created_at, "
        f"{_MENTOR_STATUS} AS mentor_status, p.capacity, p.active_count AS active_mentorships "
        "FROM members t LEFT JOIN mentor_profiles p ON p.member_id = t.id{where} ORDER BY t.id",
    ),
    "requests": (
        ["id", "member_id", "skills", "note", "status", "wait_reason", "created_at", "matched_at"],
        "SELECT t.id, t.member_id, t.note, t.status, t.wait_reason, t.created_at, t.matched_at "
        "FROM requests t{where} ORDER BY t.id",
    ),
    "mentorships": (
        [
            "id",
            "request_id",
            "mentor_id",
            "mentee_id",
            "skills",
            "status",
            "started_at",
            "ended_at",
            "checkin_sent_at",
            "matched_by_admin",
            "forced",
            "ended_by_admin",
        ],
        "SELECT t.id, t.request_id, t.mentor_id, t.mentee_id, t.skills, t.status, t.started_at, t.ended_at, "
        "t.checkin_sent_at, t.matched_by_admin, t.forced, e.admin_id AS ended_by_admin FROM mentorships t "
        "LEFT JOIN admin_ended_mentorships e ON e.mentorship_id = t.id{where} ORDER BY t.id",
    ),
    # Offers with their outcome and the mentor's decline reason: for admins only (requesters never see it).
    "offers": (
        ["id", "request_id", "mentor_id", "status", "created_at", "expires_at", "decided_at", "decline_reason"],
        "SELECT o.id, o.request_id, o.mentor_id, o.status, o.created_at, o.expires_at, o.decided_at, "
        "o.decline_reason FROM offers o JOIN requests t ON t.id = o.request_id{where} ORDER BY o.id",
    ),
    # Feedback is exported without its author column, but with its mentorship: the export's reader (an admin) can
    # tell which side wrote it, which the prompts say (only admins read it; the partner never does).
    "feedback": (
        ["id", "mentorship_id", "skills", "rating", "comment", "created_at"],
        "SELECT t.id, t.mentorship_id, t.skills, t.rating, t.comment, t.created_at "
        "FROM feedback t{where} ORDER BY t.id",
    ),
}


EXPORT_PAGE = 2_000
"""Rows an export reads in one read transaction (`ReportStore.export_pages`): a few milliseconds on either engine,
after which the engine is free for other members' commands (SQLite's one connection, behind its lock) until the
next page."""

_EXPORT_KEYS = {"offers": "o.id"}
"""The column an export table's pages follow (its ``ORDER BY``), when not the table's own ``t.id``."""

_EXPORT_SKILLS = {
    "requests": "SELECT request_id AS owner, skill FROM request_skills WHERE request_id BETWEEN ? AND ? "
    "ORDER BY request_id, position",
    "members": "SELECT member_id AS owner, skill FROM mentor_skills WHERE member_id BETWEEN ? AND ? "
    "ORDER BY member_id, skill",
}
"""The skills of the rows of one page (by the ids it spans; owners outside the page are ignored), each owner's in
the order its export column joins them."""


def wait_reason_code(stored: str | None) -> str:
    """A request's stored wait reason (a message reference, JSON ``{"key": "wait.all_busy", …}``) as the data
    value exports carry: ``no_mentor``, ``no_other_mentor`` (nobody but the requester, who mentors it, offers the
    skill), ``all_paused``, ``all_busy``, ``all_asked`` (legacy: stored by versions before issue 13's re-offer cooldown,
    migration 0011; no longer produced), ``all_cooldown``, ``all_excluded``, ``excluded_by_member``
    (the member's own "not this person" declines of the mentors who could take it), ``excluded_mixed`` (some of
    those mentors declined by the member so, the others having declined it themselves), ``own_mentor``, ``next_round``,
    ``mixed`` (a request of several skills waiting for different reasons, one per skill); "" when none."""
    if not stored:
        return ""
    try:
        key = str(json.loads(stored)["key"])
    except (ValueError, KeyError, TypeError):
        return ""
    return key.rpartition(".")[2]


def export_wait_reason(stored: str | None, status: str) -> str:
    """The wait reason an export gives a request: its code (`wait_reason_code`) while it waits, "" otherwise. A
    request that stopped waiting (cancelled, closed, matched by an admin) keeps its last reason stored, which no
    longer says anything about it."""
    return wait_reason_code(stored) if status == RequestStatus.WAITING else ""


def _json_or_none(text: Any) -> Any:
    """A JSON text stored in a column as the value it holds (never a JSON string inside a JSON document)."""
    if not isinstance(text, str) or not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def _listed(text: Any) -> list[str]:
    """A comma-separated column (a forced match's checks) as a list."""
    return [part for part in str(text or "").split(",") if part]


def export_time(value: Any) -> str:
    """A stored timestamp (a `datetime` from PostgreSQL, ISO text from SQLite) as exports write it, the same on
    both engines: aware UTC with microseconds, always (``2026-01-05T09:00:00.000000+00:00``), so that a column's
    values have one width and sort as text."""
    return rows.ts(value).isoformat(timespec="microseconds")


def _is_time_column(name: str) -> bool:
    """Whether a column holds a timestamp: every one of the schema's ends in ``_at`` or ``_until``."""
    return name.endswith(("_at", "_until"))


_EXPORTED_FORM = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}\+00:00")
"""Text already in `export_time`'s form (how SQLite stores every time the bot writes): `export_time` gives it back
unchanged when it is a valid time and raises otherwise, so either way `_plain` keeps it as it is, without parsing."""


def _plain(value: Any, column: str = "") -> Any:
    return _plain_cell(value, _is_time_column(column))


def _plain_cell(value: Any, time_column: bool) -> Any:
    """A stored value as exports write it: a timestamp in `export_time`'s form (SQLite's text, in a column that
    holds times, whatever form it was stored in; text that is no time kept as it is), anything else as it is."""
    if isinstance(value, str):
        if not time_column or _EXPORTED_FORM.fullmatch(value):
            return value
        try:
            return export_time(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        if value.tzinfo is UTC:  # PostgreSQL's: no conversion to make
            return value.isoformat(timespec="microseconds")
        return export_time(value)
    return value


def _notice(row: Row) -> dict[str, Any]:
    """A notice waiting for a member (an outbox row, pending or held) as their export shows it: its state, when it
    was written, its text as plain text (`Reply.plain_text`) and the names of its files."""
    try:
        reply = reply_from_json(str(row["payload"]))
    except (ValueError, KeyError, TypeError):  # not a stored reply (none is written so): its content as it is
        text, files = str(row["payload"]), []
    else:
        text, files = reply.plain_text, [a.filename for a in reply.attachments]
    return {"status": str(row["status"]), "created_at": export_time(row["created_at"]), "text": text, "files": files}


def _export_rows(table: str, columns: list[str], found: list[Row], skills: list[Row]) -> list[dict[str, Any]]:
    """One page of an export table's rows as plain values (`ReportStore.export_pages`), `columns` in order, skills
    joined with commas, a request's wait reason as its code while it waits. Only the time columns are converted
    (`_plain`): the others hold no timestamp (`_is_time_column`) and are exported as they are stored."""
    joined: dict[int, list[str]] = {}
    for row in skills:
        joined.setdefault(int(row["owner"]), []).append(row["skill"])
    if not found:
        return []
    times = [name for name in found[0] if _is_time_column(name)]
    out = []
    for row in found:
        plain = {c: row.get(c) for c in columns}
        for name in times:
            plain[name] = _plain_cell(row[name], True)
        if table in _EXPORT_SKILLS:
            plain["skills"] = ",".join(joined.get(int(row["id"]), []))
        if table == "requests":
            plain["wait_reason"] = export_wait_reason(row["wait_reason"], str(row["status"]))
        out.append(plain)
    return out


def _elapsed(since: Any, until: Any) -> timedelta:
    """`until` minus `since`, two stored timestamps (`rows.ts`): read straight from the text or value when both are
    naive (UTC) or both carry a fixed offset, which give the same difference as their UTC times."""
    start = datetime.fromisoformat(since) if isinstance(since, str) else since
    end = datetime.fromisoformat(until) if isinstance(until, str) else until
    if isinstance(start, datetime) and isinstance(end, datetime):
        if start.tzinfo is None and end.tzinfo is None:
            return end - start
        if isinstance(start.tzinfo, timezone) and isinstance(end.tzinfo, timezone):
            return end - start
    return rows.ts(until) - rows.ts(since)


def _median_wait(matched: list[Row]) -> timedelta | None:
    """The median of the matched requests' waits (from ``waiting_since`` to ``matched_at``), None without any."""
    waits = sorted(_elapsed(r["waiting_since"], r["matched_at"]) for r in matched)
    if not waits:
        return None
    mid = len(waits) // 2
    return waits[mid] if len(waits) % 2 else (waits[mid - 1] + waits[mid]) / 2


def _plain_obj(obj: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in vars(obj).items():
        if isinstance(value, datetime):
            out[key] = export_time(value)
        elif isinstance(value, dict):
            out[key] = {k: str(v) for k, v in value.items()}
        elif isinstance(value, tuple):
            out[key] = list(value)
        elif hasattr(value, "value"):
            out[key] = value.value
        else:
            out[key] = value
    plain: dict[str, Any] = json.loads(json.dumps(out, default=str))
    return plain


class ReportStore(Transactions):
    """Statistics and exports."""

    async def stats(self, community: str, now: datetime | None = None) -> Stats:
        """Programme health for a community, counted in one consistent snapshot; with `now`, the open requests
        that have waited over `LONG_WAIT_DAYS` days by then are counted (`Stats.long_waits`)."""
        # The open requests' oldest wait and how many waited long, in one pass over the open ones.
        long_sql, long_args = "0", list[datetime]()
        if now is not None:
            long_sql = f"SUM(CASE WHEN {WAITING_SINCE} < ? THEN 1 ELSE 0 END)"
            long_args = [now - timedelta(days=LONG_WAIT_DAYS)]
        async with self.read() as conn:
            members = await conn.fetch_one("SELECT COUNT(*) AS n FROM members WHERE community = ?", community)
            # Each mentor once: active, paused, or left the community (paused for it, counted apart).
            mentors = await conn.fetch_all(
                f"SELECT t.status, COUNT(*) AS n FROM (SELECT CASE WHEN {DEPARTED_SQL} THEN ? ELSE p.status END "
                "AS status FROM mentor_profiles p JOIN members m ON m.id = p.member_id WHERE m.community = ?) t "
                "GROUP BY t.status",
                LEFT_COMMUNITY,
                LEFT_COMMUNITY,
                community,
            )
            requests = await conn.fetch_all(
                "SELECT status, COUNT(*) AS n FROM requests WHERE community = ? GROUP BY status", community
            )
            active = await conn.fetch_one(
                "SELECT COUNT(*) AS n FROM mentorships WHERE community = ? AND status = 'active'", community
            )
            matched = await conn.fetch_all(
                f"SELECT {WAITING_SINCE} AS waiting_since, r.matched_at FROM {MATCHED_REQUESTS} "
                "WHERE r.community = ? AND r.matched_at IS NOT NULL",
                community,
            )
            waits = await conn.fetch_one(
                f"SELECT MIN({WAITING_SINCE}) AS oldest, {long_sql} AS waited_long FROM {MATCHED_REQUESTS} "
                f"WHERE r.community = ? AND r.status IN ({in_list(OPEN_REQUEST_STATUSES)})",
                *long_args,
                community,
                *OPEN_REQUEST_STATUSES,
            )
            # The decided offers by outcome, the declined ones by reason as typed (grouped below, whatever their
            # case, `insight.reason_groups`, with the first offer of each for a tie): one pass over the offers,
            # and a row per distinct reason rather than one per declined offer ever.
            decisions = await conn.fetch_all(
                "SELECT o.status, CASE WHEN o.status = 'declined' THEN o.decline_reason END AS reason, "
                "COUNT(*) AS n, MIN(o.id) AS first_id FROM offers o JOIN requests r ON r.id = o.request_id "
                "WHERE r.community = ? AND o.status IN ('accepted', 'declined', 'expired') "
                "GROUP BY o.status, CASE WHEN o.status = 'declined' THEN o.decline_reason END",
                community,
            )
            demand = await conn.fetch_all(
                "SELECT s.skill, COUNT(*) AS n FROM request_skills s JOIN requests r ON r.id = s.request_id "
                f"WHERE r.community = ? AND r.status IN ({in_list(OPEN_REQUEST_STATUSES)}) GROUP BY s.skill",
                community,
                *OPEN_REQUEST_STATUSES,
            )
            supply = await conn.fetch_all(
                "SELECT s.skill, COUNT(*) AS n FROM mentor_skills s JOIN mentor_profiles p "
                "ON p.member_id = s.member_id JOIN members m ON m.id = p.member_id "
                "WHERE m.community = ? AND p.status = 'active' GROUP BY s.skill",
                community,
            )
            feedback = await conn.fetch_one(
                "SELECT COUNT(rating) AS ratings, AVG(rating) AS average, COUNT(comment) AS comments "
                "FROM feedback WHERE community = ?",
                community,
            )
            places = await conn.fetch_one(
                "SELECT COALESCE(SUM(p.capacity), 0) AS capacity, COALESCE(SUM(p.active_count), 0) AS taken, "
                "COALESCE(SUM(p.pending_offers), 0) AS held FROM mentor_profiles p "
                "JOIN members m ON m.id = p.member_id WHERE m.community = ? AND p.status = 'active'",
                community,
            )
        decided: dict[str, int] = {}
        for row in decisions:
            decided[row["status"]] = decided.get(row["status"], 0) + int(row["n"])
        reasons = reason_groups(
            (row["reason"], int(row["n"]), int(row["first_id"])) for row in decisions if row["status"] == "declined"
        )
        by_status = {r["status"]: int(r["n"]) for r in requests}
        # Every matched request's wait, sorted: off the event loop (a year of a big community is 90,000 of them).
        median = await asyncio.to_thread(_median_wait, matched)
        total = sum(decided.values())
        mentor_counts = {r["status"]: int(r["n"]) for r in mentors}
        return Stats(
            members=int(members["n"]) if members else 0,
            mentors_active=mentor_counts.get("active", 0),
            mentors_paused=mentor_counts.get("paused", 0),
            requests_open=sum(by_status.get(s, 0) for s in OPEN_REQUEST_STATUSES),
            requests_waiting=by_status.get("waiting", 0),
            mentorships_active=int(active["n"]) if active else 0,
            median_time_to_match=median,
            acceptance_rate=(decided.get("accepted", 0) / total) if total else None,
            skill_demand={r["skill"]: int(r["n"]) for r in demand},
            skill_supply={r["skill"]: int(r["n"]) for r in supply},
            ratings=int(feedback["ratings"]) if feedback else 0,
            average_rating=float(feedback["average"]) if feedback and feedback["average"] is not None else None,
            comments=int(feedback["comments"]) if feedback else 0,
            places=Places(int(places["capacity"]), int(places["taken"]), int(places["held"]))
            if places
            else Places(0, 0, 0),
            decline_reasons=reasons,
            mentors_left=mentor_counts.get(LEFT_COMMUNITY, 0),
            oldest_waiting_since=rows.opt_ts(waits["oldest"]) if waits else None,
            long_waits=int(waits["waited_long"] or 0) if waits else 0,
        )

    async def export_table(self, table: str, community: str | None = None) -> tuple[list[str], list[dict[str, Any]]]:
        """One exportable table (members, requests, offers, mentorships, feedback): its columns and rows as plain
        values, read in pages (`export_pages`).

        Columns are fixed (see `EXPORT_QUERIES`), so an empty table still has a header and a schema change never
        leaks a new column into admins' files unnoticed. Skills come joined with commas.
        """
        out: list[dict[str, Any]] = []
        async for page in self.export_pages(table, community):
            out.extend(page)
        return self.export_columns(table), out

    @staticmethod
    def export_columns(table: str) -> list[str]:
        """The columns of an exportable table's file, in order (`EXPORT_QUERIES`)."""
        if table not in EXPORT_QUERIES:
            raise ValueError(f"not an exportable table: {table}")
        return list(EXPORT_QUERIES[table][0])

    async def export_bounds(self) -> dict[str, int]:
        """The highest id of each exportable table (0 for an empty one), read together in one transaction when an
        export starts (`export_pages`' `upto`): a row written after it is in none of the files, so no file names a
        row another file lacks (a request made between the reads of ``requests.csv`` and ``offers.csv`` had its
        offer exported without it)."""
        async with self.read() as conn:
            bounds: dict[str, int] = {}
            for table in EXPORT_QUERIES:
                row = await conn.fetch_one(f"SELECT MAX(id) AS top FROM {table}")  # the fixed names of EXPORT_QUERIES
                bounds[table] = int(row["top"]) if row is not None and row["top"] is not None else 0
        return bounds

    async def export_pages(
        self, table: str, community: str | None = None, *, page_size: int = EXPORT_PAGE, upto: int | None = None
    ) -> AsyncIterator[list[dict[str, Any]]]:
        """An exportable table's rows as plain values (`export_table`), in pages of `page_size` rows by id, up to
        the id `upto` when given (`export_bounds`).

        Each page is read in a short read transaction of its own and converted off the event loop, so an export of
        a long history neither holds the database (SQLite's one connection) nor the event loop for long: other
        members' commands are served between pages. A row changed meanwhile is exported as a later page finds it
        (the files are not one snapshot: an offer accepted between two files may show accepted beside a
        mentorship file without its mentorship); with the bounds and the tables read parents first (members,
        requests, offers, mentorships, feedback), every id a file names is in the file it refers to, unless deleted
        meanwhile (a forget: then its rows that refer to it are gone or emptied too). Inside a unit of work or a
        snapshot, every page is read in that transaction.
        """
        columns = self.export_columns(table)
        sql = EXPORT_QUERIES[table][1]
        key = _EXPORT_KEYS.get(table, "t.id")
        # SQLite without ANALYZE would read a community's rows by an index on community and sort them all again for
        # every page; "+" keeps it on the ids' order, each page reading on from the last (PostgreSQL has no "+").
        scope = [f"{'+' if self.db.dialect == 'sqlite' else ''}t.community = ?"] if community is not None else []
        scope_args: list[Any] = [community] if community is not None else []
        if upto is not None:
            scope.append(f"{key} <= ?")
            scope_args.append(upto)
        after: int | None = None
        while True:
            terms = [*scope, f"{key} > ?"] if after is not None else scope
            where = f" WHERE {' AND '.join(terms)}" if terms else ""
            args = [*scope_args, after] if after is not None else scope_args
            skills: list[Row] = []
            async with self.read() as conn:
                found = await conn.fetch_all(f"{sql.format(where=where)} LIMIT ?", *args, page_size)
                if found and table in _EXPORT_SKILLS:
                    skills = await conn.fetch_all(_EXPORT_SKILLS[table], found[0]["id"], found[-1]["id"])
            if not found:
                return
            yield await asyncio.to_thread(_export_rows, table, columns, found, skills)
            if len(found) < page_size:
                return
            after = int(found[-1]["id"])

    async def export_member(self, member_id: int) -> dict[str, Any]:
        """Everything stored about one member, as a JSON-ready document: their member row, mentor profile,
        requests, the offers they received as a mentor, mentorships, the feedback they gave, their course
        suggestions and votes, and the notices waiting for them (`notices_waiting`: pending, or held for their next
        command), each as its text and when it was written (`_notice`). A mentorship they are the mentee of leaves
        out the checks an admin's match overrode (`forced` is null, whatever it holds): ``excluded`` or
        ``cooldown`` would tell them that the mentor had declined them, which a requester is never told
        (docs/matching.md); its mentor's export keeps them (their own decision). `matched_by_admin` stays: they
        were told an admin matched them."""
        async with self.read() as conn:
            member_row = await conn.fetch_one("SELECT * FROM members WHERE id = ?", member_id)
            profile = await read_profile(conn, member_id)
            requests = await read_requests(conn, "member_id = ?", member_id)
            # When a request went back on the waitlist (its mentor forgotten): kept beside the request, for the
            # time to match; not part of the request record use-cases read.
            reopened = await conn.fetch_all(
                "SELECT w.request_id, w.reopened_at FROM reopened_requests w JOIN requests r ON r.id = w.request_id "
                "WHERE r.member_id = ?",
                member_id,
            )
            offers = await conn.fetch_all("SELECT * FROM offers WHERE mentor_id = ? ORDER BY id", member_id)
            mentorships = await conn.fetch_all(
                "SELECT * FROM mentorships WHERE mentor_id = ? OR mentee_id = ? ORDER BY id", member_id, member_id
            )
            feedback = await conn.fetch_all("SELECT * FROM feedback WHERE author_id = ? ORDER BY id", member_id)
            suggestions = await conn.fetch_all(
                "SELECT id, url, title, skills, note, status, created_at, decided_at, reason "
                "FROM course_suggestions WHERE member_id = ? ORDER BY id",
                member_id,
            )
            votes = await conn.fetch_all(
                "SELECT resource, helpful, voted_at FROM resource_votes WHERE member_id = ? "
                "ORDER BY voted_at, resource",
                member_id,
            )
            notices = await conn.fetch_all(
                "SELECT status, payload, created_at FROM outbox WHERE member_id = ? AND status IN ('pending', 'held') "
                "ORDER BY id",
                member_id,
            )
        member = {k: _plain(v, k) for k, v in member_row.items()} if member_row else None
        if member is not None and not member.get("timezone") and profile and profile.timezone != "UTC":
            member["timezone"] = profile.timezone  # the zone they gave as a mentor: where they live
        reopened_at = {int(r["request_id"]): _plain(r["reopened_at"], "reopened_at") for r in reopened}
        plain_requests = []
        for request in requests:
            plain = _plain_obj(request)
            plain["wait_reason"] = export_wait_reason(request.wait_reason, request.status) or None
            plain["reopened_at"] = reopened_at.get(request.id)
            plain_requests.append(plain)
        plain_offers = []
        for row in offers:
            plain = {k: _plain(v, k) for k, v in row.items()}
            if "explanation" in plain:  # why the mentor was chosen: stored as JSON, exported as its value
                plain["explanation"] = _json_or_none(plain["explanation"])
            plain_offers.append(plain)
        plain_mentorships = []
        for row in mentorships:
            plain = {k: _plain(v, k) for k, v in row.items()}
            if row["mentee_id"] == member_id:
                plain["forced"] = None  # not theirs to know (every mentorship of theirs alike)
            elif "forced" in plain:
                plain["forced"] = _listed(plain["forced"])
            plain_mentorships.append(plain)
        return {
            "member": member,
            "mentor_profile": _plain_obj(profile) if profile else None,
            "requests": plain_requests,
            "offers_received": plain_offers,
            "mentorships": plain_mentorships,
            "feedback_given": [{k: _plain(v, k) for k, v in r.items()} for r in feedback],
            "course_suggestions": [{k: _plain(v, k) for k, v in r.items()} for r in suggestions],
            "resource_votes": [
                {
                    "resource": str(r["resource"]),
                    "helpful": bool(r["helpful"]),
                    "voted_at": _plain(r["voted_at"], "voted_at"),
                }
                for r in votes
            ],
            "notices_waiting": [_notice(r) for r in notices],
        }
