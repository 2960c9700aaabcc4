"""Session 40 (skills hunt): a reload that merges one skill into another (the old slug kept as the other's alias) kept
the level a mentor had in the skill merged into, whatever it was: a mentor who was an expert in podcasting and
learning audio shows became "Audio shows (learning)" (their ranking weight for it from 1.5 to 0.5, and their offers'
explanations with it), and nobody was told. The merged skill keeps the higher of the two levels."""

from __future__ import annotations

from pathlib import Path

import pytest

from mentorbot.bot import MentorBot
from mentorbot.models import Level
from tests.storage.test_suggestion_skills_follow_reload import (
    ADMIN,
    bot,  # noqa: F401  (fixture)
    edit,
    member,
    merge_podcasting,
    skills_file,  # noqa: F401  (fixture)
)


async def _levels(mentorbot: MentorBot, name: str) -> dict[str, Level]:
    found = await mentorbot.store.find_member(ADMIN.community, f"U-{name}")
    assert found is not None
    profile = await mentorbot.store.get_mentor_profile(found.id)
    assert profile is not None
    return dict(profile.skills)


@pytest.mark.parametrize(
    ("podcasting", "audio_shows", "merged"),
    [
        ("expert", "learning", Level.EXPERT),
        ("learning", "expert", Level.EXPERT),
        ("practitioner", "learning", Level.PRACTITIONER),
        ("learning", "practitioner", Level.PRACTITIONER),
        ("learning", "learning", Level.LEARNING),
    ],
)
async def test_a_merge_keeps_the_higher_level(
    bot: MentorBot,  # noqa: F811
    skills_file: Path,  # noqa: F811
    podcasting: str,
    audio_shows: str,
    merged: Level,
) -> None:
    await bot.signup(
        member("baraka"), skills="podcasting, audio-shows, seo", levels=f"{podcasting}, {audio_shows}, learning"
    )
    await bot.signup(member("chao"), skills="podcasting", levels="expert")  # only the merged skill: moved as it is
    edit(skills_file, merge_podcasting)
    await bot.admin_reload(ADMIN)
    assert await _levels(bot, "baraka") == {"audio-shows": merged, "seo": Level.LEARNING}
    assert await _levels(bot, "chao") == {"audio-shows": Level.EXPERT}
