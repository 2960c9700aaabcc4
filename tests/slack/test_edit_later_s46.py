"""Session 46: a keyed direct message with buttons other than an offer's, whose edit into the click's answer Slack
failed for a passing reason (a 500, a 429 longer than waited out), is edited later from the outbox, once, as an
offer's is (test_lifecycle_s44.py): its buttons do not stay live for good.

- a check-in's DM answered with its buttons ("going well", "need help"), the first check-in and a later one
  (``checkin:<id>:<n>``);
- a request for feedback posted as the check-in's new version (the check-in could not be found to edit: the
  mentorship's end was posted anew under its key), answered through the feedback form it opened;
- not a message that is no key's recorded direct message (a request for feedback with no check-in before it):
  nothing is kept for later there.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from mentorbot.models import checkin_key
from tests.slack.conftest import ALICE, BOB, COMMUNITY, EN, Workspace, number_state, offered, text_state, unescape
from tests.slack.test_lifecycle_s44 import live_buttons, timer_round


def fail_chat_update(ws: Workspace, failure: str) -> None:
    """The next chat.update fails for a passing reason: an HTTP 500, or a 429 whose Retry-After (60 s) is longer
    than the adapter waits out in-process."""
    if failure == "429":
        ws.fake.rate_limit("chat.update", retry_after=60)
    else:
        ws.fake.fail_next("chat.update", "internal_error", status=500)


def dm_at(ws: Workspace, user: str, ts: object) -> dict[str, Any]:
    """`user`'s direct message `ts`, as it is now (edits applied)."""
    return next(m for m in ws.dms(user) if m["ts"] == ts)


def updates_of(ws: Workspace, ts: object) -> int:
    """How many chat.update calls Slack took for message `ts`."""
    return sum(1 for c in ws.calls("chat.update") if c.params.get("ts") == ts and c.response.get("ok"))


async def mentorship(ws: Workspace) -> None:
    """Bob mentors Alice: mentorship #1."""
    offer = await offered(ws)
    await ws.click(BOB, offer, "offer.accept")


async def checked_in(ws: Workspace, *, days: int = 15) -> dict[str, Any]:
    """The check-in due `days` on is delivered; Alice's DM of it."""
    ws.clock.advance(timedelta(days=days))
    await timer_round(ws)
    checkin = ws.dms(ALICE)[-1]
    assert unescape(str(checkin["text"])).startswith(EN("checkin.title")), checkin["text"]
    assert live_buttons(checkin)
    return checkin


async def edited_later(ws: Workspace, user: str, ts: object, answer: str) -> None:
    """The message `ts` still shows its buttons until the outbox's try after the Retry-After, which turns it into
    `answer`, once: later rounds edit it no more."""
    assert live_buttons(dm_at(ws, user, ts)), "Slack failed the edit: still the old message, for now"
    await timer_round(ws)
    assert live_buttons(dm_at(ws, user, ts)), "not before the Retry-After (and the outbox's backoff)"
    ws.clock.advance(timedelta(minutes=5))
    await timer_round(ws)
    edited = dm_at(ws, user, ts)
    assert live_buttons(edited) == [], edited["text"]
    assert answer in unescape(edited["text"]), edited["text"]
    assert updates_of(ws, ts) == 1, "edited exactly once"
    assert await ws.bot.store.count_undelivered() == 0
    ws.clock.advance(timedelta(hours=2))
    await timer_round(ws)
    assert updates_of(ws, ts) == 1, "nothing left to edit it again"


@pytest.mark.parametrize("failure", ["500", "429"])
async def test_a_checkins_dm_answered_going_well_is_edited_later(workspace: Workspace, failure: str) -> None:
    ws = workspace
    await mentorship(ws)
    checkin = await checked_in(ws)
    fail_chat_update(ws, failure)
    seen = len(ws.seen(ALICE))
    await ws.click(ALICE, checkin, "checkin.ok")
    # Alice is told all the same, beside the message.
    assert any(EN("checkin.noted", id=1) in unescape(m.text or "") for m in ws.seen(ALICE)[seen:])
    await edited_later(ws, ALICE, checkin["ts"], EN("checkin.noted", id=1))


