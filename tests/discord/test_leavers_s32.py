"""Members who left the server, end to end through the fake Discord. MentorBot has no members intent, so no event
says someone left; it asks Discord (``GET /guilds/{guild}/members/{user}``: 404, code 10007, "Unknown Member") when
a DM to them is refused, before an offer goes out to its mentor, and when a DM's offer button is clicked, and then
records the departure (`MentorBot.member_left`): nobody is matched with a member who is gone, a mentor who left
cannot accept from an old DM, and a mentor who left one server but shares another stops getting its offers. Also:
an offer DM answered by a click or command that a restart recovered loses its buttons, as a live one does."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from typing import Any

import pytest

from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from mentorbot.models import MentorStatus, OfferStatus, RequestStatus
from mentorbot.replies import Notification
from mentorbot_discord.client import MentorBotClient
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
    sign_up_mentor,
)
from tests.discord.test_inbox import Crash, crash  # noqa: F401  (the fixture)
from tests.fakes.discord_fake import FakeDiscord
from tests.fakes.discord_models import BOT_USER_ID, EVERYONE_PERMISSIONS, FakeChannel, FakeGuild, FakeMember, FakeRole

MEMBER_LOOKUP = re.compile(r"^/guilds/\d+/members/\d+$")
SIGNUP = {"skills": "crisis-communications", "levels": "expert", "timezone": "Africa/Nairobi"}
GUILD_B = 1_200_000_000_000_000_900


def leave(world: FakeDiscord, user: int, guild: int = GUILD_ID, *, dms_closed: bool = True) -> None:
    """`user` leaves `guild`; sharing no other server with the bot, Discord refuses every DM to them (50007)."""
    server = world.world.guild(guild)
    server.members = [m for m in server.members if m.user_id != user]
    if dms_closed:
        world.close_dms(user)


def lookups(world: FakeDiscord, user: int | None = None) -> list[tuple[str, int | None]]:
    """The member lookups MentorBot made (of `user`), with what Discord answered."""
    return [
        (c.path, (c.response or {}).get("code") if isinstance(c.response, dict) else None)
        for c in world.rest_calls
        if c.method == "GET" and MEMBER_LOOKUP.match(c.path) and (user is None or c.path.endswith(f"/{user}"))
    ]


async def timer_round(client: MentorBotClient, clock: ManualClock) -> list[Notification]:
    """One round of the timer loop a moment later: claim what waits in the outbox, deliver it."""
    clock.advance(timedelta(seconds=1))
    notes = await client.bot.undelivered(communities=["discord:"])
    await client.deliver(notes)
    return notes


async def profile_of(bot: MentorBot, user: int, community: str = COMMUNITY) -> Any:
    member = await bot.store.find_member(community, str(user))
    assert member is not None
    return await bot.store.get_mentor_profile(member.id)


async def requests_of(bot: MentorBot, user: int) -> list[RequestStatus]:
    member = await bot.store.find_member(COMMUNITY, str(user))
    assert member is not None
    return [r.status for r in await bot.store.list_member_requests(member.id)]


async def test_the_waiting_request_of_a_mentee_who_left_is_not_matched(
    world: FakeDiscord, members: Members, bot: MentorBot, clock: ManualClock
) -> None:
    """The hunter's case (a): the mentee asks, waits, leaves; a mentor signs up. The request used to be offered and
    accepted, the introduction to the mentee refused and held, and the mentor kept a place for a ghost. Now the
    first refused DM to the mentee (their request is offered) asks Discord, which says they are gone: the request
    is cancelled and the offer withdrawn before the mentor can accept it."""
    await members.slash("mentor request", {"skills": "crisis-communications"})
    leave(world, MENTEE_USER_ID)

    await members.slash("mentor signup", SIGNUP, user=MENTOR_USER_ID)
    [offer] = await members.dms(MENTOR_USER_ID)
    assert lookups(world, MENTEE_USER_ID) == [(f"/guilds/{GUILD_ID}/members/{MENTEE_USER_ID}", 10007)]
    assert await requests_of(bot, MENTEE_USER_ID) == [RequestStatus.CANCELLED]

    await timer_round(members.client, clock)
    now = world.messages[int(offer["id"])]
    assert message_text(now) == EN("offer.withdrawn", id=1), "the offer's DM is replaced"
    assert buttons(now) == []
    status = await members.slash("mentor status", user=MENTOR_USER_ID)
    assert "Places: 0 of 2 taken" in status.text
    assert MENTEE_USER_ID not in world.dms


async def test_the_mentor_of_a_mentee_who_left_is_told_when_the_introduction_is_refused(
    world: FakeDiscord, members: Members, bot: MentorBot, clock: ManualClock
) -> None:
    await members.slash("mentor signup", SIGNUP, user=MENTOR_USER_ID)
    await members.slash("mentor request", {"skills": "crisis-communications"})
    [offer] = await members.dms(MENTOR_USER_ID)
    leave(world, MENTEE_USER_ID)

    await members.click(offer, buttons(offer)[0]["custom_id"], user=MENTOR_USER_ID, dm=True)
    assert EN("offer.accepted", id=1) in message_text(world.messages[int(offer["id"])])
    await members.dms(MENTOR_USER_ID, count=2)  # the mentor's introduction
    assert lookups(world, MENTEE_USER_ID) == [(f"/guilds/{GUILD_ID}/members/{MENTEE_USER_ID}", 10007)]

    await timer_round(members.client, clock)
    told = message_text(world.dms[MENTOR_USER_ID][-1])
    other = f"<@{MENTEE_USER_ID}>"
    assert told == "\n".join([EN("left.your_mentee", id=1, other=other), EN("left.end_it", id=1)])
    assert await timer_round(members.client, clock) == [], "told once"

    await members.slash("mentor end", {"mentorship": 1}, user=MENTOR_USER_ID)
    status = await members.slash("mentor status", user=MENTOR_USER_ID)
    assert "Places: 0 of 2 taken" in status.text


async def test_a_mentor_who_left_cannot_accept_from_an_old_offer_dm(
    world: FakeDiscord, members: Members, bot: MentorBot, clock: ManualClock
) -> None:
    """The hunter's case (b): the click carries the server in its custom id, and nothing checked that the clicker
    is still in it; the mentee was introduced to someone no longer in the server."""
    await members.slash("mentor signup", SIGNUP, user=MENTOR_USER_ID)
    await members.slash("mentor request", {"skills": "crisis-communications"})
    [offer] = await members.dms(MENTOR_USER_ID)
    leave(world, MENTOR_USER_ID)

    clicked = await members.click(offer, buttons(offer)[0]["custom_id"], user=MENTOR_USER_ID, dm=True)

    assert clicked.text == EN("left.click_refused")
    assert clicked.all_ephemeral
    assert await requests_of(bot, MENTEE_USER_ID) == [RequestStatus.WAITING]
    profile = await profile_of(bot, MENTOR_USER_ID)
    assert profile.status is MentorStatus.PAUSED and profile.pause_reason == "left"
    [withdrawn] = await bot.store.list_offers(status=OfferStatus.WITHDRAWN)
    assert withdrawn.id == 1
    assert await bot.store.count_unprocessed() == 0, "a refused click is not recorded"

    await timer_round(members.client, clock)
    texts = [message_text(m) for m in world.dms.get(MENTEE_USER_ID, [])]
    assert not any("agreed to mentor you" in t for t in texts), "no introduction to someone who left"
    status = await members.slash("mentor status")
    assert "Active mentorships\nnone" in status.text


async def test_the_refusal_of_a_click_is_in_the_members_language(world: FakeDiscord, members: Members) -> None:
    await members.slash("mentor signup", SIGNUP, user=MENTOR_USER_ID)
    await members.slash("mentor language", {"language": "sw"}, user=MENTOR_USER_ID)
    await members.slash("mentor request", {"skills": "crisis-communications"})
    [offer] = await members.dms(MENTOR_USER_ID)
    leave(world, MENTOR_USER_ID)

    clicked = await members.click(offer, buttons(offer)[0]["custom_id"], user=MENTOR_USER_ID, dm=True)

    assert clicked.text == SW("left.click_refused")


async def test_a_member_still_in_the_server_clicks_as_before(
    world: FakeDiscord, members: Members, bot: MentorBot
) -> None:
    """A member's click is asked about afresh (one lookup), then accepted as always."""
    await members.slash("mentor signup", SIGNUP, user=MENTOR_USER_ID)
    await members.slash("mentor request", {"skills": "crisis-communications"})
    [offer] = await members.dms(MENTOR_USER_ID)
    before = len(lookups(world, MENTOR_USER_ID))

    await members.click(offer, buttons(offer)[0]["custom_id"], user=MENTOR_USER_ID, dm=True)

    assert EN("offer.accepted", id=1) in message_text(world.messages[int(offer["id"])])
    assert len(lookups(world, MENTOR_USER_ID)) == before + 1
    assert await requests_of(bot, MENTEE_USER_ID) == [RequestStatus.MATCHED]


