"""Session 44's time-words hunt: an offer whose deadline falls in the hour a fall-back change repeats says which
of the two it is (`formatting.when` names the UTC offset), in the offer and in the mentor's status, on both engines.

A mentor in Europe/London offered a request at 2026-10-23 00:30 UTC (48 h to answer) was told "Answer by:
2026-10-25 01:30 (Europe/London)": the first 01:30 (BST), though the wall clock reads 01:30 twice that night."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from tests.usecases.conftest import to

Who = Callable[..., Caller]


async def test_the_answer_by_in_the_repeated_hour_names_its_offset(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    clock.current = datetime(2026, 10, 23, 0, 30, tzinfo=UTC)
    assert bot.settings.offer_ttl_hours == 48
    await bot.signup(who("wanjiru"), skills="seo", levels="expert", timezone="Europe/London")
    await bot.signup(who("dina"), skills="copywriting", timezone="Europe/London")
    await bot.set_language(who("dina"), language="sw")
    english = to(await bot.request(who("amina"), skills="seo"), "wanjiru")[0].reply.plain_text
    assert "2026-10-25 01:30 UTC+01:00 (Europe/London)" in english
    swahili = to(await bot.request(who("chao"), skills="copywriting"), "dina")[0].reply.plain_text
    assert "2026-10-25 01:30 UTC+01:00 (saa za Europe/London)" in swahili
    status = (await bot.status(who("wanjiru"))).reply.plain_text
    assert "2026-10-25 01:30 UTC+01:00 (Europe/London)" in status
    assert "2026-10-25 01:30 (Europe/London)" not in english + status
