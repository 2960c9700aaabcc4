"""A server that removed the bot, whose members still share another server with it, end to end through the fake
Discord, on both engines.

Kicked from server A, the bot still reaches A's members who are also in server B: Discord delivers its DMs. A hunt
found A's programme carrying on by DM: A's request handed on after its offer expired, a new offer DM'd to another of
A's mentors, and a click on it accepted. Now an offer of a server the bot is not in is not sent: told so by Discord's
gateway (GUILD_DELETE: the server is not among the client's), it is held at once, as a refused DM is, so it expires
as undelivered (no lapse); said so only by a member lookup ("Unknown Guild"), it is tried again later, so one wrong
answer of Discord's delays an offer by a retry, not its whole life, and a removal for real ends held after the last
try. A later version of such an offer with no DM to edit (its expiry) is held with it; one that edits a DM sent
before goes (the old offer loses its buttons). A click on an offer's button, or a typed answer, for a server the bot
is not in is refused with a line saying why; nothing is accepted or declined.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import Translator
from mentorbot.matching.eligibility import AWAY, UNDELIVERED
from mentorbot.models import MentorStatus, OfferStatus
from mentorbot.storage.store import Store
from mentorbot_discord.client import MentorBotClient
from tests.conftest import ENGINES, make_store
from tests.discord.helpers import (
    COMMUNITY,
    COORDINATOR_USER_ID,
    EN,
    GUILD_ID,
    MENTEE_USER_ID,
    MENTOR_USER_ID,
    SECOND_MENTOR_USER_ID,
    SW,
    Members,
    buttons,
    message_text,
)
from tests.discord.test_guild_removed_s32 import offer_to_the_first_mentor, timer_round
from tests.fakes.discord_fake import FakeDiscord

MEMBER_LOOKUP = re.compile(r"^/guilds/\d+/members/\d+$")
OFFER_TIME = timedelta(hours=48, minutes=1)
"""Past an offer's time (48 hours by default)."""


@pytest.fixture(params=ENGINES)
async def store(request: pytest.FixtureRequest, tmp_path: Path, clock: ManualClock) -> AsyncIterator[Store]:
    """The Discord tests' store, here on each engine."""
    async for opened in make_store(request.param, tmp_path):
        await opened.open(clock.now())
        yield opened


def lookups(world: FakeDiscord) -> list[int | None]:
    """What Discord answered each member lookup MentorBot made (an error code, or None for a member)."""
    return [
        (c.response or {}).get("code") if isinstance(c.response, dict) else None
        for c in world.rest_calls
        if c.method == "GET" and MEMBER_LOOKUP.match(c.path)
    ]


async def remove_bot(world: FakeDiscord, client: MentorBotClient, *, tell: bool = True) -> Any:
    """Server A kicks the bot. Its members share server B with it, so their DMs stay open. With `tell`, Discord's
    gateway says so (GUILD_DELETE); without, only a member lookup does ("Unknown Guild": an event this process did not
    get, or for a moment only). The server, to put back."""
    guild = world.world.guilds.pop(GUILD_ID)
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


async def add_bot_again(world: FakeDiscord, client: MentorBotClient, guild: Any) -> None:
    world.world.guilds[GUILD_ID] = guild
    joined = world.world.guild_create_payload(GUILD_ID)
    del joined["unavailable"]  # a server joined, not one coming back from an outage
    await world.dispatch("GUILD_CREATE", joined)
    for _ in range(100):
        if client.get_guild(GUILD_ID) is not None:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the server was not added back")


async def profile_of(bot: MentorBot, user: int) -> Any:
    member = await bot.store.find_member(COMMUNITY, str(user))
    assert member is not None
    return await bot.store.get_mentor_profile(member.id)


async def offer_statuses(bot: MentorBot) -> dict[int, tuple[OfferStatus, str | None]]:
    return {o.id: (o.status, o.reason_kind) for o in await bot.store.list_offers()}


