"""An offer's direct message, keyed ``offer:<id>``: the offer a key names, and the message written again for its mentor.

The offer's message is the one notification a member's own change of language or zone rewrites before it reaches
them (`rewrite_unsent_offers`): `/mentor language`, `/mentor timezone`, `/mentor signup timezone:`, a zone the
platform reports moved (`usecases.handler`) and an import of mentors (`usecases.imports`).
"""

from __future__ import annotations

from mentorbot.models import Member, OfferStatus
from mentorbot.replies import Notification, reply_from_json, reply_to_json
from mentorbot.usecases.context import Core
from mentorbot.usecases.matchmaking import offer_notification


def offer_of(key: str | None) -> int | None:
    """The offer a notification's key names (``offer:12`` → 12), or None."""
    if key is None or not key.startswith("offer:"):
        return None
    number = key.removeprefix("offer:")
    return int(number) if number.isdigit() else None


async def rewrite_unsent_offers(core: Core, member: Member) -> None:
    """`member`'s offers still pending whose message has not reached them yet (held, or pending in the outbox),
    written again as `member` now reads them (their language and zone: `_offer_in_language`). The row itself is
    rewritten (not a new version of its key): it stays held or pending, with its key, claim and tries, so nothing is
    sent twice or lost, and the change, the new words and the held notices the command shows commit together. Run
    on every change of a member's language or zone: `/mentor language`, `/mentor timezone`, `/mentor signup
    timezone:`, and a zone the platform reports moved (`usecases.handler`)."""
    for outbox_id, key, payload in await core.store.unsent_keyed(member.id, "offer:"):
        note = await _offer_in_language(core, member, key, payload)
        if note is not None:
            await core.store.rewrite_unsent(outbox_id, reply_to_json(note.reply), note.language)


async def _offer_in_language(core: Core, mentor: Member, key: str, payload: str) -> Notification | None:
    """The offer message keyed `key` (``offer:<id>``) built afresh for `mentor` in their language, when `payload`
    is that offer's message (its Accept button) and the offer is still pending to them; else None (an ended
    offer's notice, whose offer is no longer what it says, keeps its words). Its "why you" is worked out again from
    the rows as they are now (the mentor's profile, the mentee): the hours apart in the zone just given."""
    number = offer_of(key)
    if number is None or not any(
        b.action == "offer.accept" and b.ref == str(number) for b in reply_from_json(payload).buttons
    ):
        return None
    store = core.store
    offer = await store.get_offer(number)
    if offer is None or offer.status != OfferStatus.PENDING or offer.mentor_id != mentor.id:
        return None
    request = await store.get_request(offer.request_id)
    mentee = None if request is None else await store.get_member(request.member_id)
    if request is None or mentee is None:
        return None
    # Its "why you" as true now (his zone or language may be what changed): from his profile and the mentee now.
    profile = await store.get_mentor_profile(mentor.id)
    return offer_notification(core, offer, request, mentee, mentor, profile=profile)
