"""``mentorbot run`` for Slack: Socket Mode or HTTP mode, with the timer loop, until cancelled.

- Socket Mode (``MENTORBOT_SLACK__MODE=socket``, the default): the app opens a websocket to Slack with its
  app-level token (``MENTORBOT_SLACK__APP_TOKEN``); nothing needs to be reachable from the internet.
- HTTP mode (``MENTORBOT_SLACK__MODE=http``): Slack posts commands, interactivity and events to
  ``http://HOST:PORT/slack/events`` (signed with ``MENTORBOT_SLACK__SIGNING_SECRET``); ``/healthz`` answers
  load balancers. Several worker processes over PostgreSQL: see `mentorbot_slack.server.create_app`.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import socket

from aiohttp import web
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from mentorbot.bot import MentorBot
from mentorbot.errors import PASSING_LISTEN_ERRORS
from mentorbot.i18n import translator
from mentorbot.observability import READINESS
from mentorbot.runners import Dispatcher
from mentorbot.settings import Settings, SettingsError, SettingUnusableNow
from mentorbot_slack.adapter import SlackAdapter
from mentorbot_slack.delivery import APP_AUTH_ERRORS, SEND_ERRORS, failure_reason
from mentorbot_slack.plugin import COMMUNITY_PREFIX, check_settings

log = logging.getLogger("mentorbot.slack")

TIMER_INTERVAL = 15.0
"""Seconds between the adapter's own timer and recovery rounds when it runs alone (no `Dispatcher`)."""
SOCKET_CHECK_SECONDS = 1.0
"""Seconds between two looks at the Socket Mode connection (`/readyz` says whether it is up)."""
TOKEN_CHECK_SECONDS = 10.0
"""How long the start waits for Slack's answer to ``auth.test`` (`check_token`), or to ``apps.connections.open``
(`check_app_token`), before going on without it."""
APP_TOKEN_ERRORS = APP_AUTH_ERRORS | {"not_allowed_token_type", "missing_scope"}
"""What ``apps.connections.open`` answers an app-level token it will never take: refused or revoked
(`APP_AUTH_ERRORS`), another kind of token (the ``xoxb-`` bot token pasted there), or one without the
``connections:write`` scope."""


async def check_token(client: AsyncWebClient, settings: Settings) -> None:
    """Ask Slack once (``auth.test``) whether it takes the bot token: a token it refuses (`APP_AUTH_ERRORS`) stops
    the start with a `SettingsError` naming MENTORBOT_SLACK__BOT_TOKEN (else the bot would report ready and fail
    every call, or retry Socket Mode forever). Slack out of reach, or failing otherwise, is a warning: the start
    goes on, and the calls retry as usual."""
    try:
        async with asyncio.timeout(TOKEN_CHECK_SECONDS):
            await client.auth_test()
    except SlackApiError as exc:
        code = failure_reason(exc)
        if code in APP_AUTH_ERRORS:
            raise SettingsError(
                translator(settings.default_language)("slack.start.token_refused", error=code)
            ) from None
        log.warning("Slack's auth.test failed at start (%s); starting anyway", code)
    except SEND_ERRORS as exc:
        log.warning("Slack could not be reached to check the bot token (%s); starting anyway", failure_reason(exc))


async def check_app_token(client: AsyncWebClient, settings: Settings) -> str | None:
    """Ask Slack once (``apps.connections.open``) for a Socket Mode URL with the app-level token: a token it refuses
    (`APP_TOKEN_ERRORS`) stops the start with a `SettingsError` naming MENTORBOT_SLACK__APP_TOKEN, where the Socket
    Mode client would log a traceback and try again every 10 seconds forever. The URL it gives is returned, for the
    first connection to use (Slack limits this call to about one a minute: the start makes it once, not twice).
    Slack out of reach, or failing otherwise, is a warning and None: the Socket Mode client tries on its own."""
    token = settings.slack.app_token.get_secret_value() if settings.slack.app_token else ""
    try:
        async with asyncio.timeout(TOKEN_CHECK_SECONDS):
            response = await client.apps_connections_open(app_token=token)
    except SlackApiError as exc:
        code = failure_reason(exc)
        if code in APP_TOKEN_ERRORS:
            raise SettingsError(
                translator(settings.default_language)("slack.start.app_token_refused", error=code)
            ) from None
        log.warning("Slack's apps.connections.open failed at start (%s); connecting anyway", code)
        return None
    except SEND_ERRORS as exc:
        log.warning("Slack could not be reached to check the app token (%s); connecting anyway", failure_reason(exc))
        return None
    url = response.get("url")
    return url if isinstance(url, str) and url else None


