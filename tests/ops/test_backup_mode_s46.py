"""Session 46 (an onboarding hunt, /tmp/hunt/onboarding/probes/p2_backup_mode.sh): `mentorbot admin backup` and a
`db copy` into a new SQLite file wrote every member's notes and ratings readable by everyone (0644 under the usual
umask 022), where `admin export` and `admin stats --chart` write 0600 files; and they made any folder the path
named, so a mistyped `typo-dir/nested/backup.sqlite3` "succeeded" where `--chart` into a missing folder refuses.
Both now refuse a missing folder in one line, exit 1, nothing made, and write their copy owner-only (0600, its
-wal and -shm too), whatever the umask."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from mentorbot.cli import main
from mentorbot.i18n import translator
from mentorbot.storage.copying import CopyRefused, sqlite_backup

EN = translator("en")
SW = translator("sw")


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """An empty working folder, no MENTORBOT_* variable, no .env, and the usual umask (022), under which a plain
    write leaves a file readable by everyone."""
    for name in list(os.environ):
        if name.startswith("MENTORBOT_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    old = os.umask(0o022)
    try:
        yield tmp_path
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _run(*args: str, lang: str = "en") -> Result:
    return CliRunner().invoke(main, list(args), env={"MENTORBOT_DEFAULT_LANGUAGE": lang})


@pytest.fixture
def database(cli_env: Path) -> Path:
    """A MentorBot database with a member's private note in it."""
    path = cli_env / "live.sqlite3"
    done = _run("db", "upgrade", "--database", f"sqlite:///{path}")
    assert done.exit_code == 0, done.output
    assert path.exists()
    return path


def _side_files(path: Path) -> list[Path]:
    return [p for p in (path.with_name(path.name + s) for s in ("-wal", "-shm", "-journal")) if p.exists()]


# ------------------------------------------------------------------------------------------------ admin backup


def test_admin_backup_is_readable_by_its_owner_only(database: Path, cli_env: Path) -> None:
    """Before: 0644 under umask 022."""
    target = cli_env / "backup.sqlite3"
    done = _run("admin", "backup", "--db", str(database), str(target))
    assert done.exit_code == 0, done.output
    assert _mode(target) == 0o600
    for side in _side_files(target):
        assert _mode(side) == 0o600, side
    assert sorted(p.name for p in cli_env.iterdir() if p.name.startswith("backup")) == ["backup.sqlite3"]
    with closing(sqlite3.connect(target)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_stale_partial_file_left_readable_does_not_make_the_backup_readable(database: Path, cli_env: Path) -> None:
    """A `.partial` an earlier, killed backup left (0644) is not written into: the copy is a new 0600 file."""
    target = cli_env / "backup.sqlite3"
    stale = cli_env / "backup.sqlite3.partial"
    stale.write_bytes(b"")
    stale.chmod(0o644)
    done = _run("admin", "backup", "--db", str(database), str(target))
    assert done.exit_code == 0, done.output
    assert _mode(target) == 0o600
    assert not stale.exists()


@pytest.mark.parametrize("lang", ["en", "sw"])
def test_admin_backup_into_a_missing_folder_is_refused_and_makes_no_folder(
    database: Path, cli_env: Path, lang: str
) -> None:
    """Before: `typo-dir/nested/` was made and the backup written there, exit 0."""
    t = EN if lang == "en" else SW
    target = cli_env / "typo-dir" / "nested" / "backup.sqlite3"
    done = _run("admin", "backup", "--db", str(database), str(target), lang=lang)
    assert done.exit_code == 1, done.output
    assert "Traceback" not in done.output
    reason = t("ops.refused.no_folder", folder=target.parent, file=target)
    assert done.stderr == t("cli.error", reason=reason) + "\n"
    assert not (cli_env / "typo-dir").exists()


async def test_sqlite_backup_refuses_a_missing_folder(database: Path, cli_env: Path) -> None:
    target = cli_env / "nowhere" / "backup.sqlite3"
    with pytest.raises(CopyRefused) as refused:
        await sqlite_backup(str(database), target)
    assert refused.value.key == "no_folder"
    assert refused.value.params == {"folder": target.parent, "file": target}
    assert not target.parent.exists()


# ---------------------------------------------------------------------------------------- db copy to SQLite


def test_db_copy_into_a_new_sqlite_file_is_readable_by_its_owner_only(database: Path, cli_env: Path) -> None:
    target = cli_env / "copy.sqlite3"
    done = _run("db", "copy", "--from", f"sqlite:///{database}", "--to", f"sqlite:///{target}")
    assert done.exit_code == 0, done.output
    assert _mode(target) == 0o600
    for side in _side_files(target):
        assert _mode(side) == 0o600, side


def test_db_copy_into_an_existing_sqlite_file_keeps_its_mode(database: Path, cli_env: Path) -> None:
    """A file the admin made (and chose the mode of) is theirs: only a file the copy creates is made 0600."""
    target = cli_env / "copy.sqlite3"
    assert _run("db", "upgrade", "--database", f"sqlite:///{target}").exit_code == 0
    target.chmod(0o640)
    done = _run("db", "copy", "--from", f"sqlite:///{database}", "--to", f"sqlite:///{target}")
    assert done.exit_code == 0, done.output
    assert _mode(target) == 0o640


@pytest.mark.parametrize("lang", ["en", "sw"])
def test_db_copy_into_a_missing_folder_is_refused_and_makes_no_folder(database: Path, cli_env: Path, lang: str) -> None:
    t = EN if lang == "en" else SW
    target = cli_env / "typo-dir" / "nested" / "copy.sqlite3"
    done = _run("db", "copy", "--from", f"sqlite:///{database}", "--to", f"sqlite:///{target}", lang=lang)
    assert done.exit_code == 1, done.output
    assert "Traceback" not in done.output
    reason = t("ops.refused.no_folder", folder=target.parent, file=target)
    assert done.stderr == t("cli.error", reason=reason) + "\n"
    assert not (cli_env / "typo-dir").exists()
