"""Pytest fixtures for end-to-end tests against the fake Slack.

Register once in ``tests/conftest.py``::

    pytest_plugins = ["tests.fakes.slack_fixtures"]

Fixtures:

* ``slack_fake``: a started :class:`~tests.fakes.slack_web_api.FakeSlack` (stopped afterwards).
* ``slack_http_app_server``: ``await slack_http_app_server(app)`` serves a Bolt ``AsyncApp`` on
  127.0.0.1 and returns a :class:`~tests.fakes.slack_http_app.SlackClient` that posts signed
  requests to it (servers and clients are closed afterwards, before the fake).
* ``slack_socket_mode_connect``: ``await slack_socket_mode_connect(app)`` connects Bolt's aiohttp
  ``AsyncSocketModeHandler`` for ``app`` to the fake's websocket and waits for it to be open
  (handlers are closed afterwards, before the fake, so they do not try to reconnect).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol

import pytest_asyncio
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp

from tests.fakes.slack_http_app import DEFAULT_EVENTS_PATH, SlackAppServer, SlackClient
from tests.fakes.slack_ids import APP_TOKEN, SIGNING_SECRET
from tests.fakes.slack_web_api import FakeSlack


class ServeSlackApp(Protocol):
    """The callable ``slack_http_app_server`` provides."""

    async def __call__(
        self, app: AsyncApp, *, path: str = DEFAULT_EVENTS_PATH, signing_secret: str = SIGNING_SECRET
    ) -> SlackClient:
        """Serve ``app`` and return a client posting signed requests to it."""
        ...


class ConnectSocketMode(Protocol):
    """The callable ``slack_socket_mode_connect`` provides."""

    async def __call__(self, app: AsyncApp, *, app_token: str = APP_TOKEN) -> AsyncSocketModeHandler:
        """Connect ``app`` over Socket Mode and return its (connected) handler."""
        ...


@pytest_asyncio.fixture
async def slack_fake() -> AsyncIterator[FakeSlack]:
    """A started fake Slack (Web API, response_url hooks, Socket Mode) on 127.0.0.1."""
    async with FakeSlack() as fake:
        yield fake


@pytest_asyncio.fixture
async def slack_http_app_server(slack_fake: FakeSlack) -> AsyncIterator[ServeSlackApp]:
    """Serve Bolt apps over HTTP on 127.0.0.1; returns ``serve(app) -> SlackClient``."""
    servers: list[SlackAppServer] = []
    clients: list[SlackClient] = []

    async def serve(
        app: AsyncApp, *, path: str = DEFAULT_EVENTS_PATH, signing_secret: str = SIGNING_SECRET
    ) -> SlackClient:
        server = SlackAppServer(app, path=path)
        await server.start()
        servers.append(server)
        client = SlackClient(server.events_url, signing_secret=signing_secret, fake=slack_fake)
        clients.append(client)
        return client

    try:
        yield serve
    finally:
        for client in clients:
            await client.close()
        for server in servers:
            await server.close()


@pytest_asyncio.fixture
async def slack_socket_mode_connect(slack_fake: FakeSlack) -> AsyncIterator[ConnectSocketMode]:
    """Connect Bolt apps over Socket Mode to the fake; returns ``connect(app) -> handler``.

    The app's own client (``app.client``) makes the ``apps.connections.open`` call, so build the app
    with ``client=slack_fake.web_client()``.
    """
    handlers: list[AsyncSocketModeHandler] = []

    async def connect(app: AsyncApp, *, app_token: str = APP_TOKEN) -> AsyncSocketModeHandler:
        handler = AsyncSocketModeHandler(app, app_token=app_token)
        handlers.append(handler)
        expected = slack_fake.socket_mode.connection_count + 1
        await handler.connect_async()  # type: ignore[no-untyped-call]
        await slack_fake.socket_mode.wait_until(
            lambda: slack_fake.socket_mode.connection_count >= expected, what="the app's websocket"
        )
        return handler

    try:
        yield connect
    finally:
        for handler in handlers:
            await handler.close_async()  # type: ignore[no-untyped-call]