async def test_a_lookup_discord_cannot_answer_changes_nothing(
    world: FakeDiscord, members: Members, bot: MentorBot
) -> None:
    """A 503 (or any answer but "Unknown Member") is "unknown": the offer goes out as before."""
    await members.slash("mentor signup", SIGNUP, user=MENTOR_USER_ID)
    world.fail_next("GET", r"/guilds/\d+/members/\d+", status=503)
    await members.slash("mentor request", {"skills": "crisis-communications"})
    [offer] = await members.dms(MENTOR_USER_ID)
    assert [b["label"] for b in buttons(offer)] == ["Accept", "Decline"]
    profile = await profile_of(bot, MENTOR_USER_ID)
    assert profile.status is MentorStatus.ACTIVE


async def test_a_members_lookup_is_kept_for_five_minutes(
    world: FakeDiscord, members: Members, bot: MentorBot, clock: ManualClock
) -> None:
    """Ordinary traffic adds few REST calls: a "still a member" answer is trusted for five minutes."""
    await members.slash("mentor signup", SIGNUP | {"capacity": 3}, user=MENTOR_USER_ID)
    await members.slash("mentor request", {"skills": "crisis comms"})
    await members.slash("mentor request", {"skills": "crisis comms"}, user=SECOND_MENTOR_USER_ID)
    await members.dms(MENTOR_USER_ID, count=2)
    assert len(lookups(world, MENTOR_USER_ID)) == 1, "two offers, one lookup"

    clock.advance(timedelta(minutes=6))
    await members.slash("mentor request", {"skills": "crisis comms"}, user=COORDINATOR_USER_ID)
    await members.dms(MENTOR_USER_ID, count=3)
    assert len(lookups(world, MENTOR_USER_ID)) == 2, "asked again once the answer is old"


