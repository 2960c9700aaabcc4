"""``mentorbot run`` for Slack: Socket Mode or HTTP mode, with the timer loop, until cancelled.

- Socket Mode (``MENTORBOT_SLACK__MODE=socket``, the default): the app opens a websocket to Slack with its
  app-level token (``MENTORBOT_SLACK__APP_TOKEN``); nothing needs to be reachable from the internet.
- HTTP mode (``MENTORBOT_SLACK__MODE=http``): Slack posts commands, interactivity and events to
  ``http://HOST:PORT/slack/events`` (signed with ``MENTORBOT_SLACK__SIGNING_SECRET``); ``/healthz`` answers
  load balancers. Several worker processes over PostgreSQL: see `mentorbot_slack.server.create_app`.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

from mentorbot.bot import MentorBot
from mentorbot.observability import READINESS
from mentorbot.runners import Dispatcher
from mentorbot.settings import Settings, SettingsError, SlackSettings
from mentorbot_slack.adapter import SlackAdapter
from mentorbot_slack.plugin import COMMUNITY_PREFIX

log = logging.getLogger("mentorbot.slack")

TIMER_INTERVAL = 15.0
"""Seconds between the adapter's own timer and recovery rounds when it runs alone (no `Dispatcher`)."""


def check_settings(slack: SlackSettings) -> None:
    """Refuse to start without what the chosen mode needs (the message names the setting, never a value)."""
    if not slack.bot_token or not slack.bot_token.get_secret_value():
        raise SettingsError("MENTORBOT_SLACK__BOT_TOKEN: required to run on Slack (the bot token, xoxb-…)")
    if slack.mode == "socket" and not (slack.app_token and slack.app_token.get_secret_value()):
        raise SettingsError(
            "MENTORBOT_SLACK__APP_TOKEN: required in socket mode (an app-level token, xapp-…, with the "
            "connections:write scope); or set MENTORBOT_SLACK__MODE=http"
        )
    if slack.mode == "http" and not (slack.signing_secret and slack.signing_secret.get_secret_value()):
        raise SettingsError(
            "MENTORBOT_SLACK__SIGNING_SECRET: required in http mode (Basic Information → App Credentials)"
        )


async def run(bot: MentorBot, settings: Settings, dispatcher: Dispatcher | None = None, *, timers: bool = True) -> None:
    """Serve Slack in the configured mode and run the timer loop until cancelled; then shut down cleanly.

    With a `dispatcher` (several adapters in one process), the process's one timer loop delivers Slack
    members' notices through this adapter and no timer loop of its own is started; `timers=False` does the
    same without a dispatcher.
    """
    check_settings(settings.slack)
    adapter = SlackAdapter(bot, settings)
    try:
        if dispatcher is not None:
            await dispatcher.register(COMMUNITY_PREFIX, adapter.deliver)
        interval = dispatcher.interval if dispatcher is not None else TIMER_INTERVAL
        async with adapter.running(timers=timers and dispatcher is None, interval=interval):
            if settings.slack.mode == "socket":
                await _socket_mode(adapter, settings)
            else:
                await _http_mode(adapter, settings)
    finally:
        await adapter.aclose()


async def _socket_mode(adapter: SlackAdapter, settings: Settings) -> None:
    token = settings.slack.app_token.get_secret_value() if settings.slack.app_token else ""
    handler = AsyncSocketModeHandler(adapter.app, app_token=token, logger=logging.getLogger("mentorbot.slack.socket"))
    try:
        await handler.connect_async()  # type: ignore[no-untyped-call]
        log.info("Slack adapter connected in socket mode")
        READINESS.connected("slack")
        await asyncio.Event().wait()
    finally:
        READINESS.connected("slack", False)
        await handler.close_async()  # type: ignore[no-untyped-call]


async def _http_mode(adapter: SlackAdapter, settings: Settings) -> None:
    runner = web.AppRunner(adapter.web_app(), access_log=None, shutdown_timeout=5.0)
    await runner.setup()
    try:
        site = web.TCPSite(runner, settings.slack.host, settings.slack.port)
        await site.start()
        log.info("Slack adapter serving http://%s:%s/slack/events", settings.slack.host, settings.slack.port)
        READINESS.connected("slack")
        await asyncio.Event().wait()
    finally:
        READINESS.connected("slack", False)
        await runner.cleanup()
