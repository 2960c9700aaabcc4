"""``/mentor feedback`` typed without a rating on Slack opens the feedback form (the one the Give feedback button
opens) for the mentorship the core finds: the one typed, or the member's only one waiting for their rating; a
typed comment is in it. Where there is no form to open (nothing to rate, not theirs, given already, still active)
the core's answer comes instead, and a typed rating still rates at once.

Before: the answer was the command to type again with a rating, and no form opened, though the SPEC has a
subcommand that needs more input than was typed open a modal on Slack."""

from __future__ import annotations

import json
from typing import Any

from tests.slack.conftest import ALICE, BOB, DAVE, EN, Workspace, number_state, offered, text_state


async def ended_by_bob(ws: Workspace) -> None:
    """Bob mentors Alice (mentorship #1), then ends it with his rating: Alice's rating is still to give."""
    offer = await offered(ws)
    await ws.click(BOB, offer, "offer.accept")
    await ws.mentor(BOB, "end 1 rating:5")


def comment_of(view: dict[str, Any]) -> str | None:
    [block] = [b for b in view["blocks"] if b.get("block_id") == "comment"]
    value = block["element"].get("initial_value")
    return None if value is None else str(value)


async def test_typed_feedback_without_rating_opens_the_form_of_the_only_mentorship_to_rate(
    workspace: Workspace,
) -> None:
    ws = workspace
    await ended_by_bob(ws)
    seen = len(ws.texts(ALICE))
    await ws.mentor(ALICE, "feedback")
    [modal] = ws.fake.modals_of(ALICE)
    view = modal.view
    assert view["callback_id"] == "mentorbot:feedback" and view["title"]["text"] == "Feedback #1"
    assert [b["block_id"] for b in view["blocks"] if b["type"] == "input"] == ["rating", "comment"]
    meta = json.loads(view["private_metadata"])
    assert (meta["action"], meta["ref"]) == ("feedback.open", "1")
    assert comment_of(view) is None
    assert EN("feedback.rating_required", id=1) not in ws.texts(ALICE)[seen:], "the form is the answer"

    done = await ws.submit(ALICE, view, {"rating": number_state("4"), "comment": text_state("Very helpful")})
    assert (done.status, done.text) == (200, "")
    assert ws.texts(ALICE)[-1] == EN("feedback.thanks", id=1)
    given = {(f.rating, f.comment) for f in await ws.bot.store.list_feedback("slack:T0MENTOR01")}
    assert (4, "Very helpful") in given


async def test_typed_number_and_comment_go_into_the_form(workspace: Workspace) -> None:
    ws = workspace
    await ended_by_bob(ws)
    await ws.mentor(ALICE, "feedback 1 comment:Bob explained keyword research well")
    [modal] = ws.fake.modals_of(ALICE)
    assert json.loads(modal.view["private_metadata"])["ref"] == "1"
    assert comment_of(modal.view) == "Bob explained keyword research well"


async def test_no_form_where_there_is_none_to_give(workspace: Workspace) -> None:
    ws = workspace
    await ws.mentor(ALICE, "feedback")
    assert ws.texts(ALICE)[-1] == EN("feedback.nothing_to_rate"), "nothing to rate: said, no form"

    offer = await offered(ws)
    await ws.click(BOB, offer, "offer.accept")
    await ws.mentor(ALICE, "feedback 1")
    assert ws.texts(ALICE)[-1].startswith(EN("feedback.still_active", id=1)), "active: /mentor end rates it"

    await ws.mentor(BOB, "end 1 rating:5")
    await ws.mentor(DAVE, "feedback 1")
    assert ws.texts(DAVE)[-1] == EN("feedback.not_yours", id=1)
    await ws.mentor(ALICE, "feedback 1 rating:3")
    assert ws.texts(ALICE)[-1] == EN("feedback.thanks", id=1), "a typed rating still rates at once"
    await ws.mentor(ALICE, "feedback 1")
    assert ws.texts(ALICE)[-1] == EN("feedback.already", id=1)
    await ws.mentor(BOB, "feedback")
    assert ws.texts(BOB)[-1] == EN("feedback.nothing_to_rate")
    assert not ws.fake.modals_of(ALICE) and not ws.fake.modals_of(BOB) and not ws.fake.modals_of(DAVE)
