"""The first callback of every interaction (issue 12's rule, issue 18's figure), on both engines.

What the member sees first depends on the kind of interaction and on how long the core takes:

* a command the core's table calls quick (`Pace.QUICK`) is answered at once (callback type 4, the answer
  itself) when the core answers within `MentorBotClient.defer_after`, else deferred (type 5) and followed up;
* a busy or slow command is deferred at once (type 5), whatever the core's speed;
* a click updates its message or answers the clicker (type 7 or 4) in time, else is deferred (type 6);
* past ``MENTORBOT_MAX_INFLIGHT`` an interaction is refused at once (type 4) and nothing is recorded.

Whatever the first callback is, the interaction was committed to the inbox before it was sent (the row is
visible to another connection, another process, at the moment the client posts its first callback), except a
quick read answered in that callback (``/mentor status``, ``/courses``: `Command.read_only`): it changes nothing and
acknowledges nothing before its answer, so it is not recorded in the inbox, then or later (``/courses`` with
``suggest`` stands for ``courses suggest``, a write: recorded). Deferred, a quick read is
recorded before its deferral like any other, and its row is done once the answer is shown.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord.webhook.async_ as webhook_async
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mentorbot.bot
import mentorbot.usecases.handler
from mentorbot.clock import ManualClock
from mentorbot.storage.database import DatabaseUnavailable
from mentorbot.storage.store import Store
from mentorbot_discord.client import MentorBotClient
from tests.conftest import ENGINES, make_store, store_on_same_database
from tests.discord.helpers import MENTEE_USER_ID, Members
from tests.fakes.discord_models import CALLBACK_CHANNEL_MESSAGE, CALLBACK_DEFERRED_CHANNEL_MESSAGE, InteractionRecord

CALLBACK_DEFERRED_UPDATE = 6
CALLBACK_UPDATE = 7
PATIENT = 10.0
"""The client's patience (`MentorBotClient.defer_after`) when the core is to answer in time: far more than any
core call takes, even on a loaded machine."""
IMPATIENT = 0.05
"""The client's patience when the core is to be late."""
SLOW_CORE = 0.15
"""How long the core then waits before it runs: well past `IMPATIENT`."""


@pytest.fixture(params=ENGINES)
async def store(request: pytest.FixtureRequest, tmp_path: Path, clock: ManualClock) -> AsyncIterator[Store]:
    """The Discord tests' store, here on each engine."""
    async for opened in make_store(request.param, tmp_path):
        await opened.open(clock.now())
        yield opened


@dataclass
class FirstCallbacks:
    """Watches the client's interaction callbacks: for each interaction id, whether its inbox row was committed
    (seen through another store on the same database) when its first callback was posted."""

    other: Store
    committed: dict[int, bool]

    async def inbox_has(self, interaction_id: int, status: str | None = None) -> bool:
        async with self.other.read() as conn:
            row = await conn.fetch_one(
                "SELECT COUNT(*) AS n FROM inbox WHERE event_id = ? AND status = COALESCE(?, status)",
                f"discord:interaction:{interaction_id}",
                status,
            )
        return row is not None and int(row["n"]) == 1


