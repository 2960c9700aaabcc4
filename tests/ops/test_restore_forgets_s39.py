"""Session 39: a restore does not bring back a member forgotten since the backup (/tmp/hunt/data/
probe_restore_resurrects.sh), and erases nobody who did not ask (/tmp/hunt/review-ops/test_restore_reforget.py).

Before: `mentorbot admin backup`, then `mentorbot admin forget`, then `mentorbot db restore` of the backup: the member
and everything of theirs were back, and the restore said only "integrity ok, N rows". A forget now writes its record
(migration 0026, `forgotten_members`: the hash of the member's community and platform user id, and when), in its own
transaction; the restore forgets again, in the restored copy, by the forget's own store code (secure delete on), only
the members of the backup that the replaced database records as forgotten after their newest time in the backup, and
says how many. A member merely missing from the replaced database is never erased (a backup restored by mistake
before the right one; a fresh database the bot made when the file went missing): the restore says that the forgets
made since the backup cannot all be known, as it does when the replaced database cannot be read, when there is none,
and when it keeps no record (older than 0026). On PostgreSQL `mentorbot db raise-ids` lists the recorded ones.
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
from mentorbot.storage.copying import copy_database, sqlite_backup, sqlite_restore
from mentorbot.storage.forgotten import forgotten_member_key
from mentorbot.storage.migrations import available_migrations
from mentorbot.storage.privacy import PrivacyStore
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
    assert len(result.forgotten_again) == 1 and result.to_forget == () and result.forgets_known
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
    assert result.forgotten_again == () and result.to_forget == () and result.forgets_known
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
    """A database that holds none of the backup's members (a fresh one the bot made when the real one went missing)
    records no forget of them: nobody is forgotten, where taking absence for a forget would erase everyone, and the
    admin is told that the forgets made since the backup cannot all be known (the backup's members are missing
    from it with no record of a forget)."""
    live, backup = tmp_path / "live.sqlite3", tmp_path / "backup.sqlite3"
    await _community(f"sqlite:///{backup}")
    await _join(f"sqlite:///{live}", Caller(C, "baraka", "Baraka"))
    result = await sqlite_restore(str(live), backup, NOW)
    assert result.forgotten_again == () and result.to_forget == () and not result.forgets_known
    assert _users(live) == ["amina", "mona", "zzyzx"]


async def test_an_older_backup_is_upgraded_then_forgotten_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The forget's code is this MentorBot's: a backup at an older schema is upgraded first (as the bot's start
    would), then the recorded forget re-applied; the restore then says nothing of an older schema."""
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
    await _forget(f"sqlite:///{live}")  # the bot upgrades the live database, then forgets (and records it)
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


# ------------------------------------------------------------------- only a recorded forget: nobody merely missing

YUSUF = Caller(C, "yusuf", "Yusuf")


async def _base(url: str) -> None:
    async with open_bot(make_settings(url)) as bot:
        await bot.signup(MENTOR, skills="seo", capacity="3")
        await bot.request(AMINA, skills="seo", note="amina wants seo")


async def test_a_forget_records_a_hash_and_its_time_only(store: Store) -> None:
    """On both engines: the record holds the hash of community and platform user id (`forgotten_member_key`), never
    the id itself, and when; the forget's own erase leaves it (it is the record)."""
    member = await store.ensure_member(C, "zzyzx", "Zzyzx Quokkafeather", NOW)
    await store.forget_member(member.id, NOW)
    async with store.db.read() as conn:
        rows = await conn.fetch_all("SELECT * FROM forgotten_members")
    assert [(r["community"], r["member_key"]) for r in rows] == [(C, forgotten_member_key(C, "zzyzx"))]
    assert set(rows[0]) == {"community", "member_key", "forgotten_at"}
    assert "zzyzx" not in repr(rows).casefold()


