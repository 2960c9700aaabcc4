"""Session 42: a member mention typed into a suggested resource's address reached the admins' review queue and
`/courses` as typed, where Discord's content line (which carries the reply's mentions, `render.content_line`) made
it a live mention of that member. The address is kept with ``<`` and ``>`` percent-encoded: no mention, same page."""

from __future__ import annotations

from mentorbot.bot import MentorBot
from tests.discord.helpers import COORDINATOR_USER_ID, MENTEE_USER_ID, Members, buttons, message_text

VICTIM = 123456789012345678


async def test_a_mention_in_a_suggested_address_is_never_live(members: Members, bot: MentorBot) -> None:
    url = f"https://www.example.org/paid-social?by=<@{VICTIM}>&x=1"
    shown = await members.slash("courses", {"suggest": url, "skills": "paid-social", "title": "Paid social notes"})
    assert shown.text.startswith("Thank you! Suggestion #1"), shown.text
    queue = await members.slash("mentor-admin courses", user=COORDINATOR_USER_ID)
    encoded = f"https://www.example.org/paid-social?by=%3C@{VICTIM}%3E&x=1"
    assert encoded in message_text(queue.first)
    assert f"<@{VICTIM}>" not in message_text(queue.first), "a typed mention is live in the admins' queue"
    ids = [b["custom_id"] for b in buttons(queue.first)]
    await members.click(queue.first, ids[0], user=COORDINATOR_USER_ID)
    listed = await members.slash("courses", {"skills": "paid-social"}, user=MENTEE_USER_ID)
    assert encoded in message_text(listed.first), "the approved suggestion is listed, its link working"
    assert f"<@{VICTIM}>" not in message_text(listed.first), "a typed mention is live in /courses"