async def test_an_offer_of_a_removed_server_is_held_though_its_mentor_is_still_reachable(
    world: FakeDiscord, members: Members, bot: MentorBot, clock: ManualClock
) -> None:
    """The hunter's repro. A's first offer expires after the removal: its DM (sent before) is edited, its buttons gone.
    The request handed on to the second mentor is not DM'd to them (held), nor, when it expires unread, is its expiry:
    they never hear of an offer from a server the bot is no longer in. It expires as undelivered: no lapse, nobody
    paused. The client knows from its list of servers, so it asks Discord nothing of A's members. Added back, the
    second mentor's next command in A shows what was held."""
    await offer_to_the_first_mentor(members, world)
    [first_offer] = world.dms[MENTOR_USER_ID]
    guild = await remove_bot(world, members.client)
    asked = len(lookups(world))

    await timer_round(members.client, clock, OFFER_TIME)  # A's first offer expires; the request is handed on
    for _ in range(2):
        await timer_round(members.client, clock, timedelta(seconds=30))
    assert SECOND_MENTOR_USER_ID not in world.dms, "no offer DM'd for a server the bot is no longer in"
    edited = world.messages[int(first_offer["id"])]
    assert message_text(edited) == EN("offer.expired_away_notice", id=1)  # session 41: out of the server, no lapse
    assert buttons(edited) == [], "the old offer's DM loses its buttons"
    assert await offer_statuses(bot) == {1: (OfferStatus.EXPIRED, AWAY), 2: (OfferStatus.PENDING, None)}

    await timer_round(members.client, clock, OFFER_TIME)  # the held offer expires unread
    for _ in range(2):
        await timer_round(members.client, clock, timedelta(seconds=30))
    assert SECOND_MENTOR_USER_ID not in world.dms
    assert COORDINATOR_USER_ID not in world.dms
    statuses = await offer_statuses(bot)
    assert statuses[2] == (OfferStatus.EXPIRED, UNDELIVERED), "expired as undelivered: no lapse"
    second = await profile_of(bot, SECOND_MENTOR_USER_ID)
    assert (second.status, second.pause_reason, second.expired_streak) == (MentorStatus.ACTIVE, None, 0)
    assert lookups(world)[asked:] == [], "the client knows it is not in the server: no lookup"

    await add_bot_again(world, members.client, guild)
    status = await members.slash("mentor status", user=SECOND_MENTOR_USER_ID)
    held = [text for text in status.texts if EN("discord.held_notice") in text]
    assert held and EN("offer.expired_unsent_notice", id=2) in held[0], "held for their next command, not lost"


@pytest.mark.parametrize("known", [True, False], ids=["gateway", "lookup"])
@pytest.mark.parametrize(("button", "t"), [(0, EN), (1, SW)], ids=["accept-en", "decline-sw"])
async def test_a_click_on_an_offer_of_a_removed_server_is_refused(
    world: FakeDiscord,
    members: Members,
    bot: MentorBot,
    monkeypatch: pytest.MonkeyPatch,
    known: bool,
    button: int,
    t: Translator,
) -> None:
    """An offer DM'd before the removal, clicked after it (Accept, or Decline in Swahili): refused, to the clicker only,
    in their language; the DM keeps its buttons, the offer stays pending, nobody is introduced. Known from the client's
    servers, or (`lookup`: the server is on another process's shards) from the fresh member lookup's "Unknown Guild"."""
    await offer_to_the_first_mentor(members, world)
    if t is SW:
        await members.slash("mentor language", {"language": "sw"}, user=MENTOR_USER_ID)
    [offer] = world.dms[MENTOR_USER_ID]
    await remove_bot(world, members.client)
    if not known:
        monkeypatch.setattr(members.client, "not_in_guild", lambda guild_id: False)
    asked = len(lookups(world))

    shown = await members.click(offer, buttons(offer)[button]["custom_id"], user=MENTOR_USER_ID, dm=True)
    assert shown.text == t("discord.removed.click_refused")
    assert shown.all_ephemeral
    assert buttons(world.messages[int(offer["id"])]) == buttons(offer), "the DM is left as it was"
    assert await offer_statuses(bot) == {1: (OfferStatus.PENDING, None)}
    assert await bot.store.list_offers(status=OfferStatus.ACCEPTED) == []
    assert MENTEE_USER_ID not in world.dms, "nobody introduced"
    assert lookups(world)[asked:] == ([] if known else [10004])


