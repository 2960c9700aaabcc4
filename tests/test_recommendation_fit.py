"""What a `/courses` answer promises: every requested skill gets a place, the level asked for comes first, the
reader's language comes first (English readers too), a free certificate is free to earn, and a community
suggestion is not given a level, cost or format nobody vouched for."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mentorbot.courses import Catalog, CommunityCourse, Course, CourseLevel, Format, load_catalog
from mentorbot.recommendations import (
    LevelFit,
    RecommendedCourse,
    _spread,
    courses_for_introduction,
    recommend,
    render_introduction_courses,
    render_recommendations,
)
from mentorbot.skills import Taxonomy
from tests.test_recommendations import course


def suggestion(number: int, *skills: str) -> CommunityCourse:
    """An approved suggestion as `usecases.curation` builds it (its level, format and cost are placeholders)."""
    return CommunityCourse(
        id=f"community-{number}",
        title=f"Suggested {number}",
        provider="example.org",
        url=f"https://example.org/suggested/{number}",
        skills=skills,
        level=CourseLevel.INTERMEDIATE,
        format=Format.READING_LIST,
        cost="paid",  # type: ignore[arg-type]
        duration="varies",
        language="en",
        suggestion_id=number,
    )


# --- every requested skill gets a place -------------------------------------------------------------------


def test_a_three_skill_query_answers_for_each_skill(taxonomy: Taxonomy) -> None:
    """Before: the two-skill courses and SEO's focused ones filled the five places; copywriting got none."""
    both = [course(f"both-{n}", "paid-social", "seo") for n in range(3)]
    seo = [course(f"seo-{n}", "seo") for n in range(4)]
    catalog = Catalog([*both, *seo, course("copy-1", "copywriting", cost="paid")])
    found = recommend(catalog, taxonomy, ["paid-social", "seo", "copywriting"])
    assert "copy-1" in [item.course.id for item in found.items]
    assert [item.course.id for item in found.items][:3] == ["both-0", "both-1", "both-2"]


def test_a_shipped_catalog_query_for_three_skills_covers_all_three(shipped: Catalog, taxonomy: Taxonomy) -> None:
    found = recommend(shipped, taxonomy, ["paid-social", "seo", "copywriting"])
    covered = {slug for item in found.items for slug in item.reason.covered}
    assert covered == {"paid-social", "seo", "copywriting"}


def _ranked(draw: Any) -> list[RecommendedCourse]:
    skills = ["a", "b", "c", "d", "e", "f"]
    items = []
    for n in range(draw(st.integers(0, 14))):
        covered = tuple(sorted(draw(st.sets(st.sampled_from(skills), min_size=1, max_size=3))))
        items.append(
            RecommendedCourse(
                course("c-" + str(n), "seo"),
                score=0.0,
                reason=_reason(covered),
            )
        )
    return items


def _reason(covered: tuple[str, ...]) -> Any:
    from mentorbot.recommendations import Reason

    return Reason(covered, CourseLevel.BEGINNER, LevelFit.ANY, None, True, None)


@given(data=st.data(), limit=st.integers(0, 8))
@settings(max_examples=300, deadline=None)
def test_spread_keeps_a_place_for_each_skill_and_the_rank_order(data: st.DataObject, limit: int) -> None:
    """For any ranking: the answer is `limit` of its items (or all), in rank order; each skill the ranking
    teaches is taught by one of them when there are places enough; and with one skill it is the plain top."""
    ranked = _ranked(data.draw)
    picked = _spread(ranked, limit)
    assert len(picked) == min(limit, len(ranked))
    positions = [ranked.index(item) for item in picked]
    assert positions == sorted(positions) and len(set(positions)) == len(positions)
    taught = {slug for item in ranked for slug in item.reason.covered}
    if limit >= len(taught):
        assert {slug for item in picked for slug in item.reason.covered} == taught
    if all(item.reason.covered == ranked[0].reason.covered for item in ranked):
        assert list(picked) == ranked[:limit]


# --- the level asked for comes first ----------------------------------------------------------------------


def test_an_exact_level_outranks_a_more_focused_adjacent_one(taxonomy: Taxonomy) -> None:
    """Before: focus (one skill against five) outweighed an exact level, so the beginner course came last."""
    broad = course(
        "broad", "seo", "copywriting", "content-creation", "paid-social", "analytics-reporting", level="beginner"
    )
    focused = course("focused", "seo", level="intermediate")
    found = recommend(Catalog([focused, broad]), taxonomy, ["seo"], level="beginner")
    assert [item.course.id for item in found.items] == ["broad", "focused"]


@pytest.mark.parametrize(
    ("skill", "level"),
    [("seo", "beginner"), ("email-marketing", "intermediate"), ("analytics-reporting", "intermediate")],
)
def test_shipped_answers_put_every_course_at_the_level_before_the_others(
    shipped: Catalog, taxonomy: Taxonomy, skill: str, level: str
) -> None:
    found = recommend(shipped, taxonomy, [skill], level=level, limit=100)
    # Within the reader's own language (the other languages' resources come after, whatever their level).
    fits = [item.reason.level_fit for item in found.items if item.course.language == "en"]
    exact = [n for n, fit in enumerate(fits) if fit is LevelFit.EXACT]
    assert exact and exact == list(range(len(exact)))


