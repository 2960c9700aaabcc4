"""Session 39: a restore does not bring back a member forgotten since the backup (/tmp/hunt/data/
probe_restore_resurrects.sh).

Before: `mentorbot admin backup`, then `mentorbot admin forget`, then `mentorbot db restore` of the backup: the member
and everything of theirs were back, and the restore said only "integrity ok, N rows". Members are deleted only by a
forget (`PrivacyStore.forget_member`), so a member of the backup that the database being replaced no longer holds was
forgotten since the backup: the restore forgets them again in the restored copy, by the forget's own store code
(secure delete on), before the copy takes the database's place, and says how many. A member who joined after the
backup is in the replaced database and not in the backup: nothing of theirs is touched. When the replaced database
cannot be read, the restore says that the forgets made since the backup could not be re-applied, with the `mentorbot
admin forget` commands when the members it held can still be read. On PostgreSQL the printed recipe says so, and
`mentorbot db raise-ids` (which reads both databases) lists the members to forget again.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from mentorbot.app import open_bot
from mentorbot.cli import main
from mentorbot.i18n import translator
from mentorbot.replies import Outcome
from mentorbot.settings import Settings
from mentorbot.storage import copying, migrations
from mentorbot.storage.copying import sqlite_backup, sqlite_restore
from mentorbot.storage.migrations import available_migrations
from mentorbot.storage.sqlite_engine import SqliteDatabase
from mentorbot.storage.store import Store
from mentorbot.usecases.context import Caller

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
C = "console"
EN, SW = translator("en"), translator("sw")
KNOWN = available_migrations("sqlite")[-1].version
MENTOR = Caller(C, "mona", "Mona")
AMINA = Caller(C, "amina", "Amina")
ZZ = Caller(C, "zzyzx", "Zzyzx Quokkafeather")
"""The member forgotten after the backup: every text of theirs says "quokka"."""
SECRETS = ("quokka", "zzyzx")


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """An empty working folder, no MENTORBOT_* variable, no .env."""
    for name in list(os.environ):
        if name.startswith("MENTORBOT_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    yield tmp_path


def make_settings(url: str) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None, database_url=url, rate_limit_per_minute=1_000_000, default_language="en"
    )


def _ref(outcome: Outcome, user: str, action: str) -> str:
    reply = next(n.reply for n in outcome.notifications if n.platform_user_id == user)
    return next(b.ref for b in reply.buttons if b.action == action)


async def _community(url: str) -> None:
    """Mona mentors SEO; Zzyzx mentors design (a bio), had a mentorship with Mona (ended, rated with a comment),
    waits again (a note), suggested a course (a note) and declined Amina's request (a reason)."""
    async with open_bot(make_settings(url)) as bot:
        await bot.signup(MENTOR, skills="seo", capacity="3")
        await bot.signup(ZZ, skills="design", bio="quokka bio of zzyzx wonders")
        asked = await bot.request(ZZ, skills="seo", note="quokka secret plan")
        await bot.accept(MENTOR, offer_id=_ref(asked, "mona", "offer.accept"))
        (mentorship,) = await bot.store.db.express_one("SELECT id FROM mentorships")
        await bot.end(ZZ, mentorship_id=mentorship["id"], rating="5", comment="quokka feedback words")
        await bot.request(ZZ, skills="seo", note="quokka second plan")
        await bot.suggest_course(ZZ, url="https://example.org/quokka-seo", skills="seo", note="quokka course note")
        offered = await bot.request(AMINA, skills="design", note="Amina's design request")
        await bot.decline(ZZ, offer_id=_ref(offered, "zzyzx", "offer.decline"), reason="quokka decline seventyseven")


async def _forget(url: str, caller: Caller = ZZ) -> None:
    async with open_bot(make_settings(url)) as bot:
        outcome = await bot.forget(caller, confirm=True)
        assert outcome.error is None


async def _join(url: str, caller: Caller) -> None:
    async with open_bot(make_settings(url)) as bot:
        await bot.request(caller, skills="seo", note="joined after the backup")


def _rows(url: str, sql: str) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as conn, conn:
        return conn.execute(sql).fetchall()


