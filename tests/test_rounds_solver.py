"""The sparse round solver finds the same optimum as the dense one, and the bulk round pipeline (one
snapshot, numpy scores, sparse solver, offers in one transaction) agrees with the per-request path."""

from __future__ import annotations

import random
from datetime import timedelta

import numpy as np
import pytest
from benchmarks.generate import NOW, CommunitySpec, generate, load
from hypothesis import given, settings
from hypothesis import strategies as st

from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from mentorbot.library import Library
from mentorbot.matching import INELIGIBLE32, MICRO, PoolMentor, rank_candidates
from mentorbot.matching.explain import Explanation
from mentorbot.matching.pool import place_scores
from mentorbot.models import MentorProfile, MentorshipRequest, MentorStatus, OfferStatus, RequestStatus
from mentorbot.rounds import (
    _at_least_kth,
    _Problem,
    _rotation,
    greedy,
    solve,
    solve_dense,
    solve_dense_oldest_first,
)
from mentorbot.settings import Settings
from mentorbot.storage.store import NewOffer, Store
from mentorbot.usecases.admin import plan_round, run_round

LEVEL_SCORES = [0.5, 0.65, 0.8, 1.0, 1.15, 1.3, 1.5, 1.616667, 1.8, -0.2]


def _random_case(rng: random.Random) -> tuple[list[dict[int, float]], dict[int, int]]:
    mentors = rng.randint(1, 9)
    capacity = {100 + m: rng.randint(0, 3) for m in range(mentors)}
    scores: list[dict[int, float]] = []
    for _ in range(rng.randint(0, 25)):
        row: dict[int, float] = {}
        for mentor in capacity:
            if rng.random() < 0.45:
                # Few distinct values (many ties, as real scores have) or any 6-decimal score.
                row[mentor] = rng.choice(LEVEL_SCORES) if rng.random() < 0.6 else round(rng.uniform(-0.5, 2.3), 6)
        scores.append(row)
    return scores, capacity


@pytest.mark.parametrize("seed", range(300))
def test_sparse_solver_finds_the_dense_optimum(seed: int) -> None:
    scores, capacity = _random_case(random.Random(seed))
    pairs, total = solve(scores, capacity)
    dense_pairs, dense_total = solve_dense(scores, capacity)
    assert len(pairs) == len(dense_pairs)
    assert total == pytest.approx(dense_total, abs=1e-9)
    assert pairs == sorted(pairs)
    assert len({r for r, _ in pairs}) == len(pairs), "a request is given once"
    for mentor, places in capacity.items():
        assert sum(1 for _, m in pairs if m == mentor) <= places
    assert all(m in scores[r] for r, m in pairs), "only eligible pairs"


@pytest.mark.parametrize("seed", range(300))
def test_sparse_solver_finds_the_dense_optimum_when_each_place_scores_less(seed: int) -> None:
    """Each mentor's k-th place scoring less than the one before (live matching's spare-places term with k − 1
    more places held, or another step; sometimes the same, so places tie too): the sparse solver still finds the
    dense optimum, and takes each mentor's places in order (its total counts the first ones)."""
    rng = random.Random(seed)
    scores, capacity = _random_case(rng)
    places = {}
    for mentor, free in capacity.items():
        step = rng.choice([0.0, 0.066667, 0.1, 0.2, round(rng.uniform(0, 0.3), 6)])
        places[mentor] = [round(-k * step, 6) for k in range(free)]
    pairs, total = solve(scores, capacity, places)
    dense_pairs, dense_total = solve_dense(scores, capacity, places)
    assert len(pairs) == len(dense_pairs)
    assert total == pytest.approx(dense_total, abs=1e-9)
    for mentor, free in capacity.items():
        assert sum(1 for _, m in pairs if m == mentor) <= free
    assert all(m in scores[r] for r, m in pairs), "only eligible pairs"


