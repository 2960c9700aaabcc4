"""The Slack Web API client MentorBot uses: the bot token, an optional API URL, retries, one connection pool."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any, Final

import aiohttp
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from mentorbot.settings import Settings

RATE_LIMIT_RETRIES: Final = 3
RATE_LIMIT_WAIT_MAX: Final = 5.0
"""The longest ``Retry-After`` (seconds) a call waits out in-process; past it the call fails at once (a
notification is then retried from the outbox after the wait), rather than stalling everything behind it."""
HTTP_TIMEOUT: Final = 30
"""Seconds a call to Slack (Web API, response_url) may take, as slack_sdk's own default."""


class ShortRateLimitRetryHandler(AsyncRateLimitErrorRetryHandler):
    """slack_sdk's retry of HTTP 429s after ``Retry-After``, only when that wait is at most `RATE_LIMIT_WAIT_MAX`
    seconds (or not given: slack_sdk then waits one or two)."""

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if not await super()._can_retry_async(state=state, request=request, response=response, error=error):
            return False
        assert response is not None  # a 429 was seen
        for name, values in response.headers.items():
            if name.lower() == "retry-after" and values:
                first = values[0] if isinstance(values, list) else values
                try:
                    return float(first) <= RATE_LIMIT_WAIT_MAX
                except ValueError:
                    return True
        return True


def retry_handlers() -> list[AsyncRetryHandler]:
    """Retry connection errors once and short HTTP 429s (after ``Retry-After``, up to `RATE_LIMIT_WAIT_MAX`)
    up to three times."""
    return [AsyncConnectionErrorRetryHandler(), ShortRateLimitRetryHandler(max_retry_count=RATE_LIMIT_RETRIES)]


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


def retry_after_of(headers: Any) -> float | None:
    """The seconds of a ``Retry-After`` header (any case), or None when there is none or it is not a number."""
    if not isinstance(headers, Mapping):
        return None
    for name, value in headers.items():
        if str(name).lower() == "retry-after":
            first = value[0] if isinstance(value, list | tuple) and value else value
            try:
                return float(first)
            except (TypeError, ValueError):
                return None
    return None
