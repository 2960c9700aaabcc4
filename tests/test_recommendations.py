"""Course recommendations: ranking, filters, the no-skills and nothing-found paths, parsing and rendering."""

from __future__ import annotations

import random
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mentorbot.courses import (
    Catalog,
    Course,
    CourseLevel,
    Format,
    Tally,
    default_courses_path,
    load_catalog,
    parse_duration,
)
from mentorbot.errors import UserError
from mentorbot.i18n import LANGUAGES, placeholders, translator
from mentorbot.i18n import load_catalog as load_messages
from mentorbot.recommendations import (
    DEFAULT_LIMIT,
    NO_VOTES,
    LevelFit,
    Reason,
    Recommendations,
    _order,
    _passes,
    _rank,
    _spread,
    courses_command,
    courses_for_introduction,
    nearest_skills,
    parse_cost,
    parse_course_level,
    parse_course_query,
    parse_format,
    parse_skills,
    recommend,
    render_duration,
    render_introduction_courses,
    render_language,
    render_reason,
    render_recommendations,
)
from mentorbot.skills import Taxonomy, default_skills_path


def course(course_id: str, *skills: str, **fields: Any) -> Course:
    data: dict[str, Any] = {
        "id": course_id,
        "title": course_id.replace("-", " ").title(),
        "provider": "Example",
        "url": f"https://example.org/{course_id}",
        "skills": list(skills),
        "level": "intermediate",
        "format": "course",
        "cost": "free",
        "duration": "4 weeks",
        "language": "en",
    }
    data.update(fields)
    return Course.model_validate(data)


def ids(result: Recommendations) -> list[str]:
    return [item.course.id for item in result.items]


# --- ranking ---------------------------------------------------------------------------------------


def test_full_coverage_beats_partial_coverage(taxonomy: Taxonomy) -> None:
    catalog = Catalog(
        [
            course("paid-only", "paid-social"),
            course("analytics-only", "analytics-reporting"),
            course("both-and-more", "paid-social", "analytics-reporting", "seo", "email-marketing", "leadership"),
        ]
    )
    result = recommend(catalog, taxonomy, ["paid-social", "analytics-reporting"])
    assert ids(result)[0] == "both-and-more"
    assert result.items[0].reason.covered == ("paid-social", "analytics-reporting")
    assert result.items[0].score > result.items[1].score


def test_exact_set_match_beats_a_broader_course_with_the_same_coverage(taxonomy: Taxonomy) -> None:
    catalog = Catalog(
        [
            course("broad", "paid-social", "analytics-reporting", "seo"),
            course("exact", "paid-social", "analytics-reporting"),
        ]
    )
    assert ids(recommend(catalog, taxonomy, ["paid-social", "analytics-reporting"])) == ["exact", "broad"]


def test_a_focused_course_beats_a_broad_one(taxonomy: Taxonomy) -> None:
    catalog = Catalog(
        [
            course("broad", "seo", "email-marketing", "copywriting", "leadership"),
            course("focused", "seo"),
            course("half", "seo", "email-marketing"),
        ]
    )
    assert ids(recommend(catalog, taxonomy, ["seo"])) == ["focused", "half", "broad"]


def test_level_fit_exact_then_adjacent_then_far(taxonomy: Taxonomy) -> None:
    catalog = Catalog(
        [
            course("beginner", "seo", level="beginner"),
            course("advanced", "seo", level="advanced"),
            course("intermediate", "seo", level="intermediate"),
        ]
    )
    result = recommend(catalog, taxonomy, ["seo"], level="advanced")
    assert ids(result) == ["advanced", "intermediate", "beginner"]
    assert [item.reason.level_fit for item in result.items] == [LevelFit.EXACT, LevelFit.ADJACENT, LevelFit.FAR]
    assert all(item.reason.asked_level is CourseLevel.ADVANCED for item in result.items)
    middle = recommend(catalog, taxonomy, ["seo"], level=CourseLevel.INTERMEDIATE)
    assert ids(middle)[0] == "intermediate"


