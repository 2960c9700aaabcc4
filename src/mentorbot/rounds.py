"""Matching rounds: one optimal assignment of every waiting request to mentors with free places.

The objective: first, as many requests matched as can be, the oldest first (a newer request takes a place an older
one could use only when that matches more requests: `_Problem.oldest_first`); then, among the assignments of those
requests, the fewest cooldowns lifted and the highest total match score (as `matching` computes it; every eligible
pair carries a large constant, and a lifted pair a penalty: `_Problem.optimal`). Each place a mentor is given scores
as live matching would score it: the k-th offer of the round to one mentor with k − 1 more places held
(`matching.pool.place_scores`), so that equally good mentors share the requests instead of a few getting them all.
Among equally good plans, the round prefers the one live matching's fair rotation would make: each mentor's first
place before anyone's second, and among those the mentor offered something least recently, then the older
profile, then the lower member id (`_rotation`, `_Problem.optimal`). The plan is compared with first-come greedy
matching (oldest request first, best free mentor, places counted as they are given) so admins see what it gains.

How it stays fast at community scale (5,000 waiting requests, 2,000 mentors; measured by `python -m benchmarks`):

* One snapshot read (`Store.round_pool`): a handful of queries instead of two per request.
* Every (request, mentor) pair scored at once into one dense int32 matrix of millionths
  (`matching.pool.pool_scores`: per request class, a small table computed with `score_candidate`'s
  floating-point operations, looked up by each pair's exact skill sum; 40 MB at 5,000 × 2,000).
* The assignment is solved on a subset of the pairs: each request's best few mentors, each mentor's best
  requests and the greedy pairs (`_Problem.optimal`: scipy's sparse Jonker–Volgenant solver,
  `min_weight_full_bipartite_matching`, with mentors' free places as rows, each with an "unfilled" column, each
  place scoring its own spare-places term).
  Optimality for the WHOLE matrix is then proved, not assumed: node potentials from a Bellman–Ford pass over
  the residual graph must leave no eligible pair with a positive reduced gain, checked over every pair of the
  dense matrix in int32; any pair that has one is added and the subset is solved again (3 solves of ~50,000
  pairs at 5,000 × 2,000). When only a few pairs violate (the last round of repair), they are added in place
  instead (`_Repair`: per pair, a bounded shortest-path search from the current potentials that proves it
  useless or applies the improving exchange through it), and the result is proved the same way. The old dense
  solver (one column per free place, every request a row) is kept as `solve_dense`; tests check that the round
  finds its optimum on random pools, whatever the starting subset.
* Offers are written in one transaction of a few statements (`Store.create_offers`).

This module is pure (no store, no use-case): `mentorbot.usecases.admin.run_round` reads the pool, calls
`plan_pool` and writes the offers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from mentorbot.matching.pool import INELIGIBLE32, pool_scores
from mentorbot.matching.score import LIFTED_PENALTY, MICRO, PoolMentor, RankedMentor, RoundPool, score_candidate
from mentorbot.models import Member, MentorshipRequest, Offer

if TYPE_CHECKING:
    import numpy as np

    IntArray = np.ndarray[Any, np.dtype[np.int64]]
    Int32Array = np.ndarray[Any, np.dtype[np.int32]]
    BoolArray = np.ndarray[Any, np.dtype[np.bool_]]

# numpy and scipy are imported inside the functions that run a round, not with this module: the bot (and
# the console, whose start-up is measured) must not pay ~0.3 s of scipy imports before its first command.

_FEASIBLE = 1000.0
_MICRO = MICRO
# The cardinality constant in millionths: the same objective as the dense solver's `_FEASIBLE + score`.
_FEASIBLE_MICRO = int(_FEASIBLE) * _MICRO
_LIFTED_MICRO = round(LIFTED_PENALTY * _MICRO)
# The starting subset: each request's best `_ROW_KEEP` mentors, each mentor's best-scoring requests (at most
# `_COL_KEEP` per free place) and the seed (`oldest_first`'s assignment: so the first solution already matches
# every request it chose). Pairs whose reduced gain proves them useful are then added, the best `_REPAIR_KEEP` per
# request and per mentor. (Measured at 5,000 × 2,000: ~50,000 starting pairs, 3–4 sparse solves, instead of one
# of 4,000,000.)
# 12, not 8: when the places are fewer than the requests, the oldest requests that can be placed fill every place,
# a tight assignment whose sparse solves are slower; fewer of them with more pairs each took 0.39 s instead of 0.55.
_ROW_KEEP = 12
_COL_KEEP = 4
_REPAIR_KEEP = 100
# Up to this many violating pairs, the optimum is repaired in place from the current potentials (`_Repair`:
# one bounded shortest-path search per pair, in Python) instead of solving the enlarged subset again with scipy;
# above it, one more sparse solve is cheaper (each search can visit thousands of nodes: the scores have many
# ties, so many arcs have a reduced cost of 0). At 5,000 × 2,000 the last solve of four had ~6 such pairs.
_REPAIR_LIMIT = 48
_MAX_ROUNDS_OF_REPAIR = 25
# Rows of the score matrix handled at once: bounds the memory of the temporaries.
_CHUNK = 512
# `_at_least_kth` cuts a row into this many blocks per entry it keeps: its bound stays close to the threshold when
# some blocks hold nothing eligible (one block per kept entry made every eligible entry a candidate then).
_BLOCKS_PER_KEPT = 4
# A large odd step: row i's ties are taken from column i × _SPREAD on (modulo the number of columns).
_SPREAD = 7919
# At most this many passes of `_Problem._in_rotation` (each moves what it can; the next only what the last unlocked).
_ROTATION_PASSES = 8
# Potentials and scores below this in absolute value: the proof's sums fit in int32 (see `_violations`).
_SMALL = 2**28


@dataclass(frozen=True)
class Assignment:
    """One request given to one mentor by the round."""

    request: MentorshipRequest
    mentee: Member
    ranked: RankedMentor


@dataclass(frozen=True)
class RoundPlan:
    """The optimal assignment, its total score, and what first-come greedy would have scored. A total counts each
    mentor's k-th place of the round with k − 1 more places held, as live matching scores its k-th offer in a row
    (`matching.pool.place_scores`): the sum of the assignments' own scores plus those place terms."""

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


PlaceTerms = Mapping[int, Sequence[float]]
"""Per mentor id, what a pair scores at each of the mentor's free places beyond its score (0 at the first, less at
each later one: `matching.pool.place_scores`, in units; never above 0, never rising). A mentor missing: every place
scores the pair's score."""


def _place_terms(capacity: dict[int, int], places: PlaceTerms | None) -> dict[int, list[float]]:
    """Each mentor's `capacity` place terms (`PlaceTerms`), checked: one per free place, never rising."""
    out: dict[int, list[float]] = {}
    for mentor_id, count in capacity.items():
        terms = list((places or {}).get(mentor_id, [0.0] * max(0, count)))
        if len(terms) < max(0, count) or any(b > a for a, b in zip([0.0, *terms], terms, strict=False)):
            raise ValueError(f"mentor {mentor_id}: one place term per free place, none above 0, never rising")
        out[mentor_id] = terms[: max(0, count)]
    return out


