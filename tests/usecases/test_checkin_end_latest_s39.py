"""A mentorship's end takes the buttons off its LATEST check-in (they repeat: `test_checkin_repeat_s39.py`): before,
the end edited only the first (``checkin:<id>``), and the check-in of a month later kept live buttons."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from tests.usecases.conftest import to
from tests.usecases.test_checkin_repeat_s39 import checkins, matched

Who = Callable[..., Caller]


async def test_the_end_replaces_the_latest_checkin_of_both_parties(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    mentorship = await matched(bot, who)
    clock.advance(timedelta(days=14))
    await bot.run_due_jobs()
    clock.advance(timedelta(days=30))
    assert len(checkins(await bot.run_due_jobs())) == 2, "the second check-in, to both"
    ended = await bot.end(who("amina"), mentorship_id=mentorship, rating=5)
    assert ended.error is None
    latest = f"checkin:{mentorship}:2"
    # Baraka's latest check-in (not delivered to a platform here) is replaced by the end's notice, buttons and all
    assert [n.key for n in to(ended, "baraka") if (n.key or "").startswith("checkin:")] == [latest]
