"""Fuzzing: how many examples each property runs; the crash tests: how hard they push, and their database.

A few hundred in the normal run; the tests marked ``fuzz_heavy`` run only when ``MENTORBOT_FUZZ_EXAMPLES`` is set
(``MENTORBOT_FUZZ_EXAMPLES=10000 pytest -m fuzz_heavy tests/faults``), with that many examples each. The tests
marked ``faults_heavy`` run only with ``MENTORBOT_FAULTS_HEAVY=1`` (``pytest -m faults_heavy tests/faults``).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
import pytest_asyncio

from tests.conftest import POSTGRES_URL, require_postgres
from tests.faults.load import Database

HEAVY_EXAMPLES = int(os.environ.get("MENTORBOT_FUZZ_EXAMPLES") or 0)
"""Examples per property in the opt-in heavy run (0: the heavy tests are skipped)."""


HEAVY_FAULTS = os.environ.get("MENTORBOT_FAULTS_HEAVY") == "1"
"""Whether the opt-in heavy crash tests run."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    skip_fuzz = pytest.mark.skip(reason="opt-in: set MENTORBOT_FUZZ_EXAMPLES (for example 10000) to run it")
    skip_faults = pytest.mark.skip(reason="opt-in: set MENTORBOT_FAULTS_HEAVY=1 to run it")
    for item in items:
        if "fuzz_heavy" in item.keywords and HEAVY_EXAMPLES <= 0:
            item.add_marker(skip_fuzz)
        if "faults_heavy" in item.keywords and not HEAVY_FAULTS:
            item.add_marker(skip_faults)


@pytest_asyncio.fixture
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A fresh SQLite file, or a fresh PostgreSQL database (created and dropped here), for `request.param`'s
    engine (``sqlite`` or ``postgresql``: parametrize with ``indirect=True``)."""
    engine = request.param
    if engine == "sqlite":
        path = tmp_path / "mentorbot.sqlite3"
        yield Database(engine, f"sqlite:///{path}", path)
        return
    name = (await require_postgres()).replace("mentorbot_test_", "mentorbot_kill_")
    admin = await asyncpg.connect(POSTGRES_URL)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield Database(engine, POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}", None)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
