"""Matching: rank the eligible mentors for a request, and say why each ranks where it does.

- `score`: the match score in Python and SQL, and the types ranking reads;
- `pool`: the same score for every pair of a matching round's pool at once (numpy);
- `rank`: ranking candidates, in Python or (the best few) inside the database;
- `explain`: the explanation stored with an offer and its rendering;
- `eligibility`: who may be offered a request again (cooldowns and exclusions), one pure definition.
"""

from mentorbot.matching.explain import Explanation, render_explanation
from mentorbot.matching.pool import INELIGIBLE32, PoolScores, pool_pair_scores, pool_scores
from mentorbot.matching.rank import CandidateSource, rank_candidates, top_ranked
from mentorbot.matching.score import (
    CAPACITY_BONUS,
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
    score_candidate,
    score_params,
    score_sql,
    timezone_bonus,
)

__all__ = [
    "CAPACITY_BONUS",
    "INELIGIBLE32",
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
    "PoolScores",
    "RankedMentor",
    "RoundPool",
    "ScoreParams",
    "pool_pair_scores",
    "pool_scores",
    "rank_candidates",
    "render_explanation",
    "score_candidate",
    "score_params",
    "score_sql",
    "timezone_bonus",
    "top_ranked",
]
