"""Text stored before a reload renamed a skill (an offer's explanation keeps the slugs of its time) reads with the
new skill's label: the old slug is the new skill's alias. Before, a pending offer's "why you" showed the bare old
slug ("shares seo (expert)") after `seo` became `search-optimisation` (found by the docs walkthrough)."""

from __future__ import annotations

from mentorbot.i18n import translator
from mentorbot.matching import Explanation
from mentorbot.skills import Skill, Taxonomy
from mentorbot.usecases.views import explanation_line, skill_label


def renamed() -> Taxonomy:
    return Taxonomy(
        [
            Skill(
                slug="search-optimisation",
                category="growth",
                label={"en": "Search optimisation", "sw": "Uboreshaji wa utafutaji"},  # type: ignore[call-arg]
                aliases=("seo",),
            )
        ]
    )


def test_an_old_slug_reads_as_the_renamed_skills_label() -> None:
    taxonomy = renamed()
    assert skill_label(taxonomy, "seo", "en") == "Search optimisation"
    assert skill_label(taxonomy, "seo", "sw") == "Uboreshaji wa utafutaji"
    assert skill_label(taxonomy, "gone-skill", "en") == "gone-skill"


def test_a_stored_explanation_names_the_renamed_skill() -> None:
    stored = Explanation(
        shared=(("seo", "expert"),), hours_apart=1.0, places_taken=0, capacity=2, same_language=True, past_pairs=0
    )
    line = explanation_line(stored.to_json(), translator("en"), renamed())
    assert "Search optimisation" in line and "seo" not in line