async def test_a_later_checkins_dm_is_edited_later(workspace: Workspace) -> None:
    """The second check-in is a message of its own, keyed ``checkin:1:2``: that one is edited later."""
    ws = workspace
    await mentorship(ws)
    first = await checked_in(ws)
    second = await checked_in(ws, days=31)
    assert second["ts"] != first["ts"]
    assert await ws.adapter.delivery.sent.get(COMMUNITY, ALICE, checkin_key(1, 2)) is not None
    fail_chat_update(ws, "500")
    await ws.click(ALICE, second, "checkin.help")
    await edited_later(ws, ALICE, second["ts"], EN("checkin.help_no_admin", id=1))


async def test_a_request_for_feedback_answered_through_its_form_is_edited_later(workspace: Workspace) -> None:
    ws = workspace
    await mentorship(ws)
    await checked_in(ws)
    # Bob's check-in can no longer be found (its ref gone): the end's notice is posted as its new version.
    await ws.adapter.delivery.sent.forget(COMMUNITY, BOB, checkin_key(1))
    await ws.mentor(ALICE, "end 1 rating:4")
    notice = ws.dms(BOB)[-1]
    assert unescape(str(notice["text"])).startswith(EN("end.notice", id=1)), notice["text"]
    where = await ws.adapter.delivery.sent.get(COMMUNITY, BOB, checkin_key(1))
    assert where == (ws.fake.dm_channel_of(BOB), notice["ts"]), "recorded as the check-in's DM"
    await ws.click(BOB, notice, "feedback.open")
    [modal] = ws.fake.modals_of(BOB)
    fail_chat_update(ws, "429")
    await ws.submit(BOB, modal.view, {"rating": number_state("5"), "comment": text_state(None)})
    assert ws.texts(BOB)[-1] == EN("feedback.thanks", id=1), "told all the same"
    await edited_later(ws, BOB, notice["ts"], EN("feedback.thanks", id=1))


async def test_a_message_that_is_no_keys_dm_is_not_kept_for_later(workspace: Workspace) -> None:
    """The request for feedback of a mentorship ended before any check-in is no keyed message: a failed edit of it
    is not made later (the answer was shown beside it)."""
    ws = workspace
    await mentorship(ws)
    await ws.mentor(ALICE, "end 1 rating:4")
    notice = ws.dms(BOB)[-1]
    await ws.click(BOB, notice, "feedback.open")
    [modal] = ws.fake.modals_of(BOB)
    fail_chat_update(ws, "500")
    await ws.submit(BOB, modal.view, {"rating": number_state("5"), "comment": text_state(None)})
    assert ws.texts(BOB)[-1] == EN("feedback.thanks", id=1)
    ws.clock.advance(timedelta(minutes=5))
    await timer_round(ws)
    assert updates_of(ws, notice["ts"]) == 0
    assert await ws.bot.store.count_undelivered() == 0


@pytest.mark.parametrize("failure", ["500", "429"])
async def test_a_checkin_ended_through_its_form_loses_its_buttons(workspace: Workspace, failure: str) -> None:
    """The check-in's "end and give feedback": the form's answer replaces the check-in; Slack failing that edit, the
    check-in still loses its buttons (the end's own edit of it, or the one kept for later), and no edit is left."""
    ws = workspace
    await mentorship(ws)
    await checked_in(ws)
    checkin = ws.dms(BOB)[-1]
    await ws.click(BOB, checkin, "checkin.end")
    [modal] = ws.fake.modals_of(BOB)
    fail_chat_update(ws, failure)
    await ws.submit(BOB, modal.view, {"rating": number_state("4"), "comment": text_state(None)})
    ws.clock.advance(timedelta(minutes=5))
    await timer_round(ws)
    edited = dm_at(ws, BOB, checkin["ts"])
    assert live_buttons(edited) == [], edited["text"]
    assert await ws.bot.store.count_undelivered() == 0
    updates = updates_of(ws, checkin["ts"])
    ws.clock.advance(timedelta(hours=2))
    await timer_round(ws)
    assert updates_of(ws, checkin["ts"]) == updates
