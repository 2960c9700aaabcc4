"""Where a member stands: their profile, open requests (and why each waits), offers and mentorships."""

from __future__ import annotations

from collections.abc import Sequence

from mentorbot import paging
from mentorbot.i18n import translator
from mentorbot.matching.explain import Present
from mentorbot.models import Member, MentorProfile, OfferStatus, RequestStatus
from mentorbot.replies import Notification, Reply
from mentorbot.usecases import views
from mentorbot.usecases.context import Context, Core
from mentorbot.usecases.offer_messages import offer_of


async def status(ctx: Context, *, section: str | None = None, start: str | int | None = None) -> Reply:
    """The caller's status view; list `section` from entry `start` (a paging button)."""
    return await status_reply(ctx.core, ctx.member, section=section, start=start)


async def status_reply(
    core: Core, member: Member, *, section: str | None = None, start: str | int | None = None
) -> Reply:
    """The status view of one member, in their language (also Slack's App Home); list `section` (one of
    `paging.STATUS_SOURCES`) from entry `start`, the others from their first."""
    store = core.store
    profile = await store.get_mentor_profile(member.id)
    requests: list[views.RequestView] = []
    open_requests = await store.list_member_requests(member.id, open_only=True)
    reopened = await store.reopened_at([request.id for request in open_requests])
    # Each offered line's "why" is told as true now, from its mentor's profile (read once per mentor) and the member.
    mentors: dict[int, MentorProfile | None] = {member.id: profile}
    now, language = core.clock.now(), core.lang_of(member)
    for request in open_requests:
        item = views.RequestView(request, waiting_since=reopened.get(request.id))
        if request.status is RequestStatus.OFFERED:
            pending = await store.list_offers(request_id=request.id, status=OfferStatus.PENDING)
            if pending:
                mentor_id = pending[0].mentor_id
                if mentor_id not in mentors:
                    mentors[mentor_id] = await store.get_mentor_profile(mentor_id)
                present = Present(now, mentors[mentor_id], member, language)
                item = views.RequestView(request, pending[0], await store.get_member(mentor_id), present=present)
        requests.append(item)
    offers: list[views.OfferView] = []
    if profile:
        for offer in await store.list_offers(mentor_id=member.id, status=OfferStatus.PENDING):
            offered = await store.get_request(offer.request_id)
            mentee = await store.get_member(offered.member_id) if offered else None
            offers.append(views.OfferView(offer, offered, mentee))
    mentorships = []
    for mentorship in await store.list_mentorships(member_id=member.id, active_only=True):
        other_id = mentorship.mentee_id if mentorship.mentor_id == member.id else mentorship.mentor_id
        mentorships.append(views.MentorshipView(mentorship, await store.get_member(other_id)))
    data = views.StatusData(member, profile, requests, offers, mentorships)
    first = paging.start_of(None, start, paging.STATUS_PAGE_SIZE)
    return views.status(data, translator(core.lang_of(member)), core.library.taxonomy, section=section, start=first)


async def home_view(core: Core, community: str, user_id: str, *, event_id: str | None = None) -> Reply | None:
    """The member's status for a platform's home view (Slack's App Home), or None for someone who has not
    used the bot yet (the adapter shows its welcome). A platform event seen before returns None too."""
    if event_id and not await core.store.claim_event(event_id, core.clock.now()):
        return None
    member = await core.store.find_member(community, user_id)
    return await status_reply(core, member) if member else None


async def mentor_profile(core: Core, community: str, user_id: str) -> MentorProfile | None:
    """A member's mentor profile, or None (not a member yet, or not a mentor). Creates nothing."""
    member = await core.store.find_member(community, user_id)
    return await core.store.get_mentor_profile(member.id) if member else None


async def concerned_by(core: Core, notes: Sequence[Notification]) -> list[Member]:
    """The members whose standing `notes` change without a message of their own: the mentee of each offer a
    notification is about (made, declined, expired, withdrawn), whose request may have moved to another mentor,
    which `matchmaking.hand_on` does not tell them. For views that show where a member stands (Slack's App Home);
    the members `notes` go to are left out (their views follow their messages)."""
    told = {note.member_id for note in notes}
    found: dict[int, Member] = {}
    for offer_id in dict.fromkeys(number for note in notes if (number := offer_of(note.key)) is not None):
        offer = await core.store.get_offer(offer_id)
        request = await core.store.get_request(offer.request_id) if offer is not None else None
        if request is None or request.member_id in told or request.member_id in found:
            continue
        member = await core.store.get_member(request.member_id)
        if member is not None:
            found[member.id] = member
    return list(found.values())
