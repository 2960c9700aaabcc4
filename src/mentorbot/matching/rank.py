"""Ranking: the eligible mentors for a request, best first, in Python or (the best few) inside the database."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Protocol

from mentorbot.matching.score import Candidate, RankedMentor, ScoreParams, score_candidate, score_params


class CandidateSource(Protocol):
    """What ranking reads from the store (`mentorbot.storage.store.Store` is one)."""

    async def mentor_timezones(self, *, refresh: bool = False) -> tuple[str, ...]:
        """The distinct time zones of mentor profiles, most common first (cached; `refresh` re-reads them)."""
        ...

    async def find_candidates(
        self,
        community: str,
        skills: Sequence[str],
        *,
        exclude_member: int,
        request_id: int | None,
        repeat_since: datetime,
        blocked: Collection[int] = (),
    ) -> list[Candidate]:
        """Every eligible mentor for a request."""
        ...

    async def find_top_candidates(
        self,
        community: str,
        skills: Sequence[str],
        *,
        exclude_member: int,
        request_id: int | None,
        repeat_since: datetime,
        mentee_language: str,
        params: ScoreParams,
        limit: int,
        blocked: Collection[int] = (),
    ) -> tuple[list[Candidate], bool]:
        """The `limit` best eligible mentors ranked inside the database, and whether a zone was unknown."""
        ...


def rank_candidates(
    candidates: Sequence[Candidate],
    request_skills: Sequence[str],
    *,
    mentee_language: str,
    mentee_timezone: str | None,
    at: datetime,
) -> list[RankedMentor]:
    """Eligible mentors, best first, with deterministic fair-rotation tie-breaks."""
    ranked = [
        score_candidate(c, request_skills, mentee_language=mentee_language, mentee_timezone=mentee_timezone, at=at)
        for c in candidates
    ]
    ranked.sort(
        key=lambda r: (
            -r.score,
            r.candidate.profile.last_offered_at.timestamp() if r.candidate.profile.last_offered_at else 0.0,
            r.candidate.profile.created_at,
            r.candidate.member.id,
        )
    )
    return ranked


async def top_ranked(
    store: CandidateSource,
    community: str,
    request_skills: Sequence[str],
    *,
    exclude_member: int,
    request_id: int | None,
    repeat_since: datetime,
    mentee_language: str,
    mentee_timezone: str | None,
    at: datetime,
    limit: int = 5,
    blocked: Collection[int] = (),
) -> list[RankedMentor]:
    """The `limit` best eligible mentors, best first: the same list as
    ``rank_candidates(await store.find_candidates(...), ...)[:limit]``, but ranked inside the database, so
    only the winners are read into Python (see `Store.find_top_candidates`)."""
    for refresh in (False, True):
        zones = await store.mentor_timezones(refresh=refresh)
        found, unknown_zone = await store.find_top_candidates(
            community,
            request_skills,
            exclude_member=exclude_member,
            request_id=request_id,
            repeat_since=repeat_since,
            mentee_language=mentee_language,
            params=score_params(zones, mentee_timezone, at),
            limit=limit,
            blocked=blocked,
        )
        if not unknown_zone or not mentee_timezone:
            return rank_candidates(
                found, request_skills, mentee_language=mentee_language, mentee_timezone=mentee_timezone, at=at
            )
    # A mentor's zone appeared between the refresh and the query (another process): rank the slow, sure way.
    everyone = await store.find_candidates(
        community,
        request_skills,
        exclude_member=exclude_member,
        request_id=request_id,
        repeat_since=repeat_since,
        blocked=blocked,
    )
    ranked = rank_candidates(
        everyone, request_skills, mentee_language=mentee_language, mentee_timezone=mentee_timezone, at=at
    )
    return ranked[:limit]
