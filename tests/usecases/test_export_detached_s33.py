"""`/mentor-admin export` serves other members while it reads (`handle`'s `detached`).

The export reads each table in pages of short read transactions (`ReportStore.export_pages`), but through the command
it ran inside the handler's read transaction, which on SQLite holds the engine's one connection: a member's command
sent meanwhile (and the inbox's record a Slack acknowledgement waits for) waited for the whole export, 3.8 s on a
year of a big community. The admin check now runs in its transaction, the export after it."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from typing import Any

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.replies import Reply, reply_to_json
from tests.storage.test_reports_scale_s33 import fill
from tests.usecases.conftest import COMMUNITY

Who = Callable[..., Caller]


async def test_a_member_is_answered_before_the_export_ends(bot: MentorBot, who: Who) -> None:
    await fill(bot.store, COMMUNITY, random.Random(7), people=20, requests=4000)
    admin = who("admin", is_admin=True)
    await bot.status(admin)  # the admin is known: the export's checks need no write
    done: list[str] = []

    async def export() -> None:
        outcome = await bot.admin_export(admin)
        assert outcome.error is None and outcome.reply.attachments
        done.append("export")

    async def member() -> None:
        await asyncio.sleep(0.01)  # the export has begun reading
        outcome = await bot.signup(who("late"), skills="seo", levels="expert")  # a write
        assert outcome.error is None
        done.append("member")

    await asyncio.gather(export(), member())
    if bot.store.db.dialect == "sqlite":  # one connection, which a transaction holds; PostgreSQL has a pool
        assert done == ["member", "export"], done
    assert sorted(done) == ["export", "member"]


async def test_a_non_admin_is_refused_before_anything_is_read(bot: MentorBot, who: Who) -> None:
    outcome = await bot.admin_export(who("amina"))
    assert outcome.error is not None and not outcome.reply.attachments


async def test_a_failed_export_leaves_the_admins_held_notices_for_the_next_command(
    bot: MentorBot, who: Who, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by the late review: the checks' transaction took the held notices, the export then failed after its
    commit, and the notices were shown to nobody. They are taken only once the export has succeeded."""
    admin = who("admin", is_admin=True)
    await bot.status(admin)
    member = await bot.store.find_member(COMMUNITY, "U-admin")
    assert member is not None
    await bot.store.hold_notice(member.id, reply_to_json(Reply("Your check-in #7")), bot.clock.now())
    real = bot.store.export_pages

    def failing(table: str, community: str | None = None, **kwargs: Any) -> Any:
        if table == "offers":
            raise RuntimeError("the database went away")
        return real(table, community, **kwargs)

    monkeypatch.setattr(bot.store, "export_pages", failing)
    failed = await bot.admin_export(admin)
    assert failed.error is not None and failed.held == ()
    monkeypatch.setattr(bot.store, "export_pages", real)
    later = await bot.status(admin)
    assert [h.text for h in later.held] == ["Your check-in #7"]


async def test_a_successful_export_shows_the_held_notices_with_it(bot: MentorBot, who: Who) -> None:
    admin = who("admin", is_admin=True)
    await bot.status(admin)
    member = await bot.store.find_member(COMMUNITY, "U-admin")
    assert member is not None
    await bot.store.hold_notice(member.id, reply_to_json(Reply("Your check-in #7")), bot.clock.now())
    done = await bot.admin_export(admin)
    assert done.error is None and [h.text for h in done.held] == ["Your check-in #7"]
    assert (await bot.status(admin)).held == ()
