"""Session 41 (calendar hunt): the last admin-facing dates that an admin whose platform gives no time zone (Discord)
read in UTC, where session 40 made the digest, the round's report and the waitlist use the programme's zone
(`Core.admin_zone`, `MENTORBOT_PROGRAMME_TIMEZONE`).

1. The check-in help notice: "started on 2026-01-05" for a mentorship that began at 01:30 on 6 January in Nairobi,
   beside a waitlist that said 2026-01-06 for the same moment.
2. The answer to a second decision on a suggestion (and to a withdrawal), "decided … at 2026-01-05 22:30 UTC"."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.library import Library
from mentorbot.storage.store import Store
from tests.usecases.conftest import make_settings, offer_id, to

Who = Callable[..., Caller]

LATE_EVENING = datetime(2026, 1, 5, 22, 30, tzinfo=UTC)
"""01:30 on Tuesday 6 January in Nairobi (UTC+3): the day differs from UTC's."""


async def test_the_checkin_help_notice_dates_the_mentorship_in_the_programmes_zone(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    clock.current = LATE_EVENING
    bot = MentorBot(store, library, make_settings(programme_timezone="Africa/Nairobi"), clock)
    admin = who("admin", is_admin=True)
    await bot.status(admin)
    await bot.signup(who("baraka"), skills="seo", capacity="3")
    [offer] = to(await bot.request(who("amina"), skills="seo"), "baraka")
    await bot.accept(who("baraka"), offer_id=offer_id(offer))
    clock.advance(timedelta(hours=1))
    [notice] = to(await bot.checkin(who("amina"), mentorship_id=1, answer="help"), "admin")
    text = notice.reply.plain_text
    assert "2026-01-06" in text, text
    assert "2026-01-05" not in text, text


async def test_the_ended_mentorships_help_notice_dates_both_days_in_the_programmes_zone(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    clock.current = LATE_EVENING
    bot = MentorBot(store, library, make_settings(programme_timezone="Africa/Nairobi"), clock)
    admin = who("admin", is_admin=True)
    await bot.status(admin)
    await bot.signup(who("baraka"), skills="seo", capacity="3")
    [offer] = to(await bot.request(who("amina"), skills="seo"), "baraka")
    await bot.accept(who("baraka"), offer_id=offer_id(offer))
    clock.advance(timedelta(days=1))  # 01:30 on 7 January in Nairobi, 22:30 on the 6th in UTC
    await bot.end(who("amina"), mentorship_id=1)
    [notice] = to(await bot.checkin(who("amina"), mentorship_id=1, answer="help"), "admin")
    text = notice.reply.plain_text
    assert "2026-01-06" in text and "2026-01-07" in text, text
    assert "2026-01-05" not in text, text


async def _approved_by_the_first_admin(bot: MentorBot, who: Who) -> tuple[Caller, Caller]:
    first, second = who("admin", is_admin=True), who("boss", is_admin=True)
    await bot.status(first)
    await bot.status(second)
    await bot.suggest_course(who("amina"), url="https://example.org/seo-guide", skills="seo", title="An SEO guide")
    approved = await bot.admin_decide_suggestion(first, suggestion_id=1, approve=True)
    assert approved.error is None, approved.reply.plain_text
    return first, second


async def test_a_second_decision_is_told_the_first_ones_time_in_the_programmes_zone(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    clock.current = LATE_EVENING
    settings = make_settings(programme_timezone="Africa/Nairobi", admin_ids=["U-admin", "U-boss"])
    bot = MentorBot(store, library, settings, clock)
    _, second = await _approved_by_the_first_admin(bot, who)
    again = await bot.admin_decide_suggestion(second, suggestion_id=1, approve=True)
    text = again.reply.plain_text
    assert "2026-01-06 01:30 (Africa/Nairobi)" in text, text
    assert "UTC" not in text, text


async def test_a_withdrawal_is_told_the_approvals_time_in_the_programmes_zone(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    clock.current = LATE_EVENING
    settings = make_settings(programme_timezone="Africa/Nairobi", admin_ids=["U-admin", "U-boss"])
    bot = MentorBot(store, library, settings, clock)
    _, second = await _approved_by_the_first_admin(bot, who)
    withdrawn = await bot.admin_decide_suggestion(second, suggestion_id=1, approve=False, withdraw=True)
    text = withdrawn.reply.plain_text
    assert "2026-01-06 01:30 (Africa/Nairobi)" in text, text
    assert "UTC" not in text, text


async def test_an_admin_with_a_zone_of_their_own_still_reads_it(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    """Slack gives each admin their zone: it stays theirs, not the programme's."""
    clock.current = LATE_EVENING
    settings = make_settings(programme_timezone="Africa/Nairobi", admin_ids=["U-admin", "U-boss"])
    bot = MentorBot(store, library, settings, clock)
    await _approved_by_the_first_admin(bot, who)
    lagos = who("boss", is_admin=True, timezone="Africa/Lagos")
    again = await bot.admin_decide_suggestion(lagos, suggestion_id=1, approve=True)
    assert "2026-01-05 23:30 (Africa/Lagos)" in again.reply.plain_text, again.reply.plain_text
