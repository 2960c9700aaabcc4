"""`mentorbot run`'s Discord runner, endpoint and shard settings, and `mentorbot discord sync`."""

from __future__ import annotations

import asyncio
import functools
from datetime import timedelta
from typing import Any

import discord
import discord.gateway
import discord.http
import pytest
import yarl
from click.testing import CliRunner

from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from mentorbot.runners import adapters, load_runner, run_adapters, takes_dispatcher
from mentorbot.settings import Settings, SettingsError
from mentorbot_discord.cli import discord_group
from mentorbot_discord.client import api_base, apply_endpoints, community_id, guild_of
from mentorbot_discord.plugin import shard_options
from mentorbot_discord.runner import run
from mentorbot_discord.sync import sync_commands, sync_targets
from tests.discord.helpers import EN, MENTEE_USER_ID, MENTOR_USER_ID, all_delivered, make_settings, message_text
from tests.fakes.discord_fake import FakeDiscord
from tests.fakes.discord_models import GUILD_ID

# The one mentor's offer #1 expired: no one else can take the request, so it waits, and they may take it after all.
EXPIRED_1 = EN("offer.expired_waiting", id=1) + " " + EN("offer.take_it_after_all", id=1)

# ----------------------------------------------------------------------------------------------- runner


async def test_run_serves_commands_and_timers_until_cancelled(
    world: FakeDiscord, bot: MentorBot, settings: Settings, clock: ManualClock
) -> None:
    task = asyncio.create_task(run(bot, settings, timer_interval=0.02, client_options={"guild_ready_timeout": 0.05}))
    await world.wait_for_connection()
    identify = world.gateway.ops_received(2)[-1].d
    assert identify["shard"] == [0, 1] and identify["intents"] == discord.Intents(guilds=True).value
    assert not world.commands, "commands are not synced on start"

    record = await world.push_interaction(world.build.slash("mentor signup", {"skills": "seo"}, user_id=MENTOR_USER_ID))
    await record.wait_original()
    record = await world.push_interaction(world.build.slash("mentor request", {"skills": "seo"}))
    original = await record.wait_original()
    assert original["content"].startswith("Request #1 (SEO) is in!")
    await world.wait_for_dm(MENTOR_USER_ID)
    await all_delivered(bot)

    clock.advance(timedelta(hours=49))  # the timer loop expires the offer and tells both by DM
    await world.wait_for_call("PATCH", r"/channels/\d+/messages/\d+")  # the offer's DM, edited
    [expired] = world.dms[MENTOR_USER_ID]
    assert message_text(expired) == EXPIRED_1
    [waiting] = await world.wait_for_dm(MENTEE_USER_ID)
    assert message_text(waiting).startswith("Request #1 is waiting again.")

    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert world.gateway.connections[-1].close_code is not None, "the gateway connection was closed"


async def test_run_shares_the_process_through_the_dispatcher_of_mentorbot_run(
    world: FakeDiscord, bot: MentorBot, settings: Settings, clock: ManualClock
) -> None:
    discord_spec = next(spec for spec in adapters() if spec.name == "discord")
    runner = functools.partial(run, client_options={"guild_ready_timeout": 0.05})
    assert load_runner(discord_spec) is run and takes_dispatcher(runner)
    task = asyncio.create_task(run_adapters(bot, settings, [(discord_spec, runner)], timer_interval=0.02))
    await world.wait_for_connection()
    for user, options in ((MENTOR_USER_ID, {"skills": "seo"}), (MENTEE_USER_ID, {"skills": "seo"})):
        path = "mentor signup" if user == MENTOR_USER_ID else "mentor request"
        record = await world.push_interaction(world.build.slash(path, options, user_id=user))
        await record.wait_original()
    await world.wait_for_dm(MENTOR_USER_ID)
    await all_delivered(bot)

    clock.advance(timedelta(hours=49))  # mentorbot run's timer loop; the dispatcher hands the DMs to Discord
    await world.wait_for_call("PATCH", r"/channels/\d+/messages/\d+")  # the offer's DM, edited
    [expired] = world.dms[MENTOR_USER_ID]
    assert message_text(expired) == EXPIRED_1

    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_run_without_a_token_names_the_setting(world: FakeDiscord, bot: MentorBot) -> None:
    settings = make_settings(world, discord={"api_url": world.api_url})
    with pytest.raises(SettingsError, match="MENTORBOT_DISCORD__TOKEN"):
        await run(bot, settings)


async def test_run_with_a_wrong_token_fails_and_closes(world: FakeDiscord, bot: MentorBot) -> None:
    settings = make_settings(
        world, discord={"token": "wrong", "api_url": world.api_url, "gateway_url": world.gateway_url}
    )
    with pytest.raises(discord.LoginFailure):
        await run(bot, settings)