def _users(path: Path) -> list[str]:
    return sorted(str(r[0]) for r in _rows(f"sqlite:///{path}", "SELECT platform_user_id FROM members"))


def _files(folder: Path, pattern: str) -> list[str]:
    return sorted(p.name for p in folder.glob(pattern))


def _in_file(path: Path) -> list[str]:
    """Which of `SECRETS` the bytes of the file at `path` hold (its free pages included)."""
    content = path.read_bytes().lower()
    return [s for s in SECRETS if s.encode() in content]


def _traces(path: Path) -> list[str]:
    """Every text of every row of the database at `path` that holds one of `SECRETS` (table.column: text)."""
    found = []
    with closing(sqlite3.connect(path)) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for name in names:
            cursor = conn.execute(f'SELECT * FROM "{name}"')
            columns = [d[0] for d in cursor.description]
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    if isinstance(value, str) and any(s in value.casefold() for s in SECRETS):
                        found.append(f"{name}.{column}: {value[:80]}")
    return found


async def _backed_up_then_forgotten(tmp_path: Path) -> tuple[Path, Path]:
    live, backup = tmp_path / "live.sqlite3", tmp_path / "backup.sqlite3"
    url = f"sqlite:///{live}"
    await _community(url)
    await sqlite_backup(str(live), backup)
    await _forget(url)
    assert "zzyzx" not in _users(live)
    return live, backup


# ------------------------------------------------------------------------------------- the restore forgets again


async def test_a_restore_forgets_again_a_member_forgotten_since_the_backup(tmp_path: Path) -> None:
    """/tmp/hunt/data/probe_restore_resurrects.sh. Before: Zzyzx was back, with their name, notes, bio, comment."""
    live, backup = await _backed_up_then_forgotten(tmp_path)
    assert _traces(backup), "the backup holds Zzyzx (the test's premise)"
    result = await sqlite_restore(str(live), backup, NOW)
    assert result.integrity == "ok" and result.ids_raised is True
    assert _users(live) == ["amina", "mona"]
    assert _traces(live) == [], "everything a forget erases is erased"
    assert len(result.forgotten_again) == 1 and result.to_forget == ()
    assert not _files(tmp_path, "live.sqlite3.restoring*"), "no copy nor -wal left"
    assert not _files(tmp_path, "live.sqlite3-*"), "the restored database's -wal checkpointed"
    assert _in_file(live) == [], "deleted with secure_delete: not in the file's free pages"
    # As the forget left them: the mentorship and its feedback stay, with no link to Zzyzx and no comment.
    assert _rows(f"sqlite:///{live}", "SELECT mentee_id, status FROM mentorships") == [(None, "ended")]
    assert _rows(f"sqlite:///{live}", "SELECT author_id, comment FROM feedback") == [(None, None)]
    # Amina's request, which Zzyzx declined, is Amina's: kept.
    assert _rows(f"sqlite:///{live}", "SELECT note FROM requests") == [("Amina's design request",)]


async def test_the_restored_database_serves_and_the_member_can_come_back_anew(tmp_path: Path) -> None:
    live, backup = await _backed_up_then_forgotten(tmp_path)
    await sqlite_restore(str(live), backup, NOW)
    url = f"sqlite:///{live}"
    async with open_bot(make_settings(url)) as bot:
        status = await bot.status(ZZ)  # a newcomer: no profile, no request, no mentorship of before
        shown = status.reply.plain_text.casefold()
        assert status.error is None and "design" not in shown and "plan" not in shown, shown
        assert await bot.store.find_member(C, "mona") is not None
    url_rows = _rows(
        url, "SELECT COUNT(*) FROM requests r JOIN members m ON m.id = r.member_id WHERE m.display_name LIKE 'Zzyzx%'"
    )
    assert url_rows == [(0,)] and _rows(url, "SELECT COUNT(*) FROM mentor_profiles") == [(1,)]


