"""A reload that renames a skill (the old slug kept as an alias) moves a forgotten member's "not my skill" exclusions
with the mentors and requests (`InsightStore.rename_skills`, `stored_slugs`). A hunt found that
`forgotten_exclusions.skills` (migration 0022) was left out: once podcasting became audio-shows, the member who had
forgotten their data and came back was offered again, for the same skill, to the mentor who had declined them as
"not my skill", a decline meant for good."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from tests.storage.test_suggestion_skills_follow_reload import (
    ADMIN,
    bot,  # noqa: F401  (fixture)
    edit,
    member,
    merge_podcasting,
    skills_file,  # noqa: F401  (fixture)
)
from tests.usecases.conftest import offer_id, to


async def test_a_renamed_skill_keeps_a_forgotten_members_exclusion(
    bot: MentorBot,  # noqa: F811
    skills_file: Path,  # noqa: F811
    clock: ManualClock,
) -> None:
    await bot.signup(member("baraka"), skills="podcasting, copywriting", capacity="3")
    [offer] = to(await bot.request(member("amina"), skills="podcasting"), "baraka")
    await bot.decline(member("baraka"), offer_id=offer_id(offer), reason="not my skill")
    await bot.forget(member("amina"), confirm=True)
    clock.advance(timedelta(days=60))
    edit(skills_file, merge_podcasting)
    await bot.admin_reload(ADMIN)
    assert "podcasting" not in await bot.store.stored_slugs()
    again = await bot.request(member("amina"), skills="audio-shows")
    assert to(again, "baraka") == [], "his 'not my skill' decline of her stands after the rename"
