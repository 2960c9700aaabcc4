"""A member the platform says is no longer in the community (`MentorBot.member_left`, `usecases.departures`): their
open requests are cancelled (a mentor holding an offer of one is told and offered other requests), they are paused
as a mentor with the reason "left" (their offers handed on at once), the other side of each active mentorship is
told, with how to end it; their data is kept, and a second report changes nothing and tells nobody. On both
engines."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.models import MentorshipStatus, MentorStatus, OfferStatus, RequestStatus
from mentorbot.replies import Notification
from tests.usecases.conftest import COMMUNITY, offer_id, to

Who = Callable[..., Caller]
EN = translator("en")


def is_offer(note: Notification) -> bool:
    return any(b.action == "offer.accept" for b in note.reply.buttons)


async def member_id(bot: MentorBot, name: str) -> int:
    member = await bot.store.find_member(COMMUNITY, f"U-{name}")
    assert member is not None
    return member.id


async def outbox_count(bot: MentorBot) -> int:
    async with bot.store.read() as conn:
        row = await conn.fetch_one("SELECT COUNT(*) AS n FROM outbox")
    assert row is not None
    return int(row["n"])


async def test_a_mentee_who_left_has_their_offered_request_cancelled_and_the_mentor_freed(
    bot: MentorBot, who: Who
) -> None:
    """The hunter's first case: a mentee's request is offered after they left. Their request is cancelled, the
    offer withdrawn (its DM replaced under its key), and the mentor offered the next waiting request at once."""
    await bot.signup(who("baraka"), skills="seo", capacity="1")
    first = await bot.request(who("gone"), skills="seo")
    [offer] = to(first, "baraka")
    await bot.request(who("amina"), skills="seo")  # waits: Baraka's one place is held by Gone's offer

    notes = await bot.member_left(COMMUNITY, "U-gone")

    [withdrawn, new_offer] = to(notes, "baraka")
    assert withdrawn.key == f"offer:{offer_id(offer)}" and not is_offer(withdrawn)
    assert withdrawn.reply.text == EN("offer.withdrawn", id=offer_id(offer))
    assert is_offer(new_offer) and "<@U-amina>" in new_offer.reply.text
    [told] = to(notes, "gone")
    assert told.reply.text == "\n".join([EN("left.you_left"), "• " + EN("left.you_cancelled", ids="#1")])
    [request] = await bot.store.list_member_requests(await member_id(bot, "gone"))
    assert request.status is RequestStatus.CANCELLED
    assert (await bot.store.get_offer(offer_id(offer))).status is OfferStatus.WITHDRAWN  # type: ignore[union-attr]
    assert all(n.outbox_id is not None for n in notes), "written to the outbox with the change"

    assert await bot.member_left(COMMUNITY, "U-gone") == [], "a second report changes nothing, tells nobody"


async def test_a_mentor_who_left_is_paused_and_their_offers_go_to_the_next_mentor_at_once(
    bot: MentorBot, who: Who
) -> None:
    await bot.signup(who("gone"), skills="seo", capacity="3", levels="expert")
    await bot.signup(who("here"), skills="seo", capacity="3", levels="practitioner")
    out = await bot.request(who("amina"), skills="seo")
    [offer] = to(out, "gone")

    notes = await bot.member_left(COMMUNITY, "U-gone")

    gone = await member_id(bot, "gone")
    profile = await bot.store.get_mentor_profile(gone)
    assert profile is not None and profile.status is MentorStatus.PAUSED and profile.pause_reason == "left"
    assert profile.pending_offers == 0 and profile.paused_until is None
    told, withdrawn = to(notes, "gone")
    assert told.reply.text == "\n".join([EN("left.you_left"), "• " + EN("left.you_paused")])
    assert withdrawn.key == f"offer:{offer_id(offer)}" and not is_offer(withdrawn)
    assert withdrawn.reply.text == EN("left.offer_withdrawn", id=offer_id(offer))
    [handed] = to(notes, "here")
    assert is_offer(handed), "the request goes to the next mentor at once, not after the offer's 48 hours"
    assert await bot.store.get_member(gone) is not None, "their data is kept: no forget"

    # The next request is not offered to the mentor who left.
    later = await bot.request(who("chao"), skills="seo")
    assert [n.platform_user_id for n in later.notifications if is_offer(n)] == ["U-here"]

    before = await outbox_count(bot)
    assert await bot.member_left(COMMUNITY, "U-gone") == []
    assert await outbox_count(bot) == before, "nothing written the second time"
    again = await bot.store.get_mentor_profile(gone)
    assert again == profile


async def test_a_dated_pause_becomes_left_and_does_not_end_by_itself(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    await bot.signup(who("gone"), skills="seo")
    await bot.pause(who("gone"), until="3d")

    await bot.member_left(COMMUNITY, "U-gone")

    clock.advance(timedelta(days=4))
    await bot.run_due_jobs()
    profile = await bot.store.get_mentor_profile(await member_id(bot, "gone"))
    assert profile is not None and profile.status is MentorStatus.PAUSED and profile.pause_reason == "left"
    assert profile.paused_until is None


async def test_the_other_side_of_each_mentorship_is_told_once_and_the_mentorship_stays(
    bot: MentorBot, who: Who
) -> None:
    await bot.signup(who("gone"), skills="seo", capacity="2")
    await bot.signup(who("baraka"), skills="copywriting", capacity="2")
    [as_mentor] = to(await bot.request(who("amina"), skills="seo"), "gone")
    await bot.accept(who("gone"), offer_id=offer_id(as_mentor))
    [as_mentee] = to(await bot.request(who("gone"), skills="copywriting"), "baraka")
    await bot.accept(who("baraka"), offer_id=offer_id(as_mentee))
    await bot.set_language(who("baraka"), language="sw")

    notes = await bot.member_left(COMMUNITY, "U-gone")

    gone = await member_id(bot, "gone")
    mentoring, mentored = await bot.store.list_mentorships(member_id=gone)
    [to_amina] = to(notes, "amina")
    assert to_amina.reply.text == "\n".join(
        [EN("left.your_mentor", id=mentoring.id, other="<@U-gone>"), EN("left.end_it", id=mentoring.id)]
    )
    assert f"`/mentor end {mentoring.id}`" in to_amina.reply.text
    sw = translator("sw")
    [to_baraka] = to(notes, "baraka")
    assert to_baraka.reply.text == "\n".join(
        [sw("left.your_mentee", id=mentored.id, other="<@U-gone>"), sw("left.end_it", id=mentored.id)]
    ), "in the partner's language"
    assert [m.status for m in await bot.store.list_mentorships(member_id=gone)] == [MentorshipStatus.ACTIVE] * 2

    assert await bot.member_left(COMMUNITY, "U-gone") == [], "each partner is told once"

    # The partner ends it as usual.
    ended = await bot.end(who("amina"), mentorship_id=mentoring.id)
    assert ended.error is None
    assert (await bot.store.get_mentorship(mentoring.id)).status is MentorshipStatus.ENDED  # type: ignore[union-attr]


async def test_a_member_who_only_mentors_is_told_nothing_themselves_and_a_stranger_changes_nothing(
    bot: MentorBot, who: Who
) -> None:
    """A mentee with no open request and no mentor profile: only their mentor is told. Someone MentorBot never
    saw: nothing at all."""
    await bot.signup(who("baraka"), skills="seo")
    [offer] = to(await bot.request(who("gone"), skills="seo"), "baraka")
    await bot.accept(who("baraka"), offer_id=offer_id(offer))

    notes = await bot.member_left(COMMUNITY, "U-gone")
    assert [n.platform_user_id for n in notes] == ["U-baraka"]
    assert await bot.member_left(COMMUNITY, "U-nobody") == []
    assert await bot.store.find_member(COMMUNITY, "U-nobody") is None, "no member row made for a stranger"