def test_three_requests_go_one_to_each_of_three_equal_mentors() -> None:
    """The hunt's case as score dicts: three equal mentors with three places each. Every place scoring the same,
    one mentor taking all three was as good as one each; scored as live matching scores them (each place held
    takes 0.2 / 3 off the next), one each is the only optimum, and first come, first served does the same."""
    scores = [{1: 1.95, 2: 1.95, 3: 1.95}] * 3
    capacity = {1: 3, 2: 3, 3: 3}
    places = {m: [0.0, -0.066667, -0.133333] for m in capacity}
    pairs, total = solve(scores, capacity, places)
    assert sorted(m for _, m in pairs) == [1, 2, 3]
    assert total == pytest.approx(3 * 1.95)
    assert greedy(scores, capacity, places) == ([(0, 1), (1, 2), (2, 3)], pytest.approx(3 * 1.95))
    with pytest.raises(ValueError, match="never rising"):
        solve(scores, capacity, {1: [0.0, 0.1, 0.0]})


def test_solver_keeps_its_contract_on_the_known_case() -> None:
    scores = [{1: 2.0, 2: 0.5}, {1: 1.9}]
    assert solve(scores, {1: 1, 2: 1}) == ([(0, 2), (1, 1)], 2.4)
    assert greedy(scores, {1: 1, 2: 1}) == ([(0, 1)], 2.0)
    assert solve([], {1: 1}) == ([], 0.0)
    assert solve([{1: 1.0}], {}) == ([], 0.0)


def _bot(store: Store) -> MentorBot:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    return MentorBot(store, Library(settings.skills_file, settings.courses_file), settings, ManualClock(NOW))


async def test_round_pipeline_matches_the_per_request_path(store: Store) -> None:
    spec = CommunitySpec("round:test", 260, 60, 200, round_ready=True, seed=3)
    await load(store, generate(spec))
    bot = _bot(store)
    waiting = await store.list_requests(spec.name, [RequestStatus.WAITING])
    # The path before issue 8: candidates read and ranked per request, then the dense solver.
    rows = []
    capacity: dict[int, int] = {}
    places: dict[int, list[float]] = {}
    for request in waiting:
        mentee = await store.get_member(request.member_id)
        assert mentee is not None
        found = await store.find_candidates(
            spec.name,
            request.skills,
            exclude_member=mentee.id,
            request_id=request.id,
            repeat_since=NOW - timedelta(days=180),
        )
        ranked = rank_candidates(
            found, request.skills, mentee_language=bot.lang_of(mentee), mentee_timezone=mentee.timezone, at=NOW
        )
        for r in ranked:
            capacity[r.candidate.member.id] = r.candidate.profile.free_places
            # Each free place as live matching scores it, the places before it held.
            terms = place_scores([PoolMentor(r.candidate.member, r.candidate.profile)]).tolist()
            places[r.candidate.member.id] = [t / MICRO for t in terms]
        rows.append({r.candidate.member.id: r for r in ranked})
    scores = [{m: r.score for m, r in row.items()} for row in rows]
    # Greedy's ties go to the mentor first in fair rotation's order, the round's order of mentors.
    profiles = {r.candidate.member.id: r.candidate for row in rows for r in row.values()}
    capacity = {
        m: capacity[m]
        for m in sorted(capacity, key=lambda m: _rotation(PoolMentor(profiles[m].member, profiles[m].profile)))
    }
    dense_pairs, _ = solve_dense(scores, capacity, places)
    oldest, _, oldest_total = solve_dense_oldest_first(scores, capacity, places)
    _, greedy_total = greedy(scores, capacity, places)

    plan = await plan_round(bot.core, waiting)
    by_request = {r.id: i for i, r in enumerate(waiting)}
    assert len(plan.assignments) == len(dense_pairs)
    assert {by_request[a.request.id] for a in plan.assignments} == oldest, "the oldest requests that can be matched"
    assert plan.total_score == pytest.approx(oldest_total, abs=1e-6)
    assert plan.greedy_score == pytest.approx(greedy_total, abs=1e-6)
    for a in plan.assignments:
        expected = rows[by_request[a.request.id]][a.ranked.candidate.member.id]
        assert (a.ranked.score, a.ranked.explanation) == (expected.score, expected.explanation)

    result = await run_round(bot.core, spec.name)
    assert len(result.offers) == len(plan.assignments)
    pending = await store.list_offers(status=OfferStatus.PENDING)
    assert len(pending) == len(plan.assignments)
    for _, profile in await store.list_mentors(spec.name):
        assert profile.active_count + profile.pending_offers <= profile.capacity
    # Each offer tells its mentor's places as they stand when it is made: the round's earlier offers hold some.
    told: dict[int, list[int]] = {}
    for _, offer in result.offers:
        explanation = Explanation.from_json(offer.explanation)
        assert explanation is not None
        assert explanation.places_taken + explanation.places_held < explanation.capacity, "no free place told"
        told.setdefault(offer.mentor_id, []).append(explanation.places_held)
    for held in told.values():
        assert held == list(range(held[0], held[0] + len(held)))
    assert any(len(held) > 1 for held in told.values()), "the round gives some mentor two offers"


