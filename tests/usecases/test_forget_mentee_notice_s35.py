"""A mentee whose data is forgotten (their own `/mentor forget`, or an admin's `mentorbot admin forget`, which runs
the same): their mentor is told the mentee left MentorBot, so the mentorship has ended (both engines).

Before: the mentor was told "Mentorship #1 has been ended by your partner. Thank you for taking part!", untrue when
an admin forgot the mentee, and contradicting the line after it ("Mentorship #1 with a member who has left…") when
the mentee had left the server first. Forgetting a mentor told the mentee the truth (`end.mentor_left`) already.
What else the end does is unchanged: the mentor is asked for feedback (with the button), their check-in is edited
into the end, and their freed place is offered to a waiting request."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.replies import Notification, Reply
from tests.usecases.conftest import COMMUNITY, offer_id, to

Who = Callable[..., Caller]
EN = translator("en")
SW = translator("sw")


async def _matched(bot: MentorBot, who: Who, *, capacity: int = 2) -> None:
    """Mentorship #1: Baraka mentors Amina."""
    await bot.signup(who("baraka"), skills="seo", capacity=capacity)
    offered = await bot.request(who("amina"), skills="seo")
    accepted = await bot.accept(who("baraka"), offer_id=offer_id(to(offered, "baraka")[0]))
    assert accepted.error is None


def _notice(notes: list[Notification]) -> Notification:
    """The one notice with the feedback button among a member's notifications."""
    [notice] = [n for n in notes if any(b.action == "feedback.open" for b in n.reply.buttons)]
    return notice


async def test_the_mentor_of_a_forgotten_mentee_is_told_the_mentee_left(bot: MentorBot, who: Who) -> None:
    await _matched(bot, who)
    gone = await bot.forget(who("amina"), confirm=True)
    assert gone.error is None
    told = to(gone, "baraka")
    notice = _notice(told)
    lines = notice.reply.text.splitlines()
    assert lines[0] == EN("end.mentee_left", id=1)
    assert EN("feedback.asked_after", id=1, other=EN("common.member_left")) in lines
    assert [b.action for b in notice.reply.buttons] == ["feedback.open"]
    assert not any(EN("end.notice", id=1) in n.reply.text for n in told), "the partner ended nothing"


async def test_a_mentee_who_left_the_server_then_is_forgotten_is_not_said_to_have_ended_it(
    bot: MentorBot, who: Who
) -> None:
    await _matched(bot, who)
    left = await bot.member_left(COMMUNITY, "U-amina")
    assert to(left, "baraka"), "Baraka is told Amina left the community; the mentorship stays"
    gone = await bot.forget(who("amina"), confirm=True)  # what `mentorbot admin forget U-amina --yes` runs
    assert gone.error is None
    told = to(gone, "baraka")
    assert _notice(told).reply.text.splitlines()[0] == EN("end.mentee_left", id=1)
    assert not any("ended by your partner" in n.reply.text for n in told)


async def test_a_swahili_mentor_is_told_in_swahili(bot: MentorBot, who: Who) -> None:
    await _matched(bot, who)
    await bot.set_language(who("baraka"), language="sw")
    gone = await bot.forget(who("amina"), confirm=True)
    notice = _notice(to(gone, "baraka"))
    assert notice.reply.text.splitlines()[0] == SW("end.mentee_left", id=1)
    assert SW("end.mentee_left", id=1) != EN("end.mentee_left", id=1)


async def test_the_mentors_freed_place_still_goes_to_a_waiting_request(bot: MentorBot, who: Who) -> None:
    await _matched(bot, who, capacity=1)
    waiting = await bot.request(who("chao"), skills="seo")
    assert "at capacity" in waiting.reply.text
    gone = await bot.forget(who("amina"), confirm=True)
    offers = [n for n in to(gone, "baraka") if any(b.action == "offer.accept" for b in n.reply.buttons)]
    assert len(offers) == 1, "the freed place goes to Chao's request"


async def test_the_mentors_posted_checkin_is_edited_into_the_mentee_left(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    await _matched(bot, who)
    clock.advance(timedelta(days=15))
    checkins = [n for n in await bot.run_due_jobs() if n.reply.title == EN("checkin.title")]
    assert {n.platform_user_id for n in checkins} == {"U-amina", "U-baraka"}
    for n, note in enumerate(checkins):
        assert note.key is not None
        await bot.store.remember_message(COMMUNITY, note.platform_user_id, note.key, f"D{n}:1", clock.now())
    await bot.delivered(checkins)
    gone = await bot.forget(who("amina"), confirm=True)
    edit, notice = to(gone, "baraka")
    assert edit.key == "checkin:1" and edit.reply == Reply(EN("end.mentee_left", id=1))
    assert notice.key is None and notice.reply.text.startswith(EN("end.mentee_left", id=1) + "\n")
