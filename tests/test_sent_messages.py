"""Where keyed direct messages were posted (mentorbot.sent_messages), shared by the Slack and Discord adapters and
kept in the database, so that every process finds them (both engines)."""

from __future__ import annotations

import pytest

from mentorbot.clock import ManualClock
from mentorbot.sent_messages import SentMessages, pair_codec
from mentorbot.storage.store import Store
from tests.conftest import store_on_same_database

C = "slack:T1"


async def test_remembers_per_member_and_key_and_forgets(store: Store, clock: ManualClock) -> None:
    for user in ("U1", "U2"):
        await store.ensure_member(C, user, user, clock.now())
    sent: SentMessages[tuple[str, str]] = SentMessages(store, clock, pair_codec(str, str))
    await sent.remember(C, "U1", "offer:1", ("D1", "1.0"))
    await sent.remember(C, "U2", "offer:1", ("D2", "2.0"))
    assert await sent.get(C, "U1", "offer:1") == ("D1", "1.0")
    assert await sent.get(C, "U2", "offer:1") == ("D2", "2.0")
    assert await sent.get(C, "U1", "offer:2") is None
    assert await sent.get("slack:T2", "U1", "offer:1") is None
    await sent.forget(C, "U1", "offer:1")
    await sent.forget(C, "U1", "offer:1")  # twice: nothing to forget, no error
    assert await sent.get(C, "U1", "offer:1") is None
    assert await sent.get(C, "U2", "offer:1") == ("D2", "2.0")


async def test_another_process_finds_the_message_and_keeps_a_newer_location(store: Store, clock: ManualClock) -> None:
    await store.ensure_member("discord:42", "987", "Mentor", clock.now())
    codec = pair_codec(int, int)
    first: SentMessages[tuple[int, int]] = SentMessages(store, clock, codec)
    await first.remember("discord:42", "987", "offer:7", (555, 1001))
    other = store_on_same_database(store)
    await other.open(clock.now())
    try:
        second: SentMessages[tuple[int, int]] = SentMessages(other, clock, codec)
        assert await second.get("discord:42", "987", "offer:7") == (555, 1001)
        await second.remember("discord:42", "987", "offer:7", (555, 2002))  # it could not edit: posted anew
        await first.forget("discord:42", "987", "offer:7", (555, 1001))  # a stale failure forgets nothing newer
        assert await first.get("discord:42", "987", "offer:7") == (555, 2002)
    finally:
        await other.close()


@pytest.mark.parametrize("text", ["", "D1", ":1", "D1:", "D1:x"])
def test_a_location_that_is_not_two_parts_is_refused(text: str) -> None:
    codec = pair_codec(str, int)
    with pytest.raises(ValueError):
        codec.decode(text)
    assert codec.decode(codec.encode(("D1", 5))) == ("D1", 5)


async def test_an_unreadable_location_is_as_good_as_none(store: Store, clock: ManualClock) -> None:
    await store.ensure_member(C, "U1", "U1", clock.now())
    await store.remember_message(C, "U1", "offer:1", "garbage", clock.now())
    sent: SentMessages[tuple[int, int]] = SentMessages(store, clock, pair_codec(int, int))
    assert await sent.get(C, "U1", "offer:1") is None
