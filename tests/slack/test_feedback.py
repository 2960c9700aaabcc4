"""Issue 13 rule 4 on Slack: the feedback button (and the check-in's "end and give feedback") opens a modal
whose submission is recorded once per person; a bad rating is a field error; `/mentor feedback` typed does the
same; the check-in's other buttons answer in place and reach the admins."""

from __future__ import annotations

import json
from datetime import timedelta

from tests.slack.conftest import (
    ALICE,
    BOB,
    EN,
    EVE,
    Workspace,
    find_button,
    number_state,
    offered,
    text_state,
    unescape,
)


async def mentorship(ws: Workspace) -> None:
    """Bob mentors Alice: mentorship #1."""
    offer = await offered(ws)
    await ws.click(BOB, offer, "offer.accept")


async def test_feedback_button_opens_the_modal_and_feedback_is_taken_once(workspace: Workspace) -> None:
    ws = workspace
    await mentorship(ws)
    await ws.mentor(ALICE, "end 1 rating:4")
    notice = ws.dms(BOB)[-1]
    assert unescape(str(notice["text"])).startswith(EN("end.notice", id=1))
    await ws.click(BOB, notice, "feedback.open")
    [modal] = ws.fake.modals_of(BOB)
    view = modal.view
    assert view["callback_id"] == "mentorbot:feedback" and view["title"]["text"] == "Feedback #1"
    assert [b["block_id"] for b in view["blocks"] if b["type"] == "input"] == ["rating", "comment"]
    assert json.loads(view["private_metadata"])["action"] == "feedback.open"

    bad = await ws.submit(BOB, view, {"rating": number_state("9"), "comment": text_state(None)})
    assert json.loads(bad.text)["response_action"] == "errors"
    assert "rating" in json.loads(bad.text)["errors"], "the refusal sits on the rating field"

    good = await ws.submit(BOB, view, {"rating": number_state("5"), "comment": text_state("Lovely mentee")})
    assert (good.status, good.text) == (200, "")
    assert ws.texts(BOB)[-1] == EN("feedback.thanks", id=1)
    await ws.mentor(BOB, "feedback 1 rating:2")
    assert ws.texts(BOB)[-1] == EN("feedback.already", id=1), "a second time is refused politely"
    ratings = sorted(f.rating or 0 for f in await ws.bot.store.list_feedback("slack:T0MENTOR01"))
    assert ratings == [4, 5]


async def test_checkin_buttons(workspace: Workspace) -> None:
    ws = workspace
    await ws.command(EVE, "/mentor", "status")  # the admin (by settings) is a member here
    await mentorship(ws)
    ws.clock.advance(timedelta(days=15))
    await ws.adapter.deliver(await ws.bot.run_due_jobs())
    await ws.settle()
    checkin = ws.dms(ALICE)[-1]
    assert [e["action_id"] for b in checkin["blocks"] if b["type"] == "actions" for e in b["elements"]] == [
        "mentorbot:checkin.ok:1",
        "mentorbot:checkin.end:1",
        "mentorbot:checkin.help:1",
    ]
    await ws.click(ALICE, checkin, "checkin.help")
    assert EN("checkin.help_sent", id=1) in ws.texts(ALICE)[-1]
    assert unescape(str(ws.dms(EVE)[-1]["text"])).startswith(EN("checkin.help_title"))

    bob_checkin = ws.dms(BOB)[-1]
    find_button(bob_checkin, "checkin.end")
    await ws.click(BOB, bob_checkin, "checkin.end")
    [modal] = ws.fake.modals_of(BOB)
    assert modal.view["title"]["text"] == "End and give feedback #1"
    done = await ws.submit(BOB, modal.view, {"rating": number_state(None), "comment": text_state("Time's up")})
    assert (done.status, done.text) == (200, "")
    ended = await ws.bot.store.get_mentorship(1)
    assert ended is not None and ended.status.value == "ended"
    [feedback] = await ws.bot.store.list_feedback("slack:T0MENTOR01")
    assert (feedback.rating, feedback.comment) == (None, "Time's up")
