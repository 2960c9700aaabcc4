"""One member in two servers of one MentorBot: every DM names the server it comes from, end to end through the fake
Discord, on both engines.

Discord puts every DM from the bot to one user in a single DM channel, whatever server it is about. A hunt found a
member of two servers getting both servers' offers, introductions, expiries and notices there, none naming its server:
"Mentorship offer #1" from A and "#2" from B looked alike. Now, when the bot is in more than one server (as this
process knows them), a DM names its server: at the end of the plain content line of an embed reply ("Mentorship
offer #1 · <@mentee> · from **Server A**"), as the first line of a plain-text one. The name comes from Discord's
gateway (GUILD_CREATE); markdown in it is shown as typed, and it never pushes a message past Discord's limits. A server
this process does not know by name (on another process's shards) is named by its id. With one server, DMs are as
before.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import Translator
from mentorbot.replies import Field, Reply
from mentorbot.storage.store import Store
from mentorbot_discord.client import MentorBotClient
from mentorbot_discord.render import CONTENT_LIMIT, Server, render
from tests.conftest import ENGINES, make_store
from tests.discord.helpers import (
    EN,
    GUILD_ID,
    MENTEE_USER_ID,
    MENTOR_USER_ID,
    SW,
    Members,
    buttons,
    message_text,
)
from tests.discord.test_guild_removed_s32 import timer_round
from tests.fakes.discord_fake import FakeDiscord
from tests.fakes.discord_models import BOT_USER_ID, EVERYONE_PERMISSIONS, FakeChannel, FakeGuild, FakeMember, FakeRole

GUILD_B = 1_200_000_000_000_000_900
A_NAME = "Marketing Mentors"
B_NAME = "Design_Club *Nairobi*"
B_SHOWN = r"Design\_Club \*Nairobi\*"
"""Server B's name as the DM shows it: its markdown escaped, so it reads as typed (no italics, no bold cut short)."""
SIGNUP = {"skills": "crisis-communications", "levels": "expert", "timezone": "Africa/Nairobi"}
OFFER_TIME = timedelta(hours=48, minutes=1)
MENTEE = f"<@{MENTEE_USER_ID}>"


def expired_notice(t: Translator, offer: int) -> str:
    """The expiry notice of an offer made to the only mentor of its server: the request waits, they may take it."""
    return t("offer.expired_waiting", id=offer) + " " + t("offer.take_it_after_all", id=offer)


@pytest.fixture(params=ENGINES)
async def store(request: pytest.FixtureRequest, tmp_path: Path, clock: ManualClock) -> AsyncIterator[Store]:
    """The Discord tests' store, here on each engine."""
    async for opened in make_store(request.param, tmp_path):
        await opened.open(clock.now())
        yield opened


@pytest.fixture
def two_servers(world: FakeDiscord) -> FakeDiscord:
    """The bot in a second server, B, whose members include the mentor and the mentee of server A. Requested before
    `members`, so the client connects with both (its gateway sends a GUILD_CREATE for each)."""
    world.world.add_guild(
        FakeGuild(
            id=GUILD_B,
            name=B_NAME,
            owner_id=MENTEE_USER_ID,
            roles=[FakeRole(GUILD_B, "@everyone", EVERYONE_PERMISSIONS, position=0)],
            channels=[FakeChannel(GUILD_B + 1, "general", position=0)],
            members=[FakeMember(BOT_USER_ID), FakeMember(MENTOR_USER_ID), FakeMember(MENTEE_USER_ID)],
        )
    )
    return world


async def in_b(world: FakeDiscord, members: Members, path: str, options: dict[str, Any], user: int) -> None:
    """Run a slash command in server B as `user`."""
    await members.shown(await world.push_interaction(world.build.slash(path, options, user_id=user, guild_id=GUILD_B)))


async def offers_from_both(world: FakeDiscord, members: Members) -> list[dict[str, Any]]:
    """The mentor signs up in A and in B (in Swahili there), the mentee asks in both: the mentor's two offer DMs,
    A's first."""
    assert {guild.id for guild in members.client.guilds} == {GUILD_ID, GUILD_B}
    await members.slash("mentor signup", SIGNUP, user=MENTOR_USER_ID)
    await in_b(world, members, "mentor language", {"language": "sw"}, MENTOR_USER_ID)
    await in_b(world, members, "mentor signup", SIGNUP, MENTOR_USER_ID)
    await members.slash("mentor request", {"skills": "crisis-communications"})
    await in_b(world, members, "mentor request", {"skills": "crisis-communications"}, MENTEE_USER_ID)
    return await members.dms(MENTOR_USER_ID, count=2)


