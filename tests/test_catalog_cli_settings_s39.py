"""Session 39 (docs hunt): ``mentorbot catalog check`` checks the files the bot would load.

Run bare, it validated the packaged copies of config/courses.toml and config/skills.toml whatever
MENTORBOT_COURSES_FILE and MENTORBOT_SKILLS_FILE said: an admin checking their own catalog was told the shipped one
was fine. Now FILE and ``--skills`` default to the settings' files (from the environment or ``.env``, as every
command reads them; a broken setting refused in one line, exit 2), and arguments given still come first.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from mentorbot.catalog_cli import catalog
from mentorbot.courses import default_courses_path
from mentorbot.skills import default_skills_path

DATA = Path(__file__).parent / "data" / "courses"
REPO = Path(__file__).parent.parent
ONE_SKILL = '[[skill]]\nslug = "seo"\ncategory = "growth"\nlabel = { en = "SEO", sw = "SEO" }\n'


pytestmark = pytest.mark.usefixtures("clean_env")


@pytest.fixture
def own_files(tmp_path: Path) -> tuple[Path, Path]:
    """An admin's own skills (one skill) and courses (one course teaching it)."""
    skills = tmp_path / "my-skills.toml"
    skills.write_text(ONE_SKILL, encoding="utf-8")
    courses = tmp_path / "my-courses.toml"
    courses.write_text((DATA / "missing_field.toml").read_text().replace('id = "no-title"', 'title = "T"\nid = "t"'))
    return skills, courses


def check(*args: str) -> Result:
    return CliRunner().invoke(catalog, ["check", *args])


def test_bare_it_checks_the_files_the_settings_name(
    monkeypatch: pytest.MonkeyPatch, own_files: tuple[Path, Path]
) -> None:
    skills, courses = own_files
    monkeypatch.setenv("MENTORBOT_SKILLS_FILE", str(skills))
    monkeypatch.setenv("MENTORBOT_COURSES_FILE", str(courses))
    result = check()
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == f"{courses}: 1 courses (1 free, 0 paid); 1 of 1 skills covered"


def test_the_settings_are_read_from_dot_env_too(clean_env: Path, own_files: tuple[Path, Path]) -> None:
    skills, courses = own_files
    (clean_env / ".env").write_text(f"MENTORBOT_SKILLS_FILE={skills}\nMENTORBOT_COURSES_FILE={courses}\n")
    result = check()
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"{courses}: 1 courses")


def test_the_courses_setting_alone_is_checked_against_the_packaged_skills(
    monkeypatch: pytest.MonkeyPatch, own_files: tuple[Path, Path]
) -> None:
    _, courses = own_files
    monkeypatch.setenv("MENTORBOT_COURSES_FILE", str(courses))
    result = check()
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"{courses}: 1 courses (1 free, 0 paid); 1 of 29 skills covered")


def test_arguments_given_come_before_the_settings(
    monkeypatch: pytest.MonkeyPatch, own_files: tuple[Path, Path]
) -> None:
    skills, courses = own_files
    monkeypatch.setenv("MENTORBOT_SKILLS_FILE", str(skills))
    monkeypatch.setenv("MENTORBOT_COURSES_FILE", str(courses))
    given = check(str(default_courses_path()), "--skills", str(default_skills_path()))
    assert given.exit_code == 0, given.output
    assert given.stdout.startswith(f"{default_courses_path()}: ") and "29 of 29 skills covered" in given.stdout
    # FILE given, --skills from the setting: the shipped catalog names skills the one-skill file lacks.
    mixed = check(str(default_courses_path()))
    assert mixed.exit_code == 1
    assert mixed.stderr.startswith(f"error: {default_courses_path()}, course #1 ")
    assert "unknown skill" in mixed.stderr


def test_a_broken_file_a_setting_names_is_led_by_the_setting(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = clean_env / "nowhere.toml"
    monkeypatch.setenv("MENTORBOT_SKILLS_FILE", str(missing))
    result = check()
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: MENTORBOT_SKILLS_FILE: {missing}: cannot read the file (No such file or directory)\n"
    )
    monkeypatch.delenv("MENTORBOT_SKILLS_FILE")
    monkeypatch.setenv("MENTORBOT_COURSES_FILE", str(missing))
    assert check().stderr.startswith(f"error: MENTORBOT_COURSES_FILE: {missing}: cannot read the file")
    # Given as an argument, the file is no setting's: named alone, as before.
    assert check(str(missing)).stderr.startswith(f"error: {missing}: cannot read the file")


def test_a_broken_setting_is_refused_as_every_command_refuses_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MENTORBOT_DEFAULT_LANGUAGE", "fr")
    result = check()
    assert result.exit_code == 2
    assert result.stderr == "error: MENTORBOT_DEFAULT_LANGUAGE: Input should be 'en' or 'sw'\n"
    assert result.stdout == ""
    # Both files given: no setting is needed, none is read.
    both = check(str(default_courses_path()), "--skills", str(default_skills_path()))
    assert both.exit_code == 0, both.output


def test_from_the_repository_root_without_dot_env_it_checks_config_courses_toml(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What ``make catalog`` runs (``mentorbot catalog check --strict`` from the repository root, in CI): with no
    MENTORBOT_*_FILE set, the settings' default is the packaged copy, byte-identical to config/courses.toml."""
    if (REPO / ".env").exists():
        pytest.skip("a .env at the repository root may name other files")
    monkeypatch.chdir(REPO)
    result = check("--strict")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"{default_courses_path()}: ")
    assert default_courses_path().read_bytes() == (REPO / "config" / "courses.toml").read_bytes()
    assert default_skills_path().read_bytes() == (REPO / "config" / "skills.toml").read_bytes()


def test_its_help_says_which_files_it_checks() -> None:
    text = " ".join(check("--help").output.split())
    assert "MENTORBOT_COURSES_FILE" in text and "MENTORBOT_SKILLS_FILE" in text
