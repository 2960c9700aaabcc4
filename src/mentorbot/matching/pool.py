"""The match score of every (request, mentor) pair of a matching round's pool at once, with numpy.

This is the third form of the score (`score.score_candidate` in Python, `score.score_sql` in SQL): the same
floating-point operations in the same order, ``((((skills + language) + time zone) + spare places) - repeat
penalty)``, rounded to millionths, so the three agree exactly (``tests/matching/test_score_forms_agree.py``).

How it stays cheap for 5,000 requests × 2,000 mentors (10 million pairs):

* The skill term of a pair depends only on the sum of the mentor's level weights over the skills asked. The
  weights are whole multiples of a half (`LEVEL_WEIGHT`), so that sum is an exact small integer of halves,
  `units`: summed per pair from one int8 row per skill asked (1–3 additions), not a float matrix product.
* Everything else in the score depends on the request only through its *class*: how many skills it asks, its
  mentee's time zone and language. For each class the score of "mentor j with `units` k" is computed once in
  floating point (`units` ≤ 3 × skills asked, so a few × m values), and every pair of the class only looks its
  score up in that small table. A pair's arithmetic is then three integer operations and a lookup.
* `units` = 0 means no shared skill: the table maps it to `INELIGIBLE`, so eligibility costs nothing extra.
  The few pairs that differ from their class (the mentee is the mentor, a blocked pair, a recent mentorship)
  are then corrected one by one.

The result is one dense int32 matrix (40 MB at 5,000 × 2,000), which the round's solver reads directly.

A pair's score is the one live matching computes for the mentor's first free place. A round that gives a mentor
several requests gives each a place of its own, and live matching, which counts a place as held once it is offered,
scores each later one with less spare capacity: `PoolScores.places` says by how much, per free place (the k-th
place's spare-places term with k − 1 more places held, less the first's). The solver adds it per place, so piling
requests on one mentor costs what it costs live, and equally good mentors share the load.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mentorbot.matching.score import (
    CAPACITY_BONUS,
    LANGUAGE_BONUS,
    LEVEL_WEIGHT,
    LIFTED_PENALTY,
    MICRO,
    REPEAT_PENALTY,
    PoolMentor,
    RoundPool,
    timezone_bonus,
)

if TYPE_CHECKING:
    import numpy as np

    Int32Array = np.ndarray[Any, np.dtype[np.int32]]
    Int64Array = np.ndarray[Any, np.dtype[np.int64]]
    BoolArray = np.ndarray[Any, np.dtype[np.bool_]]
    FloatArray = np.ndarray[Any, np.dtype[np.float64]]

# Marks an ineligible pair in `PoolScores.micro`: far below any score (a score is at most a few units, minus
# 0.5 per recent mentorship: a few million millionths), and far enough from int32's limits that adding a few
# hundred million to it cannot overflow (the round's optimality check relies on that).
INELIGIBLE32 = -(2**30)
# A level's weight in halves: the skill sum is then an exact integer (checked at import: a weight that is not
# a whole number of halves would need another unit).
_HALVES = {level: int(weight * 2) for level, weight in LEVEL_WEIGHT.items()}
if any(_HALVES[level] / 2 != weight for level, weight in LEVEL_WEIGHT.items()):  # pragma: no cover
    raise RuntimeError("LEVEL_WEIGHT values must be whole multiples of 0.5 for the pool scores")
_LIFTED_MICRO = round(LIFTED_PENALTY * MICRO)
# Rows handled at once when gathering a class's scores (bounds the temporaries to a few MB).
_ROWS_AT_ONCE = 1024


@dataclass(frozen=True)
class PoolScores:
    """The score of every (request, mentor) pair of a pool, in millionths.

    `micro[i, j]` is request i's score with mentor j (both in the pool's order), or `INELIGIBLE32` where mentor
    j may not be offered request i (no shared skill, the mentee is the mentor, or the pair is in `pool.offered`).
    """

    micro: Int32Array
    groups: Int64Array | None = None
    """Rows with the same value here are the same row of `micro` (requests of one class asking the same skills,
    with no pair corrected); None: no grouping known. A hint for the solver, which checks it (`rounds`)."""
    places: Int64Array | None = None
    """Per free place of each mentor (mentors in the pool's order, each one's places in the order they are given:
    ``free_places`` entries per mentor), what a pair scores there beyond `micro`, in millionths (`place_scores`):
    0 for a mentor's first free place, less for each later one. None: every place scores `micro`."""

    @property
    def eligible(self) -> BoolArray:
        """Where a pair may be offered."""
        import numpy as np

        eligible: BoolArray = np.not_equal(self.micro, INELIGIBLE32)
        return eligible


