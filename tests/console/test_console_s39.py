"""Console defects found by a CLI hunt (session 39): `--as wanjiru` renamed the stored member "Wanjiru" (unlike
`/as`); the console's exports were 0644 files written over earlier ones through whatever was at their name; a SQLite
URL with options (``?timeout=5``) gave the console a state folder of that name and lost its clock at every start;
a closed stdin and an output stream that cannot encode every character stopped it with a traceback."""

from __future__ import annotations

import io
import os
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from mentorbot.cli import main
from mentorbot.clock import ManualClock
from mentorbot_console.repl import OFFSET_FILE, describe_database, run_console, state_dir
from mentorbot_console.session import ConsoleSession
from tests.console.conftest import console_settings, console_translator, ok

EXPORTED = ["feedback.csv", "members.csv", "mentorships.csv", "offers.csv", "requests.csv"]
en = console_translator("en")


@pytest.fixture
def umask_022() -> Iterator[None]:
    """The usual umask, under which a plain write leaves files readable by everyone (0644)."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def console(*args: str, script: str) -> str:
    """The output of ``mentorbot console ARGS`` with `script` on stdin, which must exit 0."""
    result = CliRunner().invoke(main, ["console", *args], input=script)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return result.output


def display_name(db: Path, user_id: str) -> str:
    with sqlite3.connect(db) as conn:
        [(name,)] = conn.execute("SELECT display_name FROM members WHERE platform_user_id = ?", (user_id,)).fetchall()
    conn.close()
    return str(name)


# ------------------------------------------------------------------------------------ --as NAME


def test_as_keeps_the_display_name_of_an_existing_member(cli_env: Path) -> None:
    """Before: `--as wanjiru` saved "wanjiru" over "Wanjiru" with its first line (`/as wanjiru` never did)."""
    db = cli_env / "t.sqlite3"
    console("--db", str(db), "--as", "Wanjiru", script="/mentor signup skills:seo\n")
    out = console("--db", str(db), "--as", "wanjiru", script="/skills\n")
    assert display_name(db, "wanjiru") == "Wanjiru"
    assert "You are Wanjiru." in out and "Wanjiru> /skills" in out
    console("--db", str(db), "--as", "Baraka", script="/skills\n")
    assert display_name(db, "baraka") == "Baraka", "a new member keeps the name as first typed"


async def test_a_session_started_as_an_existing_member_takes_their_stored_name(
    session: ConsoleSession, tmp_path: Path
) -> None:
    await ok(session, "/as Wanjiru")
    await ok(session, "/mentor signup skills:seo")
    for start in (True, False):  # the welcome first, as `mentorbot console` does, or a line at once
        again = ConsoleSession(session.bot, session.clock, name="wanjiru", files_dir=tmp_path / "files")
        if start:
            assert "You are Wanjiru." in await again.start()
        await ok(again, "/skills")
        assert again.prompt == "Wanjiru> "
        member = await session.bot.store.find_member(session.community, "wanjiru")
        assert member is not None and member.display_name == "Wanjiru"


# --------------------------------------------------------------------------------------- export


@pytest.mark.usefixtures("umask_022")
def test_console_exports_are_private_and_replace_earlier_ones_without_following_links(cli_env: Path) -> None:
    """Before: 0644 files in a 0755 folder, written through a symbolic link planted at their name."""
    db = cli_env / "t.sqlite3"
    script = "/admin on\n/mentor-admin export\n"
    out = console("--db", str(db), "--files", "files", script=script)
    folder = cli_env / "files" / "guest"
    assert out.count("📎") == 5 and str(Path("files") / "guest" / "members.csv") in out
    assert sorted(p.name for p in folder.iterdir()) == EXPORTED  # no temporary file left behind
    assert {name: mode(folder / name) for name in EXPORTED} == dict.fromkeys(EXPORTED, 0o600)
    assert mode(folder) == 0o700 and mode(cli_env / "files") == 0o700

    first = (folder / "members.csv").read_bytes()
    (folder / "members.csv").write_bytes(b"edited")
    victim = cli_env / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    (folder / "offers.csv").unlink()
    (folder / "offers.csv").symlink_to(victim)
    console("--db", str(db), "--files", "files", script=script)
    assert (folder / "members.csv").read_bytes() == first, "an export again replaces the earlier file"
    assert victim.read_text(encoding="utf-8") == "precious", "never written through a link"
    assert not (folder / "offers.csv").is_symlink() and mode(folder / "offers.csv") == 0o600
    assert sorted(p.name for p in folder.iterdir()) == EXPORTED

    console("--db", str(db), script=script)  # the default folder: the database's console folder
    default = cli_env / "t.sqlite3.console" / "guest"
    assert mode(default) == 0o700 and mode(default / "members.csv") == 0o600


# ---------------------------------------------------------------------------- ?timeout=5 in the URL


def test_a_sqlite_url_with_options_names_its_file(cli_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Before: the state folder was ``q.sqlite3?timeout=5.console``, the header showed ``?timeout=5`` and the file
    was taken for a new database at every start, so the clock went back to the real time."""
    url = f"sqlite:///{cli_env / 'q.sqlite3'}?timeout=5"
    assert state_dir(console_settings(cli_env, database_url=url)) == cli_env / "q.sqlite3.console"
    assert describe_database(url) == str(cli_env / "q.sqlite3")
    monkeypatch.setenv("MENTORBOT_DATABASE_URL", url)
    first = console(script="/clock +48h\n")
    assert first.splitlines()[0].endswith(f"database {cli_env / 'q.sqlite3'}")
    assert "ahead of real time by 2d" in console(script="/clock\n")
    assert (cli_env / "q.sqlite3.console" / OFFSET_FILE).exists()
    assert sorted(p.name for p in cli_env.iterdir()) == ["q.sqlite3", "q.sqlite3.console"]


