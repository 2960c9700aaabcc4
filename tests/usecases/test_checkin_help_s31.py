"""Session 31: "one help request a day" (a check-in answered "help") is a rolling 24 hours, not the member's
calendar day.

Before: the notice's key carried the day in the member's own time zone, so `/mentor timezone` moved "today":
asked at 19:30 UTC, then again after switching to Pacific/Kiritimati (UTC+14, already tomorrow there), the admins
got a second DM within the minute. Now the key carries the UTC hour, and a request is answered
``checkin.help_already`` while the admins were told in that hour or the 23 before it: whatever the member's
zone, two notices are more than 23 hours apart, and one asked a whole day (24 h) after the last always goes.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from tests.usecases.conftest import COMMUNITY, offer_id, to

Who = Callable[..., Caller]
EN = translator("en")
ZONES = ("UTC", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Pacific/Chatham", "America/New_York", "Asia/Kolkata")


async def matched(bot: MentorBot, who: Who, mentor: str, mentee: str) -> int:
    """`mentor` and `mentee` in a mentorship; its id."""
    await bot.signup(who(mentor), skills="seo", capacity="10")
    asked = await bot.request(who(mentee), skills="seo")
    accepted = await bot.accept(who(mentor), offer_id=offer_id(to(asked, mentor)[0]))
    assert accepted.error is None, accepted.reply.text
    member = await bot.store.find_member(COMMUNITY, f"U-{mentee}")
    assert member is not None
    [mentorship] = [m for m in await bot.store.list_mentorships(member_id=member.id) if m.mentee_id == member.id]
    return mentorship.id


async def test_changing_time_zone_does_not_tell_the_admins_again(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    await bot.status(who("admin"))  # the admin is a member here
    mentorship = await matched(bot, who, "baraka", "amina")
    clock.advance(datetime(2026, 1, 5, 19, 30, tzinfo=UTC) - clock.now())
    first = await bot.checkin(who("amina"), mentorship_id=mentorship, answer="help")
    assert len(to(first, "admin")) == 1
    sent = 0
    for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago", "Pacific/Kiritimati", "Asia/Kolkata"):
        await bot.set_timezone(who("amina"), timezone=zone)
        again = await bot.checkin(who("amina"), mentorship_id=mentorship, answer="help")
        sent += len(to(again, "admin"))
        assert again.reply.text == EN("checkin.help_already", id=mentorship), zone
    assert sent == 0, "one notice within the minute, whatever the zone"


async def test_the_window_is_a_rolling_day(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    """Asked at 23:30 UTC: the next UTC (and Nairobi) day starts half an hour later, yet the admins are not told
    again until a day has passed."""
    await bot.status(who("admin"))
    mentorship = await matched(bot, who, "baraka", "amina")
    await bot.set_timezone(who("amina"), timezone="Africa/Nairobi")
    clock.advance(datetime(2026, 1, 5, 23, 30, tzinfo=UTC) - clock.now())
    assert len(to(await bot.checkin(who("amina"), mentorship_id=mentorship, answer="help"), "admin")) == 1
    for hours in (1, 6, 12, 20, 22):  # 00:30 … 21:30 the next day
        clock.advance(datetime(2026, 1, 5, 23, 30, tzinfo=UTC) + timedelta(hours=hours) - clock.now())
        later = await bot.checkin(who("amina"), mentorship_id=mentorship, answer="help")
        assert later.notifications == () and later.reply.text == EN("checkin.help_already", id=mentorship), hours
    clock.advance(timedelta(hours=2))  # a whole day after the first
    next_day = await bot.checkin(who("amina"), mentorship_id=mentorship, answer="help")
    assert len(to(next_day, "admin")) == 1 and next_day.reply.text == EN("checkin.help_sent", id=mentorship)


async def test_the_other_party_and_other_mentorships_are_counted_apart(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    await bot.status(who("admin"))
    first = await matched(bot, who, "baraka", "amina")
    second = await matched(bot, who, "baraka", "chao")
    assert len(to(await bot.checkin(who("amina"), mentorship_id=first, answer="help"), "admin")) == 1
    assert len(to(await bot.checkin(who("baraka"), mentorship_id=first, answer="help"), "admin")) == 1
    assert len(to(await bot.checkin(who("baraka"), mentorship_id=second, answer="help"), "admin")) == 1
    assert to(await bot.checkin(who("baraka"), mentorship_id=second, answer="help"), "admin") == []


_names = itertools.count()

steps = st.lists(st.tuples(st.integers(min_value=0, max_value=30 * 60), st.sampled_from(ZONES)), min_size=1, max_size=8)
"""Each step: minutes to wait, then the zone the member sets, then their request for help."""


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=steps, start_minute=st.integers(min_value=0, max_value=24 * 60 - 1))
async def test_any_two_notices_are_a_day_apart_whatever_the_zones(
    bot: MentorBot, who: Who, clock: ManualClock, plan: list[tuple[int, str]], start_minute: int
) -> None:
    """The rule over many sequences of waits and zone changes: a request is sent exactly when no notice went in
    its UTC hour or the 23 before it. So two notices are always more than 23 hours apart, one asked 24 hours or
    more after the last always goes, and the member's zone never matters."""
    await bot.status(who("admin"))
    n = next(_names)
    member, mentor = f"mentee{n}", f"mentor{n}"
    mentorship = await matched(bot, who, mentor, member)
    midnight = clock.now().replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=3)
    clock.advance(midnight + timedelta(minutes=start_minute) - clock.now())
    last: datetime | None = None
    for wait, zone in plan:
        clock.advance(timedelta(minutes=wait))
        await bot.set_timezone(who(member), timezone=zone)
        now = clock.now()
        asked = await bot.checkin(who(member), mentorship_id=mentorship, answer="help")
        told = len(to(asked, "admin")) == 1
        hour = int(now.timestamp() // 3600)
        expected = last is None or hour - int(last.timestamp() // 3600) >= 24
        assert told == expected, (last, now, zone)
        if last is not None:
            since = now - last
            if since >= timedelta(hours=24):
                assert told, "a whole day after the last notice, the admins are told again"
            if since <= timedelta(hours=23):
                assert not told, "never two notices within 23 hours"
        if told:
            last = now
        else:
            assert asked.reply.text == EN("checkin.help_already", id=mentorship)
