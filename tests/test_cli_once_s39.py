"""Session 39 (docs hunt): a skills or courses file the one-off admin commands cannot load is told once.

``MENTORBOT_SKILLS_FILE=/nope mentorbot admin stats`` printed the problem twice: ``open_bot``'s log line ("cannot load
MENTORBOT_SKILLS_FILE: …"), which reached the terminal through Python's last-resort handler (these commands set up
no logging), then the command's own ``error:`` line. Same for ``admin export`` and ``admin forget``. Now the log line
is written only where a log is set up (``mentorbot run``, a Slack worker, the console's log file), and the one-off
commands print the ``error:`` line alone.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from mentorbot.app import open_bot
from mentorbot.cli import main
from mentorbot.errors import ConfigFileError
from mentorbot.settings import load_settings

pytestmark = pytest.mark.usefixtures("clean_env")


@contextmanager
def no_logging_set_up() -> Iterator[None]:
    """Logging as a one-off ``mentorbot`` command has it: no handler anywhere (pytest's own taken off for a while),
    so a record would go to Python's last-resort handler, i.e. the terminal's stderr."""
    taken: list[tuple[logging.Logger, logging.Handler]] = []
    for logger in (logging.getLogger(), logging.getLogger("mentorbot")):
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
            taken.append((logger, handler))
    try:
        yield
    finally:
        for logger, handler in taken:
            logger.addHandler(handler)


@pytest.fixture
def database(clean_env: Path) -> Path:
    db = clean_env / "bot.sqlite3"
    made = CliRunner().invoke(main, ["db", "upgrade", "--database", f"sqlite:///{db}"])
    assert made.exit_code == 0, made.output
    return db


COMMANDS = {
    "stats": ["admin", "stats"],
    "export": ["admin", "export", "out"],
    "forget": ["admin", "forget", "wanjiru", "--yes"],
}


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize(("setting", "variable"), [("skills", "SKILLS"), ("courses", "COURSES")])
def test_a_one_off_admin_command_names_a_missing_file_once(
    clean_env: Path, database: Path, monkeypatch: pytest.MonkeyPatch, command: str, setting: str, variable: str
) -> None:
    missing = clean_env / f"no-{setting}.toml"
    monkeypatch.setenv(f"MENTORBOT_{variable}_FILE", str(missing))
    with no_logging_set_up():
        result = CliRunner().invoke(main, [*COMMANDS[command], "--db", str(database)])
    assert result.exit_code == 2, result.output
    naming = [line for line in result.output.splitlines() if str(missing) in line]
    assert naming == [f"error: MENTORBOT_{variable}_FILE: {missing}: cannot read the file (No such file or directory)"]
    assert "cannot load" not in result.output


async def test_where_a_log_is_set_up_the_log_line_stays(clean_env: Path, caplog: pytest.LogCaptureFixture) -> None:
    """``mentorbot run`` (and a Slack worker) configure logging first: their log keeps the line, led by the setting."""
    missing = clean_env / "nowhere.toml"
    settings = load_settings(env_file=None, skills_file=missing, database_url=f"sqlite:///{clean_env / 'b.sqlite3'}")
    with caplog.at_level(logging.ERROR, logger="mentorbot"), pytest.raises(ConfigFileError):
        async with open_bot(settings):
            pass
    assert caplog.messages == [
        f"cannot load MENTORBOT_SKILLS_FILE: {missing}: cannot read the file (No such file or directory)"
    ]


def test_mentorbot_run_keeps_both_lines(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The log line (for the journal) and the one line ``run`` ends with."""
    missing = clean_env / "nowhere.toml"
    monkeypatch.setenv("MENTORBOT_SKILLS_FILE", str(missing))
    monkeypatch.setenv("MENTORBOT_DATABASE_URL", f"sqlite:///{clean_env / 'run.sqlite3'}")
    monkeypatch.setenv("MENTORBOT_DISCORD__TOKEN", "not-used-the-file-is-read-first")
    logged: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            logged.append(record)

    keep = Keep()
    monkeypatch.setattr("mentorbot.app.configure_logging", lambda settings: logging.getLogger().addHandler(keep))
    try:
        with no_logging_set_up():
            result = CliRunner().invoke(main, ["run"])
    finally:
        logging.getLogger().removeHandler(keep)
    assert result.exit_code == 2, result.output
    assert result.output.splitlines()[-1] == (
        f"error: MENTORBOT_SKILLS_FILE: {missing}: cannot read the file (No such file or directory)"
    )
    assert [r.getMessage() for r in logged if r.levelno >= logging.ERROR] == [
        f"cannot load MENTORBOT_SKILLS_FILE: {missing}: cannot read the file (No such file or directory)"
    ]
