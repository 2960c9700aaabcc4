"""A member reported gone (`usecases.departures`) who is seen in the community again: `came_back`, run inside the
unit of work of the command that shows it (`usecases.handler`) or of the platform's word (`MentorBot.member_back`).

A mentor paused as one who left (`models.LEFT_COMMUNITY`: no supply) stays paused, but as an ordinary pause, which
``/mentor resume`` ends (`EventStore.lift_departed_pause`): supply again for the wait reasons, of which those the
return makes untrue are told afresh (`RETURN_STALES`), and paused in the stats. Any member back is told once, in
their language, what was done while they were away (`_welcome_back`): the notice of their departure, when it has not
reached them yet, is superseded and a new one says so; else a mentor's new notice says they are paused and how to
resume.

Apart from `usecases.departures` so that the handler, which runs it for every command of a member reported gone,
imports nothing that imports the handler (departures runs its own units of work with `handler.retrying`).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Final

from mentorbot.i18n import translator
from mentorbot.models import JobKind, Member, Mentorship
from mentorbot.replies import Notification, Reply, reply_from_json
from mentorbot.storage.jobs import JobStatus
from mentorbot.usecases import views
from mentorbot.usecases.context import Core
from mentorbot.usecases.matchmaking import refresh_wait_reasons

log = logging.getLogger("mentorbot")

LEFT_NOTICE_PREFIX: Final = "left:"
"""What the key of the notice to a member who left starts with (`left_notice_key`)."""
RETURN_STALES: Final = frozenset(
    {
        "",
        "no_mentor",
        "no_other_mentor",
        "all_busy",
        "all_cooldown",
        "all_excluded",
        "excluded_by_member",
        "excluded_mixed",
        "own_mentor",
    }
)
"""Wait reasons (`wait_reason_code`s) a mentor's return as a paused mentor can make untrue: "no mentor offers it"
and "no other mentor offers it" (they do, paused), and, when every mentor of the skill is paused, those that say
each of them is blocked (the one back may not be: "all paused, you'll get an offer as soon as one is back"), and no
reason yet; and "every mentor is at capacity", which becomes "at capacity or paused" when the one back could take
it once they resume (`matchmaking._cause`)."""


def left_notice_key(member_id: int, now: datetime) -> str:
    """The outbox key of the notice to `member_id` that they left (`departures._told_member`), written `now`: one of
    its own for each departure, so that a platform editing a keyed message in place (`storage.message_refs`) posts
    each anew, and `came_back` finds the one still to reach them by its prefix."""
    return f"{LEFT_NOTICE_PREFIX}{member_id}:{int(now.timestamp())}"


async def came_back(core: Core, member: Member) -> list[Notification]:
    """`member`, reported gone (`EventStore.is_departed`), is seen in the community again, inside the caller's unit of
    work: their departure markers go (`EventStore.clear_departure`: a later departure is told again), the partner in
    each of their active mentorships whose marker went is told once that they are back, and that mentorship's check-in,
    skipped while they were gone (`timers.send_checkin`: the first, or a later one), is due now, the next ones
    following from then; one not due yet keeps its time (the stored timer says which, not today's
    `Settings.checkin_days`: it may have changed since). A mentor paused as one who left stays
    paused as an ordinary pause, and is told so once (`_unpaused`). The notifications to write."""
    store, now = core.store, core.clock.now()
    notes = await _unpaused(core, member)
    mentorships = await store.list_mentorships(member_id=member.id, active_only=True)
    cleared = set(await store.clear_departure(member.id, [m.id for m in mentorships]))
    for mentorship in mentorships:
        if mentorship.id not in cleared:
            continue
        if _repeated_or_first(core, mentorship) and await _checkin_passed(core, mentorship.id):
            # Skipped while they were gone: due now, whatever `Settings.checkin_days` says today (the upsert keeps
            # one timer however many times the return is told; `mark_checkin_sent` sends it once). A timer made
            # pending meanwhile is left: a check-in sent since scheduled the next (the worker that ran it had read
            # no departure marker), and is not sent again at once.
            await store.schedule_job(JobKind.CHECKIN, mentorship.id, now, now, keep_pending=True)
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


async def _unpaused(core: Core, member: Member) -> list[Notification]:
    """`member` is back: a pause as a mentor who left made an ordinary one (`EventStore.lift_departed_pause`), once,
    the wait reasons it makes untrue told afresh (`RETURN_STALES`); and they are told once what was done while they
    were away (`_welcome_back`). The notifications to write."""
    store = core.store
    lifted = await store.lift_departed_pause(member.id, core.clock.now())
    if lifted:
        profile = await store.get_mentor_profile(member.id)
        if profile is not None:
            await refresh_wait_reasons(core, member.community, sorted(profile.skills), RETURN_STALES)
        log.info("mentor %s is back in %s: paused until they resume", member.id, member.community)
    return await _welcome_back(core, member, paused=lifted)


async def _welcome_back(core: Core, member: Member, *, paused: bool) -> list[Notification]:
    """The welcome back to `member`: the notice of their departure that has not reached them yet (held for their
    next command, or pending with no process delivering it) is superseded, so "you're no longer a member" is never
    shown to someone back, and a new notice says what was done while they were away: that notice's lines ("• …", in
    the language it was written in: paused as a mentor, requests cancelled) or, when it had reached them, that they
    are `paused` as a mentor and how to resume. Nothing when nothing was done (and nothing is left to tell)."""
    stale = await core.store.supersede_unsent_keyed(member.id, f"{LEFT_NOTICE_PREFIX}{member.id}:", core.clock.now())
    done = [
        line for payload in stale[-1:] for line in reply_from_json(payload).text.split("\n") if line.startswith("• ")
    ]
    t = translator(core.lang_of(member))
    if paused and not done:
        done = ["• " + t("left.you_paused")]
    if not done:
        return []
    return [core.notify(member, Reply("\n".join([t("left.back.you_back"), *done])))]


_CHECKIN_RAN: frozenset[JobStatus | None] = frozenset({"done", "running", None})
"""The states of a check-in timer that ran while its check-in was not sent: run (skipped: `timers.send_checkin`),
being run (the worker may have read the departure marker this unit clears), or gone (run and pruned since,
`JobStore.prune_jobs`: every mentorship gets its check-in timer when it starts, and each check-in sent schedules the
next while they are repeated). A pending one runs at its time; a cancelled one belongs to a mentorship that ended."""


def _repeated_or_first(core: Core, mentorship: Mentorship) -> bool:
    """Whether a check-in of `mentorship` whose timer ran was one that could be skipped: its first (none sent), or,
    with check-ins repeated (`Settings.checkin_repeat_days` above 0), any: each one sent schedules the next, so a
    timer that ran with none pending after it skipped its check-in. With repeats off, one sent was the only one."""
    return mentorship.checkin_sent_at is None or core.settings.checkin_repeat_days > 0


async def _checkin_passed(core: Core, mentorship_id: int) -> bool:
    """Whether the check-in timer of an active mentorship has run and none is pending after it (`_CHECKIN_RAN`). Its
    row stays locked to the end of the return's unit of work: a process claiming it meanwhile would still read the
    departure marker the return clears, and skip the check-in as one for a member who is gone."""
    return await core.store.job_status(JobKind.CHECKIN, mentorship_id, lock=True) in _CHECKIN_RAN
