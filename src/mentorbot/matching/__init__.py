"""Matching: rank the eligible mentors for a request, and say why each ranks where it does.

- `score`: the match score in its three forms (Python, SQL, numpy) and the types ranking reads;
- `rank`: ranking candidates, in Python or (the best few) inside the database;
- `explain`: the explanation stored with an offer and its rendering.
"""

from mentorbot.matching.explain import Explanation, render_explanation
from mentorbot.matching.rank import CandidateSource, rank_candidates, top_ranked
from mentorbot.matching.score import (
    CAPACITY_BONUS,
    INELIGIBLE,
    LANGUAGE_BONUS,
    LEVEL_WEIGHT,
    MICRO,
    REPEAT_PENALTY,
    TIMEZONE_BONUS,
    Candidate,
    PoolMentor,
    PoolRequest,
    RankedMentor,
    RoundPool,
    ScoreParams,
    pool_pair_scores,
    score_candidate,
    score_params,
    score_sql,
    timezone_bonus,
)

__all__ = [
    "CAPACITY_BONUS",
    "INELIGIBLE",
    "LANGUAGE_BONUS",
    "LEVEL_WEIGHT",
    "MICRO",
    "REPEAT_PENALTY",
    "TIMEZONE_BONUS",
    "Candidate",
    "CandidateSource",
    "Explanation",
    "PoolMentor",
    "PoolRequest",
    "RankedMentor",
    "RoundPool",
    "ScoreParams",
    "pool_pair_scores",
    "rank_candidates",
    "render_explanation",
    "score_candidate",
    "score_params",
    "score_sql",
    "timezone_bonus",
    "top_ranked",
]
