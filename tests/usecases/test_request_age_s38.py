"""Session 38's time hunt: "Asked on: <day> (N days ago)" counts the calendar days the mentor sees (both engines).

The date was the mentor's calendar day but N counted whole 24-hour periods: a request asked at 23:30 on 5 January
(Nairobi) reached a Nairobi mentor at 00:30 on the 8th as "2026-01-05 (2 days ago)", and one offered at 22:30 on the
7th, 47 hours on, said nothing at all, though docs/matching.md promises that an offer without the line was asked
today or yesterday."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import Translator, translator
from tests.usecases.conftest import to

Who = Callable[..., Caller]
ZONE = "Africa/Nairobi"


async def _asked_on(bot: MentorBot, who: Who, clock: ManualClock, t: Translator, *, asked: int, offered: int) -> str:
    """Amina asks for Paid social `asked` minutes after the clock's start (09:00 UTC, 12:00 in Nairobi, on Monday
    2026-01-05), a mentor in Nairobi signs up `offered` minutes after that and is offered it: the offer's
    "Asked on" line, or "" without one."""
    clock.advance(timedelta(minutes=asked))
    await bot.request(who("amina"), skills="paid-social")
    clock.advance(timedelta(minutes=offered))
    await bot.set_language(who("m1"), language=t.lang)
    outcome = await bot.signup(who("m1"), skills="paid-social", capacity=1, timezone=ZONE)
    [offer] = [n for n in to(outcome, "m1") if n.reply.buttons]
    return {f.name: f.value for f in offer.reply.fields}.get(t("offer.asked_on"), "")


@pytest.mark.parametrize("lang", ["en", "sw"])
async def test_days_ago_are_the_calendar_days_the_mentor_sees(
    bot: MentorBot, who: Who, clock: ManualClock, lang: str
) -> None:
    t = translator(lang)
    # Asked at 23:30 on the 5th in Nairobi (20:30 UTC), offered 49 hours later: 00:30 on the 8th there.
    line = await _asked_on(bot, who, clock, t, asked=11 * 60 + 30, offered=49 * 60)
    assert line == t("offer.asked_on_value", day="2026-01-05", count=3), line


@pytest.mark.parametrize("lang", ["en", "sw"])
async def test_the_day_before_yesterday_is_said_though_less_than_48_hours_ago(
    bot: MentorBot, who: Who, clock: ManualClock, lang: str
) -> None:
    t = translator(lang)
    # Asked at 23:30 on the 5th in Nairobi, offered 47 hours later: 22:30 on the 7th there.
    line = await _asked_on(bot, who, clock, t, asked=11 * 60 + 30, offered=47 * 60)
    assert line == t("offer.asked_on_value", day="2026-01-05", count=2), line


async def test_yesterday_is_not_said_though_more_than_24_hours_ago(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    # Asked at 00:30 on the 6th in Nairobi (21:30 UTC on the 5th), offered 47 hours later: 23:30 on the 7th there.
    line = await _asked_on(bot, who, clock, translator("en"), asked=12 * 60 + 30, offered=47 * 60)
    assert line == ""
