"""Recovery: a failure of the database itself (unreachable, busy, full, read-only) rolls its transaction back
and is answered with a short localized "try again in a minute", logged once with a correlation id; reads go
on being served, and the next command after the database is back succeeds.

SQLite failures are real (a second connection holding the write lock, ``PRAGMA max_page_count``, ``PRAGMA
query_only``, ``?mode=ro``); PostgreSQL's are real too (``pg_terminate_backend``, a TCP proxy that is stopped
and started again in front of the server, a server that never answers).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import asyncpg
import pytest

from mentorbot.app import open_bot
from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.library import Library
from mentorbot.replies import Outcome
from mentorbot.settings import Settings
from mentorbot.storage.database import DatabaseReadOnly, DatabaseUnavailable
from mentorbot.storage.postgres_engine import PostgresConnection, PostgresDatabase
from mentorbot.storage.sqlite_engine import SqliteConnection, SqliteDatabase
from mentorbot.storage.store import Store
from tests.conftest import POSTGRES_URL, require_postgres
from tests.faults.pgproxy import Proxy
from tests.usecases.conftest import COMMUNITY, make_settings

DB_KEYS = ("common.db_unavailable", "common.db_busy", "common.db_full", "common.db_read_only")


def error_key(outcome: Outcome) -> str | None:
    return outcome.error.key if outcome.error is not None else None


def assert_told(outcome: Outcome, key: str) -> None:
    """The caller got the database's own short message (with its reference), not the apology or any
    exception text."""
    assert error_key(outcome) == key, outcome.reply.text
    assert outcome.error is not None
    reference = str(outcome.error.params["correlation_id"])
    assert outcome.reply.text == translator("en")(key, correlation_id=reference)
    assert "try again in a minute" in outcome.reply.text


async def saved_requests(store: Store, caller: Caller) -> int:
    member = await store.find_member(caller.community, caller.user_id)
    return 0 if member is None else len(await store.list_member_requests(member.id))


def db_log_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.getMessage().startswith("database ")]


# ------------------------------------------------------------------------------------- both engines


async def test_a_request_whose_transaction_fails_half_way_is_not_saved(
    bot: MentorBot, who: Callable[..., Caller], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The request row is written, then the disk fills up while its skills are written: nothing is kept."""
    amina = who("amina")
    assert error_key(await bot.status(amina)) is None
    sqlite = isinstance(bot.store.db, SqliteDatabase)
    connection = SqliteConnection if sqlite else PostgresConnection
    original = connection.executemany

    async def disk_full_on_skills(self: object, sql: str, rows: object) -> None:
        if "request_skills" in sql:
            if sqlite:
                error = sqlite3.OperationalError("database or disk is full")
                error.sqlite_errorcode = sqlite3.SQLITE_FULL  # type: ignore[attr-defined]
                raise error
            raise asyncpg.exceptions.DiskFullError("could not extend file: No space left on device")
        await original(self, sql, rows)  # type: ignore[arg-type]

    monkeypatch.setattr(connection, "executemany", disk_full_on_skills)
    with caplog.at_level(logging.ERROR, logger="mentorbot"):
        outcome = await bot.request(amina, skills="seo", note="help")
    assert_told(outcome, "common.db_full")
    [line] = db_log_lines(caplog)
    assert line.exc_info is None  # one line, no traceback: it is not a bug
    assert str(outcome.error.params["correlation_id"]) in line.getMessage()  # type: ignore[union-attr]
    assert await saved_requests(bot.store, amina) == 0

    monkeypatch.setattr(connection, "executemany", original)
    assert error_key(await bot.request(amina, skills="seo", note="help")) is None
    assert await saved_requests(bot.store, amina) == 1


async def test_a_forced_error_inside_the_transaction_keeps_nothing(
    bot: MentorBot, who: Callable[..., Caller], monkeypatch: pytest.MonkeyPatch
) -> None:
    amina = who("amina")
    connection = SqliteConnection if isinstance(bot.store.db, SqliteDatabase) else PostgresConnection
    original = connection.executemany

    async def boom(self: object, sql: str, rows: object) -> None:
        if "request_skills" in sql:
            raise RuntimeError("forced")
        await original(self, sql, rows)  # type: ignore[arg-type]

    monkeypatch.setattr(connection, "executemany", boom)
    outcome = await bot.request(amina, skills="seo")
    assert error_key(outcome) == "common.apology"
    assert "forced" not in outcome.reply.text
    assert await saved_requests(bot.store, amina) == 0


# ------------------------------------------------------------------------------------------- SQLite


