"""The course catalog: the shipped file, loading, validation errors and keeping the old catalog on error."""

from __future__ import annotations

import contextlib
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from mentorbot.courses import (
    Catalog,
    Cost,
    Course,
    CourseLevel,
    Duration,
    DurationKind,
    DurationUnit,
    Format,
    default_courses_path,
    load_catalog,
    parse_duration,
)
from mentorbot.errors import ConfigFileError
from mentorbot.recommendations import recommend
from mentorbot.skills import Taxonomy

DATA = Path(__file__).parent / "data" / "courses"

VALID_ENTRY = """
[[course]]
id = "ok"
title = "A fine course"
provider = "Example"
url = "https://example.org/ok"
skills = ["seo"]
level = "beginner"
format = "course"
cost = "free"
duration = "2 hours"
language = "en"
"""


def entry(**changes: str | None) -> str:
    """A one-course file: VALID_ENTRY with fields replaced (raw TOML values) or removed (None)."""
    lines = []
    for line in VALID_ENTRY.strip().splitlines():
        key = line.split(" = ")[0]
        if key in changes:
            value = changes.pop(key)
            if value is not None:
                lines.append(f"{key} = {value}")
        else:
            lines.append(line)
    lines.extend(f"{key} = {value}" for key, value in changes.items() if value is not None)
    return "\n".join(lines) + "\n"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "courses.toml"
    path.write_text(text, encoding="utf-8")
    return path


def load_error(path: Path, taxonomy: Taxonomy) -> ConfigFileError:
    with pytest.raises(ConfigFileError) as info:
        load_catalog(path, taxonomy)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    return info.value


# --- the shipped catalog ---------------------------------------------------------------------------


def test_default_path_is_the_shipped_file() -> None:
    path = default_courses_path()
    assert path.is_file()
    assert path.parts[-3:] == ("mentorbot", "defaults", "courses.toml")


def test_shipped_catalog_is_large_enough_and_varied(shipped: Catalog) -> None:
    assert len(shipped) >= 40
    assert {course.format for course in shipped} == set(Format)
    assert {course.level for course in shipped} == set(CourseLevel)
    assert {course.cost for course in shipped} == set(Cost)


def test_every_taxonomy_skill_has_a_course_in_the_shipped_file(shipped: Catalog, taxonomy: Taxonomy) -> None:
    missing = [row.slug for row in shipped.coverage(taxonomy) if row.total == 0]
    assert missing == []
    assert shipped.skills_covered == taxonomy.slugs


def test_shipped_entries_are_well_formed(shipped: Catalog) -> None:
    ids = [course.id for course in shipped]
    assert len(ids) == len(set(ids))
    for course in shipped:
        parts = urlsplit(course.url)
        assert parts.scheme == "https", course.id
        assert parts.hostname and parts.hostname.split(".")[-2] != "example", course.id
        assert course.skills and len(set(course.skills)) == len(course.skills)
        assert course.price is None or not course.free


def test_shipped_catalog_names_the_resources_the_issue_asks_for(shipped: Catalog) -> None:
    titles = " | ".join(f"{course.title} ({course.provider})" for course in shipped)
    for expected in (
        "Mini MBA in Brand Management",
        "Hootsuite Academy",
        "Sprout Social",
        "Meta Blueprint",
        "Google Analytics",
        "MIT OpenCourseWare",
        "Ajira Digital",
        "Disclosures 101 for Social Media Influencers",
        "Google Digital Garage",
        "Social Media Marketing Certification",
        "Content Marketing Certification",
        "Email Marketing Certification",
        "Inbound Certification",
        "Social Media Marketing Specialization",
        "Google Digital Marketing & E-commerce",
        "Jinsi ya kuunda na kudumisha katalogi",
    ):
        assert expected in titles
    # The LinkedIn Learning course and Hootsuite Services could not be verified (docs/catalog-sources.md): the
    # crisis skill has verified courses of its own instead.
    crisis = shipped.for_skill("crisis-communications")
    assert sum(course.format is Format.COURSE and "Crisis Communication" in course.title for course in crisis) >= 2
    assert any(course.format is Format.COACHING for course in shipped)
    assert any(course.format is Format.DEGREE for course in shipped)


