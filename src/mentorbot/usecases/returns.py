"""A member reported gone (`usecases.departures`) who is seen in the community again: `came_back`, run inside the
unit of work of the command that shows it (`usecases.handler`) or of the platform's word (`MentorBot.member_back`).

Apart from `usecases.departures` so that the handler, which runs it for every command of a member reported gone,
imports nothing that imports the handler (departures runs its own units of work with `handler.retrying`).
"""

from __future__ import annotations

import logging

from mentorbot.i18n import translator
from mentorbot.models import JobKind, Member
from mentorbot.replies import Notification, Reply
from mentorbot.storage.jobs import JobStatus
from mentorbot.usecases import views
from mentorbot.usecases.context import Core

log = logging.getLogger("mentorbot")


async def came_back(core: Core, member: Member) -> list[Notification]:
    """`member`, reported gone (`EventStore.is_departed`), is seen in the community again, inside the caller's unit of
    work: their departure markers go (`EventStore.clear_departure`: a later departure is told again), the partner in
    each of their active mentorships whose marker went is told once that they are back, and that mentorship's check-in,
    skipped while they were gone (`timers.send_checkin`), is due now; one not due yet keeps its time (the stored timer
    says which, not today's `Settings.checkin_days`: it may have changed since). A mentor paused as one who left stays
    paused. The notifications to write."""
    store, now = core.store, core.clock.now()
    mentorships = await store.list_mentorships(member_id=member.id, active_only=True)
    cleared = set(await store.clear_departure(member.id, [m.id for m in mentorships]))
    notes: list[Notification] = []
    for mentorship in mentorships:
        if mentorship.id not in cleared:
            continue
        if mentorship.checkin_sent_at is None and await _checkin_passed(core, mentorship.id):
            # Skipped while they were gone: due now, whatever `Settings.checkin_days` says today (the upsert keeps
            # one timer however many times the return is told; `mark_checkin_sent` sends it once).
            await store.schedule_job(JobKind.CHECKIN, mentorship.id, now, now)
        was_mentor = mentorship.mentor_id == member.id
        partner = await store.get_member(mentorship.mentee_id if was_mentor else mentorship.mentor_id)
        if partner is None:
            continue
        t = translator(core.lang_of(partner))
        key = "left.back.your_mentor" if was_mentor else "left.back.your_mentee"
        notes.append(core.notify(partner, Reply(t(key, id=mentorship.id, other=views.mention(member, t)))))
    if cleared:
        log.info("member %s is back in %s: %s partner(s) told", member.id, member.community, len(notes))
    return notes


_CHECKIN_RAN: frozenset[JobStatus | None] = frozenset({"done", "running", None})
"""The states of a check-in timer that ran while its check-in was not sent: run (skipped: `timers.send_checkin`),
being run (the worker may have read the departure marker this unit clears), or gone (run and pruned since,
`JobStore.prune_jobs`: every mentorship gets its check-in timer when it starts). A pending one runs at its time; a
cancelled one belongs to a mentorship that ended."""


async def _checkin_passed(core: Core, mentorship_id: int) -> bool:
    """Whether the check-in timer of an active mentorship whose check-in was never sent has run (`_CHECKIN_RAN`)."""
    return await core.store.job_status(JobKind.CHECKIN, mentorship_id) in _CHECKIN_RAN
