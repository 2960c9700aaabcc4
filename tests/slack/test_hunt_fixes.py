"""Fixes of defects the hunts found in the Slack adapter, each with the behaviour it restores."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Sequence
from datetime import timedelta

import pytest

from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from mentorbot.observability import READINESS
from mentorbot.replies import Button, ButtonStyle, Field, Reply, reply_to_json
from mentorbot.storage.database import DatabaseUnavailable
from mentorbot_slack import runner
from mentorbot_slack.blocks import FALLBACK_TEXT_MAX, message, packed
from tests.fakes.slack_ids import APP_TOKEN
from tests.fakes.slack_web_api import FakeSlack, ResponseUrlPost
from tests.slack.conftest import (
    ALICE,
    BOB,
    COMMUNITY,
    EN,
    EVE,
    Workspace,
    make_settings,
    offered,
    skills_state,
    text_state,
    unescape,
)


async def wait_for(check: object, within: float = 5.0) -> bool:
    """Whether `check()` became true within `within` seconds."""
    assert callable(check)
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if check():
            return True
        await asyncio.sleep(0.02)
    return bool(check())


# ---------------------------------------------------------------- /readyz follows the Socket Mode connection


async def test_readiness_says_slack_is_down_while_the_socket_cannot_reconnect(
    slack_fake: FakeSlack, bot: MentorBot, members: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runner, "SOCKET_CHECK_SECONDS", 0.05)
    settings = make_settings(slack_fake, slack={"mode": "socket", "app_token": APP_TOKEN, "signing_secret": None})
    socket = slack_fake.socket_mode
    task = asyncio.create_task(runner.run(bot, settings))
    try:
        await socket.wait_connected()
        assert await wait_for(lambda: READINESS.platforms().get("slack") is True)
        good = socket.issue_url
        monkeypatch.setattr(socket, "issue_url", lambda: good().replace("ticket=", "ticket=refused"))
        await socket.close_connections()  # Slack drops the websocket; every reconnect is refused
        assert await wait_for(lambda: READINESS.platforms().get("slack") is False), "/readyz still says connected"
        assert socket.open_connections == 0
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert READINESS.platforms().get("slack") is False


# ---------------------------------------------------------------- an interaction whose record fails with a bug

APOLOGY = EN("common.apology", correlation_id="@").split("@")[0]
SECRET = "password authentication failed for user secret-internal-detail"


def _record_fails_with_a_bug(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    async def bug(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError(SECRET)  # what an unclassified driver error looks like to the adapter

    monkeypatch.setattr(ws.bot.store, "record_event", bug)


def _apology_with_the_logged_id(said: str, caplog: pytest.LogCaptureFixture, what: str) -> None:
    assert APOLOGY in said and SECRET not in said, said
    [logged] = [r for r in caplog.records if r.getMessage().startswith("unexpected error [") and what in r.getMessage()]
    assert logged.exc_info, "a bug is logged with its traceback"
    correlation_id = re.search(r"\[(\w+)\]", logged.getMessage())
    assert correlation_id is not None and correlation_id.group(1) in said, "the member can quote the logged id"


async def test_a_command_whose_record_fails_with_a_bug_gets_the_apology_in_its_ack(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    ws = workspace
    _record_fails_with_a_bug(ws, monkeypatch)
    with caplog.at_level(logging.INFO):
        response = await ws.slack.slash_command(command="/mentor", text="request skills:seo", user_id=ALICE)
    assert response.status == 200, "not Slack's own error for a 500"
    _apology_with_the_logged_id(unescape(response.text), caplog, "recording a command of")


async def test_a_click_whose_record_fails_with_a_bug_gets_the_apology_where_its_reply_goes(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    ws = workspace
    offer = await offered(ws)
    _record_fails_with_a_bug(ws, monkeypatch)
    with caplog.at_level(logging.INFO):
        response = await ws.click(BOB, offer, "offer.accept")
    assert response.status == 200
    _apology_with_the_logged_id(unescape(ws.texts(BOB, kind="response_url")[-1]), caplog, "recording a click of")


async def test_a_form_whose_record_fails_with_a_bug_stays_open_with_the_apology(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    ws = workspace
    await ws.mentor(ALICE, "request")
    [modal] = ws.fake.modals_of(ALICE)
    _record_fails_with_a_bug(ws, monkeypatch)
    with caplog.at_level(logging.INFO):
        response = await ws.submit(ALICE, modal.view, {"skills": skills_state("seo"), "note": text_state("")})
    assert response.status == 200
    answer = response.json()
    assert answer["response_action"] == "errors"
    [notice] = answer["errors"].values()
    _apology_with_the_logged_id(unescape(notice), caplog, "recording a form of")


# ---------------------------------------------------------------- the database fails on a read before the core runs

SAVED = EN("common.db_saved", correlation_id="@").split("@")[0]
NOTHING_CHANGED = EN("common.db_unavailable", correlation_id="@").split("@")[0]


class Outage:
    """Makes one of the adapter's reads fail as an unreachable database would, while `down`."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> None:
        self.down = True
        real = getattr(owner, name)

        async def read(*args: object, **kwargs: object) -> object:
            if self.down:
                raise DatabaseUnavailable("PostgreSQL: ConnectionRefusedError: [Errno 111] Connect call failed")
            return await real(*args, **kwargs)

        monkeypatch.setattr(owner, name, read)


