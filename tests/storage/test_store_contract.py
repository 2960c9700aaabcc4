"""The store contract, run on SQLite and PostgreSQL alike (see the `store` fixture)."""

from __future__ import annotations

import asyncio
from datetime import UTC, timedelta
from typing import Any

import pytest

from mentorbot.clock import ManualClock
from mentorbot.models import (
    JobKind,
    Level,
    MentorshipStatus,
    MentorStatus,
    NewMentorProfile,
    OfferStatus,
    RequestStatus,
)
from mentorbot.storage.migrations import MigrationChangedError, SchemaTooNewError, available_migrations
from mentorbot.storage.store import LimitReached, Store
from tests.conftest import held_payloads

C = "test:community"
HOUR = timedelta(hours=1)


async def member(store: Store, clock: ManualClock, name: str) -> int:
    return (await store.ensure_member(C, f"u-{name}", name, clock.now())).id


async def mentor(store: Store, clock: ManualClock, name: str, skills: dict[str, Level], capacity: int = 2) -> int:
    member_id = await member(store, clock, name)
    await store.save_mentor_profile(member_id, NewMentorProfile(skills, capacity, "bio", "UTC", ("en",)), clock.now())
    return member_id


async def test_migrations_are_recorded_and_idempotent(store: Store, clock: ManualClock) -> None:
    known = available_migrations(store.db.dialect)[-1].version
    assert await store.open(clock.now()) == known
    async with store.db.read() as conn:
        row = await conn.fetch_one("SELECT MAX(version) AS v, COUNT(*) AS n FROM schema_version")
    assert row is not None and int(row["v"]) == known and int(row["n"]) == known


async def test_a_migration_changed_after_it_was_applied_is_refused(store: Store, clock: ManualClock) -> None:
    """Each applied migration's checksum is recorded; a script changed since (0017 was, after it first reached
    main) is refused at the next start instead of trusted by its number. One recorded before checksums were
    (none stored) has it recorded from the script as it is."""
    await store.open(clock.now())
    async with store.db.transaction() as conn:
        await conn.execute("UPDATE schema_version SET checksum = NULL WHERE version = 3")
        await conn.execute("UPDATE schema_version SET checksum = 'edited' WHERE version = 5")
    with pytest.raises(MigrationChangedError, match="0005_"):
        await store.open(clock.now())
    async with store.db.transaction() as conn:
        await conn.execute("UPDATE schema_version SET checksum = NULL WHERE version = 5")
    await store.open(clock.now())
    async with store.db.read() as conn:
        rows = await conn.fetch_all("SELECT version, checksum FROM schema_version ORDER BY version")
    scripts = {m.version: m.checksum for m in available_migrations(store.db.dialect)}
    assert {int(r["version"]): r["checksum"] for r in rows} == scripts


@pytest.mark.parametrize(
    ("change", "same"),
    [
        (lambda sql: sql + "\n\n", True),
        (lambda sql: sql.replace("\n", "\r\n"), True),
        (lambda sql: sql.replace("NOT NULL,", "NOT NULL, -- why\n", 1), True),
        (lambda sql: "-- a new first line\n" + sql.replace("    ", "        "), True),
        (lambda sql: sql.replace("INTEGER", "BIGINT", 1), False),
    ],
)
def test_a_migrations_checksum_sees_what_runs_and_nothing_else(change: Any, same: bool) -> None:
    """Found by review: a blank line added at the end of a script changed its checksum, and every process then
    refused to start. Only a change to what runs counts."""
    from mentorbot.storage.migrations import Migration

    script = available_migrations("sqlite")[17]
    assert (Migration(18, script.name, change(script.sql)).checksum == script.checksum) is same


async def test_a_checksum_in_its_first_form_is_taken_and_rewritten(store: Store, clock: ManualClock) -> None:
    await store.open(clock.now())
    first = available_migrations(store.db.dialect)[17]
    async with store.db.transaction() as conn:
        await conn.execute("UPDATE schema_version SET checksum = ? WHERE version = 18", first.first_checksum)
    await store.open(clock.now())
    async with store.db.read() as conn:
        row = await conn.fetch_one("SELECT checksum FROM schema_version WHERE version = 18")
    assert row is not None and row["checksum"] == first.checksum


async def test_a_database_migrated_by_the_first_0017_gets_its_reload_count_back(
    store: Store, clock: ManualClock
) -> None:
    """A database migrated by 0017 as it first reached main had library_reloads without `generation`: every
    `/mentor-admin reload` failed there. 0018 makes the table again in its current shape."""
    await store.open(clock.now())
    async with store.db.transaction() as conn:
        await conn.execute("DROP TABLE library_reloads")
        await conn.execute("CREATE TABLE library_reloads (name TEXT PRIMARY KEY, reloaded_at TEXT NOT NULL)")
        await conn.execute("DELETE FROM schema_version WHERE version >= 18")
        await conn.execute("UPDATE schema_version SET checksum = NULL WHERE version = 17")
    await store.open(clock.now())
    assert await store.note_library_reload(clock.now()) == 1


