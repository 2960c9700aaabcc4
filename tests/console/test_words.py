"""Issue 14, "Words", in the console: no Markdown backticks, "commands start with /", a database named without
credentials, a clock and files per database, and a notification framed in its recipient's language."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from mentorbot.clock import ManualClock
from mentorbot_console.repl import OFFSET_FILE, describe_database, run_console, state_dir
from mentorbot_console.session import ConsoleSession
from tests.console.conftest import console_settings, console_translator, ok, refused


def _run(tmp_path: Path, db: str, script: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    settings = console_settings(tmp_path, database_url=f"sqlite:///{tmp_path / db}")
    run_console(
        settings, stdin=io.StringIO(script), stdout=out, stderr=err, interactive=False, base_clock=ManualClock()
    )
    return out.getvalue()


async def test_backticks_are_not_printed(session: ConsoleSession) -> None:
    out = await refused(session, "/as")
    assert out == "Say who to act as, for example /as amina."
    help_text = await ok(session, "/help")
    assert "`" not in help_text
    assert "`" not in await ok(session, "/courses")


@pytest.mark.parametrize(("lang", "line"), [("en", "hello"), ("sw", "habari yako"), ("en", "seo please")])
async def test_a_line_without_a_slash_is_told_how_commands_look(session: ConsoleSession, lang: str, line: str) -> None:
    await ok(session, f"/mentor language {lang}")
    out = await refused(session, line)
    assert out == console_translator(lang)("console.no_slash")
    assert "/hello" not in out
    assert "quit" not in await ok(session, "mentor status")  # a known command typed without its slash still runs


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "postgresql://bot:s3cret@db.example:5432/mentorbot?sslpassword=x&application_name=y",
            "postgresql://db.example:5432/mentorbot",
        ),
        ("postgresql://bot@10.0.0.2/prod", "postgresql://10.0.0.2/prod"),
        ("sqlite:///data/mentorbot.sqlite3", "data/mentorbot.sqlite3"),
        ("sqlite:///:memory:", ":memory:"),
    ],
)
def test_the_header_never_shows_credentials(url: str, shown: str) -> None:
    assert describe_database(url) == shown


def test_the_welcome_names_the_file_not_the_url(tmp_path: Path) -> None:
    out = _run(tmp_path, "a.sqlite3", "/quit\n")
    assert f"database {tmp_path / 'a.sqlite3'}" in out.splitlines()[0]
    assert "sqlite://" not in out


def test_each_database_keeps_its_own_clock_and_files(tmp_path: Path) -> None:
    _run(tmp_path, "a.sqlite3", "/clock +36d\n/as admin\n/admin on\n/mentor-admin export\n")
    first = state_dir(console_settings(tmp_path, database_url=f"sqlite:///{tmp_path / 'a.sqlite3'}"))
    assert (first / OFFSET_FILE).exists() and (first / "admin" / "members.csv").exists()
    fresh = _run(tmp_path, "b.sqlite3", "/clock\n")
    assert "ahead of real time by 0m" in fresh, "a new database in the same folder starts at the real time"
    assert not (tmp_path / "b.sqlite3.console" / "admin").exists()
    again = _run(tmp_path, "a.sqlite3", "/clock\n")
    assert "ahead of real time by 36d" in again


def test_a_new_database_with_an_old_name_starts_at_the_real_time(tmp_path: Path) -> None:
    _run(tmp_path, "a.sqlite3", "/clock +5d\n")
    (tmp_path / "a.sqlite3").unlink()
    assert "ahead of real time by 0m" in _run(tmp_path, "a.sqlite3", "/clock\n")


async def test_a_notification_is_framed_in_its_recipients_language(session: ConsoleSession) -> None:
    """A Swahili requester, an English mentor: the offer the mentor gets, its buttons' hints and the console's
    instructions are all English; the requester's own reply is Swahili."""
    await ok(session, "/as baraka")
    await ok(session, "/mentor signup skills:seo")
    await ok(session, "/as amina")
    await ok(session, "/mentor language sw")
    out = await ok(session, "/mentor request skills:seo note:Nahitaji msaada: matangazo")
    mine, _, theirs = out.partition("→")
    en, sw = console_translator("en"), console_translator("sw")
    assert mine.startswith("Ombi #1")
    assert theirs.startswith(en("console.to", name="baraka").removeprefix("→"))
    assert en("commands.or_command", command="/mentor accept 1") in theirs
    assert en("console.click_hint") in theirs
    assert sw("console.click_hint") not in theirs and "au /mentor" not in theirs
    assert "Nahitaji msaada: matangazo" in theirs, "a note with a colon is one note"


def test_state_dir_is_per_server_database() -> None:
    one = state_dir(console_settings(Path("/tmp"), database_url="postgresql://u:p@h:5432/one"))
    two = state_dir(console_settings(Path("/tmp"), database_url="postgresql://u:p@h:5432/two"))
    assert one != two and "p@" not in str(one)
