"""Pointing the real discord.py at a fake Discord, and running a client against it.

discord.py (2.x) has two module-level endpoints, both class attributes read at call time:

* ``discord.http.Route.BASE`` (default ``https://discord.com/api/v10``): the base of every REST
  route, including interaction callbacks and webhook follow-ups (``discord.webhook.async_`` builds
  its requests from ``Route`` too). Set it to ``http://127.0.0.1:PORT/api/v10``.
* ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY`` (default ``yarl.URL('wss://gateway.discord.gg/')``):
  where a plain ``Client``/``Bot`` connects. ``Client.connect`` does NOT ask ``GET /gateway/bot``;
  only ``AutoShardedClient`` does (and then uses the URL the API returns). Set it to a ``yarl.URL``.
  discord.py adds ``?v=10&encoding=json&compress=zlib-stream`` (or ``zstd-stream`` when ``zstandard``
  is importable) itself, replacing any query. Resumes go to READY's ``resume_gateway_url``, and
  after an INVALID_SESSION discord.py goes back to ``DEFAULT_GATEWAY``.

Both are process-wide: every client in the process uses them.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from typing import TypeVar

import discord
import discord.gateway
import discord.http
import yarl

ClientT = TypeVar("ClientT", bound=discord.Client)


def apply_discord_endpoints(api_url: str, gateway_url: str) -> None:
    """Point discord.py at ``api_url`` (REST base incl. ``/api/v10``) and ``gateway_url`` (``ws://…``).

    This is what a bot adapter does with ``MENTORBOT_DISCORD__API_URL`` and
    ``MENTORBOT_DISCORD__GATEWAY_URL`` before it logs in.
    """
    discord.http.Route.BASE = api_url.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


@contextlib.contextmanager
def point_discord_py_at(api_url: str, gateway_url: str) -> Iterator[None]:
    """Point discord.py at the given endpoints for the duration of the block, then restore them."""
    old_base = discord.http.Route.BASE
    old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    apply_discord_endpoints(api_url, gateway_url)
    try:
        yield
    finally:
        discord.http.Route.BASE = old_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway


@contextlib.asynccontextmanager
async def running_client(
    client: ClientT, *, token: str = "test-token", ready_timeout: float = 10.0, close_timeout: float = 10.0
) -> AsyncIterator[ClientT]:
    """Log ``client`` in, connect it in a background task, wait until it is ready; close it on exit.

    This is ``Client.start`` split in two (``login``, which runs ``setup_hook``, then ``connect``)
    so that the wait for ``on_ready`` can race a failing connection. If the connection fails first
    (e.g. a bad token closes the gateway with 4004), its exception is raised. On exit the client is
    closed and the connection task awaited, so no session, socket or task is left behind.

    Startup takes ``guild_ready_timeout`` (a ``Client`` option, 2 s by default) after the last
    GUILD_CREATE: construct test clients with e.g. ``guild_ready_timeout=0.05``.
    """
    connect_task: asyncio.Task[None] | None = None
    body_raised = True
    try:
        await client.login(token)
        connect_task = asyncio.create_task(client.connect(reconnect=True), name="fake-discord-client-connect")
        ready_task = asyncio.create_task(client.wait_until_ready(), name="fake-discord-client-ready")
        done, _ = await asyncio.wait(
            {connect_task, ready_task}, timeout=ready_timeout, return_when=asyncio.FIRST_COMPLETED
        )
        if ready_task not in done:
            ready_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ready_task
            if connect_task in done:
                connect_task.result()  # raises the connection error
                raise RuntimeError("discord.py client stopped before it was ready")
            raise TimeoutError(f"discord.py client was not ready within {ready_timeout:g} s")
        yield client
        body_raised = False
    finally:
        await client.close()
        failure: BaseException | None = None
        if connect_task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(connect_task), close_timeout)
            except TimeoutError:
                connect_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await connect_task
                failure = TimeoutError(f"discord.py client did not stop within {close_timeout:g} s")
            except Exception as exc:
                failure = exc
        if failure is not None and not body_raised:
            raise failure
