"""Matching: rank the eligible mentors for a request, and say why each ranks where it does.

The score adds, for one mentor and one request:
- skill overlap weighted by the mentor's level (learning 0.5, practitioner 1, expert 1.5), divided by the
  number of skills asked, so covering every skill at expert level scores 1.5;
- 0.3 when the mentor speaks the mentee's language;
- up to 0.3 for time zone closeness (0 h apart: 0.3, 12 h apart: 0), 0.15 when the mentee's zone is unknown;
- up to 0.2 for spare capacity (a mentor with all places free scores 0.2), which spreads the load;
- minus 0.5 for each recent mentorship between the same pair.
Ties go to the mentor who was offered something least recently (fair rotation), then to the older profile.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from functools import lru_cache
from typing import Any

from mentorbot.i18n import Translator
from mentorbot.models import Level
from mentorbot.storage.store import Candidate, ScoreParams, Store
from mentorbot.timezones import hours_apart, to_tzinfo

LEVEL_WEIGHT: dict[Level, float] = {Level.LEARNING: 0.5, Level.PRACTITIONER: 1.0, Level.EXPERT: 1.5}
LANGUAGE_BONUS = 0.3
TIMEZONE_BONUS = 0.3
CAPACITY_BONUS = 0.2
REPEAT_PENALTY = 0.5


@dataclass(frozen=True)
class Explanation:
    """Why a mentor was chosen, as data: rendered in each reader's language by `render_explanation`."""

    shared: tuple[tuple[str, str], ...]
    hours_apart: float | None
    places_taken: int
    capacity: int
    same_language: bool
    past_pairs: int

    def to_json(self) -> str:
        """Compact JSON for storing with the offer."""
        return json.dumps(
            {
                "shared": [list(s) for s in self.shared],
                "hours": self.hours_apart,
                "taken": self.places_taken,
                "capacity": self.capacity,
                "lang": self.same_language,
                "past": self.past_pairs,
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> Explanation | None:
        """Read back a stored explanation (None for an empty or foreign one, e.g. a manual match)."""
        if not text:
            return None
        try:
            data: dict[str, Any] = json.loads(text)
            return cls(
                shared=tuple((str(s), str(lvl)) for s, lvl in data["shared"]),
                hours_apart=data["hours"],
                places_taken=int(data["taken"]),
                capacity=int(data["capacity"]),
                same_language=bool(data["lang"]),
                past_pairs=int(data["past"]),
            )
        except (ValueError, KeyError, TypeError):
            return None


@dataclass(frozen=True)
class RankedMentor:
    """A candidate with its score and explanation."""

    candidate: Candidate
    score: float
    explanation: Explanation


def score_candidate(
    candidate: Candidate,
    request_skills: Sequence[str],
    *,
    mentee_language: str,
    mentee_timezone: str | None,
    at: datetime,
) -> RankedMentor:
    """Score one eligible mentor for a request (see the module docstring for the formula)."""
    profile = candidate.profile
    shared = [(slug, candidate.shared[slug]) for slug in request_skills if slug in candidate.shared]
    skill_score = sum(LEVEL_WEIGHT[level] for _, level in shared) / max(1, len(request_skills))
    same_language = mentee_language in profile.languages
    apart = hours_apart(profile.timezone, mentee_timezone, at) if mentee_timezone else None
    tz_score = TIMEZONE_BONUS / 2 if apart is None else TIMEZONE_BONUS * (1 - apart / 12)
    taken = profile.active_count + profile.pending_offers
    spare = CAPACITY_BONUS * max(0, profile.capacity - taken) / profile.capacity
    score = (
        skill_score
        + (LANGUAGE_BONUS if same_language else 0.0)
        + tz_score
        + spare
        - REPEAT_PENALTY * candidate.past_pairs
    )
    explanation = Explanation(
        shared=tuple((slug, level.value) for slug, level in shared),
        hours_apart=apart,
        places_taken=taken,
        capacity=profile.capacity,
        same_language=same_language,
        past_pairs=candidate.past_pairs,
    )
    return RankedMentor(candidate, round(score, 6), explanation)


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


@lru_cache(maxsize=512)
def _utc_offset_zone(name: str) -> tzinfo:
    # zoneinfo keeps only 8 zones strongly cached: ranking touches a dozen per request, so keep them here.
    return to_tzinfo(name)


def timezone_bonus(mentor_timezone: str, mentee_timezone: str | None, at: datetime) -> float:
    """The time zone term of the score: `score_candidate`'s, with the same arithmetic as `hours_apart`."""
    if not mentee_timezone:
        return TIMEZONE_BONUS / 2
    offset_a = at.astimezone(_utc_offset_zone(mentor_timezone)).utcoffset() or timedelta(0)
    offset_b = at.astimezone(_utc_offset_zone(mentee_timezone)).utcoffset() or timedelta(0)
    diff = abs((offset_a - offset_b).total_seconds()) / 3600
    apart = min(diff, 24 - diff)
    return TIMEZONE_BONUS * (1 - apart / 12)


def score_params(mentor_timezones: Iterable[str], mentee_timezone: str | None, at: datetime) -> ScoreParams:
    """The score's numbers for ranking inside the database (`Store.find_top_candidates`): the time zone term
    is computed here once per distinct mentor zone; a zone missing from the list gets the largest possible
    bonus (so it cannot be ranked too low) and is reported back."""
    return ScoreParams(
        level_weights={level.value: weight for level, weight in LEVEL_WEIGHT.items()},
        language_bonus=LANGUAGE_BONUS,
        capacity_bonus=CAPACITY_BONUS,
        repeat_penalty=REPEAT_PENALTY,
        tz_bonus={name: timezone_bonus(name, mentee_timezone, at) for name in mentor_timezones}
        if mentee_timezone
        else {},
        tz_default=TIMEZONE_BONUS if mentee_timezone else TIMEZONE_BONUS / 2,
    )


async def top_ranked(
    store: Store,
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
        )
        if not unknown_zone or not mentee_timezone:
            return rank_candidates(
                found, request_skills, mentee_language=mentee_language, mentee_timezone=mentee_timezone, at=at
            )
    # A mentor's zone appeared between the refresh and the query (another process): rank the slow, sure way.
    everyone = await store.find_candidates(
        community, request_skills, exclude_member=exclude_member, request_id=request_id, repeat_since=repeat_since
    )
    ranked = rank_candidates(
        everyone, request_skills, mentee_language=mentee_language, mentee_timezone=mentee_timezone, at=at
    )
    return ranked[:limit]


def render_explanation(explanation: Explanation, t: Translator, skill_label: Any) -> str:
    """One line: shared skills with levels, hours apart, places taken (in the reader's language).

    `skill_label` maps a slug to its label in the reader's language.
    """
    skills = [
        t("match.skill_with_level", skill=skill_label(slug), level=t(f"level.{level}"))
        for slug, level in explanation.shared
    ]
    parts = [t("match.shares", skills=t("match.and").join(skills) if len(skills) <= 2 else ", ".join(skills))]
    if explanation.hours_apart is not None:
        hours = round(explanation.hours_apart, 1)
        parts.append(t("match.same_time") if hours == 0 else t("match.hours_apart", hours=f"{hours:g}"))
    if explanation.same_language:
        parts.append(t("match.speaks_language"))
    parts.append(t("match.places_taken", taken=explanation.places_taken, capacity=explanation.capacity))
    if explanation.past_pairs:
        parts.append(t("match.past_pairs", count=explanation.past_pairs))
    return "; ".join(parts)
