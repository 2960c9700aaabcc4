"""Several stores over one database, as several processes would have: compare-and-set still lets one win.

On SQLite this is the test that matters most: within one store, an asyncio lock already serialises writes, so
only separate connections (separate stores) race for the file's write lock through BEGIN IMMEDIATE.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from mentorbot.clock import ManualClock
from mentorbot.models import Level, NewMentorProfile
from mentorbot.storage.store import Store
from tests.conftest import store_on_same_database

C = "test:community"


async def test_accepts_from_several_processes_make_one_mentorship(store: Store, clock: ManualClock) -> None:
    mentor = (await store.ensure_member(C, "u-m", "Mentor", clock.now())).id
    await store.save_mentor_profile(mentor, NewMentorProfile({"seo": Level.EXPERT}, 3, "", "UTC", ("en",)), clock.now())
    mentee = (await store.ensure_member(C, "u-a", "Mentee", clock.now())).id
    request = await store.create_request(mentee, C, ["seo"], "", clock.now(), max_open=3)
    offer = await store.create_offer(request.id, mentor, 1.0, "", clock.now(), clock.now() + timedelta(hours=1))
    assert offer is not None
    others = [store_on_same_database(store) for _ in range(4)]
    for other in others:
        await other.open(clock.now())
    try:
        results = await asyncio.gather(
            *(s.accept_offer(offer.id, mentor, clock.now()) for s in [store, *others] for _ in range(5))
        )
    finally:
        for other in others:
            await other.close()
    assert sum(r is not None for r in results) == 1
    profile = await store.get_mentor_profile(mentor)
    assert profile is not None and profile.active_count == 1 and profile.pending_offers == 0


async def test_jobs_claimed_by_several_processes_run_once(store: Store, clock: ManualClock) -> None:
    from mentorbot.models import JobKind

    for ref in range(10):
        await store.schedule_job(JobKind.CHECKIN, ref, clock.now(), clock.now())
    others = [store_on_same_database(store) for _ in range(3)]
    for other in others:
        await other.open(clock.now())
    try:
        claims = await asyncio.gather(
            *(
                s.claim_due_jobs(clock.now(), f"w{i}", lease=timedelta(minutes=5), limit=3)
                for i, s in enumerate([store, *others, store, *others])
            )
        )
    finally:
        for other in others:
            await other.close()
    claimed = [job.ref_id for batch in claims for job in batch]
    assert sorted(claimed) == list(range(10)), "every job claimed exactly once"