def test_level_fit_can_outweigh_focus_but_never_coverage(taxonomy: Taxonomy) -> None:
    catalog = Catalog(
        [
            course("focused-advanced", "seo", level="advanced"),
            course("broad-beginner", "seo", "social-listening", "email-marketing", "leadership", level="beginner"),
            course("both-skills-advanced", "seo", "copywriting", level="advanced"),
        ]
    )
    result = recommend(catalog, taxonomy, ["seo"], level="beginner")
    assert ids(result)[:2] == ["broad-beginner", "focused-advanced"]
    two = recommend(catalog, taxonomy, ["seo", "copywriting"], level="beginner")
    assert ids(two)[0] == "both-skills-advanced"


def test_free_only_and_format_are_hard_filters(taxonomy: Taxonomy) -> None:
    catalog = Catalog(
        [
            course("paid-cert", "seo", cost="paid", format="certificate"),
            course("free-cert", "seo", format="certificate"),
            course("free-reading", "seo", format="reading-list"),
            course("paid-course", "seo", cost="paid", price="USD 20"),
        ]
    )
    assert ids(recommend(catalog, taxonomy, ["seo"], free_only=True)) == ["free-cert", "free-reading"]
    assert ids(recommend(catalog, taxonomy, ["seo"], format="certificate")) == ["free-cert", "paid-cert"]
    assert ids(recommend(catalog, taxonomy, ["seo"], free_only=True, format=Format.CERTIFICATE)) == ["free-cert"]
    nothing = recommend(catalog, taxonomy, ["seo"], free_only=True, format="coaching")
    assert nothing.items == ()
    assert nothing.without_filters == 4


def test_top_five_by_default_and_limit(taxonomy: Taxonomy) -> None:
    catalog = Catalog([course(f"c{i}", "seo") for i in range(8)])
    assert len(recommend(catalog, taxonomy, ["seo"]).items) == 5
    assert len(recommend(catalog, taxonomy, ["seo"], limit=2).items) == 2


def test_ties_break_free_first_then_by_id_whatever_the_file_order(taxonomy: Taxonomy) -> None:
    courses = [
        course("b-paid", "seo", cost="paid"),
        course("a-paid", "seo", cost="paid"),
        course("d-free", "seo"),
        course("c-free", "seo"),
    ]
    expected = ["c-free", "d-free", "a-paid", "b-paid"]
    for seed in range(5):
        shuffled = courses[:]
        random.Random(seed).shuffle(shuffled)
        assert ids(recommend(Catalog(shuffled), taxonomy, ["seo"])) == expected


def test_skills_resolve_through_the_taxonomy(taxonomy: Taxonomy) -> None:
    catalog = Catalog([course("ads", "paid-social")])
    result = recommend(catalog, taxonomy, ["Paid Social", "ppc"])
    assert [skill.slug for skill in result.skills] == ["paid-social"]
    assert ids(result) == ["ads"]
    with pytest.raises(UserError) as info:
        recommend(catalog, taxonomy, ["paid socal"], lang="sw")
    assert info.value.key == "skills.unknown"
    assert "paid-social" in info.value.params["suggestions"]


def test_no_skills_means_how_to_ask(taxonomy: Taxonomy) -> None:
    result = recommend(Catalog([course("x", "seo")]), taxonomy, [])
    assert result.skills == () and result.items == ()
    for lang in LANGUAGES:
        reply = render_recommendations(result, lang)
        assert "/courses skills:paid-social" in reply.text
        assert reply.text == translator(lang)("courses.how_to_ask")


# --- nothing found ---------------------------------------------------------------------------------


