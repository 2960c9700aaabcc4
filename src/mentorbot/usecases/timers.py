"""The timers kept in the database: offer expiry, mentorship check-ins, the end of a dated pause, and the weekly
scheduled round and digest (`usecases.insight`).

`Timers.run_due` claims the due ones (each by exactly one process, under a lease) and runs them; what they
produce is returned as notifications for the caller to deliver.
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta

from mentorbot.clock import within
from mentorbot.errors import database_down, database_failure
from mentorbot.i18n import translator
from mentorbot.models import Job, JobKind, MentorshipRequest, MentorStatus, RequestStatus, checkin_key
from mentorbot.replies import Notification, Reply
from mentorbot.storage.database import DatabaseError
from mentorbot.storage.jobs import CLAIM_LIMIT, JobTakenOver
from mentorbot.usecases import insight, views
from mentorbot.usecases.context import Core
from mentorbot.usecases.expiry import expire_offer, expire_offers
from mentorbot.usecases.handler import lease as outbox_lease
from mentorbot.usecases.handler import retrying
from mentorbot.usecases.library_follow import LibraryFollower
from mentorbot.usecases.matchmaking import cohort, rematch, requeue_quietly, reword, round_due

log = logging.getLogger("mentorbot")

WEEKLY_KINDS = frozenset({JobKind.ROUND, JobKind.DIGEST})
"""The timers a round runs after its sweep (`Timers.run_due`)."""

EVENT_ID_RETENTION = timedelta(days=1)
EVENT_PRUNE_EVERY = timedelta(hours=1)
WEEKLY_CHECK_EVERY = timedelta(minutes=1)
"""How often a process makes sure every community has its weekly timers (the scheduled round, the digest)."""
MESSAGE_REF_RETENTION = timedelta(days=90)
"""How long where a keyed direct message was posted is kept; an older one is posted anew if ever updated."""
FINISHED_JOB_RETENTION = timedelta(days=7)
"""How long a timer that ended (done, or cancelled before it ran) is kept after it was due: a week to look at."""
EXPIRY_BATCH = CLAIM_LIMIT
"""The most offer expiries a round runs in one unit of work (`Timers._run_expiries`): every one the round claimed
(`JobStore.claim_due_jobs`' limit), so the requests are tried once every place they free is counted (a smaller batch
would tell a mentor "back on the waitlist" a moment before a later batch of the same round freed a place for it);
bounded by that limit, so a round after a long outage is not one long transaction."""

HELD_NOTICE_RETENTION = MESSAGE_REF_RETENTION
"""How long a notice held for a member's next command is kept: one older is stale (the member has not been back
for as long as the bot remembers its messages), and is dropped unseen."""


class _Outage:
    """The database failures one round of timers met: one warning line for the round (a failing database is no
    bug, and fails every item alike), instead of a traceback per timer or waiting request."""

    def __init__(self) -> None:
        self.first: DatabaseError | None = None
        self.left: Counter[str] = Counter()

    def met(self, exc: BaseException, what: str, count: int = 1) -> bool:
        """Whether `exc` is a failure of the database (kept, `count` more `what` left for later: the timers of a
        unit that ran several), not a bug."""
        failure = database_failure(exc)
        if failure is None:
            return False
        self.first = self.first or failure
        self.left[what] += count
        return True

    def tell(self) -> None:
        """Log the round's line, if the database failed in it."""
        if self.first is not None:
            left = (
                f"; {self.left['timer']} timer(s) and {self.left['request']} waiting request(s) left for a later round"
            )
            database_down(log, self.first, "timers", then=left, failures=self.left.total())


