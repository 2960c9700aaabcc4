"""Session 42 (the lapse model's strict rule): an outage that begins after an offer's deadline, before its expiry ran.

The offer's life overlapped no outage, so its lapse counts; but its notice, written while the community is out, said
"If you can take it after all, answer `/mentor accept 1`", which the platform would refuse (Discord) or never send
(Slack). The line now waits for the community's return (`ExpireResult.out_now`). On both engines."""

from __future__ import annotations

from datetime import timedelta

from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from mentorbot.storage.store import Store
from tests.usecases.conftest import COMMUNITY, to
from tests.usecases.test_outages_s41 import EN, Who, lapses, offered, streak


async def test_an_outage_begun_after_the_deadline_counts_the_lapse_without_take_it_after_all(
    bot: MentorBot, store: Store, who: Who, clock: ManualClock
) -> None:
    offer = await offered(bot, who)
    clock.advance(timedelta(hours=48, seconds=15))
    assert await bot.community_lost(COMMUNITY)
    [told] = to(await bot.run_due_jobs(), "baraka")
    assert told.reply.text.startswith(EN("offer.expired_waiting", id=offer)), told.reply.text
    assert EN("offer.take_it_after_all", id=offer) not in told.reply.text
    assert await lapses(store) == [offer] and await streak(bot) == 1


async def test_with_the_community_in_the_line_is_still_there(
    bot: MentorBot, store: Store, who: Who, clock: ManualClock
) -> None:
    offer = await offered(bot, who)
    clock.advance(timedelta(hours=48, seconds=15))
    [told] = to(await bot.run_due_jobs(), "baraka")
    assert EN("offer.take_it_after_all", id=offer) in told.reply.text
