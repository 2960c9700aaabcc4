"""Session 42: a member's display name shown to others on Discord: a right-to-left override (U+202E) in a mentor's
name no longer reverses the rest of the mentee's `/mentor status` line, and a name written as a masked link
(``[Undo](https://evil.example)``, a valid display name) is no longer a link in an admin's `/mentor-admin pause`
answer (`text_safety.shown_name`)."""

from __future__ import annotations

import dataclasses

from tests.discord.helpers import MENTOR_USER_ID, MODERATOR_USER_ID, Members, message_text, sign_up_mentor
from tests.fakes.discord_fake import FakeDiscord
from tests.fakes.discord_payloads import user_option

RLO = "\u202e"


def rename(world: FakeDiscord, user_id: int, name: str) -> None:
    user = world.world.user(user_id)
    world.world.users[user_id] = dataclasses.replace(user, global_name=name)


async def test_a_mentors_right_to_left_override_stays_out_of_the_mentees_status(
    world: FakeDiscord, members: Members
) -> None:
    rename(world, MENTOR_USER_ID, "Tor" + RLO)
    await sign_up_mentor(members)
    await members.slash("mentor request", {"skills": "crisis comms"})
    status = await members.slash("mentor status")
    text = message_text(status.first)
    line = next(line for line in text.splitlines() if "Tor" in line)
    assert RLO not in line, "the rest of the mentee's status line is shown right to left, reversed"


async def test_a_mentor_named_as_a_masked_link_is_no_link_in_the_admins_pause(
    world: FakeDiscord, members: Members
) -> None:
    rename(world, MENTOR_USER_ID, "[Undo](https://evil.example)")
    await sign_up_mentor(members)
    paused = await members.slash("mentor-admin pause", [user_option("mentor", MENTOR_USER_ID)], user=MODERATOR_USER_ID)
    text = message_text(paused.first)
    assert "Undo" in text and "https://evil.example" in text
    assert "](" not in text, "a masked link renders in the admin's answer"
