"""A check-in's call for help is decided by one look at the outbox, not 24: `OutboxStore.has_keyed` takes a key
prefix and a `since` (rows written at or after it), so "did the admins hear of this member's trouble with this
mentorship in this UTC hour or the 23 before it" is one query. Each notice keeps a key of its own (its UTC hour),
so an adapter posts it anew rather than editing yesterday's direct message in place (`sent_messages`), and the keys
written before this change count as they did."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.replies import Notification, Reply
from mentorbot.storage.store import Store
from tests.usecases.conftest import COMMUNITY
from tests.usecases.test_checkin_help_s31 import matched

Who = Callable[..., Caller]
EN = translator("en")
LEASE = timedelta(minutes=2)


async def member(store: Store, name: str) -> Any:
    found = await store.find_member(COMMUNITY, f"U-{name}")
    assert found is not None
    return found


async def write(store: Store, to: Any, key: str, at: datetime) -> None:
    """A notification keyed `key` for `to`, written to the outbox at `at`."""
    note = Notification(to.id, to.platform_user_id, Reply("help"), key, community=COMMUNITY, language="en")
    await store.enqueue([note], at, "w", lease=LEASE)


async def test_has_keyed_since_and_by_prefix(bot: MentorBot, who: Who, store: Store, clock: ManualClock) -> None:
    await bot.status(who("admin"))
    admin = await member(store, "admin")
    start = clock.now()
    await write(store, admin, "checkin-help:1:34:h10", start)
    await write(store, admin, "checkin-help:12:3:h10", start)
    await write(store, admin, "checkin-help:1:3:h10", start)
    ids = [admin.id]
    assert await store.has_keyed(ids, "checkin-help:1:3:h10")
    assert await store.has_keyed(ids, "checkin-help:1:3:", prefix=True)
    assert await store.has_keyed(ids, "checkin-help:1:3:", prefix=True, since=start), "at `since` counts"
    assert not await store.has_keyed(ids, "checkin-help:1:3:", prefix=True, since=start + timedelta(microseconds=1))
    assert not await store.has_keyed(ids, "checkin-help:1:3:h10", since=start + timedelta(hours=1))
    assert not await store.has_keyed(ids, "checkin-help:1:3")  # exact without `prefix`
    assert not await store.has_keyed(ids, "checkin-help:2:", prefix=True)
    # A LIKE wildcard in the key is the character itself.
    await write(store, admin, "odd:a_c", start)
    assert await store.has_keyed(ids, "odd:a_", prefix=True)
    assert not await store.has_keyed(ids, "odd:a%", prefix=True) and not await store.has_keyed(
        ids, "odd:_", prefix=True
    )
    assert not await store.has_keyed([], "checkin-help:", prefix=True)


async def test_one_look_at_the_outbox_decides(
    bot: MentorBot, who: Who, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    await bot.status(who("admin"))
    mentorship = await matched(bot, who, "baraka", "amina")
    real = bot.store.has_keyed
    looks: list[tuple[Sequence[int], str, dict[str, Any]]] = []

    async def counted(member_ids: Sequence[int], key: str, **kw: Any) -> bool:
        looks.append((member_ids, key, kw))
        return await real(member_ids, key, **kw)

    monkeypatch.setattr(bot.store, "has_keyed", counted)
    first = await bot.checkin(who("amina"), mentorship_id=mentorship, answer="help")
    assert first.reply.text == EN("checkin.help_sent", id=mentorship)
    assert len(looks) == 1, looks
    clock.advance(timedelta(hours=3))
    again = await bot.checkin(who("amina"), mentorship_id=mentorship, answer="help")
    assert again.reply.text == EN("checkin.help_already", id=mentorship)
    assert len(looks) == 2, "one query again"


async def test_a_notice_keyed_per_hour_before_counts_within_the_day(
    bot: MentorBot, who: Who, store: Store, clock: ManualClock
) -> None:
    """A notice written by the bot before this change (its own hourly key) 20 hours ago still answers "already";
    one written 24 hours ago does not."""
    await bot.status(who("admin"))
    mentorship = await matched(bot, who, "baraka", "amina")
    clock.advance(datetime(2026, 3, 2, 12, 10, tzinfo=UTC) - clock.now())
    admin, amina = await member(store, "admin"), await member(store, "amina")
    old = clock.now() - timedelta(hours=20)
    await write(store, admin, f"checkin-help:{mentorship}:{amina.id}:h{int(old.timestamp() // 3600)}", old)
    blocked = await bot.checkin(who("amina"), mentorship_id=mentorship, answer="help")
    assert blocked.notifications == () and blocked.reply.text == EN("checkin.help_already", id=mentorship)
    clock.advance(timedelta(hours=4))  # the old notice's UTC hour is 24 hours back now
    sent = await bot.checkin(who("amina"), mentorship_id=mentorship, answer="help")
    assert sent.reply.text == EN("checkin.help_sent", id=mentorship) and len(sent.notifications) == 1


async def test_each_notice_has_its_own_key(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    """Two notices a day apart are two messages: the second is posted anew, never an edit of the first."""
    await bot.status(who("admin"))
    mentorship = await matched(bot, who, "baraka", "amina")
    [first] = (await bot.checkin(who("amina"), mentorship_id=mentorship, answer="help")).notifications
    clock.advance(timedelta(hours=24))
    [second] = (await bot.checkin(who("amina"), mentorship_id=mentorship, answer="help")).notifications
    assert first.key and second.key and first.key != second.key
    assert first.key.startswith(f"checkin-help:{mentorship}:") and second.key.startswith(f"checkin-help:{mentorship}:")