def test_nothing_found_suggests_skills_of_the_same_category_first(taxonomy: Taxonomy) -> None:
    catalog = Catalog(
        [
            course("lead-1", "leadership"),
            course("lead-2", "leadership"),
            course("mail", "email-marketing"),
        ]
    )
    result = recommend(catalog, taxonomy, ["seo"])
    assert result.items == ()
    assert result.without_filters == 0
    # seo and email-marketing share a category; leadership comes after although it has more courses.
    assert [skill.slug for skill in result.nearest_skills] == ["email-marketing", "leadership"]


def test_nearest_skills_respect_the_filters(taxonomy: Taxonomy) -> None:
    catalog = Catalog(
        [
            course("mail-paid", "email-marketing", cost="paid"),
            course("lead-free", "leadership"),
            course("crisis-free", "crisis-communications"),
            course("crisis-free-2", "crisis-communications"),
        ]
    )
    seo = taxonomy.get("seo")
    assert seo is not None
    nearest = nearest_skills(catalog, taxonomy, [seo], free_only=True)
    assert [skill.slug for skill in nearest] == ["crisis-communications", "leadership"]
    assert nearest_skills(catalog, taxonomy, [seo], format=Format.DEGREE) == []


def test_nothing_found_reply_in_both_languages(taxonomy: Taxonomy) -> None:
    catalog = Catalog([course("mail", "email-marketing"), course("seo-paid", "seo", cost="paid")])
    result = recommend(catalog, taxonomy, ["seo"], free_only=True)
    assert result.without_filters == 1
    english = render_recommendations(result, "en")
    assert english.title == "Courses for SEO"
    assert "I found no courses for SEO with these filters: free only." in english.text
    assert "Without the filters, 1 course would match." in english.text
    assert "`/courses skills:email-marketing free:yes`" in english.text, "the filters the nearest skill was found with"
    swahili = render_recommendations(result, "sw")
    seo = "SEO (kuboresha tovuti kwenye injini za utafutaji)"
    assert f"Sikupata kozi za {seo} kwa vichujio hivi: za bure pekee." in swahili.text
    assert "Bila vichujio, kozi 1 ingefaa." in swahili.text
    assert "Masoko kwa barua pepe (`email-marketing`)" in swahili.text
    assert english.fields == swahili.fields == ()


def test_nothing_at_all_for_the_filters(taxonomy: Taxonomy) -> None:
    catalog = Catalog([course("mail", "email-marketing")])
    result = recommend(catalog, taxonomy, ["seo"], format="degree")
    assert result.nearest_skills == () and result.without_filters == 0
    reply = render_recommendations(result, "en")
    assert "format: degree" in reply.text
    assert translator("en")("courses.nearest_none") in reply.text


# --- the /courses command from raw text ------------------------------------------------------------


def test_courses_command_from_typed_text(taxonomy: Taxonomy) -> None:
    catalog = Catalog(
        [
            course("both", "paid-social", "analytics-reporting", cost="paid", price="USD 49"),
            course("reporting", "analytics-reporting", level="beginner"),
        ]
    )
    reply = courses_command(catalog, taxonomy, skills="paid social; KPIs", level="Intermediate", free="any")
    assert reply.title == "Courses for Paid social, Analytics and reporting"
    assert [field.name for field in reply.fields] == ["1. Both — Example", "2. Reporting — Example"]
    assert reply.fields[0].value.splitlines() == [
        "covers Paid social and Analytics and reporting; intermediate, as asked; paid (USD 49)",
        "course · 4 weeks · English",
        "https://example.org/both",
    ]
    assert reply.fields[1].value.splitlines()[0] == (
        "covers Analytics and reporting; beginner (you asked for intermediate); free"
    )