async def test_a_member_of_two_servers_gets_two_offers_that_each_name_their_server(
    two_servers: FakeDiscord, members: Members, clock: ManualClock
) -> None:
    """The hunter's repro. Each offer's content line ends with its server, in the reader's language there; the offers'
    buttons are as before. When they expire, each DM (edited into plain text) starts with its server."""
    world = two_servers
    offer_a, offer_b = await offers_from_both(world, members)

    assert offer_a["content"] == f"{EN('offer.title', id=1)} · {MENTEE} · {EN('discord.server.from', name=A_NAME)}"
    assert offer_b["content"] == f"{SW('offer.title', id=2)} · {MENTEE} · {SW('discord.server.from', name=B_SHOWN)}"
    assert [b["custom_id"] for b in buttons(offer_a)] == [
        f"mentorbot:offer.{a}:1:{GUILD_ID}" for a in ("accept", "decline")
    ]
    assert [b["custom_id"] for b in buttons(offer_b)] == [
        f"mentorbot:offer.{a}:2:{GUILD_B}" for a in ("accept", "decline")
    ]

    await timer_round(members.client, clock, OFFER_TIME)
    expired_a, expired_b = (world.messages[int(offer["id"])] for offer in (offer_a, offer_b))
    assert message_text(expired_a) == f"{EN('discord.server.from_line', name=A_NAME)}\n{expired_notice(EN, 1)}"
    assert message_text(expired_b) == f"{SW('discord.server.from_line', name=B_SHOWN)}\n{expired_notice(SW, 2)}"
    assert buttons(expired_a) == buttons(expired_b) == []


async def test_an_accepted_offer_and_its_introductions_name_their_server(
    two_servers: FakeDiscord, members: Members
) -> None:
    """Accepted from its DM, A's offer turns into the answer, still naming A; both introductions name A."""
    world = two_servers
    offer_a, offer_b = await offers_from_both(world, members)

    await members.click(offer_a, buttons(offer_a)[0]["custom_id"], user=MENTOR_USER_ID, dm=True)

    from_a = EN("discord.server.from", name=A_NAME)
    assert world.messages[int(offer_a["id"])]["content"] == f"{EN('offer.title', id=1)} · {from_a}"
    [intro_to_mentee] = await members.dms(MENTEE_USER_ID)
    [intro_to_mentor] = [
        m for m in await members.dms(MENTOR_USER_ID, count=3) if m["id"] not in (offer_a["id"], offer_b["id"])
    ]
    for intro in (intro_to_mentee, intro_to_mentor):
        assert intro["content"].startswith(EN("intro.title")) and intro["content"].endswith(f" · {from_a}")


async def test_an_answer_sent_by_dm_and_its_held_notices_name_their_server(
    two_servers: FakeDiscord, members: Members, monkeypatch: pytest.MonkeyPatch, clock: ManualClock
) -> None:
    """The mentor's DMs were closed when B's offer came: refused, it paused them, and what that said was held for
    them. Open again, they type a command in B that Discord no longer takes an answer to (its inbox write outlasted
    the 3 seconds): the answer goes by DM, its first line naming B, then the line saying why; the held notices follow,
    naming B too."""
    world = two_servers
    await in_b(world, members, "mentor signup", SIGNUP, MENTOR_USER_ID)
    world.close_dms(MENTOR_USER_ID)
    await in_b(world, members, "mentor request", {"skills": "crisis-communications"}, MENTEE_USER_ID)
    await timer_round(members.client, clock, timedelta(seconds=1))
    world.close_dms(MENTOR_USER_ID, closed=False)
    world.rest.interaction_deadline = 1.5  # Discord's 3 seconds, halved (as tests/discord/test_slow_database.py)
    members.client.defer_after = 1.0
    original = MentorBot.record_event

    async def slow_record(self: MentorBot, *args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(1.7)
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(MentorBot, "record_event", slow_record)
    payload = world.build.slash("mentor language", {"language": "sw"}, user_id=MENTOR_USER_ID, guild_id=GUILD_B)
    record = await world.push_interaction(payload)
    await members._handled(record)

    answer, *held = await members.dms(MENTOR_USER_ID, count=3)
    from_b = SW("discord.server.from_line", name=B_SHOWN)
    assert message_text(answer) == f"{from_b}\n{SW('discord.slow_answer')}\n{SW('language.set')}"
    assert len(held) == 2  # the pause, the offer withdrawn: each under the server, then the line saying why
    assert all(message_text(m).startswith(f"{from_b}\n{SW('discord.held_notice')}\n") for m in held), held


async def test_a_server_the_bot_was_removed_from_is_still_named(
    two_servers: FakeDiscord, members: Members, clock: ManualClock
) -> None:
    """B removes the bot after its offer went out: the offer's later version (its expiry) still edits its DM, and names
    B as the gateway last gave it."""
    world = two_servers
    _, offer_b = await offers_from_both(world, members)
    world.world.guilds.pop(GUILD_B)
    await world.dispatch("GUILD_DELETE", {"id": str(GUILD_B)})
    for _ in range(100):
        if members.client.get_guild(GUILD_B) is None:
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)  # discord.py runs `on_guild_remove` as a task of its own
    for _ in range(200):  # which records the outage (session 41) in a write of its own
        if f"discord:{GUILD_B}" in await members.client.bot.store.communities_out("discord:"):
            break
        await asyncio.sleep(0.01)

    await timer_round(members.client, clock, OFFER_TIME)
    expired_b = world.messages[int(offer_b["id"])]
    # Session 41: it expired while the bot was out of B, so it is no lapse and says so (no "take it after all").
    away = SW("offer.expired_away_waiting", id=2)
    assert message_text(expired_b) == f"{SW('discord.server.from_line', name=B_SHOWN)}\n{away}"


