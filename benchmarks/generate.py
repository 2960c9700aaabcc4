"""A deterministic (seeded) community generator, and a fast bulk loader for either engine.

A community has members, 10 % of them mentors (3–6 skills each over the whole taxonomy, levels, realistic
capacities, some paused, some full, some recently offered), active mentorships that fill part of those
capacities, older pairs (for the repeat-pair penalty), and a few thousand waiting requests of 1–3 skills.
Skills are drawn with a skewed popularity, so some are scarce (like real communities: everyone offers
content creation, few offer crisis communications).

Loading goes through the engine's own connection inside ONE transaction with `executemany` and explicit
ids: seconds for 100,000 members, instead of minutes through the use-cases one row at a time.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from mentorbot.settings import Settings
from mentorbot.skills import Taxonomy
from mentorbot.storage.store import Store

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
"""The instant every benchmark runs at (data is generated relative to it)."""

TIMEZONES: tuple[tuple[str, float], ...] = (
    ("Africa/Nairobi", 0.25),
    ("Africa/Lagos", 0.15),
    ("Africa/Johannesburg", 0.08),
    ("Europe/London", 0.10),
    ("Europe/Berlin", 0.06),
    ("America/New_York", 0.10),
    ("America/Los_Angeles", 0.04),
    ("Asia/Kolkata", 0.08),
    ("Asia/Dubai", 0.04),
    ("UTC+03:00", 0.04),
    ("UTC", 0.04),
    ("Australia/Sydney", 0.02),
)
MENTOR_LANGUAGES: tuple[tuple[str, float], ...] = (("en", 0.70), ("en,sw", 0.22), ("sw", 0.08))
MEMBER_LANGUAGES: tuple[tuple[str | None, float], ...] = ((None, 0.6), ("en", 0.3), ("sw", 0.1))
LEVELS: tuple[tuple[str, float], ...] = (("learning", 0.2), ("practitioner", 0.5), ("expert", 0.3))
CAPACITIES: tuple[tuple[int, float], ...] = ((1, 0.15), (2, 0.35), (3, 0.30), (4, 0.12), (5, 0.08))
ROUND_FREE_PLACES: tuple[tuple[int, float], ...] = ((1, 0.40), (2, 0.40), (3, 0.20))
REQUEST_SKILL_COUNTS: tuple[tuple[int, float], ...] = ((1, 0.5), (2, 0.35), (3, 0.15))


@dataclass(frozen=True)
class CommunitySpec:
    """What to generate: `members` members of whom `mentors` mentor, and `waiting` waiting requests.

    `round_ready` makes every mentor active with 1–3 free places and no mentorships (a matching round's
    starting point); otherwise mentors are a realistic mix (paused, full, partly taken).
    """

    name: str
    members: int
    mentors: int
    waiting: int
    round_ready: bool = False
    seed: int = 8


@dataclass
class Community:
    """Generated rows, ready for `load` (ids are relative: `load` shifts them past existing rows)."""

    spec: CommunitySpec
    members: list[tuple[Any, ...]] = field(default_factory=list)
    profiles: list[tuple[Any, ...]] = field(default_factory=list)
    mentor_skills: list[tuple[Any, ...]] = field(default_factory=list)
    requests: list[tuple[Any, ...]] = field(default_factory=list)
    request_skills: list[tuple[Any, ...]] = field(default_factory=list)
    mentorships: list[tuple[Any, ...]] = field(default_factory=list)

    @property
    def waiting_request_ids(self) -> list[int]:
        """Relative ids of the waiting requests."""
        return [r[0] for r in self.requests if r[4] == "waiting"]


def taxonomy_slugs() -> list[str]:
    """The shipped taxonomy's slugs, in file order."""
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    return [skill.slug for skill in Taxonomy.load(settings.skills_file).skills]


def _pick(rng: random.Random, table: Sequence[tuple[Any, float]]) -> Any:
    return rng.choices([v for v, _ in table], weights=[w for _, w in table])[0]


def _skill_weights(slugs: Sequence[str], rng: random.Random) -> list[float]:
    """A skewed popularity (Zipf-like, exponent 0.8) over the slugs in a seeded random order."""
    order = list(range(len(slugs)))
    rng.shuffle(order)
    weights = [0.0] * len(slugs)
    for rank, index in enumerate(order, start=1):
        weights[index] = 1.0 / rank**0.8
    return weights


def _sample_skills(rng: random.Random, slugs: Sequence[str], weights: Sequence[float], count: int) -> list[str]:
    chosen: list[str] = []
    while len(chosen) < count:
        slug = rng.choices(slugs, weights=weights)[0]
        if slug not in chosen:
            chosen.append(slug)
    return chosen


