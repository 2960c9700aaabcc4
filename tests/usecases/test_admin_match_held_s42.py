"""Session 42: an admin's match is not refused for a place held by the matched mentor's own pending offer of the
same member's other request, which the match withdraws anyway (`offers.after_mentoring`, docs/matching.md rule 1).

Before, `/mentor-admin match 2 m` answered "M has no free place (0 of 1 taken, 1 held by a pending offer): pending
offer #1 holds it…" though offer #1 was M's offer of the same member's request #1: the match would have withdrawn it.
The store now withdraws those offers in the match's own transaction, after the mentee's lock and before its
capacity compare-and-set (both engines; the races are in tests/storage/test_manual_match_held_s42.py)."""

from __future__ import annotations

from collections.abc import Callable

from mentorbot.bot import Caller, MentorBot
from mentorbot.i18n import translator
from mentorbot.models import OfferStatus, RequestStatus
from tests.usecases.conftest import COMMUNITY, offer_id, to

Who = Callable[..., Caller]
EN = translator("en")


async def _held_by_the_same_member(bot: MentorBot, who: Who) -> int:
    """M (capacity 1, SEO and copywriting) holds offer #1 of Bea's request #1 (copywriting); Bea's request #2 (SEO)
    waits, M at capacity. The offer's id."""
    await bot.status(who("admin"))
    await bot.signup(who("m"), skills="seo, copywriting", levels="expert", capacity="1")
    [note] = [n for n in to(await bot.request(who("bea"), skills="copywriting"), "m") if n.reply.buttons]
    assert to(await bot.request(who("bea"), skills="seo"), "m") == []
    return offer_id(note)


async def test_a_match_uses_the_place_held_by_the_mentors_offer_of_the_same_members_other_request(
    bot: MentorBot, who: Who
) -> None:
    held = await _held_by_the_same_member(bot, who)
    matched = await bot.admin_match(who("admin"), request_id=2, mentor="U-m")
    assert matched.error is None, matched.reply.text
    assert matched.reply.text.startswith(EN("admin.matched", id=2, mentor="M", mentorship=1)), matched.reply.text
    [told] = [n for n in to(matched, "m") if n.key == f"offer:{held}"]
    assert told.reply.text == EN("offer.withdrawn_mentoring", id=held, mentorship=1)
    offer = await bot.store.get_offer(held)
    assert offer is not None and offer.status is OfferStatus.WITHDRAWN
    first = await bot.store.get_request(1)
    assert first is not None and first.status is RequestStatus.WAITING, "handed on: nobody else, so it waits"
    assert first.wait_reason, "and it is told why"
    mentor = await bot.store.find_member(COMMUNITY, "U-m")
    assert mentor is not None
    profile = await bot.store.get_mentor_profile(mentor.id)
    assert profile is not None and (profile.places.taken, profile.places.held) == (1, 0)


async def test_the_other_request_is_handed_on_to_another_mentor_at_once(bot: MentorBot, who: Who) -> None:
    held = await _held_by_the_same_member(bot, who)
    await bot.signup(who("nia"), skills="copywriting", levels="expert", capacity="1")
    matched = await bot.admin_match(who("admin"), request_id=2, mentor="m")
    assert matched.error is None, matched.reply.text
    [offered] = [n for n in to(matched, "nia") if n.reply.buttons]
    handed = await bot.store.get_offer(offer_id(offered))
    assert handed is not None and handed.request_id == 1 and handed.status is OfferStatus.PENDING
    assert handed.id != held


async def test_a_request_the_mentorship_covers_is_still_closed_and_said_covered(bot: MentorBot, who: Who) -> None:
    await bot.status(who("admin"))
    await bot.signup(who("m"), skills="seo, copywriting", levels="expert", capacity="1")
    [note] = [n for n in to(await bot.request(who("bea"), skills="seo"), "m") if n.reply.buttons]
    held = offer_id(note)
    assert to(await bot.request(who("bea"), skills="seo, copywriting"), "m") == []
    matched = await bot.admin_match(who("admin"), request_id=2, mentor="m")
    assert matched.error is None, matched.reply.text
    assert matched.reply.text == (
        "Request #2 is matched with M (mentorship #1); both have been introduced."
        f" Also closed, as the mentorship covers it: request #1 (M's offer #{held} withdrawn)."
    ), matched.reply.text
    [told] = [n for n in to(matched, "m") if n.key == f"offer:{held}"]
    assert told.reply.text == EN("offer.withdrawn_covered", id=held, mentorship=1)
    first = await bot.store.get_request(1)
    assert first is not None and first.status is RequestStatus.CLOSED


async def test_a_place_held_by_another_members_offer_still_refuses(bot: MentorBot, who: Who) -> None:
    """Only the same member's offers are the match's to withdraw: another member's keeps its place."""
    await bot.status(who("admin"))
    await bot.signup(who("m"), skills="seo, copywriting", levels="expert", capacity="2")
    [zed] = [n for n in to(await bot.request(who("zed"), skills="seo"), "m") if n.reply.buttons]
    [bea] = [n for n in to(await bot.request(who("bea"), skills="copywriting"), "m") if n.reply.buttons]
    assert to(await bot.request(who("bea"), skills="seo"), "m") == []
    assert to(await bot.request(who("cy"), skills="seo"), "m") == []
    refused = await bot.admin_match(who("admin"), request_id=4, mentor="m")
    assert refused.error is not None and refused.error.key == "admin.mentor_held", refused.reply.text
    assert f"#{offer_id(bea)}" in refused.reply.text and f"#{offer_id(zed)}" in refused.reply.text
    matched = await bot.admin_match(who("admin"), request_id=3, mentor="m")
    assert matched.error is None, matched.reply.text
    still = await bot.store.get_offer(offer_id(zed))
    assert still is not None and still.status is OfferStatus.PENDING
