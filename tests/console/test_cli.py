"""The ``mentorbot`` command line: the console as a real process, ``run`` without tokens, the admin tools."""

from __future__ import annotations

import asyncio
import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from mentorbot import runners
from mentorbot.app import open_bot
from mentorbot.cli import main
from mentorbot.i18n import Translator
from mentorbot.runners import AdapterSpec
from tests.console.conftest import console_settings
from tests.console.conftest import console_translator as translator

REPO = Path(__file__).resolve().parents[2]


def clean_env() -> dict[str, str]:
    """The environment without any MENTORBOT_* setting (tokens in the developer's shell must not leak in)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("MENTORBOT_")}


def console(tmp_path: Path, script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mentorbot.cli", "console", "--db", str(tmp_path / "db.sqlite3"), *args],
        input=script,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=clean_env(),
        timeout=60,
        check=False,
    )


# ------------------------------------------------------------------------------------------ console


SCRIPT = """\
# Two mentors, one request, an accept.
/as Wanjiru
/mentor signup skills:crisis comms levels:expert
/as Amina
/mentor request skills:"crisis communications" note:help with a backlash
/as wanjiru
/click 1
/mentor status
/quit
"""


def test_console_runs_a_script_and_exits_0(tmp_path: Path) -> None:
    done = console(tmp_path, SCRIPT, "--as", "guest")
    assert done.returncode == 0, done.stderr
    t = translator("en")
    assert t("offer.accepted", id=1) in done.stdout
    assert "Wanjiru> /click 1" in done.stdout  # each line is echoed after its prompt
    assert t("console.bye") in done.stdout
    assert "Traceback" not in done.stdout + done.stderr
    assert (tmp_path / "db.sqlite3").exists()


def test_console_exits_non_zero_when_a_line_cannot_be_parsed(tmp_path: Path) -> None:
    done = console(tmp_path, "/mentor status\n/mentor reqest seo\n/mentor status\n")
    assert done.returncode == 1
    t = translator("en")
    assert t("commands.unknown_command", command="/mentor reqest", suggestions="`/mentor request`") in done.stdout
    assert t("console.script_failed", count=1, lines="2") in done.stderr
    assert done.stdout.count(t("status.title", name="guest")) == 2  # the lines after the bad one still ran
    assert "Traceback" not in done.stdout + done.stderr


def test_console_in_swahili_with_demo(tmp_path: Path) -> None:
    done = console(tmp_path, "/as wanjiru\n/mentor status\n", "--demo", "--lang", "sw")
    assert done.returncode == 0, done.stderr
    t = translator("sw")
    assert t("console.as_done", name="Wanjiru") in done.stdout
    assert t("status.offers") in done.stdout


def test_console_rejects_a_bad_name(tmp_path: Path) -> None:
    done = console(tmp_path, "", "--as", "two words")
    assert done.returncode == 2
    assert "--as" in done.stderr


def test_console_start_up_imports_no_platform_sdk_and_no_scipy() -> None:
    code = (
        "import sys\n"
        "import mentorbot.cli, mentorbot_console.repl, mentorbot_console.session, mentorbot.commands\n"
        "heavy = {'discord', 'slack_bolt', 'slack_sdk', 'scipy'}\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & heavy))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=clean_env(), check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"


# ---------------------------------------------------------------------------------------------- run


def test_run_without_tokens_says_what_to_set(cli_env: Path) -> None:
    result = CliRunner().invoke(main, ["run"])
    assert result.exit_code == 2
    assert "MENTORBOT_DISCORD__TOKEN" in result.output
    assert "MENTORBOT_SLACK__BOT_TOKEN" in result.output
    assert "mentorbot console" in result.output


def test_run_with_a_token_but_no_adapter_module(cli_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = AdapterSpec("discord", "mentorbot_nowhere.runner", "discord:", "MENTORBOT_DISCORD__TOKEN", lambda s: True)
    monkeypatch.setattr(runners, "adapters", lambda: (spec,))
    result = CliRunner().invoke(main, ["run"])
    assert result.exit_code == 1
    assert "mentorbot_nowhere" in result.output
    assert "MENTORBOT_DISCORD__TOKEN" in result.output


FAKE_RUNNERS = {
    "fake_shared/runner.py": """
