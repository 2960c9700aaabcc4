"""`mentorbot run` for Slack (`runner.run`) in both modes, the settings it needs, and the gunicorn factory."""

from __future__ import annotations

import asyncio
import json
import socket
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.runners import Dispatcher, configured_adapters, load_runner, run_adapters
from mentorbot.settings import SettingsError
from mentorbot.usecases.handler import INBOX_LEASE
from mentorbot_slack.plugin import check_settings
from mentorbot_slack.runner import run
from mentorbot_slack.server import create_app
from tests.fakes.slack_http_app import SlackClient
from tests.fakes.slack_ids import APP_TOKEN, DEFAULT_CHANNEL_ID, SIGNING_SECRET, TEAM_ID
from tests.fakes.slack_signing import slash_command
from tests.fakes.slack_web_api import FakeSlack, start_loopback_site
from tests.slack.conftest import ALICE, BOB, COMMUNITY, EN, make_settings


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def wait_healthy(url: str) -> None:
    """Poll ``/healthz`` until it answers 200 (five seconds at most)."""
    async with aiohttp.ClientSession() as session, asyncio.timeout(5):
        while True:
            try:
                async with session.get(url + "/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.02)


@pytest.mark.parametrize(
    ("slack", "names"),
    [
        ({"bot_token": None}, "MENTORBOT_SLACK__BOT_TOKEN"),
        ({"mode": "socket", "app_token": None}, "MENTORBOT_SLACK__APP_TOKEN"),
        ({"mode": "http", "signing_secret": None}, "MENTORBOT_SLACK__SIGNING_SECRET"),
    ],
)
def test_missing_settings_stop_start_up_naming_the_setting(
    slack_fake: FakeSlack, slack: dict[str, object], names: str
) -> None:
    settings = make_settings(slack_fake, slack=slack)
    with pytest.raises(SettingsError) as error:
        check_settings(settings.slack)
    assert str(error.value).startswith(names)
    assert "xoxb-test" not in str(error.value) and SIGNING_SECRET not in str(error.value)


async def test_http_mode_serves_until_cancelled(slack_fake: FakeSlack, bot: MentorBot, members: None) -> None:
    port = free_port()
    settings = make_settings(slack_fake, slack={"mode": "http", "host": "127.0.0.1", "port": port})
    task = asyncio.create_task(run(bot, settings))
    base = f"http://127.0.0.1:{port}"
    client = SlackClient(base + "/slack/events", signing_secret=SIGNING_SECRET, fake=slack_fake)
    try:
        await wait_healthy(base)
        response = await client.slash_command(command="/mentor", text="status", user_id=ALICE, user_name="alice")
        assert response.status == 200
        post = await slack_fake.wait_for_response_post()
        assert (post.text or "").startswith(EN("status.title", name="alice"))
    finally:
        await client.close()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    with pytest.raises(aiohttp.ClientConnectionError):
        async with aiohttp.ClientSession() as session, session.get(base + "/healthz"):
            pass


async def test_socket_mode_connects_until_cancelled(slack_fake: FakeSlack, bot: MentorBot, members: None) -> None:
    settings = make_settings(slack_fake, slack={"mode": "socket", "app_token": APP_TOKEN, "signing_secret": None})
    task = asyncio.create_task(run(bot, settings))
    try:
        await slack_fake.socket_mode.wait_connected()
        await slack_fake.socket_mode.push_and_wait_ack(
            slash_command(
                command="/skills",
                user_id=ALICE,
                response_url=slack_fake.new_response_url(ALICE, DEFAULT_CHANNEL_ID),
            )
        )
        post = await slack_fake.wait_for_response_post()
        assert (post.text or "").startswith(EN("skills.list.title"))
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    await slack_fake.socket_mode.wait_until(lambda: slack_fake.socket_mode.open_connections == 0, what="closed")


async def test_the_worker_factory_opens_and_closes_its_own_store(
    slack_fake: FakeSlack, members: None, tmp_path: Path
) -> None:
    settings = make_settings(slack_fake, database_url=f"sqlite:///{tmp_path}/worker.sqlite3")
    app = await create_app(settings)
    runner, base = await start_loopback_site(app)
    client = SlackClient(base + "/slack/events", signing_secret=SIGNING_SECRET, fake=slack_fake)
    try:
        await wait_healthy(base)
        response = await client.slash_command(command="/mentor", text="request skills:seo", user_id=ALICE)
        assert response.status == 200
        post = await slack_fake.wait_for_response_post()
        assert (post.text or "").startswith(EN("request.waiting", id=1, skills="SEO"))
    finally:
        await client.close()
        await runner.cleanup()
    assert (tmp_path / "worker.sqlite3").exists()


async def test_sharing_a_process_through_the_dispatcher(
    slack_fake: FakeSlack, bot: MentorBot, members: None, clock: ManualClock
) -> None:
    dispatcher = Dispatcher(bot, ["slack:"])
    settings = make_settings(slack_fake, slack={"mode": "socket", "app_token": APP_TOKEN})
    task = asyncio.create_task(run(bot, settings, dispatcher))
    try:
        await slack_fake.socket_mode.wait_connected()
        bob = Caller(COMMUNITY, BOB, "bob")
        await bot.signup(bob, skills="seo")
        await bot.request(Caller(COMMUNITY, ALICE, "alice"), skills="seo")
        clock.advance(timedelta(hours=49))
        await dispatcher.deliver(await bot.run_due_jobs())  # the process's one timer loop does this
        dm = await slack_fake.wait_for_call("chat.postMessage")
        # Bob is the only mentor: the request waits again, and he may still take it.
        expired = EN("offer.expired_waiting", id=1) + " " + EN("offer.take_it_after_all", id=1)
        assert dm.params["channel"] == BOB and dm.params["text"] == expired
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


async def test_with_the_process_dispatcher_the_runner_still_recovers_recorded_commands(
    slack_fake: FakeSlack, bot: MentorBot, members: None, clock: ManualClock
) -> None:
    """`mentorbot run` always hands the runner its `Dispatcher` (the process's timer loop runs elsewhere): what a
    dead process acknowledged is answered all the same (found by tests/faults/test_kill.py)."""
    response_url = slack_fake.new_response_url(ALICE, DEFAULT_CHANNEL_ID)
    fields = {"command": "/mentor", "text": "status", "user_id": ALICE, "user_name": "alice", "team_id": TEAM_ID}
    fields |= {"channel_id": DEFAULT_CHANNEL_ID, "response_url": response_url, "trigger_id": "1.2.dead"}
    assert await bot.record_event("slack:command:1.2.dead", COMMUNITY, ALICE, json.dumps(fields)) is not None
    clock.advance(INBOX_LEASE + timedelta(seconds=1))  # the process that recorded it is gone
    settings = make_settings(slack_fake, slack={"mode": "socket", "app_token": APP_TOKEN})
    task = asyncio.create_task(run(bot, settings, Dispatcher(bot, ["slack:"], interval=0.05)))
    try:
        post = await slack_fake.wait_for_response_post()
        assert (post.text or "").startswith(EN("status.title", name="alice"))
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


async def test_mentorbot_run_finds_and_runs_the_slack_adapter(
    slack_fake: FakeSlack, bot: MentorBot, members: None
) -> None:
    settings = make_settings(slack_fake, slack={"mode": "socket", "app_token": APP_TOKEN})
    [spec] = configured_adapters(settings)
    assert spec.name == "slack" and load_runner(spec) is run
    task = asyncio.create_task(run_adapters(bot, settings, [(spec, run)], timer_interval=0.05))
    try:
        await slack_fake.socket_mode.wait_connected()
        await slack_fake.socket_mode.push_and_wait_ack(
            slash_command(
                command="/mentor",
                text="help",
                user_id=ALICE,
                response_url=slack_fake.new_response_url(ALICE, DEFAULT_CHANNEL_ID),
            )
        )
        post = await slack_fake.wait_for_response_post()
        assert (post.text or "").startswith(EN("commands.help.title"))
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