async def test_bulk_offers_skip_what_a_single_offer_would_refuse(store: Store) -> None:
    spec = CommunitySpec("bulk:test", 80, 5, 60, round_ready=True, seed=5)
    await load(store, generate(spec))
    mentors = await store.list_mentors(spec.name)
    all_waiting = await store.list_requests(spec.name, [RequestStatus.WAITING])

    def sharing(profile: MentorProfile) -> list[MentorshipRequest]:
        # The store refuses an offer of a request for none of the mentor's skills.
        return [r for r in all_waiting if set(r.skills) & set(profile.skills)]

    member, profile = max(mentors, key=lambda m: len(sharing(m[1])) - m[1].free_places)
    waiting = sharing(profile)
    places = profile.free_places
    assert len(waiting) >= places + 2
    items = [NewOffer(r.id, member.id, 1.0, "") for r in waiting[: places + 2]]
    items.append(NewOffer(waiting[0].id, mentors[1][0].id, 1.0, ""))  # the same request twice: first wins
    created = await store.create_offers(items, NOW, NOW + timedelta(hours=48))
    assert [o.request_id for o in created] == [r.id for r in waiting[:places]]
    again = await store.create_offers(items[:1], NOW, NOW + timedelta(hours=48))
    assert again == [], "a request no longer waiting is not offered again"
    after = await store.get_mentor_profile(member.id)
    assert after is not None and after.pending_offers == places and after.last_offered_at == NOW
    for offer in created:
        request = await store.get_request(offer.request_id)
        assert request is not None and request.status is RequestStatus.OFFERED
    due = await store.claim_due_jobs(NOW + timedelta(hours=49), "w", lease=timedelta(minutes=1), limit=100)
    assert sorted(j.ref_id for j in due) == sorted(o.id for o in created)


async def test_a_round_with_no_free_mentor_or_no_request_plans_nothing(store: Store) -> None:
    spec = CommunitySpec("empty:test", 40, 5, 10, round_ready=True, seed=7)
    await load(store, generate(spec))
    bot = _bot(store)
    for member, _ in await store.list_mentors(spec.name):
        await store.set_mentor_status(member.id, MentorStatus.PAUSED, NOW)
    waiting = await store.list_requests(spec.name, [RequestStatus.WAITING])
    plan = await plan_round(bot.core, waiting)
    assert (plan.assignments, plan.total_score, plan.greedy_score, plan.greedy_matched) == ((), 0.0, 0.0, 0)
    assert (await run_round(bot.core, spec.name)).offers == ()
    assert (await run_round(bot.core, "nobody:here")).offers == ()


async def test_round_pool_reads_requests_and_mentees_as_the_store_does(store: Store) -> None:
    # The pool reads requests and their mentees in one joined statement with its own row parsing: each must be
    # the very record `get_request` / `get_member` return, in the waiting list's order (oldest first).
    spec = CommunitySpec("pool:test", 120, 30, 60, round_ready=True, seed=11)
    await load(store, generate(spec))
    waiting = await store.list_requests(spec.name, [RequestStatus.WAITING])
    pool = await store.round_pool(spec.name, repeat_since=NOW - timedelta(days=180))
    assert [item.request for item in pool.requests] == waiting
    for item in pool.requests:
        assert item.request == await store.get_request(item.request.id)
        assert item.mentee == await store.get_member(item.request.member_id)
        assert item.request.created_at.tzinfo is not None and item.mentee.created_at.tzinfo is not None


