"""A mentor who left the server (every DM to them answers 403, code 50007) is paused as unreachable by the first
refused offer, end to end through the fake Discord: the request goes to the next mentor at the timer loop's next
round, not 48 hours later, the next request goes straight to the mentor who answers, and the unreachable mentor
reads what happened with their next command."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from mentorbot.models import MentorStatus
from mentorbot.replies import Notification
from mentorbot_discord.client import MentorBotClient
from tests.discord.helpers import (
    COMMUNITY,
    EN,
    GUILD_ID,
    MENTEE_USER_ID,
    MENTOR_USER_ID,
    MODERATOR_USER_ID,
    SECOND_MENTOR_USER_ID,
    Members,
    buttons,
    message_text,
    sign_up_mentor,
)
from tests.fakes.discord_fake import FakeDiscord

DM_POSTS = r"/channels/\d+/messages"


async def timer_round(client: MentorBotClient, clock: ManualClock) -> list[Notification]:
    """One round of the timer loop a moment later: claim what waits in the outbox, deliver it."""
    clock.advance(timedelta(seconds=1))
    notes = await client.bot.undelivered(communities=["discord:"])
    await client.deliver(notes)
    return notes


async def test_a_mentor_who_left_is_paused_and_their_offer_goes_to_the_next_mentor(
    world: FakeDiscord, members: Members, bot: MentorBot, clock: ManualClock
) -> None:
    await sign_up_mentor(members)  # an expert: ranked first
    await members.slash(
        "mentor signup", {"skills": "crisis-communications", "levels": "practitioner"}, user=SECOND_MENTOR_USER_ID
    )
    world.close_dms(MENTOR_USER_ID)  # left the server: Discord refuses every DM to them

    shown = await members.slash("mentor request", {"skills": "crisis comms"})

    assert shown.text == EN("request.offered", id=1, skills="Crisis communications")
    assert MENTOR_USER_ID not in world.dms
    mentor = await bot.store.find_member(COMMUNITY, str(MENTOR_USER_ID))
    assert mentor is not None
    profile = await bot.store.get_mentor_profile(mentor.id)
    assert profile is not None and profile.status is MentorStatus.PAUSED and profile.pause_reason == "unreachable"

    # The next round of the timer loop (every 15 s) offers the request to the second mentor.
    await timer_round(members.client, clock)
    [offer] = await members.dms(SECOND_MENTOR_USER_ID)
    assert message_text(offer).startswith(f"Mentorship offer #2 · <@{MENTEE_USER_ID}>\nMentorship offer #2\n")
    assert [b["custom_id"] for b in buttons(offer)] == [
        f"mentorbot:offer.accept:2:{GUILD_ID}",
        f"mentorbot:offer.decline:2:{GUILD_ID}",
    ]
    assert MENTOR_USER_ID not in world.dms, "what the pause says is refused too, and held"
    assert await timer_round(members.client, clock) == [], "delivered or held once"

    # The next request goes straight to the mentor who answers.
    await members.slash("mentor request", {"skills": "crisis comms"}, user=MODERATOR_USER_ID)
    assert [message_text(m).split("\n")[0] for m in world.dms[SECOND_MENTOR_USER_ID]] == [
        f"Mentorship offer #2 · <@{MENTEE_USER_ID}>",
        f"Mentorship offer #3 · <@{MODERATOR_USER_ID}>",
    ]

    # The mentor who left reads it with their next command: paused, why, what became of the request, what to do.
    status = await members.slash("mentor status", user=MENTOR_USER_ID)
    assert EN("status.mentor_paused") + " — " + EN("status.paused_unreachable") in status.texts[0]
    notice, withdrawn = status.texts[1:]
    assert notice == "\n".join(
        [
            EN("discord.held_notice"),
            EN("pause.unreachable"),
            "• " + EN("pause.request_passed", id=1),
            EN("pause.unreachable_fix"),
        ]
    )
    assert withdrawn == EN("discord.held_notice") + "\n" + EN("offer.withdrawn_paused_unreachable", id=1)
    assert all(buttons(m) == [] for m in status.messages), "no Accept button for a withdrawn offer"

    world.close_dms(MENTOR_USER_ID, closed=False)
    resumed = await members.slash("mentor resume", user=MENTOR_USER_ID)
    assert resumed.text == EN("resume.done")
    profile = await bot.store.get_mentor_profile(mentor.id)
    assert profile is not None and profile.status is MentorStatus.ACTIVE and profile.pause_reason is None


@pytest.mark.parametrize("status", [400, 403])
async def test_a_refusal_that_is_not_the_members_pauses_nobody(
    world: FakeDiscord, members: Members, bot: MentorBot, status: int
) -> None:
    """A 400 refuses the message MentorBot made (a rendering bug), a 403 without code 50007 the bot itself: the
    notice is held, and the mentor stays active (only codes 50007 and 10013 say the member cannot be reached)."""
    await sign_up_mentor(members)
    world.fail_next("POST", DM_POSTS, status=status)
    await members.slash("mentor request", {"skills": "crisis comms"})
    mentor = await bot.store.find_member(COMMUNITY, str(MENTOR_USER_ID))
    assert mentor is not None
    profile = await bot.store.get_mentor_profile(mentor.id)
    assert profile is not None and profile.status is MentorStatus.ACTIVE