async def test_a_database_newer_than_the_code_is_refused(store: Store, clock: ManualClock) -> None:
    async with store.db.transaction() as conn:
        await conn.execute(
            "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)", 999, "future", clock.now()
        )
    with pytest.raises(SchemaTooNewError, match="version 999"):
        await store.open(clock.now())


async def test_members_are_created_once_and_kept_fresh(store: Store, clock: ManualClock) -> None:
    first = await store.ensure_member(C, "U1", "Amina", clock.now())
    again = await store.ensure_member(C, "U1", "Amina W.", clock.now())
    assert again.id == first.id and again.display_name == "Amina W."
    assert first.created_at.tzinfo is not None and first.created_at.utcoffset() == timedelta(0)
    other_community = await store.ensure_member("other", "U1", "Amina", clock.now())
    assert other_community.id != first.id
    assert (await store.find_member_by_name(C, "amina w.")) == again
    await store.set_language(first.id, "sw")
    found = await store.get_member(first.id)
    assert found is not None and found.language == "sw"


async def test_mentor_profile_round_trip_and_update_replaces_skills(store: Store, clock: ManualClock) -> None:
    mid = await member(store, clock, "Baraka")
    profile, created = await store.save_mentor_profile(
        mid,
        NewMentorProfile({"seo": Level.EXPERT, "copywriting": Level.LEARNING}, 3, "hi", "Africa/Nairobi", ("en", "sw")),
        clock.now(),
    )
    assert created and profile.skills == {"copywriting": Level.LEARNING, "seo": Level.EXPERT}
    assert profile.languages == ("en", "sw") and profile.status is MentorStatus.ACTIVE
    clock.advance(HOUR)
    updated, created = await store.save_mentor_profile(
        mid, NewMentorProfile({"paid-social": Level.PRACTITIONER}, 1, "new", "UTC", ("en",)), clock.now()
    )
    assert not created and updated.skills == {"paid-social": Level.PRACTITIONER} and updated.capacity == 1
    assert updated.updated_at == clock.now() and updated.created_at == profile.created_at


async def test_open_request_limit(store: Store, clock: ManualClock) -> None:
    mid = await member(store, clock, "Chao")
    for _ in range(2):
        await store.create_request(mid, C, ["seo"], "", clock.now(), max_open=2)
    with pytest.raises(LimitReached):
        await store.create_request(mid, C, ["seo"], "", clock.now(), max_open=2)
    assert len(await store.list_member_requests(mid, open_only=True)) == 2


async def test_concurrent_requests_never_pass_the_limit(store: Store, clock: ManualClock) -> None:
    mid = await member(store, clock, "Dalia")

    async def attempt() -> bool:
        try:
            await store.create_request(mid, C, ["seo"], "", clock.now(), max_open=3)
        except LimitReached:
            return False
        return True

    results = await asyncio.gather(*(attempt() for _ in range(20)))
    assert results.count(True) == 3
    assert len(await store.list_member_requests(mid, open_only=True)) == 3


async def test_waiting_asking_chooses_by_skill_in_the_database(store: Store, clock: ManualClock) -> None:
    """`waiting_asking`: the waiting requests of one community asking for any of the skills, each once, oldest
    first; a request that asks for none of them, no longer waits, or is of another community is not read."""
    a, b = await member(store, clock, "Ama"), await member(store, clock, "Ben")
    other = (await store.ensure_member("other", "u-o", "Oto", clock.now())).id
    both = await store.create_request(a, C, ["copywriting", "seo"], "", clock.now(), max_open=3)
    clock.advance(HOUR)
    unasked = await store.create_request(a, C, ["paid-social"], "", clock.now(), max_open=3)
    clock.advance(HOUR)
    cancelled = await store.create_request(b, C, ["seo"], "", clock.now(), max_open=3)
    assert await store.cancel_request(cancelled.id, b, clock.now()) is not None
    await store.create_request(other, "other", ["seo"], "", clock.now(), max_open=3)
    clock.advance(HOUR)
    seo = await store.create_request(b, C, ["seo"], "", clock.now(), max_open=3)
    found = await store.waiting_asking(C, ["seo", "copywriting"])
    assert [r.id for r in found] == [both.id, seo.id]
    assert found[0].skills == ("copywriting", "seo")
    assert [r.id for r in await store.waiting_asking(C, ["paid-social"])] == [unasked.id]
    assert await store.waiting_asking(C, []) == []


