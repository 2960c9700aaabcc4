"""A model test of deciding offers: any set of accepts, declines and expiries racing each other, from two processes
(two stores over one database), on both engines, settles every offer exactly as the rules say.

Each example makes a small community (mentors with one or two places, mentees with one or two requests sharing
skills), offers what can be offered, then runs a random batch of decisions all at once: an accept or a decline by the
offer's mentor or by another one, before or after the offer's time; an expiry before or after it is due; from either
process, inside a unit of work or not. Checked afterwards, against what the calls returned and what was stored:

- each offer is decided at most once, by a call that was allowed to decide it (the right mentor, before or after the
  offer's time while it is pending: an offer is open until its expiry runs; an expiry only once due), and stored as
  that call's decision; an undecided offer is pending, or withdrawn because an accepted
  offer of its mentee closed its request;
- an accepted offer has exactly one mentorship, for its request and mentor, and its request is matched; no request
  has two mentorships; a mentorship is for the skills its request and mentor share, and its mentee has no other open
  request for only those skills (one asking for a skill the mentor does not offer stays open);
- every mentor's active count is their active mentorships, their held places their pending offers, and together
  never above capacity;
- a pending offer's expiry timer is pending, a decided one's is not; every open request is offered exactly when it
  has a pending offer.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mentorbot.models import JobKind, Level, MentorshipRequest, NewMentorProfile, Offer, OfferStatus, RequestStatus
from mentorbot.storage.store import Store
from tests.conftest import store_on_same_database

START = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
EXPIRES = START + timedelta(hours=1)
IN_TIME, LATE = START + timedelta(minutes=30), START + timedelta(hours=2)
SKILLS = ("seo", "copywriting", "paid-social")

mentor_spec = st.integers(1, 2)  # capacity
request_spec = st.lists(st.sampled_from(SKILLS), min_size=1, max_size=2, unique=True)
decision = st.tuples(
    st.sampled_from(("accept", "decline", "expire")),
    st.integers(0, 7),  # which offer (modulo how many were made)
    st.booleans(),  # by the offer's own mentor (else another one)
    st.booleans(),  # late (after the offer's time)
    st.integers(0, 1),  # which process
    st.booleans(),  # inside a unit of work
)


@given(
    mentors=st.lists(mentor_spec, min_size=1, max_size=3),
    mentees=st.lists(st.lists(request_spec, min_size=1, max_size=2), min_size=1, max_size=3),
    offers_to=st.lists(st.integers(0, 2), min_size=1, max_size=6),
    decisions=st.lists(decision, min_size=1, max_size=12),
)
@settings(max_examples=60, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
async def test_racing_accepts_declines_and_expiries_settle_each_offer_by_the_rules(
    store: Store,
    mentors: list[int],
    mentees: list[list[list[str]]],
    offers_to: list[int],
    decisions: list[tuple[str, int, bool, bool, int, bool]],
) -> None:
    community = f"model:{uuid.uuid4().hex[:8]}"
    mentor_ids: list[int] = []
    capacity: dict[int, int] = {}
    for i, places in enumerate(mentors):
        member = await store.ensure_member(community, f"M{i}", f"Mentor {i}", START)
        new = NewMentorProfile(dict.fromkeys(SKILLS, Level.EXPERT), places, "", "UTC", ("en",))
        await store.save_mentor_profile(member.id, new, START)
        mentor_ids.append(member.id)
        capacity[member.id] = places
    requests: list[MentorshipRequest] = []
    for i, asks in enumerate(mentees):
        member = await store.ensure_member(community, f"A{i}", f"Mentee {i}", START)
        for skills in asks:
            requests.append(await store.create_request(member.id, community, skills, "", START, max_open=5))
    offers: list[Offer] = []
    for request, to in zip(requests, offers_to, strict=False):
        made = await store.create_offer(request.id, mentor_ids[to % len(mentor_ids)], 1.0, "", START, EXPIRES)
        if made is not None:
            offers.append(made)
    if not offers:
        return

    other = store_on_same_database(store)
    await other.open(START)
    try:

        async def run(kind: str, offer: Offer, own: bool, late: bool, on: Store, unit: bool) -> object:
            mentor = offer.mentor_id if own else next((m for m in mentor_ids if m != offer.mentor_id), -1)
            now = LATE if late else IN_TIME

            async def call() -> object:
                if kind == "accept":
                    return await on.accept_offer(offer.id, mentor, now)
                if kind == "decline":
                    return await on.decline_offer(offer.id, mentor, None, now)
                return await on.expire_offer(offer.id, now, max_expired=99)

            if not unit:
                return await call()
            async with on.unit_of_work():
                return await call()

        planned = [
            (kind, offers[i % len(offers)], own, late, (store, other)[p], unit)
            for kind, i, own, late, p, unit in decisions
        ]
        results = await asyncio.gather(*(run(*plan) for plan in planned))
    finally:
        await other.close()

    decided: dict[int, list[tuple[str, bool, bool]]] = {}
    for (kind, offer, own, late, _, _), result in zip(planned, results, strict=True):
        if result is not None:
            decided.setdefault(offer.id, []).append((kind, own, late))
    stored = {o.id: o for o in await store.list_offers() if o.id in {x.id for x in offers}}
    accepted_mentees: set[int] = set()
    by_request = {r.id: r for r in requests}
    for offer in offers:
        wins = decided.get(offer.id, [])
        assert len(wins) <= 1, f"offer {offer.id} decided twice: {wins}"
        final = stored[offer.id]
        if wins:
            [(kind, own, late)] = wins
            assert kind == "expire" or own, "only the offer's mentor decides it"
            # An accept after the offer's time decides it too while nothing expired it yet (session 35: an offer
            # is open until its expiry runs); a racing expiry and accept decide it once (checked above).
            if kind == "expire":
                assert late, "expired before it was due"
            expected = {"accept": OfferStatus.ACCEPTED, "decline": OfferStatus.DECLINED, "expire": OfferStatus.EXPIRED}
            assert final.status is expected[kind]
            if kind == "accept":
                accepted_mentees.add(by_request[offer.request_id].member_id)
        else:
            assert final.status in (OfferStatus.PENDING, OfferStatus.WITHDRAWN)
    for offer in offers:
        if stored[offer.id].status is OfferStatus.WITHDRAWN:
            assert by_request[offer.request_id].member_id in accepted_mentees, "withdrawn only by an accept"

    mentorships = await store.list_mentorships(community=community)
    per_request: dict[int, int] = {}
    for ms in mentorships:
        per_request[ms.request_id] = per_request.get(ms.request_id, 0) + 1
    assert all(n == 1 for n in per_request.values()), "a request with two mentorships"
    for offer in offers:
        if stored[offer.id].status is OfferStatus.ACCEPTED:
            [ms] = [m for m in mentorships if m.request_id == offer.request_id]
            assert ms.mentor_id == offer.mentor_id
    assert len(mentorships) == sum(o.status is OfferStatus.ACCEPTED for o in stored.values())

    now_requests: dict[int, MentorshipRequest] = {}
    for asked in requests:
        found = await store.get_request(asked.id)
        assert found is not None
        now_requests[asked.id] = found
    for request_id, request in now_requests.items():
        pending = [o for o in stored.values() if o.request_id == request_id and o.status is OfferStatus.PENDING]
        if request.status is RequestStatus.MATCHED:
            assert per_request.get(request_id) == 1
            [ms] = [m for m in mentorships if m.request_id == request_id]
            mentor_profile = await store.get_mentor_profile(ms.mentor_id)
            assert mentor_profile is not None
            shared = tuple(s for s in request.skills if s in mentor_profile.skills) or request.skills
            assert ms.skills == shared, "a mentorship is for the skills its request and mentor share"
            for sibling in now_requests.values():
                if sibling.member_id == request.member_id and sibling.id != request_id and sibling.status.is_open:
                    assert not set(sibling.skills) <= set(ms.skills), "a request for the same skills left open"
        else:
            assert request_id not in per_request
        if request.status.is_open:
            assert (request.status is RequestStatus.OFFERED) == bool(pending)
        else:
            assert not pending

    for mentor_id in mentor_ids:
        profile = await store.get_mentor_profile(mentor_id)
        assert profile is not None
        active = sum(1 for m in mentorships if m.mentor_id == mentor_id)
        held = sum(1 for o in stored.values() if o.mentor_id == mentor_id and o.status is OfferStatus.PENDING)
        assert (profile.active_count, profile.pending_offers) == (active, held)
        assert profile.active_count + profile.pending_offers <= capacity[mentor_id]

    async with store.read() as conn:
        for offer in stored.values():
            job = await conn.fetch_one(
                "SELECT status FROM jobs WHERE kind = ? AND ref_id = ?", JobKind.OFFER_EXPIRY.value, offer.id
            )
            assert job is not None
            assert (job["status"] == "pending") == (offer.status is OfferStatus.PENDING), (offer, job["status"])
