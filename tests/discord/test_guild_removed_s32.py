"""The bot removed from a Discord server (kicked, or the server deleted), end to end through the fake Discord.

Discord then sends GUILD_DELETE without ``unavailable``, answers a member lookup in that server with 404 "Unknown
Guild" (10004) (or 403 "Missing Access", 50001), and, the bot sharing no server with its members any more, refuses
every DM to them with 50007. The server, not its members, is gone: a hunt found each mentor offered a request paused
as unreachable in turn. Now such a refusal is held with nobody paused, the log says once per server that the bot is
no longer in it and what to do, and the offers that expire unread count against no one (core:
tests/usecases/test_lapses_unsent_s32.py). Added to the server again, a refused DM is the member's again.
"""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import discord
import pytest

from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from mentorbot.matching.eligibility import AWAY
from mentorbot.models import MentorStatus, OfferStatus
from mentorbot.replies import Notification
from mentorbot.storage.offers import UNDELIVERED
from mentorbot_discord.client import MentorBotClient
from mentorbot_discord.membership import Lookup, Membership
from tests.discord.helpers import (
    COMMUNITY,
    COORDINATOR_USER_ID,
    GUILD_ID,
    MENTEE_USER_ID,
    MENTOR_USER_ID,
    SECOND_MENTOR_USER_ID,
    Members,
)
from tests.fakes.discord_fake import FakeDiscord

SIGNUP = {"skills": "crisis-communications", "levels": "expert", "timezone": "Africa/Nairobi"}
MENTORS = (MENTOR_USER_ID, SECOND_MENTOR_USER_ID, COORDINATOR_USER_ID)
MEMBER_LOOKUP = re.compile(r"^/guilds/\d+/members/\d+$")
GONE = "is no longer in Discord server"


async def timer_round(client: MentorBotClient, clock: ManualClock, advance: timedelta) -> list[Notification]:
    """One round of the timer loop (`app.run_timers`), `advance` later: due timers, then the outbox, delivered."""
    clock.advance(advance)
    notes = await client.bot.run_due_jobs(communities=["discord:"])
    notes += await client.bot.undelivered(communities=["discord:"])
    if notes:
        await client.deliver(notes)
    return notes


async def profile_of(bot: MentorBot, user: int) -> Any:
    member = await bot.store.find_member(COMMUNITY, str(user))
    assert member is not None
    return await bot.store.get_mentor_profile(member.id)


def refused_dms(world: FakeDiscord) -> int:
    return sum(
        1
        for c in world.rest_calls
        if c.method == "POST"
        and c.path.endswith("/messages")
        and isinstance(c.response, dict)
        and c.response.get("code") == 50007
    )


def gone_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING and GONE in r.getMessage()]


async def remove_bot(world: FakeDiscord, client: MentorBotClient, *, tell: bool = True) -> Any:
    """The bot is kicked from the server: Discord forgets the bot there (lookups: Unknown Guild), refuses every DM to
    its members (no server shared), and, with `tell`, sends GUILD_DELETE. The server, to put back later."""
    guild = world.world.guilds.pop(GUILD_ID)
    for member in guild.members:
        world.close_dms(member.user_id)
    if tell:
        await world.dispatch("GUILD_DELETE", {"id": str(GUILD_ID)})
        for _ in range(100):
            if client.get_guild(GUILD_ID) is None:
                break
            await asyncio.sleep(0.01)
        assert client.get_guild(GUILD_ID) is None
        await asyncio.sleep(0.05)  # discord.py runs `on_guild_remove` as a task of its own
        for _ in range(200):  # which records the outage (session 41) in a write of its own
            if f"discord:{GUILD_ID}" in await client.bot.store.communities_out("discord:"):
                break
            await asyncio.sleep(0.01)
    return guild


async def offer_to_the_first_mentor(members: Members, world: FakeDiscord) -> None:
    for user in MENTORS:
        await members.slash("mentor signup", SIGNUP, user=user)
    await members.slash("mentor request", {"skills": "crisis-communications"})
    assert [u for u in MENTORS if world.dms.get(u)] == [MENTOR_USER_ID], "the first mentor has the offer"


