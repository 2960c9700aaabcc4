# ruff: noqa: ASYNC109  (the test API takes timeout= arguments on purpose: await record.wait_callback(2.0))
"""A fake Discord on 127.0.0.1 that the real discord.py client connects to: REST, gateway and a test API.

Typical use (see :mod:`tests.fakes.discord_fixtures` for the pytest fixture)::

    async with FakeDiscord() as fake, point_discord_py_at(fake.api_url, fake.gateway_url):
        async with fake.run_client(bot):
            record = await fake.push_interaction(fake.build.slash("mentor request", {"skills": "seo"}))
            callback = await record.wait_callback()
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from types import TracebackType
from typing import Self

from aiohttp import web

from tests.fakes.discord_client import ClientT, running_client
from tests.fakes.discord_gateway import FakeGateway, GatewaySession
from tests.fakes.discord_models import (
    JSON,
    ChangeSignal,
    DiscordWorld,
    GatewayFrame,
    InteractionRecord,
    RestCall,
)
from tests.fakes.discord_payloads import InteractionBuilder
from tests.fakes.discord_rest import API_PREFIX, DiscordRestApi

GATEWAY_PATH = "/gateway"
RESUME_GATEWAY_PATH = "/gateway/resume"


class FakeDiscord:
    """One aiohttp server on a free 127.0.0.1 port serving Discord's REST API (``/api/v10``) and gateway.

    Use it as an async context manager (or call :meth:`start` and :meth:`stop`). The world (users,
    guilds, roles, channels) defaults to :meth:`DiscordWorld.default`. Everything is recorded:
    :attr:`rest_calls`, :attr:`gateway_received`, :attr:`dms`, :attr:`interactions`, :attr:`commands`.
    """

    def __init__(
        self,
        world: DiscordWorld | None = None,
        *,
        interaction_deadline: float = 3.0,
        heartbeat_interval_ms: int = 41_250,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.world = world or DiscordWorld.default()
        self.signal = ChangeSignal()
        self.clock = clock
        self.rest = DiscordRestApi(self.world, self.signal, clock=clock)
        self.rest.interaction_deadline = interaction_deadline
        self.gateway = FakeGateway(
            self.world, self.signal, heartbeat_interval_ms=heartbeat_interval_ms, clock=clock
        )
        self.build = InteractionBuilder(self.world, self._find_command)
        """Interaction payload builders bound to this fake's world and synced commands."""
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    # ------------------------------------------------------------------------------------- lifecycle

    async def start(self) -> Self:
        """Start serving on 127.0.0.1 with a free port."""
        if self._runner is not None:
            return self
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get(GATEWAY_PATH, self.gateway.handle)
        app.router.add_get(RESUME_GATEWAY_PATH, self.gateway.handle)
        app.router.add_route("*", "/{tail:.*}", self.rest.handle)
        runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._runner = runner
        host, port = runner.addresses[0][:2]
        self.base_url = f"http://{host}:{port}"
        self.rest.base_url = self.base_url
        self.gateway.url = f"ws://{host}:{port}{GATEWAY_PATH}"
        self.gateway.resume_url = f"ws://{host}:{port}{RESUME_GATEWAY_PATH}"
        self.rest.gateway_url = self.gateway.url
        return self

    async def stop(self) -> None:
        """Close every gateway connection (code 1001) and stop the server."""
        runner, self._runner = self._runner, None
        if runner is None:
            return
        await self.gateway.close_all(1001)
        await runner.cleanup()

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    # ------------------------------------------------------------------------------------ addresses

    @property
    def api_url(self) -> str:
        """The REST base URL, ``http://127.0.0.1:PORT/api/v10`` (what ``discord.http.Route.BASE`` must be)."""
        return self.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        """The gateway URL, ``ws://127.0.0.1:PORT/gateway`` (``DiscordWebSocket.DEFAULT_GATEWAY``)."""
        return self.gateway.url

    @property
    def token(self) -> str:
        """The bot token the fake accepts."""
        return self.world.token

    # ---------------------------------------------------------------------------------- configuration

    @property
    def interaction_deadline(self) -> float:
        """Seconds within which an interaction's first callback must arrive (Discord: 3)."""
        return self.rest.interaction_deadline

    @interaction_deadline.setter
    def interaction_deadline(self, seconds: float) -> None:
        self.rest.interaction_deadline = seconds

    @property
    def token_lifetime(self) -> float:
        """Seconds an interaction token works for follow-ups and ``@original`` (Discord: 15 minutes)."""
        return self.rest.token_lifetime

    @token_lifetime.setter
    def token_lifetime(self, seconds: float) -> None:
        self.rest.token_lifetime = seconds

    def close_dms(self, user_id: int, closed: bool = True) -> None:
        """Make DMs to this user answer 403 with code 50007 (or, with ``closed=False``, work again)."""
        if closed:
            self.world.closed_dm_user_ids.add(user_id)
        else:
            self.world.closed_dm_user_ids.discard(user_id)

    def fail_next(
        self,
        method: str,
        path: str,
        *,
        status: int = 500,
        times: int = 1,
        retry_after: float = 1.0,
        global_limit: bool = False,
    ) -> None:
        """Make the next `times` REST calls of `method` on a path fully matching the regex `path` (below /api/v10,
        e.g. ``r"/channels/\\d+/messages"``) answer `status`: a 5xx in Discord's error shape, or a 429 rate limit
        of `retry_after` seconds (body, ``Retry-After`` and ``Via`` headers, as discord.py expects them; with
        `global_limit`, the bot's global rate limit: ``"global": true``, ``X-RateLimit-Scope: global``)."""
        self.rest.fail_next(
            method, path, status=status, times=times, retry_after=retry_after, global_limit=global_limit
        )

    def refuse_token(self, refused: bool = True) -> None:
        """Make every REST call that needs the bot token answer 401 "Unauthorized", as when the token was reset or
        revoked (or, with ``refused=False``, take it again). Interaction callbacks and follow-ups, which use the
        interaction's own token, still work."""
        self.rest.token_refused = refused

    # ---------------------------------------------------------------------------------------- records

    @property
    def rest_calls(self) -> list[RestCall]:
        """Every REST request, oldest first."""
        return self.rest.calls

    @property
    def unknown_calls(self) -> list[RestCall]:
        """REST requests to routes the fake does not serve (answered 404/405)."""
        return self.rest.unknown_calls

    @property
    def gateway_received(self) -> list[GatewayFrame]:
        """Every gateway payload received from clients, oldest first."""
        return self.gateway.received

    @property
    def gateway_sent(self) -> list[GatewayFrame]:
        """Every gateway payload sent to clients, oldest first."""
        return self.gateway.sent

    @property
    def dms(self) -> dict[int, list[dict[str, JSON]]]:
        """Messages the bot sent in DMs, by recipient user id."""
        return self.rest.dms

    @property
    def interactions(self) -> dict[int, InteractionRecord]:
        """Pushed interactions by id."""
        return self.rest.interactions

    @property
    def messages(self) -> dict[int, dict[str, JSON]]:
        """Every message the bot created (channel messages, DMs, interaction responses), by id."""
        return self.rest.messages

    @property
    def commands(self) -> list[dict[str, JSON]]:
        """The global application commands as last synced."""
        return self.rest.global_commands

    def guild_commands(self, guild_id: int) -> list[dict[str, JSON]]:
        """The guild's application commands as last synced."""
        return self.rest.guild_commands.get(guild_id, [])

    def calls(self, method: str | None = None, path: str | None = None) -> list[RestCall]:
        """Recorded REST calls, filtered by method and by ``path`` (a regex fully matching the path)."""
        pattern = re.compile(path) if path is not None else None
        return [
            c
            for c in self.rest.calls
            if (method is None or c.method == method) and (pattern is None or pattern.fullmatch(c.path))
        ]

    async def wait_for_call(
        self,
        method: str,
        path: str,
        *,
        count: int = 1,
        timeout: float = 5.0,
        check: Callable[[RestCall], bool] | None = None,
    ) -> RestCall:
        """Wait until ``count`` REST calls matching method and path regex (and ``check``) were answered."""

        def found() -> RestCall | None:
            matches = [c for c in self.calls(method, path) if c.status and (check is None or check(c))]
            return matches[count - 1] if len(matches) >= count else None

        return await self.signal.wait_for(found, timeout, f"{count} REST call(s) {method} {path}")

    async def wait_for_dm(
        self, user_id: int, *, count: int = 1, timeout: float = 5.0
    ) -> list[dict[str, JSON]]:
        """Wait until the bot has sent ``count`` DMs to this user; return them."""
        return await self.signal.wait_for(
            lambda: list(self.dms.get(user_id, [])) if len(self.dms.get(user_id, [])) >= count else None,
            timeout,
            f"{count} DM(s) to user {user_id}",
        )

    # ---------------------------------------------------------------------------------- gateway API

    async def wait_for_connection(self, timeout: float = 5.0) -> None:
        """Wait until a client has identified (or resumed) on an open gateway connection."""
        await self.gateway.wait_for_connection(timeout)

    @property
    def session(self) -> GatewaySession | None:
        """The current gateway session, if any."""
        return self.gateway.current_session

    async def dispatch(self, event: str, data: JSON) -> int:
        """Send a gateway DISPATCH event to the current session; returns its sequence number."""
        return await self.gateway.dispatch(event, data)

    async def push_interaction(self, payload: dict[str, JSON]) -> InteractionRecord:
        """Send INTERACTION_CREATE with a fresh interaction id and token; return its record.

        ``application_id`` is set to the fake's application. The 3-second callback deadline counts
        from now. Use :attr:`build` to make payloads, or a fixture from ``tests/fixtures/discord``.
        While the bot is reconnecting, the event waits in its session and is replayed on RESUME.
        """
        if self.gateway.current_session is None:
            raise RuntimeError("fake Discord: no bot is connected to the gateway")
        data = dict(payload)
        interaction_id = self.world.snowflakes.next()
        data["id"] = str(interaction_id)
        data["token"] = f"fake-interaction-{interaction_id}-{secrets.token_urlsafe(24)}"
        data["application_id"] = str(self.world.application_id)
        record = InteractionRecord(
            id=interaction_id,
            token=str(data["token"]),
            type=int(data["type"]),
            payload=data,
            created_at=self.clock(),
            signal=self.signal,
        )
        self.rest.register_interaction(record)
        await self.gateway.dispatch("INTERACTION_CREATE", data)
        return record

    # -------------------------------------------------------------------------------------- clients

    def run_client(
        self, client: ClientT, *, ready_timeout: float = 10.0
    ) -> AbstractAsyncContextManager[ClientT]:
        """Log a discord.py client in with this fake's token, connect it, wait for ready; close it on exit.

        discord.py must already point at the fake (see ``point_discord_py_at``).
        """
        return running_client(client, token=self.token, ready_timeout=ready_timeout)

    # ------------------------------------------------------------------------------------- internals

    def _find_command(self, name: str, guild_id: int | None) -> tuple[int, int | None] | None:
        if guild_id is not None:
            for cmd in self.rest.guild_commands.get(guild_id, []):
                if cmd["name"] == name and int(cmd.get("type") or 1) == 1:
                    return int(cmd["id"]), guild_id
        for cmd in self.rest.global_commands:
            if cmd["name"] == name and int(cmd.get("type") or 1) == 1:
                return int(cmd["id"]), None
        return None

    def __repr__(self) -> str:
        return f"<FakeDiscord {self.base_url or 'not started'}>"