def test_courses_command_in_swahili(taxonomy: Taxonomy) -> None:
    catalog = Catalog([course("both", "paid-social", "analytics-reporting", format="reading-list")])
    reply = courses_command(
        catalog, taxonomy, skills="paid-social analytics-reporting", level="kati", free="ndiyo", lang="sw"
    )
    assert reply.title == "Kozi za Matangazo ya kulipia mitandaoni, Uchambuzi wa takwimu na ripoti"
    assert reply.text == translator("sw")("courses.intro")
    assert reply.fields[0].value.splitlines()[:2] == [
        "inahusu Matangazo ya kulipia mitandaoni na Uchambuzi wa takwimu na ripoti; ngazi ya kati, kama ulivyoomba;"
        " bure",
        "orodha ya kusoma · wiki 4 · Kiingereza",
    ]


def test_courses_command_without_skills_uses_open_requests(taxonomy: Taxonomy) -> None:
    catalog = Catalog([course("lead", "leadership")])
    reply = courses_command(catalog, taxonomy, open_request_skills=["leadership", "retired-skill", "leadership"])
    assert reply.text == (
        "You didn't name a skill, so these are for the skills of your open requests and active mentorships: "
        "People management and leadership."
    )
    assert [field.name for field in reply.fields] == ["1. Lead — Example"]
    typed = courses_command(catalog, taxonomy, skills="leadership", open_request_skills=["seo"])
    assert typed.text == translator("en")("courses.intro")


def test_courses_command_without_skills_or_requests_says_how_to_ask(taxonomy: Taxonomy) -> None:
    catalog = Catalog([course("lead", "leadership")])
    for lang in LANGUAGES:
        reply = courses_command(catalog, taxonomy, skills="  ", open_request_skills=["retired-skill"], lang=lang)
        assert reply.text == translator(lang)("courses.how_to_ask")
        assert reply.fields == ()


@pytest.mark.parametrize(
    ("option", "value", "key", "allowed"),
    [
        ("level", "guru", "courses.bad_level", "beginner, intermediate, advanced"),
        ("format", "movie", "courses.bad_format", "course, certificate, degree, 1:1 coaching"),
        ("free", "maybe", "courses.bad_free", "yes, no"),
    ],
)
def test_bad_values_raise_localized_errors_listing_allowed_values(
    taxonomy: Taxonomy, option: str, value: str, key: str, allowed: str
) -> None:
    with pytest.raises(UserError) as info:
        options: dict[str, Any] = {option: value}
        courses_command(Catalog([]), taxonomy, skills="seo", **options)
    assert info.value.key == key
    assert info.value.params["value"] == value
    text = translator("en")(key, **info.value.params)
    assert value in text
    assert all(word in text for word in allowed.replace("1:1 coaching", "coaching").split(", "))


def test_allowed_values_are_shown_with_swahili_labels() -> None:
    with pytest.raises(UserError) as info:
        parse_course_level("guru", "sw")
    assert info.value.params["allowed"] == (
        "beginner (ngazi ya mwanzo), intermediate (ngazi ya kati), advanced (ngazi ya juu)"
    )
    with pytest.raises(UserError) as info:
        parse_cost("labda", "sw")
    assert info.value.params["allowed"] == "ndiyo, hapana, zote"


def test_unknown_skill_in_the_command_uses_the_taxonomy_error(taxonomy: Taxonomy) -> None:
    with pytest.raises(UserError) as info:
        courses_command(Catalog([]), taxonomy, skills="crisis comms, xyzzy")
    assert (info.value.key, info.value.params) == ("skills.unknown_no_suggestion", {"tag": "xyzzy"})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, None),
        ("", None),
        ("beginner", CourseLevel.BEGINNER),
        ("  ADVANCED ", CourseLevel.ADVANCED),
        ("expert", CourseLevel.ADVANCED),
        ("mwanzo", CourseLevel.BEGINNER),
        ("Ngazi ya kati", CourseLevel.INTERMEDIATE),
    ],
)
def test_parse_level(text: str | None, expected: CourseLevel | None) -> None:
    assert parse_course_level(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, None),
        ("certificate", Format.CERTIFICATE),
        ("Reading list", Format.READING_LIST),
        ("reading_list", Format.READING_LIST),
        ("1:1 coaching", Format.COACHING),
        ("cheti", Format.CERTIFICATE),
        ("shahada", Format.DEGREE),
        ("jumuiya", Format.COMMUNITY),
    ],
)
def test_parse_format(text: str | None, expected: Format | None) -> None:
    assert parse_format(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [(None, None), ("", None), (True, True), ("yes", True), ("Free", True), ("bure", True), ("NO", False),
     ("hapana", False), ("ndiyo", True)],
)  # fmt: skip
def test_parse_cost(text: str | bool | None, expected: bool | None) -> None:
    assert parse_cost(text) is expected


