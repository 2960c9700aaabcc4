"""Probes: odd interaction payloads (a number where text is expected, a fraction where a whole number is, a member
without its user) get a localized message or are refused, and the gateway connection stays up."""

from __future__ import annotations

import asyncio
import copy

from mentorbot_discord.client import MentorBotClient
from tests.discord.helpers import COMMUNITY, EN, MENTOR_USER_ID, Members
from tests.fakes.discord_fake import FakeDiscord
from tests.fakes.discord_payloads import number_option, option


async def test_a_number_in_the_skills_option_gets_a_localized_message(members: Members) -> None:
    record = await members.fake.push_interaction(members.fake.build.slash("mentor request", [option("skills", 4, 42)]))
    shown = await members.shown(record, handled=False)
    assert shown.text == EN("discord.mistyped_option", option="skills") and shown.all_ephemeral
    assert members.handled == {}, "the core was not called"


async def test_a_fractional_capacity_is_refused_not_rounded(members: Members) -> None:
    options = [option("skills", 3, "crisis-communications"), number_option("capacity", 2.5)]
    record = await members.fake.push_interaction(
        members.fake.build.slash("mentor signup", options, user_id=MENTOR_USER_ID)
    )
    shown = await members.shown(record, handled=False)
    assert shown.text == EN("discord.mistyped_option", option="capacity")
    assert await members.client.bot.mentor_profile(COMMUNITY, str(MENTOR_USER_ID)) is None


async def test_an_interaction_whose_member_has_no_user_is_refused_and_the_gateway_stays_up(
    world: FakeDiscord, members: Members, client: MentorBotClient
) -> None:
    connections = len(world.gateway.connections)
    payload = world.build.slash("mentor status")
    broken = copy.deepcopy(payload)
    broken["member"].pop("user")
    record = await world.push_interaction(broken)
    callback = await asyncio.wait_for(record.wait_callback(), 5)
    assert EN("discord.unreadable_interaction") in str(callback)
    shown = await members.slash("mentor status")  # the same connection still serves the next command
    assert shown.all_ephemeral
    assert len(world.gateway.connections) == connections
