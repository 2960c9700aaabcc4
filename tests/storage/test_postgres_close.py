"""Closing the PostgreSQL engine never hangs on a connection that work holds and never gives back (a stopping
process would otherwise wait forever in asyncpg's graceful pool close, then be killed by its grace timer)."""

from __future__ import annotations

import asyncio
import time

import pytest

from mentorbot.storage import postgres_engine
from mentorbot.storage.postgres_engine import PostgresDatabase
from tests.conftest import POSTGRES_URL, require_postgres


async def test_close_terminates_connections_still_held(monkeypatch: pytest.MonkeyPatch) -> None:
    await require_postgres()
    monkeypatch.setattr(postgres_engine, "CLOSE_TIMEOUT", 0.3)
    db = PostgresDatabase(POSTGRES_URL)
    await db.open()
    holding = asyncio.Event()

    async def stuck() -> None:
        async with db.transaction():
            holding.set()
            await asyncio.sleep(3600)  # work that never ends (cancelled below, after the close)

    task = asyncio.create_task(stuck())
    await holding.wait()
    started = time.monotonic()
    await asyncio.wait_for(db.close(), 5)
    assert time.monotonic() - started < 2, "the close waited for the held connection instead of terminating it"
    task.cancel()
    with pytest.raises((asyncio.CancelledError, Exception)):
        await task
