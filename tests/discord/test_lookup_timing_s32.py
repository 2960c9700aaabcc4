"""The member lookup (``GET /guilds/{guild}/members/{user}``, `Membership`) against Discord's deadlines.

A review found two ways it held things up. An offer's click in a DM waited for the lookup (up to its time limit, half
of Discord's 3 seconds) before it was even recorded, so with Discord slow to answer and the database slow too the
click missed its first callback ("This interaction failed", 10062); now the lookup runs while the click is recorded,
within the deferral's deadline, and a leaver's refusal still wins before the use-case runs. And the delivery loop
waited the whole time limit for every live offer in turn while Discord rate-limited or failed the lookup (an
"unknown" answer was never kept): now, after one such answer, that server's lookups are not asked for a while (30
seconds, or the ``Retry-After`` Discord gave), and offers go out as before meanwhile.

Times of the click tests are scaled as in test_slow_database (Discord's deadline `DEADLINE`, `defer_after`
`DEFER_AFTER`)."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Any

import pytest

from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from mentorbot.models import MentorStatus, OfferStatus, RequestStatus
from mentorbot.replies import Notification
from mentorbot_discord.client import MentorBotClient
from mentorbot_discord.membership import Lookup, Membership
from tests.discord.helpers import (
    COORDINATOR_USER_ID,
    EN,
    GUILD_ID,
    MENTEE_USER_ID,
    MENTOR_USER_ID,
    SECOND_MENTOR_USER_ID,
    Members,
    buttons,
    message_text,
)
from tests.discord.test_inbox import Crash, crash  # noqa: F401  (the fixture)
from tests.discord.test_leavers_s32 import SIGNUP, leave, lookups, profile_of, requests_of
from tests.discord.test_slow_database import DEADLINE, DEFER_AFTER, MARGIN, slow
from tests.fakes.discord_fake import FakeDiscord
from tests.fakes.discord_models import CALLBACK_DEFERRED_UPDATE_MESSAGE

GUILD_B = 1_200_000_000_000_000_900


def slow_lookups(
    monkeypatch: pytest.MonkeyPatch, client: MentorBotClient, seconds: float, events: list[str] | None = None
) -> list[int]:
    """Discord takes `seconds` to answer each member lookup (then answers as it would); the users asked about. With
    `events`, "answered" is noted there when Discord's answer arrives."""
    real = client.http.get_member
    asked: list[int] = []

    async def slowed(guild_id: int, user_id: int) -> Any:
        asked.append(user_id)
        await asyncio.sleep(seconds)
        try:
            return await real(guild_id, user_id)
        finally:
            if events is not None:
                events.append("answered")

    monkeypatch.setattr(client.http, "get_member", slowed)
    return asked


def time_limit(client: MentorBotClient, clock: ManualClock, seconds: float) -> None:
    """The client's member lookups wait `seconds` for Discord's answer."""
    client.membership = Membership(client.http, clock, timeout=seconds)


async def offer_and_accept(members: Members) -> tuple[dict[str, Any], str]:
    """A mentor signs up and is offered the mentee's request: the offer's DM and its Accept button's custom id."""
    await members.slash("mentor signup", SIGNUP, user=MENTOR_USER_ID)
    await members.slash("mentor request", {"skills": "crisis-communications"})
    [offer] = await members.dms(MENTOR_USER_ID)
    return offer, buttons(offer)[0]["custom_id"]


async def nothing_accepted(bot: MentorBot) -> None:
    """The mentee's request waits for another mentor; the mentor, who left, is paused and their offer withdrawn."""
    assert await requests_of(bot, MENTEE_USER_ID) == [RequestStatus.WAITING]
    assert await bot.store.list_offers(status=OfferStatus.ACCEPTED) == []
    [withdrawn] = await bot.store.list_offers(status=OfferStatus.WITHDRAWN)
    assert withdrawn.id == 1
    profile = await profile_of(bot, MENTOR_USER_ID)
    assert (profile.status, profile.pause_reason) == (MentorStatus.PAUSED, "left")
    assert await bot.store.count_unprocessed() == 0


# ---------------------------------------------------------------------------------------- the click (R2)


