"""What stops the Slack adapter's start in one line naming the setting, instead of a loop or a traceback:

1. an app-level token Slack refuses in Socket Mode (the bot token pasted as MENTORBOT_SLACK__APP_TOKEN, a revoked
   one): `runner.check_app_token` asks ``apps.connections.open`` once, where the Socket Mode client logged a
   traceback and tried again every 10 seconds forever; and a token of the wrong kind by its prefix, refused by the
   adapter's own settings check (`plugin.check_settings`, which ``mentorbot config check`` runs too);
2. HTTP mode on a port something else holds, or on a host that is not this machine's: `runner.listen_error` names
   MENTORBOT_SLACK__PORT or MENTORBOT_SLACK__HOST with the address and the reason, where an ExceptionGroup's
   traceback ended the run with exit 1.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from mentorbot.bot import MentorBot
from mentorbot.cli import main
from mentorbot.settings import Settings, SettingsError, SettingUnusableNow
from mentorbot_slack import runner
from mentorbot_slack.plugin import check, check_settings
from mentorbot_slack.runner import run
from mentorbot_slack.web_api import make_client
from tests.fakes.slack_ids import APP_TOKEN, BOT_TOKEN
from tests.fakes.slack_web_api import FakeSlack
from tests.slack.conftest import EN, SW, make_settings

REVOKED_APP_TOKEN = "xapp-1-A0MENTOR01-revoked0123456789"
"""An app-level token by its shape that the fake Slack does not know: ``invalid_auth``, as for a revoked one."""


def socket_settings(fake: FakeSlack, app_token: str = APP_TOKEN, **slack: object) -> Settings:
    return make_settings(fake, slack={"mode": "socket", "app_token": app_token, "signing_secret": None, **slack})


async def run_briefly(bot: MentorBot, settings: Settings) -> None:
    """`run` for at most 10 seconds: the old start never ended with a refused app token."""
    await asyncio.wait_for(run(bot, settings), timeout=10)


# ------------------------------------------------------------------------------- 1. the app-level token


async def test_a_revoked_app_token_stops_the_start_in_one_line_without_retrying(
    slack_fake: FakeSlack, bot: MentorBot
) -> None:
    with pytest.raises(SettingsError) as refused:
        await run_briefly(bot, socket_settings(slack_fake, REVOKED_APP_TOKEN))
    assert str(refused.value) == EN("slack.start.app_token_refused", error="invalid_auth")
    assert str(refused.value).startswith("Slack refused MENTORBOT_SLACK__APP_TOKEN: invalid_auth. ")
    assert REVOKED_APP_TOKEN not in str(refused.value) and "\n" not in str(refused.value)
    assert len(slack_fake.calls_to("apps.connections.open")) == 1, "asked once, not again every 10 s"
    assert slack_fake.socket_mode.open_connections == 0


@pytest.mark.parametrize("code", ["not_allowed_token_type", "missing_scope", "token_revoked", "not_authed"])
async def test_every_refusal_of_the_app_token_names_it(slack_fake: FakeSlack, bot: MentorBot, code: str) -> None:
    slack_fake.fail_next("apps.connections.open", code)
    with pytest.raises(SettingsError) as refused:
        await run_briefly(bot, socket_settings(slack_fake))
    assert str(refused.value) == EN("slack.start.app_token_refused", error=code)
    assert slack_fake.socket_mode.open_connections == 0


async def test_the_bot_token_pasted_as_the_app_token_is_what_slack_calls_not_allowed_token_type(
    slack_fake: FakeSlack,
) -> None:
    """Past the settings check (which refuses it by its prefix first), Slack's own answer names the setting too."""
    settings = make_settings(slack_fake, slack={"mode": "socket", "app_token": BOT_TOKEN}, default_language="sw")
    client = make_client(settings)
    with pytest.raises(SettingsError) as refused:
        await runner.check_app_token(client, settings)
    assert str(refused.value) == SW("slack.start.app_token_refused", error="not_allowed_token_type")
    assert "MENTORBOT_SLACK__APP_TOKEN" in str(refused.value) and BOT_TOKEN not in str(refused.value)


