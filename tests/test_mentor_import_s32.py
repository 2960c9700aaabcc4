"""Session 32: ``mentorbot admin import-mentors``, three minor defects an I/O hunt found
(/tmp/hunt/io/imp/repro_import_minor.py), each with the test that failed before.

4. A Discord id a spreadsheet rounded to 15 significant digits (123456789012345678 -> 123456789012345000) was
   imported: a mentor nobody can reach. It is refused, with the advice that works (re-open the original file with
   the column typed as text: formatting the column as text afterwards keeps the rounded digits).
5. A line break of Windows (CRLF) inside a quoted bio was refused as "control characters" (LF was fine): CRLF and a
   lone CR are a line break like LF.
6. Slack or Discord ids imported with no --community went into the default community ``console``, silently.

The review's R7 (/tmp/hunt/review/r8, one.csv): a genuine Discord id ending in 000 was refused as rounded when no
other long id in the file kept its last digits, so a one-row file for such a mentor (about one real 18-digit id in a
thousand) could never be imported. A file is refused as rounded only when it has at least two ids of more than 15
digits and all of them are; a single such id is imported, with a warning naming it (`ImportPlan.warnings`).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner

from mentorbot.bot import MentorBot
from mentorbot.cli import main
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.library import Library
from mentorbot.mentor_import import ImportPlan, plan_import
from mentorbot.settings import Settings
from mentorbot.storage.store import Store

EN = translator("en")
SW = translator("sw")


def make_settings() -> Settings:
    return Settings(_env_file=None, rate_limit_per_minute=1_000_000, default_language="en")  # type: ignore[call-arg]


@pytest.fixture(scope="module")
def checker() -> MentorBot:
    settings = make_settings()
    library = Library(settings.skills_file, settings.courses_file)
    return MentorBot(Store.from_url("sqlite:///:memory:"), library, settings, ManualClock())


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    for name in list(os.environ):
        if name.startswith("MENTORBOT_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("MENTORBOT_DEFAULT_LANGUAGE", "en")
    monkeypatch.chdir(tmp_path)
    yield tmp_path


def _errors(plan: ImportPlan) -> list[tuple[int, str]]:
    return [(e.line, e.message) for e in plan.errors]


# -------------------------------------------------------------------------------- 4. rounded Discord ids


def test_discord_ids_a_spreadsheet_rounded_are_refused(checker: MentorBot) -> None:
    plan = plan_import(
        "user_id,skills\n123456789012345000,seo\n987654321098765000,seo\n", checker, EN, community="discord:111"
    )
    assert _errors(plan) == [
        (2, EN("cli.import.rounded_id", value="123456789012345000")),
        (3, EN("cli.import.rounded_id", value="987654321098765000")),
    ]
    assert not plan.entries
    assert "as text" in EN("cli.import.rounded_id", value="1") and "original" in EN("cli.import.rounded_id", value="1")


def test_a_rounded_id_is_refused_in_the_console_community_too(checker: MentorBot) -> None:
    plan = plan_import(
        "user_id,skills\n1234567890123450000,seo\namina,seo\n2234567890123450000,seo\n",
        checker,
        EN,
        community="console",
    )
    assert _errors(plan) == [
        (2, EN("cli.import.rounded_id", value="1234567890123450000")),
        (4, EN("cli.import.rounded_id", value="2234567890123450000")),
    ]


ONE = "user_id,name,skills,levels,capacity,timezone\n123456789012345000,Amina,seo,expert,2,Africa/Nairobi\n"
"""/tmp/hunt/review/r8/one.csv: one mentor, whose real Discord id ends in 000."""


def test_a_single_long_id_ending_in_zeros_is_imported_with_a_warning(checker: MentorBot) -> None:
    """Before: refused as rounded, and no file holding only it could ever be imported. One id cannot show that a
    spreadsheet rounded the column (it rounds them all): it is imported, and the warning names it."""
    plan = plan_import(ONE, checker, EN, community="discord:111")
    assert not plan.errors and [e[0] for e in plan.entries] == ["123456789012345000"]
    assert [(w.line, w.message) for w in plan.warnings] == [
        (2, EN("cli.import.rounded_id_kept", value="123456789012345000"))
    ]
    # with short ids beside it (the console's names): still the only long one
    plan = plan_import("user_id,skills\nbaraka,seo\n1234567890123450000,seo\n", checker, EN, community="console")
    assert not plan.errors and len(plan.entries) == 2
    assert [w.line for w in plan.warnings] == [3]
    for t in (EN, SW):
        assert "123456789012345000" in t("cli.import.rounded_id_kept", value="123456789012345000")


def test_two_long_ids_all_rounded_are_still_refused_and_a_kept_column_warns_of_nothing(checker: MentorBot) -> None:
    two = "user_id,skills\n123456789012345000,seo\n223456789012345000,seo\n"
    plan = plan_import(two, checker, EN, community="discord:111")
    assert [e.line for e in plan.errors] == [2, 3] and not plan.entries and not plan.warnings
    kept = "user_id,skills\n123456789012345678,seo\n123456789012345000,seo\n"  # /tmp/hunt/review/r8/two.csv
    plan = plan_import(kept, checker, EN, community="discord:111")
    assert not plan.errors and len(plan.entries) == 2 and not plan.warnings


def test_the_command_imports_a_one_row_file_of_an_id_ending_in_zeros(cli_env: Path) -> None:
    """/tmp/hunt/review/r8/mb.sh admin import-mentors one.csv --community discord:111. Before: exit 1, "looks like
    an id a spreadsheet rounded", nothing imported."""
    (cli_env / "one.csv").write_text(ONE, encoding="utf-8")
    result = CliRunner().invoke(
        main, ["admin", "import-mentors", "one.csv", "--community", "discord:111", "--db", "mentors.sqlite3"]
    )
    assert result.exit_code == 0, result.output
    assert EN("cli.import.rounded_id", value="123456789012345000") not in result.output
    assert "line 2: " + EN("cli.import.rounded_id_kept", value="123456789012345000") in result.output
    with closing(sqlite3.connect(cli_env / "mentors.sqlite3")) as conn:
        rows = conn.execute("SELECT community, platform_user_id, display_name FROM members").fetchall()
    assert rows == [("discord:111", "123456789012345000", "Amina")]


