"""The demo community: it covers the taxonomy, has offers, a waiting request and a paused mentor; seeding twice
changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from mentorbot.app import open_bot
from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.demo import MENTORS, REQUESTS, seed_demo
from mentorbot.i18n import LANGUAGES
from mentorbot.models import MentorStatus, RequestStatus
from mentorbot.skills import parse_tags
from tests.console.conftest import console_settings


async def counts(bot: MentorBot) -> tuple[int, dict[str, int], list[tuple[int, str]], int, int]:
    store = bot.store
    requests = await store.list_requests("console", list(RequestStatus))
    return (
        await store.count_members("console"),
        await store.count_mentors("console"),
        [(r.id, r.status.value) for r in requests],
        len(await store.list_offers()),
        len(await store.list_mentorships()),
    )


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_seeding_is_idempotent(tmp_path: Path, lang: str) -> None:
    async with open_bot(console_settings(tmp_path, lang), clock=ManualClock()) as bot:
        first = await seed_demo(bot, "console")
        after_first = await counts(bot)
        second = await seed_demo(bot, "console")
        assert await counts(bot) == after_first
    assert first.created == len(MENTORS) + len(REQUESTS)
    assert second.created == 0
    assert (second.mentors, second.open_requests) == (first.mentors, first.open_requests) == (10, 4)
    members, mentors, requests, offers, _ = after_first
    assert members == len(MENTORS) + len(REQUESTS)
    assert mentors == {"active": 9, "paused": 1}
    assert sorted(status for _, status in requests) == ["offered", "offered", "offered", "waiting"]
    assert offers == 3


async def test_demo_covers_the_taxonomy_and_is_valid(tmp_path: Path) -> None:
    async with open_bot(console_settings(tmp_path), clock=ManualClock()) as bot:
        await seed_demo(bot, "console")
        mentors = await bot.store.list_mentors("console")
        covered = {slug for _, profile in mentors for slug in profile.skills}
        assert covered == set(bot.library.taxonomy.slugs)
        assert len(mentors) == len(MENTORS)  # every sample signup was accepted by the core
        paused = [m.display_name for m, p in mentors if p.status is MentorStatus.PAUSED]
        assert paused == ["Lucas"]
        juma = await bot.store.find_member("console", "juma")
        assert juma is not None and juma.language == "sw"
        for request in REQUESTS:
            assert all(bot.library.taxonomy.resolve(tag) for tag in parse_tags(request.skills))


async def test_demo_keeps_what_was_done_in_the_console(tmp_path: Path) -> None:
    async with open_bot(console_settings(tmp_path), clock=ManualClock()) as bot:
        await seed_demo(bot, "console")
        await bot.resume(Caller("console", "lucas", "Lucas"))
        await seed_demo(bot, "console")
        member = await bot.store.find_member("console", "lucas")
        assert member is not None
        lucas = await bot.store.get_mentor_profile(member.id)
        assert lucas is not None and lucas.status is MentorStatus.ACTIVE
