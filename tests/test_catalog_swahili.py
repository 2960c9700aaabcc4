"""Issue 15: the shipped catalog has real resources in Swahili (``language = "sw"``), and a Swahili reader sees
them first: before any resource in another language covering as many of the asked skills. The rule as a
property over every skill of the shipped taxonomy; English readers keep the plain ranking."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mentorbot.courses import Catalog, default_courses_path, load_catalog
from mentorbot.recommendations import Recommendations, recommend
from mentorbot.skills import Taxonomy, default_skills_path

TAXONOMY = Taxonomy.load(default_skills_path())
CATALOG: Catalog = load_catalog(default_courses_path(), TAXONOMY)
SWAHILI = [course for course in CATALOG if course.language == "sw"]


def test_the_shipped_catalog_has_swahili_resources_on_whatsapp_marketing() -> None:
    assert len(SWAHILI) >= 3
    assert all(course.free and course.region == "east-africa" for course in SWAHILI)
    assert {"whatsapp-marketing"} <= {slug for course in SWAHILI for slug in course.skills}


def ids(result: Recommendations) -> list[str]:
    return [item.course.id for item in result.items]


def test_swahili_readers_see_the_swahili_resources_first() -> None:
    swahili = {course.id for course in SWAHILI if "whatsapp-marketing" in course.skills}
    shown = ids(recommend(CATALOG, TAXONOMY, ["whatsapp-marketing"], lang="sw", limit=len(CATALOG)))
    assert set(shown[: len(swahili)]) == swahili
    english = ids(recommend(CATALOG, TAXONOMY, ["whatsapp-marketing"], lang="en", limit=len(CATALOG)))
    assert set(english[: len(swahili)]) != swahili  # English readers: the plain ranking, not Swahili first
    assert sorted(english) == sorted(shown)  # the same resources, in another order


@pytest.mark.parametrize("skill", ["whatsapp-marketing", "social-commerce", "social-media-law"])
def test_a_swahili_reader_of_a_skill_with_swahili_resources_gets_one_in_the_first_answer(skill: str) -> None:
    first = recommend(CATALOG, TAXONOMY, [skill], lang="sw").items
    assert first and first[0].course.language == "sw"


@settings(max_examples=80, deadline=None)
@given(
    skills=st.lists(st.sampled_from([s.slug for s in TAXONOMY.skills]), min_size=1, max_size=3, unique=True),
    limit=st.integers(min_value=1, max_value=12),
)
def test_no_resource_in_another_language_precedes_a_swahili_one_covering_as_much(skills: list[str], limit: int) -> None:
    items = recommend(CATALOG, TAXONOMY, skills, lang="sw", limit=limit).items
    for before, after in pairwise(items):
        if after.course.language == "sw" and before.course.language != "sw":
            assert len(before.reason.covered) > len(after.reason.covered)
    everything = recommend(CATALOG, TAXONOMY, skills, lang="sw", limit=len(CATALOG)).items
    best = max((len(item.reason.covered) for item in everything), default=0)
    top_swahili = [i for i in everything if i.course.language == "sw" and len(i.reason.covered) == best]
    if top_swahili:
        assert items[0].course.language == "sw"
