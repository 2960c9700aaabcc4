"""A member the platform says is no longer in the community (they left the Discord server, were kicked or banned):
nobody is matched with them any more, and the people they were working with are told.

An adapter that learns it (Discord: a member lookup answers "Unknown Member") calls `MentorBot.member_left`, which
runs `member_left` as one unit of work, again when a concurrent one aborted it (`handler.retrying`):

- their open requests (waiting or offered) are cancelled; a mentor holding an offer of one is told it was withdrawn
  (the offer's message gets a new version under its key ``offer:<id>``) and offered other waiting requests, as a
  cancel or a forget does: only once all of them are cancelled, so a freed mentor is never offered (and then told
  withdrawn) another request of the member who left;
- as a mentor they are paused with the reason `LEFT` (a pause with an end loses it: they do not come back by
  themselves); their pending offers are withdrawn and each request handed on at once, as any pause does, each
  offer's message saying why; they are no supply while so paused (no mentor of their skills for a wait reason, not
  counted as paused in the stats);
- the other side of each of their active mentorships is told that their partner has left the server, and that the
  mentorship stays until they end it (``/mentor end``): it is not ended for them (the member may come back, and the
  partner may want to rate it);
- the member is told once what was done and how to pick up again if they come back (held for their next command
  when the platform refuses it), under a key of its own (`returns.left_notice_key`): their return finds it if it
  has not reached them yet.

Their data is kept: this is no forget. It is done once: a second report of the same departure changes nothing and
tells nobody (the pause is a compare-and-set; a partner is told once per mentorship, `told_once`). A departure can be
reported again as long as the mentorship is active (a refused message, the adapter looking the member up again), so
the marker that a partner was told lasts that long: the pruning of processed events (`EventStore.prune_events`)
keeps it while the mentorship is active, and drops it after. While it is there, the mentorship's check-in is not
sent (`timers.send_checkin`: asking how it goes would make no sense), nor used up.

A member reported gone may come back (re-invited to the server, their Slack account reactivated): any command or
click of theirs in the community (`usecases.handler`, in that use-case's unit of work), or the platform saying they
are a member again (`MentorBot.member_back`), is `returns.came_back`. So that it is noticed, the one row it looks up
(``departed:<member id>``, `EventStore.is_departed`) is written when a partner was told, the member was paused as a
mentor or a request of theirs cancelled. Then their markers go (a later departure is told again), the partner in
each of their active mentorships is told once that they are back, and a check-in skipped while they were gone is
sent now. A mentor paused as one who left stays paused, but as an ordinary pause they end with ``/mentor resume``
(supply again for the wait reasons and the stats). The member is told once what was done while they were away, and
the notice of their departure, if it has not reached them, is never shown once they are back.
"""

from __future__ import annotations

import logging
from typing import Final

from mentorbot.i18n import translator
from mentorbot.models import LEFT_COMMUNITY, Member, MentorStatus, Offer
from mentorbot.replies import Notification, Reply
from mentorbot.storage.events import departed_marker, departure_marker
from mentorbot.storage.members import member_is_current
from mentorbot.usecases import views
from mentorbot.usecases.context import Core
from mentorbot.usecases.handler import retrying
from mentorbot.usecases.matchmaking import hand_on_withdrawn, rematch
from mentorbot.usecases.returns import came_back, left_notice_key
from mentorbot.usecases.unreachable import IMMEDIATELY

log = logging.getLogger("mentorbot")

LEFT: Final = LEFT_COMMUNITY
"""The pause reason (`MentorProfile.pause_reason`) of a mentor who is no longer a member of the community: the
models' `LEFT_COMMUNITY` (its one home), by the name the use-cases know it."""


async def member_left(core: Core, community: str, platform_user_id: str) -> list[Notification]:
    """The platform says `platform_user_id` is no longer a member of `community`: stop matching them and tell
    those concerned (see the module), in one unit of work, run again when a concurrent one aborted it. What it says
    is written to the outbox claimable at once (`unreachable.IMMEDIATELY`: the adapter that found out is in the
    middle of something else; the next round of a timer loop delivers it). The notifications written; none when
    nothing changed (not a member MentorBot knows, or told already)."""
    store = core.store

    async def unit() -> list[Notification]:
        async with store.unit_of_work():
            member = await store.find_member(community, platform_user_id)
            if member is None:
                return []
            notes = await depart(core, member)
            return await store.enqueue(notes, core.clock.now(), core.worker_id, lease=IMMEDIATELY)

    return await retrying(core, unit, f"the departure of {platform_user_id} from {community}")


async def depart(core: Core, member: Member) -> list[Notification]:
    """`member_left` of `member`, inside the caller's unit of work: the notifications to write."""
    # The pause first: a request handed on meanwhile (a cancelled one's mentor offered another) is not offered to
    # the member who left.
    paused, notes = await _pause(core, member)
    cancelled, told = await _cancel_requests(core, member)
    notes.extend(told)
    partners = await _tell_partners(core, member)
    notes.extend(partners)
    # The one row a command of theirs looks up to learn they are back (`came_back`): whenever anything was done or
    # told, so their return is noticed (and the notice of their departure, not reached them yet, never shown then).
    if paused or partners or cancelled:
        await core.store.claim_event(departed_marker(member.id), core.clock.now())
    if cancelled or paused:
        log.info(
            "member %s left %s: %s request(s) cancelled%s",
            member.id,
            member.community,
            len(cancelled),
            ", paused as a mentor" if paused else "",
        )
        notes.insert(0, _told_member(core, member, cancelled, paused))
    return notes