def _kth_by_sorting(matrix: np.ndarray, keep: int) -> tuple[list[int], list[int], list[int], list[bool]]:
    """`rounds._at_least_kth`'s answer the slow, obvious way: each row sorted, its `keep`-th largest entry (counting
    ineligible ones) raised to the lowest eligible value is the threshold (a row of no more than `keep` entries: the
    lowest eligible value); every eligible entry at least that large is kept, by row then column."""
    rows: list[int] = []
    cols: list[int] = []
    values: list[int] = []
    ties: list[bool] = []
    floor = INELIGIBLE32 + 1
    for i, row in enumerate(matrix.tolist()):
        ordered = sorted(row, reverse=True)
        threshold = max(ordered[keep - 1], floor) if keep < len(row) else floor
        for j, value in enumerate(row):
            if value >= threshold:
                rows.append(i)
                cols.append(j)
                values.append(value)
                ties.append(value == threshold)
    return rows, cols, values, ties


@settings(max_examples=300, deadline=None)
@given(
    shape=st.tuples(st.integers(0, 30), st.integers(0, 40)),
    levels=st.integers(1, 6),
    ineligible=st.floats(0, 1),
    keep=st.sampled_from([1, 2, 3, 8]),
    seed=st.integers(0, 2**32 - 1),
)
def test_each_rows_best_entries_are_those_a_sort_of_the_row_gives(
    shape: tuple[int, int], levels: int, ineligible: float, keep: int, seed: int
) -> None:
    """The rows' best entries (greedy's lists and the solver's first pairs) without sorting whole rows: the same
    entries, values and ties as sorting each row, with many ties, ineligible pairs, and rows that are equal (found
    once per group, `_Problem._grouping`) or only grouped as equal (checked, then split)."""
    rng = np.random.default_rng(seed)
    n, m = shape
    matrix = (rng.integers(0, levels, size=(n, m)) * 1000).astype(np.int32)
    matrix[rng.random((n, m)) < ineligible] = INELIGIBLE32
    groups = rng.integers(0, max(1, n // 2), size=n)
    seen: dict[int, int] = {}
    for i, group in enumerate(groups.tolist()):
        if group in seen and rng.random() < 0.8:
            matrix[i] = matrix[seen[group]]  # most rows of a group equal; the others must be split off
        seen.setdefault(group, i)
    problem = _Problem(matrix, np.ones(m, dtype=np.int64), groups)
    found = _at_least_kth(matrix, keep, problem._grouping())
    expected = _kth_by_sorting(matrix, keep)
    assert [part.tolist() for part in found] == list(expected)


def test_a_tie_in_a_round_goes_to_the_mentor_offered_least_recently() -> None:
    """Rule 2's tie-break, in rounds as in live matching: before, the mentor with the lower id won every tie (the
    solvers prefer the first column, and columns were in id order)."""
    from datetime import UTC, datetime, timedelta

    from mentorbot.matching import PoolMentor, PoolRequest, RoundPool
    from mentorbot.models import Level, Member, MentorProfile, MentorshipRequest, MentorStatus, RequestStatus
    from mentorbot.rounds import plan_pool

    at = datetime(2026, 3, 29, 12, tzinfo=UTC)

    def mentor(member_id: int, last: datetime | None) -> PoolMentor:
        profile = MentorProfile(
            member_id,
            {"seo": Level.EXPERT},
            2,
            "",
            "UTC",
            ("en",),
            MentorStatus.ACTIVE,
            None,
            None,
            0,
            0,
            0,
            last,
            at,
            at,
        )
        return PoolMentor(Member(member_id, "c", f"m{member_id}", f"M{member_id}", "en", at), profile)

    request = PoolRequest(
        MentorshipRequest(10, 50, "c", ("seo",), "", RequestStatus.WAITING, None, at, at, None),
        Member(50, "c", "u", "U", "en", at, "UTC"),
    )
    recent, earlier, never = mentor(1, at - timedelta(hours=1)), mentor(2, at - timedelta(days=3)), mentor(3, None)
    for order in ((recent, earlier, never), (never, earlier, recent), (earlier, recent, never)):
        plan = plan_pool(RoundPool((request,), order, frozenset(), {}), ["en"], at)
        assert [a.ranked.candidate.member.id for a in plan.assignments] == [3]
    plan = plan_pool(RoundPool((request,), (recent, earlier), frozenset(), {}), ["en"], at)
    assert [a.ranked.candidate.member.id for a in plan.assignments] == [2]
