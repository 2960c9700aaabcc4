"""PostgreSQL goes away and comes back under load: `mentorbot run` (Slack HTTP mode) recovers by itself, as the
same process, and loses nothing acknowledged.

The bot runs as a real subprocess on a PostgreSQL database of its own, reached through a TCP proxy of the test's
own (`tests.faults.pgproxy.Proxy`), serving the signed commands of several concurrent members (the load and the
checks of ``tests/faults/load.py``, shared with the kill test). The shared server is never restarted (other tests
use it); instead, while the traffic runs, each outage is:

- a storm: every backend of the bot's connections (``pg_stat_activity`` rows of its database with the
  ``application_name`` ``mentorbot``) is ended with ``pg_terminate_backend``, again and again, for a few seconds,
  as a server restart ends them;
- then the server is down: the proxy resets every connection and refuses new ones for a few seconds, then
  accepts them again (the server is back).

During an outage a command gets the short localized "try again in a minute" (``common.db_*``, in the
acknowledgement or through its response_url; the member types it again) or is answered once the database is back;
never the apology nor a traceback. The process never exits and is never restarted. Once everything settled: every
command Slack got a 200 for is applied and answered, the invariants hold, every outbox row is delivered and each
notification reached the fake Slack exactly once (the kill test's checks, with no kill to excuse anything).

The figures are printed (``pytest -s``) and recorded in docs/reliability.md ("Database restart under load").
The heavier run is opt-in: ``MENTORBOT_FAULTS_HEAVY=1 pytest -m faults_heavy tests/faults``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest

from mentorbot.i18n import translator
from mentorbot.storage.database import DatabaseUnavailable
from mentorbot.storage.postgres_engine import PostgresDatabase, postgres_failure
from mentorbot.storage.store import Store
from tests.conftest import POSTGRES_URL, require_postgres
from tests.fakes.slack_web_api import FakeSlack
from tests.faults.load import BotProcess, Command, Database, Figures, Load, Run, bot_env, violations
from tests.faults.pgproxy import Proxy
from tests.slack.test_runner import free_port

CI_LOAD = Load(members=45, faults=2)
HEAVY_LOAD = Load(members=240, faults=5, concurrency=8)

STORM_SECONDS = 2.5
"""How long each storm of ``pg_terminate_backend`` lasts."""
DOWN_SECONDS = (2.0, 4.0)
"""How long the server stays unreachable in each outage (a random time in this range)."""
ANSWER_WITHIN = 20.0
"""Seconds a member waits for the answer of an acknowledged command before moving on (the end checks it)."""

RETYPE_AFTER = 0.4
"""Seconds a member told to try again takes to type the command again."""

_EN = translator("en")
TRY_AGAIN = (
    *(_EN(key, correlation_id="@").split("@")[0] for key in ("common.db_unavailable", "common.db_busy")),
    _EN("slack.ack.busy"),
)
"""How the answers that ask the member to try again begin (the database's, and the bound on work in flight)."""
SAVED = _EN("common.db_saved", correlation_id="@").split("@")[0]
"""How the answer begins that tells the member their recorded command will be done once the database is back."""
UNSURE = _EN("common.db_unsure", correlation_id="@").split("@")[0]
"""How the answer begins that says the connection was lost while the command was being recorded and the database
stayed away: whether it was recorded is not known (if it was, its answer follows once the database is back)."""
UNSURE_WAIT = 45.0
"""Seconds a member told "not known" waits for the answer before typing the command again (the recovery runs it
once the database is back and the recording process's lease has run out)."""
APOLOGY = _EN("common.apology", correlation_id="@").split("@")[0]
"""How the apology for a bug begins: never shown in this test (a database failure is not a bug)."""


@dataclass
class RestartFigures(Figures):
    """The kill test's figures, and the outages'."""

    outages: int = 0
    terminated: int = 0
    """Backends of the bot ended by ``pg_terminate_backend``."""
    reset: int = 0
    """Connections reset when the proxy stopped."""
    down_seconds: float = 0.0
    try_again: int = 0
    """Acknowledged commands first answered "try again in a minute" (the member typed them again)."""
    applied_after_try_again: int = 0
    """Of those, the ones later answered for real (the recovery ran them after all): must be 0."""
    saved: int = 0
    """Acknowledged commands first answered "saved, it will be done once the database is back" (not typed again)."""
    saved_then_answered: int = 0
    """Of those, the ones later answered for real: must be all of them."""
    unsure: int = 0
    """Acknowledged commands first answered "not known whether it was saved" (recording lost with the connection,
    and the database away for longer than the recording waits)."""
    unsure_answered: int = 0
    """Of those, the ones answered for real later (they had been recorded): the member did not type them again."""
    unsure_applied_after_retyping: int = 0
    """Of those not answered within `UNSURE_WAIT` (typed again), the ones answered for real afterwards: must be 0."""
    try_again_after_answer: int = 0
    """Accepted commands answered, then told "try again" (what followed the answer failed: notifying, the App
    Home), although the command was applied: must be 0."""
    apologies: int = 0
    tracebacks: int = 0
    process_exits: int = 0


def is_try_again(text: str) -> bool:
    return text.startswith(TRY_AGAIN)


def is_saved(text: str) -> bool:
    return text.startswith(SAVED)


def is_unsure(text: str) -> bool:
    return text.startswith(UNSURE)


def is_real(text: str) -> bool:
    """Whether `text` is the command's own answer (not one about the database)."""
    return not (is_saved(text) or is_try_again(text) or is_unsure(text))


class RestartRun(Run):
    """The load, with PostgreSQL going away and coming back `load.faults` times (see the module's docstring)."""

    PREFIX = "PGRS"
    CHANNEL = "C0PGRS"
    SPREAD_PER_FAULT = 8.0
    """Seconds of traffic per outage (a storm, a pause, the server down)."""

    def __init__(self, fake: FakeSlack, bot: BotProcess, db: Database, load: Load, seed: int, proxy: Proxy) -> None:
        super().__init__(fake, bot, db, load, seed)
        self.proxy = proxy
        self.figures: RestartFigures = RestartFigures()

    async def must_retry(self, command: Command) -> bool:
        """Wait for the command's first answer: "try again in a minute" sends the member to type it again."""
        with contextlib.suppress(AssertionError):  # no answer yet: the end checks it
            await self.fake.wait_until(lambda: bool(self.answers(command)), within=ANSWER_WITHIN)
        answers = self.answers(command)
        if answers and is_saved(answers[0]):
            self.figures.saved += 1  # recorded: done once the database is back, so not typed again
            return False
        if answers and is_unsure(answers[0]):
            self.figures.unsure += 1
            with contextlib.suppress(AssertionError):  # not answered in time: typed again below
                await self.fake.wait_until(lambda: any(map(is_real, self.answers(command))), within=UNSURE_WAIT)
            if any(map(is_real, self.answers(command))):
                self.figures.unsure_answered += 1
                return False
            command.refused = True
            return True
        if answers and is_try_again(answers[0]):
            self.figures.try_again += 1
            command.refused = True
            await asyncio.sleep(RETYPE_AFTER)
            return True
        return False

    async def outages(self) -> None:
        """Each outage: a storm of ``pg_terminate_backend``, a short pause, then the server unreachable for a
        while. The process must live through all of them."""
        admin = await asyncpg.connect(POSTGRES_URL)
        try:
            for _ in range(self.load.faults):
                await asyncio.sleep(self.random.uniform(0.5, 1.5))
                storm_ends = time.monotonic() + STORM_SECONDS
                while time.monotonic() < storm_ends:
                    ended = await admin.fetchval(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE datname = $1 AND application_name = 'mentorbot'",
                        self.db.name,
                    )
                    self.figures.terminated += int(ended or 0)
                    self.fault_times.append(time.monotonic())
                    await asyncio.sleep(self.random.uniform(0.05, 0.3))
                await asyncio.sleep(self.random.uniform(0.3, 1.0))
                down_for = self.random.uniform(*DOWN_SECONDS)
                await self.proxy.stop()
                self.fault_times.append(time.monotonic())
                await asyncio.sleep(down_for)
                await self.proxy.start()
                self.fault_times.append(time.monotonic())
                self.figures.outages += 1
                self.figures.down_seconds += down_for
                self.assert_alive()
        finally:
            await admin.close()

    def assert_alive(self) -> None:
        process = self.bot.process
        assert process is not None
        if process.returncode is not None:
            self.figures.process_exits += 1
            raise AssertionError(f"mentorbot run exited ({process.returncode}):\n{self.bot.tail()}")

    def check_what_members_saw(self) -> None:
        """No apology, no traceback, in anything a member saw; and who was told to try again and then answered."""
        acked = [c for c in self.commands if c.acked]
        f = self.figures
        f.applied_after_try_again = sum(
            1
            for c in acked
            if (answers := self.answers(c)) and is_try_again(answers[0]) and not all(map(is_try_again, answers))
        )
        f.try_again_after_answer = sum(
            1 for c in acked if not c.refused and any(is_try_again(text) for text in self.answers(c)[1:])
        )
        told_saved = [c for c in acked if (answers := self.answers(c)) and is_saved(answers[0])]
        f.saved_then_answered = sum(
            1 for c in told_saved if any(not is_saved(t) and not is_try_again(t) for t in self.answers(c)[1:])
        )
        f.unsure_applied_after_retyping = sum(
            1
            for c in acked
            if c.refused and (answers := self.answers(c)) and is_unsure(answers[0]) and any(map(is_real, answers))
        )
        assert f.applied_after_try_again == 0, "told nothing was changed, then changed"
        assert f.unsure_applied_after_retyping == 0, "told to send it again if no answer came, then answered"
        assert f.try_again_after_answer == 0, "told to try again after the answer"
        assert f.saved_then_answered == len(told_saved), "told it will be done, and not answered for real"
        texts = [text for c in acked for text in self.answers(c)]
        texts += [seen.text or "" for user in self.users for seen in self.fake.messages_seen_by(user)]
        f.apologies = sum(1 for text in texts if text.startswith(APOLOGY))
        f.tracebacks = sum(1 for text in texts if "Traceback" in text or "Error:" in text)
        assert not f.apologies, [text for text in texts if text.startswith(APOLOGY)][:5]
        assert not f.tracebacks, [text for text in texts if "Traceback" in text or "Error:" in text][:5]


async def restart_run(fake: FakeSlack, db: Database, tmp_path: Path, load: Load) -> RestartFigures:
    proxy = Proxy.in_front_of(db.url)
    await proxy.start()
    port = free_port()
    bot = BotProcess(bot_env(fake, proxy.url(db.url), port), tmp_path, f"http://127.0.0.1:{port}")
    seed = int(os.environ.get("MENTORBOT_FAULTS_SEED") or random.randrange(1 << 30))
    run = RestartRun(fake, bot, db, load, seed, proxy)
    try:
        await bot.start()
        await asyncio.gather(run.traffic(), run.outages())
        await run.click_accepts()  # the offers made after the traffic ended
        await run.wait_settled()
        run.assert_alive()
        broken = await violations(db)
        assert not broken, broken
        await run.check_commands()
        run.check_what_members_saw()
        await run.check_notifications()
        # Posted, then the outage stopped its marking (the message ref, the outbox row), or the delivery took longer
        # than the lease (1.5 s here; a machine saturated by the load exceeds it): the row is claimed again once its
        # lease ran out and posted again (at-least-once, as after a kill). Counted (`duplicated`,
        # `duplicated_live`), not failed; a row posted twice within one claim fails `check_notifications`.
        run.assert_alive()
    except BaseException:
        print(f"seed {seed}; the bot's log ({bot.log}) ends:\n{bot.tail(80)}")
        raise
    finally:
        await run.slack.close()
        await bot.stop()
        await proxy.stop()
    f = run.figures
    f.reset = proxy.resets
    log = bot.log.read_text(errors="replace").splitlines()
    errors = [line for line in log if " ERROR " in line]
    traces = [line for line in log if line.startswith("Traceback")]
    print(f"\n{db.engine} seed {seed}: {f}; {len(errors)} ERROR line(s), {len(traces)} traceback(s) in the log")
    return f


@pytest.mark.postgres
@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
async def test_postgres_restart_under_load_loses_nothing_acknowledged(
    slack_fake: FakeSlack, database: Database, tmp_path: Path
) -> None:
    figures = await restart_run(slack_fake, database, tmp_path, CI_LOAD)
    assert figures.outages == CI_LOAD.faults and figures.terminated >= 1
    assert figures.acked >= CI_LOAD.members and figures.restarts == 0


@pytest.mark.postgres
@pytest.mark.faults_heavy
@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
async def test_postgres_restart_under_heavy_load(slack_fake: FakeSlack, database: Database, tmp_path: Path) -> None:
    figures = await restart_run(slack_fake, database, tmp_path, HEAVY_LOAD)
    assert figures.outages == HEAVY_LOAD.faults and figures.restarts == 0


@pytest.mark.postgres
async def test_a_connection_lost_inside_a_savepoint_is_the_database_unavailable() -> None:
    """What the restart test found: a store method inside a use-case's unit of work runs in a savepoint; when the
    server ends the connection under it, asyncpg's pool takes the connection back at once, so rolling the
    savepoint back raised "connection has been released back to the pool", an `InterfaceError` the engine did not
    classify, and the member got the apology (with a traceback in the log) instead of "try again in a minute"."""
    schema = await require_postgres()
    admin = await asyncpg.connect(POSTGRES_URL)
    await admin.execute(f'CREATE SCHEMA "{schema}"')
    store = Store(PostgresDatabase(POSTGRES_URL, schema=schema, max_size=2))
    try:
        await store.open(datetime.now(UTC))
        with pytest.raises(DatabaseUnavailable):
            async with store.unit_of_work(), store.transaction() as conn:  # a savepoint of the unit
                row = await conn.fetch_one("SELECT pg_backend_pid() AS pid")
                assert row is not None
                await admin.execute("SELECT pg_terminate_backend($1)", row["pid"])
                async with asyncio.timeout(5):
                    while await admin.fetchval("SELECT count(*) FROM pg_stat_activity WHERE pid = $1", row["pid"]):  # noqa: ASYNC110
                        await asyncio.sleep(0.02)
                await conn.fetch_one("SELECT 1 AS one")
        async with store.unit_of_work(), store.transaction() as conn:  # and the next unit works
            assert await conn.fetch_one("SELECT 1 AS one") == {"one": 1}
    finally:
        await store.close()
        await admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await admin.close()


@pytest.mark.parametrize(
    "failure",
    [
        asyncpg.InterfaceError("cannot call Connection.execute(): connection has been released back to the pool"),
        asyncpg.exceptions._base.InternalClientError("cannot switch to state 11; another operation (2) is in progress"),
    ],
    ids=["released", "protocol-state"],
)
def test_what_a_connection_ended_mid_exchange_leaves_is_the_database_unavailable(failure: Exception) -> None:
    """Both seen in the restart test's log after ``pg_terminate_backend``, each reaching a member as the apology
    before they were classified: asyncpg's pool takes back a connection that closed in use, and a connection ended
    in the middle of an exchange can leave asyncpg's protocol stuck in a state."""
    assert isinstance(postgres_failure(failure), DatabaseUnavailable)
