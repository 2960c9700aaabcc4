"""`/courses suggest:` with skills picked through the autocomplete (real discord.py against the fake Discord):
once the list passes 100 characters the autocomplete's value carries short codes (``~k3f``), which the suggest
branch must turn back into slugs as `/courses` and `/mentor request` do."""

from __future__ import annotations

from mentorbot.bot import MentorBot
from mentorbot_discord.picks import CODE_MARK
from tests.discord.helpers import COMMUNITY, Members

FIVE = [
    "stakeholder-communication",
    "social-media-strategy",
    "community-management",
    "crisis-communications",
    "analytics-reporting",
]


async def test_suggest_with_five_autocompleted_skills(members: Members, bot: MentorBot) -> None:
    typed = ""
    for slug in FIVE:  # each skill picked from the autocomplete, as a member does
        current = f"{typed}, {slug}" if typed else slug
        choices = await members.complete("courses", "skills", current)
        typed = str(next(c["value"] for c in choices if str(c["value"]).endswith(slug) or slug in str(c["value"])))
    assert CODE_MARK in typed  # the list passed 100 characters: the earlier skills travel as codes

    shown = await members.slash(
        "courses", {"suggest": "https://example.org/comms-playbook", "skills": typed, "title": "Comms playbook"}
    )

    assert shown.text.startswith("Thank you! Suggestion #1"), shown.text
    suggestion = await bot.store.get_suggestion(COMMUNITY, 1)
    assert suggestion is not None and sorted(suggestion.skills) == sorted(FIVE)
