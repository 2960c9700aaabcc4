"""Session 41: a `/mentor-admin round` that works out afresh why a request waits tells a newly removed skill too.

Before: a request whose stored reason was "no mentor offers social-listening yet" in the words of a version before
session 40 (no "removed" flag: the skill had been taken out of the file before the upgrade, so the start-up saw no
change to reword) was worked out afresh by the admin's round as "no longer offered", and stored with a bare
`set_wait_reason`, not through the path every other rewording takes: the member was never told that nothing will
come of waiting, and no later rewording told them either (the stored reason already said it). Now the
round stores reasons the one way (`matchmaking.store_reason`): told once, in a message of its own. Both engines."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from mentorbot.bot import Caller
from mentorbot.clock import ManualClock
from mentorbot.storage.store import Store
from tests.usecases.conftest import COMMUNITY
from tests.usecases.test_leave_hunt import library_files, remove_skill
from tests.usecases.test_skills_removed_s40 import ADMIN, outbox_for, process, waiting_reason

Who = Callable[..., Caller]


async def test_a_round_that_finds_a_skill_removed_tells_the_member_once(
    store: Store, clock: ManualClock, tmp_path: Path, who: Who
) -> None:
    skills, courses = library_files(tmp_path / "lib")
    bot = process(store, clock, skills, courses)
    await bot.signup(who("m1"), skills="social-listening", capacity="1")
    await bot.pause(who("m1"))
    await bot.request(who("chiku"), skills="social-listening")
    remove_skill(skills, courses, "social-listening")
    clock.advance(timedelta(seconds=1))
    await bot.admin_reload(ADMIN)
    assert await outbox_for(bot, "chiku") == []  # its paused mentor still offers it: nothing to say yet
    # The mentor leaves; their departure tells the member (the live path). The same request as stored by a version
    # before session 40, which had no "removed" flag, is what an upgraded community's round finds.
    await bot.member_left(COMMUNITY, "U-m1")
    assert len(await outbox_for(bot, "chiku")) == 1
    member = await store.find_member(COMMUNITY, "U-chiku")
    assert member is not None
    [request] = await store.list_member_requests(member.id, open_only=True)
    old = json.dumps({"key": "wait.no_mentor", "skills": ["social-listening"]})
    assert await store.set_wait_reason(request.id, old, clock.now())
    await bot.admin_round(ADMIN)
    after = await waiting_reason(store, "chiku")
    assert json.loads(after or "{}").get("removed") is True
    [told] = await outbox_for(bot, "chiku")
    assert told.key is not None and told.key.startswith("request:") and "`/mentor cancel`" in told.reply.text
    await bot.admin_round(ADMIN)
    assert await outbox_for(bot, "chiku") == [], "told once"