def solve_dense(
    scores: Sequence[dict[int, float]], capacity: dict[int, int], places: PlaceTerms | None = None
) -> tuple[list[tuple[int, int]], float]:
    """The reference solver: a dense requests × free-places matrix and `linear_sum_assignment`.

    `scores[i]` maps mentor id → score for row i (eligible mentors only); a pair at a mentor's k-th place scores
    its score plus ``places[mentor][k]`` (`PlaceTerms`). Returns the (row, mentor) pairs and their total score, place
    terms included; the number of pairs is as large as possible, then the score is. Memory and time grow with rows
    × places (5,000 × 4,000 is 160 MB and seconds): kept to check `solve` against.
    """
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    terms = _place_terms(capacity, places)
    slots: list[int] = []
    bonus: list[float] = []
    for mentor_id in sorted(capacity):
        slots.extend([mentor_id] * capacity[mentor_id])
        bonus.extend(terms[mentor_id])
    if not scores or not slots:
        return [], 0.0
    column_of: dict[int, list[int]] = {}
    for col, mentor_id in enumerate(slots):
        column_of.setdefault(mentor_id, []).append(col)
    weights = np.zeros((len(scores), len(slots)))
    for row, row_scores in enumerate(scores):
        for mentor_id, score in row_scores.items():
            for col in column_of.get(mentor_id, ()):
                weights[row, col] = _FEASIBLE + score + bonus[col]
    rows, cols = linear_sum_assignment(weights, maximize=True)
    chosen = [(int(r), int(c)) for r, c in zip(rows, cols, strict=True) if weights[r, c] > 0]
    pairs = [(r, slots[c]) for r, c in chosen]
    # A mentor's places are taken in order (each later one scores no more): the total counts the first ones.
    load: dict[int, int] = {}
    for _, mentor_id in pairs:
        load[mentor_id] = load.get(mentor_id, 0) + 1
    total = sum(scores[r][m] for r, m in pairs) + sum(sum(terms[m][:k]) for m, k in load.items())
    return sorted(pairs), float(total)


def solve_dense_oldest_first(
    scores: Sequence[dict[int, float]], capacity: dict[int, int], places: PlaceTerms | None = None
) -> tuple[set[int], list[tuple[int, int]], float]:
    """The reference for the round's objective, the slow way (`solve_dense` once per row): rows are added in order
    (oldest first) while every row added so far can still be matched together; then `solve_dense` over those
    rows alone. Returns the rows, the (row, mentor id) pairs and their total score: kept to check `plan_pool`."""
    chosen: list[int] = []
    for row in range(len(scores)):
        trial = [*chosen, row]
        pairs, _ = solve_dense([scores[i] for i in trial], capacity, places)
        if len(pairs) == len(trial):
            chosen = trial
    pairs, total = solve_dense([scores[i] for i in chosen], capacity, places)
    return set(chosen), [(chosen[r], m) for r, m in pairs], total


def solve(
    scores: Sequence[dict[int, float]], capacity: dict[int, int], places: PlaceTerms | None = None
) -> tuple[list[tuple[int, int]], float]:
    """Optimal assignment of rows (requests) to mentors with `capacity` places each (the sparse solver).

    `scores[i]` maps mentor id → score for row i (eligible mentors only); scores are match scores, rounded
    to 6 decimals, and so are the place terms (`PlaceTerms`). Returns the (row, mentor) pairs sorted by row and their
    total score, place terms included; the number of pairs is as large as possible, then the score is (the same
    optimum as `solve_dense`).
    """
    import numpy as np

    mentor_ids = sorted(m for m, c in capacity.items() if c > 0)
    if not scores or not mentor_ids:
        return [], 0.0
    terms = _place_terms({m: capacity[m] for m in mentor_ids}, places)
    col_of = {m: j for j, m in enumerate(mentor_ids)}
    micro = np.full((len(scores), len(mentor_ids)), INELIGIBLE32, dtype=np.int32)
    for i, row_scores in enumerate(scores):
        for mentor_id, score in row_scores.items():
            if mentor_id in col_of:
                micro[i, col_of[mentor_id]] = round(score * _MICRO)
    place_micro = np.array([round(t * _MICRO) for m in mentor_ids for t in terms[m]], dtype=np.int64)
    graph = _Problem(micro, np.array([capacity[m] for m in mentor_ids], dtype=np.int64), places=place_micro)
    match = graph.optimal()
    pairs = [(i, mentor_ids[int(j)]) for i, j in enumerate(match) if j >= 0]
    load = np.bincount(match[match >= 0], minlength=len(mentor_ids))
    total = sum(scores[r][m] for r, m in pairs) + sum(sum(terms[m][: int(load[col_of[m]])]) for m in mentor_ids)
    return pairs, float(total)


def greedy(
    scores: Sequence[dict[int, float]], capacity: dict[int, int], places: PlaceTerms | None = None
) -> tuple[list[tuple[int, int]], float]:
    """First come, first served, as live matching offers: each row in order takes its best mentor with a place
    left, a mentor's place scoring the pair's score plus the term of the next place (`PlaceTerms`: the mentor's places
    given so far count as held; compared in millionths). Ties go to a mentor not given a row yet, the first in
    `capacity`'s order first (the round's: fair rotation's), then to the one given a row least recently (an offer
    makes its mentor the most recently offered). Returns the pairs and their total score, place terms included."""
    terms = _place_terms(capacity, places)
    rank = {mentor_id: k for k, mentor_id in enumerate(capacity)}
    left = dict(capacity)
    given: dict[int, int] = {}
    pairs: list[tuple[int, int]] = []
    total = 0.0
    for row, row_scores in enumerate(scores):
        best: tuple[int, int, int] | None = None
        chosen = -1
        for mentor_id, score in row_scores.items():
            if left.get(mentor_id, 0) <= 0:
                continue
            place = terms[mentor_id][capacity[mentor_id] - left[mentor_id]]
            key = (-(round(score * _MICRO) + round(place * _MICRO)), given.get(mentor_id, -1), rank[mentor_id])
            if best is None or key < best:
                best, chosen = key, mentor_id
        if best is not None:
            mentor_id = chosen
            total += row_scores[mentor_id] + terms[mentor_id][capacity[mentor_id] - left[mentor_id]]
            left[mentor_id] -= 1
            given[mentor_id] = row
            pairs.append((row, mentor_id))
    return pairs, float(total)


# --------------------------------------------------------------------------- the engine


