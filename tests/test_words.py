"""Issue 14, "Words": invariants proved with hypothesis (the one vocabulary of levels, spreadsheet-safe CSV
cells, ISO 639-1 languages) and the Slack manifest's /courses hint, which the command must accept."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mentorbot.commands import parse_slash
from mentorbot.errors import UserError
from mentorbot.i18n import LANGUAGES, Translator, language_name, language_names
from mentorbot.inputs import (
    COURSE_LEVEL_NAMES,
    LEVEL_ORDER,
    level_vocabulary,
    parse_languages,
    parse_mentor_level,
)
from mentorbot.library import Library
from mentorbot.recommendations import parse_course_level, parse_course_query
from mentorbot.settings import Settings
from mentorbot.skills import normalize
from mentorbot.text_safety import FORMULA_STARTS, spreadsheet_safe

MANIFEST = Path(__file__).resolve().parents[1] / "config" / "slack-manifest.yml"


# ------------------------------------------------------------------------------------------- levels

level_words = st.sampled_from(sorted(level_vocabulary()))


@given(word=level_words, upper=st.booleans(), spaces=st.sampled_from(["", " ", "  "]))
def test_every_level_word_means_the_same_rank_for_mentors_and_courses(word: str, upper: bool, spaces: str) -> None:
    """Invariant: whatever level word a member types (any case, any spacing), a mentor's level and a course
    level read it as the same rank."""
    typed = spaces + (word.upper() if upper else word) + spaces
    mentor = parse_mentor_level(typed)
    course = parse_course_level(typed)
    assert course is not None
    assert LEVEL_ORDER.index(mentor) == COURSE_LEVEL_NAMES.index(course.value)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_level_label_a_member_is_shown_can_be_typed_back(lang: str) -> None:
    t = Translator(lang)
    for rank, level in enumerate(LEVEL_ORDER):
        assert LEVEL_ORDER.index(parse_mentor_level(t(f"level.{level.value}"))) == rank
        course = parse_course_level(t(f"courses.level.{COURSE_LEVEL_NAMES[rank]}"))
        assert course is not None and course.value == COURSE_LEVEL_NAMES[rank]
    assert parse_mentor_level("mwanafunzi") is LEVEL_ORDER[0]


@given(word=st.text(min_size=1, max_size=12))
def test_a_word_that_is_no_level_is_refused_by_both(word: str) -> None:
    if normalize(word) in level_vocabulary() or not normalize(word):
        return
    with pytest.raises(UserError):
        parse_mentor_level(word)
    with pytest.raises(UserError):
        parse_course_level(word)


def test_the_manifests_courses_hint_is_accepted() -> None:
    lines = MANIFEST.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "- command: /courses")
    hint = next(line for line in lines[start:] if "usage_hint:" in line).split("usage_hint:", 1)[1].strip().strip('"')
    typed = hint.replace("[", "").replace("]", "")
    parsed = parse_slash("/courses", typed)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    taxonomy = Library(settings.skills_file, settings.courses_file).taxonomy
    query = parse_course_query(taxonomy, **dict(parsed.args))
    assert query.skills and query.level is not None, hint


# ------------------------------------------------------------------------------------------ exports


@given(text=st.text(max_size=40))
def test_no_csv_cell_can_start_a_formula(text: str) -> None:
    """Invariant: any cell text written to an export reads back as text that starts no formula, and only a
    dangerous one is changed (by one leading apostrophe, so nothing a member typed is lost)."""
    safe = spreadsheet_safe(text)
    assert isinstance(safe, str)
    buffer = io.StringIO()
    csv.writer(buffer).writerow([safe])
    [[back]] = list(csv.reader(io.StringIO(buffer.getvalue())))
    assert not back.startswith(("=", "+", "-", "@"))
    if text.startswith(FORMULA_STARTS):
        assert back == "'" + text
    else:
        assert back == text


@given(value=st.one_of(st.integers(), st.none(), st.floats(allow_nan=False)))
def test_numbers_are_left_alone(value: object) -> None:
    assert spreadsheet_safe(value) == value


# ----------------------------------------------------------------------------------------- languages


@given(code=st.sampled_from(sorted(language_names("en"))), lang=st.sampled_from(LANGUAGES))
def test_every_iso_639_1_language_can_be_typed_as_its_code_or_its_name(code: str, lang: str) -> None:
    assert parse_languages(code, "en") == (code,)
    assert parse_languages(language_name(code, lang), "en") == (code,)
    assert parse_languages(language_name(code, lang).upper(), "en") == (code,)


@given(word=st.from_regex(r"[a-z]{2,3}", fullmatch=True))
def test_codes_that_are_no_iso_639_1_language_are_refused(word: str) -> None:
    known = set(language_names("en")) | {n.casefold() for lang in LANGUAGES for n in language_names(lang).values()}
    if word in known:
        return
    with pytest.raises(UserError) as refused:
        parse_languages(f"en, {word}", "en")
    assert refused.value.key == "input.bad_language"
    assert ", sw, " in str(refused.value.params["allowed"])


def test_language_names_in_both_languages() -> None:
    assert [language_name(c, "en") for c in ("en", "sw", "fr")] == ["English", "Swahili", "French"]
    assert [language_name(c, "sw") for c in ("en", "sw", "fr")] == ["Kiingereza", "Kiswahili", "Kifaransa"]
    assert len(language_names("en")) >= 180