def pool_scores(pool: RoundPool, mentee_languages: Sequence[str], at: datetime) -> PoolScores:
    """Every pair of `pool` scored (see the module docstring); `mentee_languages[i]` is request i's mentee's
    language. Each eligible pair's value equals ``round(score_candidate(...).score * MICRO)``, less
    ``LIFTED_PENALTY`` in millionths for a pair of `RoundPool.lifted`."""
    import numpy as np

    requests, mentors = pool.requests, pool.mentors
    n, m = len(requests), len(mentors)
    if n == 0 or m == 0:
        return PoolScores(np.full((n, m), INELIGIBLE32, dtype=np.int32), places=place_scores(pool.mentors))
    micro = np.empty((n, m), dtype=np.int32)  # every row is written below, by its class
    slugs = sorted({s for r in requests for s in r.request.skills} | {s for x in mentors for s in x.profile.skills})
    skill_index = {s: k for k, s in enumerate(slugs)}
    # One row per skill (and a last row of zeros for padding): the mentor's level weight in halves.
    halves = np.zeros((len(slugs) + 1, m), dtype=np.int8)
    for j, mentor in enumerate(mentors):
        for slug, level in mentor.profile.skills.items():
            halves[skill_index[slug], j] = _HALVES[level]
    asked_most = max(len(r.request.skills) for r in requests)
    if 3 * asked_most > 127:  # pragma: no cover - a request asks for a handful of skills
        halves = halves.astype(np.int16)
    asked = np.full((n, max(1, asked_most)), len(slugs), dtype=np.int64)
    for i, item in enumerate(requests):
        for t, slug in enumerate(item.request.skills):
            asked[i, t] = skill_index[slug]

    mentor_zones = sorted({x.profile.timezone for x in mentors})
    zone_of_mentor = np.array([mentor_zones.index(x.profile.timezone) for x in mentors], dtype=np.int64)
    spare = np.array(
        [spare_term(x.profile.capacity, x.profile.active_count + x.profile.pending_offers) for x in mentors]
    )
    columns = np.arange(m, dtype=np.int32)

    # Requests by class: (skills asked, mentee's time zone, mentee's language); within a class, the requests
    # asking the same set of skills get the same row (until a pair of theirs is corrected below): it is computed
    # for the first of them and copied to the others.
    classes: dict[tuple[int, str | None, str], list[int]] = {}
    same_row: dict[tuple[int, str | None, str, frozenset[str]], int] = {}
    groups = np.empty(n, dtype=np.int64)
    first_row: list[int] = []  # per group, its first row: the only one computed, the others are copies of it
    for i, (item, language) in enumerate(zip(requests, mentee_languages, strict=True)):
        key = (len(item.request.skills), item.mentee.timezone, language)
        group = same_row.setdefault((*key, frozenset(item.request.skills)), len(same_row))
        groups[i] = group
        if group == len(first_row):
            first_row.append(i)
            classes.setdefault(key, []).append(i)
    speaks: dict[str, BoolArray] = {}
    tz_terms: dict[str | None, FloatArray] = {}
    for (count, zone, language), members in classes.items():
        if language not in speaks:
            speaks[language] = np.array([language in x.profile.languages for x in mentors])
        if zone not in tz_terms:
            tz_terms[zone] = np.array([timezone_bonus(name, zone, at) for name in mentor_zones])[zone_of_mentor]
        table = _class_table(count, speaks[language], tz_terms[zone], spare)
        flat = table.ravel()
        rows_all = np.array(members, dtype=np.int64)
        for lo in range(0, len(rows_all), _ROWS_AT_ONCE):
            rows = rows_all[lo : lo + _ROWS_AT_ONCE]
            units = halves[asked[rows, 0]].astype(np.int32)
            for t in range(1, count):
                units += halves[asked[rows, t]]
            units *= m
            units += columns
            micro[rows] = flat[units]
    source = np.array(first_row, dtype=np.int64)[groups]
    copies = np.flatnonzero(source != np.arange(n))
    for lo in range(0, len(copies), _ROWS_AT_ONCE):
        rows = copies[lo : lo + _ROWS_AT_ONCE]
        micro[rows] = micro[source[rows]]

    corrected = _correct_pairs(pool, micro, speaks, mentee_languages, tz_terms, spare)
    groups[corrected] = len(same_row) + np.arange(len(corrected))
    return PoolScores(micro, groups, place_scores(mentors))


