"""The files `mentorbot admin export DIR` and `admin stats --chart FILE` write (a security hunt, session 32): never
through a symbolic link planted at their name, never over an earlier export, readable by their owner only (0600)
whatever the umask; a chart that cannot be drawn is said, not silently missing."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from mentorbot import charts
from mentorbot.cli import main, write_private
from tests.console.conftest import console_translator as translator

EXPORTED = ["feedback.csv", "members.csv", "mentorships.csv", "offers.csv", "requests.csv"]
en = translator("en")


@pytest.fixture
def umask_022() -> Iterator[None]:
    """The usual umask, under which a plain write leaves files readable by everyone (0644)."""
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.fixture
def db(cli_env: Path) -> Path:
    """A console database with a member, a request and a waiting reason."""
    path = cli_env / "admin.sqlite3"
    script = "/as Amina\n/mentor request skills:seo note:help\n"
    assert CliRunner().invoke(main, ["console", "--db", str(path)], input=script).exit_code == 0
    return path


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


@pytest.mark.usefixtures("umask_022")
def test_export_files_are_readable_by_their_owner_only(cli_env: Path, db: Path) -> None:
    """Before: 0644 under umask 022: every account on the machine could read the members' data."""
    result = CliRunner().invoke(main, ["admin", "export", "out", "--db", str(db)])
    assert result.exit_code == 0, result.output
    out = cli_env / "out"
    assert sorted(p.name for p in out.iterdir()) == EXPORTED  # no temporary file left behind
    assert {name: mode(out / name) for name in EXPORTED} == dict.fromkeys(EXPORTED, 0o600)
    assert mode(out) == 0o700  # the folder it made
    assert "Amina" in (out / "members.csv").read_text(encoding="utf-8-sig")


def test_export_never_writes_through_a_planted_symbolic_link(cli_env: Path, db: Path) -> None:
    """Before: a members.csv symlink planted in DIR had its target overwritten with the members' data."""
    victim = cli_env / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    out = cli_env / "out"
    out.mkdir()
    (out / "members.csv").symlink_to(victim)
    result = CliRunner().invoke(main, ["admin", "export", "out", "--db", str(db)])
    assert result.exit_code == 1
    assert en("cli.export.exists", file=Path("out") / "members.csv") in result.stderr  # the folder as typed
    assert victim.read_text(encoding="utf-8") == "precious"
    assert (out / "members.csv").is_symlink()
    assert sorted(p.name for p in out.iterdir()) == ["members.csv"]  # nothing else written either


def test_export_does_not_write_over_an_earlier_export(cli_env: Path, db: Path) -> None:
    """Writing over files was never documented (docs/console.md): a second export into the same folder is refused,
    and the first one stays as it was."""
    assert CliRunner().invoke(main, ["admin", "export", "out", "--db", str(db)]).exit_code == 0
    out = cli_env / "out"
    before = {name: (out / name).read_bytes() for name in EXPORTED}
    (out / "offers.csv").write_bytes(b"edited by the admin")
    again = CliRunner().invoke(main, ["admin", "export", "out", "--db", str(db)])
    assert again.exit_code == 1
    assert en("cli.export.exists", file=Path("out") / "members.csv") in again.stderr
    assert (out / "offers.csv").read_bytes() == b"edited by the admin"
    assert (out / "members.csv").read_bytes() == before["members.csv"]
    assert CliRunner().invoke(main, ["admin", "export", "out2", "--db", str(db)]).exit_code == 0


@pytest.mark.usefixtures("umask_022")
def test_a_chart_replaces_a_planted_symbolic_link_instead_of_writing_through_it(cli_env: Path, db: Path) -> None:
    victim = cli_env / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    chart = cli_env / "chart.png"
    chart.symlink_to(victim)
    result = CliRunner().invoke(main, ["admin", "stats", "--db", str(db), "--chart", str(chart)])
    assert result.exit_code == 0, result.output
    assert victim.read_text(encoding="utf-8") == "precious"
    assert not chart.is_symlink() and chart.read_bytes().startswith(b"\x89PNG")
    assert mode(chart) == 0o600
    assert sorted(p.name for p in cli_env.iterdir() if p.name.startswith(".chart")) == []


def test_a_chart_replaces_an_earlier_chart(cli_env: Path, db: Path) -> None:
    """`mentorbot admin stats --chart docs/images/stats-supply.png` makes the picture again (docs/insight.md)."""
    chart = cli_env / "chart.png"
    chart.write_bytes(b"an earlier chart")
    result = CliRunner().invoke(main, ["admin", "stats", "--db", str(db), "--chart", str(chart)])
    assert result.exit_code == 0, result.output
    assert chart.read_bytes().startswith(b"\x89PNG") and mode(chart) == 0o600


def test_a_chart_that_cannot_be_drawn_is_said_and_the_numbers_still_printed(
    cli_env: Path, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: the drawing's error stopped the command with no numbers printed."""

    def broken(data: charts.ChartData) -> bytes:
        raise ValueError("cannot lay this out")

    monkeypatch.setattr(charts, "render_png", broken)
    monkeypatch.setattr("mentorbot.app.configure_logging", lambda settings: None)
    chart = cli_env / "chart.png"
    result = CliRunner().invoke(main, ["admin", "stats", "--db", str(db), "--chart", str(chart)])
    assert result.exit_code == 1
    assert en("insight.supply_title") in result.stdout and en("insight.chart_undrawn") in result.stdout
    assert en("cli.stats.chart_undrawn", file=chart) in result.stderr
    assert not chart.exists()


@pytest.mark.usefixtures("umask_022")
def test_write_private_on_a_file_system_without_hard_links(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_links(source: str, target: object) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    path = tmp_path / "members.csv"
    write_private(path, b"data", replace=False)
    assert path.read_bytes() == b"data" and mode(path) == 0o600
    with pytest.raises(FileExistsError):
        write_private(path, b"other", replace=False)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    planted = tmp_path / "offers.csv"
    planted.symlink_to(victim)
    with pytest.raises(FileExistsError):
        write_private(planted, b"other", replace=False)
    assert victim.read_text(encoding="utf-8") == "precious" and path.read_bytes() == b"data"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["members.csv", "offers.csv", "victim.txt"]
