"""Notifications Slack failed to take for a transient reason (HTTP 5xx, 429 with Retry-After, the network) go back
to the outbox and are tried again with backoff (issue 12, point 1): one DM once the wait is over, the Retry-After
honoured, held after the last try; a permanent refusal keeps its old path (fallback, or held at once)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from mentorbot.library import Library
from mentorbot.models import MentorStatus
from mentorbot.replies import Notification
from mentorbot.retries import JITTER, RETRY_BASE, Alarm, TransientFailure
from mentorbot.storage.sqlite_engine import SqliteDatabase
from mentorbot.storage.store import Store
from mentorbot_slack.delivery import transient
from tests.fakes.slack_web_api import FakeSlack
from tests.slack.conftest import ALICE, BOB, COMMUNITY, EN, Workspace, find_button, make_settings, unescape

MAX_ATTEMPTS = 3
FIRST_WAIT = RETRY_BASE * (1 + JITTER)  # the longest the first wait can be, jitter included


@pytest_asyncio.fixture
async def bot(tmp_path: Path, library: Library, slack_fake: FakeSlack, clock: ManualClock) -> AsyncIterator[MentorBot]:
    """The core on a fresh SQLite file, giving up after three tries."""
    store = Store(SqliteDatabase(str(tmp_path / "mentorbot.sqlite3")))
    await store.open(clock.now())
    try:
        settings = make_settings(slack_fake, delivery_attempts=MAX_ATTEMPTS)
        yield MentorBot(store, library, settings, clock, worker_id="slack-test")
    finally:
        await store.close()


async def retry_round(ws: Workspace) -> list[Notification]:
    """One round of the timer loop's delivery: claim what is due in the outbox, deliver it."""
    notes = await ws.bot.undelivered(communities=["slack:"])
    await ws.adapter.deliver(notes)
    return notes


async def outbox_row(ws: Workspace, key: str) -> dict[str, Any]:
    async with ws.bot.store.read() as conn:
        row = await conn.fetch_one(
            "SELECT status, attempts, claimed_by FROM outbox WHERE message_key = ? ORDER BY id DESC LIMIT 1", key
        )
    assert row is not None, key
    return dict(row)


async def test_a_500_then_success_is_one_dm_once_the_backoff_has_passed(workspace: Workspace) -> None:
    ws = workspace
    await ws.mentor(BOB, "signup skills:seo")
    ws.fake.fail_next("chat.postMessage", "internal_error", status=500)

    await ws.mentor(ALICE, "request skills:seo")

    [failed] = ws.calls("chat.postMessage")
    assert failed.status == 500 and ws.dms(BOB) == [] and ws.seen(BOB, kind="ephemeral") == []
    assert await outbox_row(ws, "offer:1") == {"status": "pending", "attempts": 1, "claimed_by": None}
    ws.clock.advance(RETRY_BASE - timedelta(seconds=1))
    assert await retry_round(ws) == [], "not before the backoff"

    ws.clock.advance(FIRST_WAIT - RETRY_BASE + timedelta(seconds=2))
    [again] = await retry_round(ws)

    assert again.key == "offer:1" and again.attempts == 2
    [offer] = ws.dms(BOB)
    assert unescape(offer["text"]).startswith(EN("offer.title", id=1))
    assert len(ws.calls("chat.postMessage")) == 2
    assert (await outbox_row(ws, "offer:1"))["status"] == "delivered"
    ws.clock.advance(timedelta(days=1))
    assert await retry_round(ws) == [] and len(ws.dms(BOB)) == 1, "delivered once"

    # Where the retried DM is was recorded, so a later version of the offer edits it.
    assert await ws.adapter.delivery.sent.get(COMMUNITY, BOB, "offer:1") == (ws.fake.dm_channel_of(BOB), offer["ts"])


async def test_a_429_is_tried_again_no_sooner_than_its_retry_after(workspace: Workspace) -> None:
    ws = workspace
    await ws.mentor(BOB, "signup skills:seo")
    ws.fake.rate_limit("chat.postMessage", retry_after=120)

    await ws.mentor(ALICE, "request skills:seo")

    [limited] = ws.calls("chat.postMessage")
    assert limited.status == 429, "a long rate limit is not slept through in-process"
    ws.clock.advance(timedelta(seconds=119))
    assert await retry_round(ws) == [], "the backoff (30 s) has passed, Slack's 120 s have not"
    ws.clock.advance(timedelta(seconds=2))
    [again] = await retry_round(ws)
    assert again.key == "offer:1"
    [offer] = ws.dms(BOB)
    assert unescape(offer["text"]).startswith(EN("offer.title", id=1))


