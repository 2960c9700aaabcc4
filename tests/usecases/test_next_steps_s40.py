"""Session 40: four answers that left a member with no next step, or a wrong one, each now says what to do.

1. ``/mentor pause`` in a server where Baraka is no mentor, but an active one in another server of the same
   platform, said "You're not a mentor yet. Sign up with `/mentor signup …`": following it made a second active
   profile, the opposite of pausing. Now it says his profile in the other server is active, and to pause there
   (or, paused there already, that there is nothing to pause); ``/mentor resume`` likewise says he is an active
   mentor there, with nothing to resume.
2. A suggestion of a resource already in the catalog said "Try `/courses` to see it", but `/courses` alone shows
   only how to ask (or the top five for the member's requests). Now it names a `/courses skills:…` that lists it.
3. A profile update refused because a skill is in use ("Nothing was changed: mentorship #1 uses SEO.") gave no way
   on: most had typed `/mentor signup skills:copywriting` to add a skill, not knowing that ``skills:`` replaces the
   list. Now it says so, with the command that keeps their skills and adds the new one, or to end mentorship #1.
4. A check-in's "help" on a mentorship the partner has ended said only "Mentorship #1 is not active any more."
   Now it is answered as "ok" is (ended: the rating ask, with its button), and the admins are told, as for an
   active one (once a day), with a notice that says it has ended.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.commands import run_command
from mentorbot.formatting import day
from mentorbot.i18n import translator
from mentorbot.inputs import MAX_MENTOR_SKILLS
from mentorbot.library import Library
from mentorbot.models import MentorStatus, Places
from mentorbot.replies import Outcome
from mentorbot.settings import Settings
from mentorbot.storage.members import InUse
from mentorbot.storage.store import Store
from mentorbot.usecases.profiles import in_use_words
from tests.usecases.conftest import COMMUNITY, make_settings, offer_id, to

Who = Callable[..., Caller]
EN = translator("en")
SW = translator("sw")
A, B, C = "discord:1000000000000000001", "discord:2000000000000000002", "discord:3000000000000000003"


def baraka(community: str) -> Caller:
    return Caller(community, "111", "Baraka")


def key(out: Outcome) -> str | None:
    return out.error.key if out.error is not None else None


# --- 1. pause and resume where he is no mentor, but an active one in another server ---------------------------


async def test_pause_where_he_is_no_mentor_points_to_the_active_profile_elsewhere(bot: MentorBot) -> None:
    assert (await bot.signup(baraka(A), skills="seo")).error is None
    for t in (EN, SW):
        await bot.set_language(baraka(B), language=t.lang)
        paused = await bot.pause(baraka(B))
        here, where = t("elsewhere.here.server"), t("elsewhere.where.server", count=1)
        assert paused.reply.text == t("elsewhere.pause_not_here", here=here, where=where, count=1)
        assert "/mentor signup" not in paused.reply.text and "`/mentor pause` there" in EN(
            "elsewhere.pause_not_here", here=here, where=where, count=1
        )
        resumed = await bot.resume(baraka(B))
        assert resumed.reply.text == t("elsewhere.resume_active_not_here", here=here, where=where, count=1)
        assert "/mentor signup" not in resumed.reply.text
    # Nothing was made in B, and A is as it was: still active, with its offers.
    assert await bot.mentor_profile(B, "111") is None
    profile = await bot.mentor_profile(A, "111")
    assert profile is not None and profile.status is MentorStatus.ACTIVE


async def test_active_in_two_other_servers_counts_them(bot: MentorBot) -> None:
    for community in (A, C):
        await bot.signup(baraka(community), skills="seo")
    paused = await bot.pause(baraka(B))
    where = EN("elsewhere.where.server", count=2)
    assert paused.reply.text == EN("elsewhere.pause_not_here", here=EN("elsewhere.here.server"), where=where, count=2)
    assert "profiles in 2 other servers are active" in paused.reply.text
    resumed = await bot.resume(baraka(B))
    assert resumed.reply.text == EN(
        "elsewhere.resume_active_not_here", here=EN("elsewhere.here.server"), where=where, count=2
    )


async def test_pause_where_he_is_no_mentor_and_paused_elsewhere_has_nothing_to_pause(bot: MentorBot) -> None:
    await bot.signup(baraka(A), skills="seo")
    await bot.pause(baraka(A))
    paused = await bot.pause(baraka(B))
    here, where = EN("elsewhere.here.server"), EN("elsewhere.where.server", count=1)
    assert paused.reply.text == EN("elsewhere.pause_paused_not_here", here=here, where=where, count=1)
    assert "/mentor signup" not in paused.reply.text
    # resume in B still points at the paused profile in A, as before.
    resumed = await bot.resume(baraka(B))
    assert resumed.reply.text == EN("elsewhere.resume_not_here", here=here, where=where, count=1)
    assert await bot.mentor_profile(B, "111") is None


async def test_one_server_only_is_answered_as_before(bot: MentorBot) -> None:
    assert (await bot.pause(baraka(A))).reply.text == EN("mentor.not_a_mentor")
    assert (await bot.resume(baraka(A))).reply.text == EN("mentor.not_a_mentor")
    # Another platform's community with the same user id is not the same person.
    await bot.signup(Caller("slack:T1", "111", "Other"), skills="seo")
    assert (await bot.pause(baraka(A))).reply.text == EN("mentor.not_a_mentor")
    assert (await bot.resume(baraka(A))).reply.text == EN("mentor.not_a_mentor")


# --- 2. a suggestion already in the catalog names a /courses that lists it --------------------------------------


def _command_in(text: str) -> str:
    [command] = re.findall(r"`(/courses [^`]*)`", text)
    return command


@pytest.mark.parametrize("lang", ["en", "sw"])
async def test_every_catalog_resource_suggested_again_names_a_courses_list_showing_it(
    bot: MentorBot, who: Who, lang: str
) -> None:
    """Every resource of the shipped catalog is listed by the `/courses` its refusal names; only a resource in a
    language the reader may not read (a Swahili one, for an English reader: ranked after every other) may be listed
    by none, and then the refusal says it is there without promising a list."""
    member = who("zed")
    await bot.set_language(member, language=lang)
    await bot.request(member, skills="seo")  # an open request: `/courses` alone would show SEO's top five only
    unlisted = []
    for course in bot.library.catalog.courses:
        said = await bot.suggest_course(member, url=course.url, skills="seo")
        assert key(said) in ("curation.in_catalog", "curation.in_catalog_unlisted"), (course.id, said.reply.text)
        assert f"“{course.title}”" in said.reply.text
        command = _command_in(said.reply.text)
        assert command.startswith("/courses skills:"), command
        shown = await run_command(bot, member, command)
        assert shown.error is None, (command, shown.reply.text)
        listed = course.url in shown.reply.plain_text
        assert listed is (key(said) == "curation.in_catalog"), (course.id, command)
        if not listed:
            unlisted.append(course)
    assert all(course.language not in (lang, "en") for course in unlisted), [c.id for c in unlisted]
    assert len(unlisted) < 5


async def test_the_refusal_names_the_first_skill_that_lists_it(bot: MentorBot, who: Who) -> None:
    """The hunter's case: HubSpot's social media certificate is not among the best five for its first skill
    (social-media-strategy), and is for its second."""
    said = await bot.suggest_course(who("zed"), url="https://academy.hubspot.com/courses/social-media", skills="seo")
    assert said.reply.text == EN(
        "curation.in_catalog",
        title="Social Media Marketing Certification",
        provider="HubSpot Academy",
        command="/courses skills:social-listening",
    )
    first = await bot.courses(who("zed"), skills="social-media-strategy")
    assert "https://academy.hubspot.com/courses/social-media" not in first.reply.plain_text


def _crowded_files(folder: Path) -> tuple[Path, Path]:
    """The shipped skills, and a catalog of seven alike resources for one skill: the last (by id) ranks seventh for
    any query that lists it at all."""
    folder.mkdir()
    root = Path(__file__).resolve().parents[2] / "config"
    skills, courses = root / "skills.toml", folder / "courses.toml"
    blocks = [
        f'[[course]]\nid = "{name}"\ntitle = "Guide {name}"\nprovider = "P"\nurl = "https://example.org/{name}"\n'
        'skills = ["seo"]\nlevel = "beginner"\nformat = "course"\ncost = "free"\nduration = "self-paced"\n'
        'language = "en"\n'
        for name in ("a", "b", "c", "d", "e", "f", "z")
    ]
    courses.write_text("\n".join(blocks), encoding="utf-8")
    return skills, courses


async def test_a_resource_no_query_lists_is_named_with_its_title_and_not_promised(
    store: Store, clock: ManualClock, tmp_path: Path
) -> None:
    skills, courses = _crowded_files(tmp_path / "files")
    settings: Settings = make_settings(skills_file=skills, courses_file=courses)
    bot = MentorBot(store, Library(skills, courses), settings, clock)
    member = Caller(COMMUNITY, "U-zed", "Zed")
    said = await bot.suggest_course(member, url="https://example.org/z", skills="seo")
    assert key(said) == "curation.in_catalog_unlisted"
    assert said.reply.text == EN(
        "curation.in_catalog_unlisted",
        title="Guide z",
        provider="P",
        skills="SEO",
        command="/courses skills:seo",
    )
    # One that is listed is still promised.
    listed = await bot.suggest_course(member, url="https://example.org/a", skills="seo")
    assert listed.reply.text == EN("curation.in_catalog", title="Guide a", provider="P", command="/courses skills:seo")


# --- 3. a skill in use: keep it in the list, or end the mentorship first -----------------------------------------


async def _mentoring(bot: MentorBot, who: Who, skills: str) -> int:
    """Mo mentors `skills` (one place), Zed is his mentee in SEO: the mentorship's id."""
    assert (await bot.signup(who("mo"), skills=skills, capacity=1)).error is None
    [offer] = to(await bot.request(who("zed"), skills="seo"), "mo")
    assert (await bot.accept(who("mo"), offer_id=offer_id(offer))).error is None
    return 1


