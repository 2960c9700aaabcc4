"""A programme simulation (``mentorbot simulate``): a seeded community plays months of mentorship through the
real core, and the figures say how well the programme served it.

Everything goes through `MentorBot` with `Caller`s, as an adapter would: mentors sign up, pause and resume,
members ask for mentors and sometimes cancel, mentors answer the offers they receive by direct message (or let
them expire), and mentorships end with ratings. The clock is a `ManualClock` moved from event to event; the
timers run (`MentorBot.run_due_jobs`) before every event, at every simulated hour and at each moment one falls due
in between (`Simulation.run`), as a deployment's timer loop runs them within seconds.

The figures are read from the store's plain records (requests, offers, mentorships, profiles, feedback), never
from the matcher's own candidate queries: at every simulated hour the simulation looks for requests that wait
while an active mentor sharing a requested skill has a free place and may be offered it (not on cooldown or
excluded for that mentee by `matching.eligibility`: the liveness the programme promises), and
for mentors holding more than their capacity (the invariant that must never break).

All randomness comes from one `random.Random(seed)`, and the core is deterministic for a given sequence of
calls on a fresh database with the same settings, so a seed always gives the same figures: the command runs on
MentorBot's defaults (`simulation_settings`), never on a deployment's ``.env`` or ``MENTORBOT_*`` variables.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
import statistics
from collections import Counter
from collections.abc import Awaitable, Callable, Collection, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from typing import Any, Final

from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock, SystemClock
from mentorbot.matching.eligibility import when_alone
from mentorbot.models import MentorshipRequest, MentorshipStatus, MentorStatus, OfferStatus, RequestStatus
from mentorbot.replies import Notification, Outcome
from mentorbot.settings import Settings
from mentorbot.storage.migrations import other_tables
from mentorbot.storage.store import Store
from mentorbot.usecases.matchmaking import blocks_of

START: Final = datetime(2026, 1, 5, 0, 0, tzinfo=UTC)
"""A Monday at 00:00 UTC, where every run started until session 41 (tests and benchmarks still start there).
`mentorbot simulate` starts at `start_for` instead, so that what it leaves reads as recent; a seed gives the same
figures from either (see `start_for`)."""

COMMUNITY: Final = "simulation"
"""The community the simulated members belong to."""

HOUR: Final = timedelta(hours=1)

DECLINE_REASONS: Final[tuple[str | None, ...]] = (
    "No time this month, sorry.",
    "Not really my area.",
    "Travelling for work until the end of the month.",
    "I already mentor someone on this.",
    None,
)
NOTES: Final[tuple[str, ...]] = (
    "We launch next month and I need a plan.",
    "Our numbers dropped and I do not know why.",
    "I am new to this and want to learn the basics.",
    "Preparing for a job interview.",
    "",
)
COMMENTS: Final[tuple[str | None, ...]] = ("Very helpful, thank you.", "We met every week.", "Good start.", None, None)
TIMEZONES: Final = ("Africa/Nairobi", "Africa/Lagos", "Africa/Johannesburg", "Africa/Abidjan", "Asia/Kolkata")
"""The mentors' zones: none has daylight saving time, so a pause's calendar days (``pause 10d`` ends at the same
time of day where the mentor lives) are whole 24 hours on any date, and a run's figures do not depend on when it
runs (`start_for`). Africa/Abidjan (UTC+0 all year) took the place of Europe/London in session 41."""


def start_for(days: int, now: datetime) -> datetime:
    """Where `mentorbot simulate` starts a run of `days` at `now`: the latest Monday, 00:00 UTC, from which the
    run ends by today's 00:00 UTC, so every simulated day is in the past, the last of them within the week before
    today, and `mentorbot admin stats --community simulation` reads its waits and weeks as recent (before session
    41 every run started on `START`, and the stats read "waited 289 days" and empty weeks). A Monday at midnight,
    as `START` is: the run's days fall on the same weekdays and hours, whatever the date."""
    today = datetime.combine(now.astimezone(UTC).date(), time(0), tzinfo=UTC)
    first = today - timedelta(days=days)
    return first - timedelta(days=first.weekday())


