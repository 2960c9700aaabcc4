"""Session 38 (configuration hunt): what the settings and ``mentorbot config check`` let through or told poorly.

- A ``.env`` line python-dotenv cannot read (``NAME: value`` as compose writes it, an unclosed quote, ``NAME:value``)
  was skipped with dotenv's own warning only, and the default applied (a bot on SQLite instead of PostgreSQL). Now it
  is refused: the file and the line, never the line's text (it may hold a token).
- A misspelt key inside a section given whole as JSON (``MENTORBOT_SLACK={"mdoe": "http"}``) was ignored: refused,
  as a misspelt flat name is, with the name meant.
- ``config check`` stopped at the first problem (the skills file hid the courses file and the adapters'): every
  problem has its line now. And with no adapter configured, it says that ``run`` would refuse to start.
- A skill category without a name in the message catalogs (a typo, "contnet") was a group of its own in /skills,
  in English words for Swahili readers: refused when the skills file is loaded.
- ``matching=rounds`` with a malformed schedule said twice what was wrong, the second time wrongly ("needs
  MENTORBOT_ROUND_SCHEDULE"); and ``monkey 10:00`` was a Monday.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from mentorbot import defaults
from mentorbot.cli import main
from mentorbot.library import Library, check_files
from mentorbot.schedule import parse_weekly
from mentorbot.settings import ENV_PREFIX, SettingsError, load_settings
from mentorbot.skills import Taxonomy, unnamed_categories

TOKEN = "xoxb-s3cr3t-DO-NOT-PRINT-38"
DISCORD_TOKEN = "MTA0OTk2NzA1ODEwMjM0NTY3OA.Gx1Yz2.s3cr3tDoNotPrint"
HINT = "write '=' after the name, not ':' or a space, and close any quote"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """No MENTORBOT_* variable of the machine, an empty working directory (no stray ``.env``), and ``run``'s
    process-wide logging set-up kept out."""
    for name in list(os.environ):
        if name.upper().startswith(ENV_PREFIX):
            monkeypatch.delenv(name)
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setattr("mentorbot.app.configure_logging", lambda settings: None)
    yield work


def errors(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("error:")]


# --- a .env line dotenv cannot read ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "MENTORBOT_DATABASE_URL: postgresql://bot@db.example.org/mentorbot",  # compose's form
        "MENTORBOT_DATABASE_URL:postgresql://bot@db.example.org/mentorbot",  # NAME:value
        'MENTORBOT_DATABASE_URL="postgresql://bot@db.example.org/mentorbot',  # an unclosed quote
        "MENTORBOT_DATABASE_URL postgresql://bot@db.example.org/mentorbot",
        "mentorbot_database_url",  # a name alone
    ],
    ids=["compose", "colon", "unclosed-quote", "space", "name-alone"],
)
def test_a_line_dotenv_cannot_read_is_refused_with_its_file_and_line(clean_env: Path, line: str) -> None:
    (clean_env / ".env").write_text(f"# MentorBot\n\nMENTORBOT_LOG_LEVEL=debug\n\n{line}\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["config", "check"])
    assert result.exit_code == 2, result.output
    assert errors(result.output) == [
        f"error: .env, line 5: not NAME=value, so MENTORBOT_DATABASE_URL is not set ({HINT})"
    ]
    assert "db.example.org" not in result.output
    assert "sqlite" not in result.output  # refused before the settings are printed: no default passed off as set


def test_every_bad_line_is_named_and_no_value_is_echoed(clean_env: Path, caplog: pytest.LogCaptureFixture) -> None:
    env = clean_env / "bot.env"
    env.write_text(
        f"MENTORBOT_SLACK__BOT_TOKEN: {TOKEN}\n"
        'MENTORBOT_MATCHING="rounds\n'  # unclosed: dotenv reads on at the next line
        "MENTORBOT_ROUND_SCHEDULE=mon 09:00\n"
        f"MENTORBOT_DISCORD__TOKEN{DISCORD_TOKEN}\n"  # '=' forgotten
        "MENTORBOT_OFFER_TTL=3\n"
        "\n  \n\t  # a comment, then blank lines: the line numbers stay right\n"
        "\n"
        "'MENTORBOT_DIGEST: mon 08:00\n"
        "MENTORBOT_LOG_LEVEL=debug\n",  # a misspelt name, told as before, after the lines
        encoding="utf-8",
    )
    with caplog.at_level(logging.WARNING), pytest.raises(SettingsError) as info:
        load_settings(env_file=env)
    assert info.value.problems[:4] == (
        f"{env}, line 1: not NAME=value, so MENTORBOT_SLACK__BOT_TOKEN is not set ({HINT})",
        f"{env}, line 2: not NAME=value, so MENTORBOT_MATCHING is not set ({HINT})",
        f"{env}, line 4: not NAME=value ({HINT})",  # the name runs into the token: neither is named
        f"{env}, line 10: not NAME=value ({HINT})",
    )
    assert info.value.problems[4].startswith("MENTORBOT_OFFER_TTL: not a MentorBot setting")
    assert TOKEN not in str(info.value) and "MTA0" not in str(info.value) and "mon 08:00" not in str(info.value)
    assert "could not parse" not in caplog.text  # dotenv's own warning, which says the same less well, is not added


def test_a_line_of_another_program_that_dotenv_reads_is_left_alone(clean_env: Path) -> None:
    # Another program's name alone on a line: dotenv reads it as "not set", and it is not ours to refuse.
    env = clean_env / ".env"
    env.write_text("OTHER_PROGRAM_FLAG\nexport MENTORBOT_LOG_LEVEL='debug'  # ok\n", encoding="utf-8")
    assert load_settings(env_file=env).log_level == "DEBUG"


def test_a_line_of_another_program_that_dotenv_cannot_read_is_left_alone(clean_env: Path) -> None:
    """A file shared with another program keeps loading after an upgrade: its lines are its own affair (dotenv
    skips them, as before); only a line that names MentorBot's settings, or no name at all, is refused."""
    env = clean_env / ".env"
    env.write_text("OTHER_APP_MODE: fast\nOTHER_APP_NAME=\"open\nMENTORBOT_LOG_LEVEL=debug\n", encoding="utf-8")
    assert load_settings(env_file=env).log_level == "DEBUG"


