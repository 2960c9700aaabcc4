"""A community out of MentorBot's reach (session 41, reproductions under /tmp/hunt/uninstall). On both engines.

Before:
1. an offer whose mentor could not answer it, because the bot had been removed from the server or the Slack app
   uninstalled, expired as a counted lapse: a row of ``offer_lapses`` (the weekly digest's), the mentor's streak up
   (warned, then paused), and the notice offered "take it after all" with a command the bot refused. Now the outage is
   recorded (`MentorBot.community_lost`, ``community_outages``, migration 0030) and such an offer expires as no lapse,
   its mentor told it expired while MentorBot was out of the community (no "take it after all" while it still is);
2. offers held while the community was out (their mentor never had them) were never sent once it was back: they came
   only with the mentor's own next command, and the request stalled until the deadline. `MentorBot.community_back`
   puts those still pending and not overdue back in the outbox.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.storage.store import Store
from tests.usecases.conftest import COMMUNITY, offer_id, to

EN = translator("en")
Who = Callable[..., Caller]


async def offered(bot: MentorBot, who: Who, *, deliver: bool = True) -> int:
    """Baraka mentors SEO, Amina asks for it: the offer, delivered to Baraka (unless not `deliver`)."""
    await bot.delivered((await bot.signup(who("baraka"), skills="seo")).notifications)
    outcome = await bot.request(who("amina"), skills="seo")
    [offer] = [n for n in to(outcome, "baraka") if n.reply.buttons]
    if deliver:
        await bot.delivered(outcome.notifications)
    return offer_id(offer)


async def lapses(store: Store) -> list[int]:
    async with store.read() as conn:
        return [int(r["offer_id"]) for r in await conn.fetch_all("SELECT offer_id FROM offer_lapses")]


async def streak(bot: MentorBot) -> int:
    profile = await bot.mentor_profile(COMMUNITY, "U-baraka")
    assert profile is not None
    return profile.expired_streak


async def test_an_offer_open_while_the_community_is_out_is_no_lapse(
    bot: MentorBot, store: Store, who: Who, clock: ManualClock
) -> None:
    offer = await offered(bot, who)
    clock.advance(timedelta(hours=1))
    assert await bot.community_lost(COMMUNITY)
    assert not await bot.community_lost(COMMUNITY), "recorded once"
    clock.advance(timedelta(hours=48))
    told = to(await bot.run_due_jobs(), "baraka")
    assert [n.reply.text for n in told] == [EN("offer.expired_away_waiting", id=offer)], "no take it after all"
    assert await lapses(store) == [] and await streak(bot) == 0


async def test_an_outage_over_before_the_deadline_still_spares_the_offer_and_says_how_to_take_it(
    bot: MentorBot, store: Store, who: Who, clock: ManualClock
) -> None:
    offer = await offered(bot, who)
    await bot.community_lost(COMMUNITY)
    clock.advance(timedelta(hours=2))
    await bot.community_back(COMMUNITY)
    clock.advance(timedelta(hours=47))
    [told] = to(await bot.run_due_jobs(), "baraka")
    assert told.reply.text == EN("offer.expired_away_waiting", id=offer) + " " + EN("offer.take_it_after_all", id=offer)
    assert await lapses(store) == [] and await streak(bot) == 0


async def test_an_outage_before_the_offer_was_made_changes_nothing(
    bot: MentorBot, store: Store, who: Who, clock: ManualClock
) -> None:
    await bot.community_lost(COMMUNITY)
    clock.advance(timedelta(hours=1))
    await bot.community_back(COMMUNITY)
    clock.advance(timedelta(hours=1))
    offer = await offered(bot, who)
    clock.advance(timedelta(hours=48, seconds=5))
    [told] = to(await bot.run_due_jobs(), "baraka")
    assert told.reply.text.startswith(EN("offer.expired_waiting", id=offer))
    assert await lapses(store) == [offer] and await streak(bot) == 1


async def test_back_sends_the_offers_held_meanwhile(bot: MentorBot, store: Store, who: Who, clock: ManualClock) -> None:
    await bot.community_lost(COMMUNITY)
    await bot.delivered((await bot.signup(who("baraka"), skills="seo")).notifications)
    outcome = await bot.request(who("amina"), skills="seo")
    [note] = [n for n in to(outcome, "baraka") if n.reply.buttons]
    await bot.hold_undelivered(note)  # the platform refused the bot: held for Baraka's next command
    await bot.delivered([n for n in outcome.notifications if n is not note])
    clock.advance(timedelta(hours=1))
    assert await bot.undelivered() == []
    assert await bot.community_back(COMMUNITY) == 1
    clock.advance(timedelta(seconds=1))
    assert [n.key for n in await bot.undelivered()] == [note.key], "it goes out again, now"
    assert await bot.community_back(COMMUNITY) == 0


async def test_back_leaves_an_overdue_offer_to_its_expiry_and_another_community_alone(
    bot: MentorBot, store: Store, who: Who, clock: ManualClock
) -> None:
    await bot.delivered((await bot.signup(who("baraka"), skills="seo")).notifications)
    outcome = await bot.request(who("amina"), skills="seo")
    [note] = [n for n in to(outcome, "baraka") if n.reply.buttons]
    await bot.hold_undelivered(note)
    assert await bot.community_back("console:elsewhere") == 0
    clock.advance(timedelta(hours=49))
    assert await bot.community_back(COMMUNITY) == 0, "overdue: its expiry tells it"