async def test_a_slow_command_whose_language_read_fails_is_told_saved_then_done_by_the_recovery(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, clock: ManualClock
) -> None:
    """/mentor-admin round is slow: the adapter reads the admin's language for its "working on it" line after the
    command was recorded and before the core runs it. It stays recorded, so it is done later: not "nothing was
    changed, try again" followed by the real answer."""
    ws = workspace
    outage = Outage(monkeypatch, ws.adapter.delivery, "translator_for")
    await ws.command(EVE, "/mentor-admin", "round")
    outage.down = False
    [told] = ws.texts(EVE)
    assert SAVED in told and NOTHING_CHANGED not in told, told
    assert await ws.bot.store.count_unprocessed() == 1, "still recorded"
    clock.advance(timedelta(minutes=3))
    assert await ws.adapter.recover() == 1
    await ws.settle()
    assert len(ws.texts(EVE)) == 2 and SAVED not in ws.texts(EVE)[1], "then done, once, with its answer"
    assert await ws.bot.store.count_unprocessed() == 0


async def test_a_recovered_command_that_meets_the_outage_again_says_nothing_more(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, clock: ManualClock
) -> None:
    ws = workspace
    outage = Outage(monkeypatch, ws.adapter.delivery, "translator_for")
    await ws.command(EVE, "/mentor-admin", "round")
    assert len(ws.texts(EVE)) == 1
    clock.advance(timedelta(minutes=3))
    await ws.adapter.recover()  # the database still fails on that read
    await ws.settle()
    assert len(ws.texts(EVE)) == 1, "told it is saved once, not at every try"
    assert await ws.bot.store.count_unprocessed() == 1
    outage.down = False
    clock.advance(timedelta(minutes=3))
    await ws.adapter.recover()
    await ws.settle()
    assert len(ws.texts(EVE)) == 2 and await ws.bot.store.count_unprocessed() == 0


async def test_a_parse_error_whose_language_read_fails_is_told_saved_then_answered(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, clock: ManualClock
) -> None:
    ws = workspace
    outage = Outage(monkeypatch, ws.bot.store, "find_member")
    response = await ws.slack.slash_command(command="/mentor", text="pause for:often", user_id=ALICE)
    assert response.status == 200
    await ws.settle()
    outage.down = False
    [told] = ws.texts(ALICE)
    assert SAVED in told and NOTHING_CHANGED not in told, told
    clock.advance(timedelta(minutes=3))
    await ws.adapter.recover()
    await ws.settle()
    assert len(ws.texts(ALICE)) == 2 and await ws.bot.store.count_unprocessed() == 0


async def test_a_form_command_with_all_its_input_typed_is_still_told_saved_then_done(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, clock: ManualClock
) -> None:
    """/mentor request with its skills typed needs no form: the recovery can run it as typed, so it stays
    recorded and is done later."""
    ws = workspace
    outage = Outage(monkeypatch, ws.bot.store, "create_request")
    await ws.mentor(ALICE, "request skills:seo")
    outage.down = False
    [told] = ws.texts(ALICE)
    assert SAVED in told and NOTHING_CHANGED not in told, told
    assert await ws.bot.store.count_unprocessed() == 1, "still recorded"
    clock.advance(timedelta(minutes=3))
    assert await ws.adapter.recover() == 1
    await ws.settle()
    assert len(ws.texts(ALICE)) == 2 and SAVED not in ws.texts(ALICE)[1], "then done, once, with its answer"
    assert await ws.bot.store.count_unprocessed() == 0


