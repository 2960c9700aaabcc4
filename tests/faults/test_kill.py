"""kill -9 under load: `mentorbot run` (Slack HTTP mode) as a real process against the fake Slack, killed at random.

The test process serves the fake Slack (`FakeSlack`) on loopback and starts ``mentorbot run`` as a subprocess
pointed at it (``MENTORBOT_SLACK__API_URL``), on a SQLite file or a PostgreSQL database of its own, with short
leases (``MENTORBOT_LEASE_SECONDS``), a short timer interval and a short sweep. Members send signed
``/mentor signup`` and ``/mentor request`` commands (a few at a time, sending again, with a new trigger id, what
got no HTTP 200), then the mentors click Accept on offer DMs, while the process is SIGKILLed at random moments
and restarted on the same database. After each kill (the process is down): SQLite's ``integrity_check`` is ok
and the invariants hold. At the end, once everything settled:

- every command Slack got a 200 for is applied (its inbox row done, its member signed up or asking) and
  answered (the 200 carried the answer, or the fake saw a post to its response_url);
- the invariants hold (`violations`);
- every outbox row is delivered, and reached its member exactly once (`notifications`): one
  ``chat.postMessage`` per member and key (later versions edit it), one per unkeyed notification; a second
  post is allowed only for a row some process claimed again after a crash (its ``attempts`` > 1), and counted.

The figures are printed (``pytest -s``) and recorded in docs/reliability.md ("Crash tests"). The heavier run
(more members, five kills) is opt-in: ``MENTORBOT_FAULTS_HEAVY=1 pytest -m faults_heavy tests/faults``.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from pathlib import Path

import pytest

from tests.conftest import ENGINES
from tests.fakes.slack_web_api import FakeSlack
from tests.faults.load import BotProcess, Database, Figures, Load, Run, bot_env, violations
from tests.slack.test_runner import free_port

CI_LOAD = Load(members=45, faults=3)
HEAVY_LOAD = Load(members=240, faults=5, concurrency=8)


class KillRun(Run):
    """A crash run: the bot is SIGKILLed `load.faults` times while the traffic runs, and restarted."""

    async def killer(self) -> None:
        """SIGKILL the bot `load.kills` times at random moments (during the traffic, and the last ones maybe
        while it recovers); check the database while it is down; restart it on the same database."""
        for _ in range(self.load.faults):
            await asyncio.sleep(self.random.uniform(0.2, 1.5))
            await self.bot.kill()
            self.kill_times.append(time.monotonic())
            self.fault_times.append(self.kill_times[-1])
            self.figures.kills += 1
            await self.check_down()
            await self.bot.start()
            self.figures.restarts += 1

    async def check_down(self) -> None:
        integrity = await self.db.integrity()
        assert integrity == "ok", integrity
        broken = await violations(self.db)
        assert not broken, f"after kill {self.figures.kills}: {broken}"
        self.figures.checks.append(f"kill {self.figures.kills}: integrity {integrity}, invariants hold")


async def crash_run(fake: FakeSlack, db: Database, tmp_path: Path, load: Load) -> Figures:
    port = free_port()
    bot = BotProcess(bot_env(fake, db.url, port), tmp_path, f"http://127.0.0.1:{port}")
    seed = int(os.environ.get("MENTORBOT_FAULTS_SEED") or random.randrange(1 << 30))
    run = KillRun(fake, bot, db, load, seed)
    try:
        await bot.start()
        await asyncio.gather(run.traffic(), run.killer())
        await run.click_accepts()  # the offers made after the traffic ended
        await run.wait_settled()
        integrity = await db.integrity()
        assert integrity == "ok", integrity
        broken = await violations(db)
        assert not broken, broken
        await run.check_commands()
        await run.check_notifications()
    except BaseException:
        print(f"seed {seed}; the bot's log ends:\n{bot.tail(80)}")
        raise
    finally:
        await run.slack.close()
        await bot.stop()
    errors = [line for line in bot.log.read_text(errors="replace").splitlines() if " ERROR " in line]
    print(f"\n{db.engine} seed {seed}: {run.figures}; {len(errors)} ERROR line(s) in the log")
    return run.figures


@pytest.mark.parametrize("database", ENGINES, indirect=True)
async def test_kill_9_under_load_loses_nothing_acknowledged(
    slack_fake: FakeSlack, database: Database, tmp_path: Path
) -> None:
    figures = await crash_run(slack_fake, database, tmp_path, CI_LOAD)
    assert figures.kills >= 1 and figures.acked >= CI_LOAD.members


@pytest.mark.faults_heavy
@pytest.mark.parametrize("database", ENGINES, indirect=True)
async def test_kill_9_under_heavy_load(slack_fake: FakeSlack, database: Database, tmp_path: Path) -> None:
    figures = await crash_run(slack_fake, database, tmp_path, HEAVY_LOAD)
    assert figures.kills == HEAVY_LOAD.faults
