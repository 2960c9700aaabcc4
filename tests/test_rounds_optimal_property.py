"""Property: a matching round's plan is the true optimum of its whole pool, whatever the pruning does.

The round solves a subset of the pairs and proves the result optimal for all of them (`rounds._Problem`). Over
random pools (capacities, skills and levels, languages, time zones, recent mentorships, pairs offered before,
mentees who are mentors) the plan must match as many requests as the dense reference solver does on EVERY
eligible pair, with the same total score, never more requests per mentor than its free places, each request at
most once and only eligible pairs; each pair's score being `score_candidate`'s, and each mentor's k-th place of the
round scoring its spare-places term with k − 1 more places held (`matching.pool.place_scores`, as live matching
scores its k-th offer in a row). The starting subset is made small on purpose (`keeps`), so that the proof and its
repair rounds do the work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mentorbot import rounds
from mentorbot.matching import (
    CAPACITY_BONUS,
    INELIGIBLE32,
    MICRO,
    PoolMentor,
    PoolRequest,
    RoundPool,
    pool_scores,
    score_candidate,
)
from mentorbot.matching.score import LIFTED_PENALTY
from mentorbot.models import Level, Member, MentorProfile, MentorshipRequest, MentorStatus, RequestStatus

AT = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
SKILLS = ["ads", "seo", "copy", "video", "email"]
ZONES = [None, "UTC", "Africa/Nairobi", "America/New_York", "Asia/Kolkata"]
LANGUAGES = ["en", "sw"]


@dataclass(frozen=True)
class Case:
    pool: RoundPool
    languages: list[str]


@st.composite
def cases(draw: st.DrawFn, max_mentors: int = 14, max_requests: int = 24) -> Case:
    n_mentors = draw(st.integers(1, max_mentors))
    n_requests = draw(st.integers(1, max_requests))
    mentors = []
    for j in range(n_mentors):
        skills = draw(st.dictionaries(st.sampled_from(SKILLS), st.sampled_from(list(Level)), min_size=1, max_size=4))
        capacity = draw(st.integers(1, 3))
        taken = draw(st.integers(0, capacity - 1))
        member = Member(1000 + j, "c", f"M{j}", f"mentor{j}", "en", AT)
        profile = MentorProfile(
            member_id=member.id,
            skills=skills,
            capacity=capacity,
            bio="",
            timezone=draw(st.sampled_from(ZONES[1:])),
            languages=tuple(draw(st.lists(st.sampled_from(LANGUAGES), min_size=1, max_size=2, unique=True))),
            status=MentorStatus.ACTIVE,
            paused_until=None,
            pause_reason=None,
            active_count=taken,
            pending_offers=0,
            expired_streak=0,
            last_offered_at=None,
            created_at=AT,
            updated_at=AT,
        )
        mentors.append(PoolMentor(member, profile))
    requests = []
    languages = []
    for i in range(n_requests):
        # Now and then the mentee is one of the mentors (never offered to themself).
        mentee_id = 1000 + draw(st.integers(0, n_mentors - 1)) if draw(st.integers(0, 9)) == 0 else 5000 + i
        mentee = Member(mentee_id, "c", f"U{mentee_id}", f"member{mentee_id}", None, AT, draw(st.sampled_from(ZONES)))
        skills = tuple(draw(st.lists(st.sampled_from(SKILLS), min_size=1, max_size=3, unique=True)))
        request = MentorshipRequest(i + 1, mentee_id, "c", skills, "", RequestStatus.WAITING, None, AT, AT, None)
        requests.append(PoolRequest(request, mentee))
        languages.append(draw(st.sampled_from(LANGUAGES)))
    pairs = [(r.request.id, m.member.id) for r in requests for m in mentors]
    offered = draw(st.sets(st.sampled_from(pairs), max_size=len(pairs) // 4)) if pairs else set()
    past = draw(
        st.dictionaries(
            st.sampled_from([(r.mentee.id, m.member.id) for r in requests for m in mentors]), st.integers(1, 2)
        )
    )
    return Case(RoundPool(tuple(requests), tuple(mentors), frozenset(offered), past), languages)


def _reference(case: Case) -> tuple[list[dict[int, float]], dict[int, int], dict[int, list[float]]]:
    """Every eligible pair scored by `score_candidate` (the Python form), every mentor's free places (in fair
    rotation's order, the round's), and what each place scores beyond the first: `score_candidate`'s spare-places
    term with the places before it held, less the first's (rounded to millionths, each)."""
    pool = case.pool
    scores: list[dict[int, float]] = []
    for i, item in enumerate(pool.requests):
        row: dict[int, float] = {}
        for j, mentor in enumerate(pool.mentors):
            candidate = pool.candidate(i, j)
            eligible = (
                bool(candidate.shared)
                and mentor.member.id != item.mentee.id
                and (item.request.id, mentor.member.id) not in pool.offered
            )
            if eligible:
                row[mentor.member.id] = score_candidate(
                    candidate,
                    item.request.skills,
                    mentee_language=case.languages[i],
                    mentee_timezone=item.mentee.timezone,
                    at=AT,
                ).score
        scores.append(row)
    places: dict[int, list[float]] = {}
    for mentor in pool.mentors:
        profile = mentor.profile
        taken = profile.active_count + profile.pending_offers
        term = [CAPACITY_BONUS * max(0, profile.capacity - (taken + k)) / profile.capacity for k in range(99)]
        places[mentor.member.id] = [
            (round(term[k] * MICRO) - round(term[0] * MICRO)) / MICRO for k in range(profile.free_places)
        ]
    ordered = sorted(pool.mentors, key=rounds._rotation)
    return scores, {m.member.id: m.profile.free_places for m in ordered}, places