async def test_restoring_a_wrong_backup_then_the_right_one_erases_nobody(tmp_path: Path) -> None:
    """/tmp/hunt/review-ops/test_restore_reforget.py: backups B1, B2; Yusuf joined between; B1 restored by mistake,
    then B2. Before: Yusuf, missing from the database B2 replaced, was erased though he never asked. Now nobody is
    recorded as forgotten: nobody is erased, and the admin is told that the forgets since B2 cannot all be known."""
    live, b1, b2 = tmp_path / "live.sqlite3", tmp_path / "b1.sqlite3", tmp_path / "b2.sqlite3"
    url = f"sqlite:///{live}"
    await _base(url)
    await sqlite_backup(str(live), b1)
    await _join(url, YUSUF)
    await sqlite_backup(str(live), b2)
    first = await sqlite_restore(str(live), b1, NOW)
    assert first.forgotten_again == () and first.forgets_known
    result = await sqlite_restore(str(live), b2, NOW)
    assert _users(live) == ["amina", "mona", "yusuf"], "Yusuf never asked to be forgotten"
    assert result.forgotten_again == () and result.to_forget == () and not result.forgets_known


async def test_a_fresh_database_where_members_signed_up_again_erases_nobody(tmp_path: Path) -> None:
    """The file went missing, the bot made a fresh one where Mona and Amina signed up again (the same ids). Before:
    Yusuf, in the backup and not in the fresh database, was erased. Now nobody; the admin is told."""
    live, backup = tmp_path / "live.sqlite3", tmp_path / "backup.sqlite3"
    url = f"sqlite:///{live}"
    await _base(url)
    await _join(url, YUSUF)
    await sqlite_backup(str(live), backup)
    for path in _companions(live):
        path.unlink()
    await _base(url)
    result = await sqlite_restore(str(live), backup, NOW)
    assert _users(live) == ["amina", "mona", "yusuf"], "Yusuf never asked to be forgotten"
    assert result.forgotten_again == () and not result.forgets_known