async def test_a_short_429_is_waited_out_in_process(workspace: Workspace) -> None:
    ws = workspace
    await ws.mentor(BOB, "signup skills:seo")
    ws.fake.rate_limit("chat.postMessage", retry_after=0)

    await ws.mentor(ALICE, "request skills:seo")

    limited, sent = ws.calls("chat.postMessage")
    assert (limited.status, sent.status) == (429, 200)
    assert len(ws.dms(BOB)) == 1 and (await outbox_row(ws, "offer:1"))["status"] == "delivered"


async def test_repeated_failures_hold_the_notice_after_the_last_try(
    workspace: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    ws = workspace
    await ws.mentor(BOB, "signup skills:seo", channel_id="C0MENTORS1")  # a channel to fall back to: not used
    ws.fake.fail_next("chat.postMessage", "service_unavailable", status=503, times=MAX_ATTEMPTS)

    with caplog.at_level(logging.WARNING, logger="mentorbot"):
        await ws.mentor(ALICE, "request skills:seo")
        for _ in range(MAX_ATTEMPTS - 1):
            ws.clock.advance(timedelta(hours=1))
            assert len(await retry_round(ws)) == 1

    assert len(ws.calls("chat.postMessage")) == MAX_ATTEMPTS
    assert await outbox_row(ws, "offer:1") == {"status": "held", "attempts": MAX_ATTEMPTS, "claimed_by": "slack-test"}
    assert any(
        "failed for a transient reason 3 time(s); holding it" in r.getMessage() and r.levelno == logging.WARNING
        for r in caplog.records
    )
    assert ws.dms(BOB) == [] and ws.seen(BOB, kind="ephemeral") == []
    ws.clock.advance(timedelta(days=1))
    assert await retry_round(ws) == [], "never tried again"

    await ws.mentor(BOB, "status", channel_id="C0MENTORS1")
    held = ws.last(BOB)
    # After the note saying why it is shown here (the first line of the plain text too).
    assert held.kind == "response_url" and unescape(held.text or "").split("\n", 1)[1].startswith(
        EN("offer.title", id=1)
    )
    find_button({"blocks": held.blocks}, "offer.accept")
    await ws.mentor(BOB, "status", channel_id="C0MENTORS1")
    assert not unescape(ws.last(BOB).text or "").startswith(EN("offer.title", id=1)), "shown once"


async def test_a_permanent_refusal_is_held_at_once(workspace: Workspace) -> None:
    """A refused offer is not retried: its mentor is paused as unreachable and its new version (the withdrawal)
    replaces it, for the timer loop's next round; a refused notice that is not a pending offer is held at once."""
    ws = workspace
    await ws.mentor(BOB, "signup skills:seo", channel_id=ws.fake.dm_channel_of(BOB))  # no channel to fall back to
    ws.fake.fail_next("chat.postMessage", "user_not_found", status=200, times=3)

    await ws.mentor(ALICE, "request skills:seo")

    assert await outbox_row(ws, "offer:1") == {"status": "pending", "attempts": 1, "claimed_by": "slack-test"}
    ws.clock.advance(timedelta(seconds=1))
    assert {n.key for n in await retry_round(ws)} == {None, "offer:1", "request:1:after:1"}
    assert await outbox_row(ws, "offer:1") == {"status": "held", "attempts": 2, "claimed_by": "slack-test"}
    ws.clock.advance(timedelta(days=1))
    assert await retry_round(ws) == [] and len(ws.calls("chat.postMessage")) == 4


async def test_a_refused_bot_token_keeps_notifications_waiting_not_held(
    workspace: Workspace, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While Slack refuses the bot's token (revoked, rotated), every call fails: Bob's offer is not held as if
    his DMs were closed (held, it would never be sent, and expire unseen). It waits in the outbox, one ERROR line
    says what to do, and it reaches Bob once the token works again."""
    monkeypatch.setattr("mentorbot_slack.delivery.TOKEN_ALARM", Alarm())
    ws = workspace
    await ws.mentor(BOB, "signup skills:seo")
    await ws.mentor(BOB, "status", channel_id="C0GENERAL1")  # a channel to fall back to, were it a DM problem
    for method in ("chat.postMessage", "chat.postEphemeral", "conversations.open", "views.publish"):
        ws.fake.fail_next(method, "token_revoked", status=200, times=2)
    with caplog.at_level(logging.WARNING, logger="mentorbot"):
        await ws.mentor(ALICE, "request skills:seo")
        row = await outbox_row(ws, "offer:1")
        assert row is not None and row["status"] == "pending"
        for _ in range(6):
            ws.clock.advance(timedelta(minutes=10))
            await retry_round(ws)
    assert (await outbox_row(ws, "offer:1") or {})["status"] == "delivered"
    assert len(ws.dms(BOB)) == 1
    alarms = [r for r in caplog.records if r.levelno == logging.ERROR and "bot token" in r.getMessage()]
    assert len(alarms) == 1 and "xoxb" not in alarms[0].getMessage()


async def test_a_retried_offer_withdrawn_meanwhile_is_never_sent(workspace: Workspace) -> None:
    ws = workspace
    await ws.mentor(BOB, "signup skills:seo")
    ws.fake.fail_next("chat.postMessage", "internal_error", status=502)
    await ws.mentor(ALICE, "request skills:seo")
    assert ws.dms(BOB) == []

    await ws.mentor(ALICE, "cancel")  # the offer is withdrawn: a newer version of key offer:1

    [withdrawn] = ws.dms(BOB)
    assert unescape(withdrawn["text"]) == EN("offer.withdrawn", id=1)
    ws.clock.advance(timedelta(hours=1))
    assert await retry_round(ws) == [], "the superseded offer is not claimed again"
    assert [unescape(m["text"]) for m in ws.dms(BOB)] == [EN("offer.withdrawn", id=1)]


async def test_an_update_that_fails_for_now_edits_the_message_later_rather_than_posting_again(
    workspace: Workspace,
) -> None:
    ws = workspace
    await ws.mentor(BOB, "signup skills:seo")
    await ws.mentor(ALICE, "request skills:seo")
    [offer] = ws.dms(BOB)
    ws.fake.fail_next("chat.update", "internal_error", status=500)

    await ws.mentor(ALICE, "cancel")

    assert [unescape(m["text"]) for m in ws.dms(BOB)] == [unescape(offer["text"])], "not edited yet, nothing new"
    ws.clock.advance(timedelta(hours=1))
    await retry_round(ws)
    [edited] = ws.dms(BOB)
    assert edited["ts"] == offer["ts"] and unescape(edited["text"]) == EN("offer.withdrawn", id=1)
    assert len(ws.calls("chat.postMessage")) == 1


def slack_error(status: int, error: str, headers: dict[str, str] | None = None) -> SlackApiError:
    response = AsyncSlackResponse(
        client=None,  # type: ignore[arg-type]
        http_verb="POST",
        api_url="https://slack.com/api/chat.postMessage",
        req_args={},
        data={"ok": False, "error": error},
        headers=headers or {},
        status_code=status,
    )
    return SlackApiError("failed", response)


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (slack_error(500, "internal_error"), TransientFailure(None, "internal_error")),
        (slack_error(503, "x"), TransientFailure(None, "x")),
        (slack_error(429, "ratelimited", {"retry-after": "42"}), TransientFailure(42.0, "ratelimited")),
        (slack_error(429, "ratelimited", {"Retry-After": "soon"}), TransientFailure(None, "ratelimited")),
        (slack_error(200, "service_unavailable"), TransientFailure(None, "service_unavailable")),
        (aiohttp.ServerDisconnectedError(), TransientFailure(None, "ServerDisconnectedError")),
        (TimeoutError(), TransientFailure(None, "TimeoutError")),
        (slack_error(200, "messages_tab_disabled"), None),
        (slack_error(200, "user_not_found"), None),
        (slack_error(403, "missing_scope"), None),
        (ValueError("a bug"), None),
    ],
)
def test_what_is_transient_on_slack(exc: BaseException, expected: TransientFailure | None) -> None:
    assert transient(exc) == expected


@pytest.mark.parametrize("code", ["invalid_blocks", "missing_scope", "fatal_error", "request_timeout"])
async def test_a_refusal_that_is_not_the_members_pauses_nobody(workspace: Workspace, code: str) -> None:
    """`invalid_blocks` refuses the message MentorBot made (a rendering bug), `missing_scope` the app's setup, and
    `fatal_error` / `request_timeout` are Slack's own failures (tried again): none refuses Bob's DM, so Bob stays an
    active mentor (only `delivery.MEMBER_UNREACHABLE` says a member cannot be reached; found by a review)."""
    ws = workspace
    await ws.mentor(BOB, "signup skills:seo", channel_id=ws.fake.dm_channel_of(BOB))  # no channel to fall back to
    ws.fake.fail_next("chat.postMessage", code, status=200)
    await ws.mentor(ALICE, "request skills:seo")
    bob = await ws.bot.store.find_member(COMMUNITY, BOB)
    assert bob is not None
    profile = await ws.bot.store.get_mentor_profile(bob.id)
    assert profile is not None and profile.status is MentorStatus.ACTIVE
