"""Nothing Slack got a 200 for is lost (issue 12, point 0): a slash command is recorded in the inbox before it
is acknowledged; a process that dies right after the acknowledgement leaves it to be processed, once, by the
process that comes back; a redelivery is recognised; past `max_inflight` a command is refused at once."""

from __future__ import annotations

from collections.abc import Coroutine
from datetime import timedelta
from typing import Any

import pytest

from mentorbot.models import RequestStatus
from mentorbot.usecases.handler import INBOX_LEASE
from mentorbot_slack.adapter import SlackAdapter
from tests.slack.conftest import ALICE, BOB, COMMUNITY, EN, Workspace, unescape


def _die_after_ack(adapter: SlackAdapter, monkeypatch: pytest.MonkeyPatch) -> None:
    """The process dies the moment it has acknowledged: the work it started never runs."""

    def dropped(work: Coroutine[Any, Any, None], *_args: object, **_kwargs: object) -> None:
        work.close()

    monkeypatch.setattr(adapter, "_start", dropped)


async def test_a_command_acknowledged_by_a_process_that_died_is_applied_and_answered_once(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = workspace
    await ws.mentor(BOB, "signup skills:seo")
    _die_after_ack(ws.adapter, monkeypatch)
    await ws.mentor(ALICE, "request skills:seo")  # Slack got its 200 …
    assert await ws.bot.store.find_member(COMMUNITY, ALICE) is None, "… and the process died before the work"
    assert await ws.bot.store.count_unprocessed() == 1
    monkeypatch.undo()

    restarted = SlackAdapter(ws.bot, ws.bot.settings)  # the process that comes back
    try:
        assert await restarted.recover() == 0, "the dead process's lease still holds"
        ws.clock.advance(INBOX_LEASE + timedelta(seconds=1))
        assert await restarted.recover() == 1
        await restarted.idle()
        assert await restarted.recover() == 0, "processed once"
    finally:
        await restarted.aclose()
    alice = await ws.member(ALICE)
    [request] = await ws.bot.store.list_member_requests(alice.id)
    assert request.status is RequestStatus.OFFERED
    answers = [unescape(m.text) for m in ws.seen(ALICE, kind="response_url")]
    assert any("#1" in text for text in answers), answers
    assert len(ws.dms(BOB)) == 1, "the mentor got the offer once"
    assert await ws.bot.store.count_unprocessed() == 0


async def test_a_redelivered_command_is_applied_once(workspace: Workspace) -> None:
    ws = workspace
    await ws.mentor(BOB, "signup skills:seo")
    trigger = ws.fake.new_trigger_id(ALICE)
    first = ws.fake.new_response_url(ALICE, "C0GENERAL1")
    await ws.command(ALICE, "/mentor", "request skills:seo", trigger_id=trigger, response_url=first)
    again = await ws.command(ALICE, "/mentor", "request skills:seo", trigger_id=trigger, response_url=first)
    assert again.text == ""
    alice = await ws.member(ALICE)
    assert len(await ws.bot.store.list_member_requests(alice.id)) == 1
    assert len(ws.dms(BOB)) == 1


async def test_past_max_inflight_a_command_is_refused_at_once_and_nothing_is_recorded(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = workspace
    monkeypatch.setattr(ws.adapter, "_in_flight", ws.bot.settings.max_inflight)
    response = await ws.slack.slash_command(command="/mentor", text="status", user_id=ALICE, user_name="alice")
    assert response.status == 200
    assert EN("slack.ack.busy") in unescape(response.text)
    assert await ws.bot.store.count_unprocessed() == 0
    assert await ws.bot.store.find_member(COMMUNITY, ALICE) is None, "no table was touched"
