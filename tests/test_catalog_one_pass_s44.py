"""`mentorbot catalog check` (and `load_catalog`, which a reload uses) reports every problem of every entry in one
run, as `load_catalog` promises. Before, an entry needed several runs: its skills were checked up to the first
bad slug only (a second bad slug, or an alias written for a slug, showed once the first was fixed), an entry
with any problem skipped the duplicate-id check (its id clash showed once everything else was fixed), and a free
resource given a price was told so only once its other fields were right."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from mentorbot.catalog_cli import catalog as catalog_command
from mentorbot.courses import load_catalog
from mentorbot.errors import ConfigFileError
from mentorbot.skills import Taxonomy

GOOD = """
[[course]]
id = "a-one"
title = "A"
provider = "P"
url = "https://example.org/a"
skills = ["seo"]
level = "beginner"
format = "course"
cost = "free"
duration = "6 hours"
language = "en"
"""

BAD = """
[[course]]
id = "a-one"
title = "B"
provider = "P"
url = "htps://example.org/b"
skills = ["seoo", "email", "seo", "seo", "crisis-comunications"]
level = "expert"
format = "course"
cost = "free"
price = "USD 10"
duration = "6 hours"
language = "ws"
"""


def problems(tmp_path: Path, taxonomy: Taxonomy | None, text: str) -> list[tuple[str | None, str | None, str]]:
    path = tmp_path / "courses.toml"
    path.write_text(text, encoding="utf-8")
    try:
        load_catalog(path, taxonomy)
    except ConfigFileError as exc:
        return [(each.entry, each.field, each.reason) for each in exc.problems]
    return []


def test_one_run_reports_every_problem_of_the_entry(tmp_path: Path, taxonomy: Taxonomy) -> None:
    found = problems(tmp_path, taxonomy, GOOD + BAD)
    assert all(entry == "course #2 (a-one)" for entry, _, _ in found), found
    fields = sorted(field or "" for _, field, _ in found)
    expected = ["id", "language", "level", "price", "skills[0]", "skills[1]", "skills[3]", "skills[4]", "url"]
    assert fields == expected, found
    reasons = {field: reason for _, field, reason in found}
    assert "unknown skill 'seoo'; did you mean 'seo'" in reasons["skills[0]"]
    assert "'email' is not a skill slug; write 'email-marketing'" in reasons["skills[1]"]
    assert "'seo' is listed twice" in reasons["skills[3]"]
    assert "unknown skill 'crisis-comunications'" in reasons["skills[4]"]
    assert "duplicate id 'a-one', already used by course #1 (a-one)" in reasons["id"]
    assert "a free resource has no price" in reasons["price"]


def test_the_problems_of_an_entry_come_in_the_order_of_its_fields(tmp_path: Path, taxonomy: Taxonomy) -> None:
    fields = [field for _, field, _ in problems(tmp_path, taxonomy, GOOD + BAD)]
    assert fields == ["url", "skills[0]", "skills[1]", "skills[3]", "skills[4]", "level", "price", "language", "id"]


def test_an_id_clash_is_told_whatever_else_is_wrong_with_either_entry(tmp_path: Path, taxonomy: Taxonomy) -> None:
    broken_first = BAD.replace('"seoo", "email", "seo", "seo", "crisis-comunications"', '"seo"')
    found = problems(tmp_path, taxonomy, broken_first + GOOD)
    assert ("course #2 (a-one)", "id", "duplicate id 'a-one', already used by course #1 (a-one)") in found
    assert {entry for entry, field, _ in found if field != "id"} == {"course #1 (a-one)"}


def test_an_id_that_is_no_id_is_not_also_a_duplicate(tmp_path: Path, taxonomy: Taxonomy) -> None:
    found = problems(tmp_path, taxonomy, (GOOD + GOOD).replace('"a-one"', '"A One"'))
    assert [field for _, field, _ in found] == ["id", "id"]
    assert all("lowercase letters" in reason for _, _, reason in found)


def test_without_a_taxonomy_only_the_repeated_skill_is_told(tmp_path: Path) -> None:
    found = problems(tmp_path, None, GOOD + BAD)
    skills = [(field, reason) for _, field, reason in found if field and field.startswith("skills")]
    assert skills == [("skills[3]", "'seo' is listed twice")]


def test_catalog_check_shows_them_all_at_once(tmp_path: Path) -> None:
    path = tmp_path / "courses.toml"
    path.write_text(GOOD + BAD, encoding="utf-8")
    result = CliRunner().invoke(catalog_command, ["check", str(path)])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 9, lines
    for needle in ("'skills[0]'", "'skills[1]'", "'skills[3]'", "'skills[4]'", "field 'id': duplicate id"):
        assert any(needle in line for line in lines), (needle, lines)


def test_a_valid_file_still_loads(tmp_path: Path, taxonomy: Taxonomy) -> None:
    assert problems(tmp_path, taxonomy, GOOD) == []
