"""Matching rounds: one optimal assignment of every waiting request to mentors with free places.

The objective is unchanged: maximise, first, how many requests get a mentor (every eligible pair carries a
large constant), and second, the total match score (as `matching` computes it). The plan is compared with
first-come greedy matching (oldest request first, best free mentor) so admins see what it gains.

How it stays fast at community scale (5,000 waiting requests, 2,000 mentors; measured by `python -m benchmarks`):

* One snapshot read (`Store.round_pool`): a handful of queries instead of two per request.
* Scores for every eligible (request, mentor) pair computed with numpy, term by term in exactly the
  floating-point order of `matching.score_candidate`, in integer millionths (scores are rounded to 6
  decimals, so millionths are exact and comparisons need no tolerance).
* The assignment is solved on a sparse graph: each request's best few mentors, each mentor's best requests
  and the greedy pairs (`_Graph.optimal`: scipy's sparse Jonker–Volgenant solver,
  `min_weight_full_bipartite_matching`, with mentors' free places as rows, each with an "unfilled" column).
  Optimality for the WHOLE graph is then proved, not assumed: node potentials from a Bellman–Ford pass
  over the residual graph must leave no eligible pair with a positive reduced gain; any pair that has one
  is added and the sparse problem is solved again. The old dense solver (one
  column per free place, every request a row: 5,000 × 4,000 floats) is kept as `solve_dense`; tests check
  that both find the same optimum.
* Offers are written in one transaction (`Store.create_offers`), not one transaction each.

This module is pure (no store, no use-case): `mentorbot.usecases.admin.run_round` reads the pool, calls
`plan_pool` and writes the offers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mentorbot.matching.score import (
    INELIGIBLE,
    MICRO,
    RankedMentor,
    RoundPool,
    pool_pair_scores,
    score_candidate,
)
from mentorbot.models import Member, MentorshipRequest, Offer

if TYPE_CHECKING:
    import numpy as np

    IntArray = np.ndarray[Any, np.dtype[np.int64]]

# numpy and scipy are imported inside the functions that run a round, not with this module: the bot (and
# the console, whose start-up is measured) must not pay ~0.3 s of scipy imports before its first command.

_FEASIBLE = 1000.0
_MICRO = MICRO
# The cardinality constant in millionths: the same objective as the dense solver's `_FEASIBLE + score`.
_FEASIBLE_MICRO = int(_FEASIBLE) * _MICRO
# Sparse graph: each request's best K mentors, each mentor's best-scoring requests (ties included), and the
# greedy assignment (so the first sparse solution already matches as many as greedy does). Pairs whose
# reduced gain proves them useful are then added, the best `_REPAIR_KEEP` per request and per mentor.
# (Measured at 5,000 × 2,000: 3–4 sparse solves of ~150,000 pairs instead of one of 5,000,000.)
_ROW_KEEP = 16
_COL_KEEP = 4
_REPAIR_KEEP = 100
_MAX_ROUNDS_OF_REPAIR = 25
# Rows of the score matrix computed at once (bounds the memory of the dense intermediate).
_CHUNK = 512


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


@dataclass(frozen=True)
class RoundResult:
    """A plan and the offers it created (some planned offers may no longer be possible when written)."""

    plan: RoundPlan
    offers: tuple[tuple[Assignment, Offer], ...]


# --------------------------------------------------------------------------- solvers on score dicts


def solve_dense(
    scores: Sequence[dict[int, float]], capacity: dict[int, int]
) -> tuple[list[tuple[int, int]], float]:
    """The reference solver: a dense requests × free-places matrix and `linear_sum_assignment`.

    `scores[i]` maps mentor id → score for row i (eligible mentors only). Returns the (row, mentor) pairs
    and their total score; the number of pairs is as large as possible, then the score is. Memory and time
    grow with rows × places (5,000 × 4,000 is 160 MB and seconds): kept to check `solve` against.
    """
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


def solve(scores: Sequence[dict[int, float]], capacity: dict[int, int]) -> tuple[list[tuple[int, int]], float]:
    """Optimal assignment of rows (requests) to mentors with `capacity` places each (the sparse solver).

    `scores[i]` maps mentor id → score for row i (eligible mentors only); scores are match scores, rounded
    to 6 decimals. Returns the (row, mentor) pairs sorted by row and their total score; the number of pairs
    is as large as possible, then the score is (the same optimum as `solve_dense`).
    """
    import numpy as np
    mentor_ids = sorted(m for m, c in capacity.items() if c > 0)
    if not scores or not mentor_ids:
        return [], 0.0
    col_of = {m: j for j, m in enumerate(mentor_ids)}
    rows: list[int] = []
    cols: list[int] = []
    micro: list[int] = []
    for i, row_scores in enumerate(scores):
        for mentor_id, score in sorted(row_scores.items()):
            if mentor_id in col_of:
                rows.append(i)
                cols.append(col_of[mentor_id])
                micro.append(round(score * _MICRO))
    graph = _Graph(
        len(scores),
        np.array([capacity[m] for m in mentor_ids], dtype=np.int64),
        np.array(rows, dtype=np.int64),
        np.array(cols, dtype=np.int64),
        np.array(micro, dtype=np.int64),
    )
    match = graph.optimal()
    pairs = [(i, mentor_ids[int(j)]) for i, j in enumerate(match) if j >= 0]
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


# --------------------------------------------------------------------------- the sparse engine


def _best_per_group(group: IntArray, key: IntArray, keep: IntArray | int) -> IntArray:
    """Positions of the `keep` largest `key` values within each `group` value (ties: first position)."""
    import numpy as np
    order = np.lexsort((-key, group))
    ordered = group[order]
    rank = np.arange(len(order)) - np.searchsorted(ordered, ordered, side="left")
    limit = keep[order] if isinstance(keep, np.ndarray) else keep
    return np.sort(order[rank < limit])


class _Graph:
    """Eligible (row, column) pairs with integer scores in millionths; columns have capacities.

    `rows`, `cols`, `micro` are parallel arrays sorted by row then column. `keep` optionally names a
    starting subset of pairs (the best few per row and per column) for `optimal`.
    """

    def __init__(
        self,
        n_rows: int,
        capacity: IntArray,
        rows: IntArray,
        cols: IntArray,
        micro: IntArray,
        keep: IntArray | None = None,
    ) -> None:
        self.n_rows = n_rows
        self.n_cols = len(capacity)
        self.capacity = capacity
        self.rows = rows
        self.cols = cols
        self.gain = micro + _FEASIBLE_MICRO
        self.keep = keep

    def _initial(self) -> IntArray:
        """The starting pairs when none were given: best `_ROW_KEEP` per row, `_COL_KEEP` per free place of
        each column (ties by position: deterministic)."""
        import numpy as np
        if self.keep is not None:
            return self.keep
        per_col = _COL_KEEP * self.capacity[self.cols]
        by_row = _best_per_group(self.rows, self.gain, _ROW_KEEP)
        return np.union1d(by_row, _best_per_group(self.cols, self.gain, per_col))

    def optimal(self, seed: IntArray | None = None) -> IntArray:
        """For each row, the column it is assigned (-1: none), maximising matches then total score.

        `seed` names pairs to start from as well (a greedy assignment's)."""
        import numpy as np
        if self.n_rows == 0 or self.n_cols == 0 or len(self.rows) == 0:
            return np.full(self.n_rows, -1, dtype=np.int64)
        in_subset = np.zeros(len(self.rows), dtype=bool)
        in_subset[self._initial()] = True
        if seed is not None:
            in_subset[seed] = True
        for _ in range(_MAX_ROUNDS_OF_REPAIR):
            subset = np.flatnonzero(in_subset)
            match = self._solve_subset(subset)
            violating, reduced = self._violations(subset, match)
            if len(violating) == 0:
                return match
            gain = reduced[violating]
            in_subset[violating[_best_per_group(self.rows[violating], gain, _REPAIR_KEEP)]] = True
            in_subset[violating[_best_per_group(self.cols[violating], gain, _REPAIR_KEEP)]] = True
        # Never expected: solve the whole graph (slower, still exact).
        return self._solve_subset(np.arange(len(self.rows)))

    def _solve_subset(self, subset: IntArray) -> IntArray:
        """Optimal on the pairs in `subset`: rows of the sparse problem are the columns' free places (each with
        its own "unfilled" column), columns are the rows plus those placeholders."""
        import numpy as np
        from scipy.sparse import csr_matrix
        from scipy.sparse.csgraph import min_weight_full_bipartite_matching
        rows, cols, gain = self.rows[subset], self.cols[subset], self.gain[subset]
        cap = self.capacity
        n_slots = int(cap.sum())
        slot_start = np.concatenate([[0], np.cumsum(cap)[:-1]])
        per_pair = cap[cols]
        pair_index = np.repeat(np.arange(len(rows)), per_pair)
        offset = np.arange(len(pair_index)) - np.repeat(np.cumsum(per_pair) - per_pair, per_pair)
        slot = slot_start[cols[pair_index]] + offset
        # Costs are positive integers (exact in float64): `top - gain` for a pair, `top` to leave a place unfilled.
        top = float(2 * _FEASIBLE_MICRO + int(gain.max()))
        cost = np.concatenate([top - gain[pair_index].astype(np.float64), np.full(n_slots, top)])
        graph_rows = np.concatenate([slot, np.arange(n_slots)])
        graph_cols = np.concatenate([rows[pair_index], self.n_rows + np.arange(n_slots)])
        graph = csr_matrix((cost, (graph_rows, graph_cols)), shape=(n_slots, self.n_rows + n_slots))
        slot_rows, assigned = min_weight_full_bipartite_matching(graph)
        real = assigned < self.n_rows
        owner = np.repeat(np.arange(self.n_cols), cap)
        match = np.full(self.n_rows, -1, dtype=np.int64)
        match[assigned[real]] = owner[slot_rows[real]]
        return match

    def _violations(self, subset: IntArray, match: IntArray) -> tuple[IntArray, IntArray]:
        """Pairs (of the whole graph) that could improve `match`, which is optimal on `subset`.

        Potentials are shortest distances in the residual graph of the subset (rows, columns and one merged
        source/sink node); `match` is optimal for the whole graph exactly when no unmatched pair has a gain
        above what the potentials allow (a positive reduced gain would close an improving cycle).
        """
        import numpy as np
        n, m = self.n_rows, self.n_cols
        z = n + m
        rows, cols, gain = self.rows[subset], self.cols[subset], self.gain[subset]
        matched_pair = match[rows] == cols
        matched_row = match >= 0
        load = np.bincount(match[matched_row], minlength=m)
        tails = [
            np.where(matched_pair, n + cols, rows),
            np.full(int((~matched_row).sum()), z),
            np.nonzero(matched_row)[0],
            n + np.nonzero(load < self.capacity)[0],
            np.full(int((load > 0).sum()), z),
        ]
        heads = [
            np.where(matched_pair, rows, n + cols),
            np.nonzero(~matched_row)[0],
            np.full(int(matched_row.sum()), z),
            np.full(int((load < self.capacity).sum()), z),
            n + np.nonzero(load > 0)[0],
        ]
        costs = [np.where(matched_pair, gain, -gain)] + [np.zeros(len(t), dtype=np.int64) for t in tails[1:]]
        tail = np.concatenate(tails)
        head = np.concatenate(heads)
        cost = np.concatenate(costs)
        order = np.argsort(head, kind="stable")
        tail, head, cost = tail[order], head[order], cost[order]
        targets, starts = np.unique(head, return_index=True)
        dist = np.zeros(z + 1, dtype=np.int64)
        for _ in range(z + 2):
            best = np.minimum.reduceat(dist[tail] + cost, starts)
            improved = best < dist[targets]
            if not improved.any():
                break
            dist[targets[improved]] = best[improved]
        else:  # pragma: no cover - an optimal matching has no negative cycle
            raise RuntimeError("residual graph has a negative cycle: the sparse solution is not optimal")
        reduced = self.gain - dist[self.rows] + dist[n + self.cols]
        return np.flatnonzero((reduced > 0) & (match[self.rows] != self.cols)), reduced

    def greedy(self) -> IntArray:
        """First come, first served over the rows in order (best gain, then lowest column)."""
        import numpy as np
        left = self.capacity.copy()
        match = np.full(self.n_rows, -1, dtype=np.int64)
        bounds = np.searchsorted(self.rows, np.arange(self.n_rows + 1))
        for i in range(self.n_rows):
            lo, hi = bounds[i], bounds[i + 1]
            if lo == hi:
                continue
            cols = self.cols[lo:hi]
            open_ = left[cols] > 0
            if not open_.any():
                continue
            gains = np.where(open_, self.gain[lo:hi], -1)
            best = cols[int(np.argmax(gains))]
            left[best] -= 1
            match[i] = best
        return match


# --------------------------------------------------------------------------- scores for a whole pool


def _pool_scores(pool: RoundPool, mentee_languages: Sequence[str], at: datetime) -> _Graph:
    """Every eligible (request, mentor) pair of the pool with its score in millionths (`pool_pair_scores`:
    the floating-point operations of `score_candidate`, in its order, for all pairs at once), and the best
    pairs per request and per mentor to start the solver from."""
    import numpy as np
    n, m = len(pool.requests), len(pool.mentors)
    capacity = np.array([x.profile.free_places for x in pool.mentors], dtype=np.int64)
    if n == 0 or m == 0:
        nothing = np.zeros(0, dtype=np.int64)
        return _Graph(n, capacity, nothing, nothing, nothing)
    parts_rows: list[IntArray] = []
    parts_cols: list[IntArray] = []
    parts_micro: list[IntArray] = []
    keep_rows: list[IntArray] = []
    col_best = np.full(m, INELIGIBLE, dtype=np.int64)
    row_keep = min(m, _ROW_KEEP)
    offset = 0
    for lo, eligible, micro in pool_pair_scores(pool, mentee_languages, at, chunk=_CHUNK):
        flat = np.flatnonzero(eligible)
        r, c = np.divmod(flat, m)
        parts_rows.append(r + lo)
        parts_cols.append(c)
        parts_micro.append(micro.ravel()[flat])
        # The chunk's best pairs per row, named by where they land in the edge arrays.
        if row_keep < m:
            best_cols = np.argpartition(-micro, row_keep - 1, axis=1)[:, :row_keep]
            pick = np.take_along_axis(eligible, best_cols, axis=1)
            position = (np.cumsum(eligible.ravel()) - 1 + offset).reshape(eligible.shape)
            keep_rows.append(np.take_along_axis(position, best_cols, axis=1)[pick])
        else:
            keep_rows.append(offset + np.arange(len(flat)))
        np.maximum(col_best, micro.max(axis=0), out=col_best)
        offset += len(flat)
    rows = np.concatenate(parts_rows) if parts_rows else np.zeros(0, dtype=np.int64)
    cols = np.concatenate(parts_cols) if parts_cols else np.zeros(0, dtype=np.int64)
    micro_all = np.concatenate(parts_micro) if parts_micro else np.zeros(0, dtype=np.int64)
    keep: IntArray | None = None
    if len(rows):
        # Plus, for each mentor, every request it scores best with (ties included).
        keep = np.union1d(np.concatenate(keep_rows), np.flatnonzero(micro_all >= col_best[cols]))
    return _Graph(n, capacity, rows, cols, micro_all, keep)


def plan_pool(pool: RoundPool, mentee_languages: Sequence[str], at: datetime) -> RoundPlan:
    """The optimal plan for a pool (and the greedy comparison). Each assignment carries `score_candidate`'s
    own score and explanation for its pair."""
    import numpy as np
    graph = _pool_scores(pool, mentee_languages, at)
    greedy_match = graph.greedy()
    # Starting from greedy's pairs, the first sparse solution already matches as many requests as it does.
    match = graph.optimal(seed=np.flatnonzero(greedy_match[graph.rows] == graph.cols))
    assignments: list[Assignment] = []
    for i in np.nonzero(match >= 0)[0]:
        item = pool.requests[int(i)]
        ranked = score_candidate(
            pool.candidate(int(i), int(match[i])),
            item.request.skills,
            mentee_language=mentee_languages[int(i)],
            mentee_timezone=item.mentee.timezone,
            at=at,
        )
        assignments.append(Assignment(item.request, item.mentee, ranked))
    greedy_rows = np.nonzero(greedy_match[graph.rows] == graph.cols)[0]
    greedy_micro = [int(g) - _FEASIBLE_MICRO for g in graph.gain[greedy_rows]]
    return RoundPlan(
        tuple(assignments),
        float(sum(a.ranked.score for a in assignments)),
        float(sum(micro / _MICRO for micro in greedy_micro)),
        len(greedy_micro),
    )