async def test_candidates_are_eligible_mentors_only(store: Store, clock: ManualClock) -> None:
    good = await mentor(store, clock, "Good", {"seo": Level.EXPERT, "copywriting": Level.PRACTITIONER})
    paused = await mentor(store, clock, "Paused", {"seo": Level.EXPERT})
    await store.set_mentor_status(paused, MentorStatus.PAUSED, clock.now())
    await mentor(store, clock, "Unrelated", {"paid-social": Level.EXPERT})
    outsider = await store.ensure_member("elsewhere", "u-x", "X", clock.now())
    await store.save_mentor_profile(
        outsider.id, NewMentorProfile({"seo": Level.EXPERT}, 2, "", "UTC", ("en",)), clock.now()
    )
    requester = await mentor(store, clock, "Requester", {"seo": Level.EXPERT})
    request = await store.create_request(requester, C, ["seo", "copywriting"], "", clock.now(), max_open=3)
    found = await store.find_candidates(
        C, request.skills, exclude_member=requester, request_id=request.id, repeat_since=clock.now() - HOUR
    )
    assert [c.member.id for c in found] == [good]
    assert found[0].shared == {"seo": Level.EXPERT, "copywriting": Level.PRACTITIONER}
    offer = await store.create_offer(request.id, good, 1.0, "why", clock.now(), clock.now() + 48 * HOUR)
    assert offer is not None
    again = await store.find_candidates(
        C, request.skills, exclude_member=requester, request_id=request.id, repeat_since=clock.now() - HOUR
    )
    assert again == []


async def test_offer_holds_a_place_and_a_full_mentor_gets_no_offer(store: Store, clock: ManualClock) -> None:
    m = await mentor(store, clock, "Solo", {"seo": Level.EXPERT}, capacity=1)
    a = await member(store, clock, "A")
    b = await member(store, clock, "B")
    ra = await store.create_request(a, C, ["seo"], "", clock.now(), max_open=3)
    rb = await store.create_request(b, C, ["seo"], "", clock.now(), max_open=3)
    first = await store.create_offer(ra.id, m, 1.0, "", clock.now(), clock.now() + HOUR)
    assert first is not None and first.status is OfferStatus.PENDING
    assert await store.create_offer(rb.id, m, 1.0, "", clock.now(), clock.now() + HOUR) is None
    rb_after = await store.get_request(rb.id)
    assert rb_after is not None and rb_after.status is RequestStatus.WAITING, "a failed offer changes nothing"
    assert await store.create_offer(ra.id, m, 1.0, "", clock.now(), clock.now() + HOUR) is None
    profile = await store.get_mentor_profile(m)
    assert profile is not None and profile.pending_offers == 1 and profile.free_places == 0


async def test_fifty_racing_accepts_make_exactly_one_mentorship(store: Store, clock: ManualClock) -> None:
    m = await mentor(store, clock, "Mentor", {"seo": Level.EXPERT}, capacity=3)
    a = await member(store, clock, "Mentee")
    request = await store.create_request(a, C, ["seo"], "", clock.now(), max_open=3)
    offer = await store.create_offer(request.id, m, 1.0, "", clock.now(), clock.now() + HOUR)
    assert offer is not None
    results = await asyncio.gather(*(store.accept_offer(offer.id, m, clock.now()) for _ in range(50)))
    assert sum(r is not None for r in results) == 1
    assert len(await store.list_mentorships(member_id=m)) == 1
    profile = await store.get_mentor_profile(m)
    assert profile is not None and profile.active_count == 1 and profile.pending_offers == 0


async def test_fifty_racing_declines_and_expiries_settle_once(store: Store, clock: ManualClock) -> None:
    m = await mentor(store, clock, "Mentor", {"seo": Level.EXPERT}, capacity=3)
    a = await member(store, clock, "Mentee")
    request = await store.create_request(a, C, ["seo"], "", clock.now(), max_open=3)
    offer = await store.create_offer(request.id, m, 1.0, "", clock.now(), clock.now() + HOUR)
    assert offer is not None
    clock.advance(2 * HOUR)
    results = await asyncio.gather(
        *(store.decline_offer(offer.id, m, None, clock.now()) for _ in range(25)),
        *(store.expire_offer(offer.id, clock.now(), max_expired=3) for _ in range(25)),
    )
    assert sum(r is not None for r in results) == 1
    profile = await store.get_mentor_profile(m)
    assert profile is not None and profile.pending_offers == 0
    back = await store.get_request(request.id)
    assert back is not None and back.status is RequestStatus.WAITING


async def test_only_the_offered_mentor_can_accept_and_not_after_expiry(store: Store, clock: ManualClock) -> None:
    """Only the offer's mentor accepts it, and not once it expired; past its time but not expired yet (its timer
    not run), it is still open (session 35)."""
    m = await mentor(store, clock, "Mentor", {"seo": Level.EXPERT})
    other = await mentor(store, clock, "Other", {"seo": Level.EXPERT})
    a = await member(store, clock, "Mentee")
    request = await store.create_request(a, C, ["seo"], "", clock.now(), max_open=3)
    offer = await store.create_offer(request.id, m, 1.0, "", clock.now(), clock.now() + HOUR)
    assert offer is not None
    assert await store.accept_offer(offer.id, other, clock.now()) is None
    assert await store.decline_offer(offer.id, other, None, clock.now()) is None
    clock.advance(HOUR)
    assert await store.expire_offer(offer.id, clock.now(), max_expired=3) is not None
    assert await store.accept_offer(offer.id, m, clock.now()) is None
    stored = await store.get_offer(offer.id)
    assert stored is not None and stored.status is OfferStatus.EXPIRED


