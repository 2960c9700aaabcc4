"""``mentorbot catalog check``: summary per skill on success, one-line error and exit status 1 on failure."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from mentorbot.catalog_cli import catalog
from mentorbot.courses import default_courses_path
from mentorbot.skills import Taxonomy, default_skills_path

DATA = Path(__file__).parent / "data" / "courses"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(catalog, ["check", *args])
    return result.exit_code, result.stdout, result.stderr


def test_check_the_shipped_catalog_by_default() -> None:
    code, out, err = run()
    assert code == 0, err
    assert err == ""
    taxonomy = Taxonomy.load(default_skills_path())
    lines = out.splitlines()
    assert lines[0].startswith(f"{default_courses_path()}: ")
    assert f"{len(taxonomy)} of {len(taxonomy)} skills covered" in lines[0]
    assert lines[1].split() == ["skill", "courses", "free", "paid", "target"]
    rows = {line.split()[0]: line.split()[1:] for line in lines[2 : 2 + len(taxonomy)]}
    assert set(rows) == set(taxonomy.slugs)
    for total, free, paid, target in rows.values():
        assert int(total) >= 3 and int(free) >= 1 and int(free) + int(paid) == int(total) and target == "ok"
    assert lines[-1].startswith("targets: ")


def test_check_a_given_file_prints_counts_per_skill() -> None:
    code, out, err = run(str(DATA / "valid.toml"))
    assert code == 0
    taxonomy = Taxonomy.load(default_skills_path())
    assert out.splitlines()[0] == (
        f"{DATA / 'valid.toml'}: 3 courses (2 free, 1 paid); 4 of {len(taxonomy)} skills covered"
    )
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines()[2:-1]}
    assert rows["crisis-communications"] == ["2", "2", "0", "MISSED"]
    assert rows["paid-social"] == ["1", "0", "1", "MISSED"]
    assert rows["seo"] == ["0", "0", "0", "MISSED"]
    assert "warning: no course teaches " in err and "warning: target missed: " in err
    assert "seo" in err


def test_strict_fails_when_a_skill_has_no_course() -> None:
    code, _, err = run("--strict", str(DATA / "valid.toml"))
    assert code == 1
    assert "warning: no course teaches" in err
    assert run("--strict")[0] == 0


@pytest.mark.parametrize(
    ("fixture", "where"),
    [
        ("unknown_skill.toml", "course #2 (typo), field 'skills[1]': unknown skill 'crisis-comunications'"),
        ("duplicate_id.toml", "course #3 (same), field 'id': duplicate id 'same'"),
        ("bad_url.toml", "course #2 (ftp-link), field 'url': must be an http:// or https:// address"),
        ("missing_field.toml", "course #1 (no-title), field 'title': is required"),
        ("syntax_error.toml", ": TOML syntax error:"),
    ],
)
def test_check_reports_a_broken_file_on_one_line(fixture: str, where: str) -> None:
    code, out, err = run(str(DATA / fixture))
    assert code == 1
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith(f"error: {DATA / fixture}")
    assert where in err


def test_check_a_missing_file(tmp_path: Path) -> None:
    code, _, err = run(str(tmp_path / "nope.toml"))
    assert code == 1
    assert err.startswith(f"error: {tmp_path / 'nope.toml'}: cannot read the file")


def test_check_with_another_skills_file(tmp_path: Path) -> None:
    skills = tmp_path / "skills.toml"
    skills.write_text(
        '[[skill]]\nslug = "seo"\ncategory = "growth"\nlabel = { en = "SEO", sw = "SEO" }\n', encoding="utf-8"
    )
    code, _, err = run("--skills", str(skills), str(DATA / "valid.toml"))
    assert code == 1
    assert "course #1 (paid-and-analytics), field 'skills[0]': unknown skill 'paid-social'" in err
    courses = tmp_path / "courses.toml"
    courses.write_text((DATA / "missing_field.toml").read_text().replace('id = "no-title"', 'title = "T"\nid = "t"'))
    code, out, _ = run("--skills", str(skills), str(courses))
    assert code == 0
    assert "1 of 1 skills covered" in out


def test_check_warns_of_a_skill_slug_too_long_for_the_platforms_menus(tmp_path: Path) -> None:
    """Found by a hunt of the fakes: a slug is a menu option's value (Discord 100 characters, Slack 150)."""
    slug = "strategy-" * 6 + "planning"
    skills = tmp_path / "skills.toml"
    skills.write_text(
        f'[[skill]]\nslug = "{slug}"\ncategory = "growth"\nlabel = {{ en = "Strategy", sw = "Mkakati" }}\n',
        encoding="utf-8",
    )
    courses = tmp_path / "courses.toml"
    courses.write_text((DATA / "missing_field.toml").read_text().replace('id = "no-title"', 'title = "T"\nid = "t"'))
    courses.write_text(courses.read_text().replace('"seo"', f'"{slug}"'))
    code, _, err = run("--skills", str(skills), str(courses))
    assert code == 0 and f"warning: skill {slug}: a slug over 50 characters" in err, err
    assert run("--strict", "--skills", str(skills), str(courses))[0] == 1


def test_check_reports_a_broken_skills_file(tmp_path: Path) -> None:
    skills = tmp_path / "skills.toml"
    skills.write_text("[[skill]\n", encoding="utf-8")
    code, _, err = run("--skills", str(skills))
    assert code == 1
    assert err.startswith(f"error: {skills}: TOML syntax error")
