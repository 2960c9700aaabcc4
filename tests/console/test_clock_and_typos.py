"""The console's own words: `/clock` stops where the bot would act unasked (at each timer, and at the end of a
waiting request's cooldown, where the sweep offers it again: before, a jump of ten days offered the request
once, at its end, nine days after the cooldown had lifted), and a mistyped bot command is not taken for one of
the console's."""

from __future__ import annotations

from mentorbot.bot import Caller
from mentorbot.models import OfferStatus
from mentorbot_console.session import ConsoleSession
from tests.console.conftest import ok, refused


async def test_a_request_is_offered_again_when_its_cooldown_ends_on_the_way(session: ConsoleSession) -> None:
    await ok(session, "/as m1")
    await ok(session, "/mentor signup skills:seo capacity:1")
    await ok(session, "/as r1")
    await ok(session, "/mentor request skills:seo")  # 2026-01-05 09:00: offer #1, due in 48 h
    out = await ok(session, "/clock +49h")
    assert "can be asked again after 2026-01-10 09:00 UTC" in out  # the lapse's 72 h cooldown
    out = await ok(session, "/clock +10d")
    # Offer #2 is made when the cooldown ends (answer due 48 h later), lapses, and so on: the third lapse, on a
    # third day, pauses m1, all within the ten days.
    assert "Answer by: 2026-01-12 09:00 UTC" in out
    assert "Answer by: 2026-01-17 09:00 UTC" in out
    assert "went unanswered on 3 different days in a row" in out


async def test_a_mistyped_admin_command_is_not_taken_for_the_consoles_own(session: ConsoleSession) -> None:
    """Before: `/mentor-admin foo` was answered "Did you mean /admin?" (the console's command to become admin)."""
    out = await refused(session, "/mentor-admin foo")
    assert "/admin" not in out.replace("/mentor-admin", "") and "waitlist" in out


async def test_the_console_runs_and_shows_only_its_own_communitys_timers(session: ConsoleSession) -> None:
    """The console may open the database a Slack or Discord bot serves (both read MENTORBOT_DATABASE_URL). Before,
    it ran every community's due timers and printed their members' notices as its own, marking them delivered:
    the Slack member never got them, and `/clock` expired the Slack community's offers early."""
    bot = session.bot
    slack = "slack:T1"
    await bot.signup(Caller(slack, "U1", "Uma"), skills="seo")
    await bot.request(Caller(slack, "U2", "Ula"), skills="seo")
    await ok(session, "/as m1")
    await ok(session, "/mentor signup skills:copywriting capacity:1")
    await ok(session, "/as r1")
    await ok(session, "/mentor request skills:copywriting")
    out = await ok(session, "/clock +49h")
    assert "Offer #2 expired" in out or "expired" in out, "the console's own offer expires"
    assert "@U1" not in out and "@U2" not in out, "no Slack member's notice on this screen"
    [slack_offer] = await bot.store.list_offers(status=OfferStatus.PENDING)
    assert slack_offer.request_id == 1, "the Slack community's offer is left to its own bot"
    async with bot.store.db.read() as conn:
        rows = await conn.fetch_all("SELECT platform_user_id, status FROM outbox WHERE community = ?", slack)
    assert rows and all(row["status"] != "delivered" for row in rows), "its notices still wait for the Slack bot"
