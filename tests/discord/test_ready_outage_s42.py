"""Session 42 (a mutation the suite let through): READY ends the outage of a server the bot is in.

A server recorded as one the bot is out of (`MentorBot.community_lost`) that the bot was added back to while no
process ran never gets a GUILD_CREATE this process sees as a join; `MentorBotClient.on_ready` finds it among the
process's servers and ends the outage, so the offers held meanwhile go out and its lapses count again. No test called
`on_ready`: with its look switched off every Discord test still passed."""

from __future__ import annotations

from datetime import timedelta

from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from tests.discord.helpers import GUILD_ID, Members
from tests.fakes.discord_fake import FakeDiscord


async def test_ready_ends_the_outage_of_a_server_the_bot_is_in(
    world: FakeDiscord, members: Members, bot: MentorBot, clock: ManualClock
) -> None:
    community = f"discord:{GUILD_ID}"
    other = "discord:999999999999999999"  # a server the bot is not in: its outage stays
    assert await bot.community_lost(community) and await bot.community_lost(other)
    clock.advance(timedelta(minutes=5))
    await members.client.on_ready()
    assert await bot.store.communities_out("discord:") == [other]
