"""Defects found by a hunt of time zones and days: a Slack mentor's profile zone that never followed their Slack
zone, a zone given with `/mentor timezone` lost at signup, the digest's waiting requests listed one line each
(one per second of a cooldown's end, without a limit), a check-in's "once a day" counted in UTC days, and late
expiries (the bot was down) named among the mentors who let offers lapse."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.library import Library
from mentorbot.replies import Notification, Reply
from mentorbot.storage.store import Store
from mentorbot.usecases.views import WHY_LINES
from tests.usecases.conftest import COMMUNITY, make_settings, offer_id, to

Who = Callable[..., Caller]
EN = translator("en")


def bot_with(store: Store, library: Library, clock: ManualClock, **settings: object) -> MentorBot:
    return MentorBot(store, library, make_settings(**settings), clock, worker_id="w1")


def digest_of(notes: list[Notification]) -> Reply:
    """The one digest the admin was sent (the reply with the chart)."""
    [digest] = [n.reply for n in to(notes, "admin") if n.reply.attachments]
    return digest


def said(reply: Reply) -> str:
    """All a digest says: its text, then each field's name and value (its lists are fields)."""
    return "\n".join([reply.text, *(f"{f.name}\n{f.value}" for f in reply.fields)])


# ----------------------------------------------------------------------------------- the mentor profile's zone


async def test_a_slack_mentors_profile_zone_follows_their_slack_zone(bot: MentorBot, who: Who) -> None:
    """Before: only the member row took Slack's new zone; the profile (which matching reads) kept the zone of the
    signup, so a mentor who moved from London to Tokyo was ranked and shown as in London for ever."""
    await bot.signup(who("baraka", timezone="Europe/London"), skills="seo")
    status = await bot.status(who("baraka", timezone="Asia/Tokyo"))
    profile = await bot.mentor_profile(COMMUNITY, "U-baraka")
    assert profile is not None and profile.timezone == "Asia/Tokyo"
    assert "Asia/Tokyo" in status.reply.plain_text and "Europe/London" not in status.reply.plain_text
    offered = await bot.request(who("amina", timezone="Asia/Tokyo"), skills="seo")
    [offer] = to(offered, "baraka")
    assert EN("match.same_time") in offer.reply.plain_text, "the matcher sees the new zone"


async def test_a_zone_set_by_command_stays_where_the_platform_reports_none(bot: MentorBot, who: Who) -> None:
    """Discord and the console report no zone: a command of theirs leaves the profile's zone as the member set it."""
    await bot.signup(who("baraka"), skills="seo")
    await bot.set_timezone(who("baraka"), timezone="Africa/Nairobi")
    await bot.status(who("baraka"))
    await bot.pause(who("baraka"))
    profile = await bot.mentor_profile(COMMUNITY, "U-baraka")
    assert profile is not None and profile.timezone == "Africa/Nairobi"


async def test_a_zone_given_before_signing_up_is_the_profiles(bot: MentorBot, who: Who) -> None:
    """Before: `/mentor timezone` then `/mentor signup` stored UTC on the profile ("not given"), and the matcher
    read the mentor as zone-unknown."""
    await bot.set_timezone(who("baraka"), timezone="Asia/Kathmandu")
    signed = await bot.signup(who("baraka"), skills="seo")
    shown = {field.name: field.value for field in signed.reply.fields}
    assert shown[EN("status.timezone")] == "Asia/Kathmandu"
    profile = await bot.mentor_profile(COMMUNITY, "U-baraka")
    assert profile is not None and profile.timezone == "Asia/Kathmandu"
    await bot.set_timezone(who("amina"), timezone="Asia/Kathmandu")
    offered = await bot.request(who("amina"), skills="seo")
    [offer] = to(offered, "baraka")
    assert EN("match.same_time") in offer.reply.plain_text


# -------------------------------------------------------------------------------- the digest's waiting requests


