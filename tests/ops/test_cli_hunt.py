"""Command-line defects a hunt found: each command says what went wrong about the right thing, and leaves nothing
behind when it did nothing.

- ``admin import-mentors`` checks its file before it opens the database: a file that imports nothing creates no
  database at a mistyped ``--db``; the done line names the database written (and says when it was new).
- ``config check`` refuses what ``mentorbot run`` refuses (the adapters' own checks: `AdapterSpec.check`), in the
  same line, and ``run`` refuses it before it opens the database.
- A taken ``MENTORBOT_METRICS_PORT`` is named, not blamed on an adapter; a broken courses or skills file in the
  console is named, not blamed on the database; a URL given as ``--database``, ``--from`` or ``--to`` is checked
  as ``MENTORBOT_DATABASE_URL`` is and named after its option, without echoing its password.
"""

from __future__ import annotations

import errno
import io
import os
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from mentorbot import runners
from mentorbot.cli import main
from mentorbot.i18n import translator
from mentorbot.runners import AdapterSpec
from mentorbot.settings import Settings, SettingsError, load_settings
from mentorbot_console.repl import run_console

EN = translator("en")

GOOD_CSV = "user_id,name,skills\nwanjiru,Wanjiru,seo\nbaraka,Baraka,paid-social\n"
BAD_CSV = "user_id,skills\nx,crisis comunications\nz,\n"


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """An empty working folder, no MENTORBOT_* variable and no .env; the process-wide logging set-up of ``run``
    kept out (it would outlive CliRunner's captured stderr)."""
    for name in list(os.environ):
        if name.startswith("MENTORBOT_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("mentorbot.app.configure_logging", lambda settings: None)
    yield tmp_path


@pytest.fixture
def idle_adapter(cli_env: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., AdapterSpec]:
    """Makes the spec of an adapter whose runner waits until cancelled, with the `check` hook given."""
    module = cli_env / "mods" / "hunt_idle_adapter" / "runner.py"
    module.parent.mkdir(parents=True)
    (module.parent / "__init__.py").write_text("", encoding="utf-8")
    module.write_text(
        "import asyncio\n\n\nasync def run(bot, settings, *, dispatcher=None):\n    await asyncio.Event().wait()\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(cli_env / "mods"))

    def spec(check: Callable[[Settings], None] | None = None) -> AdapterSpec:
        return AdapterSpec("fake", "hunt_idle_adapter.runner", "fake:", "MENTORBOT_FAKE__TOKEN", lambda s: True, check)

    return spec


def sqlite_leftovers(path: Path) -> list[Path]:
    """The database file and its WAL companions that exist."""
    return [p for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()]


# ------------------------------------------------------------------------------------- import-mentors


@pytest.mark.parametrize("content", [BAD_CSV, "user_id,skills\n"], ids=["bad rows", "no rows"])
def test_import_that_imports_nothing_creates_no_database(cli_env: Path, content: str) -> None:
    (cli_env / "m.csv").write_text(content, encoding="utf-8")
    typo = cli_env / "typo.sqlite3"
    result = CliRunner().invoke(main, ["admin", "import-mentors", "m.csv", "--db", str(typo)])
    assert result.exit_code == 1
    assert "nothing" in result.output  # "nothing was imported" / "nothing to import"
    assert sqlite_leftovers(typo) == []


def test_import_names_the_database_it_wrote_and_whether_it_was_new(cli_env: Path) -> None:
    (cli_env / "m.csv").write_text(GOOD_CSV, encoding="utf-8")
    db = cli_env / "mentors.sqlite3"
    database = f"sqlite:///{db}"
    first = CliRunner().invoke(main, ["admin", "import-mentors", "m.csv", "--db", str(db)])
    assert first.exit_code == 0, first.output
    done = EN("cli.import.done", count=2, community="console")
    assert f"{done} {EN('cli.import.new_database', database=database)}\n" in first.output
    again = CliRunner().invoke(main, ["admin", "import-mentors", "m.csv", "--db", str(db)])
    assert again.exit_code == 0, again.output
    assert f"{done} {EN('cli.import.database', database=database)}\n" in again.output


# --------------------------------------------------------------------------------- config check = run


@pytest.mark.parametrize(
    ("env", "line"),
    [
        (
            {"MENTORBOT_SLACK__BOT_TOKEN": "xoxb-1"},
            "error: MENTORBOT_SLACK__APP_TOKEN: required in socket mode",
        ),
        (
            {"MENTORBOT_SLACK__BOT_TOKEN": "xoxb-1", "MENTORBOT_SLACK__MODE": "http"},
            "error: MENTORBOT_SLACK__SIGNING_SECRET: required in http mode",
        ),
        (
            {
                "MENTORBOT_DISCORD__TOKEN": "x",
                "MENTORBOT_DISCORD__SHARD_COUNT": "2",
                "MENTORBOT_DISCORD__SHARD_IDS": "5",
            },
            "error: MENTORBOT_DISCORD__SHARD_IDS: each shard id must be from 0 to 1",
        ),
    ],
    ids=["slack socket without app token", "slack http without signing secret", "discord shard out of range"],
)
def test_config_check_refuses_what_run_refuses_in_the_same_line(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch, env: dict[str, str], line: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    db = cli_env / "run.sqlite3"
    monkeypatch.setenv("MENTORBOT_DATABASE_URL", f"sqlite:///{db}")
    checked = CliRunner().invoke(main, ["config", "check"])
    assert checked.exit_code == 2, checked.output
    last = checked.output.splitlines()[-1]
    assert last.startswith(line)
    assert "ok:" not in checked.output
    ran = CliRunner().invoke(main, ["run"])
    assert ran.exit_code == 2, ran.output
    assert ran.output.splitlines()[-1] == last
    assert sqlite_leftovers(db) == []  # refused before the database was opened (and migrated)
    assert "xoxb-1" not in checked.output + ran.output


def test_config_check_passes_settings_the_adapters_take(cli_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MENTORBOT_SLACK__BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("MENTORBOT_SLACK__APP_TOKEN", "xapp-1")
    monkeypatch.setenv("MENTORBOT_DISCORD__TOKEN", "x")
    monkeypatch.setenv("MENTORBOT_DISCORD__SHARD_COUNT", "2")
    monkeypatch.setenv("MENTORBOT_DISCORD__SHARD_IDS", "1")
    result = CliRunner().invoke(main, ["config", "check"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1].startswith("ok: ")


def test_config_check_runs_an_adapter_specs_check_hook(
    idle_adapter: Callable[..., AdapterSpec], monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[Settings] = []

    def refuse(settings: Settings) -> None:
        seen.append(settings)
        raise SettingsError("MENTORBOT_FAKE__THING: not like that")

    monkeypatch.setattr(runners, "adapters", lambda: (idle_adapter(refuse),))
    result = CliRunner().invoke(main, ["config", "check"])
    assert result.exit_code == 2, result.output
    assert result.output.splitlines()[-1] == "error: MENTORBOT_FAKE__THING: not like that"
    assert len(seen) == 1


# ---------------------------------------------------------------------------------------- metrics port


def test_a_taken_metrics_port_is_named_not_blamed_on_an_adapter(
    cli_env: Path, idle_adapter: Callable[..., AdapterSpec], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runners, "adapters", lambda: (idle_adapter(),))
    monkeypatch.setenv("MENTORBOT_DATABASE_URL", f"sqlite:///{cli_env / 'run.sqlite3'}")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        monkeypatch.setenv("MENTORBOT_METRICS_PORT", str(port))
        result = CliRunner().invoke(main, ["run"])
    assert result.exit_code == 1, result.output  # a port still held may free up: a service manager restarts it
    problem = EN("cli.run.metrics_port", host="127.0.0.1", port=port, reason=os.strerror(errno.EADDRINUSE))
    assert result.output.splitlines()[-1] == EN("cli.error", reason=problem)
    assert "MENTORBOT_METRICS_PORT" in problem and str(port) in problem
    assert EN("cli.run.failed") not in result.output
    assert "Traceback" not in result.output


# ------------------------------------------------------------------------------------ console config file


def broken_copy(source: Path, target: Path, old: str, new: str) -> Path:
    text = source.read_text(encoding="utf-8")
    assert old in text
    target.write_text(text.replace(old, new, 1), encoding="utf-8")
    return target


@pytest.mark.parametrize("which", ["courses", "skills"])
def test_console_names_a_broken_courses_or_skills_file_not_the_database(tmp_path: Path, which: str) -> None:
    shipped = load_settings(env_file=None)
    db = tmp_path / "console.sqlite3"
    if which == "courses":
        broken = broken_copy(shipped.courses_file, tmp_path / "c1.toml", 'level = "beginner"', 'level = "guru"')
        settings = load_settings(env_file=None, database_url=f"sqlite:///{db}", courses_file=broken)
    else:
        broken = broken_copy(shipped.skills_file, tmp_path / "s1.toml", 'category = "strategy"', "")
        settings = load_settings(env_file=None, database_url=f"sqlite:///{db}", skills_file=broken)
    err = io.StringIO()
    status = run_console(settings, stdin=io.StringIO("/quit\n"), stdout=io.StringIO(), stderr=err, interactive=False)
    assert status == 2
    said = err.getvalue().strip()
    assert said.startswith(EN(f"console.bad_{which}_file", reason="").partition(":")[0])
    assert f"MENTORBOT_{which.upper()}_FILE" in said
    assert str(broken) in said
    assert "database" not in said
    assert sqlite_leftovers(db) == []


# ------------------------------------------------------------------------------ URLs on the command line


def test_simulate_names_its_database_option(cli_env: Path) -> None:
    result = CliRunner().invoke(main, ["simulate", "--days", "2", "--database", "mysql://x"])
    assert result.exit_code == 2
    assert result.output.startswith("error: --database: expected sqlite:///")
    assert "MENTORBOT_DATABASE_URL" not in result.output


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["db", "copy", "--from", "postgresql://u:se#cret@h/db", "--to", "sqlite:///x.sqlite3"], "--from"),
        (["db", "copy", "--from", "sqlite:///x.sqlite3", "--to", "postgresql://u:se@cret@h/db"], "--to"),
        (["db", "copy", "--from", "sqlite:///x.sqlite3", "--to", "mysql://u:se#cret@h/db"], "--to"),
        (["db", "status", "--database", "postgresql://u:se/cret@h:5432/db"], "--database"),
        (["db", "upgrade", "--database", "postgresql://u:se?cret@h/db"], "--database"),
        (["simulate", "--days", "1", "--database", "postgresql://u:se#cret@h/db"], "--database"),
    ],
)
def test_a_malformed_url_option_is_refused_in_one_line_without_its_password(
    cli_env: Path, args: list[str], option: str
) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    lines = result.output.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {option}: ")
    assert "cret" not in result.output
    assert "Traceback" not in result.output
    assert sqlite_leftovers(cli_env / "x.sqlite3") == []
