"""A command whose output stream cannot write every character (cp1252, as Windows has when output goes to a pipe
or a file) writes ``?`` for what it lacks instead of stopping with a traceback (a CLI hunt, session 39: `db copy`
stopped at its first ``✓`` with exit status 1, after committing the copy)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from mentorbot.cli import main

SCRIPT = "from mentorbot.cli import main; main()"


def mentorbot(*args: str, cwd: Path, encoding: str) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("MENTORBOT_")}
    env["PYTHONIOENCODING"] = encoding
    return subprocess.run([sys.executable, "-c", SCRIPT, *args], cwd=cwd, env=env, capture_output=True, check=False)


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "source.sqlite3"
    script = "/as Amina\n/mentor request skills:seo note:help\n"
    result = CliRunner().invoke(main, ["console", "--db", str(path)], input=script)
    assert result.exit_code == 0, result.output
    return path


def test_db_copy_to_a_cp1252_pipe_finishes_with_its_lines(tmp_path: Path, source: Path) -> None:
    target = tmp_path / "target.sqlite3"
    copied = mentorbot(
        "db", "copy", "--from", f"sqlite:///{source}", "--to", f"sqlite:///{target}", cwd=tmp_path, encoding="cp1252"
    )
    assert copied.returncode == 0, copied.stderr.decode("cp1252", "replace")
    assert b"Traceback" not in copied.stderr
    assert b"members: " in copied.stdout and b"checksum" in copied.stdout


def test_a_utf8_stream_is_left_as_it_is(tmp_path: Path, source: Path) -> None:
    target = tmp_path / "target.sqlite3"
    copied = mentorbot(
        "db", "copy", "--from", f"sqlite:///{source}", "--to", f"sqlite:///{target}", cwd=tmp_path, encoding="utf-8"
    )
    assert copied.returncode == 0, copied.stderr.decode()
    assert "✓" in copied.stdout.decode("utf-8")