# ---------------------------------------------------------------------------------- closed stdin


def test_a_closed_stdin_is_empty_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``mentorbot console <&-``: Python's sys.stdin is None. Before: AttributeError on its isatty()."""
    monkeypatch.setattr(sys, "stdin", None)
    out, err = io.StringIO(), io.StringIO()
    status = run_console(console_settings(tmp_path), stdout=out, stderr=err, base_clock=ManualClock())
    assert status == 0, err.getvalue()
    assert out.getvalue().startswith("MentorBot console") and "You are guest." in out.getvalue()
    assert err.getvalue() == ""


def _process(
    tmp_path: Path, *args: str, encoding: str = "utf-8", script: bytes | None = None, close_stdin: bool = False
) -> subprocess.CompletedProcess[bytes]:
    """``mentorbot console --db db.sqlite3 ARGS`` in a process of its own writing `encoding`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MENTORBOT_")}
    return subprocess.run(
        [sys.executable, "-m", "mentorbot.cli", "console", "--db", str(tmp_path / "db.sqlite3"), *args],
        input=script,
        preexec_fn=(lambda: os.close(0)) if close_stdin else None,
        capture_output=True,
        cwd=tmp_path,
        env={**env, "PYTHONIOENCODING": encoding},
        timeout=60,
        check=False,
    )


@pytest.mark.skipif(sys.platform == "win32", reason="closes file descriptor 0 in the child")
def test_the_console_with_stdin_closed_shows_its_header_and_exits_0(tmp_path: Path) -> None:
    done = _process(tmp_path, close_stdin=True)
    assert done.returncode == 0, done.stderr
    assert b"You are guest." in done.stdout and done.stderr == b""


# ------------------------------------------------------------------------ an output that lacks characters


@pytest.mark.parametrize("encoding", ["ascii", "cp1252"])
def test_an_output_that_cannot_encode_every_character_gets_a_question_mark(tmp_path: Path, encoding: str) -> None:
    """Windows writes cp1252 to a pipe: before, the welcome line's "·" (ascii) or the first 📎 (cp1252) stopped
    the console with a UnicodeEncodeError."""
    done = _process(tmp_path, "--as", "Zoë", encoding=encoding, script=b"/admin on\n/mentor-admin export\n")
    assert done.returncode == 0, done.stderr
    assert b"Traceback" not in done.stderr
    out = done.stdout.decode(encoding)
    assert out.count("? members.csv") == 1 and out.count("saved to") == 5
    assert ("Zo?" if encoding == "ascii" else "Zoë") + " [admin]> /mentor-admin export" in out


def test_a_utf8_output_is_written_as_it_is(tmp_path: Path) -> None:
    done = _process(tmp_path, "--as", "Zoë", script=b"/admin on\n/mentor-admin export\n")
    assert done.returncode == 0, done.stderr
    out = done.stdout.decode("utf-8")
    assert "MentorBot console · community “console”" in out and "📎 members.csv" in out and "Zoë> " in out
