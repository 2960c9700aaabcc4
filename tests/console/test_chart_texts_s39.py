"""`mentorbot admin stats --chart FILE` says the chart written, or the file it could not write, in the configured
language with the CLI's own prefix (a CLI hunt, session 39: "Error: cannot write …" and "chart: FILE", English
in every language)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from mentorbot.cli import main
from tests.console.test_export_files_s32 import db

__all__ = ["db"]  # the fixture, used by name


def test_a_chart_that_cannot_be_written_is_said_in_swahili(
    cli_env: Path, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MENTORBOT_DEFAULT_LANGUAGE", "sw")
    (cli_env / "afile").write_text("not a folder", encoding="utf-8")
    chart = cli_env / "afile" / "chart.png"
    result = CliRunner().invoke(main, ["admin", "stats", "--db", str(db), "--chart", str(chart)])
    assert result.exit_code == 1, result.output
    assert f"hitilafu: Siwezi kuandika chati katika {chart}: Not a directory" in result.output
    assert "Error:" not in result.output


def test_a_chart_written_is_said_in_swahili(cli_env: Path, db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MENTORBOT_DEFAULT_LANGUAGE", "sw")
    chart = cli_env / "chart.png"
    result = CliRunner().invoke(main, ["admin", "stats", "--db", str(db), "--chart", str(chart)])
    assert result.exit_code == 0, result.output
    assert f"Chati imeandikwa katika {chart}." in result.output
