"""Votes in the ranking (issue 15), as properties: one more helpful vote never ranks a resource lower, one more
not-helpful vote never ranks it higher, and the votes never outweigh one more requested skill covered."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mentorbot.courses import Tally, default_courses_path, load_catalog
from mentorbot.recommendations import COVERAGE_WEIGHT, FOCUS_WEIGHT, LEVEL_WEIGHT, VOTE_WEIGHT, helpful_share, recommend
from mentorbot.skills import Taxonomy, default_skills_path

TAXONOMY = Taxonomy.load(default_skills_path())
CATALOG = load_catalog(default_courses_path(), TAXONOMY)
SLUGS = sorted(TAXONOMY.slugs)
tallies = st.builds(Tally, st.integers(0, 50), st.integers(0, 50))


@given(tallies)
def test_helpful_share_is_monotonic_and_bounded(tally: Tally) -> None:
    share = helpful_share(tally)
    assert 0 < share < 1
    assert helpful_share(Tally(tally.helpful + 1, tally.not_helpful)) > share
    assert helpful_share(Tally(tally.helpful, tally.not_helpful + 1)) < share


def test_votes_never_outweigh_one_more_skill_covered() -> None:
    assert FOCUS_WEIGHT + 2 * LEVEL_WEIGHT + VOTE_WEIGHT < COVERAGE_WEIGHT


@settings(max_examples=60, deadline=None)
@given(
    skills=st.lists(st.sampled_from(SLUGS), min_size=1, max_size=3, unique=True),
    votes=st.dictionaries(st.sampled_from([c.id for c in CATALOG]), tallies, max_size=20),
    pick=st.integers(0, 10_000),
    lang=st.sampled_from(["en", "sw"]),
)
def test_one_more_helpful_vote_never_ranks_a_resource_lower(
    skills: list[str], votes: dict[str, Tally], pick: int, lang: str
) -> None:
    before = recommend(CATALOG, TAXONOMY, skills, limit=1000, votes=votes, lang=lang)
    order = [item.course.id for item in before.items]
    chosen = order[pick % len(order)]
    old = votes.get(chosen, Tally())
    more = {**votes, chosen: Tally(old.helpful + 1, old.not_helpful)}
    after = [item.course.id for item in recommend(CATALOG, TAXONOMY, skills, limit=1000, votes=more, lang=lang).items]
    assert after.index(chosen) <= order.index(chosen)
    less = {**votes, chosen: Tally(old.helpful, old.not_helpful + 1)}
    worse = [item.course.id for item in recommend(CATALOG, TAXONOMY, skills, limit=1000, votes=less, lang=lang).items]
    assert worse.index(chosen) >= order.index(chosen)
