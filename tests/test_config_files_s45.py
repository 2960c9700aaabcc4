"""The skills and courses files as an admin's editor saves them (session 45).

1. A file saved "UTF-8 with BOM" (Notepad before 2019, PowerShell 5's ``Set-Content -Encoding UTF8``) was refused
   with "TOML syntax error: Invalid statement (at line 1, column 1)", a place where the admin sees nothing wrong,
   while the same editor's ``.env`` and mentors CSV were read. The byte-order mark is no part of the text now:
   both files are read as without it (`skills.read_config_toml`).
2. A courses file whose TOML error tomllib places "at end of document" (a list or inline table left open in the
   last entry) was told with no line, where the skills file's was told "at end of document, line N". Both files
   are read by the one helper now, which gives the line.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mentorbot import defaults
from mentorbot.cli import main
from mentorbot.courses import load_catalog
from mentorbot.errors import ConfigFileError
from mentorbot.skills import Taxonomy, read_config_toml

pytestmark = pytest.mark.usefixtures("clean_env")

BOM = b"\xef\xbb\xbf"
SKILLS = defaults.skills_path()
COURSES = defaults.courses_path()


def _as_notepad_saves(source: Path, target: Path) -> Path:
    """`source` as Notepad's "UTF-8 with BOM" saves it: the mark first, Windows line ends."""
    target.write_bytes(BOM + source.read_bytes().replace(b"\n", b"\r\n"))
    return target


def _check(tmp_path: Path, **env: str) -> tuple[int, str]:
    db = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    result = CliRunner().invoke(main, ["config", "check"], env={"MENTORBOT_DATABASE_URL": db, **env})
    return result.exit_code, result.output


# ---------------------------------------------------------------------------------------------- 1. a BOM


def test_a_skills_file_with_a_bom_loads_as_without_it(tmp_path: Path) -> None:
    saved = _as_notepad_saves(SKILLS, tmp_path / "skills.toml")
    assert Taxonomy.load(saved).skills == Taxonomy.load(SKILLS).skills


def test_a_courses_file_with_a_bom_loads_as_without_it(tmp_path: Path) -> None:
    taxonomy = Taxonomy.load(SKILLS)
    saved = _as_notepad_saves(COURSES, tmp_path / "courses.toml")
    assert load_catalog(saved, taxonomy).courses == load_catalog(COURSES, taxonomy).courses


def test_config_check_reads_both_files_saved_with_a_bom(tmp_path: Path) -> None:
    skills = _as_notepad_saves(SKILLS, tmp_path / "skills.toml")
    courses = _as_notepad_saves(COURSES, tmp_path / "courses.toml")
    code, output = _check(tmp_path, MENTORBOT_SKILLS_FILE=str(skills), MENTORBOT_COURSES_FILE=str(courses))
    assert code == 0, output
    assert "TOML syntax error" not in output


def test_catalog_check_reads_files_saved_with_a_bom(tmp_path: Path) -> None:
    skills = _as_notepad_saves(SKILLS, tmp_path / "skills.toml")
    courses = _as_notepad_saves(COURSES, tmp_path / "courses.toml")
    result = CliRunner().invoke(main, ["catalog", "check", str(courses), "--skills", str(skills)])
    assert "TOML syntax error" not in result.output, result.output
    alone = CliRunner().invoke(main, ["catalog", "check", str(courses)])
    assert "TOML syntax error" not in alone.output, alone.output
    plain = CliRunner().invoke(main, ["catalog", "check", str(COURSES)])
    assert (result.exit_code, alone.exit_code) == (plain.exit_code, plain.exit_code), result.output


def test_an_error_after_a_bom_is_told_at_its_own_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "skills.toml"
    path.write_bytes(BOM + b"[[skill]]\r\nslug = seo\r\n")
    with pytest.raises(ConfigFileError, match=r"TOML syntax error: .*line 2, column 8"):
        Taxonomy.load(path)


def test_a_file_that_is_not_utf8_is_still_told_so(tmp_path: Path) -> None:
    path = tmp_path / "courses.toml"
    path.write_bytes(b"\xff\xfe[\x00")  # UTF-16, as PowerShell 5's `-Encoding Unicode` writes
    with pytest.raises(ConfigFileError, match="not UTF-8 text"):
        load_catalog(path, None)


# ------------------------------------------------------------------------- 2. "at end of document", a line


@pytest.mark.parametrize("command", [["config", "check"], ["catalog", "check"]])
def test_a_courses_error_at_the_end_of_the_document_has_its_line(tmp_path: Path, command: list[str]) -> None:
    path = tmp_path / "courses.toml"
    path.write_text(COURSES.read_text(encoding="utf-8") + '\n[[course]]\nid = "x"\nskills = ["seo",\n')
    lines = len(path.read_text(encoding="utf-8").splitlines())
    db = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    env = {"MENTORBOT_DATABASE_URL": db, "MENTORBOT_COURSES_FILE": str(path)}
    result = CliRunner().invoke(main, [*command, *([str(path)] if command[0] == "catalog" else [])], env=env)
    last = result.output.strip().splitlines()[-1]
    assert result.exit_code != 0, result.output
    assert "TOML syntax error: " in last and f"at end of document, line {lines})" in last, last


def test_both_files_tell_an_error_at_the_end_of_the_document_alike(tmp_path: Path) -> None:
    skills, courses = tmp_path / "skills.toml", tmp_path / "courses.toml"
    skills.write_text('[[skill]]\nslug = "seo"\naliases = ["x",\n', encoding="utf-8")
    courses.write_text('[[course]]\nid = "x"\nskills = ["seo",\n', encoding="utf-8")
    with pytest.raises(ConfigFileError) as from_skills:
        Taxonomy.load(skills)
    with pytest.raises(ConfigFileError) as from_courses:
        load_catalog(courses, None)
    assert from_skills.value.reason == from_courses.value.reason
    assert from_courses.value.reason.endswith("(at end of document, line 3)"), from_courses.value.reason


# -------------------------------------------------------------------------------------------- invariants


_SHIPPED = {path: path.read_text(encoding="utf-8") for path in (SKILLS, COURSES)}


def _outcome(path: Path) -> object:
    """What `read_config_toml` makes of `path`: its data, or the reason of its error."""
    try:
        return read_config_toml(path)
    except ConfigFileError as exc:
        return exc.reason


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(which=st.sampled_from(sorted(_SHIPPED)), cut=st.floats(min_value=0, max_value=1), crlf=st.booleans())
def test_every_toml_syntax_error_names_a_line_and_a_bom_changes_nothing(
    tmp_path: Path, which: Path, cut: float, crlf: bool
) -> None:
    """A shipped file cut anywhere (a save interrupted, a paste cut short) reads the same with a byte-order mark as
    without (its data, or the very same error), and when it is no TOML any more the error names the line: the
    admin is never left with "at end of document" alone, nor sent to line 1, column 1 by the mark."""
    text = _SHIPPED[which][: int(len(_SHIPPED[which]) * cut)]
    body = text.encode("utf-8").replace(b"\n", b"\r\n") if crlf else text.encode("utf-8")
    plain, marked = tmp_path / f"plain-{which.name}", tmp_path / f"bom-{which.name}"
    plain.write_bytes(body)
    marked.write_bytes(BOM + body)
    outcome = _outcome(plain)
    assert _outcome(marked) == outcome
    if isinstance(outcome, str):
        assert outcome.startswith("TOML syntax error: "), outcome
        assert re.search(r"\(at line \d+, column \d+\)$|\(at end of document, line \d+\)$", outcome), outcome