async def next_wake(core: Core, communities: Sequence[str] | None = None) -> datetime | None:
    """The next moment the bot may act unasked: a timer falling due, or the end of a waiting request's cooldown
    (the sweep offers it then; in a cohort programme, its reason is worked out afresh); with `communities`
    (prefixes), in those communities only. A clock that jumps ahead (the console's ``/clock``) stops at each, in
    order."""
    now = core.clock.now()
    times = [due] if (due := await core.store.next_job_due(communities)) is not None else []
    for request in await core.store.list_requests(None, [RequestStatus.WAITING]):
        if communities is not None and not request.community.startswith(tuple(communities)):
            continue
        # The reason's date (a cooldown's end, the next round) and, in a cohort programme, its "for now" part's.
        for until in (views.wait_until(request.wait_reason), views.live_until(request.wait_reason)):
            if until is not None and until > now:
                times.append(until)
    return min(times, default=None)


class Timers:
    """Runs due timers for one process (`worker_id` names it in the jobs' leases)."""

    def __init__(self, core: Core, worker_id: str) -> None:
        self.core = core
        self.worker_id = worker_id
        self.more_due = False
        """Whether the latest round claimed as many timers as a round may (`CLAIM_LIMIT`): more may be due."""
        self._pruned_at: datetime | None = None
        self._swept_at: datetime | None = None
        self._weekly_at: datetime | None = None
        self._checkins_resumed = False
        self.library = LibraryFollower(core)
        """Follows an admin's reload of the skills and courses files made in another process."""

    async def run_due(
        self,
        *,
        lease: timedelta = timedelta(minutes=5),
        communities: Sequence[str] | None = None,
        sweep: bool = False,
    ) -> list[Notification]:
        """Run every timer that is due; return what to deliver.

        `communities` (prefixes such as ``"slack:"``) limits the timers to those this process can deliver for;
        None takes every community's (a process that serves them all, or tests). The sweep runs at most every
        ``MENTORBOT_SWEEP_MINUTES``; with `sweep`, this round sweeps whenever it ran last (the simulation's hourly
        look, which must follow a sweep as a deployment's timer loop, every few seconds, would have run one).
        The sweep runs after the due timers: an overdue offer's expiry frees its place, hands its request on and may
        pause its mentor first, so the sweep never offers a waiting request to a mentor whose overdue offer, expired
        a moment later in the same round, pauses them and withdraws it at once (a pause lapse against that mentee).
        The weekly timers (round, digest) due in the round run after the sweep, so the digest counts the waitlist
        the round leaves and the round places what the sweep could not."""
        store = self.core.store
        now = self.core.clock.now()
        self.more_due = False
        await self.library.check()
        if self.core.agreement.schema_newer is not None:
            # A newer release upgraded the database while this one runs: claim nothing, write nothing
            # (`library_follow.Peers` logged it; /readyz says not ready).
            return []
        if not within(self._pruned_at, now, EVENT_PRUNE_EVERY):
            # Platforms stop redelivering after minutes; a day of event ids is plenty to recognise retries (a
            # departure's "partner told" marker is kept while its mentorship is active: `EventStore.prune_events`).
            await store.prune_events(now - EVENT_ID_RETENTION)
            await store.prune_outbox(now - EVENT_ID_RETENTION)
            await store.prune_inbox(now - EVENT_ID_RETENTION)
            await store.prune_message_refs(now - MESSAGE_REF_RETENTION)
            await store.prune_held_notices(now - HELD_NOTICE_RETENTION)
            await store.prune_jobs(now - FINISHED_JOB_RETENTION)
            self._pruned_at = now
        notes: list[Notification] = []
        outage = _Outage()
        if not within(self._weekly_at, now, WEEKLY_CHECK_EVERY):
            self._weekly_at = now
            await insight.ensure_weekly_jobs(self.core, communities)
        if not self._checkins_resumed:
            await resume_checkins(self.core)
            self._checkins_resumed = True
        claimed = await store.claim_due_jobs(now, self.worker_id, lease=lease, communities=communities)
        # A full batch leaves more due (a backlog after the bot was down): the caller runs the next round at once.
        self.more_due = len(claimed) >= CLAIM_LIMIT
        # The weekly timers (the round, the digest) run last, after the sweep: what they count and place is the
        # waitlist as this round leaves it, not one the sweep changes a moment later.
        weekly = [job for job in claimed if job.kind in WEEKLY_KINDS]
        # A dated pause that ends frees its places first; then the round's offer expiries run together, so the
        # requests they hand on are tried once every place the round frees is counted (`expiry.expire_offers`).
        ordinary = [job for job in claimed if job.kind not in WEEKLY_KINDS]
        for job in [job for job in ordinary if job.kind is JobKind.RESUME]:
            notes.extend(await self._run_one(job, lease=lease, outage=outage))
        expiries = [job for job in ordinary if job.kind is JobKind.OFFER_EXPIRY]
        for start in range(0, len(expiries), EXPIRY_BATCH):
            notes.extend(await self._run_expiries(expiries[start : start + EXPIRY_BATCH], lease=lease, outage=outage))
        for job in [job for job in ordinary if job.kind not in (JobKind.RESUME, JobKind.OFFER_EXPIRY)]:
            notes.extend(await self._run_one(job, lease=lease, outage=outage))
        sweep_every = timedelta(minutes=self.core.settings.sweep_minutes)
        # In a cohort programme (matching by rounds only) requests wait for the round: nothing to sweep.
        live = self.core.settings.matching == "live"
        if (live or cohort(self.core)) and (sweep or not within(self._swept_at, now, sweep_every)):
            self._swept_at = now
            if not live:
                await self.reword_lapsed(communities, outage=outage)
            elif not self.core.agreement.matching_differs:
                # (When another process matches by rounds, or the other way round, its requests wait for its round
                # and this sweep must not offer them: `library_follow.Peers` logged it and told the admins.)
                notes.extend(await self.sweep(communities, outage=outage))
        for job in weekly:
            notes.extend(await self._run_one(job, lease=lease, outage=outage))
        outage.tell()
        return notes

    async def _run_expiries(self, jobs: Sequence[Job], *, lease: timedelta, outage: _Outage) -> list[Notification]:
        """Offer expiry timers this process claimed in one round, run together in one unit of work
        (`expiry.expire_offers`: the requests are tried once every place they free is counted), each timer marked
        done in it; those another process took over since, or that the work of another unit cancelled, are left
        out. The unit locks every mentee its expiries lock first, in one statement
        (`Store.lock_mentees_of_mentors_of_offers`): two processes' rounds of overlapping mentees take them in the
        same order. One timer runs as `run_claimed` does. When the unit fails for anything but the database (a bug
        met with one offer; or concurrent units that aborted it each time it ran, logged as such, not as a bug), each
        timer is run on its own, so the others are not held back by it."""
        if len(jobs) <= 1:
            return [note for job in jobs for note in await self._run_one(job, lease=lease, outage=outage)]
        store = self.core.store

        async def unit() -> list[Notification]:
            async with store.unit_of_work():
                ours = [job for job in jobs if await store.job_is_ours(job.id, self.worker_id)]
                if not ours:
                    return []
                offer_ids = [job.ref_id for job in ours]
                # Every mentee the expiries lock (each expiry its mentor's, held to the unit's end), at once and in
                # id order: a unit of another process expiring offers of the same mentees locks them in that order.
                await store.lock_mentees_of_mentors_of_offers(offer_ids)
                produced = await expire_offers(self.core, offer_ids)
                for job in ours:
                    # False when the work itself ended the job's row (an expiry cancels its timer).
                    await store.finish_job(job.id, self.worker_id)
                return await store.enqueue(
                    produced, self.core.clock.now(), self.worker_id, lease=outbox_lease(self.core)
                )

        try:
            return await retrying(self.core, unit, f"{len(jobs)} offer expiry timers")
        except Exception as exc:
            if outage.met(exc, "timer", len(jobs)):
                return []
            if store.is_transient_conflict(exc):
                # No bug: concurrent units aborted this one each time it ran (`handler.retrying` gave up).
                log.warning(
                    "%d offer expiry timers met concurrent units of work (%s); running each alone",
                    len(jobs),
                    str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
                )
            else:
                correlation_id = uuid.uuid4().hex[:10]
                log.exception(
                    "%d offer expiry timers failed together [%s]; running each alone", len(jobs), correlation_id
                )
        return [note for job in jobs for note in await self._run_one(job, lease=lease, outage=outage)]

    async def _run_one(self, job: Job, *, lease: timedelta, outage: _Outage) -> list[Notification]:
        """`run_claimed`, a failure logged (with a correlation id) or counted as the database's outage: the
        timer's lease runs out, and a later round runs it again."""
        try:
            return await self.run_claimed(job, lease=lease)
        except Exception as exc:
            if not outage.met(exc, "timer"):
                correlation_id = uuid.uuid4().hex[:10]
                log.exception("timer %s for %s failed [%s]", job.kind.value, job.ref_id, correlation_id)
            return []

    async def run_claimed(self, job: Job, *, lease: timedelta) -> list[Notification]:
        """Run one timer this process claimed, in one unit of work: its changes, its notifications in the outbox
        and the job marked done (or moved to its next time) commit together, so an expiry never cancels its
        timer without passing the request on. A timer whose lease ran out while this process was busy with the
        ones claimed before it, and that another process has taken over since, is that process's: it is left
        when seen so at the start; a weekly timer's unit is rolled back when its last statement, the conditional
        move to its next time, finds it so (a digest or a round's report is never sent twice; the other timers'
        changes are conditional, so a second run changes nothing). The job's row is written last, as in every
        other transaction (`storage.locks`): locking it first deadlocked a mentor's accept with the expiry. A digest's
        charts are drawn before the unit opens (`insight.digest_pictures`), so no write waits for the drawing. A
        unit a concurrent one aborted (a PostgreSQL deadlock: two expiries, each passing its request on to the
        other's mentor) runs again, as a use-case does (`handler.retrying`), after being rolled back wholly: its
        outbox rows with it, so a weekly timer's digest or report is written once."""
        store = self.core.store
        # A digest's chart is read and drawn first, outside the unit: drawing takes seconds in a large community.
        pictures = await insight.digest_pictures(self.core, job)

        async def unit() -> list[Notification]:
            async with store.unit_of_work():
                if not await store.job_is_ours(job.id, self.worker_id):
                    raise JobTakenOver(job.id)
                if job.kind in insight.WEEKLY:
                    produced = await insight.run_weekly(self.core, job, self.worker_id, pictures=pictures)
                else:
                    produced = await run_timer(self.core, job)
                    # False when the job's own work ended its row (an expiry cancels its timer) or scheduled it
                    # anew (a check-in the next one); a second run by a process that took it over changes nothing:
                    # its changes are conditional (`storage.offers`, `MentorshipStore.mark_checkin_sent`).
                    await store.finish_job(job.id, self.worker_id)
                return await store.enqueue(
                    produced, self.core.clock.now(), self.worker_id, lease=outbox_lease(self.core)
                )

        try:
            # Run again when a concurrent unit aborted it (two expiries passing their requests on to each other's
            # mentor deadlock on PostgreSQL): the aborted unit was rolled back wholly, its outbox rows with it.
            return await retrying(self.core, unit, f"timer {job.kind.value} for {job.ref_id}")
        except JobTakenOver:
            if await store.job_status(job.kind, job.ref_id) == "cancelled":
                # Ended by other work since it was claimed (an offer expired together with another of its mentor's,
                # in that one's unit: `usecases.expiry`; an offer answered or withdrawn): nothing left to do.
                log.debug("timer %s for %s was cancelled since it was claimed", job.kind.value, job.ref_id)
            else:
                log.info("timer %s for %s was taken over by another process; left to it", job.kind.value, job.ref_id)
            return []

    async def sweep(
        self, communities: Sequence[str] | None = None, *, outage: _Outage | None = None
    ) -> list[Notification]:
        """Offer again every waiting request of the communities served (`communities` prefixes, or all) that an
        eligible mentor with room could take: a safety net behind the live matching, which offers a request
        the moment a place frees up. A request whose stored reason names a date now past is tried too, so its
        reason is worked out afresh. One unit of work per request; what it says goes to the outbox. A failing
        database is told in one line, `outage`'s (the round's) or, without it, the sweep's own."""
        store = self.core.store
        own = outage is None
        outage = outage or _Outage()
        notes: list[Notification] = []
        for community in await store.communities_waiting(communities):
            with_room = await store.skills_with_room(community)
            for request in await store.list_requests(community, [RequestStatus.WAITING]):
                until = views.wait_until(request.wait_reason)
                if not with_room.intersection(request.skills) and (until is None or until > self.core.clock.now()):
                    # Nobody with these skills has a free place: nothing to try. A reason whose date has passed
                    # (a cooldown that has lifted) is worked out afresh, so no one is told a date in the past.
                    continue
                try:
                    # One short unit per request, so the sweep never holds the database for long; run again when
                    # a concurrent unit aborted it (`handler.retrying`).
                    found = await retrying(
                        self.core, functools.partial(self._sweep_unit, request), f"the sweep of request {request.id}"
                    )
                except Exception as exc:
                    if not outage.met(exc, "request"):
                        log.exception("the sweep could not offer request %s; it tries again later", request.id)
                    continue
                if found:
                    log.info("the sweep offered waiting request %s of %s", request.id, community)
                notes.extend(found)
        if own:
            outage.tell()
        return notes

    async def reword_lapsed(self, communities: Sequence[str] | None = None, *, outage: _Outage) -> None:
        """In a cohort programme, where the sweep is off: work out afresh why a waiting request waits when what its
        stored reason says stands in its way meanwhile has a date now past (a cooldown lifted between rounds), so
        no one is told a date gone by. Nothing is offered (the next round does that) and nothing is said: the member
        and the admins read it in their status, the waitlist and the exports. One unit of work per request."""
        store = self.core.store
        now = self.core.clock.now()
        for community in await store.communities_waiting(communities):
            waiting = await store.list_requests(community, [RequestStatus.WAITING])
            lapsed = [r for r in waiting if (until := views.live_until(r.wait_reason)) is not None and until <= now]
            upcoming = await round_due(self.core, community) if lapsed else None
            for request in lapsed:
                unit = functools.partial(self._reword_unit, request, upcoming)
                try:
                    await retrying(self.core, unit, f"the reason of request {request.id}")
                except Exception as exc:
                    if not outage.met(exc, "request"):
                        log.exception("could not work out afresh why request %s waits; tried again later", request.id)

    async def _reword_unit(self, request: MentorshipRequest, upcoming: datetime | None) -> None:
        async with self.core.store.unit_of_work():
            await reword(self.core, request, upcoming=upcoming)

    async def _sweep_unit(self, request: MentorshipRequest) -> list[Notification]:
        """The sweep's unit of work for one waiting request: offered if it can be, what that says in the outbox."""
        store = self.core.store
        async with store.unit_of_work():
            found = await requeue_quietly(self.core, request)
            return await store.enqueue(found, self.core.clock.now(), self.worker_id, lease=outbox_lease(self.core))

    async def undelivered(
        self, *, lease: timedelta | None = None, communities: Sequence[str] | None = None
    ) -> list[Notification]:
        """Notifications whose process died before delivering them (their lease ran out), claimed for this
        process to deliver now."""
        return await self.core.store.claim_undelivered(
            self.core.clock.now(), self.worker_id, lease=lease or outbox_lease(self.core), communities=communities
        )