async def test_an_offer_click_meets_the_deadline_when_discord_and_the_database_are_slow(
    world: FakeDiscord,
    client: MentorBotClient,
    members: Members,
    bot: MentorBot,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The lookup gets no answer (its time limit, scaled: 0.75 s) and the inbox write takes 0.8 s: they used to run
    one after the other, so the click's first callback came past Discord's deadline. Now they run together."""
    world.rest.interaction_deadline = DEADLINE
    client.defer_after = DEFER_AFTER
    offer, accept = await offer_and_accept(members)
    time_limit(client, clock, 0.75)
    asked = slow_lookups(monkeypatch, client, 5.0)
    slow(monkeypatch, "record_event", 0.8)

    record = await world.push_interaction(world.build.button(accept, message=offer, user_id=MENTOR_USER_ID, dm=True))
    await members._handled(record)

    first = record.callbacks[0]
    assert first.status < 400 and first.error_code is None, record.callbacks
    assert first.at <= DEFER_AFTER + MARGIN, first.at
    assert asked == [MENTOR_USER_ID]
    assert EN("offer.accepted", id=1) in message_text(world.messages[int(offer["id"])])
    assert await requests_of(bot, MENTEE_USER_ID) == [RequestStatus.MATCHED]


async def test_a_leaver_is_refused_when_the_lookup_answers_after_the_click_was_recorded(
    world: FakeDiscord, members: Members, bot: MentorBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The click is recorded without waiting for Discord; its "Unknown Member", arriving after, still refuses it
    before the use-case runs, and the inbox row is done."""
    offer, accept = await offer_and_accept(members)
    leave(world, MENTOR_USER_ID, dms_closed=False)
    events: list[str] = []
    slow_lookups(monkeypatch, members.client, 0.3, events)
    record_event = MentorBot.record_event

    async def recorded(self: MentorBot, *args: Any, **kwargs: Any) -> int | None:
        inbox_id = await record_event(self, *args, **kwargs)
        events.append("recorded")
        return inbox_id

    monkeypatch.setattr(MentorBot, "record_event", recorded)

    clicked = await members.click(offer, accept, user=MENTOR_USER_ID, dm=True)

    assert events == ["recorded", "answered"]
    assert clicked.text == EN("left.click_refused")
    assert clicked.all_ephemeral
    await nothing_accepted(bot)
    assert MENTEE_USER_ID not in world.dms, "the mentee is introduced to nobody"


async def test_a_leaver_whose_lookup_answers_after_the_deadline_is_refused_after_the_deferral(
    world: FakeDiscord,
    client: MentorBotClient,
    members: Members,
    bot: MentorBot,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Discord answers "Unknown Member" after the click's deadline (1.7 s of a scaled 1.5): the click is deferred at
    `DEFER_AFTER` while the lookup runs, and the refusal follows, to the clicker alone. It used to be the first
    callback, too late for Discord."""
    world.rest.interaction_deadline = DEADLINE
    client.defer_after = DEFER_AFTER
    offer, accept = await offer_and_accept(members)
    leave(world, MENTOR_USER_ID, dms_closed=False)
    time_limit(client, clock, 3.0)
    slow_lookups(monkeypatch, client, 1.7)

    record = await world.push_interaction(world.build.button(accept, message=offer, user_id=MENTOR_USER_ID, dm=True))
    shown = await members.shown(record)

    first = record.callbacks[0]
    assert first.status < 400 and first.type == CALLBACK_DEFERRED_UPDATE_MESSAGE, record.callbacks
    assert first.at <= DEFER_AFTER + MARGIN, first.at
    assert shown.texts == [EN("left.click_refused")]
    assert shown.all_ephemeral
    await nothing_accepted(bot)


async def test_a_leavers_click_recorded_by_a_process_that_died_is_refused_on_recovery(
    world: FakeDiscord,
    members: Members,
    bot: MentorBot,
    crash: Crash,  # noqa: F811
) -> None:
    """Recorded before Discord answered the lookup, then the process died: the process that recovers the click asks
    Discord again before running it, and refuses it."""
    offer, accept = await offer_and_accept(members)
    leave(world, MENTOR_USER_ID, dms_closed=False)
    await crash.lose(world.build.button(accept, message=offer, user_id=MENTOR_USER_ID, dm=True), defer=False)
    assert await requests_of(bot, MENTEE_USER_ID) == [RequestStatus.OFFERED], "the process died before the click ran"

    await crash.recover()

    await nothing_accepted(bot)
    assert any(EN("left.click_refused") in text for text in members.dm_texts(MENTOR_USER_ID))
    assert MENTEE_USER_ID not in world.dms


# ------------------------------------------------------------------------------------- delivery (R3)


async def three_offers(
    members: Members, client: MentorBotClient, monkeypatch: pytest.MonkeyPatch
) -> list[Notification]:
    """Three live offers to the mentor, waiting in the outbox (a backlog the timer loop delivers in one batch)."""
    await members.slash("mentor signup", SIGNUP | {"capacity": 3}, user=MENTOR_USER_ID)
    captured: list[Notification] = []

    async def capture(notes: list[Notification]) -> None:
        captured.extend(notes)

    with monkeypatch.context() as patched:
        patched.setattr(client, "deliver", capture)
        for user in (MENTEE_USER_ID, COORDINATOR_USER_ID, SECOND_MENTOR_USER_ID):
            await members.slash("mentor request", {"skills": "crisis-communications"}, user=user)
    offers = [n for n in captured if any(b.action == "offer.accept" for b in n.reply.buttons)]
    assert len(offers) == 3, captured
    return offers


@pytest.mark.parametrize("failure", ["timeout", "429", "500", "503"])
async def test_a_batch_of_offers_waits_for_one_lookup_discord_cannot_answer_not_one_each(
    world: FakeDiscord,
    client: MentorBotClient,
    members: Members,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
    failure: str,
) -> None:
    """Discord does not answer the lookup in time (a slow API; a 429 discord.py waits out in-process, 30 s; a 500,
    which discord.py retries after sleeping) or answers 503: the first offer waits the lookup's time limit at most,
    the other two are not held up by lookups of their own, and all three go out with their buttons."""
    offers = await three_offers(members, client, monkeypatch)
    time_limit(client, clock, 0.5)
    asked: list[int] = []
    if failure == "timeout":
        asked = slow_lookups(monkeypatch, client, 10.0)
    elif failure == "429":
        world.fail_next("GET", r"/guilds/\d+/members/\d+", status=429, times=100, retry_after=30)
    else:
        world.fail_next("GET", r"/guilds/\d+/members/\d+", status=int(failure), times=100)

    started = time.perf_counter()
    await client.deliver(offers)
    took = time.perf_counter() - started

    assert took < 1.0, f"three offers took {took:.2f}s"
    assert len(asked if failure == "timeout" else lookups(world, MENTOR_USER_ID)) == 1
    live = [m for m in world.dms.get(MENTOR_USER_ID, []) if [b["label"] for b in buttons(m)] == ["Accept", "Decline"]]
    assert len(live) == 3


async def test_lookups_are_asked_again_once_the_quiet_is_over(
    world: FakeDiscord,
    client: MentorBotClient,
    members: Members,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """After a lookup without an answer in time, that server's lookups answer "unknown" at once, without asking
    Discord, for 30 s (`QUIET_AFTER_UNKNOWN`); then Discord is asked again."""
    await members.slash("mentor signup", SIGNUP, user=MENTOR_USER_ID)
    time_limit(client, clock, 0.2)
    asked = slow_lookups(monkeypatch, client, 10.0)

    assert await client.membership.lookup(GUILD_ID, MENTOR_USER_ID) is Lookup.UNKNOWN
    clock.advance(timedelta(seconds=29))
    started = time.perf_counter()
    assert await client.membership.lookup(GUILD_ID, MENTEE_USER_ID, fresh=True) is Lookup.UNKNOWN
    assert time.perf_counter() - started < 0.1, "answered at once"
    assert asked == [MENTOR_USER_ID]

    monkeypatch.undo()
    clock.advance(timedelta(seconds=2))
    assert await client.membership.lookup(GUILD_ID, MENTEE_USER_ID) is Lookup.MEMBER
    assert lookups(world, MENTEE_USER_ID) == [(f"/guilds/{GUILD_ID}/members/{MENTEE_USER_ID}", None)]


async def test_a_long_rate_limit_keeps_lookups_quiet_for_its_retry_after(
    world: FakeDiscord, client: MentorBotClient, members: Members, clock: ManualClock
) -> None:
    """A 429 longer than discord.py waits in-process (30 s) is raised at once with its ``Retry-After``: that server's
    lookups are not asked until it has passed (120 s here), not only for the usual 30 s."""
    await members.slash("mentor signup", SIGNUP, user=MENTOR_USER_ID)
    world.fail_next("GET", r"/guilds/\d+/members/\d+", status=429, retry_after=120)

    assert await client.membership.lookup(GUILD_ID, MENTOR_USER_ID) is Lookup.UNKNOWN
    clock.advance(timedelta(seconds=60))
    assert await client.membership.lookup(GUILD_ID, MENTOR_USER_ID) is Lookup.UNKNOWN
    assert len(lookups(world)) == 1, "not asked while Discord said to wait"

    clock.advance(timedelta(seconds=61))
    assert await client.membership.lookup(GUILD_ID, MENTOR_USER_ID) is Lookup.MEMBER
    assert len(lookups(world)) == 2


class _Http:
    """A discord.py HTTP client whose member lookups wait for `answer` (per guild: `slow` guilds only)."""

    def __init__(self, slow: set[int]) -> None:
        self.slow = slow
        self.answer = asyncio.Event()
        self.asked: list[tuple[int, int]] = []
        self.cancelled = 0

    async def get_member(self, guild_id: int, user_id: int) -> dict[str, Any]:
        self.asked.append((guild_id, user_id))
        if guild_id in self.slow:
            try:
                await self.answer.wait()
            except asyncio.CancelledError:
                self.cancelled += 1
                raise
        return {}


async def test_a_lookup_that_times_out_leaves_discords_request_to_finish(clock: ManualClock) -> None:
    """discord.py's request is not cancelled at the time limit (cancelled while it sleeps out a global rate limit, it
    would leave every later request of the client waiting for good): its late answer is kept. The quiet is the slow
    server's only."""
    http = _Http(slow={GUILD_ID})
    membership = Membership(http, clock, timeout=0.05)  # type: ignore[arg-type]

    assert await membership.lookup(GUILD_ID, MENTOR_USER_ID) is Lookup.UNKNOWN
    assert await membership.lookup(GUILD_B, MENTOR_USER_ID) is Lookup.MEMBER, "another server is asked as before"
    http.answer.set()
    for _ in range(5):
        await asyncio.sleep(0)
    assert http.cancelled == 0

    assert await membership.lookup(GUILD_ID, MENTOR_USER_ID) is Lookup.MEMBER, "the late yes is kept"
    assert http.asked == [(GUILD_ID, MENTOR_USER_ID), (GUILD_B, MENTOR_USER_ID)]
