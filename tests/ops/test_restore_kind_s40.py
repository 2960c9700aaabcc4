"""Session 40: ``mentorbot db restore FILE`` checks that FILE is a backup of the bot's engine before it says how to
restore it.

Before, with a PostgreSQL database, it printed the createdb / pg_restore / raise-ids steps for any file, a SQLite
backup (``mentorbot admin backup`` of the SQLite database the community ran before moving to PostgreSQL) or a plain
SQL dump included: the admin ran createdb, then pg_restore failed ("input file does not appear to be a valid
archive") with a new, empty database left on the server. With a SQLite database, a pg_dump archive was refused as
"could not be read as a SQLite database (file is not a database)", which did not say what the file was. Now each
is refused in one line that says what the file is and what to do, exit 1, before anything is printed or done. A
file that is not here is still given its steps (a dump may be kept on the database's own machine).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner

from mentorbot.cli import main
from mentorbot.i18n import translator
from mentorbot.settings import ENV_PREFIX

EN = translator("en")
SW = translator("sw")
PG = "postgresql://bob:hunter2@db:5432/mentor"


@pytest.fixture(autouse=True)
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    for name in list(os.environ):
        if name.upper().startswith(ENV_PREFIX):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    yield tmp_path


def sqlite_file(path: Path) -> Path:
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE members (id INTEGER PRIMARY KEY)")
        conn.commit()
    return path


def pg_dump_file(path: Path) -> Path:
    path.write_bytes(b"PGDMP\x01\x0f\x00\x04\x08\x01\x01\x01" + b"\x00" * 64)  # pg_dump --format=custom's header
    return path


def refused(key: str, lang: str = "en", **params: object) -> str:
    t = SW if lang == "sw" else EN
    return t("cli.error", reason=t(f"ops.refused.{key}", **params))


def test_a_sqlite_backup_is_not_given_postgresql_steps(cli_env: Path) -> None:
    backup = sqlite_file(cli_env / "nightly.sqlite3")
    result = CliRunner().invoke(main, ["db", "restore", str(backup), "--database", PG])
    assert result.exit_code == 1, result.output
    assert "createdb" not in result.output and "pg_restore" not in result.stdout
    assert result.output.strip() == refused("backup_sqlite_for_postgres", file=backup)
    assert "hunter2" not in result.output


def test_a_file_that_is_not_a_custom_format_dump_is_refused(cli_env: Path) -> None:
    dump = cli_env / "nightly.sql"
    dump.write_text("--\n-- PostgreSQL database dump\n--\nSET statement_timeout = 0;\n", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["db", "restore", str(dump), "--database", PG], env={f"{ENV_PREFIX}DEFAULT_LANGUAGE": "sw"}
    )
    assert result.exit_code == 1, result.output
    assert result.output.strip() == refused("backup_not_pg_dump", "sw", file=dump)


def test_a_custom_format_dump_gets_its_steps(cli_env: Path) -> None:
    dump = pg_dump_file(cli_env / "nightly.dump")
    result = CliRunner().invoke(main, ["db", "restore", str(dump), "--database", PG])
    assert result.exit_code == 0, result.output
    assert "pg_restore --no-owner" in result.output


def test_a_dump_that_is_not_here_still_gets_its_steps(cli_env: Path) -> None:
    result = CliRunner().invoke(main, ["db", "restore", "elsewhere.dump", "--database", PG])
    assert result.exit_code == 0, result.output
    assert "pg_restore --no-owner" in result.output


def test_a_pg_dump_archive_is_not_restored_into_sqlite(cli_env: Path) -> None:
    dump = pg_dump_file(cli_env / "nightly.dump")
    result = CliRunner().invoke(main, ["db", "restore", str(dump), "--database", "sqlite:///bot.sqlite3"])
    assert result.exit_code == 1, result.output
    assert result.output.strip() == refused("backup_pg_dump_for_sqlite", file=dump)
    assert not (cli_env / "bot.sqlite3").exists()
