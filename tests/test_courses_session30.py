"""A course's language written as a three-letter ISO 639 code (``language = "swa"``) is kept as its two-letter
equivalent (``sw``), as CLDR's language aliases (through Babel) give it. Before, the validator accepted "swa" as
written, while ranking, the reader's language and ``catalog check`` compare two-letter codes: a Swahili resource
ranked last for Swahili readers (as in a language they may not read), showed its language as "SWA" and was not
counted among the Swahili resources."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from mentorbot.catalog_cli import catalog as catalog_command
from mentorbot.courses import Catalog, default_courses_path, load_catalog
from mentorbot.errors import ConfigFileError
from mentorbot.recommendations import recommend, render_recommendations
from mentorbot.skills import Taxonomy

ENTRY = """
[[course]]
id = "video-fupi-mwongozo"
title = "Mwongozo wa video fupi"
provider = "Mfano Academy"
url = "https://mfano.co.ke/video-fupi"
skills = ["short-form-video"]
level = "beginner"
format = "course"
cost = "free"
duration = "self-paced"
language = "{language}"
"""


def with_entry(tmp_path: Path, language: str) -> Path:
    path = tmp_path / "courses.toml"
    text = default_courses_path().read_text(encoding="utf-8") + ENTRY.format(language=language)
    path.write_text(text, encoding="utf-8")
    return path


def loaded(tmp_path: Path, taxonomy: Taxonomy, language: str) -> Catalog:
    return load_catalog(with_entry(tmp_path, language), taxonomy)


def language_of(catalog: Catalog) -> str:
    return next(course.language for course in catalog if course.id == "video-fupi-mwongozo")


@pytest.mark.parametrize(
    ("written", "kept"),
    [("swa", "sw"), ("swh", "sw"), ("eng", "en"), ("fra", "fr"), ("fre", "fr"), ("sw", "sw"), ("luo", "luo")],
)
def test_a_code_with_a_two_letter_equivalent_is_kept_as_it(
    tmp_path: Path, taxonomy: Taxonomy, written: str, kept: str
) -> None:
    assert language_of(loaded(tmp_path, taxonomy, written)) == kept


@pytest.mark.parametrize("written", ["SWA", "kiswahili", "s"])
def test_a_code_that_is_no_iso_639_code_is_still_refused(tmp_path: Path, taxonomy: Taxonomy, written: str) -> None:
    with pytest.raises(ConfigFileError, match="ISO 639"):
        loaded(tmp_path, taxonomy, written)


def test_a_swahili_resource_written_swa_comes_first_for_a_swahili_reader(tmp_path: Path, taxonomy: Taxonomy) -> None:
    catalog = loaded(tmp_path, taxonomy, "swa")
    found = recommend(catalog, taxonomy, ["short-form-video"], lang="sw")
    assert found.items[0].course.id == "video-fupi-mwongozo"
    shown = render_recommendations(found, "sw")
    meta = next(field.value.splitlines()[1] for field in shown.fields if "Mwongozo" in field.name)
    assert meta.endswith("· Kiswahili"), meta


def test_catalog_check_counts_it_among_the_swahili_resources(tmp_path: Path, taxonomy: Taxonomy) -> None:
    def swahili(path: Path) -> int:
        result = CliRunner().invoke(catalog_command, ["check", str(path)])
        assert result.exit_code == 0, result.stderr
        summary = next(line for line in result.stdout.splitlines() if line.startswith("targets: "))
        return int(summary.split(" in Swahili")[0].rsplit(" ", 1)[1])

    shipped = swahili(default_courses_path())
    assert swahili(with_entry(tmp_path, "swa")) == shipped + 1