@pytest.fixture
def two_guilds(world: FakeDiscord) -> FakeDiscord:
    """The bot in a second server too, where the mentor and the mentee are also members."""
    world.world.add_guild(
        FakeGuild(
            id=GUILD_B,
            name="Second Server",
            owner_id=MENTEE_USER_ID,
            roles=[FakeRole(GUILD_B, "@everyone", EVERYONE_PERMISSIONS, position=0)],
            channels=[FakeChannel(GUILD_B + 1, "general", position=0)],
            members=[FakeMember(BOT_USER_ID), FakeMember(MENTOR_USER_ID), FakeMember(MENTEE_USER_ID)],
        )
    )
    return world


async def test_a_mentor_who_left_one_server_but_shares_another_gets_none_of_its_offers(
    two_guilds: FakeDiscord, members: Members, bot: MentorBot, clock: ManualClock
) -> None:
    """The hunter's case (c): Discord refuses a DM only when the bot shares no server with the user, so a mentor
    who left (or was banned from) server A but is in server B kept getting A's offers and could accept them."""
    world = two_guilds
    await members.slash("mentor signup", SIGNUP, user=MENTOR_USER_ID)
    leave(world, MENTOR_USER_ID, dms_closed=False)  # still in server B: DMs reach them

    await members.slash("mentor request", {"skills": "crisis-communications"})

    assert lookups(world, MENTOR_USER_ID) == [(f"/guilds/{GUILD_ID}/members/{MENTOR_USER_ID}", 10007)]
    assert not any(buttons(m) for m in world.dms.get(MENTOR_USER_ID, [])), "no offer of server A reached them"
    profile = await profile_of(bot, MENTOR_USER_ID)
    assert profile.status is MentorStatus.PAUSED and profile.pause_reason == "left"
    assert await requests_of(bot, MENTEE_USER_ID) == [RequestStatus.WAITING]

    await timer_round(members.client, clock)
    texts = [message_text(m) for m in world.dms.get(MENTOR_USER_ID, [])]
    server = EN("discord.server.from_line", name="Marketing Mentors")  # two servers: each DM names its own (s33)
    assert texts[0] == "\n".join([server, EN("left.you_left"), "• " + EN("left.you_paused")])
    assert not any(buttons(m) for m in world.dms.get(MENTOR_USER_ID, []))


