"""Ranking inside the database (`matching.top_ranked`) gives exactly the best of the full ranking."""

from __future__ import annotations

from datetime import datetime, timedelta

from benchmarks.generate import NOW, CommunitySpec, generate, load

from mentorbot.matching import rank_candidates, top_ranked
from mentorbot.models import MentorStatus, NewMentorProfile, RequestStatus
from mentorbot.storage.store import Store

REPEAT = NOW - timedelta(days=180)


async def compare_rankings(
    store: Store, community: str, limit: int, *, repeat_since: datetime = REPEAT, at: datetime = NOW
) -> int:
    """`top_ranked` against the full Python ranking (`rank_candidates` over `find_candidates`), for every waiting
    request of `community` in both languages: the same mentors, order, scores and explanations. How many
    rankings were compared."""
    compared = 0
    for request in await store.list_requests(community, [RequestStatus.WAITING]):
        mentee = await store.get_member(request.member_id)
        assert mentee is not None
        for language in ("en", "sw"):
            found = await store.find_candidates(
                community, request.skills, exclude_member=mentee.id, request_id=request.id, repeat_since=repeat_since
            )
            full = rank_candidates(
                found, request.skills, mentee_language=language, mentee_timezone=mentee.timezone, at=at
            )
            top = await top_ranked(
                store,
                community,
                request.skills,
                exclude_member=mentee.id,
                request_id=request.id,
                repeat_since=repeat_since,
                mentee_language=language,
                mentee_timezone=mentee.timezone,
                at=at,
                limit=limit,
            )
            expected = [(r.candidate.member.id, r.score, r.explanation) for r in full[:limit]]
            assert [(r.candidate.member.id, r.score, r.explanation) for r in top] == expected
            assert [r.candidate for r in top] == [r.candidate for r in full[:limit]]
            compared += 1
    return compared


async def test_top_ranked_is_the_head_of_the_full_ranking(store: Store) -> None:
    spec = CommunitySpec("rank:test", 400, 80, 60, seed=11)
    await load(store, generate(spec))
    # Another community in the same database: its mentors must never be ranked for this one.
    await load(store, generate(CommunitySpec("rank:other", 200, 60, 0, seed=12)))
    assert await compare_rankings(store, spec.name, 5) == 120
    assert await compare_rankings(store, spec.name, 40) == 120


async def test_top_ranked_sees_changes_made_since(store: Store) -> None:
    spec = CommunitySpec("rank:changes", 120, 30, 20, seed=13)
    await load(store, generate(spec))
    assert await compare_rankings(store, spec.name, 3)
    # A mentor in a time zone nobody had (the cached zone list is stale), offers made, a mentor paused.
    mentors = await store.list_mentors(spec.name)
    member, profile = mentors[0]
    await store.save_mentor_profile(
        member.id,
        NewMentorProfile(dict(profile.skills), profile.capacity, profile.bio, "Pacific/Auckland", profile.languages),
        NOW,
    )
    store._timezones = ("Africa/Nairobi",)  # as another process's change would leave it
    await store.set_mentor_status(mentors[1][0].id, MentorStatus.PAUSED, NOW)
    waiting = await store.list_requests(spec.name, [RequestStatus.WAITING])
    ranked = await top_ranked(
        store,
        spec.name,
        waiting[0].skills,
        exclude_member=waiting[0].member_id,
        request_id=waiting[0].id,
        repeat_since=REPEAT,
        mentee_language="en",
        mentee_timezone="Africa/Nairobi",
        at=NOW,
    )
    if ranked:
        await store.create_offer(waiting[0].id, ranked[0].candidate.member.id, 1.0, "", NOW, NOW + timedelta(hours=1))
    assert await compare_rankings(store, spec.name, 3)
