"""The bot removed from a Discord server (session 41, reproductions under /tmp/hunt/uninstall/discord).

Before: the offers a mentor had when the bot was removed, which they could no longer answer (Accept refused:
`_removed_refusal`), expired as counted lapses: rows of ``offer_lapses``, the streak up, the mentor auto-paused, and
each notice offered "take it after all" with a command the bot refused. And once the bot was added back, an offer held
meanwhile was never sent: the request stalled until its deadline. Now GUILD_DELETE records the outage
(`MentorBot.community_lost`) and GUILD_CREATE ends it (`MentorBot.community_back`), sending the held offers.
"""

from __future__ import annotations

from datetime import timedelta

from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from mentorbot.models import OfferStatus
from tests.discord.helpers import (
    COORDINATOR_USER_ID,
    EN,
    MENTEE_USER_ID,
    MENTOR_USER_ID,
    SECOND_MENTOR_USER_ID,
    Members,
    buttons,
    message_text,
)
from tests.discord.test_guild_removed_s32 import offer_to_the_first_mentor, profile_of, timer_round
from tests.discord.test_removed_server_s33 import add_bot_again, offer_statuses, remove_bot
from tests.fakes.discord_fake import FakeDiscord

SIGNUP = {"skills": "crisis-communications", "levels": "expert", "timezone": "Africa/Nairobi", "capacity": 3}


async def test_offers_the_mentor_could_not_answer_are_no_lapses(
    world: FakeDiscord, members: Members, bot: MentorBot, clock: ManualClock
) -> None:
    await members.slash("mentor signup", SIGNUP, user=MENTOR_USER_ID)
    for mentee in (MENTEE_USER_ID, SECOND_MENTOR_USER_ID, COORDINATOR_USER_ID):
        await members.slash("mentor request", {"skills": "crisis-communications"}, user=mentee)
    offers = world.dms[MENTOR_USER_ID]
    assert len(offers) == 3
    await remove_bot(world, members.client)
    clock.advance(timedelta(hours=1))
    shown = await members.click(offers[0], buttons(offers[0])[0]["custom_id"], user=MENTOR_USER_ID, dm=True)
    assert "no longer in the server" in shown.text
    await timer_round(members.client, clock, timedelta(hours=47, seconds=5))
    for _ in range(3):
        await timer_round(members.client, clock, timedelta(seconds=30))
    assert {s for s, _ in (await offer_statuses(bot)).values()} == {OfferStatus.EXPIRED}
    async with bot.store.read() as conn:
        assert await conn.fetch_all("SELECT * FROM offer_lapses") == []
    profile = await profile_of(bot, MENTOR_USER_ID)
    assert (profile.status.value, profile.expired_streak) == ("active", 0)
    for n, offer in enumerate(offers, start=1):
        edited = message_text(world.messages[int(offer["id"])])
        assert edited == EN("offer.expired_away_waiting", id=n), "no take it after all: it would be refused"


async def test_a_mentor_with_two_lapses_is_not_paused_for_an_offer_of_a_removed_server(
    world: FakeDiscord, members: Members, bot: MentorBot, clock: ManualClock
) -> None:
    await members.slash("mentor signup", SIGNUP, user=MENTOR_USER_ID)
    await members.slash("mentor request", {"skills": "crisis-communications"}, user=MENTEE_USER_ID)
    for _ in range(25):
        await timer_round(members.client, clock, timedelta(hours=1))
    await members.slash("mentor request", {"skills": "crisis-communications"}, user=SECOND_MENTOR_USER_ID)
    for _ in range(25):
        await timer_round(members.client, clock, timedelta(hours=1))
    await members.slash("mentor request", {"skills": "crisis-communications"}, user=COORDINATOR_USER_ID)
    assert (await profile_of(bot, MENTOR_USER_ID)).expired_streak == 1
    await remove_bot(world, members.client)
    for _ in range(60):
        await timer_round(members.client, clock, timedelta(hours=1))
    profile = await profile_of(bot, MENTOR_USER_ID)
    assert (profile.status.value, profile.expired_streak) == ("active", 1)
    assert not any("paused your mentor profile" in message_text(m) for m in world.dms[MENTOR_USER_ID])


async def test_added_back_the_offer_held_meanwhile_goes_out(
    world: FakeDiscord, members: Members, bot: MentorBot, clock: ManualClock
) -> None:
    await offer_to_the_first_mentor(members, world)
    guild = await remove_bot(world, members.client)
    await timer_round(members.client, clock, timedelta(hours=48, minutes=1))  # #1 expires, #2 held
    for _ in range(2):
        await timer_round(members.client, clock, timedelta(seconds=30))
    assert SECOND_MENTOR_USER_ID not in world.dms
    await timer_round(members.client, clock, timedelta(hours=1))
    await add_bot_again(world, members.client, guild)
    for _ in range(50):
        if SECOND_MENTOR_USER_ID in world.dms:
            break
        await timer_round(members.client, clock, timedelta(seconds=1))
    [offer] = world.dms[SECOND_MENTOR_USER_ID]
    assert buttons(offer), "the live offer, with its buttons"
    assert (await offer_statuses(bot))[2] == (OfferStatus.PENDING, None)
