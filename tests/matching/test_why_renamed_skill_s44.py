"""A skill a reload merged into another (its slug kept as an alias) is still told as shared in the "why you" of a
pending offer, under its new name (docs/matching.md, "The explanation says every part"; session 44's mutation hunt:
X4, V1).

The offer stored the old slug (``podcasting``); the mentor's profile now holds the new one (``audio-shows``). The line
worked out again when shown (`explain.as_shown`) reads the stored slug as the taxonomy names it now
(`views.skill_slug`: an alias resolves to its skill) and looks the mentor's level up under that name. Either step
undone and a mentor who held the skill alone was told sharing nothing. No test had a mentor holding only the renamed
skill. On both engines, and the rule alone."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.library import Library
from mentorbot.matching import Explanation, explain
from mentorbot.models import Level, Member, MentorProfile, MentorStatus
from mentorbot.storage.store import Store
from tests.storage.test_suggestion_skills_follow_reload import (  # noqa: F401  (skills_file: a fixture)
    ADMIN,
    edit,
    member,
    merge_podcasting,
    skills_file,
)
from tests.usecases.conftest import COMMUNITY, make_settings

EN = translator("en")
SW = translator("sw")
AT = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


@pytest.fixture
def reload_bot(store: Store, clock: ManualClock, skills_file: Path) -> MentorBot:  # noqa: F811
    """A bot whose skills file the test edits and reloads (podcasting and audio-shows added)."""
    courses = skills_file.with_name("courses.toml")
    settings = make_settings(skills_file=skills_file, courses_file=courses)
    return MentorBot(store, Library(skills_file, courses), settings, clock)


async def _status_line(bot: MentorBot, name: str) -> str:
    """The one open-request line of `name`'s `/mentor status`."""
    [entry] = (await bot.status(member(name))).reply.listings[0].entries
    return str(entry)


async def test_a_skill_the_mentor_held_alone_is_still_told_shared_once_renamed(
    reload_bot: MentorBot,
    skills_file: Path,  # noqa: F811
) -> None:
    bot = reload_bot
    await bot.signup(member("baraka"), skills="podcasting", levels="expert", capacity="3")
    await bot.request(member("amina"), skills="podcasting")
    assert "(shares Podcasting (expert); " in await _status_line(bot, "amina")
    edit(skills_file, merge_podcasting)
    await bot.admin_reload(ADMIN)
    baraka = await bot.store.find_member(COMMUNITY, "U-baraka")
    assert baraka is not None
    profile = await bot.store.get_mentor_profile(baraka.id)
    assert profile is not None and dict(profile.skills) == {"audio-shows": Level.EXPERT}
    line = await _status_line(bot, "amina")
    assert "(shares Audio shows (expert); " in line, line


async def test_the_renamed_skill_is_told_shared_in_swahili_too(
    reload_bot: MentorBot,
    skills_file: Path,  # noqa: F811
) -> None:
    bot = reload_bot
    await bot.signup(member("baraka"), skills="podcasting", levels="expert", capacity="3")
    await bot.set_language(member("amina"), language="sw")
    await bot.request(member("amina"), skills="podcasting")
    edit(skills_file, merge_podcasting)
    await bot.admin_reload(ADMIN)
    line = await _status_line(bot, "amina")
    shared = SW("match.skill_with_level", skill="Vipindi vya sauti", level=SW("level.expert"))
    assert f"({SW('match.shares', skills=shared)}; " in line, line


def test_as_shown_looks_the_mentors_level_up_under_the_skills_name_now() -> None:
    """The rule alone: the stored slug read through `canonical`, the level the mentor holds under the new name."""
    stored = Explanation((("podcasting", "learning"),), None, 0, 3, True, 0)
    present = explain.Present(AT, _profile({"audio-shows": Level.EXPERT}), _mentee(), "en")
    renamed = {"podcasting": "audio-shows"}
    shown = explain.as_shown(stored, present, lambda slug: renamed.get(slug, slug))
    assert shown.shared == (("audio-shows", "expert"),)


def _profile(skills: dict[str, Level]) -> MentorProfile:
    return MentorProfile(
        member_id=9,
        skills=skills,
        capacity=3,
        bio="",
        timezone="UTC",
        languages=("en",),
        status=MentorStatus.ACTIVE,
        paused_until=None,
        pause_reason=None,
        active_count=0,
        pending_offers=1,
        expired_streak=0,
        last_offered_at=None,
        created_at=AT,
        updated_at=AT,
    )


def _mentee() -> Member:
    return Member(10, COMMUNITY, "U-amina", "Amina", "en", AT, timezone=None)