class _Problem:
    """A round as numbers: `micro[i, j]` the score in millionths of request i with mentor j (`INELIGIBLE32`
    where not eligible), `capacity[j]` mentor j's free places, and `places` (optional, `PoolScores.places`) what
    a pair scores at each of those places beyond `micro`: ``capacity[j]`` entries per column, in column order,
    never rising (0 for all when None). The objective of every solver here is the same: maximise the sum over
    chosen pairs of `_FEASIBLE_MICRO + micro`, plus each column's first ``k`` place terms when it is given ``k``
    rows (as many requests as possible, then the best total score; a column's places are taken in order, each
    later one scoring no more, so giving a column one more row costs its next place term). `groups` (optional,
    `PoolScores.groups`) names rows that are equal: what is computed per row (each row's best pairs, the proof's
    check) is then computed once per distinct row; the grouping is checked against the matrix first, and a row
    that differs from its group's is its own group.

    Among plans of equal objective, `optimal` takes one whose places come early in fair rotation's order of places
    (`_in_rotation`: each column's first place before any column's second, and so on, then column order: with
    columns in fair rotation's order, the mentor live matching would offer first), and `greedy` breaks ties as live
    matching does."""

    def __init__(
        self, micro: Int32Array, capacity: IntArray, groups: IntArray | None = None, places: IntArray | None = None
    ) -> None:
        import numpy as np

        self.micro = micro
        self.capacity = capacity
        self.n_rows, self.n_cols = micro.shape
        self.groups = groups
        self._rows_best: tuple[IntArray, IntArray, Int32Array, BoolArray] | None = None
        self._grouped: tuple[IntArray, IntArray] | None = None
        free = np.maximum(capacity.astype(np.int64), 0)
        self.first_place = (np.cumsum(free) - free).astype(np.int64)
        self.places = _checked_places(free, places)

    def place_total(self, match: IntArray) -> int:
        """The sum of the place terms `match` uses (each column's first ``k`` when it is given ``k`` rows)."""
        import numpy as np

        load = np.bincount(match[match >= 0], minlength=self.n_cols)
        used = np.arange(len(self.places)) - np.repeat(self.first_place, np.maximum(self.capacity, 0))
        return int(self.places[used < np.repeat(load, np.maximum(self.capacity, 0))].sum())

    def _grouping(self) -> tuple[IntArray, IntArray]:
        """(each row's group, each group's first row), with every row of a group equal to that first row: checked
        here over the whole matrix, so that nothing proved with the groups depends on how they were made."""
        import numpy as np

        if self._grouped is None:
            n = self.n_rows
            if self.groups is None:
                self._grouped = np.arange(n, dtype=np.int64), np.arange(n, dtype=np.int64)
                return self._grouped
            _, first, of_row = np.unique(self.groups, return_index=True, return_inverse=True)
            of_row = of_row.astype(np.int64).reshape(n)
            first = first.astype(np.int64)
            same = np.empty(n, dtype=bool)
            for lo in range(0, n, _CHUNK):
                hi = min(n, lo + _CHUNK)
                same[lo:hi] = (self.micro[lo:hi] == self.micro[first[of_row[lo:hi]]]).all(axis=1)
            differ = np.flatnonzero(~same)
            of_row[differ] = len(first) + np.arange(len(differ))
            self._grouped = of_row, np.concatenate([first, differ])
        return self._grouped

    def _row_lists(self) -> tuple[IntArray, IntArray, Int32Array, BoolArray]:
        """Each row's pairs scoring at least its `_ROW_KEEP`-th best (ties included): rows, columns, values
        and whether the value is that threshold (computed once: greedy and the solver both start from it)."""
        if self._rows_best is None:
            self._rows_best = _at_least_kth(self.micro, _ROW_KEEP, self._grouping())
        return self._rows_best

    # ----------------------------------------------------------------------- first come, first served

    def greedy(self) -> IntArray:
        """First come, first served over the rows in order, as live matching offers: each takes its best column
        with a place left, a column's next place scoring the pair plus that place's term (`places`: the rows given
        so far hold places). Ties go to a column not given a row yet, the lowest first, then to the one given a row
        least recently (`rounds.greedy`). For each row, the column it took (-1: none)."""
        import numpy as np

        n = self.n_rows
        if n == 0 or self.n_cols == 0:
            return np.full(n, -1, dtype=np.int64)
        # A row looks down its list (value down, then column up) while a value could still reach the best place
        # score found (a place term is never positive). The list holds every pair at least as good as its last
        # one, so a best found at least that good is the row's best; else the row looks at its whole row.
        rows, cols, values, _ = self._row_lists()
        order = np.lexsort((cols, -values.astype(np.int64), rows))
        bounds = np.searchsorted(rows[order], np.arange(n + 1)).tolist()
        cols_list = cols[order].tolist()
        values_list = values[order].tolist()
        left = self.capacity.tolist()
        cap = self.capacity.tolist()
        terms = self.places.tolist()
        first = self.first_place.tolist()
        # The next place's term per column (0 for a full one), and a column's last row (-1: none yet).
        nxt = [terms[first[j]] if left[j] > 0 else 0 for j in range(self.n_cols)]
        given = [-1] * self.n_cols
        # Added to a row when its list does not settle it: the next place's term, and -2^30 on a full column, which
        # puts it below every open one (and cannot overflow: an ineligible -2^30 plus -2^30 is int32's lowest).
        adjust = np.where(self.capacity > 0, np.array(nxt, dtype=np.int32), INELIGIBLE32).astype(np.int32)
        row = np.empty(self.n_cols, dtype=np.int32)
        micro = self.micro
        match = [-1] * n
        places = sum(c for c in left if c > 0)
        for i in range(n):
            if places == 0:
                break  # every place is taken: no later row can take one
            taken, best, tie = -1, 0, 0
            lo, hi = bounds[i], bounds[i + 1]
            settled = False
            for t in range(lo, hi):
                value = values_list[t]
                if taken >= 0 and value < best:
                    settled = True
                    break
                j = cols_list[t]
                if left[j] <= 0:
                    continue
                score = value + nxt[j]
                if taken < 0 or score > best or (score == best and (given[j], j) < (tie, taken)):
                    taken, best, tie = j, score, given[j]
                    if score == value and tie < 0:
                        settled = True  # no later entry scores more, nor as much with a lower column
                        break
            if not settled and (taken < 0 or (hi > lo and best < values_list[hi - 1])):
                np.add(micro[i], adjust, out=row)
                taken = int(row.argmax())  # the lowest column of the best: the one, unless it was given a row
                top = int(row[taken])
                if top <= INELIGIBLE32 // 2:
                    taken = -1
                elif given[taken] >= 0:
                    taken = min(np.flatnonzero(row == top).tolist(), key=lambda j: (given[j], j))
            if taken >= 0:
                match[i] = taken
                places -= 1
                left[taken] -= 1
                given[taken] = i
                if left[taken] == 0:
                    nxt[taken] = 0
                    adjust[taken] = INELIGIBLE32
                else:
                    nxt[taken] = terms[first[taken] + cap[taken] - left[taken]]
                    adjust[taken] = nxt[taken]
        return np.array(match, dtype=np.int64)

    # ----------------------------------------------------------------------- the oldest requests first

    def oldest_first(self) -> IntArray:
        """An assignment of the most requests that can be matched together, the oldest first: row after row in
        order (oldest first), a row is added when it can be matched together with those added before, moving
        them among their mentors if need be (an augmenting path), else never. The rows that can be matched
        together form a matroid, so this greedy choice is exact: as many rows as any assignment matches, and no
        row left out for a younger one. For each row, the column it is assigned (-1: none); which of a row's
        mentors it got is for `optimal` to decide.

        A row with an eligible mentor who has a place takes it. Otherwise a search goes, a layer at a time (whole
        rows of the matrix at once), from the row to its mentors, from those (all full) to the rows they hold,
        from those to their other mentors, until a mentor with a place is found. The mentors a search that fails
        has reached can never reach a place later (they stay full, and their rows have no mentor outside them),
        so no later search enters them again.
        """
        import numpy as np

        n, m = self.n_rows, self.n_cols
        match = np.full(n, -1, dtype=np.int64)
        if n == 0 or m == 0:
            return match
        threshold = INELIGIBLE32 // 2
        free = np.maximum(self.capacity.astype(np.int64), 0)
        left = free.copy()
        places = int(left.sum())
        held: list[list[int]] = [[] for _ in range(m)]
        closed = np.zeros(m, dtype=bool)  # reached by a search that failed: never worth entering again
        for start in range(n):
            if places == 0:
                break  # every place is taken: no later row can be added
            row = self.micro[start]
            open_now = np.flatnonzero((row > threshold) & (left > 0))
            if len(open_now):
                # The best of them at their next place, as first come first served would: `optimal` then starts
                # near its answer.
                at_next = self.places[self.first_place[open_now] + free[open_now] - left[open_now]]
                j = int(open_now[(row[open_now] + at_next).argmax()])
                match[start] = j
                held[j].append(start)
                left[j] -= 1
                places -= 1
                continue
            reached = closed.copy()
            came = np.full(m, -1, dtype=np.int64)  # the row through which each mentor was reached
            frontier = np.array([start], dtype=np.int64)
            found = -1
            while len(frontier) and found < 0:
                rows_ok = self.micro[frontier] > threshold
                new = np.flatnonzero(rows_ok.any(axis=0) & ~reached)
                if len(new) == 0:
                    break
                came[new] = frontier[rows_ok[:, new].argmax(axis=0)]
                reached[new] = True
                open_new = new[left[new] > 0]
                if len(open_new):
                    found = int(open_new[0])
                    break
                frontier = np.array([i for j in new.tolist() for i in held[j]], dtype=np.int64)
            if found < 0:
                closed |= reached
                continue
            # Along the path back to `start`: each row takes the mentor it reached, leaving its previous one.
            j = found
            left[j] -= 1
            places -= 1
            while True:
                i = int(came[j])
                previous = int(match[i])
                match[i] = j
                held[j].append(i)
                if previous < 0:
                    break
                held[previous].remove(i)
                j = previous
        return match

    # ----------------------------------------------------------------------- the optimum

    def optimal(self, seed: IntArray | None = None) -> IntArray:
        """For each row, the column it is assigned (-1: none), maximising matches then total score over the
        WHOLE problem; `seed` (row → column, -1: none; a greedy assignment) names pairs to start from too.

        The assignment is solved on a subset of the pairs (each request's best few mentors, each mentor's
        best requests, the seed), then proved optimal for every pair: potentials (shortest distances in the
        residual graph of the subset's solution, `_potentials`) must leave no eligible pair of the whole
        matrix with a positive reduced gain (`_violations`). Pairs that have one could improve the solution:
        the best of them are added and the subset is solved again.

        Of the optimal assignments, one fair rotation prefers (`_in_rotation`): the proved optimum is moved, along
        exchanges that change nothing of its value, to places earlier in rotation's order.
        """
        import numpy as np

        n = self.n_rows
        if n == 0 or self.n_cols == 0 or not (self.capacity > 0).any():
            return np.full(n, -1, dtype=np.int64)
        found = self._optimum(seed)
        if found is None:  # pragma: no cover - never expected (see `_optimum`)
            return self.solve_whole()
        match, dist = found
        return self._in_rotation(match, dist)

    def _optimum(self, seed: IntArray | None) -> tuple[IntArray, IntArray] | None:
        """`optimal`'s assignment and potentials proving it (feasible on every arc of its residual graph over
        the WHOLE matrix); None if the repair rounds run out (never expected)."""
        import numpy as np

        n = self.n_rows
        rows, cols = self._initial(seed)
        if len(rows) == 0:
            return np.full(n, -1, dtype=np.int64), np.zeros(n + self.n_cols + 1, dtype=np.int64)
        # When the seed fills every free place, so can every subset (each holds the seed's pairs): the solver
        # then needs no "unfilled" placeholders (a smaller problem, ~40 % faster), and every solution fills
        # every place, so the most matches is given and the best score is what is left to maximise.
        fills = seed is not None and bool((np.bincount(seed[seed >= 0], minlength=self.n_cols) >= self.capacity).all())
        dist: IntArray | None = None
        for _ in range(_MAX_ROUNDS_OF_REPAIR):
            gain = self.micro[rows, cols].astype(np.int64) + _FEASIBLE_MICRO
            match = _solve_pairs(n, self.capacity, rows, cols, gain, fills=fills, places=self.places)
            dist = _potentials(n, self.capacity, rows, cols, gain, match, start=dist, places=self.places)
            more_rows, more_cols = self._violations(dist, match)
            if len(more_rows) == 0:
                return match, dist
            if len(more_rows) <= _REPAIR_LIMIT:
                repaired = self._repair(rows, cols, gain, match, dist, more_rows, more_cols)
                if repaired is not None:
                    return repaired
            rows = np.concatenate([rows, more_rows])
            cols = np.concatenate([cols, more_cols])
        return None  # pragma: no cover - never expected: the caller solves every pair at once (slower, still exact)

    def _repair(
        self,
        rows: IntArray,
        cols: IntArray,
        gain: IntArray,
        match: IntArray,
        dist: IntArray,
        more_rows: IntArray,
        more_cols: IntArray,
    ) -> tuple[IntArray, IntArray] | None:
        """`match` made optimal for the WHOLE problem from its potentials `dist` (feasible on the pairs `rows`,
        `cols`), without solving again: the violating pairs `more_rows`, `more_cols` are added one at a time
        (`_Repair.add`: a shortest path in reduced costs either proves the pair useless or closes an improving
        cycle through it, and the potentials stay feasible), then the whole matrix is checked again, until no
        pair violates. Every answer is proved as in `optimal`: the potentials are checked on every arc of the
        final residual graph (`_feasible`, independent of the repair's own bookkeeping) and on every other pair
        (`_violations`). Returns the assignment and its potentials; None when more than `_REPAIR_LIMIT` pairs
        violate at some point, or after `_MAX_ROUNDS_OF_REPAIR` checks: the caller then solves again with the pairs
        added."""
        import numpy as np

        repair = _Repair(self.n_rows, self.capacity, rows, cols, gain, match, dist, places=self.places)
        for _ in range(_MAX_ROUNDS_OF_REPAIR):
            more_gain = self.micro[more_rows, more_cols].astype(np.int64) + _FEASIBLE_MICRO
            for r, c, g in zip(more_rows.tolist(), more_cols.tolist(), more_gain.tolist(), strict=True):
                repair.add(r, c, g)
            rows = np.concatenate([rows, more_rows])
            cols = np.concatenate([cols, more_cols])
            gain = np.concatenate([gain, more_gain])
            match, dist = repair.result()
            if not _feasible(
                self.n_rows, self.capacity, rows, cols, gain, match, dist, places=self.places
            ):  # pragma: no cover
                return None  # never expected: the repair's potentials must be feasible (proved in tests)
            more_rows, more_cols = self._violations(dist, match)
            if len(more_rows) == 0:
                return match, dist
            if len(more_rows) > _REPAIR_LIMIT:
                return None
        return None  # pragma: no cover - never expected

    def solve_whole(self) -> IntArray:
        """The optimum by the sparse solver on every eligible pair at once, no subset and no proof: the
        reference for tests and benchmarks (memory and time grow with the number of pairs)."""
        import numpy as np

        rows, cols = np.nonzero(self.micro != INELIGIBLE32)
        if len(rows) == 0 or not (self.capacity > 0).any():
            return np.full(self.n_rows, -1, dtype=np.int64)
        gain = self.micro[rows, cols].astype(np.int64) + _FEASIBLE_MICRO
        return _solve_pairs(self.n_rows, self.capacity, rows, cols, gain, places=self.places)

    def _in_rotation(self, match: IntArray, dist: IntArray) -> IntArray:
        """`match` (optimal, proved by the potentials `dist`: feasible on every arc of its residual graph over the
        WHOLE matrix, `_residual_arcs`) moved to places as early as it can go in fair rotation's order of places
        without losing anything of its value: place k of column j (counted from 0) comes at ``k × n_cols + j``,
        every column's first place before any column's second (live matching gives a mentor a second offer only
        when nobody as good is without one), then column order (fair rotation's, `_rotation`). So equally good
        mentors share the requests as live matching would share them, the first in rotation getting the extra ones.

        An exchange that keeps the value is a cycle of tight arcs (reduced cost 0 under `dist`) through z: column a
        gives back its last place, one of its rows moves to a column whose row moves on, ..., until column j takes
        its next place. Applied, it leaves `dist` feasible (the reversed arcs are tight, and a place arc it opens
        costs no less than the one it used: the place terms never rise), so the result is still proved optimal.
        Rows move only along tight pairs, so the tight pairs of the rows that can move (those on a tight pair) are
        found once, over the whole matrix. Then for each column's next place, in rotation's order, a search
        backwards over them (`_Rotation._tight_path`) looks for a column whose last place comes later; found, the
        exchange is applied. The columns a failed search reached are not entered again until an exchange changes
        the graph (none of them holds such a place, nor can reach one). Passes repeat while they move something,
        at most `_ROTATION_PASSES`."""
        import numpy as np

        n, m = self.n_rows, self.n_cols
        matched = match >= 0
        if not matched.any():
            return match
        free = np.maximum(self.capacity.astype(np.int64), 0)
        load = np.bincount(match[matched], minlength=m).astype(np.int64)
        z = n + m
        terms = np.concatenate([self.places, [0]])  # a last 0: the index of a column with no place to look at
        # Whether a column's arc to z (taking its next place) and from z (giving back its last) are tight.
        col_dist = dist[n:z]
        take_term = terms[np.where(load < free, self.first_place + load, len(self.places))]
        give_term = terms[np.where(load > 0, self.first_place + load - 1, len(self.places))]
        takes = (load < free) & (col_dist - take_term == dist[z])
        gives = (load > 0) & (give_term + dist[z] == col_dist)
        if not takes.any() or not gives.any():
            return match
        every = np.arange(m, dtype=np.int64)
        if int(((load - 1) * m + every)[gives].max()) <= int((load * m + every)[takes].min()):
            return match  # every place that could be given back comes before every place that could be taken

        # The rows on a tight pair (only they can move), and every tight pair of theirs, by column.
        row_part = dist[:n].astype(np.int64)
        col_part = col_dist.astype(np.int64) + _FEASIBLE_MICRO
        held = np.flatnonzero(matched)
        own = self.micro[held, match[held]].astype(np.int64)
        movable = held[own + col_part[match[held]] == row_part[held]]
        tight_rows: list[IntArray] = []
        tight_cols: list[IntArray] = []
        for lo in range(0, len(movable), _CHUNK):
            rows = movable[lo : lo + _CHUNK]
            block = self.micro[rows]
            tight = (block != INELIGIBLE32) & (block.astype(np.int64) + col_part[None, :] == row_part[rows][:, None])
            r, c = np.nonzero(tight)
            tight_rows.append(rows[r])
            tight_cols.append(c)
        pair_rows = np.concatenate(tight_rows) if tight_rows else np.zeros(0, dtype=np.int64)
        pair_cols = np.concatenate(tight_cols) if tight_cols else np.zeros(0, dtype=np.int64)
        order = np.argsort(pair_cols, kind="stable")
        into: list[int] = pair_rows[order].tolist()
        bounds: list[int] = np.searchsorted(pair_cols[order], np.arange(m + 1)).tolist()

        state = _Rotation(
            match.tolist(), load.tolist(), takes.tolist(), gives.tolist(), into, bounds, self, col_dist, int(dist[z])
        )
        for _ in range(_ROTATION_PASSES):
            if not state.one_pass():
                break
        return np.array(state.match, dtype=np.int64)

    def _initial(self, seed: IntArray | None) -> tuple[IntArray, IntArray]:
        """The starting pairs, without repeats: each row's `_ROW_KEEP` best, each column's best-scoring rows (at
        most `_COL_KEEP` × its free places of them), and the seed's pairs. Ties at a row's threshold (and among
        a column's best) are taken in an order rotated per row (per column), so that rows with equal values
        spread over the tied columns instead of all asking the first."""
        import numpy as np

        n, m = self.n_rows, self.n_cols
        rows, cols, _, tie = self._row_lists()
        rows, cols = _cap_ties(rows, cols, tie, _ROW_KEEP, n, m)
        parts_rows, parts_cols = [rows], [cols]
        if _COL_KEEP:
            # Over each group's first row only: every row equals it (`_grouping`).
            first = self._grouping()[1]
            best = np.full(m, INELIGIBLE32, dtype=np.int32)
            for lo in range(0, len(first), _CHUNK):
                np.maximum(best, self.micro[first[lo : lo + _CHUNK]].max(axis=0), out=best)
            # A column with no eligible pair looks for INELIGIBLE32 + 1, which no pair has.
            best[best == INELIGIBLE32] = INELIGIBLE32 + 1
            best_rows, best_cols = np.nonzero(self.micro == best[None, :])
            at_best = np.ones(len(best_rows), dtype=bool)
            best_cols, best_rows = _cap_ties(best_cols, best_rows, at_best, 0, m, n, keep_per=_COL_KEEP * self.capacity)
            parts_rows.append(best_rows)
            parts_cols.append(best_cols)
        if seed is not None:
            chosen = np.flatnonzero(seed >= 0)
            parts_rows.append(chosen)
            parts_cols.append(seed[chosen])
        key = np.unique(np.concatenate(parts_rows).astype(np.int64) * m + np.concatenate(parts_cols))
        return key // m, key % m

    def _violations(self, dist: IntArray, match: IntArray) -> tuple[IntArray, IntArray]:
        """Pairs of the whole matrix with a positive reduced gain under the potentials `dist` (rows, then
        columns, then the merged source/sink), other than `match`'s own: the best `_REPAIR_KEEP` per row and
        per column. None: `match` is optimal for every pair."""
        import numpy as np

        n, m = self.n_rows, self.n_cols
        # Reduced gain of (i, j): F + micro - dist[i] + dist[n + j] > 0  ⇔  micro + (dist[n + j] + F) > dist[i].
        row_part = dist[:n]
        col_part = dist[n : n + m] + _FEASIBLE_MICRO
        # In int32 when it cannot overflow (scores and potentials are a few million): half the memory traffic.
        # An ineligible pair's -2^30 plus a column part stays below every row part, so it never shows up.
        small = max(int(np.abs(row_part).max()), int(np.abs(col_part).max())) < _SMALL
        dtype = np.int32 if small else np.int64
        row_t = row_part.astype(dtype)[:, None]
        col_t = col_part.astype(dtype)[None, :]
        # First once per group of equal rows: the most `micro + column part` reaches in the group's row (over
        # eligible pairs). Only a row whose own part is below it can have a violating pair.
        of_row, first = self._grouping()
        suspects = np.arange(n)
        if len(first) < n:
            reach = np.empty(len(first), dtype=dtype)
            for lo in range(0, len(first), _CHUNK):
                block = self.micro[first[lo : lo + _CHUNK]]
                sums = np.add(block, col_t, dtype=dtype)
                if not small:
                    sums[block == INELIGIBLE32] = np.iinfo(dtype).min
                reach[lo : lo + _CHUNK] = sums.max(axis=1)
            suspects = np.flatnonzero(np.greater(reach[of_row], row_t[:, 0]))
        found_rows: list[IntArray] = []
        found_cols: list[IntArray] = []
        for lo in range(0, len(suspects), _CHUNK):
            rows = suspects[lo : lo + _CHUNK]
            block = self.micro[rows]
            over = np.add(block, col_t, dtype=dtype) > row_t[rows]
            if not small:
                over &= block != INELIGIBLE32
            r, c = np.nonzero(over)
            found_rows.append(rows[r])
            found_cols.append(c)
        if not found_rows:
            nothing = np.zeros(0, dtype=np.int64)
            return nothing, nothing
        r, c = np.concatenate(found_rows), np.concatenate(found_cols)
        other = match[r] != c  # a matched pair's reduced gain is never positive; kept out all the same
        r, c = r[other], c[other]
        if len(r) == 0:
            return r, c
        reduced = self.micro[r, c].astype(np.int64) + col_part[c] - row_part[r]
        pick = np.union1d(_best_per_group(r, reduced, _REPAIR_KEEP), _best_per_group(c, reduced, _REPAIR_KEEP))
        return r[pick], c[pick]