async def run_timer(core: Core, job: Job) -> list[Notification]:
    """Run the claimed timer `job`; what to deliver. A check-in is told when its timer fell due: which of the
    mentorship's check-ins it is (`send_checkin`)."""
    if job.kind is JobKind.CHECKIN:
        return await send_checkin(core, job.ref_id, due=job.due_at)
    return await run_job(core, job.kind, job.ref_id)


async def run_job(core: Core, kind: JobKind, ref_id: int) -> list[Notification]:
    """Run one timer of `kind` for the object `ref_id`; what to deliver (a check-in as one due now)."""
    if kind is JobKind.OFFER_EXPIRY:
        return await expire_offer(core, ref_id)
    if kind is JobKind.CHECKIN:
        return await send_checkin(core, ref_id)
    if kind is JobKind.RESUME:
        return await end_pause(core, ref_id)
    return []


async def send_checkin(core: Core, mentorship_id: int, *, due: datetime | None = None) -> list[Notification]:
    """A mentorship's check-in, to both parties, each once, and the next one scheduled
    ``MENTORBOT_CHECKIN_REPEAT_DAYS`` later in the same transaction (none with 0: the first check-in is the only
    one) while it lasts. `due`: when its timer fell due (default now): a check-in is sent when none was since
    (`MentorshipStore.mark_checkin_sent`), so a timer two processes run, or one run late after another process sent
    it, sends it once. Each is keyed `checkin_key` of its number: ``checkin:<id>`` for the first, so its end replaces
    it (`mentorships.end_notices`: its buttons go), ``checkin:<id>:<n>`` for each later one, a direct message of its
    own (an edit of the first would make no sound); the earlier ones still to reach a party are superseded. None for
    an ended mentorship (its timer was cancelled by the end), nor for one one of whose members left the community
    (`usecases.departures`): the other was told so, with how to end it; asking how it goes would make no sense. That
    check-in is not used up: it is sent once the member is back (`returns.came_back` makes it due again), and the
    next ones follow from then."""
    store = core.store
    mentorship = await store.get_mentorship(mentorship_id)
    if mentorship is None or await store.departed_from(mentorship_id):
        return []
    repeat = core.settings.checkin_repeat_days
    if repeat == 0 and mentorship.checkin_sent_at is not None:
        return []  # repeats are off: a timer scheduled while they were on (or a return) sends no second one
    now = core.clock.now()
    every = timedelta(days=repeat) if repeat > 0 else None
    occurrence = await store.mark_checkin_sent(mentorship_id, now, due=due, every=every)
    if occurrence is None:
        return []
    notes: list[Notification] = []
    for me_id, other_id in ((mentorship.mentor_id, mentorship.mentee_id), (mentorship.mentee_id, mentorship.mentor_id)):
        me = await store.get_member(me_id)
        other = await store.get_member(other_id)
        if me:
            reply = views.checkin(mentorship, other, translator(core.lang_of(me)))
            notes.append(core.notify(me, reply, key=checkin_key(mentorship.id, occurrence)))
    return notes


