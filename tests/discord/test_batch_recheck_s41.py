"""Session 41's ordering hunt, on Discord: a timer round's batch, claimed, and a member's command before the batch
reaches one of its rows. Before, `MentorBotClient.deliver` sent every row as claimed: a retried offer edited its
withdrawal back into a live offer, and a mentee was told "offered" after cancelling. Now `_deliver_one` asks, right
before its Discord calls, whether the row is still this batch's to send (`app.still_to_send`)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from mentorbot.settings import Settings
from tests.discord.helpers import (
    EN,
    MENTEE_USER_ID,
    MENTOR_USER_ID,
    Members,
    all_delivered,
    buttons,
    make_settings,
    message_text,
    sign_up_mentor,
)
from tests.fakes.discord_fake import FakeDiscord

DM_POSTS = r"/channels/\d+/messages"
OFFERED = EN("request.now_offered", id=1).split(":")[0]


@pytest.fixture
def settings(world: FakeDiscord) -> Settings:
    """Three tries."""
    return make_settings(world, delivery_attempts=3)


async def test_a_retried_offer_in_a_batch_does_not_overwrite_its_withdrawal(
    world: FakeDiscord, members: Members, bot: MentorBot, clock: ManualClock
) -> None:
    await sign_up_mentor(members)
    world.fail_next("POST", DM_POSTS, status=503)
    await members.slash("mentor request", {"skills": "crisis comms"})
    assert MENTOR_USER_ID not in world.dms
    clock.advance(timedelta(minutes=2))
    batch = await bot.undelivered(communities=["discord:"])  # the timer loop's round: the offer's retry
    assert [n.key for n in batch] == ["offer:1"]
    await members.slash("mentor cancel", {})  # meanwhile: the offer withdrawn, its new version sent at once
    await all_delivered(bot)
    await members.client.deliver(batch)
    [dm] = world.dms[MENTOR_USER_ID]
    assert not buttons(dm), "a live offer replaced the withdrawal notice"
    assert EN("offer.withdrawn", id=1).split(":")[0] in message_text(dm)


async def test_the_mentee_is_not_told_offered_after_cancelling(
    world: FakeDiscord, members: Members, bot: MentorBot, clock: ManualClock
) -> None:
    await sign_up_mentor(members)
    await members.slash("mentor pause", {"until": "1d"}, user=MENTOR_USER_ID)
    await members.slash("mentor request", {"skills": "crisis comms"})
    clock.advance(timedelta(days=2))
    batch = await bot.run_due_jobs(communities=["discord:"], sweep=True)  # the pause ends, the request is offered
    assert {"offer:1", "request:1:offer:1"} <= {n.key for n in batch}
    before = len(world.dms.get(MENTEE_USER_ID, []))
    await members.slash("mentor cancel", {})
    await members.client.deliver(batch)
    await all_delivered(bot)
    told = [message_text(m) for m in world.dms.get(MENTEE_USER_ID, [])[before:]]
    assert not [t for t in told if OFFERED in t], told
    assert not [m for m in world.dms.get(MENTOR_USER_ID, []) if buttons(m) and "offer.accept" in str(buttons(m))]