def test_parse_skills_accepts_commas_and_spaces(taxonomy: Taxonomy) -> None:
    assert [s.slug for s in parse_skills(taxonomy, "seo copywriting")] == ["seo", "copywriting"]
    assert [s.slug for s in parse_skills(taxonomy, "crisis comms, paid social")] == [
        "crisis-communications",
        "paid-social",
    ]
    assert parse_skills(taxonomy, None) == []
    query = parse_course_query(taxonomy, skills="seo", level="juu", free="yes", format="kozi")
    assert (query.level, query.free_only, query.format) == (CourseLevel.ADVANCED, True, Format.COURSE)


def test_typed_vocabulary_is_unambiguous() -> None:
    from mentorbot.recommendations import _vocabulary, _words
    from mentorbot.skills import normalize

    for kind, values in (("level", [v.value for v in CourseLevel]), ("format", [v.value for v in Format])):
        owners: dict[str, str] = {}
        for lang in LANGUAGES:
            messages = load_messages(lang)
            for value in values:
                words = [normalize(messages[f"courses.{kind}.{value}"]), normalize(value)]
                words += _words(messages[f"courses.{kind}_input.{value}"])
                for word in words:
                    assert owners.setdefault(word, value) == value, (kind, word)
        assert dict(_vocabulary(kind)) == owners
    yes_no: dict[str, str] = {}
    for lang in LANGUAGES:
        for answer in ("yes", "no"):
            for word in _words(load_messages(lang)[f"courses.free_input.{answer}"]):
                assert yes_no.setdefault(word, answer) == answer, word


# --- rendering pieces ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "english", "swahili"),
    [
        ("1 hour", "1 hour", "saa 1"),
        ("20 hours", "20 hours", "saa 20"),
        ("1 month", "1 month", "mwezi 1"),
        ("3-6 months", "3–6 months", "miezi 3–6"),
        ("1-2 years", "1–2 years", "miaka 1–2"),
        ("ongoing", "ongoing", "inaendelea"),
        ("self-paced", "self-paced", "kwa kasi yako mwenyewe"),
        ("varies", "duration varies", "muda unatofautiana"),
    ],
)
def test_render_duration(text: str, english: str, swahili: str) -> None:
    duration = parse_duration(text)
    assert render_duration(duration, "en") == english
    assert render_duration(duration, "sw") == swahili


def test_render_language() -> None:
    assert (render_language("en", "en"), render_language("en", "sw")) == ("English", "Kiingereza")
    assert (render_language("sw", "en"), render_language("sw", "sw")) == ("Swahili", "Kiswahili")
    # Another language: its CLDR name in the reader's language; a code CLDR does not name stays a code.
    assert (render_language("fr", "en"), render_language("fr", "sw")) == ("French", "Kifaransa")
    assert render_language("qq", "sw") == "QQ"


