"""Session 42 (roles hunt): `/mentor checkin` takes the answer first and the mentorship number only when the member
has several active ones, as the core's command does (`feedback._to_check_in`). Before, Discord required the number."""

from __future__ import annotations

from datetime import timedelta

from mentorbot.clock import ManualClock
from tests.discord.helpers import Members
from tests.discord.test_feedback import matched


async def test_checkin_without_a_number_answers_the_only_active_mentorship(
    members: Members, clock: ManualClock
) -> None:
    await matched(members)
    clock.advance(timedelta(days=14, minutes=1))
    await members.client.run_due_jobs()
    answered = await members.slash("mentor checkin", {"answer": "ok"})
    assert answered.texts and "#1" in answered.texts[0], answered.texts
    assert "needs" not in answered.texts[0]
    again = await members.slash("mentor checkin", {"answer": "ok", "mentorship": 1})
    assert again.texts and "#1" in again.texts[0], again.texts