class _Rotation:
    """`_Problem._in_rotation`'s state while it moves an optimum to earlier places: the assignment, each column's
    load and whether its arcs to and from z are tight, and the tight pairs of the rows that can move (`into`: the
    rows that can move into column c are ``into[bounds[c] : bounds[c + 1]]``)."""

    def __init__(
        self,
        match: list[int],
        load: list[int],
        takes: list[bool],
        gives: list[bool],
        into: list[int],
        bounds: list[int],
        problem: _Problem,
        col_dist: IntArray,
        z_dist: int,
    ) -> None:
        self.match, self.load, self.takes, self.gives = match, load, takes, gives
        self.into, self.bounds = into, bounds
        self.m = problem.n_cols
        self.free = [max(0, c) for c in problem.capacity.tolist()]
        self.first = problem.first_place.tolist()
        self.terms = problem.places.tolist()
        self.col_dist = col_dist.tolist()
        self.z_dist = z_dist

    def _arcs(self, c: int) -> None:
        """Whether column c's arcs to and from z are tight, after its load changed."""
        load, first = self.load[c], self.first[c]
        self.takes[c] = load < self.free[c] and self.col_dist[c] - self.terms[first + load] == self.z_dist
        self.gives[c] = load > 0 and self.terms[first + load - 1] + self.z_dist == self.col_dist[c]

    def one_pass(self) -> bool:
        """Each column's next place, in rotation's order, taken from a column whose last place comes later when an
        exchange of equal value allows it. Whether anything moved."""
        m, into, bounds, match = self.m, self.into, self.bounds, self.match
        targets = sorted(self.load[j] * m + j for j in range(m) if self.takes[j])
        # The latest place that could be given back: exchanges only ever give back places earlier than it.
        last = max(((self.load[a] - 1) * m + a for a in range(m) if self.gives[a]), default=-1)
        closed = bytearray(m)
        moved = False
        for at in targets:
            if at >= last:
                break
            j = at % m
            if not self.takes[j] or self.load[j] * m + j != at:
                continue
            if all(match[i] == j for i in into[bounds[j] : bounds[j + 1]]):
                continue  # no row could move into j
            donor, path, reached = self._tight_path(j, at, closed)
            if donor < 0:
                for c in reached:
                    closed[c] = 1
                continue
            for row, column in path:
                self.match[row] = column
            self.load[j] += 1
            self.load[donor] -= 1
            self._arcs(j)
            self._arcs(donor)
            closed = bytearray(m)
            moved = True
        return moved

    def _tight_path(self, j: int, at: int, closed: bytearray) -> tuple[int, list[tuple[int, int]], list[int]]:
        """From column j backwards over tight pairs, a layer at a time (the rows that could move into the columns
        reached, then the columns they would leave), until a column whose arc from z is tight and whose last place
        comes after `at` is reached (of a layer's, the one whose last place comes latest). Returns that column (-1:
        none), the moves (row, column it moves to) from its row to j's, and the columns reached."""
        m, match, into, bounds = self.m, self.match, self.into, self.bounds
        seen = {j}
        came: dict[int, tuple[int, int]] = {}
        frontier = [j]
        while frontier:
            layer: list[int] = []
            for c in frontier:
                for i in into[bounds[c] : bounds[c + 1]]:
                    a = match[i]
                    if a == c or a in seen or closed[a]:
                        continue
                    seen.add(a)
                    came[a] = (i, c)
                    layer.append(a)
            donors = [a for a in layer if self.gives[a] and (self.load[a] - 1) * m + a > at]
            if donors:
                donor = max(donors, key=lambda a: (self.load[a] - 1) * m + a)
                path: list[tuple[int, int]] = []
                column = donor
                while column != j:
                    row, to = came[column]
                    path.append((row, to))
                    column = to
                return donor, path, list(seen)
            frontier = layer
        return -1, [], list(seen)


