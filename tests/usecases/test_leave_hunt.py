"""Skills removed or renamed by a reload while stored rows use them; recruiting decided by why requests wait; a
check-in's call for help kept away from the mentorship's own parties; `/mentor feedback` without its number
(both engines)."""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.commands import run_command
from mentorbot.i18n import translator
from mentorbot.library import Library
from mentorbot.models import RequestStatus
from mentorbot.storage.store import Store
from mentorbot.usecases.library_follow import CHECK_EVERY
from tests.usecases.conftest import COMMUNITY, make_settings, offer_id, to

ROOT = Path(__file__).resolve().parents[2]
ADMIN = Caller(COMMUNITY, "U-admin", "Admin", is_admin=True)
EN = translator("en")
Who = Callable[..., Caller]


# ------------------------------------------------------------------------------------------------ helpers


def library_files(folder: Path) -> tuple[Path, Path]:
    """Copies of the shipped skills and courses files, to edit."""
    folder.mkdir(parents=True, exist_ok=True)
    skills, courses = folder / "skills.toml", folder / "courses.toml"
    shutil.copy(ROOT / "config" / "skills.toml", skills)
    shutil.copy(ROOT / "config" / "courses.toml", courses)
    return skills, courses


def remove_skill(skills: Path, courses: Path, slug: str) -> None:
    """Take `slug` out of the skills file, and out of every course (a course left with no skill goes)."""
    blocks = skills.read_text(encoding="utf-8").split("[[skill]]")
    skills.write_text("[[skill]]".join(b for b in blocks if f'slug = "{slug}"' not in b), encoding="utf-8")
    parts = courses.read_text(encoding="utf-8").split("[[course]]")
    kept = [parts[0]]
    for part in parts[1:]:
        found = re.search(r"^skills = \[(.*)\]$", part, re.M)
        if found is not None:
            items = [x.strip().strip('"') for x in found.group(1).split(",")]
            if slug in items:
                items = [x for x in items if x != slug]
                if not items:
                    continue
                part = (
                    part[: found.start()]
                    + "skills = ["
                    + ", ".join(f'"{x}"' for x in items)
                    + "]"
                    + part[found.end() :]
                )
        kept.append(part)
    courses.write_text("[[course]]".join(kept), encoding="utf-8")


def rename_skill(skills: Path, courses: Path, old: str, new: str) -> None:
    """Rename a skill's slug, the old slug kept as an alias (how skills.toml renames a skill)."""
    blocks = skills.read_text(encoding="utf-8").split("[[skill]]")
    for i, block in enumerate(blocks):
        if f'slug = "{old}"' in block:
            block = block.replace(f'slug = "{old}"', f'slug = "{new}"').replace(
                "aliases = [", f'aliases = ["{old}", ', 1
            )
            blocks[i] = block
    skills.write_text("[[skill]]".join(blocks), encoding="utf-8")
    courses.write_text(courses.read_text(encoding="utf-8").replace(f'"{old}"', f'"{new}"'), encoding="utf-8")


def process(store: Store, clock: ManualClock, skills: Path, courses: Path, name: str = "A") -> MentorBot:
    settings = make_settings(skills_file=skills, courses_file=courses)
    return MentorBot(store, Library(skills, courses), settings, clock, worker_id=name)


async def stored_skills(store: Store, sql: str, *args: object) -> list[str]:
    async with store.read() as conn:
        return sorted(str(r["skill"]) for r in await conn.fetch_all(sql, *args))


# ---------------------------------------------------------------------- defect 1: a reload removes a skill