async def test_an_offer_past_its_time_is_accepted_until_its_expiry_runs(store: Store, clock: ManualClock) -> None:
    m = await mentor(store, clock, "Mentor", {"seo": Level.EXPERT})
    a = await member(store, clock, "Mentee")
    request = await store.create_request(a, C, ["seo"], "", clock.now(), max_open=3)
    offer = await store.create_offer(request.id, m, 1.0, "", clock.now(), clock.now() + HOUR)
    assert offer is not None
    clock.advance(HOUR * 2)
    accepted = await store.accept_offer(offer.id, m, clock.now())
    assert accepted is not None and accepted.offer.status is OfferStatus.ACCEPTED
    assert await store.expire_offer(offer.id, clock.now(), max_expired=3) is None, "decided: nothing to expire"


async def test_accept_closes_the_mentees_overlapping_requests(store: Store, clock: ManualClock) -> None:
    m1 = await mentor(store, clock, "M1", {"seo": Level.EXPERT, "copywriting": Level.EXPERT})
    m2 = await mentor(store, clock, "M2", {"seo": Level.EXPERT})
    a = await member(store, clock, "Mentee")
    r1 = await store.create_request(a, C, ["seo", "copywriting"], "", clock.now(), max_open=3)
    r2 = await store.create_request(a, C, ["seo"], "", clock.now(), max_open=3)
    r3 = await store.create_request(a, C, ["paid-social"], "", clock.now(), max_open=3)
    o1 = await store.create_offer(r1.id, m1, 1.0, "", clock.now(), clock.now() + HOUR)
    o2 = await store.create_offer(r2.id, m2, 1.0, "", clock.now(), clock.now() + HOUR)
    assert o1 and o2
    result = await store.accept_offer(o1.id, m1, clock.now())
    assert result is not None
    assert [r.id for r in result.closed_requests] == [r2.id]
    assert [o.id for o in result.withdrawn_offers] == [o2.id]
    assert await store.accept_offer(o2.id, m2, clock.now()) is None
    p2 = await store.get_mentor_profile(m2)
    assert p2 is not None and p2.pending_offers == 0 and p2.active_count == 0
    r3_after = await store.get_request(r3.id)
    assert r3_after is not None and r3_after.status is RequestStatus.WAITING


async def test_two_mentors_racing_for_one_mentees_two_requests(store: Store, clock: ManualClock) -> None:
    m1 = await mentor(store, clock, "M1", {"seo": Level.EXPERT}, capacity=1)
    m2 = await mentor(store, clock, "M2", {"seo": Level.EXPERT}, capacity=1)
    a = await member(store, clock, "Mentee")
    r1 = await store.create_request(a, C, ["seo"], "", clock.now(), max_open=3)
    r2 = await store.create_request(a, C, ["seo"], "", clock.now(), max_open=3)
    o1 = await store.create_offer(r1.id, m1, 1.0, "", clock.now(), clock.now() + HOUR)
    o2 = await store.create_offer(r2.id, m2, 1.0, "", clock.now(), clock.now() + HOUR)
    assert o1 and o2
    results = await asyncio.gather(
        store.accept_offer(o1.id, m1, clock.now()), store.accept_offer(o2.id, m2, clock.now())
    )
    assert sum(r is not None for r in results) == 1
    active = await store.list_mentorships(member_id=a, active_only=True)
    assert len(active) == 1
    for m in (m1, m2):
        p = await store.get_mentor_profile(m)
        assert p is not None and p.active_count + p.pending_offers <= p.capacity


async def test_expiry_streak_pauses_the_mentor(store: Store, clock: ManualClock) -> None:
    m = await mentor(store, clock, "Sleepy", {"seo": Level.EXPERT}, capacity=5)
    paused_flags = []
    for i in range(3):
        a = await member(store, clock, f"Mentee{i}")
        r = await store.create_request(a, C, ["seo"], "", clock.now(), max_open=3)
        o = await store.create_offer(r.id, m, 1.0, "", clock.now(), clock.now() + HOUR)
        assert o is not None
        assert await store.expire_offer(o.id, clock.now(), max_expired=3) is None, "not due yet"
        clock.advance(HOUR)
        result = await store.expire_offer(o.id, clock.now(), max_expired=3)
        assert result is not None
        paused_flags.append(result.mentor_paused)
        clock.advance(24 * HOUR)  # one lapse per day: offers that expire together are one lapse
    assert paused_flags == [False, False, True]
    profile = await store.get_mentor_profile(m)
    assert profile is not None and profile.status is MentorStatus.PAUSED and profile.pause_reason == "expired_offers"


