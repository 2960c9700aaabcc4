"""Every problem of a skills or courses file is told in one reading (session 39).

Before, `Taxonomy.load` and `load_catalog` stopped at the first broken entry: an admin with three typos in a file
fixed one, ran ``mentorbot config check`` (or reloaded) again, met the second, and so on. Now each entry's problems
(and every field's of an entry) are collected: ``config check`` prints a line each, ``run`` and the console say the
first and how many more, and an admin's reload lists them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from mentorbot import defaults
from mentorbot.cli import main
from mentorbot.courses import load_catalog
from mentorbot.errors import ConfigFileError
from mentorbot.library import check_files
from mentorbot.settings import ENV_PREFIX
from mentorbot.skills import Taxonomy

BROKEN_SKILLS = """
[[skill]]
slug = "seo"
category = "growth"
label = { en = "SEO" }

[[skill]]
slug = "paid-social"
category = "advertising"
label = { en = "Paid social", sw = "Matangazo ya kulipia" }

[[skill]]
slug = "Crisis Comms"
category = "strategy"
label = { en = "Crisis communications", sw = "Mawasiliano ya dharura" }
colour = "red"
"""

BROKEN_COURSES = """
[[course]]
id = "one"
title = "One"
provider = "Somebody"
url = "https://example.org/one"
skills = ["paid-social"]
level = "beginner"
format = "course"
cost = "free"
duration = "self-paced"
language = "en"

[[course]]
id = "two"
title = "Two"
provider = "Somebody"
url = "ftp://example.org/two"
skills = ["paid-social"]
level = "wizard"
format = "course"
cost = "free"
duration = "self-paced"
language = "en"

[[course]]
id = "one"
title = "One again"
provider = "Somebody"
url = "https://example.org/one-again"
skills = ["paid-social"]
level = "beginner"
format = "course"
cost = "free"
duration = "self-paced"
language = "en"
"""


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """No MENTORBOT_* variable of the machine and an empty working directory (no stray ``.env``)."""
    for name in list(os.environ):
        if name.upper().startswith(ENV_PREFIX):
            monkeypatch.delenv(name)
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setattr("mentorbot.app.configure_logging", lambda settings: None)
    yield work


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_every_broken_entry_of_a_skills_file_is_told(tmp_path: Path) -> None:
    path = write(tmp_path, "skills.toml", BROKEN_SKILLS)
    with pytest.raises(ConfigFileError) as caught:
        Taxonomy.load(path)
    problems = caught.value.problems
    where = [(problem.entry, problem.field) for problem in problems]
    # Entry 1 misses its Swahili label; entry 3 has a bad slug and an unknown field: three problems, in file order.
    assert where[0] == ("skill #1 (seo)", "label.sw"), where
    assert [entry for entry, _ in where[1:]] == ["skill #3 (Crisis Comms)"] * 2, where
    assert {field for _, field in where[1:]} == {"slug", "colour"}, where
    # One line still: the first, then how many more (what `run` and the console print).
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}, skill #1 (seo), field 'label.sw': ")
    assert message.endswith("(and 2 more problems in this file: `mentorbot config check` lists them all)")
    assert all(not problem.more for problem in problems), "each problem stands alone"


def test_every_broken_entry_of_a_courses_file_is_told(tmp_path: Path) -> None:
    taxonomy = Taxonomy.load(defaults.skills_path())
    path = write(tmp_path, "courses.toml", BROKEN_COURSES)
    with pytest.raises(ConfigFileError) as caught:
        load_catalog(path, taxonomy)
    lines = [problem.line for problem in caught.value.problems]
    assert len(lines) == 3, lines
    assert "course #2 (two), field 'url'" in lines[0] or "course #2 (two), field 'url'" in lines[1], lines
    assert any("course #2 (two), field 'level'" in line for line in lines[:2]), lines
    assert "course #3 (one), field 'id': duplicate id 'one', already used by course #1 (one)" in lines[2], lines


def test_a_file_with_one_problem_reads_as_before(tmp_path: Path) -> None:
    text = BROKEN_SKILLS.replace('label = { en = "SEO" }', 'label = { en = "SEO", sw = "SEO" }').replace(
        'slug = "Crisis Comms"', 'slug = "crisis-comms"'
    )
    path = write(tmp_path, "skills.toml", text)
    with pytest.raises(ConfigFileError) as caught:
        Taxonomy.load(path)
    assert caught.value.problems == (caught.value,)
    assert str(caught.value) == f"{path}, skill #3 (crisis-comms), field 'colour': unknown field"


def test_check_files_lists_each_problem_of_both_files(tmp_path: Path) -> None:
    skills = write(tmp_path, "skills.toml", BROKEN_SKILLS)
    courses = write(tmp_path, "courses.toml", BROKEN_COURSES)
    snapshot, broken, _ = check_files(skills, courses)
    assert snapshot is None
    assert [Path(problem.path).name for problem in broken] == ["skills.toml"] * 3 + ["courses.toml"] * 3


def test_config_check_prints_a_line_for_each_problem(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MENTORBOT_SKILLS_FILE", str(write(tmp_path, "skills.toml", BROKEN_SKILLS)))
    result = CliRunner().invoke(main, ["config", "check"])
    assert result.exit_code == 2, result.output
    found = [line for line in result.output.splitlines() if line.startswith("error: MENTORBOT_SKILLS_FILE")]
    assert len(found) == 3, result.output
    assert not any("more problem" in line for line in found), "config check lists each, it does not count them"



def test_catalog_check_of_a_file_prints_a_line_for_each_problem(tmp_path: Path) -> None:
    """`catalog check FILE` said the first and pointed at `config check`, which checks the settings' files, not
    FILE: the other problems of the file it was given were listed nowhere."""
    courses = write(tmp_path, "courses.toml", BROKEN_COURSES)
    result = CliRunner().invoke(main, ["catalog", "check", str(courses), "--skills", str(defaults.skills_path())])
    assert result.exit_code == 1, result.output
    found = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(found) == 3, result.output
    assert not any("config check" in line for line in found), found
