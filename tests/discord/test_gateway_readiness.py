"""What /readyz is told about the Discord gateway (`MentorBotClient.gateway_connected`, reported by
`runner._report_readiness`): connected only while the gateway connection is up, not from the first READY until
the client is closed (discord.py's `is_ready`)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from mentorbot.observability import READINESS
from mentorbot_discord.client import MentorBotClient
from mentorbot_discord.runner import _report_readiness
from tests.fakes.discord_fake import FakeDiscord
from tests.fakes.discord_gateway import GatewayConnection
from tests.fakes.discord_models import JSON


async def eventually(check: Callable[[], bool], seconds: float = 5.0) -> None:
    for _ in range(int(seconds / 0.02)):
        if check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"{check} still false after {seconds} s")


async def test_readiness_follows_the_gateway_connection_down_and_back(
    world: FakeDiscord, client: MentorBotClient
) -> None:
    saved = READINESS.platforms()
    reporter = asyncio.create_task(_report_readiness(client))
    try:
        await eventually(lambda: READINESS.platforms().get("discord") is True)

        async def refuse(conn: GatewayConnection, op: int, d: JSON) -> None:
            await conn.close(4000, "down")  # every IDENTIFY / RESUME: the gateway stays unreachable

        world.gateway._on_payload = refuse  # type: ignore[method-assign]
        await world.gateway.drop_connection()

        await eventually(lambda: READINESS.platforms().get("discord") is False)
        await asyncio.sleep(1.5)  # through discord.py's reconnection attempts
        assert client.is_ready() and not client.is_closed(), "what discord.py says: still ready"
        assert not client.gateway_connected()
        assert READINESS.platforms()["discord"] is False

        del world.gateway._on_payload  # the gateway answers again: discord.py resumes or identifies
        await eventually(client.gateway_connected, seconds=20.0)
        await eventually(lambda: READINESS.platforms().get("discord") is True)
    finally:
        reporter.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reporter
        READINESS._platforms.clear()
        READINESS._platforms.update(saved)
