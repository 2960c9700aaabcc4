"""What a mentee hears about their waiting request, through the real Discord client and the fake Discord.

Every notice of the same request used to carry the one key ``request:<id>``, so the client edited the first DM in
place for each later one: an edit makes no sound, so the mentee never learnt that their request was offered to a
new mentor, or was back on the waitlist. Each of those changes is now a DM of its own, in order.
"""

from __future__ import annotations

from mentorbot.bot import MentorBot
from tests.discord.helpers import (
    EN,
    MENTEE_USER_ID,
    MENTOR_USER_ID,
    SECOND_MENTOR_USER_ID,
    Members,
    all_delivered,
    message_text,
    sign_up_mentor,
)
from tests.fakes.discord_fake import FakeDiscord


async def test_the_mentee_gets_a_new_dm_for_each_change_of_their_request(
    world: FakeDiscord, members: Members, bot: MentorBot
) -> None:
    """Offered, declined (waiting again), offered to a second mentor (good news), withdrawn by that mentor's pause
    (waiting again): three DMs to the mentee, in order, none of them an edit of an earlier one."""
    await sign_up_mentor(members)
    await members.slash("mentor request", {"skills": "crisis comms"})
    await members.dms(MENTOR_USER_ID)

    await members.slash("mentor decline", {"offer": 1, "reason": "Fully booked"}, user=MENTOR_USER_ID)
    [waiting] = await members.dms(MENTEE_USER_ID)
    assert message_text(waiting).startswith(EN("request.still_waiting", id=1) + "\n")

    await all_delivered(bot)
    await sign_up_mentor(members, SECOND_MENTOR_USER_ID)  # offered request #1 at once
    await members.dms(SECOND_MENTOR_USER_ID)
    await all_delivered(bot)
    await members.slash("mentor pause", user=SECOND_MENTOR_USER_ID)  # withdraws offer #2
    await all_delivered(bot)

    dms = world.dms[MENTEE_USER_ID]
    texts = [message_text(d) for d in dms]
    assert len(texts) == 3, texts
    assert texts[0].startswith(EN("request.still_waiting", id=1) + "\n")
    assert texts[1] == EN("request.now_offered", id=1)
    assert texts[2].startswith(EN("request.still_waiting", id=1) + "\n")
    assert [d.get("edited_timestamp") for d in dms] == [None, None, None], "each change is a new DM, not an edit"