def generate(spec: CommunitySpec, slugs: Sequence[str] | None = None) -> Community:
    """The rows of one community; the same `spec` always gives the same rows."""
    rng = random.Random(f"{spec.seed}:{spec.name}:{spec.members}:{spec.mentors}:{spec.waiting}")
    slugs = list(slugs or taxonomy_slugs())
    weights = _skill_weights(slugs, rng)
    out = Community(spec)
    year = 365 * 24 * 3600
    for i in range(1, spec.members + 1):
        created = NOW - timedelta(seconds=rng.randrange(year))
        timezone = _pick(rng, TIMEZONES) if rng.random() < 0.7 else None
        out.members.append(
            (i, spec.name, f"U{i:07d}", f"member{i}", _pick(rng, MEMBER_LANGUAGES), timezone, None, created)
        )
    mentor_ids = sorted(rng.sample(range(1, spec.members + 1), spec.mentors))
    mentor_set = set(mentor_ids)
    non_mentors = [i for i in range(1, spec.members + 1) if i not in mentor_set] or list(range(1, spec.members + 1))
    request_id = 0
    mentorship_id = 0
    for member_id in mentor_ids:
        created = NOW - timedelta(seconds=rng.randrange(2 * year))
        if spec.round_ready:
            capacity = _pick(rng, ROUND_FREE_PLACES)
            active, status, last_offered = 0, "active", None
        else:
            capacity = _pick(rng, CAPACITIES)
            active = min(capacity, int(rng.random() * (capacity + 1.3)))
            status = "paused" if rng.random() < 0.08 else "active"
            last_offered = NOW - timedelta(seconds=rng.randrange(90 * 24 * 3600)) if rng.random() < 0.6 else None
        out.profiles.append(
            (
                member_id,
                capacity,
                "",
                _pick(rng, TIMEZONES),
                _pick(rng, MENTOR_LANGUAGES),
                status,
                None,
                "admin" if status == "paused" else None,
                active,
                0,
                0,
                last_offered,
                created,
                created,
            )
        )
        own = _sample_skills(rng, slugs, weights, rng.randint(3, 6))
        for slug in own:
            out.mentor_skills.append((member_id, slug, _pick(rng, LEVELS)))
        # Active mentorships filling `active` places, and (outside rounds) an older, ended pair now and then.
        ended = 1 if not spec.round_ready and rng.random() < 0.5 else 0
        for k in range(active + ended):
            mentee = rng.choice(non_mentors)
            if mentee == member_id:
                continue
            skills = own[: rng.randint(1, 2)]
            started = NOW - timedelta(seconds=rng.randrange((400 if k >= active else 120) * 24 * 3600))
            request_id += 1
            out.requests.append((request_id, mentee, spec.name, "", "matched", None, started, started, started))
            for position, slug in enumerate(skills):
                out.request_skills.append((request_id, slug, position))
            mentorship_id += 1
            is_active = k < active
            out.mentorships.append(
                (
                    mentorship_id,
                    request_id,
                    member_id,
                    mentee,
                    spec.name,
                    ",".join(skills),
                    "active" if is_active else "ended",
                    started,
                    None if is_active else started + timedelta(days=30),
                    None,
                )
            )
    requesters = rng.sample(non_mentors, min(spec.waiting, len(non_mentors)))
    for member_id in requesters:
        request_id += 1
        created = NOW - timedelta(seconds=rng.randrange(30 * 24 * 3600))
        out.requests.append((request_id, member_id, spec.name, "", "waiting", None, created, created, None))
        for position, slug in enumerate(_sample_skills(rng, slugs, weights, _pick(rng, REQUEST_SKILL_COUNTS))):
            out.request_skills.append((request_id, slug, position))
    return out


@dataclass(frozen=True)
class Loaded:
    """Where `load` put a community: add these to a generated (relative) id to get the stored one."""

    member_base: int
    request_base: int
    mentorship_base: int


async def load(store: Store, community: Community) -> Loaded:
    """Insert a generated community through the engine's connection in ONE transaction (`executemany`)."""
    db = store.db
    async with db.transaction() as conn:
        bases = []
        for table in ("members", "requests", "mentorships"):
            row = await conn.fetch_one(f"SELECT COALESCE(MAX(id), 0) AS n FROM {table}")  # noqa: S608
            bases.append(int(row["n"]) if row else 0)
        mb, rb, sb = bases
        await conn.executemany(
            "INSERT INTO members (id, community, platform_user_id, display_name, language, timezone, last_channel, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(r[0] + mb, *r[1:]) for r in community.members],
        )
        await conn.executemany(
            "INSERT INTO mentor_profiles (member_id, capacity, bio, timezone, languages, status, paused_until, "
            "pause_reason, active_count, pending_offers, expired_streak, last_offered_at, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(r[0] + mb, *r[1:]) for r in community.profiles],
        )
        await conn.executemany(
            "INSERT INTO mentor_skills (member_id, skill, level) VALUES (?, ?, ?)",
            [(r[0] + mb, *r[1:]) for r in community.mentor_skills],
        )
        await conn.executemany(
            "INSERT INTO requests (id, member_id, community, note, status, wait_reason, created_at, updated_at, "
            "matched_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(r[0] + rb, r[1] + mb, *r[2:]) for r in community.requests],
        )
        await conn.executemany(
            "INSERT INTO request_skills (request_id, skill, position) VALUES (?, ?, ?)",
            [(r[0] + rb, *r[1:]) for r in community.request_skills],
        )
        await conn.executemany(
            "INSERT INTO mentorships (id, request_id, mentor_id, mentee_id, community, skills, status, started_at, "
            "ended_at, checkin_sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(r[0] + sb, r[1] + rb, r[2] + mb, r[3] + mb, *r[4:]) for r in community.mentorships],
        )
        if db.dialect == "postgresql":
            # Explicit ids leave the identity sequences behind: move them past the loaded rows.
            for table in ("members", "requests", "mentorships"):
                await conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                    f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
                )
    if db.dialect == "postgresql":
        # What autovacuum would soon do; SQLite is left as a deployment leaves it (no ANALYZE).
        async with db.transaction() as conn:
            await conn.execute("ANALYZE")
    return Loaded(mb, rb, sb)