# --- loading a valid file --------------------------------------------------------------------------


def test_valid_fixture_loads_with_lookups(taxonomy: Taxonomy) -> None:
    catalog = load_catalog(DATA / "valid.toml", taxonomy)
    assert len(catalog) == 3
    assert catalog.source == DATA / "valid.toml"
    course = catalog.get("paid-and-analytics")
    assert course is not None
    assert course.skills == ("paid-social", "analytics-reporting")
    assert (course.level, course.format, course.cost, course.price) == (
        CourseLevel.INTERMEDIATE,
        Format.CERTIFICATE,
        Cost.PAID,
        "USD 49",
    )
    assert catalog.get("nope") is None
    assert [c.id for c in catalog.for_skill("crisis-communications")] == ["crisis-basics", "practitioner-reading"]
    assert catalog.for_skill("seo") == ()
    reading = catalog.get("practitioner-reading")
    assert reading is not None and reading.format is Format.READING_LIST and reading.free


def test_coverage_counts_free_and_paid(taxonomy: Taxonomy) -> None:
    catalog = load_catalog(DATA / "valid.toml", taxonomy)
    rows = {row.slug: row for row in catalog.coverage(taxonomy)}
    assert [row.slug for row in catalog.coverage(taxonomy)] == [s.slug for s in taxonomy.skills]
    assert (rows["crisis-communications"].total, rows["crisis-communications"].free) == (2, 2)
    assert (rows["paid-social"].total, rows["paid-social"].paid) == (1, 1)
    assert rows["seo"].total == 0


def test_choices_accept_any_case_and_spacing(tmp_path: Path, taxonomy: Taxonomy) -> None:
    path = write(tmp_path, entry(level='"Advanced"', format='"Reading_List"', cost='"PAID"', price='"£10"'))
    course = load_catalog(path, taxonomy).courses[0]
    assert (course.level, course.format, course.cost) == (CourseLevel.ADVANCED, Format.READING_LIST, Cost.PAID)


# --- validation errors: file, entry and field named ------------------------------------------------


def test_unknown_skill_slug_is_refused_with_a_suggestion(taxonomy: Taxonomy) -> None:
    error = load_error(DATA / "unknown_skill.toml", taxonomy)
    assert error.entry == "course #2 (typo)"
    assert error.field == "skills[1]"
    assert "unknown skill 'crisis-comunications'" in error.reason
    assert "crisis-communications" in error.reason


def test_an_alias_is_not_a_slug(tmp_path: Path, taxonomy: Taxonomy) -> None:
    error = load_error(write(tmp_path, entry(skills='["ppc"]')), taxonomy)
    assert error.field == "skills[0]"
    assert "write 'paid-social'" in error.reason


def test_duplicate_id_is_refused(taxonomy: Taxonomy) -> None:
    error = load_error(DATA / "duplicate_id.toml", taxonomy)
    assert error.entry == "course #3 (same)"
    assert error.field == "id"
    assert "already used by course #1 (same)" in error.reason


def test_an_id_longer_than_a_button_can_carry_loads_and_the_check_warns(tmp_path: Path, taxonomy: Taxonomy) -> None:
    """A catalog that loaded before keeps loading (a deployment's own file must not stop the bot after an upgrade);
    `catalog check` warns that the id's vote buttons are left out on Discord, and `--strict` fails on it."""
    from click.testing import CliRunner

    from mentorbot.catalog_cli import catalog as catalog_command

    long_id = "-".join(["meta-social-media-marketing"] * 2)
    assert len(long_id) == 55
    path = write(tmp_path, entry(id=f'"{long_id}"'))
    assert [c.id for c in load_catalog(path, taxonomy)] == [long_id]
    checked = CliRunner().invoke(catalog_command, ["check", str(path)])
    assert f"warning: {long_id}: an id over 50 characters" in checked.stderr
    strict = CliRunner().invoke(catalog_command, ["check", "--strict", str(path)])
    assert strict.exit_code == 1