async def _form_not_opened(ws: Workspace, user: str, clock: ManualClock) -> str:
    """What `user` was told about a form that could not open, checking that nothing more comes of it: it is not
    left recorded for the recovery (which could only refuse it as incomplete: a form needs a fresh trigger)."""
    [told] = ws.texts(user)
    assert NOTHING_CHANGED in told and SAVED not in told, told
    assert await ws.bot.store.count_unprocessed() == 0, "nothing left for the recovery"
    clock.advance(timedelta(minutes=3))
    assert await ws.adapter.recover() == 0
    await ws.settle()
    assert ws.texts(user) == [told], "not refused later as incomplete"
    return told


async def test_a_request_form_whose_language_read_fails_is_told_nothing_was_changed(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, clock: ManualClock
) -> None:
    """Not "saved, no need to type it again": the recovery runs a command without its form, so a request without
    its skills could only be refused as incomplete. Once the database is back, the form opens again."""
    ws = workspace
    outage = Outage(monkeypatch, ws.adapter.delivery, "translator_for")
    await ws.mentor(ALICE, "request")
    outage.down = False
    assert not ws.fake.modals_of(ALICE)
    await _form_not_opened(ws, ALICE, clock)
    await ws.mentor(ALICE, "request")
    assert ws.fake.modals_of(ALICE), "typed again, the form opens"


async def test_a_signup_form_whose_profile_read_fails_is_told_nothing_was_changed(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, clock: ManualClock
) -> None:
    ws = workspace
    outage = Outage(monkeypatch, ws.bot, "mentor_profile")
    await ws.mentor(BOB, "signup")
    outage.down = False
    assert not ws.fake.modals_of(BOB)
    await _form_not_opened(ws, BOB, clock)
    assert await ws.bot.mentor_profile(COMMUNITY, BOB) is None, "nothing was done"


async def test_a_feedback_button_whose_form_cannot_open_is_told_nothing_was_changed(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, clock: ManualClock
) -> None:
    ws = workspace
    offer = await offered(ws)
    await ws.click(BOB, offer, "offer.accept")
    await ws.mentor(ALICE, "end 1 rating:4")
    notice = ws.dms(BOB)[-1]
    before = len(ws.texts(BOB))
    # Since session 30 the form's first read is the core's check that feedback is still to give.
    outage = Outage(monkeypatch, ws.bot, "feedback_form")
    await ws.click(BOB, notice, "feedback.open")
    outage.down = False
    assert not ws.fake.modals_of(BOB)
    told = ws.texts(BOB)[before:]
    assert len(told) == 1 and NOTHING_CHANGED in told[0] and SAVED not in told[0], told
    assert await ws.bot.store.count_unprocessed() == 0, "nothing left for the recovery"
    clock.advance(timedelta(minutes=3))
    assert await ws.adapter.recover() == 0
    await ws.settle()
    assert ws.texts(BOB)[before:] == told


# ---------------------------------------------------------------- a form opens within its trigger's three seconds


async def test_a_form_opens_without_waiting_out_a_rate_limited_users_info(workspace: Workspace) -> None:
    """Slack's trigger_id is valid three seconds (the fake does not model its expiry): users.info, whose 429s are
    waited out, must not come before views.open."""
    ws = workspace
    ws.adapter._facts.clear()
    ws.fake.rate_limit("users.info", times=3, retry_after=3)
    started = time.monotonic()
    await ws.mentor(ALICE, "request")
    [opened] = ws.fake.calls_to("views.open")
    assert opened.time - started < 1.0, f"views.open {opened.time - started:.2f} s after the command"
    assert not [c for c in ws.fake.calls_to("users.info") if c.time < opened.time], "users.info came first"


async def test_a_form_command_that_needs_no_form_runs_with_what_users_info_says(workspace: Workspace) -> None:
    ws = workspace
    ws.adapter._facts.clear()
    await ws.mentor(ALICE, "request skills:seo")
    assert ws.fake.calls_to("users.info") and not ws.fake.calls_to("views.open")
    assert (await ws.member(ALICE)).timezone == "Africa/Nairobi", "the caller carries users.info's time zone"


# ---------------------------------------------------------------- held notices past a response_url's five posts


