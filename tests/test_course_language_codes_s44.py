"""A course's two-letter `language` must be a language CLDR (through Babel) knows (every ISO 639-1 code is).
Before, any two lowercase letters passed: a typo such as "ws" for "sw" loaded, passed `mentorbot catalog check
--strict`, dropped the Swahili page out of a Swahili reader's first places and showed its language as "WS". And a
real three-letter code without a two-letter one (``luo``) was shown as "LUO", CLDR's names being read for two-letter
codes only."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from mentorbot.catalog_cli import catalog as catalog_command
from mentorbot.courses import default_courses_path, load_catalog
from mentorbot.errors import ConfigFileError
from mentorbot.recommendations import render_language
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


@pytest.mark.parametrize("written", ["ws", "xx", "qq"])
def test_a_code_that_names_no_language_is_refused(tmp_path: Path, taxonomy: Taxonomy, written: str) -> None:
    with pytest.raises(ConfigFileError) as caught:
        load_catalog(with_entry(tmp_path, written), taxonomy)
    [problem] = caught.value.problems
    assert problem.field == "language"
    assert "ISO 639" in problem.reason and repr(written) in problem.reason


@pytest.mark.parametrize("written", ["und", "mul", "zxx", "mis"])
def test_the_special_codes_that_name_no_language_are_refused(tmp_path: Path, taxonomy: Taxonomy, written: str) -> None:
    with pytest.raises(ConfigFileError, match="ISO 639"):
        load_catalog(with_entry(tmp_path, written), taxonomy)


def test_a_swapped_code_is_told_the_likely_one(tmp_path: Path, taxonomy: Taxonomy) -> None:
    with pytest.raises(ConfigFileError) as caught:
        load_catalog(with_entry(tmp_path, "ws"), taxonomy)
    assert "did you mean 'sw'?" in caught.value.reason


@pytest.mark.parametrize(
    ("written", "kept"),
    [
        ("sw", "sw"),
        ("en", "en"),
        ("fr", "fr"),
        ("swa", "sw"),
        ("swh", "sw"),
        ("luo", "luo"),
        ("kln", "kln"),
        ("iw", "he"),
        ("kik", "ki"),
    ],
)
def test_real_codes_still_load(tmp_path: Path, taxonomy: Taxonomy, written: str, kept: str) -> None:
    catalog = load_catalog(with_entry(tmp_path, written), taxonomy)
    assert catalog.get("video-fupi-mwongozo").language == kept  # type: ignore[union-attr]


def test_catalog_check_strict_refuses_the_typo(tmp_path: Path) -> None:
    result = CliRunner().invoke(catalog_command, ["check", "--strict", str(with_entry(tmp_path, "ws"))])
    assert result.exit_code == 1
    assert "(video-fupi-mwongozo), field 'language'" in result.stderr
    assert "'ws'" in result.stderr


def test_a_three_letter_code_is_shown_by_its_cldr_name() -> None:
    assert (render_language("luo", "en"), render_language("luo", "sw")) == ("Luo", "Kijaluo")
    assert (render_language("kln", "en"), render_language("kln", "sw")) == ("Kalenjin", "Kikalenjin")
    assert render_language("sw", "sw") == "Kiswahili"
    assert render_language("qq", "en") == "QQ"  # no name at all: its code, as before


def test_members_languages_are_still_two_letter_codes() -> None:
    """CLDR's names for three-letter codes are for showing a resource's language: a member's own languages stay
    ISO 639-1 codes (what matching compares), so "Luo" is not one a member may pick."""
    from mentorbot.inputs import parse_language

    assert parse_language("Luo") is None
    assert parse_language("Swahili") == "sw"


@pytest.mark.parametrize("written", ["laj", "alz", "hay", "haq", "toi", "lue"])
def test_a_three_letter_code_cldr_does_not_name_still_loads(tmp_path: Path, taxonomy: Taxonomy, written: str) -> None:
    """ISO 639-3 names some 7,900 languages, CLDR a few hundred: Lango, Alur, Haya, Ha, Tonga and Luyia, spoken where
    the bot is used, are not among them, and a catalog holding them loaded before (review of session 44's change)."""
    catalog = load_catalog(with_entry(tmp_path, written), taxonomy)
    assert [c.language for c in catalog if c.id == "video-fupi-mwongozo"] == [written]
