"""Session 38 course fixes through the core, on both engines: introductions read the community's votes, a vote for
a resource no longer in the catalog says so, the nearest-skill hint keeps its filters, a host's trailing dot, skills
joined with "and", the admins' "least helpful", the bot's own filter words as ``free:`` input."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.commands import execute_button, run_command
from mentorbot.library import Library
from mentorbot.replies import Notification, Outcome
from mentorbot.settings import Settings
from mentorbot.storage.store import Store
from tests.usecases.conftest import COMMUNITY, make_settings, offer_id, to

Who = Callable[..., Caller]


def key(out: Outcome) -> str | None:
    """The message key of a refusal (None when the use-case did what was asked)."""
    return out.error.key if out.error is not None else None


def buttons_of(out: Outcome | Notification) -> list[str]:
    return [b.ref for b in out.reply.buttons if b.action == "vote.up"]


# --- introductions read the community's votes ----------------------------------------------------------------


async def _introduce(bot: MentorBot, who: Who, mentor: str, mentee: str) -> list[str]:
    """The resources a new SEO mentorship's introduction suggests to the mentee, in order."""
    await bot.signup(who(mentor), skills="seo", capacity=3)
    [offer] = to(await bot.request(who(mentee), skills="seo"), mentor)
    [intro] = to(await bot.accept(who(mentor), offer_id=offer_id(offer)), mentee)
    return buttons_of(intro)


async def test_an_introduction_does_not_lead_with_what_the_community_found_unhelpful(bot: MentorBot, who: Who) -> None:
    """Before: six "not helpful" votes (each told "Other members will see better ones first") moved the resource
    down in /courses, but the next introduction still suggested it first."""
    first = (await _introduce(bot, who, "mentor", "amina"))[0]
    for n in range(6):
        said = await bot.vote_course(who(f"voter{n}"), resource=first, helpful="not")
        assert key(said) is None
    assert buttons_of(await bot.courses(who("zawadi"), skills="seo"))[0] != first
    again = await _introduce(bot, who, "mentor2", "baraka")
    assert again[0] != first
    assert again[0] == buttons_of(await bot.courses(who("zawadi"), skills="seo"))[0]


async def test_the_votes_of_another_community_do_not_move_an_introduction(bot: MentorBot, who: Who) -> None:
    first = (await _introduce(bot, who, "mentor", "amina"))[0]
    for n in range(6):
        await bot.vote_course(Caller("other:guild", f"U-v{n}", "V"), resource=first, helpful="not")
    assert (await _introduce(bot, who, "mentor2", "baraka"))[0] == first


# --- a vote for a resource no longer in the catalog ----------------------------------------------------------


def _files(folder: Path) -> tuple[Path, Path]:
    folder.mkdir()
    root = Path(__file__).resolve().parents[2] / "config"
    skills, courses = folder / "skills.toml", folder / "courses.toml"
    shutil.copy(root / "skills.toml", skills)
    shutil.copy(root / "courses.toml", courses)
    return skills, courses


def _drop_course(courses: Path, course_id: str) -> None:
    blocks = courses.read_text(encoding="utf-8").split("[[course]]")
    kept = [b for b in blocks if f'id = "{course_id}"' not in b]
    assert len(kept) == len(blocks) - 1
    courses.write_text("[[course]]".join(kept), encoding="utf-8")


async def test_a_vote_for_a_course_a_reload_removed_says_it_is_no_longer_in_the_catalog(
    store: Store, clock: ManualClock, tmp_path: Path
) -> None:
    """Before: the Helpful button of a /courses list shown before the reload answered "I don't know the resource
    “hubspot-seo”. The buttons under /courses name each one for you." - the member had just pressed one."""
    skills, courses = _files(tmp_path / "files")
    settings: Settings = make_settings(skills_file=skills, courses_file=courses)
    bot = MentorBot(store, Library(skills, courses), settings, clock)
    member, other = Caller(COMMUNITY, "U-amina", "Amina"), Caller(COMMUNITY, "U-juma", "Juma")
    shown = await bot.courses(member, skills="seo")
    up = next(b for b in shown.reply.buttons if b.action == "vote.up" and b.ref == "hubspot-seo")
    assert key(await bot.vote_course(other, resource="hubspot-seo", helpful=True)) is None
    _drop_course(courses, "hubspot-seo")
    clock.advance(timedelta(seconds=1))
    assert key(await bot.admin_reload(Caller(COMMUNITY, "U-admin", "Admin"))) is None
    said = await execute_button(bot, member, up.action, up.ref)
    assert key(said) == "curation.resource_gone"
    assert "no longer in the catalog" in said.reply.text and "`/courses`" in said.reply.text
    assert "name each one" not in said.reply.text
    # Nobody voted on it here before: the answer cannot know it was listed, and says it may have been.
    _drop_course(courses, "moz-beginners-guide-to-seo")
    clock.advance(timedelta(seconds=1))
    await bot.admin_reload(Caller(COMMUNITY, "U-admin", "Admin"))
    said = await execute_button(bot, member, "vote.up", "moz-beginners-guide-to-seo")
    assert key(said) == "curation.resource_not_listed"
    assert "no longer" in said.reply.text and "name each one" not in said.reply.text
    await bot.set_language(member, language="sw")
    said = await execute_button(bot, member, "vote.up", "hubspot-seo")
    assert key(said) == "curation.resource_gone" and "`/courses`" in said.reply.text