async def test_the_start_asks_for_the_socket_url_once_and_connects_with_it(
    slack_fake: FakeSlack, bot: MentorBot
) -> None:
    """The check is the first connection's ``apps.connections.open`` (a call Slack allows about once a minute)."""
    task = asyncio.create_task(run(bot, socket_settings(slack_fake)))
    try:
        await slack_fake.socket_mode.wait_connected()
        assert len(slack_fake.calls_to("apps.connections.open")) == 1
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


async def test_another_failure_of_the_app_token_check_is_a_warning_and_the_start_goes_on(
    slack_fake: FakeSlack, bot: MentorBot, caplog: pytest.LogCaptureFixture
) -> None:
    slack_fake.fail_next("apps.connections.open", "internal_error")
    task = asyncio.create_task(run(bot, socket_settings(slack_fake)))
    try:
        with caplog.at_level(logging.WARNING, logger="mentorbot.slack"):
            await slack_fake.socket_mode.wait_connected()
        assert "apps.connections.open failed at start (internal_error)" in caplog.text
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


async def test_mentorbot_run_says_the_refused_app_token_in_one_line(slack_fake: FakeSlack, tmp_path: Path) -> None:
    output, code = await mentorbot_run(
        tmp_path,
        {
            "MENTORBOT_SLACK__BOT_TOKEN": BOT_TOKEN,
            "MENTORBOT_SLACK__APP_TOKEN": REVOKED_APP_TOKEN,
            "MENTORBOT_SLACK__API_URL": slack_fake.api_url,
        },
    )
    assert code == 2, output
    assert f"error: {EN('slack.start.app_token_refused', error='invalid_auth')}\n" in output
    assert "Traceback" not in output and REVOKED_APP_TOKEN not in output


@pytest.mark.parametrize(
    ("slack", "line"),
    [
        (
            {"mode": "socket", "app_token": BOT_TOKEN},
            "MENTORBOT_SLACK__APP_TOKEN: not an app-level token (this is the bot token, xoxb-…); it starts with xapp- ",
        ),
        ({"mode": "socket", "app_token": "A0MENTOR01"}, "MENTORBOT_SLACK__APP_TOKEN: not an app-level token; it "),
        (
            {"mode": "socket", "bot_token": APP_TOKEN, "app_token": APP_TOKEN},
            "MENTORBOT_SLACK__BOT_TOKEN: not a bot token (this is the app-level token, xapp-…); it starts with xoxb- ",
        ),
        ({"mode": "http", "bot_token": "xoxp-1-user"}, "MENTORBOT_SLACK__BOT_TOKEN: not a bot token (this is a user "),
    ],
    ids=["bot token as app token", "app id as app token", "app token as bot token", "user token as bot token"],
)
def test_the_settings_check_refuses_a_token_of_another_kind(
    slack_fake: FakeSlack, slack: dict[str, object], line: str
) -> None:
    settings = make_settings(slack_fake, slack=slack)
    with pytest.raises(SettingsError) as refused:
        check(settings)
    assert str(refused.value).startswith(line)
    assert "\n" not in str(refused.value)
    for token in (BOT_TOKEN, APP_TOKEN, "xoxp-1-user", "A0MENTOR01"):
        assert token not in str(refused.value)


