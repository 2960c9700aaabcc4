"""A mentorship's id is never given again, after a SQLite `db restore` of an older backup too (migration 0023).

A mentorship's id is in its members' direct messages (key ``mentorship:<id>``, the check-in's buttons) and in what
they type (``/mentor end 2``). Mentorship rows are never deleted, so SQLite's "highest id + 1" gave no id twice until
the database went back in time: `db restore` raises every AUTOINCREMENT counter above the replaced database's, but
mentorships had none, and a mentorship made after the restore took the id of one made in the lost period; the mentor's
``/mentor end 2`` meant for the lost one then ended the new pair's. Migration 0023 rebuilds the table with
AUTOINCREMENT, its counter above every trace of an id.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from mentorbot.app import open_bot
from mentorbot.clock import ManualClock
from mentorbot.commands.running import execute_button
from mentorbot.storage import migrations
from mentorbot.storage.copying import sqlite_backup, sqlite_restore
from mentorbot.storage.migrations import available_migrations
from mentorbot.storage.store import Store
from mentorbot.usecases.context import Caller
from tests.conftest import store_on_same_database
from tests.ops.test_restore_s32 import MENTOR, NOW, C, _button, make_settings


def _one(path: Path, sql: str) -> object:
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute(sql).fetchone()[0]


async def _mentorship(url: str, who: str) -> int:
    """`who` asks for SEO and the mentor accepts: the new mentorship's id."""
    async with open_bot(make_settings(url)) as bot:
        asked = await bot.request(Caller(C, who, who.title()), skills="seo")
        dm = next(n.reply for n in asked.notifications if n.platform_user_id == "mentor")
        accept = _button(dm, "offer.accept")
        accepted = await execute_button(bot, MENTOR, accept.action, accept.ref)
        return min(int(n.key.removeprefix("mentorship:")) for n in accepted.notifications if n.key)


async def test_a_mentorship_after_a_restore_takes_no_id_of_the_lost_period(tmp_path: Path) -> None:
    live, backup = tmp_path / "live.sqlite3", tmp_path / "backup.sqlite3"
    url = f"sqlite:///{live}"
    async with open_bot(make_settings(url)) as bot:
        await bot.signup(MENTOR, skills="seo", capacity="3")
    kept = await _mentorship(url, "amina")
    await sqlite_backup(str(live), backup)
    lost = await _mentorship(url, "baraka")
    assert lost > kept
    result = await sqlite_restore(str(live), backup, NOW)
    assert result.ids_raised is True
    new = await _mentorship(url, "zoe")
    assert new > lost, f"mentorship #{lost} of the lost period was given again"
    async with open_bot(make_settings(url)) as bot:
        # The mentor ends "#<lost>" as they remember it: nothing of Zoe's is ended.
        await bot.end(MENTOR, mentorship_id=lost)
    assert _one(live, f"SELECT status FROM mentorships WHERE id = {new}") == "active"


async def test_the_upgrade_to_0023_keeps_every_mentorship_and_starts_above_every_trace(
    engine_store: Store, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On both engines the upgrade keeps every row; on SQLite the counter starts above the rows, the check-in timers
    and the message keys that name a mentorship (a mentorship row a restore lost leaves those behind)."""
    everything = available_migrations(engine_store.db.dialect)
    monkeypatch.setattr(migrations, "available_migrations", lambda d: [m for m in everything if m.version <= 22])
    assert await engine_store.open(clock.now()) == 22
    mentor = await engine_store.ensure_member(C, "u-mentor", "Mentor", clock.now())
    mentee = await engine_store.ensure_member(C, "u-mentee", "Mentee", clock.now())
    now = clock.now()
    async with engine_store.db.transaction() as conn:
        await conn.execute(
            "INSERT INTO mentorships (id, mentor_id, mentee_id, community, skills, status, started_at) "
            "VALUES (5, ?, ?, ?, 'seo', 'active', ?)",
            mentor.id,
            mentee.id,
            C,
            now,
        )
        await conn.execute("INSERT INTO jobs (kind, ref_id, due_at, created_at) VALUES ('checkin', 9, ?, ?)", now, now)
        await conn.execute(
            "INSERT INTO message_refs (community, platform_user_id, message_key, member_id, location, stored_at) "
            "VALUES (?, 'u-mentee', 'mentorship:12', ?, '{}', ?)",
            C,
            mentee.id,
            now,
        )
    await engine_store.close()
    monkeypatch.undo()
    store = store_on_same_database(engine_store)
    try:
        assert await store.open(clock.now()) == max(m.version for m in everything) >= 23
        async with store.db.read() as conn:
            row = await conn.fetch_one("SELECT mentor_id, mentee_id, status FROM mentorships WHERE id = 5")
        assert row is not None and (row["mentor_id"], row["mentee_id"], row["status"]) == (
            mentor.id,
            mentee.id,
            "active",
        )
        if store.db.dialect == "sqlite":
            async with store.db.read() as conn:
                seq = await conn.fetch_one("SELECT seq FROM sqlite_sequence WHERE name = 'mentorships'")
            assert seq is not None and int(seq["seq"]) == 12
    finally:
        await store.close()


async def test_a_backup_older_than_0023_restored_keeps_mentorship_ids_rising(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The backups a community has when it upgrades were made before 0023: restoring one, the copy's mentorships
    are not AUTOINCREMENT yet. The restore still writes their counter, which 0023 starts from at the next start."""
    live, backup = tmp_path / "live.sqlite3", tmp_path / "backup.sqlite3"
    url = f"sqlite:///{live}"
    everything = available_migrations("sqlite")
    monkeypatch.setattr(migrations, "available_migrations", lambda d: [m for m in everything if m.version <= 22])
    async with open_bot(make_settings(url)) as bot:
        await bot.signup(MENTOR, skills="seo", capacity="3")
    kept = await _mentorship(url, "amina")
    await sqlite_backup(str(live), backup)
    monkeypatch.undo()
    lost = await _mentorship(url, "baraka")  # the bot upgraded to 0023, then the lost period
    assert lost > kept
    await sqlite_restore(str(live), backup, NOW)
    assert _one(live, "SELECT MAX(version) FROM schema_version") == 22
    new = await _mentorship(url, "zoe")
    assert new > lost, f"mentorship #{lost} of the lost period was given again"


async def test_a_restored_pre_0023_backup_keeps_one_counter_per_table_after_the_upgrade(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The restore writes a counter for the old mentorships table; 0023's rebuild makes its own: one row is left,
    the higher (a second row for one name is read by nobody today, but `fetch_one` of it would read either)."""
    live, backup = tmp_path / "live.sqlite3", tmp_path / "backup.sqlite3"
    url = f"sqlite:///{live}"
    everything = available_migrations("sqlite")
    monkeypatch.setattr(migrations, "available_migrations", lambda d: [m for m in everything if m.version <= 22])
    async with open_bot(make_settings(url)) as bot:
        await bot.signup(MENTOR, skills="seo", capacity="3")
    await _mentorship(url, "amina")
    await sqlite_backup(str(live), backup)
    monkeypatch.undo()
    lost = await _mentorship(url, "baraka")
    await _mentorship(url, "chande")
    await sqlite_restore(str(live), backup, NOW)
    await _mentorship(url, "zoe")  # the start upgrades the restored database to 0023
    with closing(sqlite3.connect(live)) as conn:
        counters = conn.execute("SELECT name, seq FROM sqlite_sequence ORDER BY name").fetchall()
    names = [name for name, _ in counters]
    assert len(names) == len(set(names)), counters
    assert dict(counters)["mentorships"] > lost + 1
