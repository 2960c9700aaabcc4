"""Command-line defects of the session-30 CLI hunt (reproductions: /tmp/hunt/cli/).

- ``MENTORBOT_ADMIN_IDS=["U0123ABC","U0456DEF"]``, pydantic-settings' own form for a list, was read as two ids
  nobody has (``["U0123ABC"`` and ``"U0456DEF"]``): ``config check`` said ok and nobody was an admin. A JSON list
  is now read as a list (the Discord id lists too), and text with a bracket or a quote that is no JSON list is
  refused in one line naming the setting.
- ``admin import-mentors`` showed one bar, over the checking of the rows, that reached 100% long before the end:
  reading the current profiles and the write (most of the time) ran with nothing said. Each phase now has its line.
- A broken skills file made ``config check`` exit 1 where ``run``, the console and the admin commands exit 2.
- A CSV field over the csv module's limit (131,072 characters) stopped the import's row count with
  ``error: field larger than field limit`` and no line, exit 2; it is now the import's refusal, with its line,
  exit 1.
- The console's script mode exited 0 when the files an export gave could not be saved (``--files /proc/nope``).
"""

from __future__ import annotations

import asyncio
import io
import os
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from click.testing import CliRunner

from mentorbot.cli import main
from mentorbot.i18n import translator
from mentorbot.settings import ADMIN_IDS_EXPECTED, NUMBERS_EXPECTED, SettingsError, load_settings
from mentorbot.storage.store import Store
from mentorbot_console.repl import run_console
from tests.conftest import POSTGRES_URL, require_postgres
from tests.console.conftest import console_settings

EN = translator("en")

GOOD_CSV = "user_id,name,skills\nwanjiru,Wanjiru,seo\nbaraka,Baraka,paid-social\n"


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """An empty working folder, no MENTORBOT_* variable and no .env; ``run``'s process-wide logging kept out."""
    for name in list(os.environ):
        if name.upper().startswith("MENTORBOT_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("mentorbot.app.configure_logging", lambda settings: None)
    yield tmp_path


async def _schema(statement: str) -> None:
    admin = await asyncpg.connect(POSTGRES_URL)
    try:
        await admin.execute(statement)
    finally:
        await admin.close()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, cli_env: Path) -> Iterator[str]:
    """A database URL on each engine that does not exist yet: a SQLite file, or a fresh PostgreSQL schema (the
    search path of the URL) that is dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{cli_env / 'mentors.sqlite3'}"
        return
    schema = asyncio.run(require_postgres())
    asyncio.run(_schema(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{POSTGRES_URL}?search_path={schema}"
    finally:
        asyncio.run(_schema(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


# ------------------------------------------------------------------------------------ 5. list settings


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ('["U0123ABC","U0456DEF"]', ["U0123ABC", "U0456DEF"]),
        ('[ "U0123ABC" , " U0456DEF " ]', ["U0123ABC", "U0456DEF"]),
        ('[123456789012345678, "U0123ABC"]', ["123456789012345678", "U0123ABC"]),
        ("[]", []),
        ("U0123ABC, U0456DEF,", ["U0123ABC", "U0456DEF"]),
    ],
)
def test_admin_ids_read_a_json_list_as_a_list(cli_env: Path, written: str, expected: list[str]) -> None:
    (cli_env / ".env").write_text(f"MENTORBOT_ADMIN_IDS={written}\n", encoding="utf-8")
    assert load_settings().admin_ids == expected


@pytest.mark.parametrize(
    "written",
    ["[U0123ABC,U0456DEF]", '"U0123ABC","U0456DEF"', "['U0123ABC','U0456DEF']", '[["U0123ABC"]]', "[true]", "[U1"],
)
def test_admin_ids_with_brackets_or_quotes_that_are_no_json_list_are_refused(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch, written: str
) -> None:
    monkeypatch.setenv("MENTORBOT_ADMIN_IDS", written)
    with pytest.raises(SettingsError) as info:
        load_settings(env_file=None)
    assert str(info.value) == f"MENTORBOT_ADMIN_IDS: {ADMIN_IDS_EXPECTED}"
    assert written not in str(info.value)


def test_config_check_reads_the_json_list_of_the_hunt(cli_env: Path) -> None:
    """The hunt's ``.env``: before, ``config check`` printed the junk ids and said ok; nobody was an admin."""
    (cli_env / ".env").write_text('MENTORBOT_ADMIN_IDS=["U0123ABC","U0456DEF"]\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["config", "check"])
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if line.startswith("MENTORBOT_ADMIN_IDS"))
    assert line.split() == ["MENTORBOT_ADMIN_IDS", "U0123ABC,U0456DEF"]


