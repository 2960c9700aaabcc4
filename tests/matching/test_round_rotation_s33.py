"""Weekly rounds share mentorships among equally good mentors as live matching does (a hunt, session 33).

A round offered its whole batch at one instant: every mentor it offered something got the same "last offered" time,
so at the next round they tied on fair rotation's "least recently offered" and the tie went to the older profile.
The round never moved on from its first mentor: 3 identical mentors of capacity 1 who always accept, 2 requests a
week, got 23, 12 and 11 mentorships over 24 weeks (46, 23, 23 with capacity 2 and 4 requests), where live matching
gives 16 each. Now each mentor a round offers something is stamped as live matching would have stamped them making
the same offers one by one (first places in fair rotation's order, then second places...), a microsecond apart.

Live matching over identical mentors who are all free when the week's requests come is a round-robin in fair
rotation's order (never offered first, then the older profile), carried on from week to week: a request goes to the
mentor with the most free places (the score's spare-places term), the least recently offered among those, so the
t-th request of the whole programme (from 0) goes to the mentor who signed up (t mod n)-th. `live_counts` is that
model; `test_the_hunts_communities_through_live_matching_and_rounds` checks it against the bot's own live matching.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.library import Library
from mentorbot.models import OfferStatus, RequestStatus
from mentorbot.storage.offers import NewOffer
from mentorbot.storage.store import Store
from tests.usecases.conftest import make_settings


@pytest.fixture(scope="module")
def library() -> Library:
    """The shipped skills and courses."""
    settings = make_settings()
    return Library(settings.skills_file, settings.courses_file)


@dataclass(frozen=True)
class Programme:
    """Identical mentors (signed up in order), their capacity, and how many requests come each week."""

    mentors: int
    capacity: int
    weekly: tuple[int, ...]


@st.composite
def programmes(draw: st.DrawFn) -> Programme:
    """2–5 identical mentors of capacity 1–3 and 2–6 weeks of 1 to as many requests as they have places: the
    same number every week (a steady programme) or not."""
    mentors = draw(st.integers(2, 5))
    capacity = draw(st.integers(1, 3))
    weeks = draw(st.integers(2, 6))
    per_week = st.integers(1, mentors * capacity)
    if draw(st.booleans()):
        weekly = (draw(per_week),) * weeks
    else:
        weekly = tuple(draw(st.lists(per_week, min_size=weeks, max_size=weeks)))
    return Programme(mentors, capacity, weekly)


def live_counts(programme: Programme) -> list[list[int]]:
    """Live matching's mentorships per mentor (in signup order), week by week: see the module docstring."""
    weeks: list[list[int]] = []
    t = 0
    for k in programme.weekly:
        week = [0] * programme.mentors
        for position in range(t, t + k):
            week[position % programme.mentors] += 1
        t += k
        weeks.append(week)
    return weeks


