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


async def test_a_vote_answers_beside_the_list_which_stays_whole(workspace: Workspace) -> None:
    """A Helpful click under `/courses` answers the voter beside the list: the list is not replaced (before, the
    five courses and their ten buttons became one line of thanks, and the other courses could not be voted on)."""
    ws = workspace
    await ws.command(ALICE, "/courses", "skills:seo")
    listed = {**ws.fake.response_posts[-1].body, "ts": "1700000002.000001"}
    posts = len(ws.fake.response_posts)
    await ws.click(ALICE, listed, "vote.up:", channel_id=DEFAULT_CHANNEL_ID, is_ephemeral=True)
    [thanks] = ws.fake.response_posts[posts:]
    assert thanks.replace_original is False and "you found" in unescape(thanks.text or "")
    assert not ws.calls("chat.update"), "the list is not edited either"
