"""Session 38 course fixes, below the bot: introductions read the community's votes, the nearest-skill hint keeps
its filters, a host's trailing dot, skills joined with "and", the bot's own filter words as ``free:`` input."""

from __future__ import annotations

import pytest

from mentorbot.courses import Catalog, Tally, url_key
from mentorbot.errors import UserError
from mentorbot.recommendations import (
    courses_for_introduction,
    parse_cost,
    parse_skills,
    recommend,
    render_recommendations,
)
from mentorbot.skills import Taxonomy

# --- introductions and votes ---------------------------------------------------------------------------------


def test_an_introduction_puts_a_resource_the_community_found_unhelpful_after_the_others(shipped: Catalog) -> None:
    """Before: `courses_for_introduction` took no votes; six "not helpful" votes left the resource first."""
    plain = [c.id for c in courses_for_introduction(shipped, ["seo"])]
    first = plain[0]
    voted = [c.id for c in courses_for_introduction(shipped, ["seo"], votes={first: Tally(not_helpful=6)})]
    assert voted[0] != first
    # No votes, or empty tallies, change nothing.
    assert [c.id for c in courses_for_introduction(shipped, ["seo"], votes={})] == plain


def test_an_introduction_orders_by_votes_as_courses_does(shipped: Catalog, taxonomy: Taxonomy) -> None:
    """The same tallies lead /courses and an introduction with the same resource (no level asked, one skill)."""
    tallies = {"moz-beginners-guide-to-seo": Tally(helpful=8), "ahrefs-academy": Tally(not_helpful=3)}
    listed = recommend(shipped, taxonomy, ["seo"], votes=tallies).items
    introduced = courses_for_introduction(shipped, ["seo"], votes=tallies)
    assert introduced[0].id == listed[0].course.id == "moz-beginners-guide-to-seo"


# --- the nearest-skill hint ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"format": "degree"}, "format:degree"),
        ({"format": "degree", "paid_only": True}, "format:degree free:no"),
        ({"format": "coaching", "free_only": True}, "format:coaching free:yes"),
    ],
)
def test_the_nearest_skill_hint_keeps_the_filters_it_was_counted_with(
    shipped: Catalog, taxonomy: Taxonomy, options: dict[str, object], expected: str
) -> None:
    """Before: "Try `/courses skills:social-media-strategy`" dropped format:degree, so it listed no degree."""
    result = recommend(shipped, taxonomy, ["seo"], **options)  # type: ignore[arg-type]
    assert not result.items and result.nearest_skills
    for lang in ("en", "sw"):
        text = render_recommendations(result, lang).text
        assert f"`/courses skills:{result.nearest_skills[0].slug} {expected}`" in text


def test_the_nearest_skill_hint_without_filters_is_unchanged(taxonomy: Taxonomy) -> None:
    catalog = Catalog([])
    result = recommend(catalog, taxonomy, ["seo"])
    assert not result.nearest_skills  # an empty catalog: no hint at all


# --- addresses -----------------------------------------------------------------------------------------------


def test_url_key_drops_a_trailing_dot_of_the_host() -> None:
    """Before: ``academy.hubspot.com.`` (a fully qualified host) kept its dot, so the catalog's page looked new."""
    assert url_key("https://academy.hubspot.com./courses/seo-training") == url_key(
        "https://academy.hubspot.com/courses/seo-training"
    )
    assert url_key("https://www.Example.org./a/") == "example.org/a"


# --- skills joined with "and" --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "lang", "slugs"),
    [
        ("seo and copywriting", "en", ["seo", "copywriting"]),
        ("SEO AND copywriting", "en", ["seo", "copywriting"]),
        ("seo & email", "en", ["seo", "email-marketing"]),
        ("seo&email", "en", ["seo", "email-marketing"]),
        ("seo + email", "en", ["seo", "email-marketing"]),
        ("seo/email", "en", ["seo", "email-marketing"]),
        ("seo na barua pepe", "sw", ["seo", "email-marketing"]),
        ("seo, copywriting and email", "en", ["seo", "copywriting", "email-marketing"]),
        ("seo copywriting and email", "en", ["seo", "copywriting", "email-marketing"]),
    ],
)
def test_skills_may_be_joined_with_and(taxonomy: Taxonomy, typed: str, lang: str, slugs: list[str]) -> None:
    """Before: "and", "&", "+", "/" and Swahili "na" were read as part of one unknown skill."""
    assert [skill.slug for skill in parse_skills(taxonomy, typed, lang)] == slugs


def test_a_skill_whose_name_holds_and_is_still_one_skill(taxonomy: Taxonomy) -> None:
    """Every label and alias of the shipped taxonomy with "and" or "na" in it names its own skill, whole; one joined
    to another skill with "and" too."""
    named = 0
    for skill in taxonomy.skills:
        for name in (skill.labels.en, skill.labels.sw, *skill.aliases):
            if {"and", "na"} & set(name.casefold().split()):
                named += 1
                assert [s.slug for s in parse_skills(taxonomy, name)] == [skill.slug], name
                other = "copywriting" if skill.slug != "copywriting" else "seo"
                assert [s.slug for s in parse_skills(taxonomy, f"{name} and {other}")] == [skill.slug, other], name
                assert [s.slug for s in parse_skills(taxonomy, f"{other} na {name}")] == [other, skill.slug], name
    assert named >= 10  # "PR and media relations", "Uhusiano na umma na vyombo vya habari", "hiring and coaching"…


def test_an_unknown_skill_joined_with_and_is_still_refused(taxonomy: Taxonomy) -> None:
    with pytest.raises(UserError):
        parse_skills(taxonomy, "seo and basket weaving")


# --- free: input ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("free only", True),
        ("Free Only", True),
        ("paid only", False),
        ("za bure pekee", True),
        ("za kulipia pekee", False),
        ("za kulipia tu", False),
    ],
)
def test_the_bots_own_filter_words_are_free_input(typed: str, expected: bool) -> None:
    """Before: the bot named the filter "free only" ("za bure pekee") but refused those words as ``free:``."""
    assert parse_cost(typed) is expected
    assert parse_cost(typed, "sw") is expected
