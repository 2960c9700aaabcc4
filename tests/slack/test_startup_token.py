"""A bot token Slack refuses stops the start in one line (`mentorbot_slack.runner.check_token`): in HTTP mode the
bot no longer serves and reports ready with it, in Socket Mode it no longer retries with tracebacks forever. Slack
out of reach at that moment is a warning, and the start goes on."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import sys
from pathlib import Path

import aiohttp
import aiohttp.web
import pytest

from mentorbot.bot import MentorBot
from mentorbot.settings import SettingsError
from mentorbot_slack.runner import run
from mentorbot_slack.server import WORKER_BOOT_ERROR, create_app
from tests.fakes.slack_ids import APP_TOKEN
from tests.fakes.slack_web_api import FakeSlack
from tests.slack.conftest import EN, make_settings

WRONG_TOKEN = "xoxb-wrong-0123456789"


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def serves(url: str) -> bool:
    """Whether something answers ``url`` now."""
    try:
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            return response.status == 200
    except aiohttp.ClientConnectionError:
        return False


async def test_http_mode_refuses_a_wrong_bot_token_before_serving(slack_fake: FakeSlack, bot: MentorBot) -> None:
    port = free_port()
    slack = {"mode": "http", "host": "127.0.0.1", "port": port, "bot_token": WRONG_TOKEN}
    settings = make_settings(slack_fake, slack=slack)
    with pytest.raises(SettingsError) as refused:
        await asyncio.wait_for(run(bot, settings), timeout=10)
    assert str(refused.value) == EN("slack.start.token_refused", error="invalid_auth")
    assert str(refused.value).startswith("Slack refused MENTORBOT_SLACK__BOT_TOKEN: invalid_auth")
    assert WRONG_TOKEN not in str(refused.value)
    assert [call.method for call in slack_fake.calls] == ["auth.test"]
    assert not await serves(f"http://127.0.0.1:{port}/healthz")  # never served, never said it was ready


@pytest.mark.parametrize("code", ["token_revoked", "account_inactive", "not_authed"])
async def test_socket_mode_refuses_a_revoked_token_without_connecting(
    slack_fake: FakeSlack, bot: MentorBot, code: str
) -> None:
    slack_fake.fail_next("auth.test", code)
    settings = make_settings(slack_fake, slack={"mode": "socket", "app_token": APP_TOKEN, "signing_secret": None})
    with pytest.raises(SettingsError) as refused:
        await asyncio.wait_for(run(bot, settings), timeout=10)
    assert str(refused.value) == EN("slack.start.token_refused", error=code)
    assert slack_fake.calls_to("apps.connections.open") == []
    assert slack_fake.socket_mode.open_connections == 0


async def test_other_auth_test_failures_do_not_stop_the_start(
    slack_fake: FakeSlack, bot: MentorBot, caplog: pytest.LogCaptureFixture
) -> None:
    slack_fake.fail_next("auth.test", "internal_error", status=200)
    settings = make_settings(slack_fake, slack={"mode": "socket", "app_token": APP_TOKEN, "signing_secret": None})
    task = asyncio.create_task(run(bot, settings))
    try:
        with caplog.at_level(logging.WARNING, logger="mentorbot.slack"):
            await slack_fake.socket_mode.wait_connected()
        assert "auth.test failed at start (internal_error)" in caplog.text
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


async def test_slack_out_of_reach_at_start_is_a_warning_and_the_start_goes_on(
    slack_fake: FakeSlack, bot: MentorBot, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()
    nowhere = f"http://127.0.0.1:{free_port()}/api/"  # nothing listens there
    settings = make_settings(slack_fake, slack={"mode": "http", "host": "127.0.0.1", "port": port, "api_url": nowhere})
    task = asyncio.create_task(run(bot, settings))
    try:
        with caplog.at_level(logging.WARNING, logger="mentorbot.slack"):
            async with asyncio.timeout(15):
                while not await serves(f"http://127.0.0.1:{port}/healthz"):
                    assert not task.done(), task
                    await asyncio.sleep(0.05)
        assert "Slack could not be reached to check the bot token" in caplog.text
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


async def test_mentorbot_run_says_the_refused_token_in_one_line(slack_fake: FakeSlack, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MENTORBOT_")}
    env.update(
        {
            "MENTORBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'run.sqlite3'}",
            "MENTORBOT_SLACK__BOT_TOKEN": WRONG_TOKEN,
            "MENTORBOT_SLACK__APP_TOKEN": APP_TOKEN,
            "MENTORBOT_SLACK__API_URL": slack_fake.api_url,
        }
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "mentorbot.cli",
        "run",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    output = (out + err).decode()
    assert process.returncode == 2, output
    assert f"error: {EN('slack.start.token_refused', error='invalid_auth')}\n" in output
    assert "Traceback" not in output
    assert WRONG_TOKEN not in output
    assert slack_fake.socket_mode.open_connections == 0


async def test_the_worker_factory_refuses_a_wrong_bot_token_before_serving(
    slack_fake: FakeSlack, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The gunicorn factory checked nothing: a worker with a refused token reported healthy and failed every call."""
    settings = make_settings(
        slack_fake,
        database_url=f"sqlite:///{tmp_path}/worker.sqlite3",
        slack={"mode": "http", "bot_token": WRONG_TOKEN},
    )
    app = await create_app(settings)
    runner = aiohttp.web.AppRunner(app)
    with caplog.at_level(logging.ERROR, logger="mentorbot.slack"), pytest.raises(SystemExit) as stopped:
        await runner.setup()
    assert stopped.value.code == WORKER_BOOT_ERROR
    assert caplog.messages == [EN("slack.start.token_refused", error="invalid_auth")]
    assert WRONG_TOKEN not in caplog.text
    assert [call.method for call in slack_fake.calls] == ["auth.test"]