def _at_least_kth(
    matrix: Int32Array, keep: int, grouping: tuple[IntArray, IntArray]
) -> tuple[IntArray, IntArray, Int32Array, BoolArray]:
    """For each row of `matrix`, its eligible entries at least as large as its `keep`-th largest (all of
    them when the row has no more than `keep`): (rows, columns, values, at threshold), by row then column.
    `grouping` (`_Problem._grouping`: equal rows share a group): the entries are found once per group.

    Without sorting or partitioning whole rows: split a row's columns into `_BLOCKS_PER_KEPT` × `keep` blocks; the
    `keep` largest block maxima are different entries, so the `keep`-th largest of the maxima is at most the row's
    `keep`-th largest entry. Only the entries at least that large can matter, and the threshold is exact among
    them. Several blocks per kept entry keep that bound close even when some blocks hold nothing eligible."""
    import numpy as np

    n, m = matrix.shape
    of_row, first = grouping
    floor = INELIGIBLE32 + 1  # eligible entries only
    blocks = min(m, _BLOCKS_PER_KEPT * keep)
    starts = (np.arange(blocks, dtype=np.int64) * m) // blocks if keep < m else None
    per_group = np.full(len(first), floor, dtype=np.int32)
    parts: list[tuple[IntArray, IntArray, Int32Array]] = []
    # A chunk of groups at a time (each chunk holds whole groups), so what is looked at stays one chunk's size.
    for lo in range(0, len(first), _CHUNK):
        block = matrix[first[lo : lo + _CHUNK]]
        if starts is None:
            bound = np.full(len(block), floor, dtype=np.int32)
        else:
            maxima = np.maximum.reduceat(block, starts, axis=1)
            bound = np.maximum(np.partition(maxima, blocks - keep, axis=1)[:, blocks - keep], floor)
        r, c = np.nonzero(block >= bound[:, None])
        v = block[r, c]
        if starts is not None and len(r):
            # Each group's threshold: its keep-th largest candidate (the floor when it has fewer than keep).
            count = np.bincount(r, minlength=len(block))
            begin = np.cumsum(count) - count
            full = count >= keep
            ordered = v[np.lexsort((-v.astype(np.int64), r))]
            per_group[lo : lo + len(block)][full] = ordered[begin[full] + keep - 1]
        chosen = v >= per_group[lo + r]  # still by group, then column (`nonzero`'s order)
        parts.append((r[chosen].astype(np.int64) + lo, c[chosen].astype(np.int64), v[chosen]))
    group = np.concatenate([part[0] for part in parts]) if parts else np.zeros(0, dtype=np.int64)
    cols = np.concatenate([part[1] for part in parts]) if parts else np.zeros(0, dtype=np.int64)
    values = np.concatenate([part[2] for part in parts]) if parts else np.zeros(0, dtype=np.int32)
    # Every row gets its group's entries, in row order (with as few arrays of the result's length as can be).
    if len(first) == n and np.array_equal(of_row, np.arange(n)):
        rows = group  # every row its own group: already by row, then column
    else:
        count = np.bincount(group, minlength=len(first))
        per_row = count[of_row]
        rows = np.repeat(np.arange(n, dtype=np.int64), per_row)
        at = np.arange(len(rows), dtype=np.int64)
        at += np.repeat((np.cumsum(count) - count)[of_row] - (np.cumsum(per_row) - per_row), per_row)
        cols, values = cols[at], values[at]
        del at
    return rows, cols, values, values == per_group[of_row][rows]