async def test_adding_a_skill_by_replacing_the_list_says_how_to_keep_the_one_in_use(bot: MentorBot, who: Who) -> None:
    await _mentoring(bot, who, "seo")
    refused = await bot.signup(who("mo"), skills="copywriting")
    assert key(refused) == "profile.in_use_next"
    details = EN("profile.skill_in_use", id=1, skills="SEO")
    step = EN("profile.keep_or_end", added="Copywriting", kept="SEO", skills="seo, copywriting", ids="#1", count=1)
    assert refused.reply.text == EN("profile.in_use_next", details=details, next=step)
    assert (
        "`/mentor signup skills:seo, copywriting`" in refused.reply.text and "end mentorship #1" in refused.reply.text
    )
    # Following it adds the skill, and keeps SEO.
    followed = await run_command(bot, who("mo"), "/mentor signup skills:seo, copywriting")
    assert followed.error is None, followed.reply.text
    profile = await bot.mentor_profile(COMMUNITY, "U-mo")
    assert profile is not None and set(profile.skills) == {"seo", "copywriting"}


async def test_the_command_keeps_every_current_skill_not_only_the_one_in_use(bot: MentorBot, who: Who) -> None:
    await _mentoring(bot, who, "seo, email-marketing")
    await bot.set_language(who("mo"), language="sw")
    refused = await bot.signup(who("mo"), skills="copywriting, paid-social")
    labels = bot.core.labels
    step = SW(
        "profile.keep_or_end",
        added=labels(["copywriting", "paid-social"], "sw"),
        kept=labels(["email-marketing", "seo"], "sw"),
        skills="email-marketing, seo, copywriting, paid-social",
        ids="#1",
        count=1,
    )
    details = SW("profile.skill_in_use", id=1, skills=labels(["seo"], "sw"))
    assert refused.reply.text == SW("profile.in_use_next", details=details, next=step)
    followed = await run_command(bot, who("mo"), "/mentor signup skills:email-marketing, seo, copywriting, paid-social")
    assert followed.error is None, followed.reply.text
    profile = await bot.mentor_profile(COMMUNITY, "U-mo")
    assert profile is not None and set(profile.skills) == {"email-marketing", "seo", "copywriting", "paid-social"}