# --- a misspelt key inside a section given as JSON ------------------------------------------------------------


def test_a_misspelt_key_in_a_json_section_is_named_with_the_key_meant(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MENTORBOT_SLACK", f'{{"bot_token": "{TOKEN}", "mdoe": "http", "signing_secret": "s"}}')
    monkeypatch.setenv("MENTORBOT_DISCORD", '{"token": "x", "shard_cuont": 2}')
    with pytest.raises(SettingsError) as info:
        load_settings(env_file=None)
    assert sorted(info.value.problems) == [
        "MENTORBOT_DISCORD__SHARD_CUONT: not a MentorBot setting (a key of MENTORBOT_DISCORD); "
        "did you mean MENTORBOT_DISCORD__SHARD_COUNT?",
        "MENTORBOT_SLACK__MDOE: not a MentorBot setting (a key of MENTORBOT_SLACK); "
        "did you mean MENTORBOT_SLACK__MODE?",
    ]
    assert TOKEN not in str(info.value)


def test_a_misspelt_nested_name_is_told_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MENTORBOT_SLACK__MDOE", "http")
    with pytest.raises(SettingsError) as info:
        load_settings(env_file=None)
    assert info.value.problems == (
        "MENTORBOT_SLACK__MDOE: not a MentorBot setting (set in the environment); did you mean MENTORBOT_SLACK__MODE?",
    )


def test_a_json_section_with_known_keys_still_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MENTORBOT_SLACK", '{"bot_token": "xoxb-1", "mode": "http", "signing_secret": "s"}')
    assert load_settings(env_file=None).slack.mode == "http"


# --- config check: every problem, and what run would refuse ---------------------------------------------------


def test_config_check_names_every_problem_of_files_and_adapters(
    monkeypatch: pytest.MonkeyPatch, clean_env: Path
) -> None:
    monkeypatch.setenv("MENTORBOT_SKILLS_FILE", str(clean_env / "missing-skills.toml"))
    monkeypatch.setenv("MENTORBOT_COURSES_FILE", str(clean_env / "missing-courses.toml"))
    monkeypatch.setenv("MENTORBOT_SLACK__BOT_TOKEN", "xoxb-1")  # socket mode, no app token
    monkeypatch.setenv("MENTORBOT_DISCORD__TOKEN", "x")
    monkeypatch.setenv("MENTORBOT_DISCORD__SHARD_IDS", "1")  # without a shard count
    result = CliRunner().invoke(main, ["config", "check"])
    assert result.exit_code == 2, result.output
    found = errors(result.output)
    assert [line.split(":")[1].strip() for line in found] == [
        "MENTORBOT_SKILLS_FILE",
        "MENTORBOT_COURSES_FILE",
        "MENTORBOT_DISCORD__SHARD_IDS",
        "MENTORBOT_SLACK__APP_TOKEN",
    ], found
    assert "ok:" not in result.output


def test_every_wrong_setting_is_named_at_once() -> None:
    # In one line, as `run` and every command print them (tests/test_settings_session30.py).
    env = {"MENTORBOT_DEFAULT_CAPACITY": "11", "MENTORBOT_LOG_LEVEL": "loud", "MENTORBOT_OFFER_TTL": "3"}
    result = CliRunner().invoke(main, ["config", "check"], env=env)
    assert result.exit_code == 2, result.output
    [line] = errors(result.output)
    names = ["MENTORBOT_OFFER_TTL", "MENTORBOT_DEFAULT_CAPACITY", "MENTORBOT_LOG_LEVEL"]
    assert [line.index(name) for name in names] == sorted(line.index(name) for name in names), line


def test_config_check_says_run_would_refuse_without_a_token() -> None:
    check = CliRunner().invoke(main, ["config", "check"])
    assert check.exit_code == 0, check.output  # not an error: the console needs no token
    last = check.output.splitlines()[-1]
    assert last.startswith("note: no platform is configured"), last
    assert "MENTORBOT_DISCORD__TOKEN" in last and "MENTORBOT_SLACK__BOT_TOKEN" in last
    assert "mentorbot run" in last
    assert CliRunner().invoke(main, ["run"]).exit_code == 2


def test_config_check_with_a_platform_configured_ends_with_ok(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MENTORBOT_DISCORD__TOKEN", "x")
    check = CliRunner().invoke(main, ["config", "check"])
    assert check.exit_code == 0, check.output
    assert check.output.splitlines()[-1].startswith("ok: ")
    assert "note:" not in check.output


# --- a skill category without a name --------------------------------------------------------------------------


def test_a_category_without_a_name_in_the_catalogs_is_warned_of_not_refused(clean_env: Path) -> None:
    """A typo ("contnet") made a group of its own in /skills without a word; a community's own category (shown by
    its slug, as the many-skills tests' taxonomy has) must still load after an upgrade: `config check` warns."""
    text = defaults.skills_path().read_text(encoding="utf-8")
    text = text.replace('category = "content"', 'category = "contnet"', 1)
    path = clean_env / "skills.toml"
    path.write_text(text, encoding="utf-8")
    first = next(i for i, skill in enumerate(Taxonomy.load(defaults.skills_path())) if skill.category == "content")
    slug = Taxonomy.load(defaults.skills_path()).skills[first].slug
    Library(path, defaults.courses_path())  # loads: not refused
    _, problems, [warning] = check_files(path, defaults.courses_path())
    assert problems == []
    assert (warning.path, warning.entry, warning.field) == (str(path), f"skill #{first + 1} ({slug})", "category")
    assert "'contnet'" in warning.reason and "did you mean 'content'?" in warning.reason
    assert "'Contnet'" in warning.reason  # how /skills shows it meanwhile


def test_the_shipped_taxonomy_names_every_category() -> None:
    assert unnamed_categories(defaults.skills_path(), Taxonomy.load(defaults.skills_path())) == []


# --- schedules ------------------------------------------------------------------------------------------------


def test_rounds_with_a_malformed_schedule_is_told_once() -> None:
    with pytest.raises(SettingsError) as info:
        load_settings(env_file=None, round_schedule="mon 9am", matching="rounds")
    assert info.value.problems == (
        "MENTORBOT_ROUND_SCHEDULE: expected a weekday and a 24-hour time, such as 'mon 09:00'",
    )
    with pytest.raises(SettingsError, match="'rounds' needs MENTORBOT_ROUND_SCHEDULE"):
        load_settings(env_file=None, matching="rounds")  # left out, it is still named


@pytest.mark.parametrize(
    ("text", "weekday"),
    [
        ("mon 10:00", 0),
        ("Monday 10:00", 0),
        ("tues 10:00", 1),
        ("TUESDAY 10:00", 1),
        ("weds 10:00", 2),
        ("wednesday 10:00", 2),
        ("thur 10:00", 3),
        ("thurs 10:00", 3),
        ("thursday 10:00", 3),
        ("fri 10:00", 4),
        ("saturday 10:00", 5),
        ("sun 10:00", 6),
    ],
)
def test_a_weekday_is_read_in_its_short_and_full_forms(text: str, weekday: int) -> None:
    assert parse_weekly(text).weekday == weekday


@pytest.mark.parametrize("text", ["monkey 10:00", "mond 10:00", "sundays 10:00", "thu. 10:00", "mo 10:00", "tu 10:00"])
def test_a_word_that_is_no_weekday_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="weekday"):
        parse_weekly(text)
    with pytest.raises(SettingsError, match="MENTORBOT_ROUND_SCHEDULE"):
        load_settings(env_file=None, round_schedule=text)