async def test_a_reload_warns_about_a_removed_skill_still_in_use(
    store: Store, clock: ManualClock, tmp_path: Path, who: Who, caplog: pytest.LogCaptureFixture
) -> None:
    """Before: "Reloaded: 61 skills and … courses are in service." and nothing else, while two mentors, waiting
    requests and a mentorship still used the skill: those requests then waited for ever."""
    skills, courses = library_files(tmp_path / "lib")
    bot = process(store, clock, skills, courses)
    await bot.signup(who("m1"), skills="social-listening, seo", capacity="1")
    await bot.signup(who("m2"), skills="social-listening", capacity="1")
    first = await bot.request(who("amina"), skills="social-listening")
    [offer] = first.notifications
    await bot.accept(Caller(COMMUNITY, offer.platform_user_id, "Mentor"), offer_id=offer_id(offer))
    await bot.request(who("bob"), skills="social-listening")  # offered to the other mentor
    await bot.request(who("chiku"), skills="social-listening, seo")  # waits: both busy
    await bot.request(who("dan"), skills="social-listening")  # waits
    remove_skill(skills, courses, "social-listening")
    clock.advance(timedelta(seconds=1))
    with caplog.at_level(logging.WARNING, logger="mentorbot"):
        reply = (await bot.admin_reload(ADMIN)).reply.text
    assert reply.startswith("Reloaded:")
    assert "social-listening" in reply
    assert "2 mentors" in reply and "3 open requests" in reply and "1 active mentorship" in reply
    assert "alias" in reply  # what to do: put it back, or rename it with an alias
    logged = [r.getMessage() for r in caplog.records if "social-listening" in r.getMessage()]
    assert logged and "2 mentor(s)" in logged[0]
    # A reload that removes nothing in use says nothing more.
    clock.advance(timedelta(seconds=1))
    remove_skill(skills, courses, "copywriting")
    again = (await bot.admin_reload(ADMIN)).reply.text
    assert "copywriting" not in again and "social-listening" in again  # still in use, still said


async def test_the_warning_is_said_in_swahili_too(store: Store, clock: ManualClock, tmp_path: Path, who: Who) -> None:
    skills, courses = library_files(tmp_path / "lib")
    bot = process(store, clock, skills, courses)
    await bot.signup(who("m1"), skills="social-listening")
    remove_skill(skills, courses, "social-listening")
    clock.advance(timedelta(seconds=1))
    await bot.set_language(ADMIN, language="sw")
    reply = (await bot.admin_reload(ADMIN)).reply.text
    assert "social-listening" in reply and "mshauri 1" in reply


async def test_recruit_leaves_out_a_skill_no_longer_in_the_file(
    store: Store, clock: ManualClock, tmp_path: Path, who: Who
) -> None:
    """Before: the draft said `/mentor signup skills:social-listening,seo`, which the volunteer who typed it was
    refused (and SEO with it)."""
    skills, courses = library_files(tmp_path / "lib")
    bot = process(store, clock, skills, courses)
    await bot.request(who("dan"), skills="social-listening")
    await bot.request(who("eve"), skills="social-listening, seo")
    remove_skill(skills, courses, "social-listening")
    clock.advance(timedelta(seconds=1))
    await bot.admin_reload(ADMIN)
    draft = (await bot.admin_recruit(ADMIN)).reply.text
    found = re.search(r"`/mentor signup skills:([^`]*)`", draft)
    assert found is not None and found.group(1) == "seo"
    assert "social-listening" in draft  # the admin is told it was left out
    typed = await bot.signup(who("volunteer"), skills=found.group(1))
    assert typed.error is None


async def test_recruit_says_so_when_only_removed_skills_are_short(
    store: Store, clock: ManualClock, tmp_path: Path, who: Who
) -> None:
    skills, courses = library_files(tmp_path / "lib")
    bot = process(store, clock, skills, courses)
    await bot.request(who("dan"), skills="social-listening")
    remove_skill(skills, courses, "social-listening")
    clock.advance(timedelta(seconds=1))
    await bot.admin_reload(ADMIN)
    draft = (await bot.admin_recruit(ADMIN)).reply.text
    assert "/mentor signup" not in draft
    assert "social-listening" in draft and "skills file" in draft