def _cap_ties(
    rows: IntArray,
    cols: IntArray,
    tie: BoolArray,
    keep: int,
    n: int,
    m: int,
    keep_per: IntArray | None = None,
) -> tuple[IntArray, IntArray]:
    """Of `_at_least_kth`'s entries, each row's above its threshold and as many at the threshold as make `keep`
    (or ``keep_per[row]``), taken in a column order rotated per row (row i starts at column i × a large odd
    step, modulo m)."""
    import numpy as np

    above = np.bincount(rows[~tie], minlength=n)
    limit = (keep_per if keep_per is not None else np.full(n, keep, dtype=np.int64)) - above
    tie_rows, tie_cols = rows[tie], cols[tie]
    rotated = (tie_cols - tie_rows * _SPREAD) % m
    order = np.lexsort((rotated, tie_rows))
    ordered = tie_rows[order]
    rank = np.arange(len(order)) - np.searchsorted(ordered, ordered, side="left")
    chosen = order[rank < limit[ordered]]
    return np.concatenate([rows[~tie], tie_rows[chosen]]), np.concatenate([cols[~tie], tie_cols[chosen]])


def _best_per_group(group: IntArray, key: IntArray, keep: int) -> IntArray:
    """Positions of the `keep` largest `key` values within each `group` value (ties: first position)."""
    import numpy as np

    order = np.lexsort((-key, group))
    ordered = group[order]
    rank = np.arange(len(order)) - np.searchsorted(ordered, ordered, side="left")
    return np.sort(order[rank < keep])


def _solve_pairs(
    n_rows: int,
    capacity: IntArray,
    rows: IntArray,
    cols: IntArray,
    gain: IntArray,
    *,
    fills: bool = False,
    places: IntArray | None = None,
) -> IntArray:
    """Optimal on the given pairs (scipy's sparse Jonker–Volgenant solver): rows of the sparse problem are
    the columns' free places (each with its own "unfilled" column), columns are the rows plus those
    placeholders; a pair at a place gains its `gain` plus the place's term (`_Problem.places`; never rising, so
    an optimum takes a column's places in order). With `fills` (the pairs are known to admit an assignment filling
    every place), no placeholders. For each row, its column (-1: none)."""
    import numpy as np
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import min_weight_full_bipartite_matching

    n_cols = len(capacity)
    cap = capacity
    n_slots = int(cap.sum())
    slot_start = np.concatenate([[0], np.cumsum(cap)[:-1]])
    per_pair = cap[cols]
    pair_index = np.repeat(np.arange(len(rows)), per_pair)
    offset = np.arange(len(pair_index)) - np.repeat(np.cumsum(per_pair) - per_pair, per_pair)
    slot = slot_start[cols[pair_index]] + offset
    # Costs are positive integers (exact in float64): `top - gain - place term` for a pair at a place (a term is
    # never above 0), `top` to leave a place unfilled.
    top = float(2 * _FEASIBLE_MICRO + int(gain.max()))
    cost = top - gain[pair_index].astype(np.float64)
    if places is not None and len(places):
        cost -= places[slot].astype(np.float64)
    if fills:
        graph = csr_matrix((cost, (slot, rows[pair_index])), shape=(n_slots, n_rows))
    else:
        cost = np.concatenate([cost, np.full(n_slots, top)])
        graph_rows = np.concatenate([slot, np.arange(n_slots)])
        graph_cols = np.concatenate([rows[pair_index], n_rows + np.arange(n_slots)])
        graph = csr_matrix((cost, (graph_rows, graph_cols)), shape=(n_slots, n_rows + n_slots))
    slot_rows, assigned = min_weight_full_bipartite_matching(graph)
    real = assigned < n_rows
    owner = np.repeat(np.arange(n_cols), cap)
    match = np.full(n_rows, -1, dtype=np.int64)
    match[assigned[real]] = owner[slot_rows[real]]
    return match


