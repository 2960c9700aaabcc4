"""Session 41: ``/readyz`` lists the settings other processes sharing the database disagree on (still ready: the
operator puts them right), and is not ready once a newer release upgraded the database under this process."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import aiohttp

from mentorbot.app import open_bot
from mentorbot.clock import ManualClock
from mentorbot.observability import READINESS, serve_ops
from mentorbot.settings import load_settings
from mentorbot.storage.fingerprints import digest_of, fingerprint_values
from mentorbot.storage.migrations import available_migrations
from mentorbot.storage.store import Store
from tests.slack.test_runner import free_port


async def test_readyz_shows_disagreements_and_a_newer_schema(tmp_path: Path) -> None:
    saved = READINESS.platforms()
    READINESS._platforms.clear()
    url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    settings = load_settings(env_file=None, database_url=url)
    clock = ManualClock()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    try:
        async with open_bot(settings, clock=clock, peers=True) as bot, serve_ops(bot, "127.0.0.1", port):
            other = Store.from_url(url)
            await other.open(clock.now())
            try:
                theirs = fingerprint_values(
                    load_settings(env_file=None, matching="rounds", round_schedule="mon 9:00"), {}
                )
                await other.record_fingerprint("other-host", digest_of(theirs), theirs, clock.now())
                clock.advance(timedelta(minutes=1))
                await bot.run_due_jobs()
                async with aiohttp.ClientSession() as http, http.get(base + "/readyz") as response:
                    body = await response.json()
                assert response.status == 200 and "problems" not in body
                [line] = body["disagreements"]
                assert line.startswith("other-host: ") and "MENTORBOT_MATCHING" in line
                assert "MENTORBOT_SKILLS_FILE" in line  # the other recorded no file digests
                known = available_migrations("sqlite")[-1].version
                async with other.db.transaction() as conn:
                    await conn.execute(
                        "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
                        known + 1,
                        "newer",
                        clock.now(),
                    )
            finally:
                await other.close()
            clock.advance(timedelta(minutes=1))
            assert await bot.run_due_jobs() == []
            async with aiohttp.ClientSession() as http, http.get(base + "/readyz") as response:
                body = await response.json()
            assert response.status == 503 and body["database"] is True
            assert body["problems"] == [
                f"the database schema is version {known + 1}, newer than this release's {known}"
            ]
    finally:
        READINESS._platforms.clear()
        READINESS._platforms.update(saved)
