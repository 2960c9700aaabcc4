"""Property: the store's check of a pair under its locks (`mentorships.check_pairs`) reads what live matching
reads (`Store.pair_history` through `matching.eligibility.blocks_for`), for any history of offers between a mentee
and their mentors, on both engines.

Found by a review: an admin's check and the store's disagreed about a pair whose request held a pending offer (the
pending offer outranked a cooldown from the mentee's other request on one side only), and the match was refused as
"no free place". Here the two reads are compared over random histories: requests with overlapping skills, offers of
every status and reason (the expiries that are no lapse too, session 42: never reached, `undelivered`, or while the
community was out, `away`), decided days apart, mentors back or not since, and mentorships with them, active (the
mentor is not offered the mentee's requests meanwhile) or ended."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mentorbot.matching.eligibility import AWAY, UNDELIVERED, blocks_for
from mentorbot.models import Level, NewMentorProfile
from mentorbot.storage.mentorships import check_pairs
from mentorbot.storage.rows import join_list
from mentorbot.storage.store import Store

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
SKILLS = ("seo", "copywriting", "paid-social")
REOFFER_AFTER = timedelta(days=3)
REASONS = (None, "not_now", "not_my_skill", "not_this_person", "paused", UNDELIVERED, AWAY, "other")

offer = st.tuples(
    st.integers(0, 2),  # which of the mentee's requests
    st.integers(0, 2),  # which mentor
    st.sampled_from(("pending", "accepted", "declined", "expired", "withdrawn")),
    st.sampled_from(REASONS),
    st.integers(0, 6),  # decided this many days ago
)
skill_sets = st.frozensets(st.sampled_from(SKILLS), min_size=1, max_size=2)


@given(
    offers=st.lists(offer, max_size=9),
    request_skills=st.lists(skill_sets, min_size=3, max_size=3),
    mentor_skills=st.lists(skill_sets, min_size=3, max_size=3),
    back=st.lists(st.none() | st.integers(0, 6), min_size=3, max_size=3),
    mentoring=st.lists(st.tuples(st.integers(0, 2), st.booleans()), max_size=2),
)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
async def test_the_locked_check_of_a_pair_reads_what_live_matching_reads(
    store: Store,
    offers: list[tuple[int, int, str, str | None, int]],
    request_skills: list[frozenset[str]],
    mentor_skills: list[frozenset[str]],
    back: list[int | None],
    mentoring: list[tuple[int, bool]],
) -> None:
    community = f"pairs:{uuid.uuid4().hex[:8]}"
    mentee = await store.ensure_member(community, "U-mentee", "Mentee", NOW)
    mentors = []
    for j, skills in enumerate(mentor_skills):
        member = await store.ensure_member(community, f"U-m{j}", f"M{j}", NOW)
        profile = NewMentorProfile(
            skills=dict.fromkeys(sorted(skills), Level.EXPERT), capacity=5, bio="", timezone="UTC", languages=("en",)
        )
        await store.save_mentor_profile(member.id, profile, NOW)
        mentors.append(member.id)
    requests = [
        await store.create_request(mentee.id, community, sorted(skills), "", NOW, max_open=10)
        for skills in request_skills
    ]
    seen: set[tuple[int, int]] = set()
    pending: set[int] = set()
    async with store.db.transaction() as conn:
        for j, days in enumerate(back):
            if days is not None:
                await conn.execute(
                    "UPDATE mentor_profiles SET back_at = ? WHERE member_id = ?", NOW - timedelta(days=days), mentors[j]
                )
        for r, j, status, reason, days in offers:
            request_id, mentor_id = requests[r].id, mentors[j]
            if (request_id, mentor_id) in seen or (status == "pending" and request_id in pending):
                continue  # one offer per pair, one pending offer per request (the schema's own rules)
            seen.add((request_id, mentor_id))
            if status == "pending":
                pending.add(request_id)
            decided = None if status == "pending" else NOW - timedelta(days=days, hours=1)
            await conn.execute(
                "INSERT INTO offers (request_id, mentor_id, status, score, explanation, created_at, expires_at, "
                "decided_at, reason_kind) VALUES (?, ?, ?, 1.0, '', ?, ?, ?, ?)",
                request_id,
                mentor_id,
                status,
                NOW - timedelta(days=7),
                NOW + timedelta(days=1),
                decided,
                reason,
            )
        for j, active in mentoring:  # a mentorship with a mentor, active (a block) or ended (none)
            await conn.execute(
                "INSERT INTO mentorships (request_id, mentor_id, mentee_id, community, skills, status, started_at) "
                "VALUES (NULL, ?, ?, ?, ?, ?, ?)",
                mentors[j],
                mentee.id,
                community,
                join_list(sorted(mentor_skills[j])),
                "active" if active else "ended",
                NOW - timedelta(days=2),
            )
    pairs = [(request.id, mentor_id) for request in requests for mentor_id in mentors]
    async with store.db.transaction() as conn:
        # As a round checks its batch, and as one offer or one admin's match checks its pair alone.
        batch = await check_pairs(conn, store.db.dialect, pairs, NOW, REOFFER_AFTER)
        alone = {pair: (await check_pairs(conn, store.db.dialect, [pair], NOW, REOFFER_AFTER))[pair] for pair in pairs}
    history = await store.pair_history([mentee.id])
    for request in requests:
        # The request's own pending offer is not what the locked check reads: the caller has just withdrawn it
        # (an admin's match) or there is none (an offer is made only to a waiting request).
        past = [f for f in history if not (f.status == "pending" and f.request_id == request.id)]
        blocks = blocks_for(request.id, mentee.id, request.skills, past, now=NOW, reoffer_after=REOFFER_AFTER)
        for j, mentor_id in enumerate(mentors):
            for got in (batch[(request.id, mentor_id)], alone[(request.id, mentor_id)]):
                assert got.shares_skill == bool(set(request.skills) & mentor_skills[j]), (request, j)
                assert got.block == blocks.get(mentor_id), (request.id, j, offers, back)