class SimulationError(Exception):
    """The simulation cannot run as asked (`key`: the message-catalog key under ``cli.simulate``)."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


class Style(StrEnum):
    """How a mentor answers offers."""

    PROMPT = "prompt"
    """Answers within hours, accepts most."""
    SLOW = "slow"
    """Answers within one to three days: some answers come after the offer expired."""
    SILENT = "silent"
    """Ignores nearly every offer (they expire); resumes after an automatic pause about half the time."""
    PICKY = "picky"
    """Answers within hours, declines about half, with a reason."""


@dataclass(frozen=True)
class Behaviour:
    """The community's habits; the defaults are the recorded runs' (docs/matching.md, "The programme simulation")."""

    requests_per_member_day: float = 0.0067
    """How often a member with no open request and no mentor asks for one (about one in five months)."""
    cancel_share: float = 0.25
    """Share of requests withdrawn if still unmatched after the requester's patience (2–21 days)."""
    styles: tuple[tuple[Style, float], ...] = (
        (Style.PROMPT, 0.45),
        (Style.SLOW, 0.2),
        (Style.SILENT, 0.15),
        (Style.PICKY, 0.2),
    )
    capacities: tuple[tuple[int, float], ...] = ((1, 0.35), (2, 0.4), (3, 0.25))
    late_signup_share: float = 0.15
    """Mentors who sign up during the first half of the programme rather than on day one."""
    pauser_share: float = 0.2
    """Mentors who pause once or twice for 5–20 days (half with an end date, half resuming by hand)."""
    resume_after_auto_pause: float = 0.5
    """Chance that a mentor paused for ignored offers resumes, 2–10 days later."""
    weeks: tuple[int, int] = (2, 8)
    """How long a mentorship lasts (uniform, in weeks)."""
    mentee_ends_share: float = 0.55
    rating_share: float = 0.8
    """Share of endings (and of later feedback) that carry a rating."""
    other_side_feedback_share: float = 0.5
    """Share of ended mentorships where the other side gives feedback afterwards (when the core offers it)."""
    scarce_skills: int = 3
    """Skills offered by only one or two mentors."""


@dataclass(frozen=True)
class SimulationSpec:
    """What to simulate."""

    days: int = 90
    members: int = 300
    mentors: int = 40
    seed: int = 1
    behaviour: Behaviour = field(default_factory=Behaviour)


