"""Session 42: an admin's match (`MentorshipStore.manual_match`) withdraws the mentor's pending offers of the
mentee's other requests in its own transaction, after the mentee's lock and before the capacity compare-and-set:
the place such an offer holds is the match's to use (the mentorship withdraws that offer anyway:
`usecases.offers.after_mentoring`). A match that fails withdraws nothing. Two admins at once, or an accept racing the
match, never put the mentor over capacity. Both engines."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from mentorbot.models import Level, Member, NewMentorProfile, Offer, OfferStatus, RequestStatus
from mentorbot.storage.store import Store
from tests.conftest import store_on_same_database

START = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
LATER = START + timedelta(minutes=5)


async def _held(store: Store) -> tuple[Member, Member, Offer, int]:
    """Mentor M (capacity 1, SEO and copywriting) holds offer #1 of Bea's request (copywriting); Bea's other
    request (SEO) waits. M, Bea, the offer and the waiting request's id."""
    community = f"held:{uuid.uuid4().hex[:8]}"
    mentor = await store.ensure_member(community, "M", "M", START)
    skills = {"seo": Level.EXPERT, "copywriting": Level.EXPERT}
    await store.save_mentor_profile(mentor.id, NewMentorProfile(skills, 1, "", "UTC", ("en",)), START)
    bea = await store.ensure_member(community, "B", "Bea", START)
    first = await store.create_request(bea.id, community, ["copywriting"], "", START, max_open=5)
    offer = await store.create_offer(first.id, mentor.id, 1.0, "", START, START + timedelta(hours=48))
    assert offer is not None
    second = await store.create_request(bea.id, community, ["seo"], "", START, max_open=5)
    return mentor, bea, offer, second.id


async def _places(store: Store, mentor: Member) -> tuple[int, int]:
    profile = await store.get_mentor_profile(mentor.id)
    assert profile is not None
    return profile.places.taken, profile.places.held


async def test_the_match_withdraws_the_mentors_offer_of_the_same_mentee_and_takes_its_place(store: Store) -> None:
    mentor, _, offer, wanted = await _held(store)
    result = await store.manual_match(wanted, mentor.id, LATER, admin_id=None)
    assert result is not None, "the place the mentor's own offer of the same mentee holds is the match's"
    assert [o.id for o in result.mentoring_withdrawn] == [offer.id]
    assert all(o.request_id != offer.request_id for o in result.withdrawn_offers), "not said closed"
    assert result.closed_requests == ()
    withdrawn = await store.get_offer(offer.id)
    assert withdrawn is not None and withdrawn.status is OfferStatus.WITHDRAWN
    other = await store.get_request(offer.request_id)
    assert other is not None and other.status is RequestStatus.WAITING, "it waits again, to be handed on"
    assert await _places(store, mentor) == (1, 0)


async def test_a_match_that_fails_withdraws_nothing(store: Store) -> None:
    mentor, bea, offer, _ = await _held(store)
    design = await store.create_request(bea.id, mentor.community, ["ui-design"], "", START, max_open=5)
    assert await store.manual_match(design.id, mentor.id, LATER) is None, "M offers none of its skills"
    kept = await store.get_offer(offer.id)
    assert kept is not None and kept.status is OfferStatus.PENDING
    assert await _places(store, mentor) == (0, 1)


async def test_an_offer_of_a_request_the_mentorship_closes_is_reported_with_the_closed_one(store: Store) -> None:
    mentor, bea, offer, _ = await _held(store)
    both = await store.create_request(bea.id, mentor.community, ["copywriting", "seo"], "", START, max_open=5)
    result = await store.manual_match(both.id, mentor.id, LATER)
    assert result is not None
    assert offer.request_id in {r.id for r in result.closed_requests}
    assert [o.id for o in result.withdrawn_offers if o.request_id == offer.request_id] == [offer.id]
    assert offer.id not in {o.id for o in result.mentoring_withdrawn}, "closed, not handed on"


async def test_two_admins_at_once_never_over_book(store: Store) -> None:
    mentor, _, offer, wanted = await _held(store)
    cy = await store.ensure_member(mentor.community, "C", "Cy", START)
    theirs = await store.create_request(cy.id, mentor.community, ["seo"], "", START, max_open=5)
    other = store_on_same_database(store)
    await other.open(START)
    try:
        results = await asyncio.gather(
            store.manual_match(wanted, mentor.id, LATER), other.manual_match(theirs.id, mentor.id, LATER)
        )
    finally:
        await other.close()
    mine, cys = results
    assert mine is not None and cys is None, "Cy's match finds the place held by offer #1, then taken"
    assert await _places(store, mentor) == (1, 0)
    assert len(await store.list_mentorships(member_id=mentor.id, active_only=True)) == 1
    gone = await store.get_offer(offer.id)
    assert gone is not None and gone.status is OfferStatus.WITHDRAWN


async def test_an_accept_racing_the_match_makes_one_mentorship(store: Store) -> None:
    mentor, _, offer, wanted = await _held(store)
    other = store_on_same_database(store)
    await other.open(START)
    try:
        accepted, matched = await asyncio.gather(
            other.accept_offer(offer.id, mentor.id, LATER), store.manual_match(wanted, mentor.id, LATER)
        )
    finally:
        await other.close()
    assert (accepted is None) != (matched is None), (accepted, matched)
    assert await _places(store, mentor) == (1, 0)
    assert len(await store.list_mentorships(member_id=mentor.id, active_only=True)) == 1