async def test_a_typed_answer_in_a_server_the_bot_was_removed_from_is_refused(
    world: FakeDiscord, members: Members, bot: MentorBot
) -> None:
    """``/mentor accept`` typed in A, which still has MentorBot's commands (installed on their own) but no longer the
    bot: refused with the same line; the offer stays pending."""
    await offer_to_the_first_mentor(members, world)
    payload = world.build.slash("mentor accept", {"offer": 1}, user_id=MENTOR_USER_ID)
    await remove_bot(world, members.client)

    shown = await members.shown(await world.push_interaction(payload))
    assert shown.text == EN("discord.removed.click_refused")
    assert await offer_statuses(bot) == {1: (OfferStatus.PENDING, None)}
    assert MENTEE_USER_ID not in world.dms


async def test_unknown_guild_for_a_moment_delays_an_offer_by_one_retry(
    world: FakeDiscord, members: Members, bot: MentorBot, clock: ManualClock
) -> None:
    """Discord answers a member lookup "Unknown Guild" once for a server the bot is in (its gateway never said it was
    removed): the offer is not held for its whole life on that word, it is tried again, and goes out the next round.
    A click on it while Discord says so again is taken: the client's own list of servers has the server."""
    await offer_to_the_first_mentor(members, world)
    guild = await remove_bot(world, members.client, tell=False)  # REST says "Unknown Guild"; the gateway nothing

    await timer_round(members.client, clock, OFFER_TIME)  # the request is handed on to the second mentor
    assert SECOND_MENTOR_USER_ID not in world.dms, "not sent on that answer"
    assert lookups(world)[-1] == 10004
    world.world.guilds[GUILD_ID] = guild  # Discord answers as before
    await timer_round(members.client, clock, timedelta(minutes=1))
    [offer] = world.dms[SECOND_MENTOR_USER_ID]
    assert EN("offer.title", id=2) in message_text(offer)
    assert [b["label"] for b in buttons(offer)][:2] == [EN("offer.accept"), EN("offer.decline")]

    world.world.guilds.pop(GUILD_ID)
    shown = await members.click(offer, buttons(offer)[0]["custom_id"], user=SECOND_MENTOR_USER_ID, dm=True)
    world.world.guilds[GUILD_ID] = guild
    assert shown.text != EN("discord.removed.click_refused")
    assert (await offer_statuses(bot))[2][0] is OfferStatus.ACCEPTED
    second = await profile_of(bot, SECOND_MENTOR_USER_ID)
    assert (second.status, second.pause_reason) == (MentorStatus.ACTIVE, None)


async def test_said_only_by_lookups_the_offer_is_tried_then_held(
    world: FakeDiscord, members: Members, bot: MentorBot, clock: ManualClock
) -> None:
    """Removed, and this process never told (an event it did not get; the server on another process's shards): each
    try of the offer asks Discord, which keeps answering "Unknown Guild"; after the last try (`delivery_attempts`) it
    is held. It expires as undelivered, nobody paused, and the second mentor never got a DM of A's."""
    await offer_to_the_first_mentor(members, world)
    await remove_bot(world, members.client, tell=False)
    asked = len(lookups(world))

    await timer_round(members.client, clock, OFFER_TIME)
    for _ in range(bot.settings.delivery_attempts + 1):
        await timer_round(members.client, clock, timedelta(minutes=40))  # past each retry's wait (≤ 36 minutes)
    assert lookups(world)[asked:] == [10004] * bot.settings.delivery_attempts, "asked again at each try, then held"
    assert SECOND_MENTOR_USER_ID not in world.dms

    await timer_round(members.client, clock, OFFER_TIME)
    await timer_round(members.client, clock, timedelta(seconds=30))
    assert (await offer_statuses(bot))[2] == (OfferStatus.EXPIRED, UNDELIVERED)
    assert SECOND_MENTOR_USER_ID not in world.dms
    second = await profile_of(bot, SECOND_MENTOR_USER_ID)
    assert (second.status, second.pause_reason, second.expired_streak) == (MentorStatus.ACTIVE, None, 0)
