"""Ranking inside the database prunes by stored keys (migration 0013): the keys never drift from a fresh
computation whatever the writes, and the pruned ranking is exactly the head of the full Python ranking."""

from __future__ import annotations

import contextlib
import uuid
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mentorbot.matching import CAPACITY_BONUS, LEVEL_WEIGHT, score_params
from mentorbot.models import Level, MentorStatus, NewMentorProfile
from mentorbot.storage import candidates
from mentorbot.storage.members import ProfileInUse
from mentorbot.storage.store import Store
from tests.matching.test_score_forms_agree import AT, REPEAT_SINCE, SKILLS, ZONES, Scenario, _load, scenarios
from tests.matching.test_top_ranked import compare_rankings

PROPERTY = settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def test_key_weights_are_the_scores() -> None:
    """The weights migration 0013's triggers compute `match_key` with are the score's (change them together)."""
    assert {level.value: w for level, w in LEVEL_WEIGHT.items()} == candidates.MATCH_KEY_LEVEL_WEIGHTS
    assert candidates.MATCH_KEY_CAPACITY_BONUS == CAPACITY_BONUS


async def _drift(store: Store) -> list[tuple[int, str, object, object]]:
    """Every mentor_skills row whose stored (match_open, match_key) differs from a fresh computation."""
    async with store.db.read() as conn:
        found = await conn.fetch_all(
            "SELECT s.member_id, s.skill, s.level, s.match_open, s.match_key, p.status, p.capacity, p.active_count, "
            "p.pending_offers FROM mentor_skills s JOIN mentor_profiles p ON p.member_id = s.member_id"
        )
    bad = []
    for r in found:
        taken = int(r["active_count"]) + int(r["pending_offers"])
        capacity = int(r["capacity"])
        is_open = int(r["status"] == "active" and taken < capacity)
        key = LEVEL_WEIGHT[Level(r["level"])] + CAPACITY_BONUS * max(0, capacity - taken) / capacity
        if int(r["match_open"]) != is_open or float(r["match_key"]) != key:
            bad.append((int(r["member_id"]), str(r["skill"]), (r["match_open"], r["match_key"]), (is_open, key)))
    return bad


operations = st.lists(
    st.one_of(
        st.tuples(
            st.just("profile"),
            st.integers(0, 6),
            st.integers(1, 4),
            st.sampled_from(ZONES),
            st.dictionaries(st.sampled_from(SKILLS), st.sampled_from(list(Level)), min_size=1, max_size=4),
        ),
        st.tuples(st.just("pause"), st.integers(0, 6)),
        st.tuples(st.just("resume"), st.integers(0, 6)),
        st.tuples(st.just("offer"), st.integers(0, 6), st.integers(0, 3)),
        st.tuples(st.just("decline"), st.integers(0, 20)),
        st.tuples(st.just("accept"), st.integers(0, 20)),
        st.tuples(st.just("end"), st.integers(0, 20)),
    ),
    max_size=12,
)


@PROPERTY
@given(scenario=scenarios(), ops=operations)
async def test_stored_keys_never_drift(store: Store, scenario: Scenario, ops: list[tuple[object, ...]]) -> None:
    """After any sequence of the writes that change a key's inputs (profile saved with other skills, levels,
    capacity or zone; pause; resume; offers made, declined, accepted; mentorships ended), every stored key and
    open flag equals a fresh computation from the profile."""
    community = f"keys:{uuid.uuid4().hex[:12]}"
    mentor_ids, mentee_ids, _ = await _load(store, community, scenario)
    assert await _drift(store) == []
    offers: list[tuple[int, int]] = []
    mentorships: list[int] = []
    for op in ops:
        kind = op[0]
        if kind == "profile":
            _, j, capacity, zone, skills = op
            mentor = mentor_ids[int(str(j)) % len(mentor_ids)]
            profile = await store.get_mentor_profile(mentor)
            assert profile is not None
            in_use = profile.active_count + profile.pending_offers
            new = NewMentorProfile(dict(skills), max(int(str(capacity)), in_use, 1), "", str(zone), ("en",))  # type: ignore[arg-type]
            # New skills that drop one an offer or a mentorship relies on are refused, and nothing is written.
            with contextlib.suppress(ProfileInUse):
                await store.save_mentor_profile(mentor, new, AT)
        elif kind in ("pause", "resume"):
            mentor = mentor_ids[int(str(op[1])) % len(mentor_ids)]
            status = MentorStatus.PAUSED if kind == "pause" else MentorStatus.ACTIVE
            await store.set_mentor_status(mentor, status, AT)
        elif kind == "offer":
            mentor = mentor_ids[int(str(op[1])) % len(mentor_ids)]
            mentee = mentee_ids[int(str(op[2])) % len(mentee_ids)]
            if mentee == mentor:
                continue
            request = await store.create_request(mentee, community, ["python"], "", AT, max_open=99)
            offer = await store.create_offer(request.id, mentor, 0.0, "", AT, AT + timedelta(days=1))
            if offer is not None:
                offers.append((offer.id, mentor))
        elif kind in ("decline", "accept") and offers:
            offer_id, mentor = offers.pop(int(str(op[1])) % len(offers))
            if kind == "decline":
                await store.decline_offer(offer_id, mentor, None, AT)
            else:
                accepted = await store.accept_offer(offer_id, mentor, AT)
                if accepted is not None:
                    mentorships.append(accepted.mentorship.id)
        elif kind == "end" and mentorships:
            await store.end_mentorship(mentorships.pop(int(str(op[1])) % len(mentorships)), AT, by_member=None)
        assert await _drift(store) == [], op


@PROPERTY
@given(scenario=scenarios(), limit=st.integers(1, 4), seed=st.integers(1, 3))
async def test_pruned_ranking_is_the_head_of_the_full_one(
    store: Store, scenario: Scenario, limit: int, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On random communities, with the bar read from as few as one mentor per skill (so that the pruning is
    exercised on small communities), `top_ranked` returns exactly `rank_candidates`' first `limit` (same
    mentors, same order, same scores to the millionth), for every waiting request and both languages."""
    monkeypatch.setattr(candidates, "SEED_PER_SKILL", seed)
    community = f"prune:{uuid.uuid4().hex[:12]}"
    await _load(store, community, scenario)
    await store.mentor_timezones(refresh=True)
    await compare_rankings(store, community, limit, repeat_since=REPEAT_SINCE, at=AT)


def test_the_bound_covers_every_term() -> None:
    """What a score may exceed a mentor's best key by: the language bonus and the best zone bonus of this
    mentee (with the margin); no bound for weights other than the stored keys'."""
    params = score_params(("UTC", "Asia/Kolkata"), "Asia/Kolkata", AT)
    bound = candidates.prune_bound(params)
    assert bound is not None
    assert bound == pytest.approx(params.language_bonus + max(params.tz_bonus.values()) + candidates.BOUND_MARGIN)
    other = score_params((), None, AT)
    assert (
        candidates.prune_bound(
            type(other)(
                level_weights={**other.level_weights, "expert": 2.0},
                language_bonus=other.language_bonus,
                capacity_bonus=other.capacity_bonus,
                repeat_penalty=other.repeat_penalty,
                tz_bonus=other.tz_bonus,
                tz_default=other.tz_default,
            )
        )
        is None
    )