async def test_shards_from_the_settings(world: FakeDiscord, bot: MentorBot) -> None:
    settings = make_settings(
        world,
        discord={
            "token": world.token,
            "api_url": world.api_url,
            "gateway_url": world.gateway_url,
            "shard_count": 2,
            "shard_ids": "1",
        },
    )
    task = asyncio.create_task(run(bot, settings, timers=False, client_options={"guild_ready_timeout": 0.05}))
    await world.wait_for_connection()
    assert world.gateway.ops_received(2)[-1].d["shard"] == [1, 2]
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({}, {"shard_count": None, "shard_ids": None}),
        ({"gateway_url": "ws://127.0.0.1:1/gateway"}, {"shard_count": 1, "shard_ids": None}),
        ({"shard_count": 4}, {"shard_count": 4, "shard_ids": None}),
        ({"shard_count": 4, "shard_ids": "0,2"}, {"shard_count": 4, "shard_ids": [0, 2]}),
    ],
)
def test_shard_options(values: dict[str, Any], expected: dict[str, Any]) -> None:
    settings = Settings(_env_file=None, discord=values)  # type: ignore[call-arg]
    assert shard_options(settings.discord) == expected


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"shard_ids": "0"}, "MENTORBOT_DISCORD__SHARD_IDS: needs MENTORBOT_DISCORD__SHARD_COUNT"),
        ({"shard_count": 2, "shard_ids": "2"}, "MENTORBOT_DISCORD__SHARD_IDS: each shard id must be from 0 to 1"),
        ({"shard_count": 2, "shard_ids": "1,1"}, "MENTORBOT_DISCORD__SHARD_IDS: a shard id is listed twice"),
    ],
)
def test_wrong_shard_settings_name_the_setting(values: dict[str, Any], message: str) -> None:
    settings = Settings(_env_file=None, discord=values)  # type: ignore[call-arg]
    with pytest.raises(SettingsError, match=message):
        shard_options(settings.discord)


def test_endpoints_and_community_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    monkeypatch.setattr(
        discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    )
    assert api_base("https://proxy.example/") == "https://proxy.example/api/v10"
    assert api_base("http://127.0.0.1:9/api/v10/") == "http://127.0.0.1:9/api/v10"
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, discord={"api_url": "https://proxy.example", "gateway_url": "wss://gw.example/"}
    )
    apply_endpoints(settings.discord)
    assert discord.http.Route("GET", "/users/@me").url == "https://proxy.example/api/v10/users/@me"
    assert yarl.URL("wss://gw.example/") == discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    assert community_id(GUILD_ID) == f"discord:{GUILD_ID}" and guild_of(f"discord:{GUILD_ID}") == GUILD_ID
    assert guild_of("slack:T123") is None and guild_of("console") is None


# ------------------------------------------------------------------------------------------------- sync


async def test_sync_registers_globally_or_in_development_guilds(world: FakeDiscord) -> None:
    settings = make_settings(world)
    [done] = await sync_commands(settings)
    assert done.guild_id is None and done.names == ("mentor", "mentor-admin", "courses", "skills")
    assert [c["name"] for c in world.commands] == list(done.names)

    dev = make_settings(
        world, discord={**settings.discord.model_dump(), "token": world.token, "dev_guild_ids": str(GUILD_ID)}
    )
    assert sync_targets(dev) == [GUILD_ID] and sync_targets(dev, global_=True) == [GUILD_ID, None]
    [in_guild] = await sync_commands(dev)
    assert in_guild.guild_id == GUILD_ID
    assert [c["name"] for c in world.guild_commands(GUILD_ID)] == list(done.names)

    [cleared] = await sync_commands(dev, [GUILD_ID], clear=True)
    assert cleared.names == () and world.guild_commands(GUILD_ID) == []


async def test_the_sync_cli(world: FakeDiscord, no_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MENTORBOT_DISCORD__TOKEN", world.token)
    monkeypatch.setenv("MENTORBOT_DISCORD__API_URL", world.base_url)  # without /api/v10: added
    runner = CliRunner()

    result = await asyncio.to_thread(runner.invoke, discord_group, ["sync", "--guild", str(GUILD_ID)])

    assert result.exit_code == 0, result.output
    assert result.output == (f"registered 4 commands in guild {GUILD_ID}: /mentor, /mentor-admin, /courses, /skills\n")
    assert world.token not in result.output
    monkeypatch.setenv("MENTORBOT_DISCORD__TOKEN", "not-the-token")
    refused = await asyncio.to_thread(runner.invoke, discord_group, ["sync"])
    assert refused.exit_code == 1
    assert refused.output == "error: Discord refused the bot token (MENTORBOT_DISCORD__TOKEN)\n"
    monkeypatch.delenv("MENTORBOT_DISCORD__TOKEN")
    missing = await asyncio.to_thread(runner.invoke, discord_group, ["sync"])
    assert missing.exit_code == 2 and "MENTORBOT_DISCORD__TOKEN" in missing.output
    monkeypatch.setenv("MENTORBOT_DISCORD__TOKEN", world.token)
    monkeypatch.setenv("MENTORBOT_DISCORD__API_URL", "http://127.0.0.1:9")  # nothing listens there
    unreachable = await asyncio.to_thread(runner.invoke, discord_group, ["sync"])
    assert unreachable.exit_code == 1 and unreachable.output.startswith("error: could not reach Discord")
    assert "Traceback" not in unreachable.output