async def test_offers_expiring_together_are_one_lapse(store: Store, clock: ManualClock) -> None:
    m = await mentor(store, clock, "Sleepy", {"seo": Level.EXPERT}, capacity=5)
    offers = []
    for i in range(3):
        a = await member(store, clock, f"Mentee{i}")
        r = await store.create_request(a, C, ["seo"], "", clock.now(), max_open=3)
        o = await store.create_offer(r.id, m, 1.0, "", clock.now(), clock.now() + HOUR)
        assert o is not None
        offers.append(o)
    clock.advance(HOUR)
    results = [await store.expire_offer(o.id, clock.now(), max_expired=2) for o in offers]
    assert [r.mentor_paused for r in results if r is not None] == [False, False, False]
    profile = await store.get_mentor_profile(m)
    assert profile is not None and profile.expired_streak == 1 and profile.status is MentorStatus.ACTIVE


async def test_end_mentorship_frees_the_place_and_keeps_feedback(store: Store, clock: ManualClock) -> None:
    m = await mentor(store, clock, "Mentor", {"seo": Level.EXPERT}, capacity=1)
    a = await member(store, clock, "Mentee")
    stranger = await member(store, clock, "Stranger")
    r = await store.create_request(a, C, ["seo"], "", clock.now(), max_open=3)
    o = await store.create_offer(r.id, m, 1.0, "", clock.now(), clock.now() + HOUR)
    assert o is not None
    accepted = await store.accept_offer(o.id, m, clock.now())
    assert accepted is not None
    ms_id = accepted.mentorship.id
    assert await store.end_mentorship(ms_id, clock.now(), by_member=stranger) is None
    ended = await store.end_mentorship(ms_id, clock.now(), by_member=a, rating=5, comment="great")
    assert ended is not None and ended.status is MentorshipStatus.ENDED
    assert await store.end_mentorship(ms_id, clock.now(), by_member=a) is None
    profile = await store.get_mentor_profile(m)
    assert profile is not None and profile.active_count == 0
    [fb] = await store.list_feedback(C)
    assert fb.rating == 5 and fb.comment == "great" and fb.skills == ("seo",)


async def test_jobs_are_claimed_once_and_reclaimed_after_a_crash(store: Store, clock: ManualClock) -> None:
    await store.schedule_job(JobKind.CHECKIN, 7, clock.now() + HOUR, clock.now())
    assert await store.claim_due_jobs(clock.now(), "w1", lease=timedelta(minutes=5)) == []
    clock.advance(HOUR)
    claims = await asyncio.gather(
        *(store.claim_due_jobs(clock.now(), f"w{i}", lease=timedelta(minutes=5)) for i in range(20))
    )
    winners = [i for i, c in enumerate(claims) if c]
    assert len(winners) == 1 and claims[winners[0]][0].ref_id == 7
    # The winner "crashes"; after its lease another worker takes the job over.
    clock.advance(timedelta(minutes=6))
    [job] = await store.claim_due_jobs(clock.now(), "w-new", lease=timedelta(minutes=5))
    assert job.attempts == 2
    assert not await store.finish_job(job.id, f"w{winners[0]}")
    assert await store.finish_job(job.id, "w-new")
    assert await store.claim_due_jobs(clock.now() + 10 * HOUR, "w", lease=timedelta(minutes=5)) == []


async def test_events_are_processed_once(store: Store, clock: ManualClock) -> None:
    results = await asyncio.gather(*(store.claim_event("slack:Ev1", clock.now()) for _ in range(10)))
    assert results.count(True) == 1
    await store.release_event("slack:Ev1")
    assert await store.claim_event("slack:Ev1", clock.now())


async def test_forget_member_removes_personal_data_and_frees_places(store: Store, clock: ManualClock) -> None:
    m = await mentor(store, clock, "Mentor", {"seo": Level.EXPERT}, capacity=2)
    a = await member(store, clock, "Leaver")
    r = await store.create_request(a, C, ["seo"], "secret note", clock.now(), max_open=3)
    o = await store.create_offer(r.id, m, 1.0, "", clock.now(), clock.now() + HOUR)
    assert o is not None
    accepted = await store.accept_offer(o.id, m, clock.now())
    assert accepted is not None
    await store.add_feedback(accepted.mentorship.id, a, 4, "named comment", clock.now())
    r2 = await store.create_request(a, C, ["copywriting"], "", clock.now(), max_open=3)
    result = await store.forget_member(a, clock.now())
    assert [ms.id for ms in result.ended_mentorships] == [accepted.mentorship.id]
    assert await store.get_member(a) is None
    assert await store.get_request(r2.id) is None
    profile = await store.get_mentor_profile(m)
    assert profile is not None and profile.active_count == 0
    [fb] = await store.list_feedback(C)
    assert fb.author_id is None and fb.comment is None and fb.rating == 4
    [ms] = await store.list_mentorships(member_id=m)
    assert ms.mentee_id == 0 and ms.status is MentorshipStatus.ENDED