async def test_dropping_a_skill_in_use_says_to_end_the_mentorship_first(bot: MentorBot, who: Who) -> None:
    await _mentoring(bot, who, "seo, copywriting")
    refused = await bot.signup(who("mo"), skills="copywriting")
    details = EN("profile.skill_in_use", id=1, skills="SEO")
    step = EN("profile.end_first", dropped="SEO", ids="#1", count=1)
    assert refused.reply.text == EN("profile.in_use_next", details=details, next=step)
    assert "replaces" not in refused.reply.text


async def test_a_list_too_long_to_keep_whole_keeps_the_skills_in_use(bot: MentorBot, who: Who) -> None:
    taxonomy = bot.library.taxonomy
    others = [s.slug for s in taxonomy.search("", limit=len(taxonomy)) if s.slug != "seo"]
    current = ["seo", *others[: MAX_MENTOR_SKILLS - 1]]
    await _mentoring(bot, who, ", ".join(current))
    new = others[MAX_MENTOR_SKILLS - 1 : MAX_MENTOR_SKILLS + 1]
    refused = await bot.signup(who("mo"), skills=", ".join(new))
    command = re.findall(r"`(/mentor signup skills:[^`]*)`", refused.reply.text)
    assert command == [f"/mentor signup skills:{', '.join(['seo', *new])}"], refused.reply.text
    assert (await run_command(bot, who("mo"), command[0])).error is None