@pytest.mark.parametrize("keeps", [(8, 4), (1, 1), (1, 0)])
@settings(max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases())
def test_a_round_is_the_optimum_of_its_whole_pool(keeps: tuple[int, int], case: Case) -> None:
    scores, capacity, places = _reference(case)
    best_pairs, _ = rounds.solve_dense(scores, capacity, places)
    oldest, _, oldest_total = rounds.solve_dense_oldest_first(scores, capacity, places)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(rounds, "_ROW_KEEP", keeps[0])
        patch.setattr(rounds, "_COL_KEEP", keeps[1])
        plan = rounds.plan_pool(case.pool, case.languages, AT)

    assert len(plan.assignments) == len(best_pairs), "as many requests matched as the optimum"
    ids = [item.request.id for item in case.pool.requests]
    assert {ids.index(a.request.id) for a in plan.assignments} == oldest, "the oldest requests that can be matched"
    assert plan.total_score == pytest.approx(oldest_total, abs=1e-6), "the optimum's total score for them"
    given_to: dict[int, int] = {}
    for a in plan.assignments:
        mentor_id = a.ranked.candidate.member.id
        given_to[mentor_id] = given_to.get(mentor_id, 0) + 1
        row = next(i for i, item in enumerate(case.pool.requests) if item.request.id == a.request.id)
        assert scores[row].get(mentor_id) == a.ranked.score, "an eligible pair, with score_candidate's score"
    assert len({a.request.id for a in plan.assignments}) == len(plan.assignments), "a request is given once"
    for mentor_id, count in given_to.items():
        assert count <= capacity[mentor_id], "no mentor gets more than its free places"


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=st.one_of(cases(), cases(max_mentors=3, max_requests=4)), data=st.data())
def test_a_lifted_cooldown_is_a_last_resort_that_never_costs_a_match(case: Case, data: st.DataObject) -> None:
    """Pairs a round may offer only as a last resort (a lapse's cooldown, lifted when no one else is eligible):
    the plan matches as many requests as any assignment over every allowed pair can, and among those it uses as
    few lifted pairs as the best one does. (Planning the lifted pairs in a second pass, over what the first left,
    matched fewer: the first pass gave an older request's only mentor to a newer one that had a lifted pair.)"""
    pool = case.pool
    pairs = sorted((r.request.id, m.member.id) for r in pool.requests for m in pool.mentors)
    lifted = frozenset(data.draw(st.sets(st.sampled_from(pairs), max_size=len(pairs) // 2))) - pool.offered
    lifted_case = Case(RoundPool(pool.requests, pool.mentors, pool.offered, pool.past_pairs, lifted), case.languages)
    scores, capacity, places = _reference(case)
    ids = [item.request.id for item in pool.requests]
    penalised = [
        {m: s - LIFTED_PENALTY if (ids[i], m) in lifted else s for m, s in row.items()} for i, row in enumerate(scores)
    ]
    _, best_pairs, _ = rounds.solve_dense_oldest_first(penalised, capacity, places)
    fewest_lifted = sum((ids[i], m) in lifted for i, m in best_pairs)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(rounds, "_ROW_KEEP", 1)
        patch.setattr(rounds, "_COL_KEEP", 0)
        plan = rounds.plan_pool(lifted_case.pool, case.languages, AT)
    assert len(plan.assignments) == len(best_pairs), "as many requests matched as over every allowed pair"
    used = sum((a.request.id, a.ranked.candidate.member.id) in lifted for a in plan.assignments)
    assert used == fewest_lifted, "no more lifted cooldowns than the fewest a best assignment needs"
    assert plan.greedy_matched <= len(plan.assignments)
    for a in plan.assignments:
        row = ids.index(a.request.id)
        assert scores[row].get(a.ranked.candidate.member.id) == a.ranked.score, "score_candidate's own score"


@settings(max_examples=100, deadline=None, database=None)
@given(case=cases())
def test_pool_scores_are_score_candidates_scores(case: Case) -> None:
    scores, _, places = _reference(case)
    found = pool_scores(case.pool, case.languages, AT)
    mentor_ids = [m.member.id for m in case.pool.mentors]
    for i, row in enumerate(scores):
        expected = [round(row[m] * MICRO) if m in row else INELIGIBLE32 for m in mentor_ids]
        assert found.micro[i].tolist() == expected
    assert found.places is not None
    assert found.places.tolist() == [round(t * MICRO) for m in mentor_ids for t in places[m]]


def test_the_proof_adds_what_the_starting_pairs_miss() -> None:
    # Two requests, two one-place mentors; each request's single best pair is mentor A (9 vs 8 and 9 vs 1), so
    # a start with one pair per row and none per column misses the optimum (A to row 1, B to row 0: 8 + 9).
    micro = np.array([[9, 8], [9, 1]], dtype=np.int32) * MICRO
    problem = rounds._Problem(micro, np.array([1, 1], dtype=np.int64))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(rounds, "_ROW_KEEP", 1)
        patch.setattr(rounds, "_COL_KEEP", 0)
        match = problem.optimal()
    assert match.tolist() == [1, 0]


@pytest.mark.parametrize("repair_limit", [0, 10**9])
@settings(max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases())
def test_the_optimum_whether_repaired_in_place_or_solved_again(repair_limit: int, case: Case) -> None:
    # With the smallest starting subset, every violating pair goes through the in-place repair (`_Repair`), or
    # none does (every repair is a new sparse solve): both must reach the dense optimum.
    scores, capacity, places = _reference(case)
    _, best_pairs, best_total = rounds.solve_dense_oldest_first(scores, capacity, places)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(rounds, "_ROW_KEEP", 1)
        patch.setattr(rounds, "_COL_KEEP", 0)
        patch.setattr(rounds, "_REPAIR_LIMIT", repair_limit)
        plan = rounds.plan_pool(case.pool, case.languages, AT)
    assert len(plan.assignments) == len(best_pairs)
    assert plan.total_score == pytest.approx(best_total, abs=1e-6)


Problem = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


@st.composite
def problems(draw: st.DrawFn) -> Problem:
    """A small round as numbers (scores in millionths with many ties, ineligible pairs, capacities), what each free
    place scores beyond the first (per column 0, then down by a step: often live matching's, sometimes 0, so
    places tie too; `_Problem.places`) and a random starting subset of its eligible pairs (a mask)."""
    n = draw(st.integers(1, 12))
    m = draw(st.integers(1, 6))
    values = st.one_of(st.sampled_from([500_000, 1_000_000, 1_150_000, 2_300_000]), st.integers(-500_000, 2_300_000))
    micro = np.array(
        [[draw(values) if draw(st.integers(0, 3)) else INELIGIBLE32 for _ in range(m)] for _ in range(n)],
        dtype=np.int32,
    )
    capacity = np.array([draw(st.integers(0, 3)) for _ in range(m)], dtype=np.int64)
    steps = st.one_of(st.sampled_from([0, 66_667, 100_000, 200_000]), st.integers(0, 300_000))
    places = np.array(
        [-k * step for c in capacity.tolist() for step in [draw(steps)] for k in range(c)], dtype=np.int64
    )
    start = np.array([[draw(st.booleans()) for _ in range(m)] for _ in range(n)], dtype=bool)
    return micro, capacity, places, start


def _dense(micro: np.ndarray, capacity: np.ndarray, places: np.ndarray) -> tuple[list[dict[int, float]], Any, Any]:
    """The problem as `rounds.solve_dense` takes it: score dicts, free places and place terms by mentor id."""
    n, m = micro.shape
    mentor_ids = list(range(100, 100 + m))
    scores = [
        {mentor_ids[j]: int(micro[i, j]) / MICRO for j in range(m) if micro[i, j] != INELIGIBLE32} for i in range(n)
    ]
    first = np.cumsum(capacity) - capacity
    terms = {
        mentor_ids[j]: [t / MICRO for t in places[first[j] : first[j] + c].tolist()] for j, c in enumerate(capacity)
    }
    return scores, {mentor_ids[j]: int(c) for j, c in enumerate(capacity)}, terms


def _value(micro: np.ndarray, capacity: np.ndarray, places: np.ndarray, match: np.ndarray) -> float:
    """An assignment's total: its pairs' scores and each column's first places' terms."""
    chosen = np.flatnonzero(match >= 0)
    load = np.bincount(match[chosen], minlength=len(capacity))
    first = np.cumsum(capacity) - capacity
    terms = sum(int(places[first[j] : first[j] + load[j]].sum()) for j in range(len(capacity)))
    return (sum(int(micro[i, match[i]]) for i in chosen) + terms) / MICRO


@settings(max_examples=300, deadline=None, database=None)
@given(problem=problems())
def test_repair_adds_pairs_one_by_one_and_stays_optimal(problem: Problem) -> None:
    # The subset's optimum and its potentials, then every other eligible pair added by `_Repair.add`: the result
    # must be the dense optimum over all pairs, and its potentials feasible on every arc of the final residual
    # graph (which is what the round's proof relies on), place arcs included.
    micro, capacity, places, start = problem
    n, m = micro.shape
    eligible = micro != INELIGIBLE32
    rows, cols = np.nonzero(eligible & start)
    gain = micro[rows, cols].astype(np.int64) + rounds._FEASIBLE_MICRO
    none = np.full(n, -1, dtype=np.int64)
    match = rounds._solve_pairs(n, capacity, rows, cols, gain, places=places) if len(rows) else none
    dist = rounds._potentials(n, capacity, rows, cols, gain, match, places=places)
    repair = rounds._Repair(n, capacity, rows, cols, gain, match, dist, places=places)
    more_rows, more_cols = np.nonzero(eligible & ~start)
    more_gain = micro[more_rows, more_cols].astype(np.int64) + rounds._FEASIBLE_MICRO
    for r, c, g in zip(more_rows.tolist(), more_cols.tolist(), more_gain.tolist(), strict=True):
        repair.add(r, c, g)
    match, dist = repair.result()

    all_rows, all_cols = np.nonzero(eligible)
    all_gain = micro[all_rows, all_cols].astype(np.int64) + rounds._FEASIBLE_MICRO
    assert rounds._feasible(n, capacity, all_rows, all_cols, all_gain, match, dist, places), "feasible potentials"
    chosen = np.flatnonzero(match >= 0)
    assert eligible[chosen, match[chosen]].all(), "only eligible pairs"
    assert (np.bincount(match[chosen], minlength=m) <= capacity).all(), "no more than the free places"
    best_pairs, best_total = rounds.solve_dense(*_dense(micro, capacity, places))
    assert len(chosen) == len(best_pairs), "as many matches as the optimum"
    assert _value(micro, capacity, places, match) == pytest.approx(best_total, abs=1e-6)


@settings(max_examples=100, deadline=None, database=None)
@given(case=cases())
def test_rows_of_a_pool_group_are_equal(case: Case) -> None:
    # `PoolScores.groups` names equal rows (one class, the same skills, no corrected pair): a hint the solver uses
    # to compute per distinct row.
    scores = pool_scores(case.pool, case.languages, AT)
    assert scores.groups is not None
    for group in np.unique(scores.groups):
        rows = scores.micro[scores.groups == group]
        assert (rows == rows[0]).all()


@settings(max_examples=200, deadline=None, database=None)
@given(problem=problems(), wrong=st.integers(0, 3))
def test_a_wrong_grouping_cannot_make_a_wrong_optimum(problem: Problem, wrong: int) -> None:
    # The solver checks the grouping against the matrix before relying on it: rows put in one group although
    # they differ (here: all of them, or a few) still get the dense optimum.
    micro, capacity, places, _ = problem
    n, m = micro.shape
    groups = np.zeros(n, dtype=np.int64) if wrong == 0 else np.arange(n, dtype=np.int64) // (wrong + 1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(rounds, "_ROW_KEEP", 1)
        patch.setattr(rounds, "_COL_KEEP", 0)
        match = rounds._Problem(micro, capacity, groups, places).optimal()
    eligible = micro != INELIGIBLE32
    chosen = np.flatnonzero(match >= 0)
    assert eligible[chosen, match[chosen]].all()
    assert (np.bincount(match[chosen], minlength=m) <= capacity).all()
    best_pairs, best_total = rounds.solve_dense(*_dense(micro, capacity, places))
    assert len(chosen) == len(best_pairs)
    assert _value(micro, capacity, places, match) == pytest.approx(best_total, abs=1e-6)


@settings(max_examples=300, deadline=None, database=None)
@given(problem=problems())
def test_first_come_greedy_is_the_reference_greedy(problem: Problem) -> None:
    # `_Problem.greedy` (each row's best list, the whole row only when the list does not settle it, and no row
    # looked at once every place is taken) is `rounds.greedy` over score dicts: each row in order takes its best
    # mentor with a place left, at that mentor's next place; ties to a mentor not given a row yet, the lowest
    # column first, then to the one given a row least recently.
    micro, capacity, places, _ = problem
    scores, free, terms = _dense(micro, capacity, places)
    pairs, total = rounds.greedy(scores, free, terms)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(rounds, "_ROW_KEEP", 1)
        match = rounds._Problem(micro, capacity, places=places).greedy()
    assert [(i, 100 + j) for i, j in enumerate(match.tolist()) if j >= 0] == pairs
    assert _value(micro, capacity, places, match) == pytest.approx(total, abs=1e-6)


@settings(max_examples=300, deadline=None, database=None)
@given(problem=problems())
def test_the_round_prefers_rotations_places_among_equal_optima(problem: Problem) -> None:
    # Among optimal assignments, the round's (`_Problem._in_rotation`) takes places as early as it can in fair
    # rotation's order (each column's k-th place at k × columns + column): no assignment of equal value moves one
    # row from a column whose last place comes later to a column's next place, every other column keeping as many
    # rows. Checked the slow way, on the rows a round would place (the oldest that can be placed together, all of
    # them matched): for each such move, the dense optimum with those loads is worse.
    micro, capacity, places, _ = problem
    m = micro.shape[1]
    scores, free, terms = _dense(micro, capacity, places)
    oldest, _, _ = rounds.solve_dense_oldest_first(scores, free, terms)
    rows = sorted(oldest)
    match = rounds._Problem(micro[rows], capacity, places=places).optimal()
    assert (match >= 0).all(), "every row the round keeps is placed"
    chosen = [scores[i] for i in rows]
    _, best_total = rounds.solve_dense(chosen, free, terms)
    assert _value(micro[rows], capacity, places, match) == pytest.approx(best_total, abs=1e-6)
    load = np.bincount(match, minlength=m).tolist()
    for j in range(m):
        for a in range(m):
            if a == j or load[j] >= capacity[j] or load[a] == 0 or (load[a] - 1) * m + a <= load[j] * m + j:
                continue
            wanted = {100 + c: load[c] + (c == j) - (c == a) for c in range(m)}
            pairs, total = rounds.solve_dense(chosen, wanted, {k: v[: wanted[k]] for k, v in terms.items()})
            assert len(pairs) < len(rows) or total < best_total - 1e-9, (
                f"column {a}'s place {load[a] - 1} could go to column {j}'s place {load[j]} at no loss"
            )
