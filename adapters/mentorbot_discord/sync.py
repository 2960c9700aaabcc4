"""Registering the slash commands with Discord (``mentorbot discord sync``), never on start.

Without options, commands are registered globally, or, when ``MENTORBOT_DISCORD__DEV_GUILD_IDS`` is set, in
those development guilds only (changes show at once there). Registering needs the token and REST only: no
gateway, no database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import discord
from discord import app_commands

from mentorbot.settings import Settings, SettingsError
from mentorbot_discord.client import apply_endpoints, quiet_voice_warnings
from mentorbot_discord.slash import command_list


@dataclass(frozen=True)
class Synced:
    """What one sync did: the guild (None: global) and the command names now registered there."""

    guild_id: int | None
    names: tuple[str, ...]


def sync_targets(settings: Settings, guild_ids: Sequence[int] = (), *, global_: bool = False) -> list[int | None]:
    """Where to register: the given guilds, else the development guilds, else (or with `global_`) globally."""
    targets: list[int | None] = list(dict.fromkeys(guild_ids or settings.discord.dev_guild_ids))
    if global_ or not targets:
        targets.append(None)
    return targets


async def sync_commands(
    settings: Settings, guild_ids: Sequence[int] = (), *, global_: bool = False, clear: bool = False
) -> list[Synced]:
    """Register MentorBot's slash commands (or, with `clear`, remove them) where `sync_targets` says."""
    token = settings.discord.token.get_secret_value() if settings.discord.token else ""
    if not token:
        raise SettingsError("MENTORBOT_DISCORD__TOKEN: required to register the slash commands")
    quiet_voice_warnings()
    client = discord.Client(intents=discord.Intents.none())  # logging in learns the application id
    tree: app_commands.CommandTree[discord.Client] = app_commands.CommandTree(client)
    for command in command_list():
        tree.add_command(command)
    apply_endpoints(settings.discord)
    done: list[Synced] = []
    async with client:
        await client.login(token)
        for guild_id in sync_targets(settings, guild_ids, global_=global_):
            guild = discord.Object(guild_id) if guild_id is not None else None
            if clear:
                tree.clear_commands(guild=guild)
            elif guild is not None:
                tree.clear_commands(guild=guild)
                tree.copy_global_to(guild=guild)
            synced = await tree.sync(guild=guild)
            done.append(Synced(guild_id, tuple(c.name for c in synced)))
    return done