def test_ids_of_fifteen_digits_and_a_column_that_was_not_rounded_are_imported(checker: MentorBot) -> None:
    """Fifteen digits are what a spreadsheet keeps; and a column whose other long ids kept their last digits was not
    rounded (about one real id in a thousand ends in 000)."""
    plan = plan_import("user_id,skills\n123456789012000,seo\n", checker, EN, community="discord:111")
    assert not plan.errors and [e[0] for e in plan.entries] == ["123456789012000"]
    plan = plan_import(
        "user_id,skills\n123456789012345678,seo\n223456789012345000,seo\n", checker, EN, community="discord:111"
    )
    assert not plan.errors
    assert [e[0] for e in plan.entries] == ["123456789012345678", "223456789012345000"]


def test_the_advice_for_an_id_in_scientific_notation_is_to_reopen_the_original_file() -> None:
    """Before: "format the column as text", which in a spreadsheet keeps the rounded digits."""
    for t in (EN, SW):
        advice = t("cli.import.bad_discord_id", value="1.23457E+17")
        assert "1.23E+17" in advice
    assert "format the column as text" not in EN("cli.import.bad_discord_id", value="x")
    assert "original" in EN("cli.import.bad_discord_id", value="x")


# -------------------------------------------------------------------------------------- 5. CRLF in a bio


@pytest.mark.parametrize(
    "text",
    [
        'user_id,skills,bio\r\ncat,seo,"line one\r\nline two"\r\n',
        'user_id,skills,bio\ncat,seo,"line one\rline two"\n',
        'user_id,skills,bio\r\ncat,seo,"line one\nline two"\r\n',
    ],
)
def test_a_line_break_of_any_kind_in_a_bio_is_a_line_break(checker: MentorBot, text: str) -> None:
    plan = plan_import(text, checker, EN, community="console")
    assert not plan.errors, plan.errors
    (entry,) = plan.entries
    assert entry[2].bio == "line one\nline two"


def test_other_control_characters_in_a_bio_are_still_refused(checker: MentorBot) -> None:
    plan = plan_import('user_id,skills,bio\ncat,seo,"line one\x07two"\n', checker, EN, community="console")
    assert len(plan.errors) == 1 and plan.errors[0].line == 2


# ------------------------------------------------------------------- 6. platform ids into the console community


@pytest.mark.parametrize(
    "ids",
    [
        ["U024BE7LH"],
        ["U024BE7LH", "W012A3CDE"],
        ["123456789012345678"],
        ["U024BE7LH", "81234567890123456"],
    ],
)
def test_platform_ids_going_into_the_console_community_are_refused(checker: MentorBot, ids: list[str]) -> None:
    text = "user_id,skills\n" + "".join(f"{user_id},seo\n" for user_id in ids)
    plan = plan_import(text, checker, EN, community="console")
    assert _errors(plan) == [(2, EN("cli.import.platform_ids_in_console", value=ids[0]))]
    assert "--community" in plan.errors[0].message
    assert "--community" in SW("cli.import.platform_ids_in_console", value=ids[0])


@pytest.mark.parametrize(
    "ids",
    [["amina", "U024BE7LH"], ["WANJIRU"], ["UMAR"], ["1234567"]],
)
def test_console_names_are_imported_into_the_console(checker: MentorBot, ids: list[str]) -> None:
    text = "user_id,skills\n" + "".join(f"{user_id},seo\n" for user_id in ids)
    plan = plan_import(text, checker, EN, community="console")
    assert not plan.errors, plan.errors
    assert len(plan.entries) == len(ids)


def test_slack_ids_with_their_community_are_imported(checker: MentorBot) -> None:
    plan = plan_import("user_id,skills\nU024BE7LH,seo\n", checker, EN, community="slack:T1")
    assert not plan.errors and [e[0] for e in plan.entries] == ["U024BE7LH"]


def test_the_command_without_community_refuses_slack_ids_and_writes_nothing(cli_env: Path) -> None:
    (cli_env / "mentors.csv").write_text("user_id,skills\nU024BE7LH,seo\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["admin", "import-mentors", "mentors.csv", "--db", "mentors.sqlite3"])
    assert result.exit_code == 1, result.output
    assert "line 2: " + EN("cli.import.platform_ids_in_console", value="U024BE7LH") in result.output
    assert not (cli_env / "mentors.sqlite3").exists()