def spare_term(capacity: int, taken: int) -> float:
    """The spare-places term of the score for a mentor with `taken` of `capacity` places taken or held:
    `score_candidate`'s own arithmetic."""
    return CAPACITY_BONUS * max(0, capacity - taken) / capacity


def place_scores(mentors: Sequence[PoolMentor]) -> Int64Array:
    """What a pair scores at each free place of its mentor beyond its first, in millionths: for each mentor in
    order, ``free_places`` entries, the k-th being the spare-places term with k − 1 more places held (as live
    matching scores the k-th offer in a row to one mentor) less the term with none (`micro`'s), each rounded to
    millionths. A place's score is then the pair's plus this: `score_candidate`'s with the places held, to within
    a millionth (a sum rounded once there, in two parts here). Never rising within a mentor's places (each place
    held takes ``CAPACITY_BONUS / capacity`` off), and 0 at the first: the round's solver relies on it
    (`rounds._Problem`)."""
    import numpy as np

    capacity = np.array([x.profile.capacity for x in mentors], dtype=np.int64)
    taken = np.array([x.profile.active_count + x.profile.pending_offers for x in mentors], dtype=np.int64)
    free = np.maximum(capacity - taken, 0)
    # Per place: its mentor's capacity, and the places taken or held before it; then `spare_term`'s operations.
    owner = np.repeat(np.arange(len(mentors)), free)
    before = taken[owner] + (np.arange(len(owner)) - np.repeat(np.cumsum(free) - free, free))
    cap = capacity[owner].astype(np.float64)
    at_place = np.rint(CAPACITY_BONUS * np.maximum(0, cap - before) / cap * MICRO)
    at_first = np.rint(CAPACITY_BONUS * np.maximum(0, cap - taken[owner]) / cap * MICRO)
    places: Int64Array = (at_place - at_first).astype(np.int64)
    return places


def _class_table(count: int, speaks: BoolArray, tz_term: FloatArray, spare: FloatArray) -> Int32Array:
    """``table[k, j]``: the score in millionths of mentor j for a request of this class to which j brings `k`
    halves of level weight (`INELIGIBLE32` for k = 0: no shared skill)."""
    import numpy as np

    units = np.arange(3 * max(1, count) + 1, dtype=np.float64)
    skill = (units * 0.5) / max(1, count)
    language = np.where(speaks, LANGUAGE_BONUS, 0.0)
    score = ((skill[:, None] + language[None, :]) + tz_term[None, :]) + spare[None, :]
    table = np.rint(score * MICRO).astype(np.int32)
    table[0] = INELIGIBLE32
    return table