async def test_stats_count_from_the_tables(store: Store, clock: ManualClock) -> None:
    m = await mentor(store, clock, "Mentor", {"seo": Level.EXPERT, "copywriting": Level.EXPERT}, capacity=2)
    paused = await mentor(store, clock, "Paused", {"seo": Level.EXPERT})
    await store.set_mentor_status(paused, MentorStatus.PAUSED, clock.now())
    a = await member(store, clock, "A")
    b = await member(store, clock, "B")
    ra = await store.create_request(a, C, ["seo"], "", clock.now(), max_open=3)
    await store.create_request(b, C, ["paid-social"], "", clock.now(), max_open=3)
    o = await store.create_offer(ra.id, m, 1.0, "", clock.now(), clock.now() + HOUR)
    assert o is not None
    clock.advance(timedelta(minutes=30))
    assert await store.accept_offer(o.id, m, clock.now()) is not None
    stats = await store.stats(C)
    assert (stats.members, stats.mentors_active, stats.mentors_paused) == (4, 1, 1)
    assert (stats.requests_open, stats.requests_waiting, stats.mentorships_active) == (1, 1, 1)
    assert stats.median_time_to_match == timedelta(minutes=30)
    assert stats.acceptance_rate == 1.0
    assert stats.skill_demand == {"paid-social": 1}
    assert stats.skill_supply == {"seo": 1, "copywriting": 1}


async def test_timestamps_come_back_aware_utc(store: Store, clock: ManualClock) -> None:
    m = await member(store, clock, "T")
    r = await store.create_request(m, C, ["seo"], "", clock.now(), max_open=3)
    got = await store.get_request(r.id)
    assert got is not None and got.created_at == clock.now() and got.created_at.tzinfo == UTC


async def test_import_mentors_is_all_or_nothing(store: Store, clock: ManualClock) -> None:
    good = NewMentorProfile({"seo": Level.EXPERT}, 2, "", "UTC", ("en",))
    assert await store.import_mentors(C, [("u1", "One", good), ("u2", "Two", good)], clock.now()) == 2
    assert len(await store.list_mentors(C)) == 2
    bad = NewMentorProfile({"seo": Level.EXPERT}, 99, "", "UTC", ("en",))  # violates the capacity CHECK
    with pytest.raises(Exception):  # noqa: B017 - each engine raises its own integrity error
        await store.import_mentors(C, [("u3", "Three", good), ("u4", "Four", bad)], clock.now())
    assert await store.find_member(C, "u3") is None
    assert len(await store.list_mentors(C)) == 2


async def test_cancel_withdraws_the_pending_offer_and_frees_the_held_place(store: Store, clock: ManualClock) -> None:
    m = await mentor(store, clock, "Mentor", {"seo": Level.EXPERT}, capacity=1)
    a = await member(store, clock, "Mentee")
    b = await member(store, clock, "Other")
    r = await store.create_request(a, C, ["seo"], "", clock.now(), max_open=3)
    o = await store.create_offer(r.id, m, 1.0, "", clock.now(), clock.now() + HOUR)
    assert o is not None
    assert await store.cancel_request(r.id, b, clock.now()) is None, "only the requester may cancel"
    result = await store.cancel_request(r.id, a, clock.now())
    assert result is not None and result.withdrawn_offer is not None and result.withdrawn_offer.id == o.id
    assert await store.cancel_request(r.id, a, clock.now()) is None, "already cancelled"
    profile = await store.get_mentor_profile(m)
    assert profile is not None and profile.pending_offers == 0 and profile.free_places == 1
    waiting = await store.create_request(a, C, ["seo"], "", clock.now(), max_open=3)
    result = await store.cancel_request(waiting.id, a, clock.now())
    assert result is not None and result.withdrawn_offer is None


async def test_held_notices_are_taken_once_in_order(store: Store, clock: ManualClock) -> None:
    a = await member(store, clock, "A")
    await store.hold_notice(a, "first", clock.now())
    await store.hold_notice(a, "second", clock.now())
    assert await held_payloads(store, a, clock.now()) == ["first", "second"]
    assert await held_payloads(store, a, clock.now()) == []


async def test_export_tables_have_fixed_columns_and_joined_skills(store: Store, clock: ManualClock) -> None:
    columns, found = await store.export_table("feedback", C)
    assert found == [] and "rating" in columns and "author_id" not in columns
    m = await mentor(store, clock, "Mentor", {"seo": Level.EXPERT, "copywriting": Level.LEARNING})
    a = await member(store, clock, "A")
    await store.create_request(a, C, ["seo", "copywriting"], "note", clock.now(), max_open=3)
    _, requests = await store.export_table("requests", C)
    assert requests[0]["skills"] == "seo,copywriting" and requests[0]["note"] == "note"
    _, members = await store.export_table("members", C)
    by_id = {row["id"]: row for row in members}
    assert by_id[m]["skills"] == "copywriting,seo" and by_id[m]["mentor_status"] == "active"
    assert by_id[a]["skills"] == "" and by_id[a]["mentor_status"] is None


