"""A member's approved suggestion has no language anyone vouched for. Before, it was never "foreign", so for a
Swahili reader it joined the catalog's Swahili resources and, more focused, came before them: a Swahili reader
asking for social media law was shown an English page first, although the docs promise Swahili resources first
to Swahili readers. Now, for a reader of another language than English, a resource known to be in the reader's
language comes before a suggestion, and a suggestion before the resources known to be in English; an English
reader's order is as it was (a suggestion competes with the English resources on its focus and votes)."""

from __future__ import annotations

from collections.abc import Callable

from mentorbot.bot import Caller, MentorBot
from mentorbot.courses import Catalog, CommunityCourse, Cost, CourseLevel, Format
from mentorbot.library import Library
from mentorbot.recommendations import courses_for_introduction, recommend
from mentorbot.skills import Taxonomy

Who = Callable[..., Caller]
SKILL = "social-media-law"


def _swahili(library: Library) -> list[str]:
    return [c.id for c in library.catalog if c.language == "sw" and SKILL in c.skills]


def _english(library: Library) -> list[str]:
    return [c.id for c in library.catalog if c.language == "en" and SKILL in c.skills]


async def _shown(bot: MentorBot, who: Who, name: str, language: str) -> list[str]:
    await bot.set_language(who(name), language=language)
    reply = (await bot.courses(who(name), skills=SKILL)).reply
    return [b.ref for b in reply.buttons if b.action == "vote.up"]


async def _approve(bot: MentorBot, who: Who) -> None:
    await bot.suggest_course(who("amina"), url="https://example.org/law-guide", skills=SKILL, title="Law guide")
    await bot.admin_decide_suggestion(who("admin"), suggestion_id="1", approve=True)


async def test_a_swahili_reader_sees_the_swahili_resource_before_a_suggestion(bot: MentorBot, who: Who) -> None:
    await _approve(bot, who)
    shown = await _shown(bot, who, "baraka", "sw")
    swahili = _swahili(bot.library)
    assert swahili and shown[: len(swahili)] == swahili, shown
    assert "community-1" in shown


async def test_a_swahili_reader_sees_the_suggestion_before_the_english_resources(bot: MentorBot, who: Who) -> None:
    await _approve(bot, who)
    shown = await _shown(bot, who, "baraka", "sw")
    english = [ref for ref in shown if ref in _english(bot.library)]
    assert english and shown.index("community-1") < shown.index(english[0]), shown


async def test_an_english_readers_order_is_unchanged(bot: MentorBot, who: Who) -> None:
    """For an English reader the suggestion (one skill: the most focused) still comes before the English resources
    that teach more besides, and the Swahili page (a language the reader may not read) after every other."""
    await _approve(bot, who)
    shown = await _shown(bot, who, "chao", "en")
    catalog = bot.library.catalog
    broader = [ref for ref in shown if ref in _english(bot.library) and len(catalog.get(ref).skills) > 1]  # type: ignore[union-attr]
    assert broader and all(shown.index("community-1") < shown.index(ref) for ref in broader), shown
    swahili = [ref for ref in shown if ref in _swahili(bot.library)]
    assert all(shown.index(ref) > shown.index(other) for ref in swahili for other in shown if other not in swahili)


def _suggestion(skill: str) -> CommunityCourse:
    return CommunityCourse(
        id="community-7",
        title="A member's page",
        provider="example.org",
        url="https://example.org/page",
        skills=(skill,),
        level=CourseLevel.INTERMEDIATE,
        format=Format.READING_LIST,
        cost=Cost.PAID,
        duration="varies",
        language="en",
        suggestion_id=7,
    )


def test_introductions_follow_the_same_rule(library: Library) -> None:
    """An introduction for Swahili readers starts with the Swahili resource, then the suggestion; for English
    readers the suggestion ranks among the English resources as before."""
    taxonomy: Taxonomy = library.taxonomy
    catalog = Catalog([*library.catalog, _suggestion(SKILL)])
    swahili = courses_for_introduction(catalog, [SKILL], limit=10, lang="sw")
    ids = [c.id for c in swahili]
    assert ids[0] in _swahili(library)
    first_english = min(ids.index(ref) for ref in _english(library) if ref in ids)
    assert ids.index("community-7") < first_english, ids
    english = [c.id for c in courses_for_introduction(catalog, [SKILL], limit=10, lang="en")]
    broader = [ref for ref in english if ref in _english(library) and len(catalog.get(ref).skills) > 1]  # type: ignore[union-attr]
    assert broader and all(english.index("community-7") < english.index(ref) for ref in broader), english
    # recommend() agrees with introductions
    ranked = [item.course.id for item in recommend(catalog, taxonomy, [SKILL], lang="sw", limit=10).items]
    assert ranked[: len(_swahili(library))] == _swahili(library)
    assert ranked.index("community-7") < min(ranked.index(ref) for ref in _english(library) if ref in ranked)