@pytest.fixture
async def first_callbacks(
    store: Store, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[FirstCallbacks]:
    other = store_on_same_database(store)
    await other.open(clock.now())
    watch = FirstCallbacks(other, {})
    post = webhook_async.AsyncWebhookAdapter.create_interaction_response

    def watched(
        adapter: webhook_async.AsyncWebhookAdapter, interaction_id: int, token: str, **kwargs: Any
    ) -> Coroutine[Any, Any, Any]:
        async def checked() -> Any:
            if int(interaction_id) not in watch.committed:
                watch.committed[int(interaction_id)] = await watch.inbox_has(int(interaction_id))
            return await post(adapter, interaction_id, token, **kwargs)

        return checked()

    monkeypatch.setattr(webhook_async.AsyncWebhookAdapter, "create_interaction_response", watched)
    try:
        yield watch
    finally:
        await other.close()


@pytest.fixture
def core_delay(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Seconds every core use-case waits before it runs (the first item; tests change it)."""
    delay = [0.0]
    handle = mentorbot.usecases.handler.handle  # what `mentorbot.bot` calls every use-case through

    async def delayed(*args: Any, **kwargs: Any) -> Any:
        if delay[0]:
            await asyncio.sleep(delay[0])
        return await handle(*args, **kwargs)

    monkeypatch.setattr(mentorbot.bot, "handle", delayed)
    return delay


Push = Callable[[Members], Awaitable[InteractionRecord]]


def _slash(path: str, options: dict[str, Any] | None = None) -> Push:
    async def push(members: Members) -> InteractionRecord:
        return await members.push_slash(path, options)

    return push


async def _click(members: Members) -> InteractionRecord:
    message = members.fake.build.button("mentorbot:offer.accept:999")["message"]
    return await members.fake.push_interaction(
        members.fake.build.button("mentorbot:offer.accept:999", message=message, user_id=MENTEE_USER_ID)
    )


READS = {"quick: mentor status", "quick: courses"}
"""The quick reads among `KINDS` (`Command.read_only`): answered in their first callback, they are not recorded."""

KINDS: dict[str, tuple[Push, str]] = {
    "quick: mentor status": (_slash("mentor status"), "quick"),
    "quick: courses": (_slash("courses", {"skills": "seo"}), "quick"),
    # `/courses` with `suggest` stands for `courses suggest`, a write: recorded first, unlike the read.
    "quick: courses suggest": (_slash("courses", {"suggest": "https://example.org/a-guide", "skills": "seo"}), "quick"),
    "quick: mentor language": (_slash("mentor language", {"language": "en"}), "quick"),
    "busy: mentor request": (_slash("mentor request", {"skills": "crisis-communications"}), "busy"),
    "busy: mentor cancel": (_slash("mentor cancel"), "busy"),
    "slow: mentor export": (_slash("mentor export"), "busy"),
    "click": (_click, "click"),
}


def expected_first(kind: str, slow_core: bool) -> set[int]:
    """The first callback the rule allows for an interaction of `kind` when the core is slow or not."""
    if kind == "busy":
        return {CALLBACK_DEFERRED_CHANNEL_MESSAGE}
    if kind == "quick":
        return {CALLBACK_DEFERRED_CHANNEL_MESSAGE if slow_core else CALLBACK_CHANNEL_MESSAGE}
    return {CALLBACK_DEFERRED_UPDATE} if slow_core else {CALLBACK_UPDATE, CALLBACK_CHANNEL_MESSAGE}


async def _check_one(
    members: Members,
    client: MentorBotClient,
    watch: FirstCallbacks,
    core_delay: list[float],
    name: str,
    slow_core: bool,
    busy: bool,
) -> None:
    push, kind = KINDS[name]
    core_delay[0] = SLOW_CORE if slow_core else 0.0
    client.defer_after = IMPATIENT if slow_core else PATIENT
    client._in_flight = client.settings.max_inflight if busy else 0
    record = await push(members)
    first = await record.wait_callback()
    assert first.accepted, (name, first.error_code)
    if busy:
        assert first.type == CALLBACK_CHANNEL_MESSAGE, "refused within the first callback"
        await members._refused(record)
        assert watch.committed[record.id] is False, "a refused interaction is not recorded"
        assert not await watch.inbox_has(record.id), "nor afterwards"
        return
    assert first.type in expected_first(kind, slow_core), (name, slow_core, first.type)
    if name in READS and first.type == CALLBACK_CHANNEL_MESSAGE:
        assert watch.committed[record.id] is False, f"{name}: a quick read answered at once is not recorded"
        await members._handled(record)
        assert not await watch.inbox_has(record.id), f"{name}: nor afterwards"
        return
    assert watch.committed[record.id] is True, f"{name}: first callback {first.type} before the inbox commit"
    await members._handled(record)
    if name in READS:
        assert await watch.inbox_has(record.id, "done"), f"{name}: deferred, recorded, and done once answered"


@pytest.mark.parametrize("slow_core", [False, True], ids=["core-in-time", "core-late"])
@pytest.mark.parametrize("name", list(KINDS))
async def test_first_callback_of_each_kind_comes_after_the_inbox_commit(
    members: Members,
    client: MentorBotClient,
    first_callbacks: FirstCallbacks,
    core_delay: list[float],
    name: str,
    slow_core: bool,
) -> None:
    await _check_one(members, client, first_callbacks, core_delay, name, slow_core, busy=False)


@given(
    steps=st.lists(
        st.tuples(st.sampled_from(sorted(KINDS)), st.booleans(), st.sampled_from([False, False, False, True])),
        min_size=1,
        max_size=6,
    )
)
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
async def test_any_sequence_of_interactions_is_recorded_before_its_first_callback(
    members: Members,
    client: MentorBotClient,
    first_callbacks: FirstCallbacks,
    core_delay: list[float],
    steps: list[tuple[str, bool, bool]],
) -> None:
    """Property: whatever the kinds, the core's speed and whether the client is full, each interaction's first
    callback is the one its kind allows, and it follows the inbox commit (or, refused or a quick read answered
    at once, nothing is recorded)."""
    try:
        for name, slow_core, busy in steps:
            await _check_one(members, client, first_callbacks, core_delay, name, slow_core, busy)
    finally:
        client._in_flight = 0
        core_delay[0] = 0.0


async def test_a_quick_read_that_cannot_be_recorded_before_its_deferral_is_deferred_and_answered_all_the_same(
    members: Members,
    client: MentorBotClient,
    first_callbacks: FirstCallbacks,
    core_delay: list[float],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The database fails just when a slow quick read must be deferred: it is deferred anyway, then answered (a
    failure there would otherwise lose the read's answer, and Discord would show "did not respond")."""

    async def down(*_args: Any, **_kwargs: Any) -> None:
        raise DatabaseUnavailable("PostgreSQL: ConnectionRefusedError: [Errno 111] Connect call failed")

    monkeypatch.setattr(client.bot, "record_event", down)
    core_delay[0], client.defer_after = SLOW_CORE, IMPATIENT
    record = await members.push_slash("mentor status")
    first = await record.wait_callback()
    assert first.accepted and first.type == CALLBACK_DEFERRED_CHANNEL_MESSAGE
    shown = await members.shown(record)
    assert shown.text, "the read's answer followed the deferral"
    assert not await first_callbacks.inbox_has(record.id)
