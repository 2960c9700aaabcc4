"""``mentorbot discord …``: the Discord adapter's operator commands (attached to the ``mentorbot`` group)."""

from __future__ import annotations

import asyncio
import sys

import aiohttp
import click

from mentorbot.settings import SettingsError


@click.group("discord")
def discord_group() -> None:
    """The Discord adapter."""


@discord_group.command("sync")
@click.option("--guild", "guild_ids", type=int, multiple=True, metavar="ID", help="Register in this guild (repeat).")
@click.option("--global", "global_", is_flag=True, help="Register globally, even when development guilds are set.")
@click.option("--clear", is_flag=True, help="Remove MentorBot's commands from there instead.")
def sync(guild_ids: tuple[int, ...], global_: bool, clear: bool) -> None:
    """Register the slash commands with Discord.

    Without options: globally, or in MENTORBOT_DISCORD__DEV_GUILD_IDS when set (changes show at once there).
    Run it after installing or upgrading MentorBot, not on every start.
    """
    import discord  # imported here: `mentorbot --help` need not load discord.py

    from mentorbot.cli_support import settings_or_exit
    from mentorbot_discord.sync import sync_commands

    settings = settings_or_exit()
    try:
        done = asyncio.run(sync_commands(settings, guild_ids, global_=global_, clear=clear))
    except SettingsError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except discord.LoginFailure:
        click.echo("error: Discord refused the bot token (MENTORBOT_DISCORD__TOKEN)", err=True)
        sys.exit(1)
    except discord.HTTPException as exc:
        click.echo(f"error: Discord answered {exc.status} (code {exc.code}): {exc.text}", err=True)
        sys.exit(1)
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        # Discord (or MENTORBOT_DISCORD__API_URL) could not be reached: one line, not a traceback.
        click.echo(f"error: could not reach Discord ({type(exc).__name__}); check the network and try again", err=True)
        sys.exit(1)
    for item in done:
        where = "globally" if item.guild_id is None else f"in guild {item.guild_id}"
        if clear:
            click.echo(f"removed MentorBot's commands {where}")
        else:
            click.echo(f"registered {len(item.names)} commands {where}: {', '.join('/' + n for n in item.names)}")