def test_render_reason_every_variant() -> None:
    reason = Reason(("seo",), CourseLevel.BEGINNER, LevelFit.ANY, None, False, None)
    assert render_reason(reason, "en") == "covers seo; beginner; paid"
    assert render_reason(reason, "sw") == "inahusu seo; ngazi ya mwanzo; ya kulipia"
    skills = ("seo", "copywriting", "email-marketing")
    three = Reason(skills, CourseLevel.ADVANCED, LevelFit.FAR, CourseLevel.BEGINNER, True, None)
    assert render_reason(three, "en") == (
        "covers seo, copywriting and email-marketing; advanced (you asked for beginner); free"
    )
    assert render_reason(three, "sw") == (
        "inahusu seo, copywriting na email-marketing; ngazi ya juu (uliomba ngazi ya mwanzo); bure"
    )
    priced = Reason(("seo",), CourseLevel.INTERMEDIATE, LevelFit.EXACT, CourseLevel.INTERMEDIATE, False, "£1,000")
    assert render_reason(priced, "sw") == "inahusu seo; ngazi ya kati, kama ulivyoomba; ya kulipia (£1,000)"


def test_every_courses_message_exists_in_both_languages_with_the_same_placeholders() -> None:
    english = {k: v for k, v in load_messages("en").items() if k.startswith("courses.")}
    swahili = {k: v for k, v in load_messages("sw").items() if k.startswith("courses.")}
    assert english.keys() == swahili.keys()
    for key, template in english.items():
        assert placeholders(template) == placeholders(swahili[key]), key


def test_every_format_level_and_duration_has_a_label() -> None:
    from mentorbot.courses import DurationKind, DurationUnit

    for lang in LANGUAGES:
        t = translator(lang)
        keys = [f"courses.format.{f.value}" for f in Format] + [f"courses.level.{v.value}" for v in CourseLevel]
        keys += [f"courses.duration.{k.value}" for k in DurationKind]
        keys += [f"courses.duration.{u.value}.{n}" for u in DurationUnit for n in ("one", "other")]
        assert all(key in load_messages(lang) for key in keys)
        assert t("courses.format.reading-list")


# --- the shipped catalog end to end ----------------------------------------------------------------


def test_shipped_catalog_answers_every_skill_in_both_languages(taxonomy: Taxonomy) -> None:
    catalog = load_catalog(default_courses_path(), taxonomy)
    for skill in taxonomy.skills:
        for lang in LANGUAGES:
            reply = courses_command(catalog, taxonomy, skills=skill.slug, lang=lang)
            assert 1 <= len(reply.fields) <= 5, skill.slug
            assert all(field.value.count("\n") == 2 for field in reply.fields)
    crisis = recommend(catalog, taxonomy, ["crisis-communications"], free_only=True)
    assert crisis.items and all(item.course.free for item in crisis.items)


# --- introductions ---------------------------------------------------------------------------------


def test_courses_for_introduction_cover_each_shared_skill_first() -> None:
    catalog = Catalog(
        [
            course("seo-1", "seo"),
            course("seo-2", "seo", cost="paid"),
            course("seo-3", "seo", level="advanced"),
            course("crisis-1", "crisis-communications", cost="paid"),
            course("crisis-degree", "crisis-communications", format="degree"),
            course("unrelated", "leadership"),
        ]
    )
    picked = [c.id for c in courses_for_introduction(catalog, ["seo", "crisis-communications"])]
    assert picked == ["seo-1", "crisis-1", "seo-3"]
    assert [c.id for c in courses_for_introduction(catalog, ["seo"], limit=5)] == ["seo-1", "seo-3", "seo-2"]
    assert courses_for_introduction(catalog, ["email-marketing"]) == []
    both = Catalog([course("seo-only", "seo"), course("both", "seo", "crisis-communications", cost="paid")])
    assert [c.id for c in courses_for_introduction(both, ["seo", "crisis-communications"], limit=1)] == ["both"]


def test_courses_for_introduction_put_the_readers_language_first_unless_english() -> None:
    catalog = Catalog([course("seo-en", "seo"), course("seo-sw", "seo", cost="paid", language="sw")])
    assert [c.id for c in courses_for_introduction(catalog, ["seo"], lang="sw")] == ["seo-sw", "seo-en"]
    assert [c.id for c in courses_for_introduction(catalog, ["seo"], lang="en")] == ["seo-en", "seo-sw"]
    assert [c.id for c in courses_for_introduction(catalog, ["seo"])] == ["seo-en", "seo-sw"]


