"""Turning database rows into domain records, whichever engine returned them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from mentorbot.matching.eligibility import PairFact
from mentorbot.models import (
    Feedback,
    Job,
    JobKind,
    Level,
    Member,
    MentorProfile,
    Mentorship,
    MentorshipRequest,
    MentorshipStatus,
    MentorStatus,
    Offer,
    OfferStatus,
    RequestStatus,
)
from mentorbot.storage.database import Row


def ts(value: Any) -> datetime:
    """A stored timestamp (ISO text from SQLite, timestamptz from PostgreSQL) as aware UTC."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, str):
        parsed = datetime.fromisoformat(value)
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    raise TypeError(f"not a timestamp: {value!r}")


def opt_ts(value: Any) -> datetime | None:
    """Like `ts`, but None stays None."""
    return None if value is None else ts(value)


def split_list(value: str | None) -> tuple[str, ...]:
    """A comma-joined column as a tuple."""
    return tuple(v for v in (value or "").split(",") if v)


def join_list(values: tuple[str, ...] | list[str]) -> str:
    """A tuple stored as one comma-joined column (slugs and language codes hold no commas)."""
    return ",".join(values)


def member(row: Row) -> Member:
    """A `members` row."""
    return Member(
        id=int(row["id"]),
        community=row["community"],
        platform_user_id=row["platform_user_id"],
        display_name=row["display_name"],
        language=row["language"],
        created_at=ts(row["created_at"]),
        timezone=row.get("timezone"),
        last_channel=row.get("last_channel"),
    )


def joined_member(row: Row) -> Member:
    """The member in a mentor's row joined with `members m`: the mentor's ``member_id``, ``m.community``,
    ``m.platform_user_id``, ``m.display_name``, ``m.language``, ``m.created_at AS member_created_at`` and, when
    the query selects them, ``m.timezone AS member_timezone`` and ``m.last_channel``."""
    return member(
        {
            "id": row["member_id"],
            "community": row["community"],
            "platform_user_id": row["platform_user_id"],
            "display_name": row["display_name"],
            "language": row["language"],
            "created_at": row["member_created_at"],
            "timezone": row.get("member_timezone"),
            "last_channel": row.get("last_channel"),
        }
    )


def mentor_profile(row: Row, skills: dict[str, Level]) -> MentorProfile:
    """A `mentor_profiles` row with its skills."""
    return MentorProfile(
        member_id=int(row["member_id"]),
        skills=skills,
        capacity=int(row["capacity"]),
        bio=row["bio"],
        timezone=row["timezone"],
        languages=split_list(row["languages"]),
        status=MentorStatus(row["status"]),
        paused_until=opt_ts(row["paused_until"]),
        pause_reason=row["pause_reason"],
        active_count=int(row["active_count"]),
        pending_offers=int(row["pending_offers"]),
        expired_streak=int(row["expired_streak"]),
        last_offered_at=opt_ts(row["last_offered_at"]),
        created_at=ts(row["created_at"]),
        updated_at=ts(row["updated_at"]),
    )


def skills_by_member(skill_rows: Iterable[Row]) -> dict[int, dict[str, Level]]:
    """`mentor_skills` rows (member_id, skill, level) grouped by member: each one's skills, in row order."""
    skills_of: dict[int, dict[str, Level]] = {}
    for r in skill_rows:
        skills_of.setdefault(int(r["member_id"]), {})[r["skill"]] = Level(r["level"])
    return skills_of


def request(row: Row, skills: tuple[str, ...]) -> MentorshipRequest:
    """A `requests` row with its skills in the order asked."""
    return MentorshipRequest(
        id=int(row["id"]),
        member_id=int(row["member_id"]),
        community=row["community"],
        skills=skills,
        note=row["note"],
        status=RequestStatus(row["status"]),
        wait_reason=row["wait_reason"],
        created_at=ts(row["created_at"]),
        updated_at=ts(row["updated_at"]),
        matched_at=opt_ts(row["matched_at"]),
    )


def offer(row: Row) -> Offer:
    """An `offers` row."""
    return Offer(
        id=int(row["id"]),
        request_id=int(row["request_id"]),
        mentor_id=int(row["mentor_id"]),
        status=OfferStatus(row["status"]),
        score=float(row["score"]),
        explanation=row["explanation"],
        created_at=ts(row["created_at"]),
        expires_at=ts(row["expires_at"]),
        decided_at=opt_ts(row["decided_at"]),
        decline_reason=row["decline_reason"],
        reason_kind=row.get("reason_kind"),
    )


def mentorship(row: Row) -> Mentorship:
    """A `mentorships` row. Forgotten members leave their id as None; callers treat that as 'someone'."""
    return Mentorship(
        id=int(row["id"]),
        request_id=int(row["request_id"]) if row["request_id"] is not None else 0,
        mentor_id=int(row["mentor_id"]) if row["mentor_id"] is not None else 0,
        mentee_id=int(row["mentee_id"]) if row["mentee_id"] is not None else 0,
        skills=split_list(row["skills"]),
        status=MentorshipStatus(row["status"]),
        started_at=ts(row["started_at"]),
        ended_at=opt_ts(row["ended_at"]),
        checkin_sent_at=opt_ts(row["checkin_sent_at"]),
        community=row.get("community") or "",
        matched_by_admin=int(row["matched_by_admin"]) if row.get("matched_by_admin") is not None else None,
        forced=split_list(row.get("forced") or ""),
    )


def feedback(row: Row) -> Feedback:
    """A `feedback` row."""
    return Feedback(
        id=int(row["id"]),
        mentorship_id=int(row["mentorship_id"]) if row["mentorship_id"] is not None else None,
        author_id=int(row["author_id"]) if row["author_id"] is not None else None,
        skills=split_list(row["skills"]),
        rating=int(row["rating"]) if row["rating"] is not None else None,
        comment=row["comment"],
        created_at=ts(row["created_at"]),
    )


def pair_fact(row: Row, request_skills: Iterable[str]) -> PairFact:
    """An offer as `matching.eligibility` reads it (columns ``mentee_id``, ``request_id``, ``mentor_id``,
    ``status``, ``reason_kind``, ``decided_at``, ``back_at``: the mentor's), with its request's skills."""
    return PairFact(
        mentee_id=int(row["mentee_id"]),
        request_id=int(row["request_id"]),
        request_skills=tuple(sorted(request_skills)),
        mentor_id=int(row["mentor_id"]),
        status=str(row["status"]),
        reason_kind=row["reason_kind"],
        decided_at=opt_ts(row["decided_at"]),
        mentor_back_at=opt_ts(row["back_at"]),
    )


def job(row: Row) -> Job:
    """A `jobs` row."""
    return Job(
        id=int(row["id"]),
        kind=JobKind(row["kind"]),
        ref_id=int(row["ref_id"]),
        due_at=ts(row["due_at"]),
        attempts=int(row["attempts"]),
    )