async def test_a_mentor_who_left_one_server_cannot_accept_its_offer_from_the_dm(
    two_guilds: FakeDiscord, members: Members, bot: MentorBot, clock: ManualClock
) -> None:
    """The offer went out while they were a member; they leave server A (still in B, DMs work) and click Accept."""
    world = two_guilds
    await members.slash("mentor signup", SIGNUP, user=MENTOR_USER_ID)
    await members.slash("mentor request", {"skills": "crisis-communications"})
    [offer] = await members.dms(MENTOR_USER_ID)
    leave(world, MENTOR_USER_ID, dms_closed=False)

    clicked = await members.click(offer, buttons(offer)[0]["custom_id"], user=MENTOR_USER_ID, dm=True)

    assert clicked.text == EN("left.click_refused")
    assert MENTEE_USER_ID not in world.dms, "A's mentee is not introduced to someone who left A"
    await timer_round(members.client, clock)
    now = world.messages[int(offer["id"])]
    server = EN("discord.server.from_line", name="Marketing Mentors")  # two servers: each DM names its own (s33)
    assert message_text(now) == "\n".join([server, EN("left.offer_withdrawn", id=1)]) and buttons(now) == []


async def test_an_offer_dm_loses_its_buttons_when_a_restart_recovers_the_click(
    world: FakeDiscord,
    members: Members,
    crash: Crash,  # noqa: F811
) -> None:
    """Issue B: the restarted process applied the recovered Accept and answered by DM, but the offer DM kept its
    Accept / Decline buttons."""
    await sign_up_mentor(members)
    await members.slash("mentor request", {"skills": "crisis comms"})
    [offer] = await members.dms(MENTOR_USER_ID)
    accept = buttons(offer)[0]["custom_id"]
    await crash.lose(world.build.button(accept, message=offer, user_id=MENTOR_USER_ID, dm=True), defer=False)

    await crash.recover()

    now = world.messages[int(offer["id"])]
    assert buttons(now) == [], "the offer's DM is turned into the answer"
    assert EN("offer.accepted", id=1) in message_text(now)


async def test_an_offer_dm_loses_its_buttons_when_a_restart_shows_the_stored_answer(
    world: FakeDiscord,
    members: Members,
    crash: Crash,  # noqa: F811
    client: MentorBotClient,
) -> None:
    """The Decline committed, then the process died before the clicked message was updated: the restarted one
    shows the stored answer, and the offer DM turns into it."""
    await sign_up_mentor(members)
    await members.slash("mentor request", {"skills": "crisis comms"})
    [offer] = await members.dms(MENTOR_USER_ID)
    died = asyncio.Event()

    async def killed(*_args: object, **_kwargs: object) -> None:
        died.set()
        raise asyncio.CancelledError  # the process ends after the commit, before the member saw the answer

    crash.monkeypatch.setattr(client, "_update", killed)
    await world.push_interaction(
        world.build.button(buttons(offer)[1]["custom_id"], message=offer, user_id=MENTOR_USER_ID, dm=True)
    )
    await asyncio.wait_for(died.wait(), 5.0)
    await client.close()
    crash.monkeypatch.undo()

    await crash.recover()

    now = world.messages[int(offer["id"])]
    assert buttons(now) == []
    assert EN("offer.declined_waiting", id=1) in message_text(now), "the only mentor: back on the waitlist"


async def test_an_offer_dm_loses_its_buttons_when_a_restart_recovers_a_mentor_accept_command(
    world: FakeDiscord,
    members: Members,
    crash: Crash,  # noqa: F811
) -> None:
    await sign_up_mentor(members)
    await members.slash("mentor request", {"skills": "crisis comms"})
    [offer] = await members.dms(MENTOR_USER_ID)
    await crash.lose(world.build.slash("mentor accept", {"offer": 1}, user_id=MENTOR_USER_ID), defer=True)

    await crash.recover()

    now = world.messages[int(offer["id"])]
    assert buttons(now) == []
    assert EN("offer.accepted", id=1) in message_text(now)
