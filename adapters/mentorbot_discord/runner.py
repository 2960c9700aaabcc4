"""``mentorbot run`` for Discord: the client on the gateway plus the timer loop, until cancelled.

Several processes can share one bot: give each the same ``MENTORBOT_DISCORD__SHARD_COUNT``, its own
``MENTORBOT_DISCORD__SHARD_IDS`` and the same PostgreSQL ``MENTORBOT_DATABASE_URL``. Each process answers the
interactions of its shards' guilds (and shard 0 those in DMs); timers are claimed through the database, so
each runs once whichever process claims it, and any process can send the DMs (they go over REST).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import discord

from mentorbot.app import every, run_timers
from mentorbot.bot import MentorBot
from mentorbot.i18n import translator
from mentorbot.observability import READINESS
from mentorbot.runners import Dispatcher
from mentorbot.settings import Settings, SettingsError
from mentorbot_discord.client import MentorBotClient
from mentorbot_discord.plugin import COMMUNITY_PREFIX

log = logging.getLogger("mentorbot.discord")


class TokenRefused(SettingsError, discord.LoginFailure):
    """Discord refused MENTORBOT_DISCORD__TOKEN at login (401: mistyped, reset or revoked): a setting to change, so
    ``mentorbot run`` says it in one line, never the token, and exits 2, which a service manager does not restart
    (``RestartPreventExitStatus=2``), as for a token Slack refuses. Still the `discord.LoginFailure` discord.py
    raised, for callers that catch that."""


async def run(
    bot: MentorBot,
    settings: Settings,
    *,
    dispatcher: Dispatcher | None = None,
    timers: bool = True,
    timer_interval: float = 15.0,
    client_options: dict[str, Any] | None = None,
) -> None:
    """Run the Discord adapter until cancelled (or until the gateway fails for good), then close cleanly.

    Logs in (REST) and connects the gateway, with endpoints and shards from the settings; a token Discord refuses
    is a `TokenRefused` (a `SettingsError` naming MENTORBOT_DISCORD__TOKEN), raised before the gateway. Alone in its
    process it also runs the timer loop that delivers offer expiries, check-ins and pause ends as DMs; with a
    `dispatcher` (``mentorbot run`` owns the one timer loop of the process) it registers its DM delivery for
    ``discord:`` communities instead. Either way it recovers, at start and every `timer_interval`, the
    interactions a dead process recorded and never answered (`MentorBotClient.recover`). `timers=False` runs
    no timer loop and no recovery. Slash commands are not synced here: that is ``mentorbot discord sync``.
    """
    token = settings.discord.token.get_secret_value() if settings.discord.token else ""
    if not token:
        raise SettingsError("MENTORBOT_DISCORD__TOKEN: required to run the Discord adapter")
    client = MentorBotClient(bot, settings, **(client_options or {}))
    tasks: list[asyncio.Task[None]] = []
    try:
        try:
            await client.login(token)
        except discord.LoginFailure:  # discord.py's own message ("Improper token…") says nothing of what to do
            raise TokenRefused(translator(settings.default_language)("discord.start.token_refused")) from None
        log.info("Discord: logged in as %s (application %s)", client.user, client.application_id)
        if dispatcher is not None:
            await dispatcher.register(COMMUNITY_PREFIX, client.deliver)
        tasks.append(asyncio.create_task(client.connect(reconnect=True), name="mentorbot-discord-gateway"))
        tasks.append(asyncio.create_task(_report_readiness(client), name="mentorbot-discord-readiness"))
        if timers and dispatcher is None:
            tasks.append(
                asyncio.create_task(
                    run_timers(bot, client.deliver, interval=timer_interval, communities=(COMMUNITY_PREFIX,)),
                    name="mentorbot-discord-timers",
                )
            )
        if timers:  # the interactions a dead process recorded: this adapter's own, whoever runs the timers
            tasks.append(
                asyncio.create_task(
                    every(timer_interval, client.recover, "recovering recorded Discord interactions"),
                    name="mentorbot-discord-recovery",
                )
            )
        # Returns only when the gateway connection ends for good (the timer loop never ends by itself).
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            task.result()
    finally:
        for task in tasks:
            task.cancel()
        await client.close()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        READINESS.connected("discord", False)
        log.info("Discord: closed")


async def _report_readiness(client: MentorBotClient) -> None:
    """Tell /readyz, every second, whether the gateway is connected and ready (`gateway_connected`)."""
    while True:
        READINESS.connected("discord", client.gateway_connected())
        await asyncio.sleep(1.0)