# --- the reader's language first --------------------------------------------------------------------------


def test_english_readers_get_english_resources_before_swahili_ones(shipped: Catalog, taxonomy: Taxonomy) -> None:
    """Before: only non-English readers were given their language first; Swahili help pages ranked 2nd and
    5th for English readers of WhatsApp marketing."""
    found = recommend(shipped, taxonomy, ["whatsapp-marketing"], lang="en", limit=100)
    languages = [item.course.language for item in found.items]
    assert "sw" in languages
    assert languages == sorted(languages, key=lambda code: code != "en")
    pair = courses_for_introduction(shipped, ["whatsapp-marketing", "social-commerce"], lang="en")
    assert all(c.language == "en" for c in pair)
    swahili = recommend(shipped, taxonomy, ["whatsapp-marketing"], lang="sw", limit=100)
    assert swahili.items[0].course.language == "sw"


# --- a free certificate is free to earn -------------------------------------------------------------------


def test_free_certificates_leave_out_those_whose_certificate_costs_money(taxonomy: Taxonomy) -> None:
    audit = course("audit", "seo", format="certificate", cost="free", paid_certificate=True)
    free = course("free", "seo", format="certificate", cost="free")
    found = recommend(Catalog([audit, free]), taxonomy, ["seo"], free_only=True, format="certificate")
    assert [item.course.id for item in found.items] == ["free"]
    # Free to learn still counts as free when no certificate was asked for.
    learning = recommend(Catalog([audit, free]), taxonomy, ["seo"], free_only=True)
    assert {item.course.id for item in learning.items} == {"audit", "free"}


# --- community suggestions: nothing made up ---------------------------------------------------------------


def test_a_suggestion_gets_no_level_cost_or_format_it_was_not_given(taxonomy: Taxonomy) -> None:
    """Before: every suggestion was an intermediate paid reading list, ranked first for `free:no` and for
    `level:intermediate format:reading list` ("intermediate, as asked")."""
    vetted = course("vetted", "seo", level="intermediate", format="reading-list", cost="paid")
    catalog = Catalog([suggestion(1, "seo"), vetted])
    assert [i.course.id for i in recommend(catalog, taxonomy, ["seo"], paid_only=True).items] == ["vetted"]
    assert [i.course.id for i in recommend(catalog, taxonomy, ["seo"], free_only=True).items] == []
    by_format = recommend(catalog, taxonomy, ["seo"], level="intermediate", format="reading-list")
    assert [i.course.id for i in by_format.items] == ["vetted"]
    asked = recommend(catalog, taxonomy, ["seo"], level="intermediate")
    assert [i.course.id for i in asked.items] == ["vetted", "community-1"]
    [item] = [i for i in asked.items if i.course.id == "community-1"]
    assert item.reason.level_fit is LevelFit.UNKNOWN
    text = render_recommendations(asked, "en").plain_text
    assert text.count("suggested by the community") == 1
    line = next(f.value for f in render_recommendations(asked, "en").fields if "Suggested 1" in f.name)
    assert "intermediate" not in line and "paid" not in line
    intro = render_introduction_courses([suggestion(1, "seo")], "en")
    assert intro is not None and "(suggested by the community)" in intro.value and "paid" not in intro.value


def test_when_filters_leave_nothing_at_the_level_the_message_names_the_filters(
    shipped: Catalog, taxonomy: Taxonomy
) -> None:
    """Before: `free:no level:beginner` said no crisis course was for beginners, though free ones are."""
    found = recommend(shipped, taxonomy, ["crisis-communications"], level="beginner", paid_only=True)
    text = render_recommendations(found, "en").text
    assert "that pass your filters" in text
    plain = recommend(shipped, taxonomy, ["crisis-communications"], level="beginner")
    assert any(item.reason.level_fit is LevelFit.EXACT for item in plain.items)


def test_a_course_file_may_not_use_the_ids_of_community_suggestions(tmp_path: Any, taxonomy: Taxonomy) -> None:
    """Before: a file entry `community-1` was loaded, and approving suggestion #1 then broke /courses and
    /mentor-admin stats with a duplicate id."""
    from mentorbot.errors import ConfigFileError

    path = tmp_path / "courses.toml"
    path.write_text(
        '[[course]]\nid = "community-1"\ntitle = "T"\nprovider = "P"\nurl = "https://example.org/t"\n'
        'skills = ["seo"]\nlevel = "beginner"\nformat = "course"\ncost = "free"\nduration = "4 weeks"\n'
        'language = "en"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigFileError) as caught:
        load_catalog(path, taxonomy)
    assert "community-" in str(caught.value) and "id" in str(caught.value)


def test_a_course_file_url_with_an_impossible_port_is_refused(tmp_path: Any, taxonomy: Taxonomy) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        course("x", "seo", url="https://example.org:99999/x")
    assert isinstance(course("y", "seo", url="https://example.org:8443/x"), Course)
