"""Session 30: ``mentorbot admin import-mentors``, two minor defects (reproduction: /tmp/hunt/cli/repro_minor.sh,
repro_import_progress.py).

- A semicolon CSV with quoted headers (``"user_id";"skills"``, as a spreadsheet saves it) was told "the file is
  not readable CSV here: ',' expected after '"' (a quote left open, perhaps)": the semicolons hint ran only
  after the header had parsed. A first line with semicolons and no comma is now told so, on line 1.
- The write, most of a long import's time, was a line with nothing after it until the end: it is now a bar
  like the other phases, moved by `Store.import_mentors`'s `progress` after each entry is saved (on both
  engines; an entry refused is not counted).
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from mentorbot.bot import Caller, MentorBot
from mentorbot.cli import main
from mentorbot.clock import ManualClock
from mentorbot.commands import run_command
from mentorbot.i18n import translator
from mentorbot.library import Library
from mentorbot.mentor_import import COLUMNS, plan_import
from mentorbot.settings import Settings
from mentorbot.storage.members import ProfileInUse
from mentorbot.storage.store import Store

C = "test:guild"
EN = translator("en")
SEMICOLONS = EN("cli.import.semicolons", columns=", ".join(COLUMNS))


def make_settings() -> Settings:
    return Settings(_env_file=None, rate_limit_per_minute=1_000_000, default_language="en")  # type: ignore[call-arg]


@pytest.fixture(scope="module")
def library() -> Library:
    settings = make_settings()
    return Library(settings.skills_file, settings.courses_file)


@pytest.fixture
def bot(store: Store, library: Library, clock: ManualClock) -> MentorBot:
    return MentorBot(store, library, make_settings(), clock)


# --------------------------------------------------------------------------------------------- semicolons


@pytest.mark.parametrize(
    "text",
    [
        '"user_id";"skills"\n"amina";"seo"\n',  # the report's file: quoted headers
        '"user_id";"skills"\r\n"amina";"seo"\r\n',
        '"user_id";skills\namina;seo\n',
        "user_id;skills\namina;seo\n",  # told before too
    ],
)
def test_a_semicolon_csv_is_told_so_on_line_1(text: str, library: Library) -> None:
    checker = MentorBot(Store.from_url("sqlite:///:memory:"), library, make_settings(), ManualClock())
    plan = plan_import(text, checker, EN)
    assert [(e.line, e.message) for e in plan.errors] == [(1, SEMICOLONS)]
    assert not plan.entries


def test_semicolons_inside_a_comma_csv_are_values(library: Library) -> None:
    checker = MentorBot(Store.from_url("sqlite:///:memory:"), library, make_settings(), ManualClock())
    plan = plan_import('user_id,skills,bio\namina,SEO;copywriting,"a; b"\n', checker, EN)
    assert not plan.errors
    assert [entry[0] for entry in plan.entries] == ["amina"]


def test_the_command_tells_a_quoted_semicolon_csv_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith("MENTORBOT_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    Path("semi.csv").write_text('"user_id";"skills"\n"amina";"seo"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["admin", "import-mentors", "semi.csv", "--db", "s.sqlite3"])
    assert result.exit_code == 1
    assert EN("cli.import.line", line=1, message=SEMICOLONS) in result.output
    assert "quote" not in result.output
    assert not Path("s.sqlite3").exists()


# --------------------------------------------------------------------------------------- the write's bar


async def test_import_mentors_reports_each_entry_saved(bot: MentorBot) -> None:
    plan = plan_import("user_id,skills\nu1,seo\nu2,copywriting\nu3,seo\n", bot, EN, community=C)
    steps: list[int] = []
    assert await bot.store.import_mentors(C, plan.entries, bot.clock.now(), progress=steps.append) == 3
    assert steps == [1, 1, 1]
    assert await bot.store.import_mentors(C, plan.entries, bot.clock.now()) == 3  # without it, as before


async def test_an_entry_refused_is_not_counted(bot: MentorBot) -> None:
    """Wanjiru mentors Amina in SEO: an import dropping SEO from her profile is refused at her entry (the second);
    only the first was saved, so only it moved the bar (and nothing was committed)."""
    await run_command(bot, Caller(C, "U-wanjiru", "Wanjiru"), "/mentor signup skills:seo")
    await run_command(bot, Caller(C, "U-amina", "Amina"), "/mentor request skills:seo")
    await run_command(bot, Caller(C, "U-wanjiru", "Wanjiru"), "/mentor accept 1")
    assert await bot.store.list_mentorships(active_only=True)
    plan = plan_import("user_id,skills\nU-baraka,seo\nU-wanjiru,copywriting\n", bot, EN, community=C)
    steps: list[int] = []
    with pytest.raises(ProfileInUse) as refused:
        await bot.store.import_mentors(C, plan.entries, bot.clock.now(), progress=steps.append)
    assert refused.value.index == 1
    assert steps == [1]
    assert await bot.store.find_member(C, "U-baraka") is None


def test_the_write_is_a_bar_on_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """stderr a pty (as in the hunt): after the write's label the bar runs to 100%, then the done line (stdout)."""
    import pty

    for name in list(os.environ):
        if name.upper().startswith("MENTORBOT_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    rows = "".join(f"user{i},seo\n" for i in range(40))
    Path("m.csv").write_text("user_id,skills\n" + rows, encoding="utf-8")
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
    text = err.decode()
    assert process.returncode == 0, text
    writing = EN("cli.import.writing", count=40)
    after = text[text.index(writing) :]
    assert "100%" in after
    assert "0%" in after.split("100%")[0]  # it started empty, as a bar does
    assert out.decode().startswith(EN("cli.import.done", count=40, community="console"))


def test_the_write_is_its_label_alone_when_not_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith("MENTORBOT_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    Path("m.csv").write_text("user_id,skills\nu1,seo\nu2,seo\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["admin", "import-mentors", "m.csv", "--db", "m.sqlite3"])
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert lines.count(EN("cli.import.writing", count=2)) == 1
    assert "%" not in result.stderr
