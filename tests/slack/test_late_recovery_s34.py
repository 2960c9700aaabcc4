"""An interaction recorded before MentorBot stopped and recovered past its response_url's life (Slack: 30 minutes)
is answered by direct message, under a line saying it is the late answer to what the member sent and when (in
their language and time zone): never to the dead response_url, nor as an ephemeral in a channel (Slack keeps no
ephemeral; it is seen only by a member looking at that channel right then). A DM refused holds it for their next
command. One recovered within the response_url's life is answered through it, as before."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from mentorbot.formatting import when
from mentorbot.i18n import Translator
from mentorbot.usecases.handler import INBOX_LEASE
from mentorbot_slack.adapter import SlackAdapter
from tests.slack.conftest import ALICE, BOB, EN, SW, Workspace, offered, skills_state, text_state, unescape
from tests.slack.test_inbox import _die_after_ack

NAIROBI = "Africa/Nairobi"  # Alice's and Bob's time zone (users.info)


def _preface(t: Translator, at: datetime, zone: str | None = NAIROBI) -> str:
    return t("recovery.late_answer", when=when(at, t, zone))


class Traces:
    """What was posted to response_urls, and how many ephemerals went out, from a point on."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.posts = len(ws.fake.response_posts) + len(ws.fake.refused_response_posts)
        self.ephemerals = len(ws.calls("chat.postEphemeral"))
        self.seen = {user: len(ws.seen(user)) for user in ws.fake.users}

    def response_url_posts(self) -> int:
        return len(self.ws.fake.response_posts) + len(self.ws.fake.refused_response_posts) - self.posts

    def ephemeral_posts(self) -> int:
        return len(self.ws.calls("chat.postEphemeral")) - self.ephemerals

    def seen_by(self, user: str) -> list[tuple[str, str]]:
        return [(m.kind, unescape(m.text or "")) for m in self.ws.seen(user)[self.seen.get(user, 0) :]]


async def _restart_after(ws: Workspace, outage: timedelta) -> None:
    """The process that comes back after `outage` recovers what the dead one recorded."""
    ws.clock.advance(outage)
    restarted = SlackAdapter(ws.bot, ws.bot.settings)
    try:
        assert await restarted.recover() == 1
        await restarted.idle()
        await restarted.deliver(await ws.bot.undelivered())
    finally:
        await restarted.aclose()


async def test_a_command_recovered_three_days_later_is_answered_by_one_dm_with_the_late_preface(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = workspace
    await ws.mentor(BOB, "signup skills:seo")
    _die_after_ack(ws.adapter, monkeypatch)
    sent_at = ws.clock.now()
    await ws.mentor(ALICE, "request skills:seo")
    monkeypatch.undo()
    traces = Traces(ws)
    await _restart_after(ws, timedelta(days=3))
    [(kind, text)] = traces.seen_by(ALICE)
    assert kind == "dm"
    assert text.startswith(_preface(EN, sent_at)), text
    assert EN("request.offered", id=1, skills="SEO") in text
    assert traces.response_url_posts() == 0, "the response_url is dead: not tried"
    assert traces.ephemeral_posts() == 0, "no ephemeral: Slack does not keep them"
    assert await ws.bot.store.count_unprocessed() == 0


async def test_a_command_recovered_after_five_minutes_is_answered_through_its_response_url_as_before(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = workspace
    await ws.mentor(BOB, "signup skills:seo")
    _die_after_ack(ws.adapter, monkeypatch)
    await ws.mentor(ALICE, "request skills:seo")
    monkeypatch.undo()
    traces = Traces(ws)
    assert timedelta(minutes=5) > INBOX_LEASE
    await _restart_after(ws, timedelta(minutes=5))
    seen = traces.seen_by(ALICE)
    assert seen == [("response_url", EN("request.offered", id=1, skills="SEO"))], seen
    assert traces.response_url_posts() == 1


async def test_the_late_preface_is_in_the_members_language(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = workspace
    await ws.mentor(BOB, "signup skills:seo")
    await ws.mentor(ALICE, "language sw")
    _die_after_ack(ws.adapter, monkeypatch)
    sent_at = ws.clock.now()
    await ws.mentor(ALICE, "request skills:seo")
    monkeypatch.undo()
    traces = Traces(ws)
    await _restart_after(ws, timedelta(days=3))
    [(kind, text)] = traces.seen_by(ALICE)
    assert kind == "dm"
    assert text.startswith(_preface(SW, sent_at)), text
    assert SW("request.offered", id=1, skills="\x00").split("\x00")[0] in text, "the answer, in Swahili too"


async def test_a_late_answer_whose_dm_is_refused_is_held_for_the_next_command(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = workspace
    await ws.mentor(BOB, "signup skills:seo")
    await ws.mentor(ALICE, "status")  # a member already, who closes her DMs with the app
    ws.fake.close_dms(ALICE)
    _die_after_ack(ws.adapter, monkeypatch)
    sent_at = ws.clock.now()
    await ws.mentor(ALICE, "request skills:seo")
    monkeypatch.undo()
    traces = Traces(ws)
    await _restart_after(ws, timedelta(days=3))
    assert traces.seen_by(ALICE) == [], "refused by DM, and no ephemeral nor dead response_url"
    assert traces.response_url_posts() == 0 and traces.ephemeral_posts() == 0
    alice = await ws.member(ALICE)
    assert await ws.bot.store.has_held_notices(alice.id), "held for her next command"
    await ws.mentor(ALICE, "status")
    shown = "\n".join(text for _, text in traces.seen_by(ALICE))
    assert _preface(EN, sent_at) in shown and EN("request.offered", id=1, skills="SEO") in shown, shown
    assert not await ws.bot.store.has_held_notices(alice.id)


async def test_a_click_recovered_hours_later_updates_its_message_and_is_answered_by_dm(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = workspace
    offer = await offered(ws)
    _die_after_ack(ws.adapter, monkeypatch)
    sent_at = ws.clock.now()
    await ws.click(BOB, offer, "offer.accept")
    monkeypatch.undo()
    traces = Traces(ws)
    await _restart_after(ws, timedelta(hours=2))  # well within the offer's time, long past the response_url's
    [update] = ws.calls("chat.update")
    assert update.params["ts"] == offer["ts"], "the clicked offer lost its buttons"
    late = [text for kind, text in traces.seen_by(BOB) if kind == "dm" and text.startswith(_preface(EN, sent_at))]
    assert len(late) == 1, traces.seen_by(BOB)  # besides the introduction to his mentee (a notification)
    assert EN("offer.accepted", id=1) in late[0], late
    assert traces.response_url_posts() == 0 and traces.ephemeral_posts() == 0


async def test_a_form_recovered_days_later_is_answered_by_dm(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = workspace
    await ws.mentor(BOB, "signup skills:seo levels:expert")
    await ws.mentor(ALICE, "request")
    [modal] = ws.fake.modals_of(ALICE)
    _die_after_ack(ws.adapter, monkeypatch)
    monkeypatch.setattr(ws.adapter, "ack_budget", 0.0)
    sent_at = ws.clock.now()
    await ws.submit(ALICE, modal.view, {"skills": skills_state("seo"), "note": text_state("launch")})
    monkeypatch.undo()
    traces = Traces(ws)
    await _restart_after(ws, timedelta(days=3))
    [(kind, text)] = traces.seen_by(ALICE)
    assert kind == "dm"
    assert text.startswith(_preface(EN, sent_at)) and EN("request.offered", id=1, skills="SEO") in text, text
    assert traces.response_url_posts() == 0 and traces.ephemeral_posts() == 0