async def test_timers_are_claimed_only_by_a_process_serving_their_community(store: Store, clock: ManualClock) -> None:
    for community, name in (("slack:T1", "s"), ("discord:G1", "d")):
        m = (await store.ensure_member(community, f"u-{name}m", "M", clock.now())).id
        await store.save_mentor_profile(m, NewMentorProfile({"seo": Level.EXPERT}, 2, "", "UTC", ("en",)), clock.now())
        a = (await store.ensure_member(community, f"u-{name}a", "A", clock.now())).id
        r = await store.create_request(a, community, ["seo"], "", clock.now(), max_open=3)
        assert await store.create_offer(r.id, m, 1.0, "", clock.now(), clock.now() + HOUR) is not None
    clock.advance(2 * HOUR)
    lease = timedelta(minutes=5)
    slack_jobs = await store.claim_due_jobs(clock.now(), "slack-worker", lease=lease, communities=["slack:"])
    assert len(slack_jobs) == 1
    assert await store.claim_due_jobs(clock.now(), "slack-worker", lease=lease, communities=["slack:"]) == []
    assert await store.claim_due_jobs(clock.now(), "nobody", lease=lease, communities=[]) == []
    discord_jobs = await store.claim_due_jobs(clock.now(), "discord-worker", lease=lease, communities=["discord:"])
    assert len(discord_jobs) == 1 and discord_jobs[0].ref_id != slack_jobs[0].ref_id


async def test_simultaneous_duplicate_requests_make_one(store: Store, clock: ManualClock) -> None:
    from mentorbot.storage.store import DuplicateRequest

    mid = await member(store, clock, "Dup")

    async def attempt() -> bool:
        try:
            await store.create_request(
                mid, C, ["seo", "copywriting"], "", clock.now(), max_open=5, reject_duplicate=True
            )
        except DuplicateRequest:
            return False
        return True

    results = await asyncio.gather(*(attempt() for _ in range(10)))
    assert results.count(True) == 1
    assert len(await store.list_member_requests(mid, open_only=True)) == 1


async def test_accepting_schedules_the_checkin_in_the_same_transaction(store: Store, clock: ManualClock) -> None:
    m = await mentor(store, clock, "Mentor", {"seo": Level.EXPERT})
    a = await member(store, clock, "Mentee")
    r = await store.create_request(a, C, ["seo"], "", clock.now(), max_open=3)
    o = await store.create_offer(r.id, m, 1.0, "", clock.now(), clock.now() + HOUR)
    assert o is not None
    result = await store.accept_offer(o.id, m, clock.now(), checkin_at=clock.now() + 14 * 24 * HOUR)
    assert result is not None and result.offer is not None
    clock.advance(15 * 24 * HOUR)
    jobs = await store.claim_due_jobs(clock.now(), "w", lease=timedelta(minutes=5), communities=["test:"])
    assert [(j.kind, j.ref_id) for j in jobs] == [(JobKind.CHECKIN, result.mentorship.id)]


async def test_message_refs_are_kept_per_member_and_key_and_replaced(store: Store, clock: ManualClock) -> None:
    await member(store, clock, "Mentor")
    assert await store.message_location(C, "u-Mentor", "offer:1") is None
    assert await store.remember_message(C, "u-Mentor", "offer:1", "D1:100.1", clock.now())
    assert await store.remember_message(C, "u-Mentor", "request:1", "D1:100.2", clock.now())
    assert await store.message_location(C, "u-Mentor", "offer:1") == "D1:100.1"
    assert await store.message_location("other", "u-Mentor", "offer:1") is None
    clock.advance(HOUR)
    assert await store.remember_message(C, "u-Mentor", "offer:1", "D1:200.1", clock.now())  # an upsert
    assert await store.message_location(C, "u-Mentor", "offer:1") == "D1:200.1"
    # Nobody of that id in the community: nothing is recorded.
    assert not await store.remember_message(C, "u-Nobody", "offer:1", "D9:1.1", clock.now())
    assert await store.message_location(C, "u-Nobody", "offer:1") is None


