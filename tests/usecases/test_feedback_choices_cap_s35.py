"""A mentor of a year asked which ended mentorship to rate gets a short list (session 35, a mentee-over-months hunt).

Before: `/mentor feedback` with no number, or with a word instead of one, listed every ended mentorship the caller had
not rated, oldest first, reading each other party: after dozens of mentorships one reply ran past what Discord shows
(2,000 characters) and was clipped mid-list. Now the newest ten are listed, then how many older ones there are. On
both engines.
"""

from __future__ import annotations

from mentorbot.bot import MentorBot
from mentorbot.i18n import translator
from mentorbot.usecases.feedback import MAX_CHOICES
from tests.usecases.test_answered_in_time_s34 import offers_in
from tests.usecases.test_departures_s32 import Who

EN = translator("en")


async def ended_mentorships(bot: MentorBot, who: Who, count: int) -> list[int]:
    """Bob mentors `count` members one after another, each mentorship ended by him; their ids, oldest first."""
    await bot.signup(who("bob"), skills="seo", capacity="1")
    ids = []
    for n in range(count):
        asked = await bot.request(who(f"mentee{n:02d}"), skills="seo")
        [offer] = offers_in(asked.notifications, "bob")
        assert (await bot.accept(who("bob"), offer_id=offer)).error is None
        [mentorship] = await bot.store.list_mentorships(active_only=True)
        assert (await bot.end(who("bob"), mentorship_id=mentorship.id)).error is None
        ids.append(mentorship.id)
    return ids


async def test_the_list_of_mentorships_to_rate_is_the_newest_ten_and_a_count(bot: MentorBot, who: Who) -> None:
    ids = await ended_mentorships(bot, who, MAX_CHOICES + 4)
    which = await bot.feedback(who("bob"), mentorship_id=None, rating="5")
    assert which.error is not None
    text = which.reply.text
    assert all(f"#{i} with" in text for i in ids[-MAX_CHOICES:]), text
    assert all(f"#{i} with" not in text for i in ids[:4]), text
    assert EN("feedback.choices_more", count=4) in text
    assert f"/mentor feedback {ids[-1]} rating" in text
    assert len(text) < 1000
    bad = await bot.feedback(who("bob"), mentorship_id="the last one", rating="5")
    assert bad.error is not None and EN("feedback.choices_more", count=4) in bad.reply.text


async def test_ten_or_fewer_are_listed_whole(bot: MentorBot, who: Who) -> None:
    ids = await ended_mentorships(bot, who, 3)
    which = await bot.feedback(who("bob"), mentorship_id=None, rating="5")
    assert which.error is not None
    assert all(f"#{i} with" in which.reply.text for i in ids)
    assert "older" not in which.reply.text