@pytest.fixture
async def sqlite_bot(tmp_path: Path, library: Library, clock: ManualClock) -> AsyncIterator[MentorBot]:
    """A bot on a SQLite file whose busy timeout is short (0.1 s), so "locked" comes quickly."""
    store = Store(SqliteDatabase(str(tmp_path / "bot.sqlite3"), busy_timeout_ms=100))
    await store.open(clock.now())
    try:
        yield MentorBot(store, library, make_settings(), clock)
    finally:
        await store.close()


def amina_and(name: str) -> tuple[Caller, Caller]:
    return Caller(COMMUNITY, "U-amina", "Amina"), Caller(COMMUNITY, f"U-{name}", name.capitalize())


async def test_sqlite_locked_beyond_the_busy_timeout(sqlite_bot: MentorBot, tmp_path: Path) -> None:
    amina, _ = amina_and("baraka")
    assert error_key(await sqlite_bot.request(amina, skills="seo")) is None
    other = sqlite3.connect(tmp_path / "bot.sqlite3", isolation_level=None)  # another process, mid-write
    other.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        outcome = await sqlite_bot.request(amina, skills="brand strategy")
        assert time.monotonic() - started < 5
        assert_told(outcome, "common.db_busy")
        status = await sqlite_bot.status(amina)  # reads are still served
        assert error_key(status) is None
        assert "seo" in status.reply.plain_text.lower()
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert await saved_requests(sqlite_bot.store, amina) == 1
    assert error_key(await sqlite_bot.request(amina, skills="brand strategy")) is None


async def test_sqlite_full_disk_keeps_no_partial_write_and_serves_reads(sqlite_bot: MentorBot) -> None:
    """``max_page_count`` caps the file at its current size: members keep asking until the file is full.
    Whoever was told it failed has nothing saved; whoever was told it worked has their request."""
    store = sqlite_bot.store
    async with store.db.read() as conn:
        pages = await conn.fetch_one("PRAGMA page_count")
        assert pages is not None
        await conn.execute(f"PRAGMA max_page_count = {int(next(iter(pages.values())))}")
    told: dict[str, str | None] = {}
    for number in range(400):
        caller = Caller(COMMUNITY, f"U-{number}", f"Member {number}")
        outcome = await sqlite_bot.request(caller, skills="seo", note="x" * 400)
        told[caller.user_id] = error_key(outcome)
        if outcome.error is not None:
            assert_told(outcome, "common.db_full")
            break
    else:
        pytest.fail("the file never filled up")
    assert len(told) > 1
    for user_id, key in told.items():
        caller = Caller(COMMUNITY, user_id, "")
        assert await saved_requests(store, caller) == (0 if key else 1), (user_id, key)
    first = Caller(COMMUNITY, "U-0", "Member 0")
    assert error_key(await sqlite_bot.status(first)) is None  # reads are still served
    async with store.db.read() as conn:
        await conn.execute("PRAGMA max_page_count = 1073741823")
        check = await conn.fetch_one("PRAGMA integrity_check")
    assert check is not None and list(check.values()) == ["ok"]


async def test_sqlite_read_only_mid_run_serves_reads(sqlite_bot: MentorBot) -> None:
    amina, baraka = amina_and("baraka")
    assert error_key(await sqlite_bot.request(amina, skills="seo")) is None
    async with sqlite_bot.store.db.read() as conn:  # as a file remounted read-only would behave
        await conn.execute("PRAGMA query_only = ON")
    assert_told(await sqlite_bot.request(amina, skills="brand strategy"), "common.db_read_only")
    assert error_key(await sqlite_bot.status(amina)) is None
    assert_told(await sqlite_bot.status(baraka), "common.db_read_only")  # a new member must be written
    assert await saved_requests(sqlite_bot.store, amina) == 1


