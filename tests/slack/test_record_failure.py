"""A slash command, a click or a form that cannot be recorded in the inbox (the database is down) is acknowledged
at once and its member told the database's short "try again in a minute" (the command in its acknowledgement, the
click where its reply would go, the form on its first field, left open): not a 500 (Slack would show the member
its own error, and Bolt logs a traceback), not the apology. Found by the PostgreSQL restart test
(``tests/faults/test_pg_restart.py``): commands in session 21, clicks in session 23's heavy run."""

from __future__ import annotations

import logging

import pytest

from mentorbot.models import RequestStatus
from mentorbot.storage.database import DatabaseOutcomeUnknown, DatabaseUnavailable
from tests.slack.conftest import (
    ALICE,
    BOB,
    COMMUNITY,
    EN,
    Workspace,
    offered,
    skills_state,
    text_state,
    unescape,
)


async def test_a_command_that_cannot_be_recorded_is_told_to_try_again_in_the_ack(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    ws = workspace

    async def down(*_args: object, **_kwargs: object) -> None:
        raise DatabaseUnavailable("PostgreSQL: ConnectionRefusedError: [Errno 111] Connect call failed")

    monkeypatch.setattr(ws.bot.store, "record_event", down)
    with caplog.at_level(logging.INFO):
        response = await ws.slack.slash_command(command="/mentor", text="request skills:seo", user_id=ALICE)
    assert response.status == 200
    text = unescape(response.text)
    assert EN("common.db_unavailable", correlation_id="@").split("@")[0] in text, text
    assert "Errno" not in text and "Traceback" not in text
    assert [r for r in caplog.records if r.getMessage().startswith("database unavailable")], "one line logged"
    assert not [r for r in caplog.records if r.exc_info], "no traceback: the database failing is not a bug"
    monkeypatch.undo()
    assert await ws.bot.store.find_member(COMMUNITY, ALICE) is None, "nothing was recorded nor done"
    assert await ws.bot.store.count_unprocessed() == 0


def _down(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    async def down(*_args: object, **_kwargs: object) -> None:
        raise DatabaseUnavailable("PostgreSQL: ConnectionRefusedError: [Errno 111] Connect call failed")

    monkeypatch.setattr(ws.bot.store, "record_event", down)


TRY_AGAIN = EN("common.db_unavailable", correlation_id="@").split("@")[0]


def _one_line_no_traceback(caplog: pytest.LogCaptureFixture, what: str) -> None:
    assert [r for r in caplog.records if r.getMessage().startswith("database unavailable [")], "one line logged"
    assert [r for r in caplog.records if what in r.getMessage()]
    assert not [r for r in caplog.records if r.exc_info], "no traceback: the database failing is not a bug"


async def test_a_click_that_cannot_be_recorded_is_acknowledged_and_the_clicker_told_to_try_again(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Found by the heavy PostgreSQL restart run: such a click raised out of the listener (Bolt's 500 and an ERROR
    traceback, the button marked failed in Slack and the clicker told nothing)."""
    ws = workspace
    offer = await offered(ws)
    _down(ws, monkeypatch)
    with caplog.at_level(logging.INFO):
        response = await ws.click(BOB, offer, "offer.accept")
    assert response.status == 200
    said = unescape(ws.texts(BOB, kind="response_url")[-1])
    assert TRY_AGAIN in said and "Errno" not in said, said
    _one_line_no_traceback(caplog, "recording a click of")
    monkeypatch.undo()
    request = await ws.bot.store.get_request(1)
    assert request is not None and request.status is RequestStatus.OFFERED, "nothing was done"
    assert await ws.bot.store.count_unprocessed() == 0


async def test_a_form_that_cannot_be_recorded_stays_open_with_the_try_again_notice(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    ws = workspace
    await ws.mentor(ALICE, "request")
    [modal] = ws.fake.modals_of(ALICE)
    _down(ws, monkeypatch)
    with caplog.at_level(logging.INFO):
        response = await ws.submit(ALICE, modal.view, {"skills": skills_state("seo"), "note": text_state("")})
    assert response.status == 200
    answer = response.json()
    assert answer["response_action"] == "errors"
    [notice] = answer["errors"].values()
    assert TRY_AGAIN in unescape(notice) and "Errno" not in notice, notice
    _one_line_no_traceback(caplog, "recording a form of")
    monkeypatch.undo()
    member = await ws.bot.store.find_member(COMMUNITY, ALICE)
    assert member is None or not await ws.bot.store.list_member_requests(member.id), "nothing was done"
    assert await ws.bot.store.count_unprocessed() == 0


async def test_a_form_whose_record_is_not_known_closes_and_the_member_is_told_where_it_was_opened(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The connection lost while the record ran (`DatabaseOutcomeUnknown`): it may have been recorded, and then it
    is answered once the database is back, so the form closes rather than invite sending it again at once; the
    notice says so where the form was opened from."""
    ws = workspace
    await ws.mentor(ALICE, "request")
    [modal] = ws.fake.modals_of(ALICE)

    async def unsure(*_args: object, **_kwargs: object) -> None:
        raise DatabaseOutcomeUnknown("PostgreSQL: the connection was lost during a statement committed on its own")

    monkeypatch.setattr(ws.bot.store, "record_event", unsure)
    response = await ws.submit(ALICE, modal.view, {"skills": skills_state("seo"), "note": text_state("")})
    assert (response.status, response.text) == (200, ""), "the form closes"
    said = unescape(ws.texts(ALICE)[-1])
    assert EN("common.db_unsure", correlation_id="@").split("@")[0] in said, said
