"""The community curates on Slack (issue 15): `/courses suggest …` typed after the slash command, and the
Helpful buttons under `/courses`, through the core's button model."""

from __future__ import annotations

from tests.fakes.slack_ids import DEFAULT_CHANNEL_ID
from tests.slack.conftest import ALICE, Workspace, unescape


async def test_courses_suggest_and_helpful_button_on_slack(workspace: Workspace) -> None:
    ws = workspace
    await ws.command(ALICE, "/courses", "suggest url:https://www.example.org/guide skills:whatsapp title:A guide")
    assert ws.texts(ALICE)[-1].startswith("Thank you! Suggestion #1")
    await ws.command(ALICE, "/courses", "skills:seo")
    listed = {**ws.fake.response_posts[-1].body, "ts": "1700000002.000001"}
    await ws.click(ALICE, listed, "vote.up:", channel_id=DEFAULT_CHANNEL_ID, is_ephemeral=True)
    assert "you found" in unescape(ws.fake.response_posts[-1].text or "")
