"""Skills autocomplete with a 150-skill taxonomy of long slugs: a mentor enters 15 of them through the real
discord.py autocomplete against the fake Discord, and every choice stays within Discord's 100 characters."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mentorbot.bot import MentorBot
from mentorbot.library import Library
from mentorbot.skills import Taxonomy
from mentorbot_discord.picks import CHOICE_LIMIT, codes_of, complete, expand
from tests.big_taxonomy import big_library, generated_slug
from tests.discord.helpers import COMMUNITY, EN, MENTOR_USER_ID, Members

FIFTEEN = [generated_slug(number) for number in range(121, 151, 2)]


@pytest.fixture
def library(tmp_path: Path) -> Library:
    """The 150-skill taxonomy instead of the shipped one."""
    return big_library(tmp_path)


async def test_a_mentor_enters_fifteen_long_skills_through_autocomplete(members: Members, bot: MentorBot) -> None:
    typed = ""
    for turn, slug in enumerate(FIFTEEN):
        number = int(slug.rsplit("-", 1)[1])
        current = f"{typed}, deals {number}" if typed else f"deals {number}"
        choices = await members.complete("mentor signup", "skills", current, user=MENTOR_USER_ID)
        assert choices, f"no suggestion after {turn} skills"
        assert all(len(str(c["name"])) <= CHOICE_LIMIT and len(str(c["value"])) <= CHOICE_LIMIT for c in choices)
        chosen = choices[0]
        assert expand(str(chosen["value"]), bot.library.taxonomy) is not None
        # Discord sends the value, and in some clients the name it showed: both must carry every skill.
        typed = str(chosen["value"] if turn % 2 else chosen["name"])
    assert len(typed) <= CHOICE_LIMIT

    shown = await members.slash("mentor signup", {"skills": typed, "levels": "expert"}, user=MENTOR_USER_ID)

    assert EN("signup.created") in shown.text
    member = await bot.store.find_member(COMMUNITY, str(MENTOR_USER_ID))
    assert member is not None
    profile = await bot.store.get_mentor_profile(member.id)
    assert profile is not None and sorted(profile.skills) == sorted(FIFTEEN)


async def test_a_request_picked_with_codes_names_the_right_skills(members: Members, bot: MentorBot) -> None:
    codes = codes_of(bot.library.taxonomy)
    value = ",".join(codes.by_slug[slug] for slug in FIFTEEN[:5])
    shown = await members.slash("mentor request", {"skills": value})
    assert "Request #1" in shown.text
    for slug in FIFTEEN[:5]:
        assert bot.library.taxonomy.get(slug) is not None


def test_every_skill_has_one_code_that_reads_as_no_skill_name(library: Library) -> None:
    taxonomy = library.taxonomy
    codes = codes_of(taxonomy)
    assert sorted(codes.by_slug) == sorted(taxonomy.slugs)
    assert len(set(codes.by_slug.values())) == len(taxonomy)
    for slug, code in codes.by_slug.items():
        assert codes.slug(code) == slug and len(code) <= 5
        assert taxonomy.resolve(code) is None


@settings(max_examples=60, deadline=None)
@given(picked=st.lists(st.integers(min_value=0, max_value=149), min_size=0, max_size=14, unique=True),
       query=st.text(alphabet="abcdeilnoprstu 0123456789-", max_size=12), by_name=st.booleans())
def test_choices_always_fit_and_always_mean_the_list_plus_one_skill(
    tmp_path_factory: pytest.TempPathFactory, picked: list[int], query: str, by_name: bool
) -> None:
    """The invariant: whatever is already in the list (as slugs, labels or codes), every choice's name and
    value fit in 100 characters and both name exactly the skills typed before plus the one offered."""
    taxonomy = _taxonomy(tmp_path_factory)
    skills = [taxonomy.skills[i] for i in picked]
    codes = codes_of(taxonomy)
    typed = ", ".join(codes.by_slug[s.slug] if i % 3 == 0 else s.slug if i % 3 == 1 else s.label("sw")
                      for i, s in enumerate(skills))
    current = f"{typed}, {query}" if typed else query
    for choice in complete(taxonomy, current, "en"):
        for text in (choice.name, choice.value):
            assert len(text) <= CHOICE_LIMIT
            expanded = expand(text, taxonomy) or ""
            resolved = taxonomy.resolve_many(part for part in expanded.split(","))
            assert not resolved.unknown
            slugs = [s.slug for s in resolved.skills]
            assert slugs[:-1] == [s.slug for s in skills] and slugs[-1] not in slugs[:-1]


_CACHE: dict[str, Taxonomy] = {}


def _taxonomy(factory: pytest.TempPathFactory) -> Taxonomy:
    """The 150-skill taxonomy, built once for all the property test's examples."""
    if "taxonomy" not in _CACHE:
        _CACHE["taxonomy"] = big_library(factory.mktemp("big")).taxonomy
    return _CACHE["taxonomy"]
