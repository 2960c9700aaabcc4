"""Session 45: a suggested resource's title and address made a masked link in Discord introductions. The title
``[Mentorship agreement: …`` and the address ``https://www.example.org/crisis-guide](https://evil.example/sign)`` sat
on one line of the introduction's courses field (``{title} — {provider} ({cost}): {url}``), which Discord's client
showed as one link to evil.example. Now such an address is refused when suggested, and one stored before is shown
with its brackets percent-encoded and its title's lone ``[`` neutralised."""

from __future__ import annotations

import re

from mentorbot.bot import MentorBot
from mentorbot.courses import url_key
from mentorbot.storage.store import SuggestionStatus
from tests.discord.helpers import (
    COMMUNITY,
    COORDINATOR_USER_ID,
    GUILD_ID,
    MENTEE_USER_ID,
    MENTOR_USER_ID,
    Members,
    buttons,
    sign_up_mentor,
)

# Discord's (simple-markdown) link rule, as its client parses [text](url).
LINK_INSIDE = r"(?:\[[^\]]*\]|[^\[\]]|\](?=[^\[]*\]))*"
LINK_HREF_AND_TITLE = r"\s*<?((?:\([^)]*\)|[^\s\\])*?)>?(?:\s+['\"]([\s\S]*?)['\"])?\s*"
DISCORD_LINK = re.compile(r"\[(" + LINK_INSIDE + r")\]\(" + LINK_HREF_AND_TITLE + r"\)")
TITLE = "[Mentorship agreement: both of you sign it before the first call"
URL = "https://www.example.org/crisis-guide](https://evil.example/sign)"


async def test_an_address_with_brackets_is_refused(members: Members, bot: MentorBot) -> None:
    shown = await members.slash(
        "courses", {"suggest": URL, "skills": "crisis-communications", "title": TITLE}, user=MENTEE_USER_ID
    )
    assert "square brackets" in shown.text, shown.text
    assert not DISCORD_LINK.search(shown.text)
    assert await bot.store.list_suggestions(COMMUNITY, SuggestionStatus.PENDING) == []


async def test_a_stored_suggestion_makes_no_masked_link_in_introductions(members: Members, bot: MentorBot) -> None:
    await sign_up_mentor(members)
    await members.slash("courses", {"skills": "crisis-communications"}, user=MENTEE_USER_ID)  # a member
    mentee = await bot.store.find_member(COMMUNITY, str(MENTEE_USER_ID))
    assert mentee is not None
    made = await bot.store.suggest_course(
        COMMUNITY,
        mentee.id,
        url=URL,
        url_key=url_key(URL),
        title=TITLE,
        skills=["crisis-communications"],
        note="",
        now=bot.core.clock.now(),
    )
    assert made is not None
    queue = await members.slash("mentor-admin courses", user=COORDINATOR_USER_ID)
    approve = next(b["custom_id"] for b in buttons(queue.first) if "approve" in b["custom_id"])
    await members.click(queue.first, approve, user=COORDINATOR_USER_ID)

    await members.slash("mentor request", {"skills": "crisis comms", "note": "Launch next month"})
    [offer] = await members.dms(MENTOR_USER_ID)
    await members.click(offer, f"mentorbot:offer.accept:1:{GUILD_ID}", user=MENTOR_USER_ID, dm=True)
    for user in (MENTEE_USER_ID, MENTOR_USER_ID):
        dms = await members.dms(user, count=2)
        values = [f["value"] for e in dms[-1].get("embeds") or [] for f in e.get("fields") or []]
        courses = next(v for v in values if "evil.example" in v)
        assert "Mentorship agreement" in courses
        assert not DISCORD_LINK.search(courses), courses
