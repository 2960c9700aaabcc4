"""A database failure names its database (`DatabaseError.database`), set by the engine that raised it: a command that
works on two databases (``db copy``) says which one failed. Session 39 found it by walking the traceback's frames for
an engine; the engines now say it themselves."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from mentorbot.storage.database import DatabaseError, DatabaseUnavailable
from mentorbot.storage.store import create_database


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_a_sqlite_file_that_cannot_be_opened_is_named(tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite3"
    junk.write_text("not a database\n", encoding="utf-8")
    db = create_database(f"sqlite:///{junk}?timeout=5")
    with pytest.raises(DatabaseError) as failure:
        await db.open()
    assert failure.value.database == f"sqlite:///{junk}?timeout=5"


async def test_a_sqlite_database_not_open_is_named(tmp_path: Path) -> None:
    db = create_database(f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    with pytest.raises(DatabaseUnavailable) as failure:
        async with db.read() as conn:
            await conn.fetch_all("SELECT 1")
    assert failure.value.database == f"sqlite:///{tmp_path / 'bot.sqlite3'}"


async def test_a_postgresql_server_out_of_reach_is_named() -> None:
    url = f"postgresql://bob:hunter2@127.0.0.1:{free_port()}/mentor"
    db = create_database(url)
    with pytest.raises(DatabaseError) as failure:
        await db.open()
    assert failure.value.database == url
    assert "hunter2" not in str(failure.value)


def test_an_inner_engine_s_name_is_kept() -> None:
    failure = DatabaseUnavailable("lost").named("sqlite:///inner.sqlite3")
    assert failure.named("sqlite:///outer.sqlite3").database == "sqlite:///inner.sqlite3"