def test_the_settings_check_takes_the_right_kinds_and_ignores_the_app_token_in_http_mode(
    slack_fake: FakeSlack,
) -> None:
    check_settings(make_settings(slack_fake, slack={"mode": "socket", "app_token": APP_TOKEN}).slack)
    check_settings(make_settings(slack_fake, slack={"mode": "http", "app_token": BOT_TOKEN}).slack)


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """An empty working folder, no MENTORBOT_* variable and no .env; ``run``'s process-wide logging kept out."""
    for name in list(os.environ):
        if name.upper().startswith("MENTORBOT_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("mentorbot.app.configure_logging", lambda settings: None)
    yield tmp_path


def test_config_check_refuses_the_bot_token_pasted_as_the_app_token(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MENTORBOT_DATABASE_URL", f"sqlite:///{cli_env / 'c.sqlite3'}")
    monkeypatch.setenv("MENTORBOT_SLACK__BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("MENTORBOT_SLACK__APP_TOKEN", BOT_TOKEN)
    checked = CliRunner().invoke(main, ["config", "check"])
    assert checked.exit_code == 2, checked.output
    assert checked.output.splitlines()[-1].startswith("error: MENTORBOT_SLACK__APP_TOKEN: not an app-level token")
    assert BOT_TOKEN not in checked.output


# ------------------------------------------------------------------------------- 2. HTTP mode's address


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port of 127.0.0.1 that something else listens on."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield int(holder.getsockname()[1])


async def test_http_mode_on_a_port_in_use_names_the_port(
    slack_fake: FakeSlack, bot: MentorBot, taken_port: int
) -> None:
    settings = make_settings(slack_fake, slack={"mode": "http", "host": "127.0.0.1", "port": taken_port})
    with pytest.raises(SettingsError) as refused:
        await asyncio.wait_for(run(bot, settings), timeout=10)
    reason = os.strerror(errno.EADDRINUSE)
    assert isinstance(refused.value, SettingUnusableNow), "a port still held may free up: restarted (exit 1)"
    assert str(refused.value) == EN("slack.start.port_unusable", host="127.0.0.1", port=taken_port, reason=reason)
    assert str(refused.value).startswith(f"MENTORBOT_SLACK__PORT: cannot listen on 127.0.0.1:{taken_port} ({reason})")


@pytest.mark.parametrize(
    ("host", "reason"),
    [("192.0.2.1", os.strerror(errno.EADDRNOTAVAIL)), ("no-such-host.invalid", None)],
    ids=["not this machine's", "does not resolve"],
)
async def test_http_mode_on_a_host_it_cannot_listen_on_names_the_host(
    slack_fake: FakeSlack, bot: MentorBot, host: str, reason: str | None
) -> None:
    settings = make_settings(slack_fake, slack={"mode": "http", "host": host, "port": 3000})
    with pytest.raises(SettingsError) as refused:
        await asyncio.wait_for(run(bot, settings), timeout=30)
    said = str(refused.value)
    assert said.startswith(f"MENTORBOT_SLACK__HOST: cannot listen on {host}:3000 ("), said
    if reason is not None:
        assert said == EN("slack.start.host_unusable", host=host, port=3000, reason=reason)
    # An address not assigned yet may be at boot (exit 1, restarted); a name that does not exist will not (exit 2).
    assert isinstance(refused.value, SettingUnusableNow) is (reason is not None)
    assert "\n" not in said


async def test_mentorbot_run_on_a_port_in_use_says_it_in_one_line(
    slack_fake: FakeSlack, tmp_path: Path, taken_port: int
) -> None:
    output, code = await mentorbot_run(
        tmp_path,
        {
            "MENTORBOT_SLACK__BOT_TOKEN": BOT_TOKEN,
            "MENTORBOT_SLACK__SIGNING_SECRET": "signsecret",
            "MENTORBOT_SLACK__MODE": "http",
            "MENTORBOT_SLACK__HOST": "127.0.0.1",
            "MENTORBOT_SLACK__PORT": str(taken_port),
            "MENTORBOT_SLACK__API_URL": slack_fake.api_url,
        },
    )
    assert code == 1, output  # a port still held by the process before may free up: a service manager restarts it
    reason = os.strerror(errno.EADDRINUSE)
    line = EN("slack.start.port_unusable", host="127.0.0.1", port=taken_port, reason=reason)
    assert f"error: {line}\n" in output
    assert "Traceback" not in output and "ExceptionGroup" not in output


async def mentorbot_run(cwd: Path, settings: dict[str, str]) -> tuple[str, int | None]:
    """``mentorbot run`` in a process of its own with only `settings` (and a database in `cwd`): its output and exit
    status; killed after 60 seconds (the old start never ended with a refused app token)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MENTORBOT_")}
    env |= {"MENTORBOT_DATABASE_URL": f"sqlite:///{cwd / 'run.sqlite3'}", **settings}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "mentorbot.cli",
        "run",
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    except TimeoutError:
        process.kill()
        out, err = await process.communicate()
        return (out + err).decode() + "\n(still running after 60 s: killed)", None
    return (out + err).decode(), process.returncode
