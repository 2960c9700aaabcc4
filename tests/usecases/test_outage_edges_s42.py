"""Session 42: the edges of "an offer open while the community is out is no lapse" (mutations the suite let through).

An outage spares only its own community's offers, and only those whose life it overlaps: one that begins at the
offer's deadline, or ends as the offer is made, spares nothing (`storage.outages.away_during`). On both engines."""

from __future__ import annotations

from datetime import timedelta

from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from mentorbot.storage.store import Store
from tests.usecases.conftest import COMMUNITY, to
from tests.usecases.test_outages_s41 import EN, Who, lapses, offered, streak

TTL = timedelta(hours=48)


async def expired_as_lapse(bot: MentorBot, store: Store, offer: int) -> None:
    [told] = to(await bot.run_due_jobs(), "baraka")
    assert told.reply.text.startswith(EN("offer.expired_waiting", id=offer)), told.reply.text
    assert await lapses(store) == [offer] and await streak(bot) == 1


async def test_an_outage_of_another_community_spares_no_lapse(
    bot: MentorBot, store: Store, who: Who, clock: ManualClock
) -> None:
    offer = await offered(bot, who)
    assert await bot.community_lost("console:elsewhere")
    clock.advance(TTL + timedelta(seconds=5))
    await expired_as_lapse(bot, store, offer)


async def test_an_outage_that_begins_at_the_deadline_spares_nothing(
    bot: MentorBot, store: Store, who: Who, clock: ManualClock
) -> None:
    offer = await offered(bot, who)
    made = await store.get_offer(offer)
    assert made is not None
    clock.advance(made.expires_at - clock.now())
    assert await bot.community_lost(COMMUNITY)
    clock.advance(timedelta(seconds=5))
    await expired_as_lapse(bot, store, offer)


async def test_an_outage_that_ends_as_the_offer_is_made_spares_nothing(
    bot: MentorBot, store: Store, who: Who, clock: ManualClock
) -> None:
    assert await bot.community_lost(COMMUNITY)
    clock.advance(timedelta(hours=1))
    await bot.community_back(COMMUNITY)
    offer = await offered(bot, who)  # made at the very time the outage ended
    clock.advance(TTL + timedelta(seconds=5))
    await expired_as_lapse(bot, store, offer)