async def test_a_member_who_joined_after_the_backup_is_not_taken_for_one_forgotten(tmp_path: Path) -> None:
    """Baraka joined after the backup: in the replaced database, not in the backup (the restore loses them, as
    everything since the backup). Nobody was forgotten: nothing is forgotten again, and nothing is said."""
    live, backup = tmp_path / "live.sqlite3", tmp_path / "backup.sqlite3"
    url = f"sqlite:///{live}"
    await _community(url)
    await sqlite_backup(str(live), backup)
    await _join(url, Caller(C, "baraka", "Baraka"))
    result = await sqlite_restore(str(live), backup, NOW)
    assert result.forgotten_again == () and result.to_forget == ()
    assert _users(live) == ["amina", "mona", "zzyzx"]


async def test_an_id_given_again_to_a_newcomer_is_not_taken_for_the_forgotten_member(tmp_path: Path) -> None:
    """A member's id is SQLite's rowid (not AUTOINCREMENT): the newest member forgotten, the next one to join takes
    their id. The forgotten member is told apart by who they are (community and platform user id), not by id."""
    live, backup = tmp_path / "live.sqlite3", tmp_path / "backup.sqlite3"
    url = f"sqlite:///{live}"
    await _community(url)
    last = Caller(C, "kito", "Kito Quokkaleaf")
    await _join(url, last)
    await sqlite_backup(str(live), backup)
    await _forget(url, last)
    await _join(url, Caller(C, "baraka", "Baraka"))
    (kito,) = _rows(f"sqlite:///{backup}", "SELECT id FROM members WHERE platform_user_id = 'kito'")
    assert _rows(url, "SELECT platform_user_id FROM members WHERE id = ?".replace("?", str(kito[0]))) == [("baraka",)]
    result = await sqlite_restore(str(live), backup, NOW)
    assert result.forgotten_again == (kito[0],)
    assert _users(live) == ["amina", "mona", "zzyzx"]


async def test_a_restore_over_a_database_unrelated_to_the_backup_forgets_nobody(tmp_path: Path) -> None:
    """A database that holds none of the backup's members and gave fewer ids (a fresh one the bot made when the
    real one went missing) is no later state of the backup: its members being absent says nothing of forgets.
    Nobody is forgotten (the admin is told to check), where taking absence for a forget would erase everyone."""
    live, backup = tmp_path / "live.sqlite3", tmp_path / "backup.sqlite3"
    await _community(f"sqlite:///{backup}")
    await _join(f"sqlite:///{live}", Caller(C, "baraka", "Baraka"))
    result = await sqlite_restore(str(live), backup, NOW)
    assert result.forgotten_again == () and result.to_forget is None
    assert _users(live) == ["amina", "mona", "zzyzx"]


async def test_an_older_backup_is_upgraded_then_forgotten_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The forget's code is this MentorBot's: a backup at an older schema is upgraded first (as the bot's start
    would), then the forget re-applied; the restore then says nothing of an older schema."""
    live, backup = tmp_path / "live.sqlite3", tmp_path / "backup.sqlite3"
    everything = available_migrations("sqlite")
    monkeypatch.setattr(migrations, "available_migrations", lambda d: [m for m in everything if m.version < KNOWN])
    store = Store(SqliteDatabase(str(live)))
    assert await store.open(NOW) == KNOWN - 1
    try:
        for user in ("mona", "zzyzx"):
            await store.ensure_member(C, user, "Zzyzx Quokkafeather" if user == "zzyzx" else "Mona", NOW)
    finally:
        await store.close()
    monkeypatch.undo()
    await sqlite_backup(str(live), backup)
    with closing(sqlite3.connect(live)) as conn, conn:  # what the forget of that release did to the member's row
        conn.execute("DELETE FROM members WHERE platform_user_id = 'zzyzx'")
    result = await sqlite_restore(str(live), backup, NOW)
    assert result.integrity == "ok" and result.version == KNOWN and len(result.forgotten_again) == 1
    assert _users(live) == ["mona"] and _traces(live) == []


async def test_a_replaced_database_whose_members_can_be_read_lists_the_forgets_to_make(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its ids could not be read (a damaged database): nothing tells that it is a later state of the backup, so the
    forgets are not re-applied by the restore; the members it lacks are listed for the admin to check and forget."""
    live, backup = await _backed_up_then_forgotten(tmp_path)

    async def unreadable(*args: object) -> dict[str, int]:
        raise sqlite3.DatabaseError("database disk image is malformed")

    monkeypatch.setattr(copying, "ids_known", unreadable)
    result = await sqlite_restore(str(live), backup, NOW)
    assert result.ids_raised is False and result.forgotten_again == ()
    assert result.to_forget == ((C, "zzyzx"),)
    assert "zzyzx" in _users(live)


