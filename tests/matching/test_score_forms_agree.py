"""The match score's three forms agree to the millionth on random pools: Python (`score_candidate` over
`Store.find_candidates`), SQL (the store's ranking query, on each engine) and numpy (`pool_pair_scores`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mentorbot.matching import MICRO, pool_pair_scores, score_candidate, score_params
from mentorbot.models import Level, MentorStatus, NewMentorProfile
from mentorbot.storage.candidates import top_rows
from mentorbot.storage.store import Store

AT = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # Europe's clocks change at 01:00 UTC this day; the US's already have
REPEAT_SINCE = AT - timedelta(days=180)
SKILLS = ["python", "sql", "design", "go", "rust"]
LANGUAGES = ["en", "fr", "sw"]
# Whole, half and three-quarter hour offsets, both hemispheres, with and without daylight saving time.
ZONES = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Pacific/Auckland",
    # across the date line: offsets more than a day apart (session 26: a negative distance, a bonus past its most)
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
    "Pacific/Chatham",
    "Etc/GMT+12",
]

skill_sets = st.lists(st.sampled_from(SKILLS), min_size=1, max_size=3, unique=True)


@dataclass(frozen=True)
class Mentor:
    skills: dict[str, Level]
    capacity: int
    languages: tuple[str, ...]
    timezone: str
    paused: bool


@dataclass(frozen=True)
class Mentee:
    language: str
    timezone: str | None


@dataclass(frozen=True)
class Scenario:
    mentors: list[Mentor]
    mentees: list[Mentee]
    first_mentee_is_first_mentor: bool
    past: list[tuple[int, int]]  # (mentee, mentor): one recent mentorship each
    held: list[tuple[int, int]]  # (mentee, mentor): a pending offer of another request, holding a place
    requests: list[tuple[int, list[str]]]  # (mentee, skills): waiting requests
    declined: list[tuple[int, int]]  # (request, mentor): offered once already (never again)


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    mentors = draw(
        st.lists(
            st.builds(
                Mentor,
                skills=st.dictionaries(st.sampled_from(SKILLS), st.sampled_from(list(Level)), min_size=1, max_size=4),
                capacity=st.integers(1, 4),
                languages=st.lists(st.sampled_from(LANGUAGES), min_size=1, max_size=2, unique=True).map(tuple),
                timezone=st.sampled_from(ZONES),
                paused=st.sampled_from([False, False, False, True]),
            ),
            min_size=2,
            max_size=7,
        )
    )
    mentees = draw(
        st.lists(
            st.builds(Mentee, language=st.sampled_from(LANGUAGES), timezone=st.none() | st.sampled_from(ZONES)),
            min_size=1,
            max_size=3,
        )
    )
    mentee, mentor = st.integers(0, len(mentees) - 1), st.integers(0, len(mentors) - 1)
    requests = draw(st.lists(st.tuples(mentee, skill_sets), min_size=1, max_size=4))
    return Scenario(
        mentors=mentors,
        mentees=mentees,
        first_mentee_is_first_mentor=draw(st.booleans()),
        past=draw(st.lists(st.tuples(mentee, mentor), max_size=4)),
        held=draw(st.lists(st.tuples(mentee, mentor), max_size=2)),
        requests=requests,
        declined=draw(st.lists(st.tuples(st.integers(0, len(requests) - 1), mentor), max_size=2)),
    )


async def _load(store: Store, community: str, scenario: Scenario) -> tuple[list[int], list[int], dict[int, str]]:
    """Write the scenario; return the mentors' and mentees' member ids and each mentee's language."""
    mentor_ids: list[int] = []
    for j, m in enumerate(scenario.mentors):
        member = await store.ensure_member(community, f"mentor{j}", f"Mentor {j}", AT)
        await store.save_mentor_profile(
            member.id, NewMentorProfile(dict(m.skills), m.capacity, "", m.timezone, m.languages), AT
        )
        mentor_ids.append(member.id)
    mentee_ids: list[int] = []
    for k, e in enumerate(scenario.mentees):
        if k == 0 and scenario.first_mentee_is_first_mentor:
            mentee_id = mentor_ids[0]
        else:
            mentee_id = (await store.ensure_member(community, f"mentee{k}", f"Mentee {k}", AT)).id
        if e.timezone:
            await store.set_member_timezone(mentee_id, e.timezone)
        mentee_ids.append(mentee_id)
    languages = {mentee_ids[k]: e.language for k, e in enumerate(scenario.mentees)}
    for k, j in scenario.past:
        old = await store.create_request(mentee_ids[k], community, ["past"], "", AT - timedelta(days=3), max_open=99)
        if await store.manual_match(old.id, mentor_ids[j], AT - timedelta(days=2)) is None:
            await store.cancel_request(old.id, mentee_ids[k], AT)
    for k, j in scenario.held:
        other = await store.create_request(mentee_ids[k], community, ["held"], "", AT, max_open=99)
        if await store.create_offer(other.id, mentor_ids[j], 0.0, "", AT, AT + timedelta(days=1)) is None:
            await store.cancel_request(other.id, mentee_ids[k], AT)
    request_ids = [
        (await store.create_request(mentee_ids[k], community, skills, "", AT, max_open=99)).id
        for k, skills in scenario.requests
    ]
    for r, j in scenario.declined:
        offer = await store.create_offer(request_ids[r], mentor_ids[j], 0.0, "", AT, AT + timedelta(days=1))
        if offer is not None:
            await store.decline_offer(offer.id, mentor_ids[j], None, AT)
    for j, m in enumerate(scenario.mentors):
        if m.paused:
            await store.set_mentor_status(mentor_ids[j], MentorStatus.PAUSED, AT)
    return mentor_ids, mentee_ids, languages


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(scenario=scenarios())
async def test_python_sql_and_numpy_scores_agree(store: Store, scenario: Scenario) -> None:
    community = f"forms:{uuid.uuid4().hex[:12]}"  # the store outlives one example: each writes its own community
    _, _, languages = await _load(store, community, scenario)
    pool = await store.round_pool(community, repeat_since=REPEAT_SINCE)
    zones = await store.mentor_timezones(refresh=True)

    python: dict[tuple[int, int], int] = {}
    sql: dict[tuple[int, int], int] = {}
    for item in pool.requests:
        request, mentee = item.request, item.mentee
        language = languages[mentee.id]
        for candidate in await store.find_candidates(
            community, request.skills, exclude_member=mentee.id, request_id=request.id, repeat_since=REPEAT_SINCE
        ):
            ranked = score_candidate(
                candidate, request.skills, mentee_language=language, mentee_timezone=mentee.timezone, at=AT
            )
            python[(request.id, candidate.member.id)] = round(ranked.score * MICRO)
        params = score_params(zones, mentee.timezone, AT)
        async with store.db.read() as conn:
            found = await top_rows(
                conn,
                store.db.dialect,
                community,
                request.skills,
                mentee.id,
                request.id,
                REPEAT_SINCE,
                language,
                params,
                1000,
                by_community=True,
            )
        sql.update({(request.id, int(r["member_id"])): int(r["score_micro"]) for r in found})

    vectorised: dict[tuple[int, int], int] = {}
    mentee_languages = [languages[item.mentee.id] for item in pool.requests]
    for lo, eligible, micro in pool_pair_scores(pool, mentee_languages, AT, chunk=2):  # 2: blocks are exercised
        for i, j in zip(*np.nonzero(eligible), strict=True):
            key = (pool.requests[lo + int(i)].request.id, pool.mentors[int(j)].member.id)
            vectorised[key] = int(micro[i, j])

    assert python == sql
    assert python == vectorised