SLACK_POSTS_PER_RESPONSE_URL = 5
"""Slack's rule: a response_url takes up to five posts within 30 minutes (the fake takes any number)."""


def offer_notice(i: int) -> Reply:
    return Reply(
        f"Someone asked for a mentor in SEO. Offer #{i} expires in 48 hours.",
        title=f"New mentee offer #{i}",
        fields=(Field("Skills", "SEO"), Field("Note", "keyword research"), Field("Level", "learning")),
        buttons=(Button("offer.accept", str(i), "Accept", ButtonStyle.PRIMARY), Button("offer.decline", str(i), "No")),
    )


def offers_shown(posts: Sequence[ResponseUrlPost]) -> list[str]:
    headers = [b["text"]["text"] for p in posts for b in p.blocks or [] if b.get("type") == "header"]
    return [h for h in headers if h.startswith("New mentee offer")]


async def test_held_notices_past_the_response_urls_five_posts_are_held_again_then_shown(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Slack takes five posts to one response_url (the fake takes any number). A member's held notices are all
    taken by their next command: those that fit in what the response_url has left after the answer are shown,
    the rest (the bot is not in the channel, DMs are closed) are held again and shown with the next command."""
    ws = workspace
    await ws.mentor(ALICE, "status")
    member = await ws.member(ALICE)
    for i in range(1, 61):
        await ws.bot.store.hold_notice(member.id, reply_to_json(offer_notice(i)), ws.clock.now())
    ws.fake.stub("chat.postEphemeral", {"ok": False, "error": "not_in_channel"})
    ws.fake.close_dms(ALICE)

    seen: list[str] = []
    for _ in range(2):
        before = len(ws.fake.response_posts)
        await ws.mentor(ALICE, "status", channel_id="C0NOTMEMBER")
        posts = ws.fake.response_posts[before:]
        assert len({p.hook_id for p in posts}) == 1 and len(posts) <= SLACK_POSTS_PER_RESPONSE_URL, len(posts)
        seen += offers_shown(posts)
        if len(seen) < 60:
            assert await ws.bot.store.has_held_notices(member.id), "the notices not shown are held again"
    assert seen == [f"New mentee offer #{i}" for i in range(1, 61)], "each shown once, in order"
    assert not await ws.bot.store.has_held_notices(member.id)


async def test_held_notices_go_on_in_the_channel_once_the_response_url_is_used_up(workspace: Workspace) -> None:
    ws = workspace
    await ws.mentor(ALICE, "status")
    member = await ws.member(ALICE)
    for i in range(1, 61):
        await ws.bot.store.hold_notice(member.id, reply_to_json(offer_notice(i)), ws.clock.now())
    before = len(ws.fake.response_posts)
    await ws.mentor(ALICE, "status")
    assert len(ws.fake.response_posts) - before == SLACK_POSTS_PER_RESPONSE_URL
    ephemerals = [b for c in ws.fake.calls_to("chat.postEphemeral") for b in c.params["blocks"]]
    in_channel = [b["text"]["text"] for b in ephemerals if b.get("type") == "header"]
    shown = offers_shown(ws.fake.response_posts[before:]) + in_channel
    assert shown == [f"New mentee offer #{i}" for i in range(1, 61)], "each shown once, in order"
    assert not await ws.bot.store.has_held_notices(member.id)


# ---------------------------------------------------------------- held notices' plain text escaped once


def test_the_plain_text_of_packed_notices_is_escaped_once() -> None:
    held = Reply("Your mentee wrote: Q&A <prep> for R&D", title="New offer")
    [(body, _)] = packed([held, held], note="Shown here because your DMs were closed")
    single = message(held)["text"]
    assert body["text"] == f"Shown here because your DMs were closed\n{single}\n\n{single}"
    assert "&amp;amp;" not in body["text"] and "Q&amp;A &lt;prep&gt;" in body["text"]


def test_packed_notices_plain_text_keeps_whole_notices_within_slacks_limit() -> None:
    long = Reply("&" * 9_000)  # 45,000 characters once escaped: cut to Slack's 40,000
    [(body, _)] = packed([long, Reply("after")])
    assert len(body["text"]) <= FALLBACK_TEXT_MAX and "after" not in body["text"]
    assert body["text"].endswith("…") and not body["text"].rstrip("…").endswith(("&", "&a", "&am"))