def _residual_arcs(
    n_rows: int,
    capacity: IntArray,
    rows: IntArray,
    cols: IntArray,
    gain: IntArray,
    match: IntArray,
    places: IntArray | None = None,
) -> tuple[IntArray, IntArray, IntArray]:
    """The residual graph of `match` over the given pairs, as arrays (tail, head, cost): nodes are the rows, the
    columns (``n_rows + j``) and one merged source/sink z (the last node); a matched pair is an arc column → row of
    cost +gain, any other pair an arc row → column of cost −gain; an unmatched row has an arc z → row, a matched
    row row → z (both of cost 0); a column with a free place has an arc column → z of cost −(its next place's
    term), a column with a matched row z → column of cost +(its last place's term) (`_Problem.places`: taking a
    place gains its term, giving one back loses it; 0 when None)."""
    import numpy as np

    n, m = n_rows, len(capacity)
    z = n + m
    matched_pair = match[rows] == cols
    matched_row = match >= 0
    load = np.bincount(match[matched_row], minlength=m)
    free_cols = np.flatnonzero(load < capacity)
    used_cols = np.flatnonzero(load > 0)
    if places is not None and len(places):
        free = np.maximum(capacity, 0)
        first = np.cumsum(free) - free
        take = -places[first[free_cols] + load[free_cols]]
        give_back = places[first[used_cols] + load[used_cols] - 1]
    else:
        take = np.zeros(len(free_cols), dtype=np.int64)
        give_back = np.zeros(len(used_cols), dtype=np.int64)
    unmatched = np.flatnonzero(~matched_row)
    matched = np.flatnonzero(matched_row)
    tail = np.concatenate(
        [
            np.where(matched_pair, n + cols, rows),
            np.full(len(unmatched), z),
            matched,
            n + free_cols,
            np.full(len(used_cols), z),
        ]
    )
    head = np.concatenate(
        [
            np.where(matched_pair, rows, n + cols),
            unmatched,
            np.full(len(matched), z),
            np.full(len(free_cols), z),
            n + used_cols,
        ]
    )
    cost = np.concatenate(
        [
            np.where(matched_pair, gain, -gain),
            np.zeros(len(unmatched) + len(matched), dtype=np.int64),
            take.astype(np.int64),
            give_back.astype(np.int64),
        ]
    )
    return tail, head, cost


def _feasible(
    n_rows: int,
    capacity: IntArray,
    rows: IntArray,
    cols: IntArray,
    gain: IntArray,
    match: IntArray,
    dist: IntArray,
    places: IntArray | None = None,
) -> bool:
    """Whether `dist` is a feasible potential of `match`'s residual graph over the given pairs
    (``dist[head] <= dist[tail] + cost`` on every arc, `_residual_arcs`): then no cycle of that graph is negative,
    i.e. no exchange among these pairs improves `match`."""
    import numpy as np

    tail, head, cost = _residual_arcs(n_rows, capacity, rows, cols, gain, match, places)
    return bool(np.all(dist[head] <= dist[tail] + cost))


def _potentials(
    n_rows: int,
    capacity: IntArray,
    rows: IntArray,
    cols: IntArray,
    gain: IntArray,
    match: IntArray,
    start: IntArray | None = None,
    places: IntArray | None = None,
) -> IntArray:
    """Potentials of the residual graph of `match` over the given pairs (`_residual_arcs`). Returns `dist` with
    ``dist[head] <= dist[tail] + cost`` on every arc (Bellman–Ford from `start`, default all 0: label-correcting
    from any finite start ends at such a fixpoint, and it exists exactly when `match` is optimal on the pairs,
    i.e. the graph has no negative cycle)."""
    import numpy as np

    z = n_rows + len(capacity)
    tail, head, cost = _residual_arcs(n_rows, capacity, rows, cols, gain, match, places)
    order = np.argsort(head, kind="stable")
    tail, head, cost = tail[order], head[order], cost[order]
    targets, starts = np.unique(head, return_index=True)
    dist = np.zeros(z + 1, dtype=np.int64) if start is None else np.minimum(start, 0)
    for _ in range(z + 2):
        best = np.minimum.reduceat(dist[tail] + cost, starts)
        improved = best < dist[targets]
        if not improved.any():
            return dist
        dist[targets[improved]] = best[improved]
    raise RuntimeError("residual graph has a negative cycle: the subset's solution is not optimal")