async def resume_checkins(core: Core) -> int:
    """Once a process starts, with check-ins repeated (``MENTORBOT_CHECKIN_REPEAT_DAYS`` above 0): each active
    mentorship that has had a check-in and has no check-in timer waiting gets the next, that long after its latest
    (at once when that is past): its check-ins went out while they were not repeated (0 then, or a release before
    session 39), so a mentorship nobody remembered to end is asked again (`MentorshipStore.resume_checkins`). How
    many."""
    repeat = core.settings.checkin_repeat_days
    if repeat <= 0:
        return 0
    resumed = await core.store.resume_checkins(timedelta(days=repeat), core.clock.now())
    if resumed:
        log.info("check-ins resumed for %d active mentorship(s)", resumed)
    return resumed


async def end_pause(core: Core, member_id: int) -> list[Notification]:
    """A dated pause is over: the mentor is active again, told so, and offered waiting requests."""
    store = core.store
    now = core.clock.now()
    profile = await store.get_mentor_profile(member_id)
    if profile is None or profile.status is not MentorStatus.PAUSED:
        return []
    if profile.paused_until is None or profile.paused_until > now:
        return []
    # The pause read above, its end past: one made meanwhile (no end, a later one) is not this timer's to end.
    if not await store.set_mentor_status(member_id, MentorStatus.ACTIVE, now, expect=MentorStatus.PAUSED, ended_by=now):
        return []
    await store.mark_back(member_id, now)  # the pause they chose is over: they are back
    member = await store.get_member(member_id)
    if member is None:
        return []
    t = translator(core.lang_of(member))
    return [
        core.notify(member, Reply(t("resume.automatic"))),
        *await rematch(core, member.community, profile.skills),
    ]