def test_render_introduction_courses_in_both_languages() -> None:
    courses = [course("seo-1", "seo"), course("crisis-1", "crisis-communications", cost="paid")]
    english = render_introduction_courses(courses, "en")
    assert english is not None
    assert english.name == "Courses for your shared skills"
    assert english.value.splitlines() == [
        "1. Seo 1 — Example (free): https://example.org/seo-1",
        "2. Crisis 1 — Example (paid): https://example.org/crisis-1",
    ]
    swahili = render_introduction_courses(courses, "sw")
    assert swahili is not None
    assert swahili.name == "Kozi za ujuzi mnaoshiriki"
    assert swahili.value.splitlines()[1] == "2. Crisis 1 — Example (ya kulipia): https://example.org/crisis-1"
    assert render_introduction_courses([], "en") is None


# --- the index read against the whole catalog ---------------------------------------------------------------


@cache
def _shipped() -> tuple[Taxonomy, Catalog]:
    taxonomy = Taxonomy.load(default_skills_path())
    return taxonomy, load_catalog(default_courses_path(), taxonomy)


@given(
    picks=st.lists(st.integers(0, 10_000), min_size=1, max_size=3),
    level=st.none() | st.sampled_from(list(CourseLevel)),
    free_only=st.booleans(),
    paid_only=st.booleans(),
    fmt=st.none() | st.sampled_from(list(Format)),
    lang=st.sampled_from(LANGUAGES),
    voted=st.dictionaries(st.integers(0, 10_000), st.tuples(st.integers(0, 5), st.integers(0, 5)), max_size=8),
)
@settings(max_examples=150, deadline=None)
def test_recommend_reads_the_skill_index_and_equals_a_scan_of_the_whole_catalog(
    picks: list[int],
    level: CourseLevel | None,
    free_only: bool,
    paid_only: bool,
    fmt: Format | None,
    lang: str,
    voted: dict[int, tuple[int, int]],
) -> None:
    """`recommend` ranks only the courses its skills' index names; the answer is the one every course of the
    shipped catalog, scored and filtered one by one, gives (the same items in the same order, the same count
    of courses the filters left out, the same nearest skills)."""
    taxonomy, catalog = _shipped()
    every = list(catalog)
    slugs = [taxonomy.skills[i % len(taxonomy.skills)].slug for i in picks]
    votes = {every[i % len(every)].id: Tally(h, n) for i, (h, n) in voted.items()}
    got = recommend(
        catalog,
        taxonomy,
        slugs,
        level=level,
        free_only=free_only,
        format=fmt,
        lang=lang,
        paid_only=paid_only,
        votes=votes,
    )
    requested = list(dict.fromkeys(slugs))
    scanned = [(c, _rank(c, requested, level, votes.get(c.id, NO_VOTES))) for c in every]
    kept = [item for c, item in scanned if item is not None and _passes(c, free_only, fmt, paid_only)]
    left_out = sum(1 for c, item in scanned if item is not None and not _passes(c, free_only, fmt, paid_only))
    kept.sort(key=_order(lang))
    assert [(i.course.id, i.score) for i in got.items] == [(i.course.id, i.score) for i in _spread(kept, DEFAULT_LIMIT)]
    if not got.items:
        assert got.without_filters == left_out


# --- the level asked for: before the votes, and said missing only when it is ----------------------------