async def test_a_rename_by_alias_moves_the_stored_rows_to_the_new_slug(
    store: Store, clock: ManualClock, tmp_path: Path, who: Who
) -> None:
    """Before: the mentor kept `social-listening` in the store while a new request for it was stored as
    `social-monitoring`: a mentor with three free places was never offered it."""
    skills, courses = library_files(tmp_path / "lib")
    bot = process(store, clock, skills, courses)
    await bot.signup(who("old_mentor"), skills="social-listening, seo", capacity="3")
    busy = await bot.request(who("amina"), skills="social-listening")
    [offer] = to(busy, "old_mentor")
    await bot.accept(who("old_mentor"), offer_id=offer_id(offer))
    await bot.pause(who("old_mentor"))
    waiting = await bot.request(who("bob"), skills="social-listening")  # waits: the mentor is paused
    assert not waiting.notifications
    rename_skill(skills, courses, "social-listening", "social-monitoring")
    clock.advance(timedelta(seconds=1))
    reply = (await bot.admin_reload(ADMIN)).reply.text
    assert "social-listening" in reply and "social-monitoring" in reply
    assert await stored_skills(store, "SELECT skill FROM mentor_skills") == ["seo", "social-monitoring"]
    assert await stored_skills(
        store,
        "SELECT s.skill FROM request_skills s JOIN requests r ON r.id = s.request_id WHERE r.status = ?",
        "waiting",
    ) == ["social-monitoring"]
    [active] = await store.list_mentorships(active_only=True)
    assert active.skills == ("social-monitoring",)
    await bot.resume(who("old_mentor"))  # the waiting request is offered to the mentor back
    [bob] = await store.list_requests(COMMUNITY, [RequestStatus.OFFERED])
    assert bob.skills == ("social-monitoring",)
    out = await bot.request(who("new_mentee"), skills="social-listening")
    assert to(out, "old_mentor"), "the renamed skill's mentor is offered a request typed with the old name"


async def test_a_mentor_with_both_the_old_and_the_new_slug_keeps_one_row(
    store: Store, clock: ManualClock, tmp_path: Path, who: Who
) -> None:
    """Two skills merged: the one removed becomes an alias of the other; a mentor and a request that named both
    keep one row each (the table's key would refuse a second)."""
    skills, courses = library_files(tmp_path / "lib")
    bot = process(store, clock, skills, courses)
    await bot.signup(who("m"), skills="seo, social-listening", levels="expert")
    await bot.pause(who("m"))
    await bot.request(who("amina"), skills="seo, social-listening")
    remove_skill(skills, courses, "social-listening")
    blocks = skills.read_text(encoding="utf-8").split("[[skill]]")
    blocks = [
        b.replace("aliases = [", 'aliases = ["social-listening", ', 1) if 'slug = "seo"' in b else b for b in blocks
    ]
    skills.write_text("[[skill]]".join(blocks), encoding="utf-8")
    clock.advance(timedelta(seconds=1))
    reply = (await bot.admin_reload(ADMIN)).reply.text
    assert "Reloaded:" in reply, reply
    assert await stored_skills(store, "SELECT skill FROM mentor_skills") == ["seo"]
    assert await stored_skills(store, "SELECT skill FROM request_skills") == ["seo"]


async def test_another_process_renames_what_it_stored_before_it_followed(
    store: Store, clock: ManualClock, tmp_path: Path, who: Who
) -> None:
    """A process that has not followed the reload yet (up to a minute) still stores the old slug; when it follows,
    it renames those rows too."""
    skills, courses = library_files(tmp_path / "lib")
    first = process(store, clock, skills, courses, "A")
    second = process(store, clock, skills, courses, "B")
    await second.run_due_jobs()
    rename_skill(skills, courses, "social-listening", "social-monitoring")
    clock.advance(timedelta(seconds=1))
    await first.admin_reload(ADMIN)
    await second.signup(who("late"), skills="social-listening")  # B still has the old file
    assert await stored_skills(store, "SELECT skill FROM mentor_skills") == ["social-listening"]
    clock.advance(CHECK_EVERY)
    await second.run_due_jobs()
    assert await stored_skills(store, "SELECT skill FROM mentor_skills") == ["social-monitoring"]


# ------------------------------------------------------------------- defect 2: who can serve a request


async def test_a_members_own_places_are_no_supply_for_their_own_request(bot: MentorBot, who: Who) -> None:
    """Before: "No skill is short of mentors right now" while Amina, the only SEO mentor, was told no mentor
    offers SEO yet."""
    await bot.signup(who("amina"), skills="seo", capacity="3")
    await bot.request(who("amina"), skills="seo")
    draft = (await bot.admin_recruit(ADMIN)).reply.text
    assert "No skill is short of mentors" not in draft
    assert "`/mentor signup skills:seo`" in draft


async def test_a_mentor_who_declined_the_member_is_no_supply_for_them(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("dave"), skills="paid-social", capacity="3")
    out = await bot.request(who("bob"), skills="paid-social")
    await bot.decline(who("dave"), offer_id=offer_id(out.notifications[0]), reason="not this person")
    draft = (await bot.admin_recruit(ADMIN)).reply.text
    assert "`/mentor signup skills:paid-social`" in draft