async def run_programme(
    store: Store, library: Library, clock: ManualClock, programme: Programme, *, matching: str
) -> list[list[int]]:
    """The programme through the bot, in a community of its own: each week its requests come (offered at once
    live; by a round after them otherwise), every mentor accepts every offer, and every mentorship ends before
    the next week. The mentorships each mentor started, week by week, in signup order."""
    community = f"s33:{uuid.uuid4().hex[:10]}"
    overrides = {"matching": "rounds", "round_schedule": "mon 09:00"} if matching == "rounds" else {}
    bot = MentorBot(store, library, make_settings(**overrides), clock, worker_id="rotation")
    admin = Caller(community, "U-admin", "Admin", is_admin=True)
    mentors = [Caller(community, f"U-mentor{j}", f"Mentor {j}") for j in range(programme.mentors)]
    ids = []
    for mentor in mentors:
        assert (await bot.signup(mentor, skills="seo", capacity=programme.capacity)).error is None
        member = await store.find_member(community, mentor.user_id)
        assert member is not None
        ids.append(member.id)
        clock.advance(timedelta(minutes=1))
    weeks: list[list[int]] = []
    mentees: dict[int, Caller] = {}
    for w, k in enumerate(programme.weekly):
        for i in range(k):
            mentee = Caller(community, f"U-w{w}r{i}", f"Mentee {w}.{i}")
            out = await bot.request(mentee, skills="seo")
            assert out.error is None
            member = await store.find_member(community, mentee.user_id)
            assert member is not None
            mentees[member.id] = mentee
            clock.advance(timedelta(minutes=10))
        if matching == "rounds":
            assert (await bot.admin_round(admin)).error is None
        clock.advance(timedelta(hours=1))
        for mentor, mentor_id in zip(mentors, ids, strict=True):
            for offer in await store.list_offers(mentor_id=mentor_id, status=OfferStatus.PENDING):
                assert (await bot.accept(mentor, offer_id=offer.id)).error is None
        clock.advance(timedelta(days=2))
        started = await store.list_mentorships(community=community, active_only=True)
        assert len(started) == k, "every request of the week placed"
        by_mentor = Counter(m.mentor_id for m in started)
        weeks.append([by_mentor[mentor_id] for mentor_id in ids])
        for mentorship in started:
            assert (await bot.end(mentees[mentorship.mentee_id], mentorship_id=mentorship.id)).error is None
        clock.advance(timedelta(days=7) - timedelta(days=2, hours=1, minutes=10 * k))
    return weeks


def assert_shared_evenly(programme: Programme, weeks: list[list[int]]) -> None:
    """After every week, the mentors' mentorships so far differ by at most one. In a steady programme (as many
    requests every week) so do their first places, their second places... (the weeks a mentor was given at least
    p): live matching's round-robin gives the extra places of a week to the mentors after last week's."""
    for upto in range(1, len(weeks) + 1):
        so_far = weeks[:upto]
        totals = [sum(column) for column in zip(*so_far, strict=True)]
        assert max(totals) - min(totals) <= 1, f"mentorships per mentor after week {upto}: {totals} (weeks {so_far})"
        if len(set(programme.weekly)) > 1:
            continue
        for place in range(1, programme.capacity + 1):
            given = [sum(count >= place for count in column) for column in zip(*so_far, strict=True)]
            assert max(given) - min(given) <= 1, f"place {place} per mentor after week {upto}: {given} ({so_far})"


@given(programme=programmes())
# The hunt's communities (`s3_rounds.py`, `s3b_rounds_more.py`), always run.
@example(programme=Programme(3, 1, (2, 2, 2, 2)))
@example(programme=Programme(5, 1, (3, 3, 3, 3)))
@example(programme=Programme(3, 2, (4, 4, 4, 4)))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
async def test_weekly_rounds_share_mentorships_as_live_matching_does(
    store: Store, library: Library, clock: ManualClock, programme: Programme
) -> None:
    weeks = await run_programme(store, library, clock, programme, matching="rounds")
    assert_shared_evenly(programme, weeks)
    assert weeks == live_counts(programme), "the same mentors, week by week, as live matching"


@pytest.mark.parametrize(
    "programme",
    [Programme(3, 1, (2,) * 6), Programme(5, 1, (3,) * 6), Programme(3, 2, (4,) * 6), Programme(4, 3, (5, 9, 2, 7))],
)
async def test_the_hunts_communities_through_live_matching_and_rounds(
    store: Store, library: Library, clock: ManualClock, programme: Programme
) -> None:
    """Live matching itself gives the model's round-robin (the model is the live path's, not an assumption), and
    a round each week gives the same mentorships to the same mentors."""
    live = await run_programme(store, library, clock, programme, matching="live")
    assert live == live_counts(programme)
    assert_shared_evenly(programme, live)
    rounds = await run_programme(store, library, clock, programme, matching="rounds")
    assert rounds == live


