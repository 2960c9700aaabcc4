"""Shared fixtures: an injectable clock and a fresh store on each engine.

PostgreSQL tests use the server named by ``MENTORBOT_TEST_POSTGRES_URL`` (default: the local ``test``
database). Each test gets its own schema, dropped afterwards. When the server is unreachable they are
skipped with the reason, unless ``MENTORBOT_TEST_REQUIRE_POSTGRES=1`` (CI), which turns that into a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import asyncpg
import pytest

from mentorbot.clock import ManualClock
from mentorbot.courses import Catalog, default_courses_path, load_catalog
from mentorbot.skills import Taxonomy, default_skills_path
from mentorbot.storage.postgres_engine import PostgresDatabase
from mentorbot.storage.sqlite_engine import SqliteDatabase
from mentorbot.storage.store import Store

pytest_plugins = ["tests.fakes.slack_fixtures", "tests.fakes.discord_fixtures", "tests.cli_env"]

POSTGRES_URL = os.environ.get("MENTORBOT_TEST_POSTGRES_URL", "postgresql://127.0.0.1:5432/test")
REQUIRE_POSTGRES = os.environ.get("MENTORBOT_TEST_REQUIRE_POSTGRES") == "1"
ENGINES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]

_postgres_state: dict[str, str | None] = {}


async def _postgres_unavailable() -> str | None:
    if "reason" not in _postgres_state:
        try:
            conn = await asyncpg.connect(POSTGRES_URL, timeout=3)
        except (OSError, asyncpg.PostgresError) as exc:
            _postgres_state["reason"] = f"PostgreSQL unreachable at {POSTGRES_URL}: {type(exc).__name__}"
        else:
            await conn.close()
            _postgres_state["reason"] = None
    return _postgres_state["reason"]


@pytest.fixture
def clock() -> ManualClock:
    """A clock that moves only when the test moves it."""
    return ManualClock()


async def require_postgres() -> str:
    """A fresh schema name on the test server; skip the test (fail it in CI) when the server is unreachable."""
    reason = await _postgres_unavailable()
    if reason:
        if REQUIRE_POSTGRES:
            pytest.fail(reason)
        pytest.skip(reason)
    return f"mentorbot_test_{uuid.uuid4().hex[:12]}"


async def make_store(engine: str, tmp_path: Path) -> AsyncIterator[Store]:
    """Yield an opened, migrated store on `engine`, cleaned up afterwards."""
    if engine == "sqlite":
        store = Store(SqliteDatabase(str(tmp_path / "mentorbot.sqlite3")))
        yield store
        await store.close()
        return
    schema = await require_postgres()
    admin = await asyncpg.connect(POSTGRES_URL)
    try:
        await admin.execute(f'CREATE SCHEMA "{schema}"')
        store = Store(PostgresDatabase(POSTGRES_URL, schema=schema, max_size=30))
        try:
            yield store
        finally:
            await store.close()
            await admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
    finally:
        await admin.close()


def store_on_same_database(store: Store) -> Store:
    """A new, unopened store over `store`'s database, as another (or a restarted) process would open it."""
    db = store.db
    if isinstance(db, SqliteDatabase):
        return Store(SqliteDatabase(db.path))
    assert isinstance(db, PostgresDatabase)
    return Store(PostgresDatabase(db.url, schema=db.schema))


@pytest.fixture(params=ENGINES)
async def engine_store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    """A fresh, unopened store on each engine (tests that check migrations open it themselves)."""
    async for store in make_store(request.param, tmp_path):
        yield store


@pytest.fixture
async def store(engine_store: Store, clock: ManualClock) -> Store:
    """A fresh store on each engine, opened and migrated."""
    await engine_store.open(clock.now())
    return engine_store


_postgres_outcomes: dict[str, int] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Count the outcomes of the PostgreSQL-engine tests (for the summary line below)."""
    if "[postgresql" in report.nodeid and (report.when == "call" or report.outcome == "skipped"):
        _postgres_outcomes[report.outcome] = _postgres_outcomes.get(report.outcome, 0) + 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say plainly whether the PostgreSQL half of the suite ran (CI requires it to)."""
    if _postgres_outcomes:
        parts = ", ".join(f"{count} {outcome}" for outcome, count in sorted(_postgres_outcomes.items()))
        terminalreporter.write_line(f"PostgreSQL engine tests ({POSTGRES_URL}): {parts}")


@pytest.fixture(scope="session")
def taxonomy() -> Taxonomy:
    """The shipped skills taxonomy (`config/skills.toml`)."""
    return Taxonomy.load(default_skills_path())


@pytest.fixture(scope="session")
def shipped(taxonomy: Taxonomy) -> Catalog:
    """The shipped course catalog (`config/courses.toml`)."""
    return load_catalog(default_courses_path(), taxonomy)


async def held_payloads(store: Store, member_id: int, now: datetime) -> list[str]:
    """The payloads of the member's held notices, taken as a command takes them (`OutboxStore.take_held_keyed`)."""
    return [payload for _, payload in await store.take_held_keyed(member_id, now)]