def _correct_pairs(
    pool: RoundPool,
    micro: Int32Array,
    speaks: dict[str, BoolArray],
    mentee_languages: Sequence[str],
    tz_terms: dict[str | None, FloatArray],
    spare: FloatArray,
) -> Int64Array:
    """The pairs that differ from their class's table: a mentee who is a mentor of the pool (never their own),
    the pairs the round may not offer, those it may offer only as a last resort (`RoundPool.lifted`: less
    `LIFTED_PENALTY`), and the recent mentorships (the score minus the repeat penalty, from the same unrounded sum).
    Returns the rows it may have changed (sorted, without repeats)."""
    import numpy as np

    requests, mentors = pool.requests, pool.mentors
    changed: list[int] = []
    mentor_col = (
        {x.member.id: j for j, x in enumerate(mentors)} if pool.past_pairs or pool.offered or pool.lifted else {}
    )
    rows_of_mentee: dict[int, list[int]] = {}
    if pool.past_pairs:
        for i, item in enumerate(requests):
            rows_of_mentee.setdefault(item.mentee.id, []).append(i)
    for (mentee_id, mentor_id), count in pool.past_pairs.items():
        j = mentor_col.get(mentor_id)
        if j is None:
            continue
        for i in rows_of_mentee.get(mentee_id, ()):
            if micro[i, j] == INELIGIBLE32:
                continue
            item = requests[i]
            mentor_levels = mentors[j].profile.skills
            units = sum(_HALVES[mentor_levels[s]] for s in item.request.skills if s in mentor_levels)
            skill = (units * 0.5) / max(1, len(item.request.skills))
            language = LANGUAGE_BONUS if speaks[mentee_languages[i]][j] else 0.0
            score = (((skill + language) + float(tz_terms[item.mentee.timezone][j])) + float(spare[j])) - (
                REPEAT_PENALTY * count
            )
            micro[i, j] = np.int32(np.rint(score * MICRO))
            changed.append(i)
    if pool.offered or pool.lifted:
        request_row = {r.request.id: i for i, r in enumerate(requests)}
        for request_id, mentor_id in pool.lifted - pool.offered:
            row, col = request_row.get(request_id), mentor_col.get(mentor_id)
            if row is not None and col is not None and micro[row, col] != INELIGIBLE32:
                micro[row, col] -= _LIFTED_MICRO
                changed.append(row)
        for request_id, mentor_id in pool.offered:
            row, col = request_row.get(request_id), mentor_col.get(mentor_id)
            if row is not None and col is not None:
                micro[row, col] = INELIGIBLE32
                changed.append(row)
    mentor_ids = np.array([x.member.id for x in mentors], dtype=np.int64)
    mentee_ids = np.array([r.mentee.id for r in requests], dtype=np.int64)
    by_id = np.argsort(mentor_ids)
    found = np.minimum(np.searchsorted(mentor_ids, mentee_ids, sorter=by_id), len(mentor_ids) - 1)
    own = mentor_ids[by_id[found]] == mentee_ids
    micro[np.flatnonzero(own), by_id[found[own]]] = INELIGIBLE32
    return np.union1d(np.array(changed, dtype=np.int64), np.flatnonzero(own))


def pool_pair_scores(
    pool: RoundPool, mentee_languages: Sequence[str], at: datetime, *, chunk: int
) -> Iterator[tuple[int, BoolArray, Int32Array]]:
    """`pool_scores` in blocks of `chunk` requests: yields ``(first row, eligible, micro)`` per block, where
    ``eligible[i, j]`` says whether mentor j may be offered request ``first row + i`` and ``micro[i, j]`` is the
    score in millionths (`INELIGIBLE32` where not eligible). Nothing is yielded for an empty pool."""
    if not pool.requests or not pool.mentors:
        return
    micro = pool_scores(pool, mentee_languages, at).micro
    for lo in range(0, len(pool.requests), chunk):
        block = micro[lo : lo + chunk]
        yield lo, block != INELIGIBLE32, block
