"""`/courses` answers what it promises (session 30b): with `format:certificate` the cost filters judge the
certificate's cost (one free to study whose certificate is paid is found by `free:no`, not by `free:yes`), and
the five places keep one for the best resource at the level asked for even when the skills fill them all."""

from __future__ import annotations

import random

import pytest

from mentorbot.courses import Catalog, CourseLevel, Format
from mentorbot.i18n import translator
from mentorbot.recommendations import LevelFit, courses_command, recommend, render_recommendations
from mentorbot.skills import Taxonomy
from tests.test_recommendations import course, ids

en = translator("en")


# --- a certificate asked for: its cost decides ------------------------------------------------------------------


def _certificates() -> Catalog:
    return Catalog(
        [
            course("audit", "seo", format="certificate", cost="free", paid_certificate=True),
            course("free-cert", "seo", format="certificate", cost="free"),
            course("paid-cert", "seo", format="certificate", cost="paid"),
            course("free-course", "seo"),
            course("paid-course", "seo", cost="paid"),
        ]
    )


def test_a_paid_certificate_is_paid_when_a_certificate_is_asked_for(taxonomy: Taxonomy) -> None:
    """Before: `audit` (free to study, paid certificate) was in neither `free:yes` nor `free:no` with
    `format:certificate`: the member asking for paid certificates never saw it."""
    catalog = _certificates()
    asked = {"format": Format.CERTIFICATE}
    assert sorted(ids(recommend(catalog, taxonomy, ["seo"], **asked))) == ["audit", "free-cert", "paid-cert"]
    assert ids(recommend(catalog, taxonomy, ["seo"], free_only=True, **asked)) == ["free-cert"]
    assert sorted(ids(recommend(catalog, taxonomy, ["seo"], paid_only=True, **asked))) == ["audit", "paid-cert"]


def test_without_a_certificate_asked_for_free_to_study_is_free(taxonomy: Taxonomy) -> None:
    """README: `free:yes` free only, `free:no` paid only; with no certificate asked for, studying is what costs."""
    catalog = _certificates()
    assert sorted(ids(recommend(catalog, taxonomy, ["seo"], free_only=True))) == ["audit", "free-cert", "free-course"]
    assert sorted(ids(recommend(catalog, taxonomy, ["seo"], paid_only=True))) == ["paid-cert", "paid-course"]


@pytest.mark.parametrize("skill", ["leadership", "visual-design"])
def test_the_shipped_paid_certificates_are_found_by_free_no(shipped: Catalog, taxonomy: Taxonomy, skill: str) -> None:
    """The hunt's two: every certificate for the skill is in exactly one of `free:yes` and `free:no`."""
    every = set(ids(recommend(shipped, taxonomy, [skill], format="certificate", limit=100)))
    free = set(ids(recommend(shipped, taxonomy, [skill], format="certificate", free_only=True, limit=100)))
    paid = set(ids(recommend(shipped, taxonomy, [skill], format="certificate", paid_only=True, limit=100)))
    assert every and paid and free | paid == every and not free & paid
    assert all(shipped.get(c).paid_certificate for c in every - free)  # type: ignore[union-attr]
    reply = courses_command(shipped, taxonomy, skills=skill, format="certificate", free="no")
    assert reply.fields and "free to learn, paid certificate" in reply.plain_text


# --- the level's place ----------------------------------------------------------------------------------------

FIVE = ["seo", "ai-tools", "employee-advocacy", "whatsapp-marketing", "leadership"]


def _exact_shown(result: object) -> bool:
    return any(item.reason.level_fit is LevelFit.EXACT for item in result.items)  # type: ignore[attr-defined]


def test_five_skills_and_a_level_show_the_best_course_at_that_level(shipped: Catalog, taxonomy: Taxonomy) -> None:
    """Before: the five skills took the five places; none shown was advanced, each said "(you asked for
    advanced)", and "none is at that level" was not said either, as two are."""
    found = recommend(shipped, taxonomy, FIVE, level="advanced", lang="sw")
    assert found.at_level and _exact_shown(found)
    every = recommend(shipped, taxonomy, FIVE, level="advanced", lang="sw", limit=100)
    best = next(item.course.id for item in every.items if item.reason.level_fit is LevelFit.EXACT)
    assert best in ids(found) and len(found.items) == 5
    # The level's place took that of a pick whose skill another place still teaches: all five skills answered.
    assert {slug for item in found.items for slug in item.reason.covered} == set(FIVE)


def test_the_level_takes_the_lowest_ranked_place_when_each_teaches_its_own_skill(taxonomy: Taxonomy) -> None:
    """Five skills, a Swahili course for each (first for a Swahili reader), and the only advanced one in English:
    before, the five took every place and the advanced one was not shown. Now it takes the place of the lowest
    ranked pick whose skill it teaches too, so every skill keeps one; when it teaches a sixth skill only, of the
    lowest ranked pick (the README's place for the level outweighs a fifth skill's)."""
    skills = ["seo", "copywriting", "paid-social", "email-marketing", "analytics-reporting"]
    swahili = [course(f"sw-{slug}", slug, language="sw") for slug in skills]
    found = recommend(
        Catalog([*swahili, course("adv-copy", "copywriting", level="advanced")]),
        taxonomy,
        skills,
        level="advanced",
        lang="sw",
    )
    assert set(ids(found)) == {"sw-seo", "sw-paid-social", "sw-email-marketing", "sw-analytics-reporting", "adv-copy"}
    assert render_recommendations(found, "sw").text == translator("sw")("courses.intro")
    found = recommend(
        Catalog([*swahili, course("adv-brand", "brand-strategy", "seo", level="advanced")]),
        taxonomy,
        skills,
        level="advanced",
        lang="sw",
    )
    assert "adv-brand" in ids(found) and "sw-seo" not in ids(found) and len(found.items) == 5
    found = recommend(
        Catalog([*swahili, course("adv-brand", "brand-strategy", level="advanced")]),
        taxonomy,
        [*skills, "brand-strategy"],
        level="advanced",
        lang="sw",
    )
    assert ids(found) == [
        "sw-analytics-reporting",
        "sw-copywriting",
        "sw-email-marketing",
        "sw-paid-social",
        "adv-brand",
    ]


def test_no_query_shows_no_course_at_the_level_while_one_passes_the_filters(
    shipped: Catalog, taxonomy: Taxonomy
) -> None:
    """`spread_probe`'s search, smaller: five skills, every level, a Swahili reader (where it found 45 answers that
    showed no course at the level asked for while one passed the filters, and did not say so either)."""
    slugs = [skill.slug for skill in taxonomy.skills]
    rng = random.Random(1)
    seen = 0
    for _ in range(800):
        skills = rng.sample(slugs, 5)
        for level in CourseLevel:
            found = recommend(shipped, taxonomy, skills, level=level, lang="sw")
            if found.at_level:
                seen += 1
                assert _exact_shown(found), (skills, level.value)
    assert seen > 100