async def test_a_read_only_sqlite_file_is_refused_at_start_up(
    tmp_path: Path, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "bot.sqlite3"
    store = Store(SqliteDatabase(str(path)))
    await store.open(clock.now())
    await store.close()
    settings = Settings(_env_file=None, database_url=f"sqlite:///{path}?mode=ro")  # type: ignore[call-arg]
    with caplog.at_level(logging.ERROR, logger="mentorbot"), pytest.raises(DatabaseReadOnly, match="read-only"):
        async with open_bot(settings, clock=clock):
            pytest.fail("the bot started on a read-only database")
    [line] = [r for r in caplog.records if "cannot open the database" in r.getMessage()]
    assert "read-only" in line.getMessage()
    assert line.exc_info is None


async def test_a_sqlite_file_that_cannot_be_opened(tmp_path: Path, clock: ManualClock) -> None:
    (tmp_path / "blocker").write_text("a file, not a folder", encoding="utf-8")
    with pytest.raises(DatabaseUnavailable):
        await Store(SqliteDatabase(str(tmp_path / "blocker" / "bot.sqlite3"))).open(clock.now())
    (tmp_path / "other.txt").write_bytes(b"not a database at all" * 100)
    with pytest.raises(DatabaseUnavailable, match="file is not a database"):
        await Store(SqliteDatabase(str(tmp_path / "other.txt"))).open(clock.now())


# --------------------------------------------------------------------------------------- PostgreSQL


@pytest.fixture
async def pg_schema() -> AsyncIterator[str]:
    """A fresh schema on the test server (dropped afterwards)."""
    schema = await require_postgres()
    await admin_execute(f'CREATE SCHEMA "{schema}"')  # no connection stays open: a test may terminate them
    try:
        yield schema
    finally:
        await admin_execute(f'DROP SCHEMA "{schema}" CASCADE')


async def admin_execute(sql: str) -> object:
    """One statement on a connection of its own."""
    admin = await asyncpg.connect(POSTGRES_URL)
    try:
        return await admin.fetchval(sql)
    finally:
        await admin.close()


def pg_bot(store: Store, library: Library, clock: ManualClock) -> MentorBot:
    return MentorBot(store, library, make_settings(), clock)


@pytest.mark.postgres
async def test_postgres_backends_terminated_the_pool_reconnects(
    pg_schema: str, library: Library, clock: ManualClock
) -> None:
    store = Store(PostgresDatabase(POSTGRES_URL, schema=pg_schema, max_size=5))
    await store.open(clock.now())
    try:
        bot = pg_bot(store, library, clock)
        callers = [Caller(COMMUNITY, f"U-{n}", f"Member {n}") for n in range(5)]
        await asyncio.gather(*(bot.status(c) for c in callers))  # several pooled connections, now idle
        killed = await admin_execute(  # as a server restart would: every connection of this bot is ended
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            f"WHERE datname = current_database() AND application_name = 'mentorbot/{pg_schema}'"
        )
        assert isinstance(killed, int) and killed >= 1
        outcome = await bot.request(callers[0], skills="seo")
        assert error_key(outcome) in (None, *DB_KEYS), outcome.reply.text  # never the apology
        for caller in callers[1:]:  # and every command after it succeeds
            assert error_key(await bot.request(caller, skills="seo")) is None
        assert await saved_requests(store, callers[1]) == 1
    finally:
        await store.close()


@pytest.mark.postgres
async def test_postgres_unreachable_then_back(pg_schema: str, library: Library, clock: ManualClock) -> None:
    proxy = Proxy.in_front_of(POSTGRES_URL)
    await proxy.start()
    store = Store(PostgresDatabase(proxy.url(POSTGRES_URL), schema=pg_schema, max_size=3, connect_timeout=2))
    await store.open(clock.now())
    try:
        bot = pg_bot(store, library, clock)
        amina = Caller(COMMUNITY, "U-amina", "Amina")
        assert error_key(await bot.request(amina, skills="seo")) is None
        await proxy.stop()  # the server goes away: every connection dropped, the port closed
        started = time.monotonic()
        outcome = await bot.request(amina, skills="brand strategy")
        assert time.monotonic() - started < 5
        assert_told(outcome, "common.db_unavailable")
        assert error_key(await bot.status(amina)) == "common.db_unavailable"
        await proxy.start()  # the server is back: no restart of the bot
        assert error_key(await bot.request(amina, skills="brand strategy")) is None
        assert await saved_requests(store, amina) == 2
    finally:
        await store.close()
        await proxy.stop()


async def test_postgres_that_never_answers_times_out() -> None:
    accepted: list[asyncio.StreamWriter] = []

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer)  # accepts, never answers

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        started = time.monotonic()
        with pytest.raises(DatabaseUnavailable):
            await PostgresDatabase(f"postgresql://127.0.0.1:{port}/test", connect_timeout=0.5).open()
        assert time.monotonic() - started < 3
    finally:
        for writer in accepted:
            writer.transport.abort()
        server.close()
        await server.wait_closed()


async def test_postgres_on_a_closed_port_is_unavailable() -> None:
    probe = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = probe.sockets[0].getsockname()[1]
    probe.close()
    await probe.wait_closed()
    with pytest.raises(DatabaseUnavailable):
        await PostgresDatabase(f"postgresql://127.0.0.1:{port}/test").open()


@pytest.mark.postgres
async def test_a_read_only_postgres_is_refused_at_start_up(pg_schema: str) -> None:
    db = PostgresDatabase(f"{POSTGRES_URL}?default_transaction_read_only=on", schema=pg_schema)
    with pytest.raises(DatabaseReadOnly):
        await db.open()
