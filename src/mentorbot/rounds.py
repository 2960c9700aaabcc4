"""Matching rounds: one optimal assignment of every waiting request to mentors with free places.

Each mentor contributes one column per free place; each waiting request is a row; a cell holds the match
score of that request with that mentor (as `matching` computes it), or nothing when the mentor is not
eligible. `scipy.optimize.linear_sum_assignment` then maximises, first, how many requests get a mentor
(every eligible cell carries a large constant) and, second, the total match score. The plan is compared
with first-come greedy matching (oldest request first, best free mentor) so admins see what it gains.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from mentorbot.matching import RankedMentor, rank_candidates
from mentorbot.models import Member, MentorshipRequest

if TYPE_CHECKING:
    from mentorbot.bot import MentorBot

_FEASIBLE = 1000.0


@dataclass(frozen=True)
class Assignment:
    """One request given to one mentor by the round."""

    request: MentorshipRequest
    mentee: Member
    ranked: RankedMentor


@dataclass(frozen=True)
class RoundPlan:
    """The optimal assignment, its total score, and what first-come greedy would have scored."""

    assignments: tuple[Assignment, ...]
    total_score: float
    greedy_score: float
    greedy_matched: int


def solve(scores: Sequence[dict[int, float]], capacity: dict[int, int]) -> tuple[list[tuple[int, int]], float]:
    """Optimal assignment of rows (requests) to mentors with `capacity` places each.

    `scores[i]` maps mentor id → score for row i (eligible mentors only). Returns the (row, mentor) pairs
    and their total score; the number of pairs is as large as possible, then the score is.
    """
    # Imported here, not at module level: scipy takes ~0.3 s to import and only rounds need it (start-up speed).
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    slots: list[int] = []
    for mentor_id in sorted(capacity):
        slots.extend([mentor_id] * capacity[mentor_id])
    if not scores or not slots:
        return [], 0.0
    column_of: dict[int, list[int]] = {}
    for col, mentor_id in enumerate(slots):
        column_of.setdefault(mentor_id, []).append(col)
    weights = np.zeros((len(scores), len(slots)))
    for row, row_scores in enumerate(scores):
        for mentor_id, score in row_scores.items():
            for col in column_of.get(mentor_id, ()):
                weights[row, col] = _FEASIBLE + score
    rows, cols = linear_sum_assignment(weights, maximize=True)
    pairs = [(int(r), slots[int(c)]) for r, c in zip(rows, cols, strict=True) if weights[r, c] > 0]
    return pairs, float(sum(scores[r][m] for r, m in pairs))


def greedy(scores: Sequence[dict[int, float]], capacity: dict[int, int]) -> tuple[list[tuple[int, int]], float]:
    """First come, first served: each row in order takes its best mentor with a place left."""
    left = dict(capacity)
    pairs: list[tuple[int, int]] = []
    for row, row_scores in enumerate(scores):
        for mentor_id, _ in sorted(row_scores.items(), key=lambda item: (-item[1], item[0])):
            if left.get(mentor_id, 0) > 0:
                left[mentor_id] -= 1
                pairs.append((row, mentor_id))
                break
    return pairs, float(sum(scores[r][m] for r, m in pairs))


async def plan_round(bot: MentorBot, waiting: Sequence[MentorshipRequest]) -> RoundPlan:
    """Plan one round over `waiting` (oldest first) with the mentors' current free places."""
    now = bot.clock.now()
    rows: list[tuple[MentorshipRequest, Member, dict[int, RankedMentor]]] = []
    capacity: dict[int, int] = {}
    for request in sorted(waiting, key=lambda r: (r.created_at, r.id)):
        mentee = await bot.store.get_member(request.member_id)
        if mentee is None:
            continue
        candidates = await bot.store.find_candidates(
            request.community,
            request.skills,
            exclude_member=mentee.id,
            request_id=request.id,
            repeat_since=now - timedelta(days=bot.settings.repeat_pair_days),
        )
        ranked = rank_candidates(
            candidates, request.skills, mentee_language=bot.lang_of(mentee), mentee_timezone=mentee.timezone, at=now
        )
        for r in ranked:
            capacity[r.candidate.member.id] = r.candidate.profile.free_places
        rows.append((request, mentee, {r.candidate.member.id: r for r in ranked}))
    scores = [{mentor_id: r.score for mentor_id, r in by_mentor.items()} for _, _, by_mentor in rows]
    pairs, total = solve(scores, capacity)
    greedy_pairs, greedy_total = greedy(scores, capacity)
    assignments = tuple(Assignment(rows[r][0], rows[r][1], rows[r][2][m]) for r, m in sorted(pairs))
    return RoundPlan(assignments, total, greedy_total, len(greedy_pairs))
