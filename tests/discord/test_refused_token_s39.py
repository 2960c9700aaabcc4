"""Session 39 (docs hunt): a bot token Discord refuses (401 to ``GET /users/@me``: mistyped, reset or revoked) stops
``mentorbot run`` in one line naming MENTORBOT_DISCORD__TOKEN, exit status 2.

It printed an ExceptionGroup traceback (``LoginFailure: Improper token has been passed.``) and "An adapter stopped
with an error", exit status 1: a service manager that restarts on failure but not on exit 2
(``RestartPreventExitStatus=2``, docs/deploy.md) restarted it every 5 s for good, as Slack's runner no longer does.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import discord
import pytest

from mentorbot.bot import MentorBot
from mentorbot.settings import SettingsError
from mentorbot_discord.runner import run
from tests.discord.helpers import EN, make_settings
from tests.fakes.discord_fake import FakeDiscord

WRONG_TOKEN = "MTA0OTk2NzA1ODEwMjM0NTY3OA.Gx1Yz2.wr0ngT0kenDoNotPrint39"
REFUSED = EN("discord.start.token_refused")


async def test_the_runner_refuses_a_wrong_token_as_a_setting(world: FakeDiscord, bot: MentorBot) -> None:
    settings = make_settings(world, discord={"token": WRONG_TOKEN, "api_url": world.api_url})
    with pytest.raises(SettingsError) as refused:
        await asyncio.wait_for(run(bot, settings), timeout=10)
    assert str(refused.value) == REFUSED
    assert "MENTORBOT_DISCORD__TOKEN" in str(refused.value) and "Reset Token" in str(refused.value)
    assert WRONG_TOKEN not in str(refused.value)
    assert isinstance(refused.value, discord.LoginFailure), "still what discord.py's callers catch"
    assert refused.value.__cause__ is None and refused.value.__suppress_context__  # no traceback chained to it
    assert world.gateway.connections == [], "never connected to the gateway"


async def test_the_runner_refuses_a_token_reset_since(world: FakeDiscord, bot: MentorBot) -> None:
    world.rest.token_refused = True  # the right token, reset in the Developer Portal: every call answers 401
    with pytest.raises(SettingsError, match="MENTORBOT_DISCORD__TOKEN"):
        await asyncio.wait_for(run(bot, make_settings(world)), timeout=10)
    assert world.token not in REFUSED


async def test_the_swahili_line_names_the_setting_too(world: FakeDiscord, bot: MentorBot) -> None:
    settings = make_settings(world, default_language="sw", discord={"token": WRONG_TOKEN, "api_url": world.api_url})
    with pytest.raises(SettingsError) as refused:
        await asyncio.wait_for(run(bot, settings), timeout=10)
    assert str(refused.value) != REFUSED and "MENTORBOT_DISCORD__TOKEN" in str(refused.value)


async def test_mentorbot_run_says_the_refused_token_in_one_line_exit_2(world: FakeDiscord, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MENTORBOT_")}
    env.update(
        {
            "MENTORBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'run.sqlite3'}",
            "MENTORBOT_DISCORD__TOKEN": WRONG_TOKEN,
            "MENTORBOT_DISCORD__API_URL": world.base_url,
            "MENTORBOT_DISCORD__GATEWAY_URL": world.gateway_url,
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
    assert process.returncode == 2, output  # systemd's RestartPreventExitStatus=2: not restarted every 5 s
    assert f"error: {REFUSED}\n" in output
    assert "Traceback" not in output and "ExceptionGroup" not in output and "LoginFailure" not in output
    assert EN("cli.run.failed") not in output
    assert WRONG_TOKEN not in output
    assert world.gateway.connections == []