# ------------------------------------------------------------------------------------------------ the command


def _restore(backup: Path, live: Path) -> Any:
    return CliRunner().invoke(main, ["db", "restore", str(backup), "--database", f"sqlite:///{live}"])


async def test_db_restore_says_how_many_members_it_forgot_again(tmp_path: Path, cli_env: Path) -> None:
    """Before: "Restored …: integrity ok, N rows in M tables." and Zzyzx back, silently."""
    live, backup = await _backed_up_then_forgotten(tmp_path)
    out = await asyncio.to_thread(_restore, backup, live)
    assert out.exit_code == 0, out.output
    assert "zzyzx" not in _users(live)
    assert "1 member forgotten since the backup" in out.output
    assert EN("ops.restore.forgets.again", count=1) in out.output


async def test_db_restore_says_nothing_of_forgets_when_nobody_was_forgotten(tmp_path: Path, cli_env: Path) -> None:
    live, backup = tmp_path / "live.sqlite3", tmp_path / "backup.sqlite3"
    await _community(f"sqlite:///{live}")
    await sqlite_backup(str(live), backup)
    out = await asyncio.to_thread(_restore, backup, live)
    assert out.exit_code == 0, out.output
    assert "forgotten since the backup" not in out.output and "admin forget" not in out.output


async def test_db_restore_over_an_unreadable_database_says_forgets_could_not_be_re_applied(
    tmp_path: Path, cli_env: Path
) -> None:
    live, backup = await _backed_up_then_forgotten(tmp_path)
    live.write_bytes(b"not a database any more" * 500)
    out = await asyncio.to_thread(_restore, backup, live)
    assert out.exit_code == 0, out.output
    assert EN("ops.restore.ids_unread") in out.output
    assert EN("ops.restore.forgets.unknown", database=live) in out.output
    assert "zzyzx" in _users(live), "not known as forgotten: kept, and the admin told to check"