@pytest.mark.parametrize(
    "url", ['"ftp://example.org/x"', '"javascript:alert(1)"', '"www.example.org/course"', '"https://"']
)
def test_url_must_be_http_or_https(tmp_path: Path, taxonomy: Taxonomy, url: str) -> None:
    error = load_error(write(tmp_path, entry(url=url)), taxonomy)
    assert (error.entry, error.field) == ("course #1 (ok)", "url")
    assert "http" in error.reason


def test_bad_url_fixture_names_the_second_entry(taxonomy: Taxonomy) -> None:
    error = load_error(DATA / "bad_url.toml", taxonomy)
    assert (error.entry, error.field) == ("course #2 (ftp-link)", "url")
    assert "'ftp:'" in error.reason
    assert str(error) == (f"{DATA / 'bad_url.toml'}, course #2 (ftp-link), field 'url': {error.reason}")


def test_missing_field_is_refused(taxonomy: Taxonomy) -> None:
    error = load_error(DATA / "missing_field.toml", taxonomy)
    assert (error.entry, error.field, error.reason) == ("course #1 (no-title)", "title", "is required")


REQUIRED = ["id", "provider", "url", "skills", "level", "format", "cost", "duration", "language"]


@pytest.mark.parametrize("field", REQUIRED)
def test_every_required_field_is_checked(tmp_path: Path, taxonomy: Taxonomy, field: str) -> None:
    error = load_error(write(tmp_path, entry(**{field: None})), taxonomy)
    assert (error.field, error.reason) == (field, "is required")
    assert error.entry is not None and error.entry.startswith("course #1")


def test_toml_syntax_error_is_refused_with_its_line(taxonomy: Taxonomy) -> None:
    error = load_error(DATA / "syntax_error.toml", taxonomy)
    assert (error.entry, error.field) == (None, None)
    assert error.reason.startswith("TOML syntax error")
    assert "line 3" in error.reason


@pytest.mark.parametrize(
    ("changes", "field", "needle"),
    [
        ({"level": '"expert"'}, "level", "'beginner', 'intermediate' or 'advanced'"),
        ({"format": '"video"'}, "format", "'reading-list'"),
        ({"cost": '"cheap"'}, "cost", "'free' or 'paid'"),
        ({"price": '"USD 10"'}, "price", "a free resource has no price"),
        ({"duration": '"a while"'}, "duration", "'3-6 months'"),
        ({"duration": '"6-3 months"'}, "duration", "rising range"),
        ({"language": '"English"'}, "language", "ISO 639"),
        ({"skills": "[]"}, "skills", "at least one skill"),
        ({"skills": '["seo", "seo"]'}, "skills[1]", "listed twice"),
        ({"id": '"Not An Id"'}, "id", "lowercase letters"),
        ({"title": '"  "'}, "title", "at least 1 character"),
        ({"teacher": '"someone"'}, "teacher", "unknown field"),
    ],
)
def test_field_problems_name_the_field(
    tmp_path: Path, taxonomy: Taxonomy, changes: dict[str, str], field: str, needle: str
) -> None:
    error = load_error(write(tmp_path, entry(**changes)), taxonomy)
    assert error.field == field
    assert needle in error.reason


def test_file_level_problems(tmp_path: Path, taxonomy: Taxonomy) -> None:
    missing = load_error(tmp_path / "absent.toml", taxonomy)
    assert "cannot read the file" in missing.reason
    empty = load_error(write(tmp_path, "# nothing here\n"), taxonomy)
    assert (empty.field, empty.reason) == ("course", "no courses defined: add [[course]] tables")
    stray = load_error(write(tmp_path, "version = 1\n" + VALID_ENTRY), taxonomy)
    assert stray.field == "version"
    not_tables = load_error(write(tmp_path, 'course = "x"\n'), taxonomy)
    assert not_tables.field == "course"