def test_config_check_refuses_a_list_it_cannot_read_in_one_line(cli_env: Path) -> None:
    (cli_env / ".env").write_text("MENTORBOT_ADMIN_IDS=[U0123ABC,U0456DEF]\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["config", "check"])
    assert result.exit_code == 2, result.output
    assert result.output == f"error: MENTORBOT_ADMIN_IDS: {ADMIN_IDS_EXPECTED}\n"


@pytest.mark.parametrize("name", ["MENTORBOT_DISCORD__DEV_GUILD_IDS", "MENTORBOT_DISCORD__SHARD_IDS"])
def test_the_discord_id_lists_read_a_json_list_too(monkeypatch: pytest.MonkeyPatch, cli_env: Path, name: str) -> None:
    field = name.removeprefix("MENTORBOT_DISCORD__").lower()
    for written in ("[0, 1]", '["0", "1"]', "0,1"):
        monkeypatch.setenv(name, written)
        assert getattr(load_settings(env_file=None).discord, field) == [0, 1]
    monkeypatch.setenv(name, "[0, 1")
    with pytest.raises(SettingsError) as info:
        load_settings(env_file=None)
    assert str(info.value) == f"{name}: {NUMBERS_EXPECTED}"


# ------------------------------------------------------------------------------- 6. import phases


def test_import_says_each_phase_before_it_runs(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before: one bar, over the checking of the rows; then nothing while the profiles were read and written.
    Now the reading has its bar and the write its line, each on stderr before it starts; stdout is the done
    line alone (a pipe gets no progress)."""
    Path("m.csv").write_text(GOOD_CSV, encoding="utf-8")
    monkeypatch.setenv("MENTORBOT_DATABASE_URL", database_url)
    seen: dict[str, str] = {}
    find_member, import_mentors = Store.find_member, Store.import_mentors

    async def spy_find(self: Store, *args: object, **kwargs: object) -> object:
        seen.setdefault("reading", capsys.readouterr().err)
        return await find_member(self, *args, **kwargs)  # type: ignore[arg-type]

    async def spy_import(self: Store, *args: object, **kwargs: object) -> object:
        seen["writing"] = capsys.readouterr().err
        return await import_mentors(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Store, "find_member", spy_find)
    monkeypatch.setattr(Store, "import_mentors", spy_import)
    with pytest.raises(SystemExit) as exited:
        main(["admin", "import-mentors", "m.csv"], standalone_mode=False)
    assert exited.value.code == 0
    assert EN("cli.import.checking") in seen["reading"]
    assert EN("cli.import.comparing") in seen["reading"]
    assert seen["writing"].strip() == EN("cli.import.writing", count=2)
    rest = capsys.readouterr()
    assert rest.out.startswith(EN("cli.import.done", count=2, community="console"))
    assert len(rest.out.splitlines()) == 1
    assert rest.err == ""


def test_import_phases_on_a_terminal_end_with_the_write_said(tmp_path: Path, cli_env: Path) -> None:
    """On a terminal (stderr a pty, as in the hunt): the write's line comes after both bars reached 100%."""
    import pty
    import select
    import subprocess
    import sys

    Path("m.csv").write_text(GOOD_CSV, encoding="utf-8")
    master, slave = pty.openpty()
    command = [sys.executable, "-m", "mentorbot.cli", "admin", "import-mentors", "m.csv", "--db", "t.sqlite3"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    err = b""
    while True:
        ready, _, _ = select.select([master], [], [], 1.0)
        if ready:
            try:
                data = os.read(master, 4096)
            except OSError:
                break
            if not data:
                break
            err += data
        elif process.poll() is not None:
            break
    out, _ = process.communicate(timeout=60)
    os.close(master)
    assert process.returncode == 0, err.decode()
    text = err.decode()
    writing = text.index(EN("cli.import.writing", count=2))
    assert text.rindex(EN("cli.import.checking")) < text.rindex(EN("cli.import.comparing")) < writing
    assert "100%" in text[text.rindex(EN("cli.import.comparing")) : writing]
    assert out.decode().startswith(EN("cli.import.done", count=2, community="console"))


# ------------------------------------------------------------------------- 7a. one exit status


def test_config_check_exits_2_on_a_broken_skills_file_as_run_and_the_console_do(cli_env: Path) -> None:
    """Before: ``config check`` 1, ``run``, the console and the admin commands 2."""
    Path("bad.toml").write_text('[[skill]]\nslug="x"\n', encoding="utf-8")
    env = {"MENTORBOT_SKILLS_FILE": "bad.toml"}
    checked = CliRunner().invoke(main, ["config", "check"], env=env)
    assert checked.exit_code == 2, checked.output
    assert checked.output.splitlines()[-1].startswith("error: MENTORBOT_SKILLS_FILE: bad.toml")
    console = CliRunner().invoke(main, ["console", "--db", "c.sqlite3"], env=env, input="/quit\n")
    assert console.exit_code == 2, console.output
    Path("m.csv").write_text(GOOD_CSV, encoding="utf-8")
    imported = CliRunner().invoke(main, ["admin", "import-mentors", "m.csv", "--db", "m.sqlite3"], env=env)
    assert imported.exit_code == 2, imported.output


# ------------------------------------------------------------------------ 7b. a field over the limit


def test_a_field_over_the_csv_limit_is_refused_with_its_line(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: ``error: field larger than field limit (131072)``, no line, exit 2 (the row count failed)."""
    Path("huge.csv").write_text(
        'user_id,skills,bio\nwanjiru,seo,short\namina,seo,"' + "x" * 200_000 + '"\n', encoding="utf-8"
    )
    monkeypatch.setenv("MENTORBOT_DATABASE_URL", database_url)
    result = CliRunner().invoke(main, ["admin", "import-mentors", "huge.csv"])
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert lines[-2] == "line 3: " + EN("cli.import.field_too_long", limit=131072), "no 'quote left open'"
    assert lines[-1] == EN("cli.import.failed", count=1, file="huge.csv")
    assert "Traceback" not in result.output


# ------------------------------------------------------------------ 7d. console files that cannot be saved


def test_console_script_exits_1_when_an_export_cannot_be_saved(database_url: str, tmp_path: Path) -> None:
    """Before: each file said "could not be saved", and the script exited 0 as if it had done what it asked."""
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    settings = console_settings(tmp_path, database_url=database_url)
    out, err = io.StringIO(), io.StringIO()
    script = io.StringIO("/admin on\n/mentor-admin export\n/skills\n")
    status = run_console(settings, stdin=script, stdout=out, stderr=err, interactive=False, files_dir=blocker / "x")
    assert status == 1, out.getvalue()
    assert "members.csv could not be saved" in out.getvalue()
    assert err.getvalue() == EN("console.script_unsaved", count=1, lines="2") + "\n"


def test_console_script_that_saved_its_files_exits_0(database_url: str, tmp_path: Path) -> None:
    settings = console_settings(tmp_path, database_url=database_url)
    out, err = io.StringIO(), io.StringIO()
    script = io.StringIO("/admin on\n/mentor-admin export\n")
    status = run_console(settings, stdin=script, stdout=out, stderr=err, interactive=False, files_dir=tmp_path / "f")
    assert status == 0, out.getvalue() + err.getvalue()
    assert (tmp_path / "f" / "guest" / "members.csv").exists()
    assert err.getvalue() == ""
