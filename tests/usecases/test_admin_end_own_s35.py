"""Session 35: an admin who ends, with `/mentor-admin end`, a mentorship they are part of is the one who ended it.

Before: an admin mentoring Carol (or mentored by her) who ended it with `/mentor-admin end 1` was answered
"Mentorship #1 has ended. Thank you!" and also sent a DM about their own action, in the third person:
"Mentorship #1 has been ended by an admin." with the feedback ask; Carol was told an admin ended it. Now an admin
who is a party ends it as their own `/mentor end` does: one answer (the feedback ask, with its rating button), no
DM about it, their check-in turned into that answer; their partner is told "ended by your partner" (true: the
partner's partner ended it). An admin ending a mentorship they are not part of tells both parties, as before.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.models import MentorshipStatus
from mentorbot.replies import Notification
from tests.usecases.conftest import COMMUNITY, offer_id, to

Who = Callable[..., Caller]
EN = translator("en")


def accept_offers(notes: list[Notification]) -> list[Notification]:
    """The offers (an Accept button) among `notes`."""
    return [n for n in notes if any(b.action == "offer.accept" for b in n.reply.buttons)]


async def status_of(bot: MentorBot, mentorship_id: int) -> MentorshipStatus:
    found = await bot.store.get_mentorship(mentorship_id)
    assert found is not None
    return found.status


async def test_an_admin_mentor_ending_their_own_mentorship_is_the_one_who_ended_it(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("admin"), skills="seo", capacity="1")
    offered = await bot.request(who("carol"), skills="seo")
    await bot.accept(who("admin"), offer_id=offer_id(accept_offers(to(offered, "admin"))[0]))
    await bot.request(who("dan"), skills="seo")  # waits: the admin's one place is taken

    ended = await bot.admin_end(who("admin"), mentorship_id=1)

    assert ended.error is None
    assert ended.reply.text == EN("feedback.ended_ask", id=1), "the answer of their own /mentor end"
    assert [b.action for b in ended.reply.buttons] == ["feedback.open"]
    mine = to(ended, "admin")
    assert not any("ended by an admin" in n.reply.text for n in mine), "no DM about their own action"
    assert not [n for n in mine if not accept_offers([n])], "nothing but the freed place's offer for the admin"
    [notice] = to(ended, "carol")
    assert EN("end.notice", id=1) in notice.reply.text and "ended by an admin" not in notice.reply.text
    assert [b.action for b in notice.reply.buttons] == ["feedback.open"]
    assert await status_of(bot, 1) is MentorshipStatus.ENDED
    assert len(accept_offers(mine)) == 1, "the freed place is offered to Dan's waiting request"


async def test_an_admin_mentee_ending_their_own_mentorship_is_the_one_who_ended_it(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("baraka"), skills="seo", capacity="1")
    offered = await bot.request(who("admin"), skills="seo")
    await bot.accept(who("baraka"), offer_id=offer_id(accept_offers(to(offered, "baraka"))[0]))

    ended = await bot.admin_end(who("admin", is_admin=True), mentorship_id="#1")

    assert ended.error is None
    assert ended.reply.text == EN("feedback.ended_ask", id=1)
    assert [b.action for b in ended.reply.buttons] == ["feedback.open"]
    assert to(ended, "admin") == [], "no DM about their own action"
    [notice] = to(ended, "baraka")
    assert EN("end.notice", id=1) in notice.reply.text and "ended by an admin" not in notice.reply.text
    assert await status_of(bot, 1) is MentorshipStatus.ENDED
    feedback = await bot.feedback(who("admin"), mentorship_id=1, rating="5")
    assert feedback.error is None, "the rating asked for can be given"


async def test_an_admin_partys_posted_checkin_turns_into_their_answer(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    await bot.signup(who("admin"), skills="seo", capacity="1")
    offered = await bot.request(who("carol"), skills="seo")
    await bot.accept(who("admin"), offer_id=offer_id(accept_offers(to(offered, "admin"))[0]))
    clock.advance(timedelta(days=15))
    sent = [n for n in await bot.run_due_jobs() if n.key == "checkin:1"]
    assert {n.platform_user_id for n in sent} == {"U-admin", "U-carol"}
    for n, note in enumerate(sent):
        await bot.store.remember_message(COMMUNITY, note.platform_user_id, "checkin:1", f"D{n}:1", clock.now())
    await bot.delivered(sent)

    ended = await bot.admin_end(who("admin"), mentorship_id=1)

    [own] = to(ended, "admin")
    assert own.key == "checkin:1" and own.reply == ended.reply, "their check-in is edited into their answer"
    edit, notice = to(ended, "carol")
    assert edit.key == "checkin:1" and edit.reply.text == EN("end.notice", id=1) and not edit.reply.buttons
    assert "ended by your partner" in notice.reply.text


async def test_an_admin_ending_someone_elses_mentorship_tells_both_an_admin_ended_it(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("baraka"), skills="seo", capacity="1")
    offered = await bot.request(who("amina"), skills="seo")
    await bot.accept(who("baraka"), offer_id=offer_id(accept_offers(to(offered, "baraka"))[0]))

    ended = await bot.admin_end(who("admin"), mentorship_id=1)

    # Session 38: the admin is answered in an admin's words (not the party's "has ended. Thank you!").
    assert ended.reply.text == EN("admin_end.done", id=1, mentor="Baraka", mentee="Amina") and not ended.reply.buttons
    assert to(ended, "admin") == []
    for name in ("amina", "baraka"):
        [notice] = to(ended, name)
        assert EN("end.notice_admin", id=1) in notice.reply.text
        assert [b.action for b in notice.reply.buttons] == ["feedback.open"]
    assert await status_of(bot, 1) is MentorshipStatus.ENDED