def test_a_failed_reload_leaves_the_previous_catalog_in_service(tmp_path: Path, taxonomy: Taxonomy) -> None:
    path = write(tmp_path, (DATA / "valid.toml").read_text(encoding="utf-8"))
    current = load_catalog(path, taxonomy)
    for broken in ("duplicate_id.toml", "syntax_error.toml", "bad_url.toml", "unknown_skill.toml"):
        path.write_text((DATA / broken).read_text(encoding="utf-8"), encoding="utf-8")
        with contextlib.suppress(ConfigFileError):  # what a reload does: keep serving the catalog we have
            current = load_catalog(path, taxonomy)
        assert len(current) == 3
        result = recommend(current, taxonomy, ["crisis-communications"])
        assert [item.course.id for item in result.items] == ["crisis-basics", "practitioner-reading"]
    path.write_text(VALID_ENTRY, encoding="utf-8")
    current = load_catalog(path, taxonomy)
    assert [course.id for course in current] == ["ok"]


# --- the model on its own --------------------------------------------------------------------------


def test_catalog_refuses_duplicate_ids() -> None:
    course = Course.model_validate(
        {
            "id": "x",
            "title": "X",
            "provider": "P",
            "url": "https://example.org",
            "skills": ["seo"],
            "level": "beginner",
            "format": "course",
            "cost": "free",
            "duration": "1 hour",
            "language": "en",
        }
    )
    with pytest.raises(ValueError, match="duplicate course id 'x'"):
        Catalog([course, course])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("6 hours", Duration(low=6, unit=DurationUnit.HOUR)),
        ("1 hour", Duration(low=1, unit=DurationUnit.HOUR)),
        ("3-6 Months", Duration(low=3, high=6, unit=DurationUnit.MONTH)),
        ("3 – 6 weeks", Duration(low=3, high=6, unit=DurationUnit.WEEK)),
        ("2 years", Duration(low=2, unit=DurationUnit.YEAR)),
        ("ongoing", Duration(kind=DurationKind.ONGOING)),
        ("Self paced", Duration(kind=DurationKind.SELF_PACED)),
        ("varies", Duration(kind=DurationKind.VARIES)),
    ],
)
def test_parse_duration(text: str, expected: Duration) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "soon", "0 hours", "6", "six hours", "5-5 days"])
def test_parse_duration_refuses_nonsense(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


@pytest.mark.parametrize(
    "url",
    [
        '"https://.org/guide"',
        '"https://example..org/guide"',
        '"https://[example.org/guide"',
        '"https://example.org]/guide"',
        '"https://example.org/a\\u0000b"',
        '"https://example.org/a\\u0007b"',
        '"https://example.org/a\\u200bb"',
    ],
)
def test_url_needs_a_name_on_each_side_of_a_dot_and_no_hidden_characters(
    tmp_path: Path, taxonomy: Taxonomy, url: str
) -> None:
    """Before: `https://.org/guide` and the hidden characters loaded, and a bracket failed inside urlsplit. The
    same rule refuses a member's suggestion (tests/usecases/test_curation_hunt.py)."""
    error = load_error(write(tmp_path, entry(url=url)), taxonomy)
    assert (error.entry, error.field) == ("course #1 (ok)", "url")
    assert "full web address" in error.reason


def test_catalog_sources_has_a_row_for_every_shipped_entry(shipped: Catalog) -> None:
    """docs/catalog-sources.md says every entry is listed: each id is its row's whole first cell. Before: the three
    Swahili entries' cells read "`id` (sw)"."""
    page = (Path(__file__).parents[1] / "docs" / "catalog-sources.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip() for line in page.splitlines() if line.startswith("| `")}
    assert [course.id for course in shipped if f"`{course.id}`" not in rows] == []
