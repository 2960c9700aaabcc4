"""Probes: unsigned, malformed or oddly signed Slack bodies get 400/401, never a 500 with an ERROR traceback."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from mentorbot.bot import MentorBot
from mentorbot_slack.adapter import SlackAdapter
from tests.fakes.slack_http_app import SlackClient
from tests.fakes.slack_ids import SIGNING_SECRET
from tests.fakes.slack_signing import compute_signature
from tests.fakes.slack_web_api import FakeSlack, start_loopback_site
from tests.slack.conftest import ALICE


@pytest_asyncio.fixture
async def bare(slack_fake: FakeSlack, bot: MentorBot) -> AsyncIterator[SlackClient]:
    """The adapter's own aiohttp application, served as in production (no test middleware in front)."""
    adapter = SlackAdapter(bot, bot.settings)
    runner, base_url = await start_loopback_site(adapter.web_app())
    client = SlackClient(base_url + "/slack/events", signing_secret=SIGNING_SECRET, fake=slack_fake)
    try:
        yield client
    finally:
        await adapter.idle()
        await adapter.aclose()
        await client.close()
        await runner.cleanup()

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def _signed(body: bytes, content_type: str, timestamp: str | None = None) -> dict[str, str]:
    ts = timestamp if timestamp is not None else str(int(time.time()))
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": compute_signature(SIGNING_SECRET, ts, body),
    }


UNSIGNED = [
    (b"", FORM),
    (b"command=/mentor&text=status", FORM),
    (b"payload=%7Bnot json", FORM),
    (b"{not json", JSON),
    (b"\xff\xfe\x00garbage", FORM),
    (b'{"type": "event_callback"}', JSON),
]


@pytest.mark.parametrize(("body", "content_type"), UNSIGNED, ids=[f"unsigned-{i}" for i in range(len(UNSIGNED))])
async def test_an_unsigned_body_gets_401_without_an_error_in_the_log(
    bare: SlackClient, slack_fake: FakeSlack, caplog: pytest.LogCaptureFixture, body: bytes, content_type: str
) -> None:
    response = await bare.post_raw(body, {"Content-Type": content_type})
    assert response.status == 401
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert slack_fake.calls == []


@pytest.mark.parametrize("timestamp", ["abc", "", "1e9", "12a", "-1", "99999999999999999999999"])
async def test_a_non_numeric_or_absurd_timestamp_header_gets_401(
    bare: SlackClient, slack_fake: FakeSlack, caplog: pytest.LogCaptureFixture, timestamp: str
) -> None:
    body = f"command=/mentor&text=status&user_id={ALICE}&team_id=T0MENTOR01".encode()
    response = await bare.post_raw(body, _signed(body, FORM, timestamp))
    assert response.status == 401
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert slack_fake.calls == []


async def test_a_non_ascii_signature_header_gets_401(bare: SlackClient, caplog: pytest.LogCaptureFixture) -> None:
    body = b"command=/mentor&text=status"
    headers = _signed(body, FORM) | {"X-Slack-Signature": "v0=\u00e9" * 3}
    response = await bare.post_raw(body, headers)
    assert response.status == 401
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


SIGNED_MALFORMED = [
    (b"payload=%7Bnot json", FORM),
    (b"payload=%5B1%2C2%5D", FORM),
    (b"{not json", JSON),
    (b"[1, 2]", JSON),
    (b'"just a string"', JSON),
    (b"\xff\xfe\x00garbage", FORM),
    (b"command=/mentor&text=status", FORM),
    (b'{"type": "event_callback", "event": "nope"}', JSON),
    (b'{"type": "block_actions"}', JSON),
    (b"payload=%7B%22type%22%3A%22block_actions%22%7D", FORM),
    (b"command=/mentor&user_id=&team_id=T1", FORM),
]


@pytest.mark.parametrize(
    ("body", "content_type"), SIGNED_MALFORMED, ids=[f"signed-{i}" for i in range(len(SIGNED_MALFORMED))]
)
async def test_a_signed_malformed_body_gets_400_or_an_empty_200_never_a_500(
    bare: SlackClient, slack_fake: FakeSlack, caplog: pytest.LogCaptureFixture, body: bytes, content_type: str
) -> None:
    response = await bare.post_raw(body, _signed(body, content_type))
    assert response.status in (200, 400, 404), response
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], [r.getMessage() for r in caplog.records]
    assert [c.method for c in slack_fake.calls if c.method != "auth.test"] == []
