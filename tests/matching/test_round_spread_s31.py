"""A matching round spreads offers over equally good mentors as live matching does (a hunt, session 31).

The spare-places term of the score was worked out once per mentor from their places before the round, so every
place of a mentor scored the same: three requests to one mentor totalled what one each to three mentors did, and
the solver's tie-breaks piled offers on a few mentors (3 equal SEO mentors of capacity 3 and 3 requests: 2, 1, 0;
live matching, which counts a place as held after each offer, gives 1 each). And the round broke ties between
mentors in another order than live matching (offered before, last offered, member id, where live matching reads
last offered NULLS FIRST, the profile's creation time, member id).

Live matching is simulated here from its own definition: each request in turn, oldest first, goes to the mentor
with the highest `score_candidate` score (whose spare places count the offers made so far), ties to the one
offered least recently (never first), then the older profile, then the lower member id; an offer makes its mentor
the one offered most recently.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.library import Library
from mentorbot.matching import Candidate, PoolMentor, PoolRequest, RoundPool, score_candidate
from mentorbot.models import Level, Member, MentorProfile, MentorshipRequest, MentorStatus, OfferStatus, RequestStatus
from mentorbot.rounds import plan_pool
from mentorbot.storage.store import Store
from tests.usecases.conftest import COMMUNITY, make_settings

AT = datetime(2026, 3, 29, 12, tzinfo=UTC)
ZONES = ["UTC", "Africa/Nairobi", "America/New_York"]


@dataclass(frozen=True)
class Community:
    pool: RoundPool
    languages: list[str]


@st.composite
def identical_mentors(draw: st.DrawFn) -> Community:
    """Mentors alike in everything the score reads (skills and levels, time zone, languages, capacity, places
    taken), unlike in what breaks ties (when last offered, if ever; when their profile was made; member ids not
    in that order); requests for one of their skills, from mentees of any zone and language."""
    n_mentors = draw(st.integers(1, 6))
    skills = draw(st.dictionaries(st.sampled_from(["seo", "ads", "copy"]), st.sampled_from(list(Level)), min_size=1))
    capacity = draw(st.integers(1, 4))
    taken = draw(st.integers(0, capacity - 1))
    held = draw(st.integers(0, capacity - 1 - taken))
    zone = draw(st.sampled_from(ZONES))
    languages = tuple(draw(st.lists(st.sampled_from(["en", "sw"]), min_size=1, max_size=2, unique=True)))
    ids = draw(st.permutations(range(100, 100 + n_mentors)))
    mentors = []
    for j in range(n_mentors):
        # Few distinct instants, so that equal ones (a tie down to the member id) come up too.
        last = draw(st.one_of(st.none(), st.integers(1, 3).map(lambda h: AT - timedelta(hours=h))))
        created = AT - timedelta(days=draw(st.integers(1, 3)))
        member = Member(ids[j], "c", f"M{ids[j]}", f"mentor{ids[j]}", "en", AT - timedelta(days=30))
        profile = MentorProfile(
            member_id=member.id,
            skills=dict(skills),
            capacity=capacity,
            bio="",
            timezone=zone,
            languages=languages,
            status=MentorStatus.ACTIVE,
            paused_until=None,
            pause_reason=None,
            active_count=taken,
            pending_offers=held,
            expired_streak=0,
            last_offered_at=last,
            created_at=created,
            updated_at=created,
        )
        mentors.append(PoolMentor(member, profile))
    n_requests = draw(st.integers(1, n_mentors * (capacity - taken - held) + 2))
    asked = sorted(skills)
    requests = []
    mentee_languages = []
    for i in range(n_requests):
        mentee = Member(500 + i, "c", f"U{i}", f"member{i}", None, AT, draw(st.sampled_from([None, *ZONES])))
        wanted = tuple(draw(st.lists(st.sampled_from(asked), min_size=1, max_size=len(asked), unique=True)))
        request = MentorshipRequest(i + 1, mentee.id, "c", wanted, "", RequestStatus.WAITING, None, AT, AT, None)
        requests.append(PoolRequest(request, mentee))
        mentee_languages.append(draw(st.sampled_from(["en", "sw"])))
    return Community(RoundPool(tuple(requests), tuple(mentors), frozenset(), {}), mentee_languages)


def live_offers(community: Community) -> Counter[int]:
    """How many offers each mentor gets when live matching takes the requests one by one (see the module
    docstring): the mentor with the highest score, ties by fair rotation; each offer holds a place and makes
    its mentor the most recently offered."""
    pool = community.pool
    profiles = {m.member.id: m.profile for m in pool.mentors}
    members = {m.member.id: m.member for m in pool.mentors}
    given: Counter[int] = Counter()
    for i, item in enumerate(pool.requests):
        now = AT + timedelta(minutes=i + 1)
        best: tuple[int, tuple[bool, datetime, datetime, int], int] | None = None
        for mentor_id, profile in profiles.items():
            if profile.places.free == 0:
                continue
            shared = {s: profile.skills[s] for s in item.request.skills if s in profile.skills}
            if not shared:
                continue
            ranked = score_candidate(
                Candidate(members[mentor_id], profile, shared, 0),
                item.request.skills,
                mentee_language=community.languages[i],
                mentee_timezone=item.mentee.timezone,
                at=AT,
            )
            last = profile.last_offered_at
            rotation = (last is not None, last or datetime.min.replace(tzinfo=UTC), profile.created_at, mentor_id)
            key = (-round(ranked.score * 1_000_000), rotation, mentor_id)
            if best is None or key < best:
                best = key
        if best is None:
            continue
        chosen = best[2]
        given[chosen] += 1
        profile = profiles[chosen]
        profiles[chosen] = replace(profile, pending_offers=profile.pending_offers + 1, last_offered_at=now)
    return given


def round_offers(community: Community) -> Counter[int]:
    """How many offers each mentor gets from one round over the same community."""
    plan = plan_pool(community.pool, community.languages, AT)
    return Counter(a.ranked.candidate.member.id for a in plan.assignments)


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(community=identical_mentors())
def test_a_round_spreads_offers_over_identical_mentors_as_live_matching_does(community: Community) -> None:
    offers = round_offers(community)
    counts = [offers.get(m.member.id, 0) for m in community.pool.mentors]
    assert max(counts) - min(counts) <= 1, f"offers per mentor {counts}: piled on some, none for others"
    assert offers == live_offers(community), "the same mentors get the offers as live matching"
    assert sum(counts) == min(
        len(community.pool.requests), sum(m.profile.places.free for m in community.pool.mentors)
    ), "every request placed that can be"


def _mentor(member_id: int, *, capacity: int, last: datetime | None, created: datetime) -> PoolMentor:
    profile = MentorProfile(
        member_id, {"seo": Level.EXPERT}, capacity, "", "UTC", ("en",), MentorStatus.ACTIVE, None, None, 0, 0, 0, last,
        created, created,
    )  # fmt: skip
    return PoolMentor(Member(member_id, "c", f"m{member_id}", f"M{member_id}", "en", AT), profile)


def _requests(count: int) -> tuple[PoolRequest, ...]:
    return tuple(
        PoolRequest(
            MentorshipRequest(10 + i, 50 + i, "c", ("seo",), "", RequestStatus.WAITING, None, AT, AT, None),
            Member(50 + i, "c", f"u{i}", f"U{i}", "en", AT, "UTC"),
        )
        for i in range(count)
    )


@pytest.mark.parametrize(("mentors", "requests"), [(3, 3), (6, 6), (4, 7), (5, 2)])
def test_the_hunts_reproductions_spread_one_offer_each(mentors: int, requests: int) -> None:
    """`s11_spread.py rounds` (3 equal mentors of capacity 3, 3 requests: 2, 1, 0) and `s12_spread_big.py 6 3`
    (2, 3, 1, 0, 0, 0): one each, the extra ones to the first in fair rotation's order."""
    pool = RoundPool(
        _requests(requests),
        tuple(_mentor(1 + j, capacity=3, last=None, created=AT - timedelta(days=10 - j)) for j in range(mentors)),
        frozenset(),
        {},
    )
    plan = plan_pool(pool, ["en"] * requests, AT)
    offers = Counter(a.ranked.candidate.member.id for a in plan.assignments)
    expected = [requests // mentors + (j < requests % mentors) for j in range(mentors)]
    assert [offers.get(1 + j, 0) for j in range(mentors)] == expected


def test_a_tie_goes_to_the_older_profile_before_the_lower_member_id() -> None:
    """`s3_tie.py`: Alice (member 1) became a mentor after Bob (member 2); neither was ever offered anything. Live
    matching offers Bob (older profile); the round offered Alice (lower id)."""
    alice = _mentor(1, capacity=2, last=None, created=AT - timedelta(minutes=1))
    bob = _mentor(2, capacity=2, last=None, created=AT - timedelta(minutes=2))
    for order in ((alice, bob), (bob, alice)):
        plan = plan_pool(RoundPool(_requests(1), order, frozenset(), {}), ["en"], AT)
        assert [a.ranked.candidate.member.id for a in plan.assignments] == [2]
    # Offered before outranks both: the least recently offered first, never offered before anyone.
    offered = _mentor(3, capacity=2, last=AT - timedelta(days=1), created=AT - timedelta(days=9))
    plan = plan_pool(RoundPool(_requests(1), (offered, alice), frozenset(), {}), ["en"], AT)
    assert [a.ranked.candidate.member.id for a in plan.assignments] == [1]


# --------------------------------------------------------------------------- end to end, on both engines


async def _pending(bot: MentorBot, name: str) -> int:
    member = await bot.store.find_member(COMMUNITY, f"U-{name}")
    assert member is not None
    return sum(o.status is OfferStatus.PENDING for o in await bot.store.list_offers(mentor_id=member.id))


def _who(name: str, **kwargs: bool) -> Caller:
    return Caller(COMMUNITY, f"U-{name}", name.capitalize(), **kwargs)


@pytest.mark.parametrize("matching", ["live", "rounds"])
async def test_a_round_and_live_matching_spread_three_requests_alike(
    store: Store, clock: ManualClock, matching: str
) -> None:
    """The hunt's `s11_spread.py` through the bot: three SEO mentors of capacity 3 (Amy, Bea, Cat, signed up in
    that order) and three requests; live matching and a round each offer one request to each mentor."""
    overrides = {"matching": "rounds", "round_schedule": "mon 09:00"} if matching == "rounds" else {}
    settings = make_settings(**overrides)
    bot = MentorBot(store, Library(settings.skills_file, settings.courses_file), settings, clock, worker_id="t")
    for name in ("amy", "bea", "cat"):
        await bot.signup(_who(name), skills="seo", capacity="3")
        clock.advance(timedelta(minutes=1))
    for name in ("r1", "r2", "r3"):
        await bot.request(_who(name), skills="seo")
        clock.advance(timedelta(minutes=1))
    if matching == "rounds":
        await bot.admin_round(_who("admin", is_admin=True))
    assert [await _pending(bot, name) for name in ("amy", "bea", "cat")] == [1, 1, 1]


@pytest.mark.parametrize("matching", ["live", "rounds"])
async def test_a_round_and_live_matching_break_a_tie_alike(store: Store, clock: ManualClock, matching: str) -> None:
    """The hunt's `s3_tie.py` through the bot: Alice used the bot first (the lower member id) but became a mentor
    after Bob; with nothing else between them, Carol's request goes to Bob, live or in a round."""
    overrides = {"matching": "rounds", "round_schedule": "mon 09:00"} if matching == "rounds" else {}
    settings = make_settings(**overrides)
    bot = MentorBot(store, Library(settings.skills_file, settings.courses_file), settings, clock, worker_id="t")
    await bot.set_language(_who("alice"), language="en")
    clock.advance(timedelta(minutes=1))
    await bot.signup(_who("bob"), skills="seo", capacity="2", levels="expert")
    clock.advance(timedelta(minutes=1))
    await bot.signup(_who("alice"), skills="seo", capacity="2", levels="expert")
    clock.advance(timedelta(minutes=1))
    await bot.request(_who("carol"), skills="seo")
    if matching == "rounds":
        await bot.admin_round(_who("admin", is_admin=True))
    assert (await _pending(bot, "alice"), await _pending(bot, "bob")) == (0, 1)
