"""What the model-based tests of the programme share (`test_programme_model`, its extension, the answer-timing and
the final-view models): a state machine with one fresh database per programme, on either engine, the bot over it
with a manual clock and an event loop of the machine's own, and one way of running a machine."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import uuid
from typing import Any, ClassVar

import asyncpg
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import RuleBasedStateMachine, run_state_machine_as_test

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.library import Library
from mentorbot.settings import Settings
from mentorbot.storage.postgres_engine import PostgresDatabase
from mentorbot.storage.sqlite_engine import SqliteDatabase
from mentorbot.storage.store import Store
from tests.conftest import POSTGRES_URL
from tests.usecases.conftest import COMMUNITY, make_settings


class ProgrammeMachine(RuleBasedStateMachine):
    """One programme on one fresh database (SQLite in a folder of its own, or a PostgreSQL schema of its own),
    dropped at the end. Subclasses set `engine` and `library` (`run_machine` does), and may change the bot's
    settings (`_settings`) and worker id."""

    engine: ClassVar[str] = "sqlite"
    library: Library
    worker_id: ClassVar[str] = "model"

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.tmp = tempfile.mkdtemp(prefix="mentorbot-model-")
        self.schema: str | None = None
        self.clock = ManualClock()
        self.bot = MentorBot(self._store(), self.library, self._settings(), self.clock, worker_id=self.worker_id)
        self.run(self.bot.store.open(self.clock.now()))

    def _settings(self) -> Settings:
        return make_settings()

    def _store(self) -> Store:
        if self.engine == "sqlite":
            return Store(SqliteDatabase(os.path.join(self.tmp, "model.sqlite3")))
        self.schema = f"mentorbot_model_{uuid.uuid4().hex[:12]}"
        self.run(self._admin(f'CREATE SCHEMA "{self.schema}"'))
        return Store(PostgresDatabase(POSTGRES_URL, schema=self.schema, max_size=5))

    @staticmethod
    async def _admin(sql: str) -> None:
        conn = await asyncpg.connect(POSTGRES_URL)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    def run(self, coro: Any) -> Any:
        """Run `coro` to its end on the machine's own event loop."""
        return self.loop.run_until_complete(coro)

    def teardown(self) -> None:
        self.run(self.bot.store.close())
        if self.schema:
            self.run(self._admin(f'DROP SCHEMA "{self.schema}" CASCADE'))
        self.loop.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    @staticmethod
    def who(name: str) -> Caller:
        """The member `name` of the test community (platform user id ``U-<name>``)."""
        return Caller(COMMUNITY, f"U-{name}", name.capitalize())

    def fetch(self, sql: str, *args: Any) -> list[Any]:
        """The rows of one read."""

        async def go() -> list[Any]:
            async with self.bot.store.read() as conn:
                return list(await conn.fetch_all(sql, *args))

        return self.run(go())

    def member_id(self, name: str) -> int | None:
        rows = self.fetch("SELECT id FROM members WHERE platform_user_id = ?", f"U-{name}")
        return int(rows[0]["id"]) if rows else None

    def pending_of(self, name: str) -> list[int]:
        """The ids of the offers pending for mentor `name`, oldest first."""
        mid = self.member_id(name)
        if mid is None:
            return []
        rows = self.fetch("SELECT id FROM offers WHERE mentor_id = ? AND status = 'pending' ORDER BY id", mid)
        return [int(r["id"]) for r in rows]


def run_machine(
    machine: type[ProgrammeMachine],
    engine: str,
    examples: int,
    steps: int,
    *,
    library: Library | None = None,
    shrink: bool = True,
    **attributes: Any,
) -> None:
    """Run `machine` (a subclass made here, on `engine`, with `library` and `attributes` set) for `examples`
    programmes of up to `steps` steps, derandomized; without `shrink` a failure is reported as found (an expected
    failure, in CI, is not shrunk for a minute and a half)."""

    class Machine(machine):  # type: ignore[valid-type,misc]
        pass

    Machine.engine = engine
    if library is not None:
        Machine.library = library
    for name, value in attributes.items():
        setattr(Machine, name, value)
    run_state_machine_as_test(
        Machine,
        settings=settings(
            max_examples=examples,
            stateful_step_count=steps,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            report_multiple_bugs=False,
            phases=list(Phase) if shrink else [Phase.explicit, Phase.reuse, Phase.generate],
        ),
    )