async def test_a_round_stamps_its_mentors_in_live_matchings_order_and_keeps_the_offers_times(
    store: Store, library: Library, clock: ManualClock
) -> None:
    """One round's batch over Cyd (offered something before), then Ana and Ben (never offered; Ana's profile the
    older), all of capacity 2: Ana gets two offers, Ben and Cyd one each. Live matching would have made them in
    the order Ana, Ben, Cyd, Ana: Ben is the least recently offered after it, then Cyd, then Ana, each a
    microsecond apart (kept by both engines). The offers keep the round's time and expiry, the ones their mentors
    and mentees are told."""
    community = f"s33:{uuid.uuid4().hex[:10]}"
    bot = MentorBot(
        store, library, make_settings(matching="rounds", round_schedule="mon 09:00"), clock, worker_id="stamps"
    )
    admin = Caller(community, "U-admin", "Admin", is_admin=True)
    callers = {name: Caller(community, f"U-{name}", name.capitalize()) for name in ("cyd", "ana", "ben")}
    ids: dict[str, int] = {}
    for name, caller in callers.items():
        assert (await bot.signup(caller, skills="seo", capacity=2)).error is None
        member = await store.find_member(community, caller.user_id)
        assert member is not None
        ids[name] = member.id
        clock.advance(timedelta(minutes=1))
        if name == "cyd":  # Cyd, alone, is offered a request by a round and mentors it to its end.
            early = Caller(community, "U-early", "Early")
            await bot.request(early, skills="seo")
            await bot.admin_round(admin)
            [offer] = await store.list_offers(mentor_id=ids["cyd"], status=OfferStatus.PENDING)
            assert (await bot.accept(caller, offer_id=offer.id)).error is None
            [mentorship] = await store.list_mentorships(community=community, active_only=True)
            assert (await bot.end(early, mentorship_id=mentorship.id)).error is None
    for i in range(4):
        await bot.request(Caller(community, f"U-m{i}", f"M{i}"), skills="seo")
        clock.advance(timedelta(minutes=1))
    waiting = await store.list_requests(community, [RequestStatus.WAITING])
    waiting_ids = {r.id for r in waiting}
    clock.advance(timedelta(hours=1, microseconds=1234))
    now = clock.now()
    expires = now + timedelta(hours=48)
    to = ["ana", "ben", "cyd", "ana"]
    created = await store.create_offers(
        [NewOffer(r.id, ids[name], 1.0, "") for r, name in zip(waiting, to, strict=True)], now, expires
    )
    assert sorted((o.request_id, o.mentor_id) for o in created) == [
        (r.id, ids[name]) for r, name in zip(waiting, to, strict=True)
    ]
    assert {(o.created_at, o.expires_at) for o in created} == {(now, expires)}, "the round's time and expiry"
    for offer in created:
        stored = await store.get_offer(offer.id)
        assert stored is not None and (stored.created_at, stored.expires_at) == (now, expires)
    stamps = {}
    for name in ids:
        profile = await store.get_mentor_profile(ids[name])
        assert profile is not None
        stamps[name] = profile.last_offered_at
    assert stamps == {name: now + timedelta(microseconds=i) for i, name in enumerate(("ben", "cyd", "ana"))}
    # The database sorts them so too (SQLite compares the stored text), as the live query's ORDER BY does.
    async with store.read() as conn:
        ordered = await conn.fetch_all(
            "SELECT member_id FROM mentor_profiles WHERE member_id IN (?, ?, ?) ORDER BY last_offered_at",
            *ids.values(),
        )
    assert [int(r["member_id"]) for r in ordered] == [ids["ben"], ids["cyd"], ids["ana"]]
    # Ben and Cyd have one free place each: live matching's next request goes to Ben, the less recently offered
    # (at one instant for both, it went to Cyd, the older profile).
    live = MentorBot(store, library, make_settings(), clock, worker_id="live")
    clock.advance(timedelta(minutes=1))
    await live.request(Caller(community, "U-next", "Next"), skills="seo")
    [request] = [r for r in await store.list_requests(community, [RequestStatus.OFFERED]) if r.id not in waiting_ids]
    [offer] = await store.list_offers(request_id=request.id)
    assert offer.mentor_id == ids["ben"]
