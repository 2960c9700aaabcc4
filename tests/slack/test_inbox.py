"""Nothing Slack got a 200 for is lost (issue 12, point 0): a slash command, a click and a form submission are
recorded in the inbox before they are acknowledged; a process that dies right after the acknowledgement leaves
each to be processed, once, by the process that comes back; one that dies after the change committed but before
the member saw the answer leaves the stored answer to be shown (the change is not made again); a redelivery is
recognised; past `max_inflight` a new interaction is refused at once, politely, and nothing is recorded."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from datetime import timedelta
from typing import Any, NoReturn

import pytest

from mentorbot.models import MentorshipStatus, RequestStatus
from mentorbot.observability import REGISTRY
from mentorbot.storage.database import DatabaseUnavailable
from mentorbot.usecases.handler import INBOX_LEASE
from mentorbot_slack.adapter import SlackAdapter
from tests.slack.conftest import (
    ALICE,
    BOB,
    COMMUNITY,
    DAVE,
    EN,
    Workspace,
    find_button,
    offered,
    skills_state,
    text_state,
    unescape,
)


def _die_after_ack(adapter: SlackAdapter, monkeypatch: pytest.MonkeyPatch) -> None:
    """The process dies the moment it has acknowledged: the work it started never runs."""

    def dropped(work: Coroutine[Any, Any, None], *_args: object, **_kwargs: object) -> None:
        work.close()

    monkeypatch.setattr(adapter, "_start", dropped)


def _die_before_answering(adapter: SlackAdapter, monkeypatch: pytest.MonkeyPatch) -> None:
    """The process dies after a command's change committed, before the member was shown the answer."""

    async def killed(*_args: object, **_kwargs: object) -> None:
        raise asyncio.CancelledError

    monkeypatch.setattr(adapter, "answer", killed)


async def _recover_after_lease(ws: Workspace) -> int:
    """The process that comes back recovers what the dead one left, once its lease ran out; how many."""
    restarted = SlackAdapter(ws.bot, ws.bot.settings)
    try:
        ws.clock.advance(INBOX_LEASE + timedelta(seconds=1))
        found = await restarted.recover()
        await restarted.idle()
        assert await restarted.recover() == 0, "recovered once"
        await restarted.deliver(await ws.bot.undelivered())  # what the dead process did not say (the outbox)
        return found
    finally:
        await restarted.aclose()


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


REFUSALS = "mentorbot_busy_refusals_total"


