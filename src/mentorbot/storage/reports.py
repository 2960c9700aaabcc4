"""Reports for admins: programme statistics, table exports, and everything stored about one member."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from mentorbot.models import OPEN_REQUEST_STATUSES, Places, RequestStatus
from mentorbot.storage import rows
from mentorbot.storage.database import Row
from mentorbot.storage.insight import MATCHED_REQUESTS, WAITING_SINCE
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
    """Declined offers by reason as typed (trimmed, lower-cased; "" for none): for admins, never requesters."""


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
        "p.status AS mentor_status, p.capacity, p.active_count AS active_mentorships "
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
        ],
        "SELECT t.id, t.request_id, t.mentor_id, t.mentee_id, t.skills, t.status, t.started_at, t.ended_at, "
        "t.checkin_sent_at, t.matched_by_admin, t.forced FROM mentorships t{where} ORDER BY t.id",
    ),
    # Offers with their outcome and the mentor's decline reason: for admins only (requesters never see it).
    "offers": (
        ["id", "request_id", "mentor_id", "status", "created_at", "expires_at", "decided_at", "decline_reason"],
        "SELECT o.id, o.request_id, o.mentor_id, o.status, o.created_at, o.expires_at, o.decided_at, "
        "o.decline_reason FROM offers o JOIN requests t ON t.id = o.request_id{where} ORDER BY o.id",
    ),
    # Feedback is exported without its author: admins see ratings and comments, not who wrote them.
    "feedback": (
        ["id", "mentorship_id", "skills", "rating", "comment", "created_at"],
        "SELECT t.id, t.mentorship_id, t.skills, t.rating, t.comment, t.created_at "
        "FROM feedback t{where} ORDER BY t.id",
    ),
}


def wait_reason_code(stored: str | None) -> str:
    """A request's stored wait reason (a message reference, JSON ``{"key": "wait.all_busy", …}``) as the data
    value exports carry: ``no_mentor``, ``all_paused``, ``all_busy``, ``all_asked``, ``all_cooldown``, ``all_excluded``,
    ``own_mentor``, ``next_round``, ``mixed`` (a request of several skills waiting for different reasons, one per
    skill); "" when none."""
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


def _plain(value: Any, column: str = "") -> Any:
    if isinstance(value, datetime):
        return export_time(value)
    if isinstance(value, str) and _is_time_column(column):
        try:  # SQLite's stored text, in `export_time`'s form whatever form it was stored in
            return export_time(value)
        except ValueError:
            return value
    return value


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

    async def stats(self, community: str) -> Stats:
        """Programme health for a community, counted in one consistent snapshot."""
        async with self.read() as conn:
            members = await conn.fetch_one("SELECT COUNT(*) AS n FROM members WHERE community = ?", community)
            mentors = await conn.fetch_all(
                "SELECT p.status, COUNT(*) AS n FROM mentor_profiles p JOIN members m ON m.id = p.member_id "
                "WHERE m.community = ? GROUP BY p.status",
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
            decisions = await conn.fetch_all(
                "SELECT o.status, COUNT(*) AS n FROM offers o JOIN requests r ON r.id = o.request_id "
                "WHERE r.community = ? AND o.status IN ('accepted', 'declined', 'expired') GROUP BY o.status",
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
            declines = await conn.fetch_all(
                "SELECT o.decline_reason FROM offers o JOIN requests r ON r.id = o.request_id "
                "WHERE r.community = ? AND o.status = 'declined'",
                community,
            )
        reasons: dict[str, int] = {}
        for row in declines:
            reason = " ".join(str(row["decline_reason"] or "").split()).lower()
            reasons[reason] = reasons.get(reason, 0) + 1
        by_status = {r["status"]: int(r["n"]) for r in requests}
        waits = sorted(rows.ts(r["matched_at"]) - rows.ts(r["waiting_since"]) for r in matched)
        median: timedelta | None = None
        if waits:
            mid = len(waits) // 2
            median = waits[mid] if len(waits) % 2 else (waits[mid - 1] + waits[mid]) / 2
        decided = {r["status"]: int(r["n"]) for r in decisions}
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
        )

    async def export_table(self, table: str, community: str | None = None) -> tuple[list[str], list[dict[str, Any]]]:
        """One exportable table (members, requests, mentorships, feedback): its columns and rows as plain values.

        Columns are fixed (see `EXPORT_QUERIES`), so an empty table still has a header and a schema change never
        leaks a new column into admins' files unnoticed. Skills come joined with commas.
        """
        if table not in EXPORT_QUERIES:
            raise ValueError(f"not an exportable table: {table}")
        columns, sql = EXPORT_QUERIES[table]
        where = " WHERE t.community = ?" if community is not None else ""
        args = [community] if community is not None else []
        async with self.read() as conn:
            found = await conn.fetch_all(sql.format(where=where), *args)
            skills: list[Row] = []
            if table == "requests":
                skills = await conn.fetch_all(
                    "SELECT request_id AS owner, skill FROM request_skills "
                    f"WHERE request_id IN (SELECT t.id FROM requests t{where}) ORDER BY request_id, position",
                    *args,
                )
            elif table == "members":
                skills = await conn.fetch_all(
                    "SELECT member_id AS owner, skill FROM mentor_skills "
                    f"WHERE member_id IN (SELECT t.id FROM members t{where}) ORDER BY skill",
                    *args,
                )
        joined: dict[int, list[str]] = {}
        for row in skills:
            joined.setdefault(int(row["owner"]), []).append(row["skill"])
        out = []
        for row in found:
            plain = {k: _plain(v, k) for k, v in row.items()}
            if table in ("requests", "members"):
                plain["skills"] = ",".join(joined.get(int(row["id"]), []))
            if table == "requests":
                plain["wait_reason"] = export_wait_reason(plain.get("wait_reason"), str(plain.get("status")))
            out.append({c: plain.get(c) for c in columns})
        return columns, out

    async def export_member(self, member_id: int) -> dict[str, Any]:
        """Everything stored about one member, as a JSON-ready document."""
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
            if "forced" in plain:
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
        }