async def test_the_digest_groups_requests_waiting_for_the_same_reason(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    """Before: three requests waiting on cooldowns ending seconds apart were three lines of "1 asks for SEO"; the
    round report made them one. The digest now groups them as the round report does (`views.reason_group`)."""
    bot = bot_with(store, library, clock, digest="tue 08:00")
    await bot.set_language(who("admin"), language="en")
    await bot.run_due_jobs()
    await bot.signup(who("baraka"), skills="seo", capacity="3")
    for name in ("amina", "chao", "dina"):
        asked = await bot.request(who(name), skills="seo")
        [offer] = to(asked, "baraka")
        await bot.decline(who("baraka"), offer_id=offer_id(offer), reason="too busy")
        clock.advance(timedelta(seconds=7))
    clock.advance(datetime(2026, 1, 6, 8, tzinfo=UTC) - clock.now())
    text = said(digest_of(await bot.run_due_jobs()))
    assert text.count("• ") == 1
    assert "3 ask for SEO" in text and "1 asks for SEO" not in text


async def test_the_digest_lists_at_most_as_many_reasons_as_the_round_report(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    """Before: 40 requests on cooldowns ending minutes apart were 40 lines, and on Discord the digest's tail
    (lapses, rating, decline reasons) was clipped away. Now the round report's cap and its "…and N more" line."""
    bot = bot_with(store, library, clock, digest="tue 08:00")
    await bot.set_language(who("admin"), language="en")
    await bot.run_due_jobs()
    await bot.signup(who("baraka"), skills="seo", capacity="3")
    for i in range(40):
        asked = await bot.request(who(f"m{i}"), skills="seo")
        [offer] = to(asked, "baraka")
        await bot.decline(who("baraka"), offer_id=offer_id(offer), reason="too busy")
        clock.advance(timedelta(minutes=2))
    clock.advance(datetime(2026, 1, 6, 8, tzinfo=UTC) - clock.now())
    text = said(digest_of(await bot.run_due_jobs()))
    assert text.count("• ") == WHY_LINES + 1
    assert EN("round.why_more", count=40 - WHY_LINES) in text
    assert f"{EN('digest.declines_title')}\n{EN('digest.count_of', name='too busy', count=40)}" in text


# ------------------------------------------------------------------------------ a check-in's call for help, daily


async def test_asking_for_help_once_a_day_counts_a_rolling_day(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    """Before session 29 the day was UTC's: in Chatham (UTC+13:45) noon and 14:00 were two days. Session 29 made it
    the member's own calendar day, which a change of `/mentor timezone` moved (session 31's abuse hunt: two notices to
    the admins in a minute); it is now the 24 hours before the ask, wherever the member is."""
    await bot.set_language(who("admin"), language="en")
    await bot.signup(who("baraka"), skills="seo")
    await bot.set_timezone(who("amina"), timezone="Pacific/Chatham")
    asked = await bot.request(who("amina"), skills="seo")
    await bot.accept(who("baraka"), offer_id=offer_id(to(asked, "baraka")[0]))
    clock.advance(datetime(2026, 1, 5, 22, 15, tzinfo=UTC) - clock.now())  # 2026-01-06 12:00 in Chatham
    noon = await bot.checkin(who("amina"), mentorship_id=1, answer="help")
    assert len(to(noon, "admin")) == 1
    clock.advance(timedelta(hours=2))  # 14:00 the same day in Chatham, the next day in UTC
    afternoon = await bot.checkin(who("amina"), mentorship_id=1, answer="help")
    assert afternoon.notifications == () and afternoon.reply.text == EN("checkin.help_already", id=1)
    await bot.set_timezone(who("baraka"), timezone="America/New_York")
    clock.advance(datetime(2026, 1, 7, 0, 30, tzinfo=UTC) - clock.now())  # 19:30 on the 6th in New York
    evening = await bot.checkin(who("baraka"), mentorship_id=1, answer="help")
    assert len(to(evening, "admin")) == 1
    clock.advance(timedelta(hours=12, minutes=30))  # 08:00 on the 7th in New York: 12.5 hours later
    morning = await bot.checkin(who("baraka"), mentorship_id=1, answer="help")
    assert morning.notifications == () and morning.reply.text == EN("checkin.help_already", id=1)
    clock.advance(timedelta(hours=11, minutes=30))  # a day after the evening's
    next_evening = await bot.checkin(who("baraka"), mentorship_id=1, answer="help")
    assert len(to(next_evening, "admin")) == 1 and next_evening.reply.text == EN("checkin.help_sent", id=1)


# ----------------------------------------------------------------------------------- lapses in the digest


async def test_an_offer_that_expired_while_the_bot_was_down_is_no_lapse_in_the_digest(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    """Before: an expiry run days late (the bot was down, the mentor's answer could not arrive) is not held against
    the mentor's streak, yet the digest named them among the mentors who let offers lapse. One expired on time
    still is."""
    bot = bot_with(store, library, clock, digest="mon 08:00", offer_ttl_hours=24.0)
    await bot.set_language(who("admin"), language="en")
    await bot.run_due_jobs()
    await bot.signup(who("baraka"), skills="seo", capacity="1")
    await bot.signup(who("chao"), skills="copywriting", capacity="1")
    await bot.request(who("amina"), skills="seo")
    clock.advance(timedelta(hours=1))
    await bot.run_due_jobs()
    clock.advance(timedelta(days=3))  # down: Baraka's offer expired two days ago
    await bot.run_due_jobs()
    await bot.request(who("dina"), skills="copywriting")
    clock.advance(timedelta(hours=24, minutes=5))  # Chao's offer expires on time (within the grace)
    await bot.run_due_jobs()
    clock.advance(datetime(2026, 1, 12, 8, tzinfo=UTC) - clock.now())
    text = said(digest_of(await bot.run_due_jobs()))
    assert f"{EN('digest.lapses_title')}\n{EN('digest.count_of', name='<@U-chao>', count=1)}\n" in text
