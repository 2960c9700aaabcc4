"""The store's guards at their edges, on both engines. Each test here kills a mutant that survived the rest of the
suite in session 27's mutation testing (a guard weakened in the store, every other test still green): a batch of
offers one larger than the free places, a declined offer accepted after its request went on, a manual match past
capacity, a withdrawn offer's place, a stale delivery claim. Each ends by checking that the counters eligibility
reads agree with the rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mentorbot.models import Level, MentorshipRequest, NewMentorProfile, OfferStatus, RequestStatus
from mentorbot.replies import Notification, Reply
from mentorbot.storage.store import NewOffer, Store

START = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
EXPIRES = START + timedelta(hours=1)
IN_TIME = START + timedelta(minutes=10)
C = "edges:test"


async def mentors(store: Store, *capacities: int) -> list[int]:
    ids = []
    for n, capacity in enumerate(capacities):
        member = await store.ensure_member(C, f"M{n}", f"M{n}", START)
        profile = NewMentorProfile({"seo": Level.EXPERT}, capacity, "", "UTC", ("en",))
        await store.save_mentor_profile(member.id, profile, START)
        ids.append(member.id)
    return ids


async def requests(store: Store, count: int) -> list[MentorshipRequest]:
    made = []
    for n in range(count):
        member = await store.ensure_member(C, f"A{n}", f"A{n}", START)
        made.append(await store.create_request(member.id, C, ["seo"], "", START, max_open=5))
    return made


async def counters_match_rows(store: Store, mentor_ids: list[int]) -> None:
    """Each mentor's stored counters (what eligibility reads) equal their rows, within capacity."""
    offers = await store.list_offers()
    mentorships = await store.list_mentorships(community=C, active_only=True)
    for mentor_id in mentor_ids:
        profile = await store.get_mentor_profile(mentor_id)
        assert profile is not None
        held = sum(1 for o in offers if o.mentor_id == mentor_id and o.status is OfferStatus.PENDING)
        active = sum(1 for m in mentorships if m.mentor_id == mentor_id)
        assert (profile.active_count, profile.pending_offers) == (active, held), f"mentor {mentor_id}'s counters"
        assert active + held <= profile.capacity


async def test_a_batch_one_larger_than_the_free_places_holds_only_the_free_places(store: Store) -> None:
    [mentor] = await mentors(store, 2)
    asked = await requests(store, 3)
    created = await store.create_offers([NewOffer(r.id, mentor, 1.0, "") for r in asked], START, EXPIRES)
    assert [o.request_id for o in created] == [asked[0].id, asked[1].id]
    await counters_match_rows(store, [mentor])


async def test_a_declined_offer_whose_request_went_on_cannot_be_accepted(store: Store) -> None:
    first, second = await mentors(store, 2, 1)
    r0, r1 = await requests(store, 2)
    declined = await store.create_offer(r0.id, first, 1.0, "", START, EXPIRES)
    await store.create_offer(r1.id, first, 1.0, "", START, EXPIRES)  # the first mentor holds a second place
    assert declined is not None and await store.decline_offer(declined.id, first, None, IN_TIME) is not None
    assert await store.create_offer(r0.id, second, 1.0, "", IN_TIME, EXPIRES) is not None  # passed on
    assert await store.accept_offer(declined.id, first, IN_TIME) is None, "a declined offer is decided for good"
    offer, request = await store.get_offer(declined.id), await store.get_request(r0.id)
    assert offer is not None and offer.status is OfferStatus.DECLINED
    assert request is not None and request.status is RequestStatus.OFFERED
    await counters_match_rows(store, [first, second])


async def test_the_store_never_matches_a_mentor_past_capacity_by_hand(store: Store) -> None:
    [mentor] = await mentors(store, 1)
    r0, r1 = await requests(store, 2)
    assert await store.manual_match(r0.id, mentor, START) is not None
    assert await store.manual_match(r1.id, mentor, START) is None, "the store's own guard, not only the use-case's"
    await counters_match_rows(store, [mentor])


async def test_cancelling_an_offered_request_gives_its_place_back(store: Store) -> None:
    [mentor] = await mentors(store, 1)
    [request] = await requests(store, 1)
    assert await store.create_offer(request.id, mentor, 1.0, "", START, EXPIRES) is not None
    assert await store.cancel_request(request.id, request.member_id, IN_TIME) is not None
    await counters_match_rows(store, [mentor])


async def test_a_stale_release_of_an_earlier_claim_does_not_free_the_current_one(store: Store) -> None:
    """Worker w claims a notification, stalls past its lease and claims it again; the first attempt's transient
    failure, reported late with the first claim, must not release the second (another process would send it
    while w still does)."""
    lease = timedelta(minutes=2)
    member = await store.ensure_member(C, "A0", "A0", START)
    note = Notification(member.id, "A0", Reply("hi"), None, community=C, language="en")
    [first] = await store.enqueue([note], START, "w", lease=lease)
    later = START + lease + timedelta(seconds=1)
    [again] = await store.claim_undelivered(later, "w", lease=lease)
    assert again.attempts == first.attempts + 1
    assert not await store.release_for_retry(first, "w", later), "the stale claim must not release the new one"
    assert await store.claim_undelivered(later + timedelta(seconds=1), "other", lease=lease) == []