async def _cancel_requests(core: Core, member: Member) -> tuple[list[int], list[Notification]]:
    """Cancel `member`'s open requests; the mentor of each pending offer on one is told it was withdrawn and is
    offered other waiting requests, once all of them are cancelled (a mentor freed by the first is not offered the
    second). The requests cancelled, and the notifications."""
    store, now = core.store, core.clock.now()
    cancelled: list[int] = []
    withdrawn: list[Offer] = []
    for request in await store.list_member_requests(member.id, open_only=True):
        result = await store.cancel_request(request.id, member.id, now)
        if result is None:
            continue
        cancelled.append(request.id)
        if result.withdrawn_offer is not None:
            withdrawn.append(result.withdrawn_offer)
    notes: list[Notification] = []
    freed: list[int] = []  # the mentors told, each offered other requests once (`rematch` fills every free place)
    for offer in withdrawn:
        mentor = await store.get_member(offer.mentor_id)
        if mentor is None:
            continue
        t = translator(core.lang_of(mentor))
        notes.append(core.notify(mentor, Reply(t("offer.withdrawn", id=offer.id)), key=f"offer:{offer.id}"))
        if mentor.id not in freed:
            freed.append(mentor.id)
    for mentor_id in freed:
        notes.extend(await rematch(core, member.community, None, mentor_id=mentor_id))
    return cancelled, notes


async def _pause(core: Core, member: Member) -> tuple[bool, list[Notification]]:
    """Pause `member` as a mentor who left (`LEFT`: no supply until they are back, `returns.came_back`), their
    pending offers withdrawn and handed on. Whether the pause changed anything (a mentor paused already as one who
    left is left alone), and the notifications."""
    store, now = core.store, core.clock.now()
    profile = await store.get_mentor_profile(member.id)
    if profile is None:
        return False, []
    # A pause of theirs (with an end, or none) becomes this one: a dated pause must not bring them back by itself.
    paused = await store.set_mentor_status(member.id, MentorStatus.PAUSED, now, reason=LEFT, unless_same=True)
    withdrawn = await store.withdraw_for_pause(member.id, now)  # none but those made meanwhile, once paused
    if not paused and not withdrawn:
        return False, []
    # Each offer's message gets its new version (withdrawn: its mentor left), its request passed on, and the wait
    # reasons the pause falsifies told afresh, as for any pause.
    notes, _ = await hand_on_withdrawn(core, member, withdrawn, by="left")
    return paused, notes


async def told_once(core: Core, member: Member, mentorship_id: int) -> bool:
    """Whether the partner of `member` in mentorship `mentorship_id` is to be told of the departure now: True the
    first time (recorded as a processed event, in the caller's unit of work), False after."""
    return await core.store.claim_event(departure_marker(mentorship_id, member.id), core.clock.now())


async def _tell_partners(core: Core, member: Member) -> list[Notification]:
    """Tell the other side of each of `member`'s active mentorships that `member` left the server, once per
    mentorship; the mentorship stays active until one of them ends it."""
    store = core.store
    notes: list[Notification] = []
    for mentorship in await store.list_mentorships(member_id=member.id, active_only=True):
        was_mentor = mentorship.mentor_id == member.id
        partner = await store.get_member(mentorship.mentee_id if was_mentor else mentorship.mentor_id)
        if partner is None or not await told_once(core, member, mentorship.id):
            continue
        t = translator(core.lang_of(partner))
        key = "left.your_mentor" if was_mentor else "left.your_mentee"
        text = "\n".join([t(key, id=mentorship.id, other=views.mention(member, t)), t("left.end_it", id=mentorship.id)])
        notes.append(core.notify(partner, Reply(text)))
    return notes


async def member_back(core: Core, community: str, platform_user_id: str, display_name: str) -> list[Notification]:
    """The platform says `platform_user_id` is a member of `community` (again: a Slack account reactivated), named
    `display_name` (empty: not said): a member MentorBot knows gets that name, and, reported gone before, is
    `came_back`, in one unit of work (run again when a concurrent one aborted it) whose notifications are written to
    the outbox claimable at once, as `member_left`'s. The notifications written; none when nothing changed (someone
    MentorBot never saw gets no row). It reads alone when nothing is to be written: the platform says this of every
    profile edit."""
    store = core.store
    known = await store.find_member(community, platform_user_id)
    if known is None:
        return []
    if member_is_current(known, display_name, None, None) and not await store.is_departed(known.id):
        return []

    async def unit() -> list[Notification]:
        async with store.unit_of_work():
            now = core.clock.now()
            if await store.find_member(community, platform_user_id) is None:
                return []  # forgotten meanwhile: no row made again
            member = await store.member_as_seen(community, platform_user_id, display_name, now)
            notes = await came_back(core, member) if await store.is_departed(member.id) else []
            return await store.enqueue(notes, now, core.worker_id, lease=IMMEDIATELY)

    return await retrying(core, unit, f"the return of {platform_user_id} to {community}")


def _told_member(core: Core, member: Member, cancelled: list[int], paused: bool) -> Notification:
    """The one notice to the member who left: what was done, and how to pick up again if they come back (a headline,
    then one line, "• …", of each: `returns.came_back` reads them), keyed for their return to find it unsent."""
    t = translator(core.lang_of(member))
    lines = [t("left.you_left")]
    if paused:
        lines.append("• " + t("left.you_paused"))
    if cancelled:
        lines.append("• " + t("left.you_cancelled", ids=", ".join(f"#{i}" for i in cancelled)))
    return core.notify(member, Reply("\n".join(lines)), key=left_notice_key(member.id, core.clock.now()))