class _Repair:
    """An optimal assignment over a set of pairs, kept optimal while pairs are added one at a time.

    The state is the assignment and potentials `pot` of its residual graph (`_residual_arcs`: rows, columns
    ``n + j`` and the merged source/sink ``z = n + m``) with every reduced cost ``cost + pot[tail] - pot[head]``
    non-negative. Adding a pair (i, j) adds the arc i → j of cost −gain; when its reduced cost is negative, a
    shortest path from j back to i in reduced costs (Dijkstra, stopped at distance −reduced) either does not
    exist (the pair cannot improve anything: potentials are raised along the search so that the arc becomes
    feasible) or closes a negative cycle, which is applied to the assignment (an exchange along the cycle)
    while the potentials keep every arc, old and reversed, feasible: the textbook successive-shortest-path step.
    A column's arcs to and from z cost its next and last place's terms (`_residual_arcs`); the terms never rise, so
    the arc a column's load change opens costs no less than the one the cycle used, and stays feasible too.
    """

    def __init__(
        self,
        n_rows: int,
        capacity: IntArray,
        rows: IntArray,
        cols: IntArray,
        gain: IntArray,
        match: IntArray,
        dist: IntArray,
        places: IntArray | None = None,
    ) -> None:
        self.n = n_rows
        self.z = n_rows + len(capacity)
        self.capacity = capacity.tolist()
        # Each column's place terms (`_Problem.places`), by the number of rows it holds.
        self._terms: list[list[int]] = []
        at = 0
        flat = places.tolist() if places is not None else []
        for count in self.capacity:
            count = max(0, count)
            self._terms.append(flat[at : at + count] if flat else [0] * count)
            at += count
        self.pot: list[int] = dist.tolist()
        self.match: list[int] = match.tolist()
        # Each row's pairs (column → gain), made into a dict only when the row is first reached: a search visits
        # a few thousand rows at most, and building them all costs more than the searches at 5,000 × 2,000.
        import numpy as np

        order = np.argsort(rows, kind="stable")
        self._cols: list[int] = cols[order].tolist()
        self._gains: list[int] = gain[order].tolist()
        self._bounds: list[int] = np.searchsorted(rows[order], np.arange(n_rows + 1)).tolist()
        self._pairs: dict[int, dict[int, int]] = {}
        self.assigned: list[set[int]] = [set() for _ in capacity]
        for i, j in enumerate(self.match):
            if j >= 0:
                self.assigned[j].add(i)
        self.unmatched = {i for i, j in enumerate(self.match) if j < 0}

    def result(self) -> tuple[IntArray, IntArray]:
        """The assignment (row → column, -1: none) and its potentials, as arrays."""
        import numpy as np

        return np.array(self.match, dtype=np.int64), np.array(self.pot, dtype=np.int64)

    def _row(self, i: int) -> dict[int, int]:
        """Row i's pairs: column → gain."""
        pairs = self._pairs.get(i)
        if pairs is None:
            lo, hi = self._bounds[i], self._bounds[i + 1]
            pairs = self._pairs[i] = dict(zip(self._cols[lo:hi], self._gains[lo:hi], strict=True))
        return pairs

    def _arcs(self, u: int) -> list[tuple[int, int]]:
        """The residual arcs leaving node `u`: (head, cost)."""
        n, z = self.n, self.z
        if u < n:
            own = self.match[u]
            out = [(n + c, -g) for c, g in self._row(u).items() if c != own]
            if own >= 0:
                out.append((z, 0))
            return out
        if u < z:
            j = u - n
            out = [(i, self._row(i)[j]) for i in self.assigned[j]]
            load = len(self.assigned[j])
            if load < self.capacity[j]:
                out.append((z, -self._terms[j][load]))
            return out
        out = [(i, 0) for i in self.unmatched]
        out.extend((n + j, self._terms[j][len(rows) - 1]) for j, rows in enumerate(self.assigned) if rows)
        return out

    def add(self, row: int, col: int, gain: int) -> None:
        """Add the pair (row, col) with its gain, keeping the assignment optimal and the potentials feasible."""
        import heapq

        n, z, pot = self.n, self.z, self.pot
        self._row(row)[col] = gain
        if self.match[row] == col:  # pragma: no cover - the check never reports a matched pair
            return
        reduced = -gain + pot[row] - pot[n + col]
        if reduced >= 0:
            return
        bound = -reduced
        source = n + col
        dist = {source: 0}
        before: dict[int, int] = {}
        done: dict[int, int] = {}
        heap = [(0, source)]
        found = False
        while heap:
            d, u = heapq.heappop(heap)
            if u in done:
                continue
            if d >= bound:
                break
            done[u] = d
            if u == row:
                found = True
                break
            base = d + pot[u]
            for v, cost in self._arcs(u):
                if v in done:
                    continue
                nd = base + cost - pot[v]
                if nd < dist.get(v, bound):
                    dist[v] = nd
                    before[v] = u
                    heapq.heappush(heap, (nd, v))
        # New potentials pot + min(d, D) - D (D: the distance of `row` when found, else the bound): every arc
        # keeps a non-negative reduced cost, and those of the path found become 0.
        top = done[row] if found else bound
        for u, d in done.items():
            pot[u] += d - top
        if not found:
            return
        # The cycle row → col ⇝ row: its arcs are reversed (applied to the assignment).
        cycle = [(row, source)]
        v = row
        while v != source:
            u = before[v]
            cycle.append((u, v))
            v = u
        for u, v in cycle:
            if n <= u < z and v < n:  # matched arc column → row: the row leaves the column
                self.assigned[u - n].discard(v)
                if self.match[v] == u - n:
                    self.match[v] = -1
        for u, v in cycle:
            if u < n and v == z:  # the row leaves the matching
                self.unmatched.add(u)
        for u, v in cycle:
            if u < n and n <= v < z:  # the row takes the column
                self.match[u] = v - n
                self.assigned[v - n].add(u)
                self.unmatched.discard(u)
            elif u == z and v < n:
                self.unmatched.discard(v)


def _checked_places(free: IntArray, places: IntArray | None) -> IntArray:
    """`_Problem`'s place terms: ``free[j]`` per column, none above 0, never rising within a column (zeros for
    None). The solvers rely on it: a column's places are then taken in order, and its next one costs the most."""
    import numpy as np

    total = int(free.sum())
    if places is None:
        return np.zeros(total, dtype=np.int64)
    places = np.asarray(places, dtype=np.int64)
    if places.shape != (total,):
        raise ValueError(f"{len(places)} place terms for {total} free places")
    later = np.ones(total, dtype=bool)
    later[(np.cumsum(free) - free)[free > 0]] = False  # each column's first place
    previous = np.concatenate([[0], places[:-1]])
    if (places > 0).any() or (later & (places > previous)).any():
        raise ValueError("place terms must never be above 0 nor rise within a column")
    return places


def _problem(pool: RoundPool, mentee_languages: Sequence[str], at: datetime) -> _Problem:
    """The pool as numbers: every pair's score in millionths (`matching.pool.pool_scores`: the floating-point
    operations of `score_candidate`, in its order), every mentor's free places and what each of them scores
    beyond the first (`PoolScores.places`: live matching's spare-places term with the places before it held)."""
    import numpy as np

    capacity = np.array([x.profile.free_places for x in pool.mentors], dtype=np.int64)
    scores = pool_scores(pool, mentee_languages, at)
    return _Problem(scores.micro, capacity, scores.groups, scores.places)


def _rotation(mentor: PoolMentor) -> tuple[bool, datetime, datetime, int]:
    """Fair rotation's order of mentors, live matching's (`Store.find_top_candidates`: last offered NULLS FIRST,
    then the profile's creation time, then the member id): never offered anything first, then the least recently
    offered; among those alike, the older profile, then the lower member id."""
    last = mentor.profile.last_offered_at
    return (last is not None, last or datetime.min.replace(tzinfo=UTC), mentor.profile.created_at, mentor.member.id)


def _optimal_oldest_first(problem: _Problem) -> IntArray:
    """The requests the round matches are the most that can be matched together, the oldest first
    (`_Problem.oldest_first`: a newer request takes a place an older one could use only when that matches more
    requests); among the assignments of those, the best (`_Problem.optimal`: the fewest lifted cooldowns, then
    the highest total score)."""
    import numpy as np

    chosen = problem.oldest_first()
    rows = np.flatnonzero(chosen >= 0)
    if len(rows) == problem.n_rows:
        return problem.optimal(seed=chosen)
    groups = problem.groups[rows] if problem.groups is not None else None
    sub = _Problem(problem.micro[rows], problem.capacity, groups, problem.places)
    match = np.full(problem.n_rows, -1, dtype=np.int64)
    match[rows] = sub.optimal(seed=chosen[rows])
    return match


def plan_pool(pool: RoundPool, mentee_languages: Sequence[str], at: datetime) -> RoundPlan:
    """The optimal plan for a pool (`_optimal_oldest_first`) and the greedy comparison. Each assignment carries
    `score_candidate`'s own score and explanation for its pair, with the mentor's places as they were before the
    round (`usecases.admin.run_round` counts the round's earlier offers to the same mentor); the totals count each
    place as live matching scores it (`RoundPlan`). The mentors are columns in the order of fair rotation
    (`_rotation`), which both solvers prefer among equal pairs: a tie goes where live matching sends it (rule 2)."""
    import numpy as np

    pool = replace(pool, mentors=tuple(sorted(pool.mentors, key=_rotation)))
    problem = _problem(pool, mentee_languages, at)
    greedy_match = problem.greedy()
    match = _optimal_oldest_first(problem)
    assignments: list[Assignment] = []
    for i in np.flatnonzero(match >= 0).tolist():
        item = pool.requests[i]
        ranked = score_candidate(
            pool.candidate(i, int(match[i])),
            item.request.skills,
            mentee_language=mentee_languages[i],
            mentee_timezone=item.mentee.timezone,
            at=at,
        )
        assignments.append(Assignment(item.request, item.mentee, ranked))
    greedy_rows = np.flatnonzero(greedy_match >= 0).tolist()
    greedy_micro = problem.micro[greedy_rows, greedy_match[greedy_rows]].tolist()
    # A lifted pair's score, as the plan's, without the penalty that made it a last resort.
    greedy_micro = [
        micro + (_LIFTED_MICRO if (pool.requests[i].request.id, pool.mentors[j].member.id) in pool.lifted else 0)
        for i, j, micro in zip(greedy_rows, greedy_match[greedy_rows].tolist(), greedy_micro, strict=True)
    ]
    return RoundPlan(
        tuple(assignments),
        float(sum(a.ranked.score for a in assignments)) + problem.place_total(match) / _MICRO,
        float(sum(micro / _MICRO for micro in greedy_micro)) + problem.place_total(greedy_match) / _MICRO,
        len(greedy_micro),
    )