from mentorbot.settings import SettingsError


async def run(bot, settings, *, dispatcher=None):
    async def deliver(notes):
        return None

    await dispatcher.register("discord:", deliver)
    raise SettingsError("MENTORBOT_FAKE__TOKEN: stop here")
""",
    "fake_alone/runner.py": """
async def run(bot, settings):
    return None
""",
}


@pytest.fixture
def fake_adapters(cli_env: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, AdapterSpec]:
    for name, source in FAKE_RUNNERS.items():
        path = cli_env / "mods" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        (path.parent / "__init__.py").write_text("", encoding="utf-8")
        path.write_text(source, encoding="utf-8")
    monkeypatch.syspath_prepend(str(cli_env / "mods"))
    monkeypatch.setenv("MENTORBOT_DATABASE_URL", f"sqlite:///{cli_env / 'run.sqlite3'}")
    # The process-wide logging set-up would outlive CliRunner's captured stderr: keep it out of the test.
    monkeypatch.setattr("mentorbot.app.configure_logging", lambda settings: None)
    return {
        "shared": AdapterSpec("discord", "fake_shared.runner", "discord:", "MENTORBOT_DISCORD__TOKEN", lambda s: True),
        "alone": AdapterSpec("slack", "fake_alone.runner", "slack:", "MENTORBOT_SLACK__BOT_TOKEN", lambda s: True),
    }


def test_run_starts_a_configured_adapter(
    fake_adapters: dict[str, AdapterSpec], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runners, "adapters", lambda: (fake_adapters["shared"],))
    result = CliRunner().invoke(main, ["run", "--timer-interval", "0.01"])
    assert result.exit_code == 2  # the fake adapter refuses a setting after registering
    assert "error: MENTORBOT_FAKE__TOKEN: stop here" in result.output
    assert "Traceback" not in result.output


def test_run_a_lone_adapter_that_takes_no_dispatcher(
    fake_adapters: dict[str, AdapterSpec], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runners, "adapters", lambda: (fake_adapters["alone"],))
    result = CliRunner().invoke(main, ["run"])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("sqlite:///{tmp}/blocker/run.sqlite3", "cannot be reached or opened"),
        ("sqlite:///{tmp}/run.sqlite3?mode=ro", "is read-only, and the bot must write to it"),
    ],
)
def test_run_exits_1_when_the_database_cannot_be_opened(
    fake_adapters: dict[str, AdapterSpec], monkeypatch: pytest.MonkeyPatch, url: str, problem: str
) -> None:
    folder = Path.cwd()  # the fixture's empty folder
    (folder / "blocker").write_text("a file, not a folder", encoding="utf-8")
    asyncio.run(_migrated(folder / "run.sqlite3"))
    database = url.format(tmp=folder)
    monkeypatch.setenv("MENTORBOT_DATABASE_URL", database)
    monkeypatch.setattr(runners, "adapters", lambda: (fake_adapters["shared"],))
    result = CliRunner().invoke(main, ["run"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.output.splitlines()[-1] == (
        f"The database {database} {problem}, so MentorBot cannot run. Details are in the log above."
    )


async def _migrated(path: Path) -> None:
    async with open_bot(console_settings(path.parent, database_url=f"sqlite:///{path}")):
        pass


def test_run_as_a_process_exits_when_the_database_is_some_other_file(tmp_path: Path) -> None:
    """The real command with a real adapter configured: it stops at once (before the platform) with one line,
    and the process ends (an SQLite connection left open used to keep it alive)."""
    (tmp_path / "notes.txt").write_bytes(b"not a database at all" * 100)
    env = {**clean_env(), "MENTORBOT_DISCORD__TOKEN": "x", "MENTORBOT_DATABASE_URL": f"sqlite:///{tmp_path}/notes.txt"}
    done = subprocess.run(
        [sys.executable, "-m", "mentorbot.cli", "run"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "cannot be reached or opened, so MentorBot cannot run" in done.stderr.splitlines()[-1]


def test_run_refuses_two_adapters_that_cannot_share(
    fake_adapters: dict[str, AdapterSpec], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runners, "adapters", lambda: (fake_adapters["shared"], fake_adapters["alone"]))
    result = CliRunner().invoke(main, ["run"])
    assert result.exit_code == 1
    assert "fake_alone.runner.run() takes no dispatcher=" in result.output


# ------------------------------------------------------------------------------------------- admin


GOOD_CSV = """\
user_id,name,skills,levels,capacity,bio,timezone,languages
wanjiru,Wanjiru,"crisis comms, brand strategy","expert, practitioner",3,PR lead,Africa/Nairobi,"en, sw"
baraka,Baraka,paid-social,,,,UTC+3,sw
priya,,SEO;lead generation,seo:expert,2,"Growth, B2B",,
"""

BAD_CSV = """\
user_id,name,skills,levels,capacity
wanjiru,Wanjiru,crisis comms,expert,3
baraka,Baraka,crisis comunications,expert,3
priya,Priya,seo,expert,11
"""


def mentors_in(db: Path, community: str) -> dict[str, int]:
    async def count() -> dict[str, int]:
        settings = console_settings(db.parent, database_url=f"sqlite:///{db}")
        async with open_bot(settings) as bot:
            return {
                member.platform_user_id: profile.capacity for member, profile in await bot.store.list_mentors(community)
            }

    return asyncio.run(count())


def test_import_mentors(cli_env: Path) -> None:
    slack_ids = GOOD_CSV.replace("wanjiru,", "U0WANJIRU,").replace("baraka,", "U0BARAKA,").replace("priya,", "W0PRIYA,")
    (cli_env / "mentors.csv").write_text(slack_ids, encoding="utf-8")
    db = cli_env / "admin.sqlite3"
    args = ["admin", "import-mentors", "mentors.csv", "--db", str(db), "--community", "slack:T1"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert Translator("en")("cli.import.done", count=3, community="slack:T1") in result.output
    assert mentors_in(db, "slack:T1") == {"U0WANJIRU": 3, "U0BARAKA": 2, "W0PRIYA": 2}
    assert mentors_in(db, "console") == {}


def test_import_mentors_with_a_bad_row_applies_nothing(cli_env: Path) -> None:
    (cli_env / "mentors.csv").write_text(BAD_CSV, encoding="utf-8")
    db = cli_env / "admin.sqlite3"
    result = CliRunner().invoke(main, ["admin", "import-mentors", "mentors.csv", "--db", str(db)])
    assert result.exit_code == 1
    t = translator("en")
    [line3] = [line for line in result.output.splitlines() if line.startswith("line 3: ")]
    assert "crisis comunications" in line3 and "crisis-communications" in line3
    assert "line 4: " + t("input.bad_capacity", value="11") in result.output
    assert "line 2:" not in result.output
    assert t("cli.import.failed", count=2, file="mentors.csv") in result.output
    assert mentors_in(db, "console") == {}


EN = translator("en")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("name,skills\nA,seo\n", "line 1: " + EN("cli.import.missing_column", column="user_id", columns="")),
        (
            "user_id,skills,colour\na,seo,red\n",
            "line 1: " + EN("cli.import.unknown_column", column="colour", columns=""),
        ),
        ("user_id,skills\na,seo\na,copywriting\n", "line 3: " + EN("cli.import.duplicate", user="a", line=2)),
        ("user_id,skills\na,seo,extra\n", "line 2: " + EN("cli.import.too_many_fields", count=3, columns=2)),
        ("user_id,skills\n,seo\n", "line 2: " + EN("cli.import.missing_value", column="user_id")),
        ("user_id,skills\nu,seo\nsome one,seo\n", "line 3: " + EN("cli.import.bad_user_id", value="some one")),
        ("", "line 1: "),
        # Session 26: an open quote swallowed every later row ("Imported 1 mentor"); it is now an error.
        ('user_id,skills,bio\na,seo,"Loves SEO\nb,seo,x\nc,seo,y\n', "line 2: the file is not readable CSV here"),
        # A column given twice: the last one won, the first was dropped without a word.
        (
            "user_id,skills,name,skills\na,seo,A,copywriting\n",
            "line 1: " + EN("cli.import.duplicate_column", column="skills"),
        ),
        # A name over two lines, or with an invisible character in an id.
        (
            'user_id,name,skills\nm,"Mallory\n@everyone",seo\n',
            "line 2: " + EN("cli.import.bad_name", value="Mallory\n@everyone"),
        ),
        ("user_id,skills\nalice\u200b,seo\n", "line 2: " + EN("cli.import.bad_user_id", value="alice\u200b")),
        # A value under a column with no name; a file separated by semicolons.
        ("user_id,skills,\na,seo,x\n", "line 2: " + EN("cli.import.unnamed_value")),
        ("user_id;skills\na;seo\n", "line 1: " + EN("cli.import.semicolons", columns="").split(" (")[0]),
    ],
)
def test_import_mentors_header_and_row_problems(cli_env: Path, content: str, expected: str) -> None:
    (cli_env / "m.csv").write_text(content, encoding="utf-8")
    result = CliRunner().invoke(main, ["admin", "import-mentors", "m.csv", "--db", str(cli_env / "x.sqlite3")])
    assert result.exit_code == 1
    assert expected.split("; the columns")[0] in result.output


def test_import_mentors_ignores_the_empty_columns_a_spreadsheet_adds(cli_env: Path) -> None:
    (cli_env / "m.csv").write_text("user_id,skills,,\nneema,copywriting,,\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["admin", "import-mentors", "m.csv", "--db", str(cli_env / "x.sqlite3")])
    assert result.exit_code == 0, result.output


def test_import_mentors_checks_ids_against_the_platform(cli_env: Path) -> None:
    """Before: `1.23457E+17` (an 18-digit Discord id as a spreadsheet shows it) was imported: a mentor no offer
    could ever reach, holding each request offered to them until it expired."""
    (cli_env / "m.csv").write_text("user_id,skills\n1.23457E+17,seo\n", encoding="utf-8")
    db = str(cli_env / "x.sqlite3")
    result = CliRunner().invoke(main, ["admin", "import-mentors", "m.csv", "--db", db, "--community", "discord:42"])
    assert result.exit_code == 1 and "line 2: " + EN("cli.import.bad_discord_id", value="1.23457E+17") in result.output
    (cli_env / "m.csv").write_text("user_id,skills\n123456789012345678,seo\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["admin", "import-mentors", "m.csv", "--db", db, "--community", "discord:42"])
    assert result.exit_code == 0, result.output


def test_import_mentors_reads_excel_csv_with_bom(cli_env: Path) -> None:
    (cli_env / "m.csv").write_bytes("\ufeffuser_id,skills\nneema,copywriting\n".encode())
    result = CliRunner().invoke(main, ["admin", "import-mentors", "m.csv", "--db", str(cli_env / "x.sqlite3")])
    assert result.exit_code == 0, result.output


def test_import_mentors_refuses_non_utf8(cli_env: Path) -> None:
    (cli_env / "m.csv").write_bytes("user_id,skills\nm\xe9lanie,seo\n".encode("latin-1"))
    result = CliRunner().invoke(main, ["admin", "import-mentors", "m.csv", "--db", str(cli_env / "x.sqlite3")])
    assert result.exit_code == 1
    assert translator("en")("cli.import.not_utf8", file="m.csv") in result.output


def test_admin_export_writes_four_csv_files(cli_env: Path) -> None:
    db = cli_env / "admin.sqlite3"
    (cli_env / "mentors.csv").write_text(GOOD_CSV, encoding="utf-8")
    CliRunner().invoke(main, ["admin", "import-mentors", "mentors.csv", "--db", str(db)])
    result = CliRunner().invoke(main, ["admin", "export", "out", "--db", str(db)])
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in (cli_env / "out").iterdir())
    assert files == ["feedback.csv", "members.csv", "mentorships.csv", "offers.csv", "requests.csv"]
    with (cli_env / "out" / "members.csv").open(encoding="utf-8", newline="") as handle:
        members = list(csv.DictReader(handle))
    assert sorted(m["platform_user_id"] for m in members) == ["baraka", "priya", "wanjiru"]


def test_admin_stats(cli_env: Path) -> None:
    db = cli_env / "admin.sqlite3"
    (cli_env / "mentors.csv").write_text(GOOD_CSV, encoding="utf-8")
    CliRunner().invoke(main, ["admin", "import-mentors", "mentors.csv", "--db", str(db)])
    result = CliRunner().invoke(main, ["admin", "stats", "--db", str(db)])
    assert result.exit_code == 0, result.output
    t = translator("en")
    assert t("stats.title") in result.output
    value = t("stats.mentors_value", active=t("stats.active", count=3), paused=t("stats.paused", count=0))
    assert f"{t('stats.mentors')}: {value}" in result.output
    assert t("insight.supply_title") in result.output
    assert not list(cli_env.glob("*.png"))  # no chart asked: none drawn


def test_admin_stats_saves_a_chart(cli_env: Path) -> None:
    db = cli_env / "admin.sqlite3"
    (cli_env / "mentors.csv").write_text(GOOD_CSV, encoding="utf-8")
    CliRunner().invoke(main, ["admin", "import-mentors", "mentors.csv", "--db", str(db)])
    out = cli_env / "out.png"
    result = CliRunner().invoke(main, ["admin", "stats", "--db", str(db), "--chart", str(out), "--chart-name", "days"])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert f"Chart written to {out}." in result.output
    assert translator("en")("insight.days_title") in result.output


def test_help_lists_the_commands(cli_env: Path) -> None:
    result = CliRunner().invoke(main, ["--help"])
    for name in ("console", "run", "admin", "config", "catalog"):
        assert name in result.output
    admin = CliRunner().invoke(main, ["admin", "--help"])
    for name in ("import-mentors", "export", "stats"):
        assert name in admin.output


def test_makefile_run_starts_the_console_with_the_demo() -> None:
    assert "mentorbot console --demo" in (REPO / "Makefile").read_text(encoding="utf-8")


def test_console_clock_offset_carries_over_to_the_next_session(tmp_path: Path) -> None:
    assert console(tmp_path, "/clock +2d\n").returncode == 0
    done = console(tmp_path, "/clock\n")
    assert done.returncode == 0
    assert "(ahead of real time by 2d)" in done.stdout


def test_a_database_that_cannot_be_opened_is_one_line_not_a_traceback(tmp_path: Path, cli_env: Path) -> None:
    (tmp_path / "blocker").write_text("a file, not a folder", encoding="utf-8")
    db = tmp_path / "blocker" / "x.sqlite3"
    done = subprocess.run(
        [sys.executable, "-m", "mentorbot.cli", "console", "--db", str(db)],
        input="/mentor status\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=clean_env(),
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("Cannot open the database")
    result = CliRunner().invoke(main, ["admin", "stats", "--db", str(db)])
    assert result.exit_code == 2
    assert result.output.startswith("error: ")


@pytest.mark.parametrize("what", ["newer schema", "another program's file"])
def test_a_database_that_cannot_be_opened_ends_the_command_instead_of_hanging(tmp_path: Path, what: str) -> None:
    # The SQLite connection's thread once kept the process alive after the error (a service manager never
    # restarted it; a script never returned).
    import sqlite3

    db = tmp_path / "bot.sqlite3"
    with sqlite3.connect(db) as conn:
        if what == "newer schema":
            conn.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT, applied_at TEXT)")
            conn.execute("INSERT INTO schema_version VALUES (999, 'future', '2030-01-01')")
        else:
            conn.execute("CREATE TABLE members (x)")  # the first migration cannot create its own
    done = subprocess.run(
        [sys.executable, "-m", "mentorbot.cli", "admin", "stats", "--db", str(db)],
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    assert "error" in (done.stdout + done.stderr).lower()


def test_run_with_a_broken_courses_file_names_it_not_an_adapter(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch, fake_adapters: dict[str, AdapterSpec]
) -> None:
    broken = cli_env / "courses.toml"
    broken.write_text("[[course]\nid = ", encoding="utf-8")
    monkeypatch.setenv("MENTORBOT_COURSES_FILE", str(broken))
    monkeypatch.setattr(runners, "adapters", lambda: (fake_adapters["alone"],))
    result = CliRunner().invoke(main, ["run"])
    assert result.exit_code == 2, result.output
    assert f"error: MENTORBOT_COURSES_FILE: {broken}" in result.output and "TOML" in result.output
    assert "adapter" not in result.output.lower() and "Traceback" not in result.output


def test_a_mistyped_database_file_is_refused_by_what_only_reads_and_never_created(
    tmp_path: Path, cli_env: Path
) -> None:
    typo = tmp_path / "typo" / "bot.sqlite3"
    for command in (
        ["admin", "export", str(tmp_path / "out"), "--db", str(typo)],
        ["admin", "stats", "--db", str(typo)],
    ):
        result = CliRunner().invoke(main, command)
        assert result.exit_code == 2 and "does not exist" in result.output, result.output
    status = CliRunner().invoke(main, ["db", "status", "--database", f"sqlite:///{typo}"])
    assert status.exit_code == 0 and "schema version: 0" in status.output and "0001_initial" in status.output
    assert not typo.exists() and not typo.parent.exists(), "reading changes nothing"
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("community", ["T0123ABC", "slack:t1", "discord:abc", "Console"])
def test_a_community_not_named_as_the_platforms_name_it_is_refused(
    tmp_path: Path, cli_env: Path, community: str
) -> None:
    db = tmp_path / "bot.sqlite3"
    (tmp_path / "mentors.csv").write_text("user_id,name,skills\nU1,One,seo\n", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["admin", "import-mentors", str(tmp_path / "mentors.csv"), "--db", str(db), "--community", community]
    )
    assert result.exit_code == 2 and "--community" in result.output and "slack:<team id>" in result.output
    assert not db.exists(), "nothing imported into a community no adapter serves"


def test_import_mentors_refuses_what_signup_refuses_and_applies_nothing(cli_env: Path) -> None:
    """Ana mentors two members (SEO, crisis communications; capacity 2). A file giving her capacity 1 and paid
    social only is refused as `/mentor signup` refuses it, on its line, and nothing of the file is applied (the
    other mentor in it included). Before: imported, and her places read "2 of 1 taken"."""
    db = cli_env / "admin.sqlite3"
    script = "\n".join(
        [
            "/as Ana",
            "/mentor signup skills:seo, crisis comms capacity:2",
            "/as Zed",
            "/mentor request skills:seo",
            "/as Mo",
            "/mentor request skills:crisis comms",
            "/as ana",
            "/mentor accept 1",
            "/mentor accept 2",
            "",
        ]
    )
    assert CliRunner().invoke(main, ["console", "--db", str(db)], input=script).exit_code == 0
    (cli_env / "m.csv").write_text("user_id,name,skills,capacity\nneema,Neema,seo,2\nana,Ana,paid social,1\n")
    result = CliRunner().invoke(main, ["admin", "import-mentors", "m.csv", "--db", str(db)])
    assert result.exit_code == 1, result.output
    [line3] = [line for line in result.output.splitlines() if line.startswith("line 3: ")]
    assert "capacity of 1" in line3 and "#1" in line3 and "#2" in line3
    assert mentors_in(db, "console") == {"ana": 2}


@pytest.mark.parametrize("state", ["newer schema", "changed migration"])
def test_run_on_a_database_it_cannot_use_is_one_line(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch, fake_adapters: dict[str, AdapterSpec], state: str
) -> None:
    """Before: a traceback, then "An adapter stopped with an error"; the console and the db commands said it in
    one line."""
    import sqlite3

    db = cli_env / "run.sqlite3"
    if state == "newer schema":
        with sqlite3.connect(db) as conn:
            conn.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT, applied_at TEXT)")
            conn.execute("INSERT INTO schema_version VALUES (999, 'future', '2030-01-01')")
    else:
        assert CliRunner().invoke(main, ["console", "--db", str(db)], input="/as Ana\n").exit_code == 0
        with sqlite3.connect(db) as conn:
            conn.execute("UPDATE schema_version SET checksum = 'edited' WHERE version = 5")
    monkeypatch.setattr(runners, "adapters", lambda: (fake_adapters["alone"],))
    result = CliRunner().invoke(main, ["run"])
    assert result.exit_code == 2, result.output
    assert ("schema is version 999" if state == "newer schema" else "has changed since") in result.output
    assert "Traceback" not in result.output and "adapter" not in result.output.lower()


@pytest.mark.parametrize("command", ["stats", "export"])
def test_what_only_reads_does_not_upgrade_an_older_database(tmp_path: Path, cli_env: Path, command: str) -> None:
    """`admin stats` and `admin export` read: on a database an older release still serves, they used to migrate it
    (that release then refused to start); they refuse in one line and change nothing."""
    import sqlite3

    db = tmp_path / "old.sqlite3"
    assert CliRunner().invoke(main, ["console", "--db", str(db)], input="/as Ana\n/mentor status\n").exit_code == 0
    with sqlite3.connect(db) as conn:
        newest = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0]
        conn.execute("DELETE FROM schema_version WHERE version = ?", (newest,))  # as an older release left it
    args = ["admin", "stats", "--db", str(db)]
    if command == "export":
        args = ["admin", "export", str(tmp_path / "out"), "--db", str(db)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and "mentorbot db upgrade" in result.output, result.output
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] == newest - 1


def test_import_mentors_dropping_a_skill_tells_afresh_why_its_requests_wait(cli_env: Path) -> None:
    """Found by review: a mentor re-imported without crisis communications left Mo's request saying "every mentor
    for Crisis communications is at capacity" for good (signup and forget already told it afresh)."""
    db = cli_env / "admin.sqlite3"
    script = "\n".join(
        [
            "/as Ana",
            "/mentor signup skills:seo, crisis comms capacity:1",
            "/as Zed",
            "/mentor request skills:seo",
            "/as ana",
            "/mentor accept 1",
            "/as Mo",
            "/mentor request skills:crisis comms",
            "",
        ]
    )
    assert CliRunner().invoke(main, ["console", "--db", str(db)], input=script).exit_code == 0
    (cli_env / "m.csv").write_text("user_id,name,skills,capacity\nana,Ana,seo,1\n")
    assert CliRunner().invoke(main, ["admin", "import-mentors", "m.csv", "--db", str(db)]).exit_code == 0
    status = CliRunner().invoke(main, ["console", "--db", str(db)], input="/as Mo\n/mentor status\n").output
    assert "No mentor offers Crisis communications yet" in status and "at capacity" not in status