async def test_db_restore_prints_the_forget_commands_when_the_members_can_be_read(
    tmp_path: Path, cli_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    live, backup = await _backed_up_then_forgotten(tmp_path)

    async def unreadable(*args: object) -> dict[str, int]:
        raise sqlite3.DatabaseError("database disk image is malformed")

    monkeypatch.setattr(copying, "ids_known", unreadable)
    out = await asyncio.to_thread(_restore, backup, live)
    assert out.exit_code == 0, out.output
    assert EN("ops.restore.forgets.listed", count=1) in out.output
    command = next(line for line in out.output.splitlines() if line.startswith("mentorbot admin forget "))
    assert shlex.split(command) == ["mentorbot", "admin", "forget", "zzyzx", "--community", C, "--db", str(live)]
    forgot = await asyncio.to_thread(CliRunner().invoke, main, [*shlex.split(command)[1:], "--yes"])
    assert forgot.exit_code == 0, forgot.output
    assert _users(live) == ["amina", "mona"] and _traces(live) == []


def test_the_postgresql_recipe_says_a_restore_brings_forgotten_members_back(cli_env: Path) -> None:
    result = CliRunner().invoke(
        main, ["db", "restore", "nightly.dump", "--database", "postgresql://bob:hunter2@db:5432/mentor"]
    )
    assert result.exit_code == 0, result.output
    assert EN("ops.restore.forgets.postgres") in result.output
    lines = result.output.splitlines()
    raise_ids = next(i for i, line in enumerate(lines) if line.startswith("mentorbot db raise-ids "))
    assert lines.index(EN("ops.restore.forgets.postgres")) > raise_ids, "said after the step that lists them"


async def test_raise_ids_lists_the_members_forgotten_since_the_backup(tmp_path: Path, cli_env: Path) -> None:
    """The PostgreSQL recipe's last step reads both databases: it names the members the restored one holds that the
    old one no longer does, with the `mentorbot admin forget` to run on the restored one (SQLite files here)."""
    live, backup = await _backed_up_then_forgotten(tmp_path)
    restored = f"sqlite:///{backup}"
    out = await asyncio.to_thread(
        CliRunner().invoke, main, ["db", "raise-ids", "--above", f"sqlite:///{live}", "--database", restored]
    )
    assert out.exit_code == 0, out.output
    assert EN("ops.raise_ids.forgotten", count=1, database=restored) in out.output
    command = next(line for line in out.output.splitlines() if line.startswith("mentorbot admin forget "))
    assert shlex.split(command) == ["mentorbot", "admin", "forget", "zzyzx", "--community", C]
    again = await asyncio.to_thread(
        CliRunner().invoke, main, ["db", "raise-ids", "--above", f"sqlite:///{live}", "--database", restored]
    )
    assert EN("ops.raise_ids.forgotten", count=1, database=restored) in again.output, "said again on a second run"


async def test_raise_ids_says_nothing_of_forgets_between_databases_with_the_same_members(
    tmp_path: Path, cli_env: Path
) -> None:
    live, backup = tmp_path / "live.sqlite3", tmp_path / "backup.sqlite3"
    await _community(f"sqlite:///{live}")
    await sqlite_backup(str(live), backup)
    out = await asyncio.to_thread(
        CliRunner().invoke,
        main,
        ["db", "raise-ids", "--above", f"sqlite:///{live}", "--database", f"sqlite:///{backup}"],
    )
    assert out.exit_code == 0, out.output
    assert "admin forget" not in out.output


def test_the_new_messages_are_in_english_and_swahili() -> None:
    for key, params in (
        ("ops.restore.forgets.again", {"count": 2}),
        ("ops.restore.forgets.unknown", {"database": "x"}),
        ("ops.restore.forgets.listed", {"count": 2}),
        ("ops.restore.forgets.postgres", {}),
        ("ops.raise_ids.forgotten", {"count": 2, "database": "x"}),
    ):
        assert SW(key, **params) != EN(key, **params), key


@pytest.mark.postgres
async def test_raise_ids_lists_the_members_forgotten_since_the_backup_on_postgresql(cli_env: Path) -> None:
    """The recipe's databases: `live` (the bot's until now, Zzyzx forgotten there) and `restored` (the backup's
    rows, made here by the same steps: the same ids)."""
    import asyncpg

    from tests.conftest import POSTGRES_URL, require_postgres

    name = (await require_postgres()).replace("mentorbot_test_", "mentorbot_fgt_")
    base = POSTGRES_URL.rsplit("/", 1)[0]
    live, restored = f"{base}/{name}", f"{base}/{name}_restored"
    admin = await asyncpg.connect(POSTGRES_URL)
    try:
        for database in (name, f"{name}_restored"):
            await admin.execute(f'CREATE DATABASE "{database}"')
        await _community(live)
        await _community(restored)
        await _forget(live)
        out = await asyncio.to_thread(
            CliRunner().invoke, main, ["db", "raise-ids", "--above", live, "--database", restored]
        )
        assert out.exit_code == 0, out.output
        assert EN("ops.raise_ids.forgotten", count=1, database=restored) in out.output
        command = next(line for line in out.output.splitlines() if line.startswith("mentorbot admin forget "))
        forgot = await asyncio.to_thread(
            CliRunner().invoke, main, [*shlex.split(command)[1:], "--yes"], env={"MENTORBOT_DATABASE_URL": restored}
        )
        assert forgot.exit_code == 0, forgot.output
        conn = await asyncpg.connect(restored)
        try:
            assert await conn.fetchval("SELECT COUNT(*) FROM members WHERE platform_user_id = 'zzyzx'") == 0
            assert await conn.fetchval("SELECT COUNT(*) FROM requests WHERE note LIKE '%quokka%'") == 0
        finally:
            await conn.close()
    finally:
        for database in (name, f"{name}_restored"):
            await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.close()
