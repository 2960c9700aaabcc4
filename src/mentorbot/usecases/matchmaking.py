"""Finding a mentor for a waiting request: offer it to the best eligible mentor, or record why it waits.

Used by every use-case that can free a place or add a request: a new request, a decline or an expiry
(`pass_on`), a mentor who signs up, resumes or frees a place (`rematch`).

What the mentee is told of a change of their waiting request is a message of its own, under a key of that event
(`offered_key`, `waiting_again_key`): adapters edit the earlier message of a key in place, which makes no sound,
and the outbox supersedes an undelivered notice by a newer one of its key, so one key for every notice of a request
turned "offered to a new mentor" and "waiting again" into silent edits of a possibly weeks-old message.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Final, Literal

from mentorbot.formatting import zone_of
from mentorbot.i18n import Translator, translator
from mentorbot.matching import rank_candidates, top_ranked
from mentorbot.matching.eligibility import Block, BlockKind, blocks_for, strict, when_alone
from mentorbot.matching.explain import Present, with_offsets
from mentorbot.models import JobKind, Member, MentorProfile, MentorshipRequest, MentorStatus, Offer, RequestStatus
from mentorbot.replies import Notification, Reply
from mentorbot.schedule import next_after, parse_weekly
from mentorbot.storage.candidates import SkillMentor
from mentorbot.storage.events import LEFT_COMMUNITY
from mentorbot.storage.outbox import offered_notice_key
from mentorbot.usecases import views
from mentorbot.usecases.context import Core

MATCH_SHORTLIST = 5
"""How many of the best mentors are ranked inside the database before the whole pool is read."""


@dataclass(frozen=True)
class MatchOutcome:
    """What trying to match a request did: the mentor offered it (or None and why it waits), and the
    notifications to deliver."""

    offered_to: int | None
    wait_reason: str | None
    notifications: tuple[Notification, ...]
    offer: Offer | None = None
    """The offer made, when it was offered."""


def offered_key(request_id: int, offer_id: int) -> str:
    """The key of the notice that a mentee's waiting request was offered to a mentor (by offer `offer_id`): one per
    offer, so each is a new message, never an edit of an earlier notice of the request. The store supersedes it in
    the unit of work that ends that offer (expired, declined, withdrawn, its request cancelled or closed:
    `storage.outbox.supersede_request_notices`) when it is held or a dead process left it unsent, so neither a
    restart after a crash nor a command showing held notices tells it after the offer is over."""
    return offered_notice_key(request_id, offer_id)


def waiting_again_key(request_id: int, offer_id: int) -> str:
    """The key of the notice that a mentee's request waits again after offer `offer_id` ended (declined, expired,
    withdrawn): one per ended offer, so each is a new message."""
    return f"request:{request_id}:after:{offer_id}"


async def blocks_of(core: Core, request: MentorshipRequest, *, past_only: bool = False) -> dict[int, Block]:
    """The mentors blocked for `request` now (cooldowns, exclusions: `matching.eligibility`, the one definition
    live matching, the sweep and rounds share). With `past_only`, the request's own pending offer is left out: what
    stands between it and that offer's mentor besides the offer (an admin's match withdraws the offer, and the
    store checks the pair again without it)."""
    history = await core.store.pair_history([request.member_id])
    if past_only:
        history = [f for f in history if not (f.status == "pending" and f.request_id == request.id)]
    return blocks_for(
        request.id,
        request.member_id,
        request.skills,
        history,
        now=core.clock.now(),
        reoffer_after=timedelta(days=core.settings.reoffer_after_days),
    )


async def match_request(
    core: Core,
    request: MentorshipRequest,
    mentee: Member,
    *,
    notify_waiting: bool,
    after: Offer | None = None,
) -> MatchOutcome:
    """Offer a waiting request to the best eligible mentor; else record why it waits.

    Mentors blocked for the request (`blocks_of`) are left out; when no one else could be offered it, the
    mentors whose block lifts when they are alone (a lapse's cooldown, the mentor back since) are tried too.
    With `notify_waiting`, a request left waiting tells its mentee that it waits again, and why: a new message,
    keyed `waiting_again_key` of the offer that ended (`after`), or unkeyed when that offer is not known (gone with
    its forgotten mentor).

    In a cohort programme (``MENTORBOT_MATCHING=rounds``) nothing is offered here: the request waits for the next
    scheduled round, and the reason says when it runs.
    """
    if cohort(core):
        return await _wait_for_round(core, request, mentee, notify_waiting=notify_waiting, after=after)
    blocks = await blocks_of(core, request)
    passes = [strict(blocks)]
    if when_alone(blocks) != passes[0]:
        passes.append(when_alone(blocks))
    for blocked in passes:
        offered = await _offer_best(core, request, mentee, blocked)
        if offered is not None:
            return offered
    reason = await wait_reason(core, request, mentee, blocks)
    # A request re-tried for nothing writes nothing; one told it waits again is told why (the removed skill too).
    await store_reason(core, request, mentee, reason, told=notify_waiting)
    notes: tuple[Notification, ...] = ()
    if notify_waiting:
        t = translator(core.lang_of(mentee))
        reply = views.still_waiting(request, reason, t, core.library.taxonomy, zone_of(mentee))
        notes = (core.notify(mentee, reply, key=_after_key(request, after)),)
    return MatchOutcome(None, reason, notes)


def cohort(core: Core) -> bool:
    """Whether this is a cohort programme (``MENTORBOT_MATCHING=rounds`` with a schedule): offers are made by the
    scheduled rounds only, and a request waits for the next one."""
    return core.settings.matching == "rounds" and core.settings.round_schedule is not None


def next_round(core: Core, now: datetime | None = None) -> datetime | None:
    """When the next scheduled round runs (None without `Settings.round_schedule`)."""
    spec = core.settings.round_schedule
    if spec is None:
        return None
    return next_after(parse_weekly(spec), now or core.clock.now(), core.settings.programme_timezone)


def next_round_reason(
    core: Core, request: MentorshipRequest, now: str | None = None, *, upcoming: datetime | None = None
) -> str:
    """The stored wait reason of a request in a cohort programme: the next scheduled round (`upcoming`, by default
    the schedule's next after now: `round_due` knows of a round due and not run yet), when it is, and what stands in
    its way `now` (a live wait reason, `wait_reason`: no mentor for the skill, all at capacity…), which the member
    and the admins are told beside the date."""
    upcoming = upcoming or next_round(core)
    assert upcoming is not None
    data: dict[str, object] = {"key": "wait.next_round", "skills": list(request.skills), "until": upcoming.isoformat()}
    because = views.live_reason(now)
    if because is not None:
        data["now"] = because
    return json.dumps(data)


async def round_due(core: Core, community: str) -> datetime | None:
    """When the next round of `community` runs, as its timer says (`round_time`); without a timer yet, the
    schedule's next that the timer about to be made will keep (`NO_TIMER_MARGIN`); None without a schedule. A
    round whose time has come and that has not run yet (its timer due: later in the same timer look, an expiry's or
    a decline's, or the bot was down at its time) runs next, in this catch-up, so a request that waits again moments
    before that round is not told the round after it; a timer a changed schedule moved to next week, that day's
    round having run (`insight.round_moves`), is next week's, not the schedule's next time later that day."""
    due = await core.store.weekly_due(JobKind.ROUND, community)
    if due is None:
        # No timer yet (a community's first request): the timer loop makes it within a minute, due at the schedule's
        # next time after then; a round less than `NO_TIMER_MARGIN` away may have passed by then, so it is not told.
        return next_round(core, core.clock.now() + NO_TIMER_MARGIN)
    return round_time(due, core.clock.now())


NO_TIMER_MARGIN: Final = timedelta(minutes=2)
"""How far ahead of now the round a community without a round timer yet is told must be (`round_due`): two of the
timer loop's weekly checks (`timers.WEEKLY_CHECK_EVERY`), the later of which makes the timer at the schedule's next
time after it. Told 10:00 at 09:59:30, the timer made at 10:00:10 was next week's: the member waited a week, their
date moved without a word (session 44); now told next week's, the date the timer keeps."""


def round_time(due: datetime, now: datetime) -> datetime:
    """The time members are told of a round whose timer is `due`: its own while still to come or this very minute
    (a timer seconds late: the round of 10:00 is told as 10:00), else now, to the minute: a round missed in an
    outage runs now, and no one is told a date gone by (the bot down three weeks told "the next round is on" a
    Monday two weeks past)."""
    return max(due, now.replace(second=0, microsecond=0))


def _after_key(request: MentorshipRequest, after: Offer | None) -> str | None:
    return None if after is None else waiting_again_key(request.id, after.id)


async def _wait_for_round(
    core: Core, request: MentorshipRequest, mentee: Member, *, notify_waiting: bool, after: Offer | None = None
) -> MatchOutcome:
    """A request of a cohort programme waits for the next scheduled round; its reason says when, and what stands
    in its way now."""
    obstacle = await round_obstacle(core, request, mentee)
    reason = next_round_reason(core, request, obstacle, upcoming=await round_due(core, request.community))
    await store_reason(core, request, mentee, reason, told=notify_waiting)
    notes: tuple[Notification, ...] = ()
    if notify_waiting:
        t = translator(core.lang_of(mentee))
        reply = views.still_waiting(request, reason, t, core.library.taxonomy, zone_of(mentee))
        notes = (core.notify(mentee, reply, key=_after_key(request, after)),)
    return MatchOutcome(None, reason, notes)


async def _offer_best(core: Core, request: MentorshipRequest, mentee: Member, blocked: set[int]) -> MatchOutcome | None:
    """Offer the request to the best mentor not in `blocked`; None when none could be offered it.

    The shortlist is ranked inside the database (`top_ranked`); only when every mentor on it was taken
    meanwhile (another request, another process) is the whole pool ranked, skipping those already tried.
    """
    store, settings = core.store, core.settings
    now = core.clock.now()
    repeat_since = now - timedelta(days=settings.repeat_pair_days)
    language = core.lang_of(mentee)
    expires = now + timedelta(hours=settings.offer_ttl_hours)
    shortlist = await top_ranked(
        store,
        request.community,
        request.skills,
        exclude_member=mentee.id,
        request_id=None,
        repeat_since=repeat_since,
        mentee_language=language,
        mentee_timezone=mentee.timezone,
        at=now,
        limit=MATCH_SHORTLIST,
        blocked=blocked,
    )
    tried: set[int] = set()
    for attempt in (shortlist, None):
        if attempt is None:
            if len(shortlist) < MATCH_SHORTLIST:
                break
            everyone = await store.find_candidates(
                request.community,
                request.skills,
                exclude_member=mentee.id,
                request_id=None,
                repeat_since=repeat_since,
                blocked=blocked,
            )
            ranked = rank_candidates(
                everyone, request.skills, mentee_language=language, mentee_timezone=mentee.timezone, at=now
            )
            attempt = [r for r in ranked if r.candidate.member.id not in tried]
        for choice in attempt:
            mentor = choice.candidate.member
            tried.add(mentor.id)
            offer = await store.create_offer(
                request.id,
                mentor.id,
                choice.score,
                # Whether the zones' offsets agree: 0 h apart is the same zone or a day apart across the date line.
                with_offsets(choice.explanation, choice.candidate.profile.timezone, mentee.timezone, now).to_json(),
                now,
                expires,
                reoffer_after=timedelta(days=core.settings.reoffer_after_days),
            )
            if offer is not None:
                if choice.candidate.profile.free_places <= 1:
                    await after_last_place(core, mentor)
                note = offer_notification(core, offer, request, mentee, mentor)
                return MatchOutcome(mentor.id, None, (note,), offer)
    return None


def offer_notification(
    core: Core,
    offer: Offer,
    request: MentorshipRequest,
    mentee: Member,
    mentor: Member,
    *,
    profile: MentorProfile | None = None,
) -> Notification:
    """The offer DM to `mentor`, in their language (keyed ``offer:<id>`` so adapters can edit it later). With the
    mentor's `profile` as it is now (a message written again later: `offer_messages.rewrite_unsent_offers`), its
    "why you" is worked out again from it and `mentee` (`views.explanation_line`); without, as the offer stored it
    (a new offer's, worked out a moment ago)."""
    t = translator(core.lang_of(mentor))
    present = None if profile is None else Present(core.clock.now(), profile, mentee, core.lang_of(mentee))
    reply = views.offer_message(offer, request, mentee, t, core.library.taxonomy, zone=zone_of(mentor), present=present)
    return core.notify(mentor, reply, key=f"offer:{offer.id}")


def now_offered(core: Core, mentee: Member, request: MentorshipRequest, offer: Offer | None = None) -> Notification:
    """The notice to a mentee that their waiting request was just offered to a mentor: a new message, keyed
    `offered_key` of `offer` (unkeyed without it), never an edit of an earlier notice of the request."""
    t = translator(core.lang_of(mentee))
    key = None if offer is None else offered_key(request.id, offer.id)
    return core.notify(mentee, Reply(t("request.now_offered", id=request.id)), key=key)


async def wait_reason(
    core: Core, request: MentorshipRequest, mentee: Member, blocks: Mapping[int, Block] | None = None
) -> str:
    """Why no mentor could be offered the request, as a stored message reference (JSON: key, skills and, for a
    cooldown, the time the first mentor may be asked again), worked out per requested skill from that skill's
    mentors (`reason_of`): a request of several skills whose skills wait for different causes stores each cause
    with its own skills (key ``wait.mixed``), so that no skill is told another's cause.

    For one skill: while some active mentor is not blocked for it, those are all at capacity (or they would have
    been offered it): the reason is a cooldown when a blocked mentor has a free place (the first time one of those
    may be asked again), the mentee's own mentor when that is the one with a free place, else that every mentor is
    at capacity. When every active mentor is blocked, it is the cooldowns, dated by the blocked mentors with a free
    place when there are any (or, with no date, the mentee's own mentor among them, else the exclusions). "At
    capacity", "the own mentor" and the exclusions are flagged ``"paused": true`` while a paused mentor may be offered
    it once back ("…or paused", "…other mentors for it are paused"). When every mentor is paused, it is that they are
    paused only while one of them may be offered it once back (not blocked, or on a lapse's cooldown, which their
    return lifts); else the paused mentors' blocks, read as the active ones' are, a cooldown told as theirs
    (``"paused": true``: no offer comes on its date while they are paused). A skill with no mentor but the mentee
    (who mentors it) is "no other mentor" (``wait.no_other_mentor``), not "no mentor" (``wait.no_mentor``); either of
    a skill the skills file no longer has is flagged ``"removed": true`` (`reason_of`): nobody can sign up for it.
    """
    if blocks is None:
        blocks = await blocks_of(core, request)
    own = await _own_skills(core, request, mentee)
    mentors = await _mentors_by_skill(core, request, mentee)
    return reason_of(
        request, mentors, blocks, own=own, removed=views.gone_skills(core.library.taxonomy, request.skills)
    )


async def _mentors_by_skill(core: Core, request: MentorshipRequest, mentee: Member) -> dict[str, list[SkillMentor]]:
    """The mentors of each skill of `request` (not its mentee), as a wait reason reads them: one read per skill
    (a request names at most five)."""
    return {
        skill: await core.store.skill_mentors(request.community, [skill], exclude_member=mentee.id)
        for skill in request.skills
    }


async def _own_skills(core: Core, request: MentorshipRequest, mentee: Member) -> frozenset[str]:
    """The skills of `request` its mentee mentors themself (never offered their own request: `_mentors_by_skill`
    leaves them out), so that a skill only they offer is told "no other mentor", not "no mentor". A mentor who left
    the community is no mentor of it (as `Store.skill_mentors` reads them)."""
    profile = await core.store.get_mentor_profile(mentee.id)
    if profile is None or profile.pause_reason == LEFT_COMMUNITY:
        return frozenset()
    return frozenset(request.skills) & frozenset(profile.skills)


Cause = tuple[str, str | None, bool]
"""Why a request waits as far as one skill's mentors go (`_cause`): the reason's key, a cooldown's end, and whether
paused mentors share the cause (``"paused": true`` in the stored reason)."""


def reason_of(
    request: MentorshipRequest,
    mentors: Mapping[str, Sequence[SkillMentor]],
    blocks: Mapping[int, Block],
    *,
    own: Collection[str] = (),
    removed: Collection[str] = (),
) -> str:
    """`wait_reason` from the `mentors` of each of the request's skills (not its mentee), the `blocks` and the
    skills the mentee mentors themself (`own`), as read: each skill's cause is the one a request of that skill alone
    would be told; skills with the same cause (and date) are told together, in the order asked. One cause for all:
    ``{"key", "skills"[, "until"][, "paused"]}`` as a request of one skill stores it;
    several: ``{"key": "wait.mixed", "skills", "parts": [{"key", "skills"[, "until"][, "paused"]}, …][, "until"]}``,
    whose ``until`` is the first date among its parts (when the sweep looks again, `views.wait_until`). ``"paused":
    true`` marks a cause that paused mentors share (`_cause`): told with its own text (`views.PAUSED_TEXTS`), its
    key, the code exports and metrics read, unchanged. So does ``"removed": true``, of "no mentor" (or none but the
    member asking) for a skill of `removed` (the skills file no longer has it: nobody can sign up for it, so the
    member is told to ask for another, `views.REMOVED_TEXTS`); its code stays ``no_mentor`` (or
    ``no_other_mentor``)."""
    causes: dict[tuple[Cause, bool], list[str]] = {}  # ((key, until, paused), removed) → its skills, in order asked
    for skill in request.skills:
        cause = _cause(mentors.get(skill, ()), blocks, own=skill in own)
        gone = skill in removed and cause[0] in views.REMOVED_TEXTS
        causes.setdefault((cause, gone), []).append(skill)
    parts = [
        {"key": key, "skills": skills}
        | ({"until": until} if until else {})
        | ({"paused": True} if paused else {})
        | ({"removed": True} if gone else {})
        for ((key, until, paused), gone), skills in causes.items()
    ]
    if len(parts) == 1:
        return json.dumps(parts[0] | {"skills": list(request.skills)})
    untils = [until for (_, until, _), _ in causes if until]
    first = {"until": min(untils, key=datetime.fromisoformat)} if untils else {}
    return json.dumps({"key": views.MIXED, "skills": list(request.skills), "parts": parts} | first)


def _cause(mentors: Sequence[SkillMentor], blocks: Mapping[int, Block], *, own: bool = False) -> Cause:
    """Why a request waits as far as one skill's `mentors` go: the reason's key, for a cooldown its end, and whether
    paused mentors share the cause. With none, "no other mentor" when the mentee mentors the skill themself (`own`),
    else "no mentor".

    Active mentors not blocked are all at capacity (or they would have been offered it), or every active mentor is at
    capacity and one of them is on a cooldown for it (its date would promise an offer a full mentor cannot take,
    whatever blocks the others): "every mentor is at capacity", flagged when a paused mentor may be offered it once back
    (`_back_with_place`: "at capacity or paused… as soon as a place frees up or one is back"), unless a blocked one has
    a free place (its cooldown and end, or, with no date, the mentee's own mentor: `_blocked_reason` as if the full ones
    were not there; the own mentor and the exclusions flagged too: "…other mentors for it are paused", session 46).
    When every mentor is paused and none is coming back for it with a free place, they are read as active ones are,
    the blocks their return lifts lifted (one back for it but full is "at capacity", not "as soon as one is back":
    session 45), a cooldown flagged as theirs: its date alone would promise an offer then, while they are still
    paused."""
    active = [m for m in mentors if m.active]
    if not mentors:
        return ("wait.no_other_mentor" if own else "wait.no_mentor"), None, False
    if not active:
        # Every mentor is paused: "as soon as one is back" only of one who may be offered it once back (not blocked,
        # or on a lapse's cooldown, which their return lifts) and has a free place. Else what would be why once they
        # are back: the blocks their return lifts gone, the others' read as active mentors' are.
        if any(_back_with_place(m, blocks) for m in mentors):
            return "wait.all_paused", None, False
        lifted = {m.member_id for m in mentors if _back_for_it(blocks.get(m.member_id))}
        back = [replace(m, active=True) for m in mentors]
        key, until_text, _ = _cause(back, {k: b for k, b in blocks.items() if k not in lifted}, own=own)
        return key, until_text, key == "wait.all_cooldown"
    open_ = [m for m in active if m.member_id not in blocks]
    blocked = [m for m in active if m.member_id in blocks]
    # A mentor excluded for good (rule 5) is no mentor of this request while another may take it some day (at
    # capacity, on a cooldown, the member's own mentor): their free place says nothing of when an offer comes. Before
    # session 45 it made "the mentors have said it is not for them" of a full mentor on a lapse's cooldown, and that
    # reason turned "at capacity" when the excluded one's last place went, which nothing told afresh.
    lasting = [m for m in blocked if blocks[m.member_id].kind is not BlockKind.EXCLUDED]
    if open_ or lasting:
        blocked = lasting
    if (
        not open_
        and all(m.free_places <= 0 for m in blocked)
        and any(_until(blocks[m.member_id]) is not None for m in blocked)
    ):
        # Every active mentor is at capacity, and one of them may be asked again on a date (a cooldown's end): that
        # date would promise an offer a full mentor cannot take, whatever blocks the others (an exclusion, the
        # mentee's own mentor). A place freeing up comes first (then the cooldown's end is why, if it has not passed).
        return "wait.all_busy", None, _paused_back(mentors, blocks)
    # The date told is of a blocked mentor with a free place; with none, and nobody else either, of any blocked one.
    holding = [m for m in blocked if m.free_places > 0] or ([] if open_ else blocked)
    until = min((u for m in holding if (u := _until(blocks[m.member_id])) is not None), default=None)
    if open_ and until is None and not any(blocks[m.member_id].mentoring for m in holding):
        return "wait.all_busy", None, _paused_back(mentors, blocks)
    key, until_text = _blocked_reason(until, [blocks[m.member_id] for m in holding])
    # "Already mentors you… when another mentor joins or frees up", or "they have said it is not for them… when a new
    # mentor joins", is not all when a paused one with a free place is offered it once back (session 46's review:
    # told beside such a mentor, who was offered it on resuming).
    return key, until_text, key in _FLAGGED_BLOCKED and _paused_back(mentors, blocks)


_FLAGGED_BLOCKED: Final = frozenset(
    {"wait.own_mentor", "wait.all_excluded", "wait.excluded_by_member", "wait.excluded_mixed"}
)
"""The causes of `_blocked_reason` flagged ``"paused": true`` while a paused mentor may be offered the request once
back (`_paused_back`): the member's own mentor, and the exclusions (the active mentors', the member's, or both); never
a cooldown (``wait.all_cooldown``'s flag means every mentor paused, those who could take it on cooldown)."""


def _paused_back(mentors: Sequence[SkillMentor], blocks: Mapping[int, Block]) -> bool:
    """Whether some paused one of `mentors` may be offered the request once back (`_back_with_place`)."""
    return any(not m.active and _back_with_place(m, blocks) for m in mentors)


def _until(block: Block) -> datetime | None:
    """When a blocked mentor may be asked again: a cooldown's end; never while they mentor the mentee (None)."""
    return None if block.mentoring else block.until


def _back_for_it(block: Block | None) -> bool:
    """Whether a paused mentor with this `block` for a request may be offered it once back: not blocked, or only by
    a lapse's cooldown (their return lifts it when no one else is eligible) or an unsent offer's (lifted then
    anyway)."""
    return block is None or (
        block.kind is BlockKind.COOLDOWN and (block.lapse or block.lifts_when_alone) and not block.mentoring
    )


def _back_with_place(mentor: SkillMentor, blocks: Mapping[int, Block]) -> bool:
    """Whether a paused `mentor` may be offered the request once back: `_back_for_it`, with a free place (places
    their mentorships take stay taken when they are back: before session 45, "as soon as one is back" was told of a
    paused mentor of one place who mentored someone, and nothing came when they resumed)."""
    return mentor.free_places > 0 and _back_for_it(blocks.get(mentor.member_id))


def _blocked_reason(until: datetime | None, holding: Sequence[Block]) -> tuple[str, str | None]:
    """The cause of a skill whose mentors who could take the request are all blocked: a cooldown with its end
    (`until`), else the mentee's own mentor among them (a request goes to someone else), else exclusions: the
    member's own "not this person" declines of those mentors when only those hold them (rule 5 holds both ways: the
    mentors said nothing), both kinds when every one is excluded, some by the member and some by their own decline
    (``wait.excluded_mixed``: neither "the mentors said it is not for them" nor "you declined them" is true of all),
    else the mentors'."""
    if until is not None:
        return "wait.all_cooldown", until.isoformat()
    if any(b.mentoring for b in holding):
        return "wait.own_mentor", None
    if holding and all(b.kind is BlockKind.EXCLUDED for b in holding):
        by_member = {b.by_mentee for b in holding}
        if by_member == {True}:
            return "wait.excluded_by_member", None
        if by_member == {True, False}:
            return "wait.excluded_mixed", None
    return "wait.all_excluded", None


async def round_obstacle(core: Core, request: MentorshipRequest, mentee: Member) -> str | None:
    """In a cohort programme, what stands between a waiting request and a mentor at the next round (a live wait
    reason, `wait_reason`), or None when an active mentor of a requested skill has a free place and is not blocked
    for it (a lapse's cooldown lifts for a round's last resort): the round will offer it, nothing stands in the way.
    (`wait_reason` alone would call that "every mentor is at capacity": live matching would have offered it.)"""
    blocks = await blocks_of(core, request)
    still_blocked = when_alone(blocks)
    mentors = await _mentors_by_skill(core, request, mentee)
    if any(m.active and m.free_places > 0 and m.member_id not in still_blocked for ms in mentors.values() for m in ms):
        return None
    own = await _own_skills(core, request, mentee)
    return reason_of(
        request, mentors, blocks, own=own, removed=views.gone_skills(core.library.taxonomy, request.skills)
    )


async def requeue_quietly(core: Core, request: MentorshipRequest) -> list[Notification]:
    """Try a waiting request again; only when it is offered is anyone told (the mentor, and the mentee that it
    is now offered)."""
    mentee = await core.store.get_member(request.member_id)
    if mentee is None:
        return []
    outcome = await match_request(core, request, mentee, notify_waiting=False)
    if outcome.offered_to is None:
        return []
    return [*outcome.notifications, now_offered(core, mentee, request, outcome.offer)]


async def rematch(
    core: Core, community: str, skills: Iterable[str] | None, *, mentor_id: int | None = None
) -> list[Notification]:
    """Try again every waiting request of `community` (those sharing `skills`, if given, or the skills of
    `mentor_id`), oldest first; the mentees whose request was offered are told.

    With `mentor_id` and no `skills` (a place of that mentor freed: nothing else changed), it stops as soon as
    the mentor is paused or has no free place left; a place of a paused mentor offers nothing, but the reasons it may
    have made untrue are worked out afresh, the oldest `REFRESH_AFTER_PAUSE` of them (`PAUSED_STALES`: "at capacity"
    of a paused mentor with a place once back is "paused… as soon as one is back", session 45). In a cohort programme
    nothing is offered: the reasons of those requests that the change may have made untrue are worked out afresh, the
    oldest `REFRESH_AFTER_PAUSE` of them (`refresh_wait_reasons`, `SUPPLY_STALES`), and the next round reads them
    all."""
    store = core.store
    wanted = set(skills) if skills is not None else None
    freed = wanted is None and mentor_id is not None
    notes: list[Notification] = []
    if wanted is None and mentor_id is not None:
        profile = await store.get_mentor_profile(mentor_id)
        wanted = set(profile.skills) if profile else set()
        if profile is not None and profile.status is not MentorStatus.ACTIVE:
            # A paused mentor's place freed: nothing is offered to them, but "at capacity" of theirs may now be "paused…
            # as soon as one is back" (`_back_with_place`), a date of theirs told, or no longer "the mentors said no".
            await refresh_wait_reasons(core, community, sorted(wanted), PAUSED_STALES)
            return notes
    if cohort(core):
        # Nothing is offered between a cohort programme's rounds: the change only makes some wait reasons untrue.
        await refresh_wait_reasons(core, community, sorted(wanted or ()), SUPPLY_STALES)
        return notes
    asking = wanted
    waiting = (
        listed(await store.list_requests(community, [RequestStatus.WAITING]))
        if asking is None
        else waiting_pages(core, community, lambda: asking)
    )
    async for request in waiting:
        if freed and mentor_id is not None:
            profile = await store.get_mentor_profile(mentor_id)
            if profile is None or profile.status is not MentorStatus.ACTIVE or profile.free_places <= 0:
                break
        notes.extend(await requeue_quietly(core, request))
    return notes


WAITLIST_PAGE: Final = 100
"""How many waiting requests `waiting_pages` reads at a time."""


async def waiting_pages(
    core: Core, community: str, skills: Callable[[], Collection[str]]
) -> AsyncIterator[MentorshipRequest]:
    """The waiting requests of `community` asking one of `skills()`, oldest first, read `WAITLIST_PAGE` at a time
    (`RequestStore.waiting_asking`): a reader that stops early (a freed place filled) reads no more of the waitlist
    than it used. `skills()` is asked again before each request; once it is empty, nothing more is read, and a
    later page asks only for the skills it names then (places freed together and filled meanwhile)."""
    last: MentorshipRequest | None = None
    while wanted := sorted(skills()):
        page = await core.store.waiting_asking(community, wanted, after=last, limit=WAITLIST_PAGE)
        for request in page:
            if not skills():
                return
            yield request
        if len(page) < WAITLIST_PAGE:
            return
        last = page[-1]


async def listed(requests: Iterable[MentorshipRequest]) -> AsyncIterator[MentorshipRequest]:
    """`requests` as the asynchronous iterator `reword_stale` and the waitlist's readers take."""
    for request in requests:
        yield request


async def pass_on(core: Core, offer: Offer) -> tuple[list[Notification], bool | None]:
    """After a decline, an expiry or a withdrawal: offer the request to the next mentor, or tell the mentee
    it waits and why; then the place the offer held, if its mentor is still active, goes to the waiting
    requests, oldest first. The notifications, and whether the request went to another mentor (True), is back on
    the waitlist (False) or no longer waits (None), for the mentor's notice to tell truthfully (`hand_on`)."""
    notes, passed = await hand_on(core, offer)
    notes.extend(await rematch(core, await _community_of(core, offer), None, mentor_id=offer.mentor_id))
    return notes, passed


async def hand_on(core: Core, offer: Offer) -> tuple[list[Notification], bool | None]:
    """Offer an ended offer's request to the next mentor (or tell its mentee it waits and why): the
    notifications, and whether it was passed on (True), is back on the waitlist (False) or no longer waits
    (None: cancelled, matched…). A mentee is not told of the hand-on (they were told the request is offered),
    unless that notice never reached them (`OutboxStore.offered_unheard`): then they are told it is offered now."""
    request = await core.store.get_request(offer.request_id)
    if request is None or request.status is not RequestStatus.WAITING:
        return [], None
    mentee = await core.store.get_member(request.member_id)
    if mentee is None:
        return [], None
    outcome = await match_request(core, request, mentee, notify_waiting=True, after=offer)
    notes = list(outcome.notifications)
    if outcome.offer is not None and await core.store.offered_unheard(mentee.id, request.id, offer.id):
        # The mentee never heard that the ended offer was made (its notice superseded unsent): the last they heard
        # is that the request waits, so they are told it is offered now.
        notes.append(now_offered(core, mentee, request, outcome.offer))
    return notes, outcome.offered_to is not None


async def _community_of(core: Core, offer: Offer) -> str:
    request = await core.store.get_request(offer.request_id)
    return request.community if request else ""


async def requeue(core: Core, request: MentorshipRequest) -> tuple[Notification, ...]:
    """Match a request that waits again (its offer gone with its forgotten mentor); its mentee is told where it
    stands, in a new message when it waits."""
    mentee = await core.store.get_member(request.member_id)
    if mentee is None:
        return ()
    return (await match_request(core, request, mentee, notify_waiting=True)).notifications


PausedBy = Literal["self", "admin", "lapses", "unreachable", "left"]
"""Who paused a mentor whose offers are withdrawn: themselves, an admin, the lapse rule, the platform's refusal of
their direct messages (`usecases.unreachable`), or their leaving the community (`usecases.departures`)."""


async def withdraw_for_pause(
    core: Core, mentor: Member, *, by: PausedBy = "self", outcomes: list[bool | None] | None = None
) -> tuple[list[Notification], list[str]]:
    """A mentor was just paused (`by` themselves, an admin, for lapses or as unreachable): withdraw their pending
    offers in the same unit of work, update each offer's message (a new version under its key ``offer:<id>``, saying
    who paused them) and pass each request on, oldest first. Returns the notifications and, in the mentor's
    language, one line per request saying truthfully what became of it (passed on to someone else, or back on
    the waitlist); `outcomes`, when given, gets the same as data (`hand_on`'s, one per request, for an admin's
    count)."""
    withdrawn = await core.store.withdraw_for_pause(mentor.id, core.clock.now())
    return await hand_on_withdrawn(core, mentor, withdrawn, by=by, outcomes=outcomes)


_WITHDRAWN_KEY: Final[Mapping[str, str]] = {
    "self": "offer.withdrawn_paused",
    "admin": "offer.withdrawn_paused_admin",
    "lapses": "offer.withdrawn_paused_lapses",
    "unreachable": "offer.withdrawn_paused_unreachable",
    "left": "left.offer_withdrawn",
}


async def hand_on_withdrawn(
    core: Core,
    mentor: Member,
    withdrawn: Iterable[Offer],
    *,
    by: PausedBy = "self",
    passed: Mapping[int, bool | None] | None = None,
    outcomes: list[bool | None] | None = None,
) -> tuple[list[Notification], list[str]]:
    """Pass on the requests of a paused mentor's withdrawn offers (see `withdraw_for_pause`), then tell the waiting
    requests of their skills afresh why they wait where the pause made it untrue (a departure, `by` ``left``: "they
    are all paused" too, the mentor who left being no supply any more, `Store.skill_mentors`). With `passed`, the
    requests were handed on already (a round's expiries, `expiry.expire_offers`): what became of each, by offer id.
    `outcomes`, when given, gets what became of each request, in the order of the lines."""
    t = translator(core.lang_of(mentor))
    notes: list[Notification] = []
    lines: list[str] = []
    for offer in withdrawn:
        notice = Reply(t(_WITHDRAWN_KEY[by], id=offer.id))
        notes.append(core.notify(mentor, notice, key=f"offer:{offer.id}"))
        if passed is not None and offer.id in passed:
            outcome = passed[offer.id]
        else:
            handed, outcome = await hand_on(core, offer)
            notes.extend(handed)
        lines.append(line_for(t, offer, outcome))
        if outcomes is not None:
            outcomes.append(outcome)
    profile = await core.store.get_mentor_profile(mentor.id)
    if profile is not None:
        stales = DEPARTURE_STALES if by == "left" else PAUSED_STALES
        await refresh_wait_reasons(core, mentor.community, sorted(profile.skills), stales)
    return notes, lines


PAUSED_STALES: Final = frozenset(
    {"", "all_busy", "all_cooldown", "all_excluded", "excluded_by_member", "excluded_mixed", "own_mentor"}
)  # `wait_reason_code`s
"""Wait reasons a mentor's pause can make untrue (no reason yet, too): "no mentor offers it" and "they are all
paused" stay true (a pause takes no place). A reason of several causes (``wait.mixed``) is looked at when one of its
causes is here (`views.reason_codes`)."""
PAUSE_STALES: Final = PAUSED_STALES | {"all_paused"}
"""Wait reasons a mentor's pause or a change of a mentor's places (a lower capacity, an import, a paused mentor's place
freed or taken, their new skill) can make untrue: "they are all paused… as soon as one is back" too, told only of a
paused mentor with a free place (session 45: `_back_with_place`), so a paused mentor's last place taken makes it
untrue. A pause itself looks at `PAUSED_STALES`: the reasons it cannot have made untrue would use up the
`REFRESH_AFTER_PAUSE` it tells afresh."""
DEPARTURE_STALES: Final = PAUSE_STALES | {"all_paused", "no_other_mentor"}
"""Wait reasons a mentor's departure from a skill (their data forgotten, the skill dropped) can make untrue: "they
are all paused" too, when the paused one leaves, and "no other mentor offers it" when the one leaving it is the
requester (nobody offers it now); "no mentor offers it" stays true."""
SUPPLY_STALES: Final = DEPARTURE_STALES | {"no_mentor"}
"""Wait reasons any change of the mentors of a skill (a place freed, a mentor resumed, signed up or back) can make
untrue: every one; what a cohort programme's `rematch` refreshes, as the next round would."""
REFRESH_AFTER_PAUSE: Final = 50
"""The most waiting requests a pause tells afresh why they wait, oldest first (the first pages of the waitlist)."""


async def refresh_wait_reasons(
    core: Core, community: str, skills: Sequence[str], stales: frozenset[str] = PAUSED_STALES
) -> None:
    """Work out afresh why the waiting requests of `community` that ask for one of `skills` wait, after a mentor
    of those skills paused (or left them: `DEPARTURE_STALES`), and store it where it changed (the waitlist and
    the member's status show it): with that mentor gone, "every mentor is at capacity" or a cooldown may no
    longer be why. Only reasons that can have become untrue are looked at (`stales`), the oldest
    `REFRESH_AFTER_PAUSE` of them: it runs inside the change's unit of work (the others are told afresh when
    next tried: the sweep, a round, a freed place). Nothing is offered: no place was freed. In a cohort programme
    the next round stays, and what stands in the way meanwhile (`round_obstacle`) is what is worked out afresh."""
    if not skills:
        return
    await reword_stale(core, community, waiting_pages(core, community, lambda: skills), stales)


async def after_last_place(core: Core, mentor: Member) -> None:
    """`mentor`'s last free place just went (an offer made to them): the waiting requests told they may be asked again
    after a cooldown of theirs are told afresh why they wait (`RequestStore.waiting_dated_by`), as a capacity lowered
    does (docs/matching.md rule 14: a cooldown's date is told only of a mentor with a free place; a full one's would
    promise an offer on a date nothing comes). The oldest `REFRESH_AFTER_PAUSE` of them, in the offer's unit. So are
    the waiting requests of the members they mentor told "your own mentor is the only one who could take it" (a full
    own mentor is at capacity as the others are)."""
    dated = await core.store.waiting_dated_by(mentor.id, limit=REFRESH_AFTER_PAUSE)
    if dated:
        await reword_stale(core, mentor.community, listed(dated), frozenset({"all_cooldown"}))
    # "The only mentor who could take it already mentors you" of a mentor with no free place is "every mentor is at
    # capacity" (session 45): their mentees' waiting requests told so, in one read (a round fills many mentors).
    own = await core.store.waiting_own_mentor_of(mentor.id, limit=REFRESH_AFTER_PAUSE)
    if own:
        await reword_stale(core, mentor.community, listed(own), frozenset({"own_mentor"}))


async def after_places_taken(core: Core, mentors: Iterable[Member]) -> None:
    """`mentors` whose places a change took other than live matching's offer (an answer recorded in time, an admin's
    match, a round's offers): each left with no free place is `after_last_place`'s; a paused one's (an admin's forced
    match) also tells afresh the waiting requests of their skills (`PAUSE_STALES`: "as soon as one is back" of them is
    no longer true, `_back_with_place`). One read of each profile."""
    for mentor in {m.id: m for m in mentors}.values():
        profile = await core.store.get_mentor_profile(mentor.id)
        if profile is not None and profile.free_places <= 0:
            await after_last_place(core, mentor)
            if profile.status is not MentorStatus.ACTIVE:
                # A paused mentor's last place (an admin's forced match): "as soon as one is back" of them is untrue.
                await refresh_wait_reasons(core, mentor.community, sorted(profile.skills), PAUSE_STALES)


async def reword_stale(
    core: Core, community: str, requests: AsyncIterator[MentorshipRequest], stales: frozenset[str]
) -> None:
    """Tell afresh why each of the waiting `requests` of `community` waits whose reason is one of `stales` (in a
    cohort programme, what stands in the way of its next round), the first `REFRESH_AFTER_PAUSE` of them."""
    rounds_only = cohort(core)
    upcoming = await round_due(core, community) if rounds_only else None
    looked = 0
    async for request in requests:
        if looked >= REFRESH_AFTER_PAUSE:
            break
        now_part = views.live_reason(request.wait_reason) if rounds_only else None
        codes = views.reason_codes(now_part) if now_part else views.reason_codes(request.wait_reason)
        if not codes & stales and not (rounds_only and now_part is None):
            continue
        looked += 1
        await reword(core, request, upcoming=upcoming)


async def reword(core: Core, request: MentorshipRequest, *, upcoming: datetime | None = None) -> None:
    """Work out afresh why the waiting `request` waits, offering nothing, and store it when it changed: in a cohort
    programme the next round (`upcoming`, `round_due`'s) and what stands in its way meanwhile (`round_obstacle`),
    else the live reason (`wait_reason`)."""
    mentee = await core.store.get_member(request.member_id)
    if mentee is None:
        return
    if cohort(core):
        obstacle = await round_obstacle(core, request, mentee)
        reason = next_round_reason(core, request, obstacle, upcoming=upcoming)
    else:
        reason = await wait_reason(core, request, mentee)
    await store_reason(core, request, mentee, reason, told=False)


async def store_reason(core: Core, request: MentorshipRequest, mentee: Member, reason: str, *, told: bool) -> None:
    """Store `reason` as why `request` waits, when it changed. A reason worked out afresh is not said (the member
    reads it in their status), except when it newly tells a skill as no longer offered (`views.removed_told`: no
    mentor offers a skill the skills file no longer has): nothing will come of waiting for it, so the member is told
    once, in a message of its own (`skill_removed_notice`), unless the change is `told` already (a "waiting again"
    notice says why). The notice goes to the outbox in the change's unit, handed over at once to any process's
    delivery (the use-cases that reword reasons return no notifications of their own). Said once: the stored reason
    keeps saying it, and only a reason that did not say it before tells it again."""
    if reason == request.wait_reason:
        return
    newly = views.removed_told(reason) - views.removed_told(request.wait_reason)
    if told or not newly:
        await core.store.set_wait_reason(request.id, reason, core.clock.now())
        return
    # Told only when this very change is stored: the request still waiting (not cancelled, matched or forgotten by
    # another process since it was read: that one superseded its notices already) and its reason still the one read.
    if not await core.store.set_wait_reason(request.id, reason, core.clock.now(), only_if=request.wait_reason):
        return
    await core.hand_over([skill_removed_notice(core, mentee, request, reason, sorted(newly, key=request.skills.index))])


def skill_removed_key(request_id: int, skills: Sequence[str]) -> str:
    """The key of the notice that a waiting request's `skills` are no longer offered: a message of its own,
    superseded unsent when the request changes (``request:<id>:…``, `storage.outbox.supersede_request_notices`)."""
    return f"request:{request_id}:removed:{','.join(skills)}"


def skill_removed_notice(
    core: Core, mentee: Member, request: MentorshipRequest, reason: str, skills: Sequence[str]
) -> Notification:
    """The notice to `mentee` that their waiting `request` asks for `skills` the skills file no longer has and no
    mentor offers (its key's), then why it waits (`reason`, which says what to do)."""
    t = translator(core.lang_of(mentee))
    taxonomy = core.library.taxonomy
    text = t("skill_removed.notice", id=request.id, skills=views.skill_labels(taxonomy, request.skills, t.lang))
    text += "\n" + views.wait_reason_text(reason, t, taxonomy, zone=zone_of(mentee))
    return core.notify(mentee, Reply(text), key=skill_removed_key(request.id, skills))


async def reword_removed(core: Core, community: str, skills: Sequence[str]) -> int:
    """After the skills file changed (a reload, a start with other files), work out afresh why the waiting requests
    of `community` that ask for one of `skills` (taken out of the file, or put back) wait, when their stored reason
    says otherwise of a skill than the file does now (`views.removed_stale`: "no mentor offers it yet" of a skill
    nobody can sign up for any more, "no longer offered" of one that is back). A member whose request is newly told
    a skill is no longer offered is told once (`store_reason`). Every such request, not the oldest
    `REFRESH_AFTER_PAUSE`: only those of the changed skills are read. How many were worked out afresh."""
    if not skills:
        return 0
    taxonomy = core.library.taxonomy
    upcoming = await round_due(core, community) if cohort(core) else None
    looked = 0
    async for request in waiting_pages(core, community, lambda: skills):
        if not views.removed_stale(request.wait_reason, taxonomy):
            continue
        looked += 1
        await reword(core, request, upcoming=upcoming)
    return looked


def line_for(t: Translator, offer: Offer, passed: bool | None) -> str:
    """What became of an ended offer's request, for its mentor: passed on, back on the waitlist, or closed."""
    key = {True: "pause.request_passed", False: "pause.request_waiting", None: "pause.request_closed"}[passed]
    return t(key, id=offer.request_id)
