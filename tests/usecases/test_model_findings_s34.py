"""Three defects session 34's extended programme model found (forget, leaving and coming back, rounds, admin pauses
driven together; `tests/usecases/test_programme_model.py`), each on both engines:

- a round (an admin's, or the weekly one) failed with the generic apology once a mentor in an active mentorship had
  forgotten themself: their ended mentorship keeps no mentor, and the round's pool read its NULL mentor as a pair;
- a departed mentor's own `/mentor forget` first told their mentee "your mentor is back" (any command of a member
  reported gone is their return), a notice naming the forgotten member, just before "your mentor has left";
- an admin's dated pause of a mentor who left the community replaced the `left` reason, and its end made them
  active and offered again though they never came back."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.models import MentorStatus, RequestStatus
from tests.usecases.conftest import COMMUNITY, offer_id, to

Who = Callable[..., Caller]


async def mentoring(bot: MentorBot, who: Who, mentor: str, mentee: str) -> None:
    await bot.signup(who(mentor), skills="seo", capacity="2")
    [offer] = to(await bot.request(who(mentee), skills="seo"), mentor)
    accepted = await bot.accept(who(mentor), offer_id=offer_id(offer))
    assert accepted.error is None


async def test_a_round_after_a_mentor_forgot_themself_runs(bot: MentorBot, who: Who) -> None:
    await mentoring(bot, who, "m0", "a0")
    assert (await bot.forget(who("m0"), confirm=True)).error is None  # a0's request waits again
    assert len(await bot.store.list_requests(COMMUNITY, [RequestStatus.WAITING])) == 1
    ran = await bot.admin_round(who("admin"))
    assert ran.error is None, ran.reply.text


async def test_a_departed_mentors_forget_tells_nobody_they_are_back(bot: MentorBot, who: Who) -> None:
    await mentoring(bot, who, "m0", "a4")
    await bot.member_left(COMMUNITY, "U-m0")
    forgotten = await bot.forget(who("m0"), confirm=True)
    assert forgotten.error is None
    said = [n.reply.text for n in to(forgotten, "a4")]
    assert said, "the mentee is told the mentorship ended"
    assert not any("<@U-m0>" in text for text in said), said
    async with bot.store.read() as conn:
        waiting = await conn.fetch_all("SELECT payload FROM outbox WHERE status IN ('pending', 'held')")
    assert not any("<@U-m0>" in str(row["payload"]) for row in waiting)


async def test_an_admin_cannot_pause_a_mentor_who_left_into_coming_back(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    await bot.signup(who("m1"), skills="seo", capacity="2")
    await bot.member_left(COMMUNITY, "U-m1")
    paused = await bot.admin_pause(who("admin"), mentor="M1", until="1d")
    assert paused.reply.text == translator("en")("admin.pause_left", name="M1")
    clock.advance(timedelta(days=2))
    await bot.run_due_jobs()
    profile = await bot.mentor_profile(COMMUNITY, "U-m1")
    assert profile is not None and profile.status is MentorStatus.PAUSED and profile.pause_reason == "left"
    assert not to(await bot.request(who("a0"), skills="seo"), "m1")


async def test_a_departed_mentors_forget_prompt_tells_nobody_they_are_back(bot: MentorBot, who: Who) -> None:
    """The usual flow asks first (`/mentor forget`, then its button): the question is no return either (the
    session 34 review found the partner told "back" by it, then "has left" by the confirmation)."""
    await mentoring(bot, who, "m0", "a4")
    await bot.member_left(COMMUNITY, "U-m0")
    asked = await bot.forget(who("m0"))
    assert asked.error is None and asked.reply.buttons
    assert not to(asked, "a4")
    confirmed = await bot.forget(who("m0"), confirm=True)
    assert not any("<@U-m0>" in n.reply.text for n in to(confirmed, "a4"))


async def test_a_forget_of_a_member_reported_gone_leaves_no_departure_marker(bot: MentorBot, who: Who) -> None:
    """The extended model's heavy run: the markers of a departure (`departure:<mentorship>:<id>`, `departed:<id>`)
    outlived a forget of the departed member, by themself or by an admin (SQLite may give the id to a newcomer)."""
    await mentoring(bot, who, "m0", "a0")
    await bot.member_left(COMMUNITY, "U-m0")
    m0 = await bot.store.find_member(COMMUNITY, "U-m0")
    assert m0 is not None
    assert await bot.store.is_departed(m0.id)
    assert (await bot.forget(who("m0"), confirm=True)).error is None
    async with bot.store.read() as conn:
        left = await conn.fetch_all(
            "SELECT event_id FROM processed_events WHERE event_id = ? OR event_id LIKE ?",
            f"departed:{m0.id}",
            f"departure:%:{m0.id}",
        )
    assert left == []
