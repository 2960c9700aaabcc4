"""Session 46's mutation hunt (/tmp/hunt/mut): what a member reads that no test asserted. Both engines.

- D1, D2, D5: a profile update that drops skills and adds others tells the command that keeps them too
  (`profiles._dropped_text`) while the whole list fits in a profile (`MAX_MENTOR_SKILLS`: exactly that many too),
  and not beyond; the command names the levels of the dropped skills only, and only those not the default (a skill
  kept keeps its level when named again).
- R2: ``/courses`` shows a catalog course's address with its square brackets percent-encoded, as the introductions
  do (`recommendations.shown_url`): a ``]`` there would close a masked link its title's ``[`` opened.
- U2: a suggested address with a lone ``[`` (no ``]``) is refused as one with both is (`curation.url_brackets`).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.commands import parse
from mentorbot.courses import CourseLevel
from mentorbot.errors import UserError
from mentorbot.i18n import translator
from mentorbot.inputs import MAX_MENTOR_SKILLS
from mentorbot.library import Library
from mentorbot.recommendations import LevelFit, Reason, Recommendations, RecommendedCourse, render_recommendations
from mentorbot.storage.store import SuggestionStatus
from mentorbot.usecases.curation import check_url
from tests.test_text_safety_s45 import catalog_course
from tests.usecases.conftest import COMMUNITY

Who = Callable[..., Caller]
EN = translator("en")


def _slugs(bot: MentorBot, count: int) -> list[str]:
    """`count` skills of the shipped list, in alphabetical order (as a profile lists them either way)."""
    slugs = sorted(skill.slug for skill in bot.library.taxonomy)
    assert len(slugs) >= count
    return slugs[:count]


def _label(bot: MentorBot, slug: str) -> str:
    [skill] = [s for s in bot.library.taxonomy if s.slug == slug]
    return skill.label("en")


async def _skills_of(bot: MentorBot, name: str) -> dict[str, str]:
    member = await bot.store.find_member(COMMUNITY, f"U-{name}")
    assert member is not None
    profile = await bot.store.get_mentor_profile(member.id)
    assert profile is not None
    return {slug: str(level) for slug, level in profile.skills.items()}


# ------------------------------------------------------------------------------------------ dropped skills told


async def test_a_list_that_fits_exactly_is_told_as_the_command_to_keep_them(bot: MentorBot, who: Who) -> None:
    """D1: 14 skills, one dropped and one added: the list that keeps it is 15, a profile's most: told."""
    slugs = _slugs(bot, MAX_MENTOR_SKILLS)
    before, new = slugs[: MAX_MENTOR_SKILLS - 1], slugs[-1]
    await bot.signup(who("mo"), skills=", ".join(before), capacity=2)

    updated = await bot.signup(who("mo"), skills=", ".join([*before[1:], new]))

    assert updated.error is None, updated.reply.text
    told = EN("profile.dropped_keep", dropped=_label(bot, before[0]), skills=", ".join(slugs))
    assert updated.reply.text.endswith("\n" + told), updated.reply.text
    again = await bot.signup(who("mo"), **dict(parse(f"/mentor signup skills:{', '.join(slugs)}").args))
    assert again.error is None and again.reply.text == EN("signup.updated")
    assert sorted(await _skills_of(bot, "mo")) == slugs


async def test_a_list_that_would_not_fit_is_not_told(bot: MentorBot, who: Who) -> None:
    """D2: 15 skills, one dropped and one added: keeping it would make 16, more than a profile holds: the update
    says what was dropped, and no command a profile would refuse."""
    slugs = _slugs(bot, MAX_MENTOR_SKILLS + 1)
    before, new = slugs[:MAX_MENTOR_SKILLS], slugs[-1]
    await bot.signup(who("mo"), skills=", ".join(before), capacity=2)

    updated = await bot.signup(who("mo"), skills=", ".join([*before[1:], new]))

    assert updated.error is None, updated.reply.text
    assert updated.reply.text.endswith("\n" + EN("profile.dropped", dropped=_label(bot, before[0])))
    assert "/mentor signup skills:" not in updated.reply.text


@pytest.mark.parametrize(
    ("levels", "command", "kept"),
    [
        (
            "expert, learning",
            "copywriting, seo, visual-design levels:copywriting:expert",
            {"copywriting": "expert", "seo": "learning", "visual-design": "practitioner"},
        ),
        (
            "practitioner, learning",
            "copywriting, seo, visual-design",
            {"copywriting": "practitioner", "seo": "learning", "visual-design": "practitioner"},
        ),
    ],
)
async def test_the_command_told_names_only_the_dropped_skills_levels_not_the_default(
    bot: MentorBot, who: Who, levels: str, command: str, kept: dict[str, str]
) -> None:
    """D5: Mo mentors Copywriting and SEO (learning) and types ``skills:seo, visual-design``. The command told
    names Copywriting's level when it is not the default, and not SEO's, which it keeps when named again."""
    await bot.signup(who("mo"), skills="copywriting, seo", levels=levels, capacity=2)

    updated = await bot.signup(who("mo"), skills="seo, visual-design")

    assert updated.reply.text.endswith("\n" + EN("profile.dropped_keep", dropped="Copywriting", skills=command))
    again = await bot.signup(who("mo"), **dict(parse(f"/mentor signup skills:{command}").args))
    assert again.error is None and again.reply.text == EN("signup.updated")
    assert await _skills_of(bot, "mo") == kept


# ------------------------------------------------------------------------------------------ addresses with brackets


def test_courses_shows_a_catalog_address_with_its_brackets_encoded(library: Library) -> None:
    """R2: a ``/courses`` line of a courses file's entry whose address holds ``[`` and ``]``."""
    [skill] = [s for s in library.taxonomy if s.slug == "crisis-communications"]
    course = catalog_course("https://example.org/a[1]?b=](x)")
    reason = Reason(
        covered=("crisis-communications",),
        level=CourseLevel.INTERMEDIATE,
        level_fit=LevelFit.ANY,
        asked_level=None,
        free=True,
        price=None,
    )
    found = Recommendations(skills=(skill,), items=(RecommendedCourse(course, 1.0, reason),))
    for lang in ("en", "sw"):
        [field] = render_recommendations(found, lang).fields
        assert field.value.splitlines()[-1] == "https://example.org/a%5B1%5D?b=%5D(x)"
        assert "[" not in field.value and "]" not in field.value


LONE_OPENER = "https://x.example/a[b"


def test_an_address_with_a_lone_opening_bracket_is_refused() -> None:
    """U2: one ``[`` without a ``]`` is refused too."""
    with pytest.raises(UserError) as refused:
        check_url(LONE_OPENER)
    assert refused.value.key == "curation.url_brackets"


async def test_a_suggestion_of_an_address_with_a_lone_opening_bracket_is_refused(bot: MentorBot, who: Who) -> None:
    said = await bot.suggest_course(who("zed"), url=LONE_OPENER, skills="seo", title="A guide")
    assert said.error is not None and said.error.key == "curation.url_brackets"
    assert said.reply.text == EN("curation.url_brackets")
    assert await bot.store.list_suggestions(COMMUNITY, SuggestionStatus.PENDING) == []