async def run(bot: MentorBot, settings: Settings, dispatcher: Dispatcher | None = None, *, timers: bool = True) -> None:
    """Serve Slack in the configured mode and run the timer loop until cancelled; then shut down cleanly.

    With a `dispatcher` (several adapters in one process), the process's one timer loop delivers Slack
    members' notices through this adapter and no timer loop of its own is started; `timers=False` does the
    same without a dispatcher.
    """
    check_settings(settings.slack)
    adapter = SlackAdapter(bot, settings)
    try:
        await check_token(adapter.client, settings)
        socket_url = await check_app_token(adapter.client, settings) if settings.slack.mode == "socket" else None
        if dispatcher is not None:
            await dispatcher.register(COMMUNITY_PREFIX, adapter.deliver)
        interval = dispatcher.interval if dispatcher is not None else TIMER_INTERVAL
        async with adapter.running(timers=timers and dispatcher is None, interval=interval):
            if settings.slack.mode == "socket":
                await _socket_mode(adapter, settings, socket_url)
            else:
                await _http_mode(adapter, settings)
    finally:
        await adapter.aclose()


async def _socket_mode(adapter: SlackAdapter, settings: Settings, url: str | None = None) -> None:
    """Connect with the app-level token and serve until cancelled; `url`, the one `check_app_token` was given, is the
    first connection's (else the client asks Slack for one)."""
    token = settings.slack.app_token.get_secret_value() if settings.slack.app_token else ""
    handler = AsyncSocketModeHandler(adapter.app, app_token=token, logger=logging.getLogger("mentorbot.slack.socket"))
    if url is not None:
        handler.client.wss_uri = url
    try:
        await handler.connect_async()  # type: ignore[no-untyped-call]
        log.info("Slack adapter connected in socket mode")
        await _track_connection(handler)
    finally:
        READINESS.connected("slack", False)
        await handler.close_async()  # type: ignore[no-untyped-call]


async def _track_connection(handler: AsyncSocketModeHandler) -> None:
    """Keep the process's readiness (`/readyz`) true only while the websocket is up, until cancelled. The Socket
    Mode client reconnects by itself when Slack drops the connection; meanwhile, or when it cannot, nothing
    reaches the bot, and a probe must say so. Each change is logged once."""
    up: bool | None = None
    while True:
        now_up = bool(await handler.client.is_connected())
        if now_up != up:
            READINESS.connected("slack", now_up)
            if up is not None:
                if now_up:
                    log.info("Slack Socket Mode connection is back")
                else:
                    log.warning("Slack Socket Mode connection lost: waiting for it to reconnect (/readyz says 503)")
            up = now_up
        await asyncio.sleep(SOCKET_CHECK_SECONDS)


async def _http_mode(adapter: SlackAdapter, settings: Settings) -> None:
    runner = web.AppRunner(adapter.web_app(), access_log=None, shutdown_timeout=5.0)
    await runner.setup()
    try:
        site = web.TCPSite(runner, settings.slack.host, settings.slack.port)
        try:
            await site.start()
        except OSError as exc:
            raise listen_error(exc, settings) from None
        log.info("Slack adapter serving http://%s:%s/slack/events", settings.slack.host, settings.slack.port)
        READINESS.connected("slack")
        await asyncio.Event().wait()
    finally:
        READINESS.connected("slack", False)
        await runner.cleanup()


def listen_error(exc: OSError, settings: Settings) -> SettingsError:
    """HTTP mode cannot listen on ``MENTORBOT_SLACK__HOST``:``MENTORBOT_SLACK__PORT``: a `SettingsError` naming the
    setting to change (the host when it does not resolve or is not this machine's address, else the port: taken,
    or below 1024 without the right), the address and the reason, as for ``MENTORBOT_METRICS_PORT``."""
    host, port = settings.slack.host, settings.slack.port
    if isinstance(exc.errno, int) and exc.errno > 0:
        reason = os.strerror(exc.errno)
    else:  # a name that does not resolve: socket.gaierror's errno is negative, its strerror says why
        reason = exc.strerror or str(exc) or type(exc).__name__
    host_at_fault = isinstance(exc, socket.gaierror) or exc.errno == errno.EADDRNOTAVAIL
    key = "slack.start.host_unusable" if host_at_fault else "slack.start.port_unusable"
    # A port still held, an address or a name server not up yet at boot may pass: `run` exits 1 to be restarted.
    kind = SettingUnusableNow if exc.errno in PASSING_LISTEN_ERRORS else SettingsError
    return kind(translator(settings.default_language)(key, host=host, port=port, reason=reason))