async def test_a_server_this_process_does_not_know_is_named_by_its_id(
    two_servers: FakeDiscord, members: Members, monkeypatch: pytest.MonkeyPatch
) -> None:
    """B is on another process's shards: this process has no name for it, so its DMs give its id."""
    world = two_servers
    client: MentorBotClient = members.client
    known = client.get_guild
    monkeypatch.setattr(client, "get_guild", lambda guild_id: None if guild_id == GUILD_B else known(guild_id))
    monkeypatch.setattr(client, "not_in_guild", lambda guild_id: False)  # another shard's: not known to be gone
    await members.slash("mentor signup", SIGNUP, user=MENTOR_USER_ID)
    await in_b(world, members, "mentor signup", SIGNUP, MENTOR_USER_ID)
    await in_b(world, members, "mentor request", {"skills": "crisis-communications"}, MENTEE_USER_ID)

    [offer_b] = await members.dms(MENTOR_USER_ID)
    assert offer_b["content"] == f"{EN('offer.title', id=1)} · {MENTEE} · {EN('discord.server.from_id', id=GUILD_B)}"


async def test_with_one_server_dms_are_unchanged(world: FakeDiscord, members: Members, clock: ManualClock) -> None:
    """The bot in one server: no DM names it (the content line is the title and the mention, as before; a plain DM is
    the notice alone)."""
    assert [guild.id for guild in members.client.guilds] == [GUILD_ID]
    await members.slash("mentor signup", SIGNUP, user=MENTOR_USER_ID)
    await members.slash("mentor request", {"skills": "crisis-communications"})
    [offer] = await members.dms(MENTOR_USER_ID)
    assert offer["content"] == f"{EN('offer.title', id=1)} · {MENTEE}"

    await timer_round(members.client, clock, OFFER_TIME)
    assert message_text(world.messages[int(offer["id"])]) == expired_notice(EN, 1)


# ------------------------------------------------------------------------------------------- render()


LONGEST_NAME = "*_`~|" * 20
"""A server name of Discord's longest (100 characters), all markdown: escaped, twice as long."""


def test_the_server_is_never_cut_nor_pushes_a_message_past_discords_limits() -> None:
    """A title of Discord's longest, a reply mentioning a hundred members, a plain text just under the content limit:
    the server's phrase is whole at the end of the content line, or the first line of the text; the content stays
    within 2,000 characters (mentions that no longer fit are left out, a text that no longer fits goes as an embed)."""
    server = Server(GUILD_B, LONGEST_NAME)
    shown = "".join(f"\\{c}" for c in LONGEST_NAME)
    mentions = " ".join(f"<@{1_200_000_000_000_001_000 + i}>" for i in range(100))
    reply = Reply(mentions, title="T" * 300, fields=(Field("Bio", "x"),))
    [titled] = render(reply, server=server, preface="Held for you:")
    assert titled.content is not None and len(titled.content) <= CONTENT_LIMIT
    assert titled.content.endswith(" · " + EN("discord.server.from", name=shown))
    assert titled.content.startswith("Held for you:\n" + "T" * 200)

    text = "x" * (CONTENT_LIMIT - 10)
    [long_plain] = render(Reply(text), server=server)
    assert long_plain.content is not None and len(long_plain.content) <= CONTENT_LIMIT
    assert long_plain.content == EN("discord.server.from_line", name=shown) + "\n" + "x" * 149 + "…"
    assert long_plain.embeds[0].description == text
    [short_plain] = render(Reply("Hello"), server=server, lang="sw")
    assert short_plain.content == f"{SW('discord.server.from_line', name=shown)}\nHello"


def test_a_server_name_cannot_mention_anyone() -> None:
    """A server named like a mention is shown as text: Discord would otherwise resolve it (members may be
    mentioned in MentorBot's content)."""
    [message] = render(Reply("Hi", title="Offer"), server=Server(GUILD_B, "<@1200000000000000201> @everyone"))
    assert message.content is not None
    assert "<@1200000000000000201>" not in message.content and "@everyone" not in message.content
    [unnamed] = render(Reply("Hi"), server=Server(GUILD_B, None))
    assert unnamed.content == f"{EN('discord.server.from_id_line', id=GUILD_B)}\nHi"