async def test_an_import_refusal_reads_as_before(bot: MentorBot, who: Who) -> None:
    """The mentors file's import (an admin's CLI) says what is in the way, with no `/mentor signup` to type."""
    words = in_use_words(InUse(1, Places(1, 1, 0), {1: ("seo",)}), EN, bot.core.labels)
    assert words == EN("profile.skill_in_use", id=1, skills="SEO")


# --- 4. help on a mentorship the partner has ended ---------------------------------------------------------------


async def test_help_on_an_ended_mentorship_asks_the_rating_and_tells_the_admins(bot: MentorBot, who: Who) -> None:
    await bot.status(who("admin"))  # the admin is a member here
    await _mentoring(bot, who, "seo")
    assert (await bot.end(who("mo"), mentorship_id=1, rating="5")).error is None
    helped = await bot.checkin(who("zed"), mentorship_id=1, answer="help")
    assert helped.error is None
    ok = await bot.checkin(who("zed"), mentorship_id=1, answer="ok")
    assert helped.reply.text == ok.reply.text + "\n" + EN("checkin.help_sent", id=1)
    assert [b.action for b in helped.reply.buttons] == [b.action for b in ok.reply.buttons] == ["feedback.open"]
    [notice] = to(helped, "admin")
    assert "mentorship #1" in notice.reply.text and "has ended" in notice.reply.text
    assert "/mentor-admin end" not in notice.reply.text
    # Once a day, as for an active one.
    again = await bot.checkin(who("zed"), mentorship_id=1, answer="help")
    assert again.reply.text == ok.reply.text + "\n" + EN("checkin.help_already", id=1)
    assert to(again, "admin") == []
    # Rated: no rating ask any more, the help line still.
    await bot.feedback(who("zed"), mentorship_id=1, rating="4")
    rated = await bot.checkin(who("zed"), mentorship_id=1, answer="help")
    assert rated.reply.text == EN("end.already_ended", id=1) + "\n" + EN("checkin.help_already", id=1)
    assert rated.reply.buttons == ()


async def test_help_on_an_ended_mentorship_in_swahili(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    await bot.status(who("admin"))
    await bot.set_language(who("admin"), language="sw")
    await _mentoring(bot, who, "seo")
    await bot.end(who("mo"), mentorship_id=1, rating="5")
    await bot.set_language(who("zed"), language="sw")
    helped = await bot.checkin(who("zed"), mentorship_id=1, answer="msaada")
    assert helped.reply.text == SW("end.already_ended_ask", id=1) + "\n" + SW("checkin.help_sent", id=1)
    [notice] = to(helped, "admin")
    today = day(clock.now())
    people = {"member": "<@U-zed>", "mentor": "<@U-mo>", "mentee": "<@U-zed>"}
    assert notice.reply.text == SW("checkin.help_notice_ended", id=1, since=today, ended=today, **people)
    assert notice.reply.title == SW("checkin.help_title")


async def test_help_on_an_ended_mentorship_with_no_admin_says_to_contact_them(bot: MentorBot, who: Who) -> None:
    await _mentoring(bot, who, "seo")  # the admin is no member here: nobody the bot can tell
    await bot.end(who("mo"), mentorship_id=1, rating="5")
    helped = await bot.checkin(who("zed"), mentorship_id=1, answer="help")
    assert helped.reply.text == EN("end.already_ended_ask", id=1) + "\n" + EN("checkin.help_no_admin", id=1)
    assert "contact your community's admins directly" in helped.reply.text