async def test_a_message_ref_is_forgotten_only_where_it_still_points(store: Store, clock: ManualClock) -> None:
    await member(store, clock, "Mentor")
    await store.remember_message(C, "u-Mentor", "offer:1", "D1:200.1", clock.now())
    assert not await store.forget_message(C, "u-Mentor", "offer:1", "D1:100.1")  # an older location
    assert await store.message_location(C, "u-Mentor", "offer:1") == "D1:200.1"
    assert await store.forget_message(C, "u-Mentor", "offer:1", "D1:200.1")
    assert await store.message_location(C, "u-Mentor", "offer:1") is None
    await store.remember_message(C, "u-Mentor", "offer:1", "D1:300.1", clock.now())
    assert await store.forget_message(C, "u-Mentor", "offer:1")
    assert not await store.forget_message(C, "u-Mentor", "offer:1")


async def test_message_refs_are_pruned_by_age_and_go_with_a_forgotten_member(store: Store, clock: ManualClock) -> None:
    leaver = await member(store, clock, "Leaver")
    await member(store, clock, "Stayer")
    await store.remember_message(C, "u-Leaver", "offer:1", "D1:1.1", clock.now())
    await store.remember_message(C, "u-Stayer", "request:2", "D2:1.1", clock.now())
    await store.forget_member(leaver, clock.now())
    assert await store.message_location(C, "u-Leaver", "offer:1") is None
    assert await store.message_location(C, "u-Stayer", "request:2") == "D2:1.1"
    clock.advance(HOUR)
    await store.remember_message(C, "u-Stayer", "offer:3", "D2:2.1", clock.now())
    assert await store.prune_message_refs(clock.now() - HOUR / 2) == 1
    assert await store.message_location(C, "u-Stayer", "request:2") is None
    assert await store.message_location(C, "u-Stayer", "offer:3") == "D2:2.1"


async def test_concurrent_remembers_of_one_message_leave_one_ref(store: Store, clock: ManualClock) -> None:
    await member(store, clock, "Mentor")
    locations = [f"D1:{i}.1" for i in range(10)]
    await asyncio.gather(*(store.remember_message(C, "u-Mentor", "offer:1", loc, clock.now()) for loc in locations))
    assert await store.message_location(C, "u-Mentor", "offer:1") in locations
    async with store.read() as conn:
        row = await conn.fetch_one("SELECT COUNT(*) AS n FROM message_refs")
    assert row is not None and int(row["n"]) == 1


async def test_a_status_unless_the_same_compares_an_empty_end_and_reason_as_equal(
    store: Store, clock: ManualClock
) -> None:
    # Equal NULL to NULL on both engines (SQLite's IS; PostgreSQL's IS NOT DISTINCT FROM), without SQL that needs
    # SQLite 3.39 or later.
    dina = await mentor(store, clock, "Dina", {"seo": Level.EXPERT})
    now = clock.now()
    until = now + timedelta(days=3)
    assert await store.set_mentor_status(dina, MentorStatus.PAUSED, now, unless_same=True) is True
    assert await store.set_mentor_status(dina, MentorStatus.PAUSED, now, unless_same=True) is False, "no end, no reason"
    assert await store.set_mentor_status(dina, MentorStatus.PAUSED, now, paused_until=until, unless_same=True) is True
    assert await store.set_mentor_status(dina, MentorStatus.PAUSED, now, paused_until=until, unless_same=True) is False
    again = dict(paused_until=until, reason="admin", unless_same=True)
    assert await store.set_mentor_status(dina, MentorStatus.PAUSED, now, **again) is True, "another reason"
    assert await store.set_mentor_status(dina, MentorStatus.PAUSED, now, **again) is False


@pytest.mark.parametrize("engine_store", ["sqlite", "postgresql"], indirect=True)
async def test_the_offer_ids_migration_keeps_every_offer_and_never_gives_an_id_again(
    engine_store: Store, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mentorbot.storage import migrations

    store = engine_store
    everything = available_migrations(store.db.dialect)
    monkeypatch.setattr(migrations, "available_migrations", lambda dialect: [m for m in everything if m.version < 15])
    assert await store.open(clock.now()) == 14
    m = await mentor(store, clock, "Chao", {"seo": Level.EXPERT}, capacity=3)
    requester = await store.ensure_member(C, "u-dan", "Dan", clock.now())
    offers = []
    for _ in range(2):
        request = await store.create_request(requester.id, C, ["seo"], "", clock.now(), max_open=3)
        offer = await store.create_offer(request.id, m, 1.0, "why", clock.now(), clock.now() + HOUR)
        assert offer is not None
        offers.append(offer)
    monkeypatch.undo()
    assert await migrations.migrate(store.db, clock.now()) == everything[-1].version
    assert [o.id for o in await store.list_offers(mentor_id=m)] == [o.id for o in offers], "every offer kept"
    async with store.transaction() as conn:  # the newest offer goes (as when its requester is forgotten)
        await conn.execute("DELETE FROM offers WHERE id = ?", offers[-1].id)
    request = await store.create_request(requester.id, C, ["seo"], "", clock.now(), max_open=3)
    again = await store.create_offer(request.id, m, 1.0, "why", clock.now(), clock.now() + HOUR)
    assert again is not None and again.id > offers[-1].id