async def test_a_request_a_free_mentor_will_get_is_not_short(bot: MentorBot, who: Who) -> None:
    """A request offered to a mentor (or one a cohort's round will place) is not short of mentors."""
    await bot.signup(who("dave"), skills="paid-social", capacity="3")
    await bot.request(who("bob"), skills="paid-social")
    assert "No skill is short of mentors" in (await bot.admin_recruit(ADMIN)).reply.text


# ------------------------------------------------------------------ defect 3: help from an admin, not a party


async def test_help_is_not_sent_to_the_mentor_who_is_the_only_admin(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    """Before: the mentee was told "The admins have been told…" and the notice went to her own mentor."""
    bot = MentorBot(store, library, make_settings(admin_ids=["U-baraka"]), clock)
    await bot.signup(who("baraka"), skills="seo")
    offered = await bot.request(who("amina"), skills="seo")
    await bot.accept(who("baraka"), offer_id=offer_id(to(offered, "baraka")[0]))
    helped = await bot.checkin(who("amina"), mentorship_id=1, answer="help")
    assert helped.reply.text == EN("checkin.help_no_admin", id=1)
    assert not helped.notifications


async def test_help_goes_to_the_other_admins_only(store: Store, library: Library, clock: ManualClock, who: Who) -> None:
    bot = MentorBot(store, library, make_settings(admin_ids=["U-baraka", "U-amina", "U-admin"]), clock)
    await bot.status(who("admin"))
    await bot.signup(who("baraka"), skills="seo")
    offered = await bot.request(who("amina"), skills="seo")
    await bot.accept(who("baraka"), offer_id=offer_id(to(offered, "baraka")[0]))
    helped = await bot.checkin(who("baraka"), mentorship_id=1, answer="help")
    assert helped.reply.text == EN("checkin.help_sent", id=1)
    assert [n.platform_user_id for n in helped.notifications] == ["U-admin"]


# -------------------------------------------------------------------- defect 4: feedback without its number


async def ended(bot: MentorBot, who: Who, mentor: str, mentee: str) -> None:
    """A mentorship of `mentor` and `mentee`, ended by the mentee with their rating."""
    offered = await bot.request(who(mentee), skills="seo")
    await bot.accept(who(mentor), offer_id=offer_id(to(offered, mentor)[0]))
    mine = [m for m in await bot.store.list_mentorships(active_only=True)]
    await bot.end(who(mentee), mentorship_id=mine[-1].id, rating="4")


async def test_feedback_without_a_number_rates_the_only_one_waiting(bot: MentorBot, who: Who) -> None:
    """Before: "/mentor feedback needs its mentorship", and for a bad number "Use a number shown in `/mentor
    status`", which lists only active mentorships."""
    await bot.signup(who("baraka"), skills="seo", capacity="3")
    await ended(bot, who, "baraka", "amina")
    done = await run_command(bot, who("baraka"), "/mentor feedback rating:5")
    assert done.reply.text == EN("feedback.thanks", id=1)
    nothing = await run_command(bot, who("baraka"), "/mentor feedback rating:5")
    assert nothing.error is not None and nothing.error.key == "feedback.nothing_to_rate"


async def test_feedback_without_a_number_lists_those_waiting(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("baraka"), skills="seo", capacity="3")
    await ended(bot, who, "baraka", "amina")
    await ended(bot, who, "baraka", "chiku")
    which = await run_command(bot, who("baraka"), "/mentor feedback rating:5")
    assert which.error is not None and which.error.key == "feedback.which"
    text = which.reply.plain_text
    assert "#1" in text and "#2" in text and "<@U-amina>" in text and "<@U-chiku>" in text
    bad = await run_command(bot, who("baraka"), "/mentor feedback x rating:5")
    assert "/mentor status" not in bad.reply.plain_text
    assert "#1" in bad.reply.plain_text and "#2" in bad.reply.plain_text


async def test_feedback_with_nothing_ended_says_so(bot: MentorBot, who: Who) -> None:
    out = await run_command(bot, who("amina"), "/mentor feedback rating:5")
    assert out.error is not None and out.error.key == "feedback.nothing_to_rate"
    bad = await run_command(bot, who("amina"), "/mentor feedback x rating:5")
    assert "/mentor status" not in bad.reply.plain_text