@dataclass
class SimulationResult:
    """The figures of one run (deterministic for a spec); times in days unless named in hours."""

    days: int
    members: int
    mentors: int
    seed: int
    requests_made: int = 0
    matched: int = 0
    cancelled: int = 0
    days_to_match_median: float | None = None
    days_to_match_p90: float | None = None
    longest_wait_with_room_hours: int = 0
    """The longest run of simulated hours a request waited while an active mentor sharing a requested skill
    had a free place and was not blocked for it (`matching.eligibility`; after the timers ran)."""
    requests_waited_with_room: int = 0
    wait_with_room_hours: int = 0
    """Request-hours spent waiting while an eligible mentor had room, summed over every request."""
    worst_wait: dict[str, Any] | None = None
    stranded: int = 0
    """Requests still open (waiting or offered) at the end."""
    stranded_with_room: int = 0
    """Of those, the ones waiting at the end while an eligible mentor has a free place."""
    stranded_skills: dict[str, int] = field(default_factory=dict)
    mentors_over_capacity: int = 0
    offers: int = 0
    offers_accepted: int = 0
    offers_declined: int = 0
    offers_expired: int = 0
    offers_withdrawn: int = 0
    offers_pending: int = 0
    """Offers still waiting for their mentor's answer at the end."""
    offers_per_accept: float | None = None
    decline_reasons: dict[str, int] = field(default_factory=dict)
    mentorships: int = 0
    mentorships_ended: int = 0
    feedback_from_mentees: int = 0
    feedback_from_mentors: int = 0
    feedback_command: bool = False
    """Whether the core offered the other side a way to give feedback (`MentorBot.feedback`)."""
    auto_pauses: int = 0
    pauses: int = 0
    resumes: int = 0
    refusals: dict[str, int] = field(default_factory=dict)
    """Actions the core refused, by message key (an answer to an offer that had expired, …)."""
    scarce_skills: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The figures as plain JSON values."""
        return asdict(self)


Progress = Callable[[int], None]
Action = Callable[[], Awaitable[None]]


@dataclass
class _Mentor:
    caller: Caller
    style: Style
    signup_at: datetime
    skills: list[str]
    member_id: int = 0
    auto_paused: bool = False


def _weighted(rng: random.Random, options: Sequence[tuple[Any, float]]) -> Any:
    return rng.choices([o for o, _ in options], [w for _, w in options])[0]


def _sample_weighted(rng: random.Random, weights: dict[str, float], count: int) -> list[str]:
    """`count` distinct keys of `weights`, drawn in proportion to their weight."""
    pool = dict(weights)
    chosen: list[str] = []
    while pool and len(chosen) < count:
        pick = rng.choices(list(pool), list(pool.values()))[0]
        chosen.append(pick)
        del pool[pick]
    return chosen


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth's method: fine for the small daily means used here)."""
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (as the benchmark suite computes it)."""
    ordered = sorted(values)
    return ordered[max(1, math.ceil(pct / 100 * len(ordered))) - 1]


class Simulation:
    """One run: the event queue, the simulated people and what the hourly observation found."""

    def __init__(self, bot: MentorBot, clock: ManualClock, spec: SimulationSpec) -> None:
        if bot.clock is not clock:
            raise ValueError("the bot must read the simulation's clock")
        self.bot = bot
        self.store = bot.store
        self.clock = clock
        self.spec = spec
        self.behaviour = spec.behaviour
        self.rng = random.Random(spec.seed)
        self.start = clock.now()
        self.end = self.start + timedelta(days=spec.days)
        self.result = SimulationResult(spec.days, spec.members, spec.mentors, spec.seed)
        self._queue: list[tuple[datetime, int, Action]] = []
        self._seq = itertools.count()
        self.mentors: dict[str, _Mentor] = {}
        self.mentor_by_id: dict[int, _Mentor] = {}
        self.members = [Caller(COMMUNITY, f"member-{i:04d}", f"Member {i}") for i in range(1, spec.members + 1)]
        self._offers_seen: set[int] = set()
        self._mentorships_seen: set[int] = set()
        self._streak: dict[int, int] = {}
        self._with_room: set[int] = set()
        self._over_capacity: set[int] = set()
        self._feedback = getattr(bot, "feedback", None)
        self.result.feedback_command = self._feedback is not None
        skills = sorted(s.slug for s in bot.library.taxonomy.skills)
        self.scarce = sorted(self.rng.sample(skills, min(self.behaviour.scarce_skills, len(skills) // 2)))
        self.result.scarce_skills = list(self.scarce)
        common = [s for s in skills if s not in self.scarce]
        self.supply = {s: self.rng.uniform(0.4, 1.6) for s in common}
        self.demand = {s: self.rng.uniform(0.4, 1.6) for s in common} | {s: 0.6 for s in self.scarce}

    # ----------------------------------------------------------------------------------- the loop

    def at(self, when: datetime, action: Action) -> None:
        """Run `action` at `when` (ignored past the end of the programme)."""
        if when < self.end:
            heapq.heappush(self._queue, (when, next(self._seq), action))

    def _move_to(self, when: datetime) -> None:
        if when > self.clock.now():
            self.clock.advance(when - self.clock.now())

    async def run(self, progress: Progress | None = None) -> SimulationResult:
        """Play the whole programme and return its figures."""
        self._plan_mentors()
        self._plan_requests()
        hours = self.spec.days * 24
        for hour in range(1, hours + 1):
            tick = self.start + hour * HOUR
            while self._queue and self._queue[0][0] <= tick:
                when, _, action = heapq.heappop(self._queue)
                await self._timers_until(when)
                self._move_to(when)
                await self._timers()
                await action()
            await self._timers_until(tick)
            self._move_to(tick)
            # The hourly look follows a sweep: a deployment's timer loop sweeps every MENTORBOT_SWEEP_MINUTES, and an
            # event in the minutes before the hour must not leave a whole simulated hour unswept.
            await self._timers(sweep=True)
            await self._observe()
            if progress is not None and hour % 24 == 0:
                progress(1)
        await self._finish()
        return self.result

    async def _timers(self, *, sweep: bool = False) -> None:
        await self._deliver(await self.bot.run_due_jobs(sweep=sweep))

    async def _timers_until(self, until: datetime) -> None:
        """Run the timers at each moment one falls due before `until` (`Store.next_job_due`), as a deployment's
        timer loop runs them within seconds of it. Before session 39 they ran only at the next event or hour: an offer
        expired up to 59 minutes after its time, beyond ``late_expiry_grace_minutes``, so the expiry was taken for
        one run while the bot was down and not counted in its mentor's streak (mentors who let offers expire on six
        to ten days in a row were never paused). The clock only moves forward, so this ends; a timer due now or
        earlier ran in the round just before."""
        while (due := await self.store.next_job_due()) is not None and self.clock.now() < due < until:
            self._move_to(due)
            await self._timers()

    async def _deliver(self, notes: Sequence[Notification]) -> None:
        """What a member would read in their direct messages: mentors see their offers and answer them."""
        for note in notes:
            for button in note.reply.buttons:
                if button.action == "offer.accept":
                    self._offered(note.member_id, int(button.ref))
        if notes:
            await self.bot.delivered(notes)

    async def _act(self, outcome: Outcome) -> bool:
        """Deliver an outcome's notifications; False (and counted) when the core refused the action."""
        await self._deliver(outcome.notifications)
        if outcome.error is not None:
            key = outcome.error.key
            self.result.refusals[key] = self.result.refusals.get(key, 0) + 1
            return False
        return True

    # ----------------------------------------------------------------------------------- mentors

    def _plan_mentors(self) -> None:
        b = self.behaviour
        rng = self.rng
        half = timedelta(days=self.spec.days / 2)
        plans: list[_Mentor] = []
        for i in range(1, self.spec.mentors + 1):
            caller = Caller(COMMUNITY, f"mentor-{i:03d}", f"Mentor {i}")
            late = rng.random() < b.late_signup_share
            offset = rng.uniform(0, half.total_seconds()) if late else rng.uniform(0, 6 * 3600)
            skills = _sample_weighted(rng, self.supply, rng.randint(2, 4))
            plans.append(_Mentor(caller, _weighted(rng, b.styles), self.start + timedelta(seconds=offset), skills))
        for slug in self.scarce:  # one or two mentors each, on top of their other skills
            for mentor in rng.sample(plans, min(len(plans), rng.randint(1, 2))):
                mentor.skills.append(slug)
        for mentor in plans:
            self.mentors[mentor.caller.user_id] = mentor
            self.at(mentor.signup_at, self._signup_action(mentor))
            if rng.random() < b.pauser_share:
                for _ in range(rng.randint(1, 2)):
                    when = mentor.signup_at + timedelta(days=rng.uniform(3, self.spec.days))
                    self.at(when, self._pause_action(mentor, rng.randint(5, 20), dated=rng.random() < 0.5))

    def _signup_action(self, mentor: _Mentor) -> Action:
        async def signup() -> None:
            rng = self.rng
            levels = ", ".join(f"{s}:{rng.choice(('learning', 'practitioner', 'expert'))}" for s in mentor.skills)
            ok = await self._act(
                await self.bot.signup(
                    mentor.caller,
                    skills=", ".join(mentor.skills),
                    levels=levels,
                    capacity=_weighted(rng, self.behaviour.capacities),
                    bio="Simulated mentor.",
                    timezone=rng.choice(TIMEZONES),
                    languages=rng.choice(("en", "en, sw")),
                )
            )
            if not ok:
                raise RuntimeError(f"the simulated signup of {mentor.caller.user_id} was refused")
            member = await self.store.find_member(COMMUNITY, mentor.caller.user_id)
            assert member is not None
            mentor.member_id = member.id
            self.mentor_by_id[member.id] = mentor

        return signup

    def _pause_action(self, mentor: _Mentor, days: int, *, dated: bool) -> Action:
        async def pause() -> None:
            profile = await self.store.get_mentor_profile(mentor.member_id) if mentor.member_id else None
            if profile is None or profile.status is not MentorStatus.ACTIVE:
                return
            if await self._act(await self.bot.pause(mentor.caller, until=f"{days}d" if dated else None)):
                self.result.pauses += 1
                if not dated:
                    self.at(self.clock.now() + timedelta(days=days), self._resume_action(mentor))

        return pause

    def _resume_action(self, mentor: _Mentor) -> Action:
        async def resume() -> None:
            profile = await self.store.get_mentor_profile(mentor.member_id)
            if profile is None or profile.status is not MentorStatus.PAUSED:
                return
            if await self._act(await self.bot.resume(mentor.caller)):
                self.result.resumes += 1

        return resume

    def _offered(self, mentor_id: int, offer_id: int) -> None:
        """A mentor received offer `offer_id`: plan their answer, or none at all."""
        if offer_id in self._offers_seen:
            return
        self._offers_seen.add(offer_id)
        mentor = self.mentor_by_id.get(mentor_id)
        if mentor is None:
            return
        rng = self.rng
        style = mentor.style
        if style is Style.SILENT and rng.random() < 0.85:
            return
        if style is Style.PROMPT:
            delay, accept = min(rng.lognormvariate(math.log(3), 0.9), 40.0), 0.85
        elif style is Style.PICKY:
            delay, accept = min(rng.lognormvariate(math.log(6), 0.8), 40.0), 0.45
        else:
            delay, accept = rng.uniform(12, 72), 0.75
        now = self.clock.now()
        if rng.random() < accept:
            self.at(now + timedelta(hours=delay), self._accept_action(mentor, offer_id))
        else:
            reason = rng.choice(DECLINE_REASONS)
            self.at(now + timedelta(hours=delay), self._decline_action(mentor, offer_id, reason))

    def _accept_action(self, mentor: _Mentor, offer_id: int) -> Action:
        async def accept() -> None:
            if await self._act(await self.bot.accept(mentor.caller, offer_id=offer_id)):
                await self._watch_mentorships(mentor.member_id)

        return accept

    def _decline_action(self, mentor: _Mentor, offer_id: int, reason: str | None) -> Action:
        async def decline() -> None:
            await self._act(await self.bot.decline(mentor.caller, offer_id=offer_id, reason=reason))

        return decline

    # ----------------------------------------------------------------------------------- members

    def _plan_requests(self) -> None:
        """Arrivals, day by day: a Poisson number each day at uniform times, each for a random member (who asks
        only if they have no open request and no mentor)."""
        rng = self.rng
        mean = self.behaviour.requests_per_member_day * self.spec.members
        for day in range(self.spec.days):
            for _ in range(_poisson(rng, mean)):
                when = self.start + timedelta(days=day, seconds=rng.uniform(0, 86_400))
                self.at(when, self._request_action(rng.choice(self.members)))

    def _request_action(self, caller: Caller) -> Action:
        async def request() -> None:
            rng = self.rng
            member = await self.store.find_member(COMMUNITY, caller.user_id)
            if member is not None:
                if await self.store.list_member_requests(member.id, open_only=True):
                    return
                active = await self.store.list_mentorships(member_id=member.id, active_only=True)
                if any(m.mentee_id == member.id for m in active):
                    return
            count = _weighted(rng, ((1, 0.65), (2, 0.3), (3, 0.05)))
            skills = _sample_weighted(rng, self.demand, count)
            note = rng.choice(NOTES) or None
            if not await self._act(await self.bot.request(caller, skills=skills, note=note)):
                return
            self.result.requests_made += 1
            if rng.random() < self.behaviour.cancel_share:
                member = member or await self.store.find_member(COMMUNITY, caller.user_id)
                assert member is not None
                open_now = await self.store.list_member_requests(member.id, open_only=True)
                if open_now:
                    patience = timedelta(days=rng.uniform(2, 21))
                    self.at(self.clock.now() + patience, self._cancel_action(caller, open_now[-1].id))

        return request

    def _cancel_action(self, caller: Caller, request_id: int) -> Action:
        async def cancel() -> None:
            request = await self.store.get_request(request_id)
            if request is None or not request.status.is_open:
                return
            if await self._act(await self.bot.cancel(caller, request_id=request_id)):
                self.result.cancelled += 1

        return cancel

    # ----------------------------------------------------------------------------------- mentorships

    async def _watch_mentorships(self, member_id: int) -> None:
        """Plan the end of every mentorship of `member_id` not seen yet."""
        for mentorship in await self.store.list_mentorships(member_id=member_id, active_only=True):
            self._plan_end(mentorship.id, mentorship.mentor_id, mentorship.mentee_id, mentorship.started_at)

    def _plan_end(self, mentorship_id: int, mentor_id: int, mentee_id: int, started: datetime) -> None:
        if mentorship_id in self._mentorships_seen:
            return
        self._mentorships_seen.add(mentorship_id)
        rng = self.rng
        weeks = rng.uniform(*self.behaviour.weeks)
        by_mentee = rng.random() < self.behaviour.mentee_ends_share
        self.at(started + timedelta(weeks=weeks), self._end_action(mentorship_id, mentor_id, mentee_id, by_mentee))

    async def _caller_of(self, member_id: int) -> Caller:
        mentor = self.mentor_by_id.get(member_id)
        if mentor is not None:
            return mentor.caller
        member = await self.store.get_member(member_id)
        assert member is not None
        return Caller(COMMUNITY, member.platform_user_id, member.display_name)

    def _rating(self) -> int | None:
        if self.rng.random() >= self.behaviour.rating_share:
            return None
        rating: int = _weighted(self.rng, ((1, 0.03), (2, 0.05), (3, 0.12), (4, 0.35), (5, 0.45)))
        return rating

    def _end_action(self, mentorship_id: int, mentor_id: int, mentee_id: int, by_mentee: bool) -> Action:
        async def end() -> None:
            ender, other = (mentee_id, mentor_id) if by_mentee else (mentor_id, mentee_id)
            rating = self._rating()
            comment = self.rng.choice(COMMENTS) if rating is not None else None
            outcome = await self.bot.end(
                await self._caller_of(ender), mentorship_id=mentorship_id, rating=rating, comment=comment
            )
            if not await self._act(outcome):
                return
            if self._feedback is not None and self.rng.random() < self.behaviour.other_side_feedback_share:
                later = self.clock.now() + timedelta(days=self.rng.uniform(0, 5))
                self.at(later, self._feedback_action(mentorship_id, other))

        return end

    def _feedback_action(self, mentorship_id: int, member_id: int) -> Action:
        async def feedback() -> None:
            assert self._feedback is not None
            rating = self._rating() or 4
            outcome = await self._feedback(await self._caller_of(member_id), mentorship_id=mentorship_id, rating=rating)
            await self._act(outcome)

        return feedback

    # ----------------------------------------------------------------------------------- observation

    async def _observe(self) -> None:
        """The hourly look at the programme, from the store's plain records (not the matcher's queries)."""
        store = self.store
        mentors = await store.list_mentors(COMMUNITY)
        active = await store.list_mentorships(community=COMMUNITY, active_only=True)
        pending = await store.list_offers(status=OfferStatus.PENDING)
        waiting = await store.list_requests(COMMUNITY, [RequestStatus.WAITING])
        taken: Counter[int] = Counter(m.mentor_id for m in active)
        taken.update(o.mentor_id for o in pending)
        room: dict[str, list[int]] = {}
        for member, profile in mentors:
            if taken[member.id] > profile.capacity:
                self._over_capacity.add(member.id)
            mentor = self.mentor_by_id.get(member.id)
            if mentor is not None:
                if profile.status is MentorStatus.PAUSED and profile.pause_reason == "expired_offers":
                    if not mentor.auto_paused:
                        mentor.auto_paused = True
                        self._auto_paused(mentor)
                else:
                    mentor.auto_paused = False
            if profile.status is MentorStatus.ACTIVE and taken[member.id] < profile.capacity:
                for slug in profile.skills:
                    room.setdefault(slug, []).append(member.id)
        for mentorship in active:
            self._plan_end(mentorship.id, mentorship.mentor_id, mentorship.mentee_id, mentorship.started_at)
        still: dict[int, int] = {}
        for request in waiting:
            if await self._eligible_room(room, request):
                hours = self._streak.get(request.id, 0) + 1
                still[request.id] = hours
                self._with_room.add(request.id)
                self.result.wait_with_room_hours += 1
                if hours > self.result.longest_wait_with_room_hours:
                    self.result.longest_wait_with_room_hours = hours
                    self.result.worst_wait = {
                        "request": request.id,
                        "skills": list(request.skills),
                        "asked_day": round((request.created_at - self.start) / timedelta(days=1), 2),
                        "until_day": round((self.clock.now() - self.start) / timedelta(days=1), 2),
                    }
        self._streak = still

    async def _eligible_room(self, room: dict[str, list[int]], request: MentorshipRequest) -> bool:
        """Whether a mentor with a free place in one of the request's skills may be offered it now: not its
        mentee, and not blocked for it even when alone (`matching.eligibility`, the rules the matcher follows: a
        mentor who declined it is on cooldown, not "eligible with room")."""
        if not _has_room(room, request.skills, request.member_id):
            return False
        blocked = when_alone(await blocks_of(self.bot.core, request))
        return _has_room(room, request.skills, request.member_id, blocked)

    def _auto_paused(self, mentor: _Mentor) -> None:
        self.result.auto_pauses += 1
        if self.rng.random() < self.behaviour.resume_after_auto_pause:
            self.at(self.clock.now() + timedelta(days=self.rng.uniform(2, 10)), self._resume_action(mentor))

    async def _finish(self) -> None:
        store, result = self.store, self.result
        requests = await store.list_requests(COMMUNITY, list(RequestStatus))
        waits = [
            (r.matched_at - r.created_at) / timedelta(days=1)
            for r in requests
            if r.matched_at is not None and r.status is RequestStatus.MATCHED
        ]
        result.matched = len(waits)
        if waits:
            result.days_to_match_median = round(statistics.median(waits), 2)
            result.days_to_match_p90 = round(_percentile(waits, 90), 2)
        mentors = await store.list_mentors(COMMUNITY)
        active = await store.list_mentorships(community=COMMUNITY, active_only=True)
        pending = await store.list_offers(status=OfferStatus.PENDING)
        taken: Counter[int] = Counter(m.mentor_id for m in active)
        taken.update(o.mentor_id for o in pending)
        room: dict[str, list[int]] = {}
        for member, profile in mentors:
            if profile.status is MentorStatus.ACTIVE and taken[member.id] < profile.capacity:
                for slug in profile.skills:
                    room.setdefault(slug, []).append(member.id)
        stranded = [r for r in requests if r.status.is_open]
        result.stranded = len(stranded)
        for request in stranded:
            if request.status is RequestStatus.WAITING and await self._eligible_room(room, request):
                result.stranded_with_room += 1
        result.stranded_skills = dict(sorted(Counter(s for r in stranded for s in r.skills).items()))
        result.requests_waited_with_room = len(self._with_room)
        result.mentors_over_capacity = len(self._over_capacity)
        mentor_ids = {member.id for member, _ in mentors}
        offers = [o for o in await store.list_offers() if o.mentor_id in mentor_ids]
        by_status = Counter(o.status for o in offers)
        result.offers = len(offers)
        result.offers_accepted = by_status[OfferStatus.ACCEPTED]
        result.offers_declined = by_status[OfferStatus.DECLINED]
        result.offers_expired = by_status[OfferStatus.EXPIRED]
        result.offers_withdrawn = by_status[OfferStatus.WITHDRAWN]
        result.offers_pending = by_status[OfferStatus.PENDING]
        if result.offers_accepted:
            result.offers_per_accept = round(result.offers / result.offers_accepted, 2)
        reasons = Counter(o.decline_reason or "(none)" for o in offers if o.status is OfferStatus.DECLINED)
        result.decline_reasons = dict(sorted(reasons.items()))
        mentorships = await store.list_mentorships(community=COMMUNITY)
        result.mentorships = len(mentorships)
        result.mentorships_ended = sum(1 for m in mentorships if m.status is MentorshipStatus.ENDED)
        sides = {m.id: (m.mentor_id, m.mentee_id) for m in mentorships}
        for item in await store.list_feedback(COMMUNITY):
            pair = sides.get(item.mentorship_id) if item.mentorship_id is not None else None
            if pair is None:
                continue
            if item.author_id == pair[1]:
                result.feedback_from_mentees += 1
            elif item.author_id == pair[0]:
                result.feedback_from_mentors += 1
        result.refusals = dict(sorted(result.refusals.items()))


