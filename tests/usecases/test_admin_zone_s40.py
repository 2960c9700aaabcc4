"""Session 40 (recipient hunt): an admin whose platform gives no time zone (Discord) reads every programme notice in
the programme's zone (`MENTORBOT_PROGRAMME_TIMEZONE`), not some in it and some in UTC.

The weekly digest fell back to the programme's zone; the scheduled round's report, an hour later from the same
scheduler, did not: "Next round: 2026-01-19 06:00 UTC" for a round set as ``mon 09:00`` in Nairobi, and a cooldown
"until … 09:00 UTC" that the digest had just called "12:00 (Africa/Nairobi)"."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.library import Library
from mentorbot.storage.store import Store
from mentorbot.usecases import insight
from tests.usecases.conftest import COMMUNITY, make_settings, offer_id, to

Who = Callable[..., Caller]


async def test_the_scheduled_rounds_report_is_in_the_programmes_zone(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    settings = make_settings(
        digest="mon 08:00", round_schedule="mon 09:00", programme_timezone="Africa/Nairobi", reoffer_after_days=10
    )
    bot = MentorBot(store, library, settings, clock)
    admin = who("admin", is_admin=True)
    await bot.status(admin)
    await bot.signup(who("baraka"), skills="seo", levels="expert", capacity="1")
    [offer] = to(await bot.request(who("amina"), skills="seo"), "baraka")
    await bot.decline(who("baraka"), offer_id=offer_id(offer), reason="busy")
    await insight.ensure_weekly_jobs(bot.core, [COMMUNITY])
    clock.advance(timedelta(days=6, hours=20))  # Monday 05:00 UTC, 08:00 in Nairobi: the digest
    assert next(n.key for n in await bot.run_due_jobs() if n.platform_user_id == "U-admin").startswith("admin-digest")
    clock.advance(timedelta(hours=1))  # 09:00 in Nairobi: the round
    report = [n for n in await bot.run_due_jobs() if n.platform_user_id == "U-admin"]
    assert report, "the round's report to the admin"
    text = report[0].reply.text
    assert "2026-01-19 09:00 (Africa/Nairobi)" in text, text
    assert " UTC" not in text, text


async def test_an_admins_waitlist_and_round_read_in_the_programmes_zone(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    bot = MentorBot(store, library, make_settings(programme_timezone="Africa/Nairobi", reoffer_after_days=10), clock)
    admin = who("admin", is_admin=True)
    await bot.signup(who("baraka"), skills="seo", levels="expert", capacity="1")
    [offer] = to(await bot.request(who("amina"), skills="seo"), "baraka")
    await bot.decline(who("baraka"), offer_id=offer_id(offer), reason="busy")
    waitlist = await bot.admin_waitlist(admin)
    assert "(Africa/Nairobi)" in waitlist.reply.plain_text and " UTC" not in waitlist.reply.plain_text
    round_reply = await bot.admin_round(admin)
    assert "(Africa/Nairobi)" in round_reply.reply.text and " UTC" not in round_reply.reply.text