def test_votes_never_put_an_adjacent_level_before_an_exact_one(taxonomy: Taxonomy) -> None:
    """README: "an exact level always before an adjacent one". Before: twelve helpful votes on the focused
    intermediate course and twelve not-helpful ones on the broader advanced one ranked the intermediate first."""
    catalog = Catalog(
        [
            course("exact-broad", "seo", "copywriting", "content-creation", level="advanced"),
            course("adjacent-focused", "seo", level="intermediate"),
        ]
    )
    votes = {"exact-broad": Tally(0, 12), "adjacent-focused": Tally(12, 0)}
    result = recommend(catalog, taxonomy, ["seo"], level="advanced", votes=votes)
    assert ids(result) == ["exact-broad", "adjacent-focused"]
    assert [item.reason.level_fit for item in result.items] == [LevelFit.EXACT, LevelFit.ADJACENT]
    unasked = recommend(catalog, taxonomy, ["seo"], votes=votes)  # no level asked: the votes and focus decide
    assert ids(unasked) == ["adjacent-focused", "exact-broad"]


def _both_and_one_beginner() -> Catalog:
    """Six intermediate courses for SEO and copywriting, and one beginner course for SEO only (it covers fewer of
    the skills, so it ranks after all six)."""
    both = [course(f"both-{n}", "seo", "copywriting") for n in range(6)]
    return Catalog([*both, course("seo-beginner", "seo", level="beginner")])


def test_the_best_course_at_the_level_asked_gets_a_place(taxonomy: Taxonomy) -> None:
    """Before: the six two-skill courses filled the five places and the answer said no course for SEO and
    copywriting is at the beginner level, though one is."""
    en = translator("en")
    result = recommend(_both_and_one_beginner(), taxonomy, ["seo", "copywriting"], level="beginner")
    assert ids(result) == ["both-0", "both-1", "both-2", "both-3", "seo-beginner"]
    assert result.at_level == 1
    assert render_recommendations(result, "en").text == en("courses.intro")


def test_nothing_at_the_level_is_said_from_every_course_passing_the_filters(taxonomy: Taxonomy) -> None:
    """With one place only, the level's place keeps it (session 30b: before, the best two-skill course took it and
    the beginner course was not shown), and the answer does not say there is none; with no beginner course at
    all it does."""
    en = translator("en")
    one = recommend(_both_and_one_beginner(), taxonomy, ["seo", "copywriting"], level="beginner", limit=1)
    assert ids(one) == ["seo-beginner"]
    assert render_recommendations(one, "en").text == en("courses.intro")
    missing = en("courses.level_missing", skills="SEO, Copywriting", level=en("courses.level.beginner"))
    without = Catalog([c for c in _both_and_one_beginner() if c.id != "seo-beginner"])
    none = recommend(without, taxonomy, ["seo", "copywriting"], level="beginner")
    assert (none.at_level, render_recommendations(none, "en").text) == (0, missing)
    free_only = recommend(_both_and_one_beginner(), taxonomy, ["seo", "copywriting"], level="beginner", free_only=True)
    assert free_only.at_level == 1  # the filters passed it


def test_courses_command_reads_a_renamed_slug_of_an_open_request(tmp_path: Path) -> None:
    """An open request keeps the slug it was made with; the skill renamed since keeps it as an alias. Before:
    `/courses` with no skills looked the old slug up as a slug only, found nothing and said how to ask."""
    text = default_skills_path().read_text(encoding="utf-8")
    renamed = text.replace('slug = "seo"', 'slug = "search-engine-optimisation"').replace(
        'aliases = ["search engine optimisation"', 'aliases = ["seo", "search engine optimisation"'
    )
    assert renamed != text
    path = tmp_path / "skills.toml"
    path.write_text(renamed, encoding="utf-8")
    taxonomy = Taxonomy.load(path)
    assert taxonomy.get("seo") is None
    catalog = Catalog([course("guide", "search-engine-optimisation")])
    reply = courses_command(catalog, taxonomy, open_request_skills=["seo"])
    assert reply.text == translator("en")("courses.from_requests", skills="SEO")
    assert [field.name for field in reply.fields] == ["1. Guide — Example"]
    # An old request and a new one for the same skill: the skill once.
    both = courses_command(catalog, taxonomy, open_request_skills=["seo", "search-engine-optimisation"])
    assert both.text == reply.text
