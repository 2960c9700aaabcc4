"""The Slack Web API client MentorBot uses: the bot token, an optional API URL, retries, one connection pool."""

from __future__ import annotations

import asyncio
from typing import Final

import aiohttp
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from mentorbot.settings import Settings

RATE_LIMIT_RETRIES: Final = 3
HTTP_TIMEOUT: Final = 30
"""Seconds a call to Slack (Web API, response_url) may take, as slack_sdk's own default."""


def retry_handlers() -> list[AsyncRetryHandler]:
    """Retry connection errors once and HTTP 429s (after ``Retry-After``) up to three times."""
    return [AsyncConnectionErrorRetryHandler(), AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES)]


def api_base_url(url: str | None) -> str:
    """The Web API base URL: Slack's, or ``MENTORBOT_SLACK__API_URL`` (with the trailing slash slack_sdk needs)."""
    if not url:
        return AsyncWebClient.BASE_URL
    return url if url.endswith("/") else url + "/"


def make_client(settings: Settings, session: aiohttp.ClientSession | None = None) -> AsyncWebClient:
    """The Web API client for the bot token, honouring ``API_URL`` and retrying rate-limited calls; with a
    `session`, every call reuses its connections (else slack_sdk opens a session, and a connection, per call)."""
    token = settings.slack.bot_token.get_secret_value() if settings.slack.bot_token else None
    return AsyncWebClient(
        token=token, base_url=api_base_url(settings.slack.api_url), retry_handlers=retry_handlers(), session=session
    )


def pooled_session() -> aiohttp.ClientSession | None:
    """One connection pool for every call to Slack, when an event loop is running (None otherwise): a users.info
    on the way to an answer then costs one round trip, not a new connection (and, to slack.com, a TLS handshake)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return None
    return aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=HTTP_TIMEOUT))