@pytest.mark.parametrize("told", [True, False], ids=["guild-delete", "lookup-only"])
async def test_removed_from_the_server_the_bot_pauses_nobody(
    world: FakeDiscord,
    members: Members,
    bot: MentorBot,
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
    told: bool,
) -> None:
    """The hunter's repro. Five days of timer rounds after the bot was removed: the first offer (delivered before)
    expires and is handed on, and on, each new offer's DM refused. Nobody is paused (neither as unreachable nor for
    lapses), the log says once that the bot is no longer in the server, and the offers that never reached their
    mentor are marked so. Told by GUILD_DELETE, the client asks Discord nothing more of that server's members; not
    told (another process's shard, or an event missed), the member lookup's "Unknown Guild" says the same."""
    await offer_to_the_first_mentor(members, world)
    await remove_bot(world, members.client, tell=told)
    lookups_before = sum(1 for c in world.rest_calls if c.method == "GET" and MEMBER_LOOKUP.match(c.path))
    with caplog.at_level(logging.INFO, logger="mentorbot"):
        for _ in range(10):
            await timer_round(members.client, clock, timedelta(hours=12))
    assert refused_dms(world) == 0, "no offer of a server the bot is not in is sent (session 33)"
    for user in MENTORS:
        profile = await profile_of(bot, user)
        assert (profile.status, profile.pause_reason) == (MentorStatus.ACTIVE, None), user
    # Told of the removal (GUILD_DELETE), the offer delivered before it expires as one the mentor could not answer
    # (session 41: no lapse counted); not told, it counts as before.
    streak = (await profile_of(bot, MENTOR_USER_ID)).expired_streak
    assert streak == (0 if told else 1), "an offer the bot could not let its mentor answer counts no lapse"
    expired = await bot.store.list_offers(status=OfferStatus.EXPIRED)
    assert len(expired) >= 2
    assert [o.reason_kind for o in expired] == [AWAY if told else None] + [UNDELIVERED] * (len(expired) - 1)
    assert len(gone_warnings(caplog)) == 1, "one warning for the server, not one per message"
    assert "invite" in gone_warnings(caplog)[0].lower()
    lookups = [
        (c.response or {}).get("code") for c in world.rest_calls if c.method == "GET" and MEMBER_LOOKUP.match(c.path)
    ][lookups_before:]
    if told:
        assert lookups == [], "the client knows it is not in the server: no lookup"
    else:
        assert lookups and set(lookups) == {10004}


async def test_added_again_a_refused_dm_is_the_members_again(
    world: FakeDiscord, members: Members, bot: MentorBot, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    """Removed, then added back (GUILD_CREATE: `on_guild_join`): the second mentor, whose DMs stay closed, is paused as
    unreachable by their refused offer, as before the removal; a second removal is told again."""
    await offer_to_the_first_mentor(members, world)
    with caplog.at_level(logging.INFO, logger="mentorbot"):
        guild = await remove_bot(world, members.client)
        await timer_round(members.client, clock, timedelta(minutes=1))
        world.world.guilds[GUILD_ID] = guild
        for user in (MENTOR_USER_ID, COORDINATOR_USER_ID, MENTEE_USER_ID):
            world.close_dms(user, closed=False)
        joined = world.world.guild_create_payload(GUILD_ID)
        del joined["unavailable"]  # a server joined, not one coming back from an outage
        await world.dispatch("GUILD_CREATE", joined)
        for _ in range(100):
            if members.client.get_guild(GUILD_ID) is not None:
                break
            await asyncio.sleep(0.01)
        assert members.client.get_guild(GUILD_ID) is not None
        await timer_round(members.client, clock, timedelta(hours=48, minutes=1))  # the first offer expires
        for _ in range(2):
            await timer_round(members.client, clock, timedelta(seconds=30))
        second = await profile_of(bot, SECOND_MENTOR_USER_ID)
        assert (second.status, second.pause_reason) == (MentorStatus.PAUSED, "unreachable")
        assert len(gone_warnings(caplog)) == 1
        assert any(f"is in Discord server {GUILD_ID} again" in r.getMessage() for r in caplog.records)
        await remove_bot(world, members.client)
        assert len(gone_warnings(caplog)) == 2


class _Http:
    """A discord.py HTTP client whose member lookup raises what it is given."""

    def __init__(self, error: BaseException | None) -> None:
        self.error = error

    async def get_member(self, guild_id: int, user_id: int) -> dict[str, Any]:
        if self.error is not None:
            raise self.error
        return {}


def _http_error(status: int, code: int) -> discord.HTTPException:
    response = SimpleNamespace(status=status, reason="")
    kind = {403: discord.Forbidden, 404: discord.NotFound}.get(status, discord.HTTPException)
    return kind(response, {"code": code, "message": ""})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("status", "code", "found", "member"),
    [
        (404, 10004, Lookup.GUILD_GONE, None),
        (403, 50001, Lookup.GUILD_GONE, None),
        (404, 10007, Lookup.LEFT, False),
        (404, 10013, Lookup.UNKNOWN, None),
        (403, 50013, Lookup.UNKNOWN, None),
        (500, 0, Lookup.UNKNOWN, None),
        (200, 0, Lookup.MEMBER, True),
    ],
)
async def test_the_lookup_tells_a_server_the_bot_is_not_in(
    clock: ManualClock, status: int, code: int, found: Lookup, member: bool | None
) -> None:
    """Discord's "Unknown Guild" and "Missing Access" say the bot is not in the server (nothing of the member); "Unknown
    Member" that the member left; anything else cannot be told. `is_member` answers as before."""
    http = _Http(None if status == 200 else _http_error(status, code))
    membership = Membership(http, clock)  # type: ignore[arg-type]
    assert await membership.lookup(GUILD_ID, MENTEE_USER_ID, fresh=True) is found
    assert await membership.is_member(GUILD_ID, MENTEE_USER_ID, fresh=True) is member
