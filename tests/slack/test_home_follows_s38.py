"""Session 38's Slack forms hunt: the mentee's App Home follows their request to another mentor; a form's refusal
sits on the field to change.

When an offer ends and its request goes straight to another mentor (a decline, an expiry, the mentor's pause), the
mentee is told nothing (`matchmaking.hand_on`: nothing changed for them but the name), so the Slack adapter, which
refreshed the App Home of the caller and of those it sent a message to, left the mentee's showing "offered to Bob
until <Bob's deadline>" with Bob's "why" until they opened the tab again, though docs/slack.md says the Home is
refreshed after each change. The core now names the members an offer's change concerns without a message
(`MentorBot.concerned_by`), and the adapter refreshes their Homes too."""

from __future__ import annotations

import json
from datetime import timedelta

from tests.slack.conftest import ALICE, BOB, CAROL, Workspace, number_state, offered, skills_state


def _offered_to(ws: Workspace, name: str) -> bool:
    return f"offered to {name}" in ws.home_text(ALICE)


async def test_a_decline_handed_on_refreshes_the_mentees_home(workspace: Workspace) -> None:
    offer = await offered(workspace)
    assert _offered_to(workspace, "bob")
    await workspace.click(BOB, offer, "offer.decline")
    await workspace.settle()
    assert _offered_to(workspace, "dave") and not _offered_to(workspace, "bob"), workspace.home_text(ALICE)


async def test_an_expiry_handed_on_refreshes_the_mentees_home(workspace: Workspace) -> None:
    await offered(workspace)
    workspace.clock.advance(timedelta(hours=49))
    await workspace.adapter.deliver(await workspace.bot.run_due_jobs())
    await workspace.settle()
    assert _offered_to(workspace, "dave") and not _offered_to(workspace, "bob"), workspace.home_text(ALICE)


async def test_a_mentors_pause_handed_on_refreshes_the_mentees_home(workspace: Workspace) -> None:
    await offered(workspace)
    await workspace.mentor(BOB, "pause")
    await workspace.settle()
    assert _offered_to(workspace, "dave") and not _offered_to(workspace, "bob"), workspace.home_text(ALICE)


async def test_a_capacity_below_the_places_in_use_is_refused_on_the_capacity_field(workspace: Workspace) -> None:
    """The same hunt: the refusal sat under the Skills picker (the form's first input), not the field to change."""
    await workspace.mentor(BOB, "signup skills:seo levels:expert capacity:2")
    await workspace.mentor(ALICE, "request skills:seo")
    await workspace.mentor(BOB, "accept 1")
    await workspace.mentor(CAROL, "request skills:seo")
    await workspace.mentor(BOB, "accept 2")
    await workspace.mentor(BOB, "signup")
    view = workspace.fake.modals_of(BOB)[-1].view
    answer = await workspace.submit(BOB, view, {"skills": skills_state("seo"), "capacity": number_state("1")})
    errors = json.loads(answer.text)["errors"]
    assert list(errors) == ["capacity"], errors
    assert "2 of 2" in errors["capacity"]
