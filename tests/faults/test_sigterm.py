"""SIGTERM under load loses nothing; the metrics, readiness and JSON logs of a real ``mentorbot run``.

The fault tests' harness (`tests.faults.load`): ``mentorbot run`` in Slack HTTP mode as a subprocess against the
fake Slack, members sending signed commands. Here the process is stopped with SIGTERM (not SIGKILL) at random
moments and restarted: each time it must exit 0 within the grace, with the database consistent; at the end every
acknowledged command is applied and answered and every notification delivered once. Meanwhile ``/metrics`` is
scraped and parsed with ``prometheus_client.parser`` and ``/readyz`` answers 200; the log is JSON lines.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import time
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import ENGINES
from tests.fakes.slack_ids import BOT_TOKEN
from tests.fakes.slack_web_api import FakeSlack
from tests.faults.load import BotProcess, Database, Load, Run, bot_env, violations
from tests.slack.test_runner import free_port

LOAD = Load(members=30, faults=2)
GRACE = 8.0


class TermRun(Run):
    """SIGTERM `load.faults` times while the traffic runs; each stop must be clean (exit 0, within the grace)."""

    PREFIX = "TERM"
    stops: list[float]

    async def terminator(self) -> None:
        self.stops = []
        for _ in range(self.load.faults):
            await asyncio.sleep(self.random.uniform(0.3, 1.5))
            process = self.bot.process
            assert process is not None and process.returncode is None, self.bot.tail()
            started = time.monotonic()
            os.kill(process.pid, signal.SIGTERM)
            code = await asyncio.wait_for(process.wait(), GRACE + 10)
            self.stops.append(time.monotonic() - started)
            self.fault_times.append(time.monotonic())
            assert code == 0, f"exit {code} after SIGTERM:\n{self.bot.tail()}"
            assert await self.db.integrity() == "ok"
            assert not await violations(self.db)
            await self.bot.start()


async def scrape(base_url: str) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    """``/metrics`` parsed: metric sample name → labels → value."""
    async with aiohttp.ClientSession() as session, session.get(base_url + "/metrics") as response:
        assert response.status == 200
        text = await response.text()
    out: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return out


@pytest.mark.parametrize("database", ENGINES, indirect=True)
async def test_sigterm_under_load_loses_nothing(slack_fake: FakeSlack, database: Database, tmp_path: Path) -> None:
    port = free_port()
    env = bot_env(slack_fake, database.url, port)
    env.update(MENTORBOT_SHUTDOWN_GRACE_SECONDS=str(GRACE), MENTORBOT_LOG_FORMAT="json")
    bot = BotProcess(env, tmp_path, f"http://127.0.0.1:{port}")
    seed = int(os.environ.get("MENTORBOT_FAULTS_SEED") or random.randrange(1 << 30))
    run = TermRun(slack_fake, bot, database, LOAD, seed)
    try:
        await bot.start()
        await asyncio.gather(run.traffic(), run.terminator())
        await run.click_accepts()
        await run.wait_settled()
        assert await database.integrity() == "ok"
        assert not await violations(database)
        await run.check_commands()
        await run.check_notifications()
        async with aiohttp.ClientSession() as session, session.get(bot.base_url + "/readyz") as ready:
            assert ready.status == 200, await ready.text()
            assert (await ready.json())["platforms"] == {"slack": True}
        metrics = await scrape(bot.base_url)
    except BaseException:
        print(f"seed {seed}; the bot's log ends:\n{bot.tail(60)}")
        raise
    finally:
        await run.slack.close()
        await bot.stop()
    assert len(run.stops) == LOAD.faults and max(run.stops) < GRACE + 5
    # what the last process counted since its start, and what the database holds
    commands = metrics["mentorbot_commands_total"]
    assert sum(commands.values()) >= 1
    assert all(dict(labels)["outcome"] in ("ok", "refused", "duplicate", "rate_limited", "error", "database_error")
               for labels in commands)
    assert metrics["mentorbot_offers"][(("outcome", "sent"),)] >= 1
    assert metrics["mentorbot_database_up"][()] == 1
    assert "mentorbot_command_seconds_bucket" in metrics and "mentorbot_timer_lag_seconds" in metrics
    every_label = {value for samples in metrics.values() for labels in samples for _, value in labels}
    assert not any(run.PREFIX in value for value in every_label), "a member id in a label"
    # JSON logs: one object per line, with level, logger and event; never the bot token
    lines = [line for line in bot.log.read_text().splitlines() if line.startswith("{")]
    assert lines and BOT_TOKEN not in bot.log.read_text()
    entries = [json.loads(line) for line in lines]
    assert all({"level", "logger", "event"} <= entry.keys() for entry in entries)
    assert any(entry["event"].startswith("SIGTERM: stopping") for entry in entries)
    assert any(entry["event"].startswith("stopped: released") for entry in entries)
