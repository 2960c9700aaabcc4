"""Finding a mentor for a waiting request: offer it to the best eligible mentor, or record why it waits.

Used by every use-case that can free a place or add a request: a new request, a decline or an expiry
(`pass_on`), a mentor who signs up, resumes or frees a place (`rematch`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from mentorbot.formatting import zone_of
from mentorbot.i18n import translator
from mentorbot.matching import rank_candidates, top_ranked
from mentorbot.models import Member, MentorshipRequest, Offer, RequestStatus
from mentorbot.replies import Notification, Reply
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


async def match_request(
    core: Core, request: MentorshipRequest, mentee: Member, *, notify_waiting: bool
) -> MatchOutcome:
    """Offer a waiting request to the best eligible mentor; else record why it waits.

    The shortlist is ranked inside the database (`top_ranked`); only when every mentor on it was taken
    meanwhile (another request, another process) is the whole pool ranked, skipping those already tried.
    With `notify_waiting`, a request left waiting tells its mentee why.
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
        request_id=request.id,
        repeat_since=repeat_since,
        mentee_language=language,
        mentee_timezone=mentee.timezone,
        at=now,
        limit=MATCH_SHORTLIST,
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
                request_id=request.id,
                repeat_since=repeat_since,
            )
            ranked = rank_candidates(
                everyone, request.skills, mentee_language=language, mentee_timezone=mentee.timezone, at=now
            )
            attempt = [r for r in ranked if r.candidate.member.id not in tried]
        for choice in attempt:
            mentor = choice.candidate.member
            tried.add(mentor.id)
            offer = await store.create_offer(
                request.id, mentor.id, choice.score, choice.explanation.to_json(), now, expires
            )
            if offer is not None:
                return MatchOutcome(mentor.id, None, (offer_notification(core, offer, request, mentee, mentor),))
    reason = await wait_reason(core, request, mentee)
    if reason != request.wait_reason:  # a request re-tried for nothing writes nothing
        await store.set_wait_reason(request.id, reason, now)
    notes: tuple[Notification, ...] = ()
    if notify_waiting:
        t = translator(core.lang_of(mentee))
        reply = views.still_waiting(request, reason, t, core.library.taxonomy)
        notes = (core.notify(mentee, reply, key=f"request:{request.id}"),)
    return MatchOutcome(None, reason, notes)


def offer_notification(
    core: Core, offer: Offer, request: MentorshipRequest, mentee: Member, mentor: Member
) -> Notification:
    """The offer DM to `mentor`, in their language (keyed ``offer:<id>`` so adapters can edit it later)."""
    t = translator(core.lang_of(mentor))
    reply = views.offer_message(offer, request, mentee, t, core.library.taxonomy, zone=zone_of(mentor))
    return core.notify(mentor, reply, key=f"offer:{offer.id}")


def now_offered(core: Core, mentee: Member, request: MentorshipRequest) -> Notification:
    """The notice to a mentee that their waiting request was just offered to a mentor."""
    t = translator(core.lang_of(mentee))
    return core.notify(mentee, Reply(t("request.now_offered", id=request.id)), key=f"request:{request.id}")


async def wait_reason(core: Core, request: MentorshipRequest, mentee: Member) -> str:
    """Why no mentor could be offered the request, as a stored message reference (JSON: key and skills)."""
    facts = await core.store.wait_facts(
        request.community, request.skills, exclude_member=mentee.id, request_id=request.id
    )
    if facts.mentors == 0:
        key = "wait.no_mentor"
    elif facts.active == 0:
        key = "wait.all_paused"
    elif facts.not_asked == 0:
        key = "wait.all_asked"
    else:
        key = "wait.all_busy"
    return json.dumps({"key": key, "skills": list(request.skills)})


async def requeue_quietly(core: Core, request: MentorshipRequest) -> list[Notification]:
    """Try a waiting request again; only when it is offered is anyone told (the mentor, and the mentee that it
    is now offered)."""
    mentee = await core.store.get_member(request.member_id)
    if mentee is None:
        return []
    outcome = await match_request(core, request, mentee, notify_waiting=False)
    if outcome.offered_to is None:
        return []
    return [*outcome.notifications, now_offered(core, mentee, request)]


async def rematch(
    core: Core, community: str, skills: Iterable[str] | None, *, mentor_id: int | None = None
) -> list[Notification]:
    """Try again every waiting request of `community` (those sharing `skills`, if given, or the skills of
    `mentor_id`), oldest first; the mentees whose request was offered are told."""
    store = core.store
    wanted = set(skills) if skills is not None else None
    if wanted is None and mentor_id is not None:
        profile = await store.get_mentor_profile(mentor_id)
        wanted = set(profile.skills) if profile else set()
    notes: list[Notification] = []
    for request in await store.list_requests(community, [RequestStatus.WAITING]):
        if wanted is not None and not set(request.skills) & wanted:
            continue
        notes.extend(await requeue_quietly(core, request))
    return notes


async def pass_on(core: Core, offer: Offer) -> list[Notification]:
    """After a decline, an expiry or a withdrawal: offer the request to the next mentor, or tell the mentee
    it waits and why."""
    request = await core.store.get_request(offer.request_id)
    if request is None or request.status is not RequestStatus.WAITING:
        return []
    return list(await requeue(core, request))


async def requeue(core: Core, request: MentorshipRequest) -> tuple[Notification, ...]:
    """Match a request that waits again; its mentee is told where it stands."""
    mentee = await core.store.get_member(request.member_id)
    if mentee is None:
        return ()
    return (await match_request(core, request, mentee, notify_waiting=True)).notifications
