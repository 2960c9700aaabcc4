"""Session 42: a Slack member mention typed into a suggested resource's address (``…?by=<@U0CAROL01>``) was kept as
typed, and the Slack adapter keeps a member mention live (`blocks.escape`): every reader of an introduction or
`/courses` saw the bot name Carol, and she may be notified. The address is kept with ``<`` and ``>`` percent-encoded
(`usecases.curation.check_url`), which Slack shows as an address."""

from __future__ import annotations

import pytest

from mentorbot.courses import CommunityCourse, Cost, CourseLevel, Format
from mentorbot.recommendations import render_introduction_courses
from mentorbot.replies import Reply
from mentorbot.usecases.curation import check_url
from mentorbot_slack.blocks import message


@pytest.mark.parametrize(
    "typed",
    [
        "https://www.example.org/guide?by=<@U0CAROL01>&x=1",
        "https://www.example.org/guide/<@W0CAROL01>/notes",
        "https://www.example.org/guide#<!channel>-notes",
    ],
)
def test_a_mention_in_a_suggested_address_is_not_live_on_slack(typed: str) -> None:
    url = check_url(typed)
    course = CommunityCourse(
        id="community-1",
        title="A guide",
        provider="www.example.org",
        url=url,
        skills=("whatsapp",),
        level=CourseLevel.INTERMEDIATE,
        format=Format.READING_LIST,
        cost=Cost.PAID,
        duration="varies",
        language="en",
        suggestion_id=1,
    )
    field = render_introduction_courses([course], "en")
    payload = message(Reply("You and <@U0BOB> are matched", title="Introduction", fields=(field,)))
    shown = "\n".join(b["text"]["text"] for b in payload["blocks"] if b.get("type") == "section")
    assert "You and <@U0BOB> are matched" in shown, "the core's own mention stays live"
    assert "<@U0CAROL01>" not in shown and "<@W0CAROL01>" not in shown, "a member-typed mention is live"
    assert "<!channel>" not in shown
    assert url.replace("&", "&amp;") in shown, "the address is shown whole, its link working"
