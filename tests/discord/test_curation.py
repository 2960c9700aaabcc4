"""The community curates on Discord (issue 15): `/courses suggest:` (an option: Discord cannot have `/courses`
and `/courses suggest` side by side), the admins' queue with Approve / Reject buttons, and the helpful votes under
`/courses`, all through the core's button model."""

from __future__ import annotations

from mentorbot.bot import MentorBot
from mentorbot.i18n import translator
from tests.discord.helpers import COMMUNITY, COORDINATOR_USER_ID, MENTEE_USER_ID, Members, buttons

EN = translator("en")


async def test_suggest_review_and_approve_on_discord(members: Members, bot: MentorBot) -> None:
    url = "https://www.example.org/whatsapp-guide"
    shown = await members.slash("courses", {"suggest": url, "skills": "whatsapp", "title": "A WhatsApp guide"})
    assert shown.text.startswith("Thank you! Suggestion #1")
    queue = await members.slash("mentor-admin courses", user=COORDINATOR_USER_ID)
    ids = [b["custom_id"] for b in buttons(queue.first)]
    assert ids == ["mentorbot:suggestion.approve:1", "mentorbot:suggestion.reject:1"]
    done = await members.click(queue.first, ids[0], user=COORDINATOR_USER_ID)
    assert EN("curation.approved", id=1, title="A WhatsApp guide") in "\n".join(done.texts)
    suggestion = await bot.store.get_suggestion(COMMUNITY, 1)
    assert suggestion is not None and suggestion.status.value == "approved"


async def test_helpful_buttons_under_courses_on_discord(members: Members, bot: MentorBot) -> None:
    shown = await members.slash("courses", {"skills": "seo"})
    up = next(b for b in buttons(shown.first) if b["custom_id"].startswith("mentorbot:vote.up:"))
    resource = up["custom_id"].rsplit(":", 1)[1]
    voted = await members.click(shown.first, up["custom_id"], user=MENTEE_USER_ID)
    assert "you found" in "\n".join(voted.texts)
    tally = (await bot.store.vote_tallies(COMMUNITY))[resource]
    assert (tally.helpful, tally.total) == (1, 1)
