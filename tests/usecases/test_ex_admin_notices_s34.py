"""Session 34: a notice held for an admin (DMs closed) is not shown to them once they are no longer an admin.

Before: a member's call for help (check-in "need help") held for a coordinator whose DMs were closed was shown
with the coordinator's next command even after the bot restarted with ``MENTORBOT_ADMIN_IDS`` no longer naming
them: a member's name, the mentorship's parties and an admin command, to someone who is no longer an admin. Now
a held admin-only notice (`models.ADMIN_ONLY_KEY_PREFIXES`) is shown only to a member still an admin of the
community (the settings, or the platform's own fact, `Core.is_admin`); one not shown is dropped for good, and
logged without its content. Other held notices (an offer) are shown as before.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.library import Library
from mentorbot.replies import Notification
from mentorbot.storage.store import Store
from tests.usecases.conftest import COMMUNITY, make_settings, offer_id, to

Who = Callable[..., Caller]


def bot_with(store: Store, library: Library, clock: ManualClock, worker: str, admins: list[str]) -> MentorBot:
    """A process of the bot over `store` whose ``MENTORBOT_ADMIN_IDS`` is `admins`."""
    return MentorBot(store, library, make_settings(admin_ids=admins), clock, worker_id=worker)


async def held_call_for_help(bot: MentorBot, who: Who) -> Notification:
    """Amina, mentored by Wanjiru, asks for help; the notice to the coordinator is held (DMs closed)."""
    await bot.status(who("coord"))  # the coordinator has used the bot
    await bot.signup(who("wanjiru"), skills="seo", capacity=2)
    offered = await bot.request(who("amina"), skills="seo")
    await bot.accept(who("wanjiru"), offer_id=offer_id(to(offered, "wanjiru")[0]))
    asked = await bot.checkin(who("amina"), mentorship_id=1, answer="help")
    [notice] = to(asked, "coord")
    assert notice.key is not None and notice.key.startswith("checkin-help:")
    await bot.hold_undelivered(notice, refused=True)
    return notice


async def coord_id(store: Store) -> int:
    member = await store.find_member(COMMUNITY, "U-coord")
    assert member is not None
    return member.id


async def held_keys(store: Store) -> list[str]:
    """The keys of the coordinator's held notices, oldest first (a call for help's cut after its prefix)."""
    member_id = await coord_id(store)
    async with store.read() as conn:
        rows = await conn.fetch_all(
            "SELECT message_key FROM outbox WHERE member_id = ? AND status = 'held' ORDER BY id", member_id
        )
    keys = [str(r["message_key"]) for r in rows]
    return [key.split(":")[0] + ":" if key.startswith("checkin-help:") else key for key in keys]


async def test_an_ex_admin_is_not_shown_a_held_call_for_help(
    store: Store, library: Library, clock: ManualClock, who: Who, caplog: pytest.LogCaptureFixture
) -> None:
    await held_call_for_help(bot_with(store, library, clock, "w1", ["U-coord"]), who)
    clock.advance(timedelta(hours=1))
    restarted = bot_with(store, library, clock, "w2", ["U-newcoord"])  # the coordinator stepped down
    with caplog.at_level(logging.INFO, logger="mentorbot"):
        out = await restarted.status(who("coord"))
    assert out.error is None
    assert out.held == (), [r.plain_text for r in out.held]
    assert not await store.has_held_notices(await coord_id(store)), "dropped for good"
    assert (await restarted.status(who("coord"))).held == ()
    [dropped] = [r for r in caplog.records if "no longer an admin" in r.getMessage()]
    assert dropped.levelno == logging.INFO
    text = dropped.getMessage()
    assert "Amina" not in text and "U-amina" not in text and "mentor-admin" not in text, "logged without its content"


async def test_a_current_admin_still_sees_their_held_call_for_help(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    notice = await held_call_for_help(bot_with(store, library, clock, "w1", ["U-coord"]), who)
    clock.advance(timedelta(hours=1))
    restarted = bot_with(store, library, clock, "w2", ["U-coord", "U-newcoord"])
    assert (await restarted.status(who("coord"))).held == (notice.reply,)


async def test_a_platform_admin_still_sees_their_held_call_for_help(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    """Out of the settings' list but a manager of the server (the platform's own fact): still an admin here."""
    notice = await held_call_for_help(bot_with(store, library, clock, "w1", ["U-coord"]), who)
    restarted = bot_with(store, library, clock, "w2", ["U-newcoord"])
    assert (await restarted.status(who("coord", is_admin=True))).held == (notice.reply,)


async def test_an_ex_admin_is_still_shown_a_held_offer(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    bot = bot_with(store, library, clock, "w1", ["U-coord"])
    await bot.signup(who("coord"), skills="copywriting", capacity=1)  # the coordinator mentors too
    [offer] = to(await bot.request(who("baraka"), skills="copywriting"), "coord")
    await held_call_for_help(bot, who)
    await bot.hold_undelivered(offer)  # DMs closed: the offer is held too
    assert await held_keys(store) == ["offer:1", "checkin-help:"]
    clock.advance(timedelta(hours=1))
    restarted = bot_with(store, library, clock, "w2", ["U-newcoord"])
    out = await restarted.status(who("coord"))
    assert out.held == (offer.reply,), [r.plain_text for r in out.held]
    assert not await store.has_held_notices(await coord_id(store))