def _companions(path: Path) -> list[Path]:
    return [p for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")) if p.exists()]


async def test_a_member_missing_without_a_record_is_not_erased(tmp_path: Path) -> None:
    """A member deleted by other means than a forget (no record): not erased by the restore; the admin is told."""
    live, backup = tmp_path / "live.sqlite3", tmp_path / "backup.sqlite3"
    await _community(f"sqlite:///{live}")
    await sqlite_backup(str(live), backup)
    with closing(sqlite3.connect(live)) as conn, conn:
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("DELETE FROM members WHERE platform_user_id = 'zzyzx'")
    result = await sqlite_restore(str(live), backup, NOW)
    assert "zzyzx" in _users(live) and result.forgotten_again == () and not result.forgets_known


async def test_no_database_at_the_path_says_the_forgets_cannot_be_known(tmp_path: Path) -> None:
    """A new machine: nothing to read the forgets from. Before: nothing said, the forgotten silently back."""
    live, backup = await _backed_up_then_forgotten(tmp_path)
    for path in _companions(live):
        path.unlink()
    result = await sqlite_restore(str(live), backup, NOW)
    assert result.ids_raised is None and result.forgotten_again == () and not result.forgets_known
    assert "zzyzx" in _users(live)


async def test_a_replaced_database_older_than_the_record_says_the_forgets_cannot_be_known(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database at a schema before 0026 keeps no record: a member missing from it is not taken for forgotten."""
    live, backup = tmp_path / "live.sqlite3", tmp_path / "backup.sqlite3"
    everything = available_migrations("sqlite")
    monkeypatch.setattr(migrations, "available_migrations", lambda d: [m for m in everything if m.version < 26])
    store = Store(SqliteDatabase(str(live)))
    await store.open(NOW)
    try:
        for user in ("mona", "zzyzx"):
            await store.ensure_member(C, user, user.title(), NOW)
    finally:
        await store.close()
    monkeypatch.undo()
    await sqlite_backup(str(live), backup)
    with closing(sqlite3.connect(live)) as conn, conn:
        conn.execute("DELETE FROM members WHERE platform_user_id = 'zzyzx'")
    result = await sqlite_restore(str(live), backup, NOW)
    assert _users(live) == ["mona", "zzyzx"] and result.forgotten_again == () and not result.forgets_known


async def test_a_member_forgotten_then_back_before_the_backup_is_kept(tmp_path: Path) -> None:
    """Zzyzx was forgotten, came back, and the backup was made after: the record is older than Zzyzx's row in the
    backup, which is not what they asked to have erased."""
    live, backup = tmp_path / "live.sqlite3", tmp_path / "backup.sqlite3"
    url = f"sqlite:///{live}"
    await _community(url)
    await _forget(url)
    await _join(url, ZZ)
    await sqlite_backup(str(live), backup)
    result = await sqlite_restore(str(live), backup, NOW)
    assert "zzyzx" in _users(live) and result.forgotten_again == () and result.forgets_known


async def test_the_record_outlives_a_wrong_restore_and_keeps_its_time(tmp_path: Path) -> None:
    """Zzyzx (in B1 and B2) and Yusuf (joined between) are forgotten after B2; B1 is restored by mistake, then B2:
    both forgotten again in B2. The first restore carried the record of Yusuf's forget (not in B1), and its own
    forget of Zzyzx kept the time Zzyzx asked (a later one would also cover a return of theirs)."""
    live, b1, b2 = tmp_path / "live.sqlite3", tmp_path / "b1.sqlite3", tmp_path / "b2.sqlite3"
    url = f"sqlite:///{live}"
    await _community(url)
    await sqlite_backup(str(live), b1)
    await _join(url, YUSUF)
    await sqlite_backup(str(live), b2)
    await _forget(url)
    await _forget(url, YUSUF)
    recorded = sorted(_rows(url, "SELECT member_key, forgotten_at FROM forgotten_members"))
    first = await sqlite_restore(str(live), b1, NOW)
    assert len(first.forgotten_again) == 1 and _users(live) == ["amina", "mona"]
    assert sorted(_rows(url, "SELECT member_key, forgotten_at FROM forgotten_members")) == recorded
    result = await sqlite_restore(str(live), b2, NOW)
    assert _users(live) == ["amina", "mona"] and len(result.forgotten_again) == 2 and result.forgets_known
    assert _traces(live) == []


async def test_db_copy_carries_the_record(tmp_path: Path) -> None:
    live, other = tmp_path / "live.sqlite3", tmp_path / "other.sqlite3"
    await _community(f"sqlite:///{live}")
    await _forget(f"sqlite:///{live}")
    source, target = SqliteDatabase(str(live)), SqliteDatabase(str(other))
    await source.open()
    await target.open()
    try:
        await copy_database(source, target, NOW)
    finally:
        await target.close()
        await source.close()
    query = "SELECT community, member_key, forgotten_at FROM forgotten_members"
    assert _rows(f"sqlite:///{other}", query) == _rows(f"sqlite:///{live}", query) != []


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


async def test_db_restore_where_there_is_no_database_says_the_forgets_cannot_be_known(
    tmp_path: Path, cli_env: Path
) -> None:
    live, backup = await _backed_up_then_forgotten(tmp_path)
    for path in _companions(live):
        path.unlink()
    out = await asyncio.to_thread(_restore, backup, live)
    assert out.exit_code == 0, out.output
    assert EN("ops.restore.forgets.unknown", database=live) in out.output


async def test_db_restore_gives_the_forget_the_open_request_limit(
    tmp_path: Path, cli_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The forget made again puts back a request only under `max_open_requests`, as the forget itself does."""
    live, backup = await _backed_up_then_forgotten(tmp_path)
    seen: list[object] = []
    erase = PrivacyStore.erase_member

    async def spy(self: PrivacyStore, member_id: int, now: datetime, **kwargs: Any) -> Any:
        seen.append(kwargs.get("max_open"))
        return await erase(self, member_id, now, **kwargs)

    monkeypatch.setattr(PrivacyStore, "erase_member", spy)
    monkeypatch.setenv("MENTORBOT_MAX_OPEN_REQUESTS", "2")
    out = await asyncio.to_thread(_restore, backup, live)
    assert out.exit_code == 0, out.output
    assert seen == [2]


async def test_raise_ids_lists_no_member_merely_missing(tmp_path: Path, cli_env: Path) -> None:
    """A member of the restored database that the old one lacks without a record: not listed; the admin is told."""
    live, backup = tmp_path / "live.sqlite3", tmp_path / "backup.sqlite3"
    await _community(f"sqlite:///{live}")
    await sqlite_backup(str(live), backup)
    with closing(sqlite3.connect(live)) as conn, conn:
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("DELETE FROM members WHERE platform_user_id = 'zzyzx'")
    restored = f"sqlite:///{backup}"
    out = await asyncio.to_thread(
        CliRunner().invoke, main, ["db", "raise-ids", "--above", f"sqlite:///{live}", "--database", restored]
    )
    assert out.exit_code == 0, out.output
    assert "admin forget zzyzx" not in out.output
    assert EN("ops.raise_ids.forgotten_unknown", database=restored) in out.output


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
        ("ops.raise_ids.forgotten_unknown", {"database": "x"}),
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