def _has_room(room: dict[str, list[int]], skills: Iterable[str], requester: int, blocked: Collection[int] = ()) -> bool:
    """Whether a mentor other than `requester` (and not `blocked`) has a free place in one of `skills`."""
    return any(mentor != requester and mentor not in blocked for slug in skills for mentor in room.get(slug, ()))


def _refuse(ours: int, everyone: int) -> None:
    """Raise the `SimulationError` for a database holding `ours` members of the simulation's community and
    `everyone` members in all."""
    if ours:
        raise SimulationError("not_empty", community=COMMUNITY)
    if everyone:
        raise SimulationError("not_empty_other")


async def simulate(
    bot: MentorBot, clock: ManualClock, spec: SimulationSpec, *, progress: Progress | None = None
) -> SimulationResult:
    """Play `spec` through `bot` (whose clock is `clock`, on a database without any member: a real community's
    database would get the simulation's members, timers and messages beside its own, which a bot running on it
    would then run and try to deliver); `progress` is called with 1 after each simulated day."""
    _refuse(await bot.store.count_members(COMMUNITY), await bot.store.count_members())
    return await Simulation(bot, clock, spec).run(progress)


class _Defaults(Settings):
    """`Settings` from their defaults and the values given, and nothing else: no environment variable, no .env."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Only the values passed to the constructor."""
        return (init_settings,)