async def test_a_vote_for_a_withdrawn_suggestion_says_it_is_no_longer_in_the_catalog(bot: MentorBot, who: Who) -> None:
    """Before: its Helpful button (under an earlier /courses list) answered "I don't know the resource"."""
    await bot.suggest_course(who("bob"), url="https://example.org/guides/seo-basics", skills="seo", title="SEO basics")
    await bot.admin_decide_suggestion(who("admin"), suggestion_id=1, approve=True)
    assert "community-1" in buttons_of(await bot.courses(who("amina"), skills="seo"))
    await bot.admin_decide_suggestion(who("admin"), suggestion_id=1, approve=False, withdraw=True, reason="paywall")
    said = await execute_button(bot, who("amina"), "vote.up", "community-1")
    assert key(said) == "curation.resource_gone"
    assert "“SEO basics” is no longer in the catalog" in said.reply.text


async def test_a_mistyped_resource_is_still_an_unknown_one(bot: MentorBot, who: Who) -> None:
    for typed in ("SEO guide!", "community-7"):  # not an id at all; no such suggestion
        said = await bot.vote_course(who("amina"), resource=typed, helpful=True)
        assert key(said) == "curation.no_resource"


# --- the nearest-skill hint, the address, the skills, the free filter ----------------------------------------


async def test_following_the_nearest_skill_hint_lists_what_it_counted(bot: MentorBot, who: Who) -> None:
    """Before: `/courses skills:seo format:degree` offered "Try `/courses skills:social-media-strategy`", which
    dropped the degree filter the nearby skills were chosen for."""
    for lang in ("en", "sw"):
        await bot.set_language(who("amina"), language=lang)
        text = (await bot.courses(who("amina"), skills="seo", format="degree", free="no")).reply.text
        example = text.split("`/courses skills:")[1].split("`")[0]
        assert example.endswith(" format:degree free:no")
        followed = await run_command(bot, who("amina"), f"/courses skills:{example}")
        assert followed.reply.fields, followed.reply.text
        assert all("\n" in f.value for f in followed.reply.fields)


async def test_a_catalog_page_with_a_trailing_dot_host_is_already_in_the_catalog(bot: MentorBot, who: Who) -> None:
    said = await bot.suggest_course(
        who("bob"), url="https://academy.hubspot.com./courses/seo-training", skills="seo", title="HubSpot SEO course"
    )
    assert key(said) == "curation.in_catalog"


async def test_skills_joined_with_and_are_read_as_several(bot: MentorBot, who: Who) -> None:
    said = await bot.courses(who("amina"), skills="seo and copywriting")
    assert said.reply.fields and "SEO" in (said.reply.title or "") and "Copywriting" in (said.reply.title or "")
    assert (await bot.courses(who("amina"), skills="seo & email")).reply.fields
    await bot.set_language(who("amina"), language="sw")
    assert (await bot.courses(who("amina"), skills="seo na barua pepe")).reply.fields
    assert (await bot.courses(who("amina"), skills="uhusiano na umma na vyombo vya habari")).reply.fields


async def test_the_admins_least_helpful_is_less_helpful_than_the_best(bot: MentorBot, who: Who) -> None:
    """Before: two SEO resources every voter found helpful, and one of them was called "least helpful"."""
    for resource in ("hubspot-seo", "moz-beginners-guide-to-seo"):
        for n in range(3):
            await bot.vote_course(who(f"v{n}"), resource=resource, helpful="yes")
    queue = (await bot.admin_courses(who("admin"))).reply.plain_text
    stats = (await bot.admin_stats(who("admin"))).reply.plain_text
    for shown in (queue, stats):  # the admin's course queue and the programme's stats alike
        assert "most helpful" in shown and "least helpful" not in shown.lower()  # the field's title neither
    for n in range(3, 6):
        await bot.vote_course(who(f"v{n}"), resource="moz-beginners-guide-to-seo", helpful="no")
    queue = (await bot.admin_courses(who("admin"))).reply.plain_text
    stats = (await bot.admin_stats(who("admin"))).reply.plain_text
    for shown in (queue, stats):
        assert "· least helpful “The Beginner's Guide to SEO” (3 of 6)" in shown
    assert "Most and least helpful, per skill" in queue
    assert "Most and least helpful resources, per skill" in stats


async def test_the_bots_own_filter_words_are_free_input(bot: MentorBot, who: Who) -> None:
    """Before: the bot names the filter "free only" ("za bure pekee") and refused `free:free only`."""
    assert (await run_command(bot, who("amina"), "/courses skills:seo free:free only")).reply.fields
    await bot.set_language(who("amina"), language="sw")
    assert (await run_command(bot, who("amina"), "/courses skills:seo free:za bure pekee")).reply.fields
    paid = await run_command(bot, who("amina"), "/courses skills:seo free:za kulipia pekee")
    assert paid.reply.fields and key(paid) is None
