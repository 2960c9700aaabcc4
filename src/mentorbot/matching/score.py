"""The match score, in its three forms side by side, and the types ranking reads.

The score adds, for one mentor and one request:
- skill overlap weighted by the mentor's level (learning 0.5, practitioner 1, expert 1.5), divided by the
  number of skills asked, so covering every skill at expert level scores 1.5;
- 0.3 when the mentor speaks the mentee's language;
- up to 0.3 for time zone closeness (0 h apart: 0.3, 12 h apart: 0), 0.15 when the mentee's zone is unknown;
- up to 0.2 for spare capacity (a mentor with all places free scores 0.2), which spreads the load;
- minus 0.5 for each recent mentorship between the same pair.
Ties go to the mentor who was offered something least recently (fair rotation), then to the older profile.

It is computed in three places, each with the same floating-point operations in the same order
(``((((skills + language) + time zone) + spare places) - repeat penalty)``), so the three agree to the
millionth (scores are rounded to 6 decimals; ``tests/matching/test_score_forms_agree.py`` proves it):
- `score_candidate`: Python, one pair, with its explanation;
- `score_sql`: the SQL expression that the store's ranking query embeds (`Store.find_top_candidates`);
- `matching.pool.pool_scores`: numpy, every pair of a matching round's pool at once (`mentorbot.rounds`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from functools import lru_cache
from typing import Any

from mentorbot.matching.explain import Explanation
from mentorbot.models import Level, Member, MentorProfile, MentorshipRequest
from mentorbot.timezones import UTC_NAMES, hours_apart, to_tzinfo

LEVEL_WEIGHT: dict[Level, float] = {Level.LEARNING: 0.5, Level.PRACTITIONER: 1.0, Level.EXPERT: 1.5}
LANGUAGE_BONUS = 0.3
TIMEZONE_BONUS = 0.3
CAPACITY_BONUS = 0.2
REPEAT_PENALTY = 0.5
# What a round's pair costs when it lifts a lapse's cooldown (`RoundPool.lifted`): far more than a pair's score can
# differ from another's (a few units), far less than a match is worth (`rounds._FEASIBLE`).
LIFTED_PENALTY = 50.0
# Scores in millionths: rounded to 6 decimals, they are exact integers (comparisons need no tolerance).
MICRO = 1_000_000


@dataclass(frozen=True)
class Candidate:
    """A mentor eligible for a request, with what ranking needs to know."""

    member: Member
    profile: MentorProfile
    shared: dict[str, Level]
    past_pairs: int


@dataclass(frozen=True)
class RankedMentor:
    """A candidate with its score and explanation."""

    candidate: Candidate
    score: float
    explanation: Explanation


@dataclass(frozen=True)
class ScoreParams:
    """The numbers of the match score, for ranking inside SQL (`score_params` makes them, `score_sql` binds them).

    `level_weights` maps a level's value to its weight; `tz_bonus` maps each mentor time zone name to its
    closeness bonus for this mentee at this instant, and `tz_default` is used for a zone not in the map.
    """

    level_weights: Mapping[str, float]
    language_bonus: float
    capacity_bonus: float
    repeat_penalty: float
    tz_bonus: Mapping[str, float]
    tz_default: float


@dataclass(frozen=True)
class PoolMentor:
    """A mentor with free places, as a matching round reads it (`Store.round_pool`)."""

    member: Member
    profile: MentorProfile


@dataclass(frozen=True)
class PoolRequest:
    """A waiting request with its mentee, as a matching round reads it (`Store.round_pool`)."""

    request: MentorshipRequest
    mentee: Member


@dataclass(frozen=True)
class RoundPool:
    """Everything one matching round needs, read in one snapshot with a handful of queries.

    `offered` holds the (request id, mentor id) pairs the round may not offer (`Store.round_pool` fills it with
    the pairs already offered; `usecases.admin` replaces it with `matching.eligibility`'s blocks); `past_pairs`
    counts recent mentorships per (mentee id, mentor id); `lifted` holds the pairs the round may offer only as a
    last resort (a lapse's cooldown, lifted when no one else is eligible): each scores `LIFTED_PENALTY` less, more
    than any other difference between pairs, so the round uses as few as it can.
    """

    requests: tuple[PoolRequest, ...]
    mentors: tuple[PoolMentor, ...]
    offered: frozenset[tuple[int, int]]
    past_pairs: Mapping[tuple[int, int], int]
    lifted: frozenset[tuple[int, int]] = frozenset()

    def candidate(self, i: int, j: int) -> Candidate:
        """Mentor `j` as a `Candidate` for request `i` of the pool (what `score_candidate` scores)."""
        item, mentor = self.requests[i], self.mentors[j]
        shared = {slug: mentor.profile.skills[slug] for slug in item.request.skills if slug in mentor.profile.skills}
        past = self.past_pairs.get((item.mentee.id, mentor.member.id), 0)
        return Candidate(mentor.member, mentor.profile, shared, past)


# --------------------------------------------------------------------------- Python: one pair


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
    known = mentee_timezone and profile.timezone not in UTC_NAMES  # a profile's UTC: no zone was given
    apart = hours_apart(profile.timezone, mentee_timezone, at) if known and mentee_timezone else None
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
        places_taken=profile.places.taken,
        capacity=profile.capacity,
        same_language=same_language,
        past_pairs=candidate.past_pairs,
        places_held=profile.places.held,
    )
    return RankedMentor(candidate, round(score, 6), explanation)


@lru_cache(maxsize=512)
def _utc_offset_zone(name: str) -> tzinfo:
    # zoneinfo keeps only 8 zones strongly cached: ranking touches a dozen per request, so keep them here.
    return to_tzinfo(name)


def timezone_bonus(mentor_timezone: str, mentee_timezone: str | None, at: datetime) -> float:
    """The time zone term of the score: `score_candidate`'s, with the same arithmetic as `hours_apart`."""
    if not mentee_timezone or mentor_timezone in UTC_NAMES:
        return TIMEZONE_BONUS / 2
    offset_a = at.astimezone(_utc_offset_zone(mentor_timezone)).utcoffset() or timedelta(0)
    offset_b = at.astimezone(_utc_offset_zone(mentee_timezone)).utcoffset() or timedelta(0)
    diff = abs((offset_a - offset_b).total_seconds()) / 3600 % 24  # more than a day apart across the date line
    apart = min(diff, 24 - diff)
    return TIMEZONE_BONUS * (1 - apart / 12)


# --------------------------------------------------------------------------- SQL: inside the ranking query


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


def score_sql(params: ScoreParams, dialect: str, *, skills_asked: int, mentee_language: str) -> tuple[str, list[Any]]:
    """The score as an SQL expression for `dialect` ("sqlite" or "postgresql"), and its bound arguments in order.

    The expression is an aggregate over one mentor's group of rows: it reads ``s.level`` (the mentor's
    `mentor_skills` rows of the skills asked), ``p`` (their `mentor_profiles` row) and ``past.n`` (recent
    mentorships of the pair, NULL for none). `skills_asked` is how many skills the request asks for.
    """
    pg = dialect == "postgresql"
    real = "CAST(? AS DOUBLE PRECISION)"
    greatest = "GREATEST" if pg else "MAX"
    contains = "STRPOS" if pg else "INSTR"
    tz_items = list(params.tz_bonus.items())  # most common zones first: fewer comparisons
    tz_case = " ".join(f"WHEN ? THEN {real}" for _ in tz_items)
    tz_sql = f"CASE p.timezone {tz_case} ELSE {real} END" if tz_items else real
    score = (
        f"((((SUM(CASE s.level WHEN 'expert' THEN {real} WHEN 'practitioner' THEN {real} ELSE {real} END) / ?) "
        f"+ CASE WHEN {contains}(',' || p.languages || ',', ?) > 0 THEN {real} ELSE 0.0 END) "
        f"+ {tz_sql}) "
        f"+ {real} * {greatest}(0, p.capacity - (p.active_count + p.pending_offers)) / p.capacity) "
        f"- {real} * COALESCE(MAX(past.n), 0)"
    )
    w = params.level_weights
    score_args: list[Any] = [
        w["expert"],
        w["practitioner"],
        w["learning"],
        max(1, skills_asked),
        f",{mentee_language},",
        params.language_bonus,
        *[v for item in tz_items for v in item],
        params.tz_default,
        params.capacity_bonus,
        params.repeat_penalty,
    ]
    return score, score_args