def simulation_settings(database_url: str) -> Settings:
    """The settings a simulation runs with: MentorBot's defaults (the packaged skills and courses, English) and
    `database_url`, never a deployment's ``.env`` or ``MENTORBOT_*`` variables: an offer expiry, a re-offer
    cooldown or matching by rounds set there would change the figures, and a seed must give the same ones in
    any folder. Raises pydantic's `ValidationError` for a URL that names no database MentorBot can use."""
    return _Defaults(database_url=database_url)


async def refuse_used_database(settings: Settings) -> None:
    """Raise `SimulationError` when the database of `settings` holds members, before anything is changed in it:
    its schema is read as it is (not migrated), so a community's database that is refused keeps its version. A
    new database, or one without a members table, passes (the simulation then creates or migrates it)."""
    store = Store.from_url(settings.database_url, flush_before_ack=settings.postgres_flush_before_ack)
    try:
        await store.db.open()
        async with store.db.read() as conn:
            if "members" not in await other_tables(conn, store.db.dialect):
                return
            everyone = await conn.fetch_one("SELECT COUNT(*) AS n FROM members")
            ours = await conn.fetch_one("SELECT COUNT(*) AS n FROM members WHERE community = ?", COMMUNITY)
    finally:
        await store.close()
    _refuse(int(ours["n"]) if ours else 0, int(everyone["n"]) if everyone else 0)


async def run_simulation(
    settings: Settings, spec: SimulationSpec, *, progress: Progress | None = None, now: datetime | None = None
) -> SimulationResult:
    """Open the database of `settings` with a manual clock at `start_for` its days before `now` (the real time by
    default), and play `spec` on it. A database that holds members is refused before it is opened for the
    simulation (`refuse_used_database`): only an empty or new one is migrated. `settings` should be
    `simulation_settings`' for figures that depend on the seed alone."""
    from mentorbot.app import open_bot

    await refuse_used_database(settings)
    clock = ManualClock(start_for(spec.days, now or SystemClock().now()))
    async with open_bot(settings, clock=clock) as bot:
        return await simulate(bot, clock, spec, progress=progress)