async def test_a_burst_refused_as_busy_is_counted_in_full_and_written_to_the_log_once(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    ws = workspace
    monkeypatch.setattr(ws.adapter, "_in_flight", ws.bot.settings.max_inflight)
    before = REGISTRY.get_sample_value(REFUSALS, {"platform": "slack"}) or 0.0
    caplog.set_level(logging.WARNING, "mentorbot.slack")
    for _ in range(20):
        response = await ws.slack.slash_command(command="/mentor", text="status", user_id=ALICE, user_name="alice")
        assert EN("slack.ack.busy") in unescape(response.text)
    assert REGISTRY.get_sample_value(REFUSALS, {"platform": "slack"}) == before + 20
    busy_lines = [m for m in caplog.messages if "MENTORBOT_MAX_INFLIGHT" in m]
    assert len(busy_lines) == 1 and busy_lines[0].startswith(f"{ws.bot.settings.max_inflight} Slack interactions")


async def test_a_command_whose_process_died_before_answering_gets_its_stored_answer_and_is_not_run_again(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = workspace
    await ws.mentor(BOB, "signup skills:seo")
    _die_before_answering(ws.adapter, monkeypatch)
    await ws.mentor(ALICE, "request skills:seo")
    assert ws.seen(ALICE, kind="response_url") == [], "the process died before answering"
    monkeypatch.undo()
    assert await _recover_after_lease(ws) == 1
    [answer] = ws.seen(ALICE, kind="response_url")
    assert unescape(answer.text or "") == EN("request.offered", id=1, skills="SEO")
    alice = await ws.member(ALICE)
    assert len(await ws.bot.store.list_member_requests(alice.id)) == 1, "the request was made once"
    assert await ws.bot.store.count_unprocessed() == 0


async def test_a_click_acknowledged_by_a_process_that_died_is_applied_once_and_updates_the_offer(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = workspace
    offer = await offered(ws)
    _die_after_ack(ws.adapter, monkeypatch)
    await ws.click(BOB, offer, "offer.accept")
    assert await ws.bot.store.list_mentorships() == [], "the process died before the work"
    monkeypatch.undo()
    assert await _recover_after_lease(ws) == 1
    [mentorship] = await ws.bot.store.list_mentorships()
    assert mentorship.status is MentorshipStatus.ACTIVE
    [update] = ws.calls("chat.update")
    assert update.params["ts"] == offer["ts"], "the clicked offer lost its buttons"
    assert all(block.get("type") != "actions" for block in ws.dms(BOB)[0].get("blocks", []))
    assert await ws.bot.store.count_unprocessed() == 0


async def test_a_click_whose_process_died_before_answering_updates_the_offer_from_the_stored_answer(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = workspace
    offer = await offered(ws)

    async def killed(*_args: object, **_kwargs: object) -> None:
        raise asyncio.CancelledError

    monkeypatch.setattr(ws.adapter, "_show_click", killed)
    await ws.click(BOB, offer, "offer.decline")
    assert ws.calls("chat.update") == []
    monkeypatch.undo()
    assert await _recover_after_lease(ws) == 1
    [update] = ws.calls("chat.update")
    assert update.params["ts"] == offer["ts"]
    assert unescape(ws.dms(BOB)[0]["text"]) == EN("offer.declined", id=1)
    assert len(ws.dms(DAVE)) == 1, "declined once: the next mentor got one offer"


async def test_a_form_submitted_to_a_process_that_died_is_applied_once_and_answered(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = workspace
    await ws.mentor(BOB, "signup skills:seo levels:expert")
    await ws.mentor(ALICE, "request")
    [modal] = ws.fake.modals_of(ALICE)
    _die_after_ack(ws.adapter, monkeypatch)
    monkeypatch.setattr(ws.adapter, "ack_budget", 0.0)
    response = await ws.submit(ALICE, modal.view, {"skills": skills_state("seo"), "note": text_state("launch")})
    assert (response.status, response.text) == (200, ""), "the modal closed"
    assert await ws.bot.store.find_member(COMMUNITY, ALICE) is None, "the process died before the work"
    monkeypatch.undo()
    assert await _recover_after_lease(ws) == 1
    alice = await ws.member(ALICE)
    [request] = await ws.bot.store.list_member_requests(alice.id)
    assert request.status is RequestStatus.OFFERED
    assert ws.texts(ALICE)[-1] == EN("request.offered", id=1, skills="SEO")
    [offer_dm] = ws.dms(BOB)
    assert "launch" in offer_dm["text"]


async def test_past_max_inflight_a_click_is_refused_politely_and_nothing_is_recorded(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = workspace
    offer = await offered(ws)
    recorded_before = await _inbox_rows(ws)
    monkeypatch.setattr(ws.adapter, "_busy", lambda: True)  # `max_inflight` interactions being worked on
    response = await ws.slack.block_actions(
        action_id=find_button(offer, "offer.accept")["action_id"],
        value="1",
        button_text="Accept",
        user_id=BOB,
        user_name="bob",
        message=offer,
    )
    assert response.status == 200
    await ws.settle()
    assert ws.texts(BOB)[-1] == EN("slack.ack.busy")
    assert await _inbox_rows(ws) == recorded_before
    assert await ws.bot.store.list_mentorships() == []


async def _inbox_rows(ws: Workspace) -> int:
    async with ws.bot.store.read() as conn:
        row = await conn.fetch_one("SELECT COUNT(*) AS n FROM inbox")
    assert row is not None
    return int(row["n"])


async def test_a_failure_after_the_answer_is_logged_and_never_shown(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = workspace
    await ws.mentor(BOB, "signup skills:seo")

    async def down(*_args: object, **_kwargs: object) -> None:
        raise DatabaseUnavailable("the server went away")  # while delivering the offer, after the answer

    monkeypatch.setattr(ws.adapter.delivery, "notify", down)
    await ws.mentor(ALICE, "request skills:seo")
    assert ws.texts(ALICE) == [EN("request.offered", id=1, skills="SEO")], "the answer, and nothing after it"
    monkeypatch.undo()
    assert ws.dms(BOB) == []
    ws.clock.advance(INBOX_LEASE + timedelta(seconds=1))
    await ws.adapter.deliver(await ws.bot.undelivered())  # the outbox's recovery
    assert len(ws.dms(BOB)) == 1
    assert await ws.bot.store.count_unprocessed() == 0


async def _database_down(*_args: object, **_kwargs: object) -> NoReturn:
    raise DatabaseUnavailable("the server went away")


@pytest.mark.parametrize("how", ["click", "typed"])
async def test_an_accept_whose_offer_message_cannot_be_found_afterwards_is_shown_as_accepted_and_nothing_else(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    ws = workspace
    offer = await offered(ws)
    seen_before = len(ws.seen(BOB))
    # The database goes away once the accept is committed, before the offer's message could be looked up.
    monkeypatch.setattr(ws.adapter.delivery.sent, "get", _database_down)
    if how == "click":
        await ws.click(BOB, offer, "offer.accept")
    else:
        await ws.mentor(BOB, "accept 1")
    shown = [unescape(m.text or "") for m in ws.seen(BOB)[seen_before:]]
    [accepted] = shown  # accepted, and never followed by "nothing was changed"
    assert EN("offer.accepted", id=1) in accepted
    assert [m.status for m in await ws.bot.store.list_mentorships()] == [MentorshipStatus.ACTIVE]
    assert await ws.bot.store.count_unprocessed() == 0, "answered: not run or shown again"


async def test_a_form_saved_while_the_database_is_away_closes_and_is_answered_once_when_it_is_back(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = workspace
    await ws.mentor(BOB, "signup skills:seo levels:expert")
    await ws.mentor(ALICE, "request")  # no skills typed: the form opens
    [form] = ws.fake.modals_of(ALICE)
    monkeypatch.setattr(ws.bot.store, "begin_processing", _database_down)  # recorded, then the database goes away
    response = await ws.submit(ALICE, form.view, {"skills": skills_state("seo")})
    assert (response.status, response.text) == (200, ""), "the form closes: it is not to be sent a second time"
    [saved] = ws.texts(ALICE)
    assert saved.startswith(EN("common.db_saved", correlation_id="\x00").split("\x00")[0])
    monkeypatch.undo()
    assert await _recover_after_lease(ws) == 1
    assert ws.texts(ALICE)[1:] == [EN("request.offered", id=1, skills="SEO")], "answered once, where it was opened"
    alice = await ws.member(ALICE)
    assert len(await ws.bot.store.list_member_requests(alice.id)) == 1
