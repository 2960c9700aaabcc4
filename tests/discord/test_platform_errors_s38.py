"""Session 38: DMs when Discord refuses the bot itself, or limits it globally (a hunt's findings), on both engines.

- A bot token Discord refuses (HTTP 401 on every call: reset or revoked) was read as the member's refusal: each
  notification was held after one try, with INFO and WARNING lines only. Now a 401 is transient, as Slack's
  `invalid_auth` is: what the bot says waits in the outbox, tried again no sooner than `AUTH_RETRY_SECONDS` apart,
  held only after its last try, nobody paused, and one ERROR line (never the token) says what to do.
- An edit refused with 401 forgot where the offer DM was and posted a new one: once the token worked again, the old
  DM kept live Accept and Decline buttons for good. Now a 401 is retried as the edit; where the DM is is forgotten
  only when Discord says it is gone (10008 Unknown Message, 10003 Unknown Channel); any other refusal of the edit
  takes the buttons off the old DM before the new version is posted.
- A global rate limit longer than discord.py waits (it raises before setting its own global lock) was met again by
  every other DM of the batch. Now the rest of the batch goes back to the outbox until the limit ends, without
  calling Discord; a limit of one route still lets the other members' DMs go.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from mentorbot.models import OfferStatus
from mentorbot.replies import Notification, Reply
from mentorbot.retries import Alarm, TransientFailure
from mentorbot.settings import Settings
from mentorbot.storage.store import Store
from mentorbot_discord.client import AUTH_RETRY_SECONDS, global_rate_limit, transient
from tests.conftest import ENGINES, make_store
from tests.discord.helpers import (
    COMMUNITY,
    EN,
    MENTEE_USER_ID,
    MENTOR_USER_ID,
    SECOND_MENTOR_USER_ID,
    Members,
    all_delivered,
    buttons,
    make_settings,
    message_text,
    sign_up_mentor,
)
from tests.discord.test_retries import DM_POSTS, http_error, outbox_row, request, retry_round
from tests.fakes.discord_fake import FakeDiscord
from tests.fakes.discord_models import JSON

MAX_ATTEMPTS = 3
DM_CHANNELS = r"/users/@me/channels"
GLOBAL_WAIT = 120.0
"""A global rate limit past discord.py's 30 s wait."""


@pytest.fixture(params=ENGINES)
async def store(request: pytest.FixtureRequest, tmp_path: Path, clock: ManualClock) -> AsyncIterator[Store]:
    """The Discord tests' store, here on each engine."""
    async for opened in make_store(request.param, tmp_path):
        await opened.open(clock.now())
        yield opened


@pytest.fixture
def settings(world: FakeDiscord) -> Settings:
    """Giving up after three tries."""
    return make_settings(world, delivery_attempts=MAX_ATTEMPTS)


@pytest.fixture(autouse=True)
def fresh_alarm(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The refused token's ERROR line is said at most every 10 minutes per process: each test starts afresh."""
    monkeypatch.setattr("mentorbot_discord.client.TOKEN_ALARM", Alarm())
    yield


def errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


# ------------------------------------------------------------------------------------------ a refused token


def test_a_refused_bot_token_is_transient_an_expired_interaction_token_is_not() -> None:
    assert transient(http_error(401)) == TransientFailure(AUTH_RETRY_SECONDS, "HTTP 401: the bot token is refused")
    assert transient(http_error(401, 50027)) is None, "Invalid Webhook Token: the interaction's, past 15 minutes"
    assert transient(http_error(403)) is None


@pytest.mark.parametrize(
    ("status", "headers", "wait"),
    [
        (429, {"Retry-After": "120", "X-RateLimit-Global": "true", "X-RateLimit-Scope": "global"}, 120.0),
        (429, {"Retry-After": "65", "X-RateLimit-Scope": "global"}, 65.0),
        (429, {"Retry-After": "65", "X-RateLimit-Global": "true"}, 65.0),
        (429, {"Retry-After": "120", "X-RateLimit-Scope": "user"}, None),
        (429, {"Retry-After": "120", "X-RateLimit-Scope": "shared"}, None),
        (503, {"Retry-After": "120", "X-RateLimit-Scope": "global"}, None),
    ],
)
def test_what_is_a_global_rate_limit(status: int, headers: dict[str, str], wait: float | None) -> None:
    assert global_rate_limit(status, headers) == wait


async def test_a_refused_token_keeps_the_offer_in_the_outbox_with_one_error_line(
    world: FakeDiscord, members: Members, bot: MentorBot, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    await sign_up_mentor(members)
    world.refuse_token()

    with caplog.at_level(logging.INFO, logger="mentorbot"):
        await request(members)
        assert await outbox_row(bot, "offer:1") == {"status": "pending", "attempts": 1, "claimed_by": None}
        clock.advance(timedelta(seconds=AUTH_RETRY_SECONDS - 1))
        assert await retry_round(members.client) == [], "not sooner than AUTH_RETRY_SECONDS"
        clock.advance(timedelta(seconds=2))
        assert len(await retry_round(members.client)) == 1
        assert await outbox_row(bot, "offer:1") == {"status": "pending", "attempts": 2, "claimed_by": None}

    [alarm] = errors(caplog)  # one line for both tries
    assert "Discord refused MentorBot's bot token" in alarm and "MENTORBOT_DISCORD__TOKEN" in alarm
    assert not any(world.token in r.getMessage() for r in caplog.records), "never the token"
    assert MENTOR_USER_ID not in world.dms
    offer = await bot.store.get_offer(1)
    assert offer is not None and offer.status is OfferStatus.PENDING, "the mentor is not paused as unreachable"

    world.refuse_token(False)
    clock.advance(timedelta(minutes=10))
    assert len(await retry_round(members.client)) == 1
    [dm] = world.dms[MENTOR_USER_ID]
    assert [b["custom_id"].split(":")[1:3] for b in buttons(dm)] == [["offer.accept", "1"], ["offer.decline", "1"]]
    assert (await outbox_row(bot, "offer:1"))["status"] == "delivered"


async def test_a_token_refused_on_every_try_is_held_after_the_last_and_pauses_nobody(
    world: FakeDiscord, members: Members, bot: MentorBot, clock: ManualClock
) -> None:
    await sign_up_mentor(members)
    world.refuse_token()
    await request(members)
    for attempt in range(2, MAX_ATTEMPTS + 1):
        assert (await outbox_row(bot, "offer:1"))["status"] == "pending", f"not held before try {attempt}"
        clock.advance(timedelta(hours=1))
        assert len(await retry_round(members.client)) == 1

    row = await outbox_row(bot, "offer:1")
    assert (row["status"], row["attempts"]) == ("held", MAX_ATTEMPTS)
    offer = await bot.store.get_offer(1)
    assert offer is not None and offer.status is OfferStatus.PENDING, "held, not refused: nobody paused"


# ------------------------------------------------------------------------------------------ edits of keyed DMs


async def offer_dm(members: Members, bot: MentorBot) -> dict[str, JSON]:
    """The mentor's offer DM, sent and reported delivered."""
    await sign_up_mentor(members)
    await request(members)
    [offer] = await members.dms(MENTOR_USER_ID)
    await all_delivered(bot)
    return offer


async def test_an_edit_refused_for_the_token_is_made_once_the_token_works_again(
    world: FakeDiscord, members: Members, bot: MentorBot, clock: ManualClock
) -> None:
    offer = await offer_dm(members, bot)
    where = await members.client.sent.get(COMMUNITY, str(MENTOR_USER_ID), "offer:1")
    world.refuse_token()

    await members.slash("mentor cancel")

    assert await members.client.sent.get(COMMUNITY, str(MENTOR_USER_ID), "offer:1") == where, "not forgotten"
    assert (await outbox_row(bot, "offer:1"))["status"] == "pending"
    world.refuse_token(False)
    clock.advance(timedelta(hours=1))
    assert len(await retry_round(members.client)) == 1
    [dm] = world.dms[MENTOR_USER_ID]
    assert dm["id"] == offer["id"] and message_text(dm) == EN("offer.withdrawn", id=1), "edited in place"
    assert buttons(dm) == []


async def test_an_edit_refused_otherwise_takes_the_buttons_off_the_old_dm_and_posts_the_new_version(
    world: FakeDiscord, members: Members, bot: MentorBot
) -> None:
    offer = await offer_dm(members, bot)
    world.fail_next("PATCH", rf"/channels/\d+/messages/{offer['id']}", status=403)  # the edit only

    await members.slash("mentor cancel")

    old, new = world.dms[MENTOR_USER_ID]
    assert old["id"] == offer["id"] and message_text(old) == message_text(offer), "its text stays"
    assert buttons(old) == [], "no live Accept / Decline on the old offer DM"
    assert message_text(new) == EN("offer.withdrawn", id=1)
    where = await members.client.sent.get(COMMUNITY, str(MENTOR_USER_ID), "offer:1")
    assert where == (int(new["channel_id"]), int(new["id"])), "a later version edits the new DM"
    assert (await outbox_row(bot, "offer:1"))["status"] == "delivered"


async def test_an_edit_of_a_dm_that_is_gone_posts_the_new_version_once(
    world: FakeDiscord, members: Members, bot: MentorBot, clock: ManualClock
) -> None:
    offer = await offer_dm(members, bot)
    del world.rest.messages[int(offer["id"])]  # 404 10008 Unknown Message from now on
    world.dms[MENTOR_USER_ID].clear()
    edits = len([c for c in world.rest_calls if c.method == "PATCH"])

    await members.slash("mentor cancel")
    await all_delivered(bot)

    assert members.dm_texts(MENTOR_USER_ID) == [EN("offer.withdrawn", id=1)]
    assert len([c for c in world.rest_calls if c.method == "PATCH"]) == edits + 1, "no second edit of a lost DM"
    clock.advance(timedelta(hours=2))
    assert await retry_round(members.client) == []
    assert members.dm_texts(MENTOR_USER_ID) == [EN("offer.withdrawn", id=1)]


# ------------------------------------------------------------------------------------------ rate limits


async def one_batch_of_three(world: FakeDiscord, members: Members, bot: MentorBot, clock: ManualClock) -> None:
    """Three members known to the bot, and one notification to each written to the outbox by another process whose
    lease ran out: the next round claims the three in one batch."""
    await sign_up_mentor(members)
    await members.slash("mentor status", user=MENTEE_USER_ID)
    await members.slash("mentor status", user=SECOND_MENTOR_USER_ID)
    await all_delivered(bot)
    notes = []
    for user in (MENTOR_USER_ID, MENTEE_USER_ID, SECOND_MENTOR_USER_ID):
        member = await bot.store.find_member(COMMUNITY, str(user))
        assert member is not None
        notes.append(Notification(member.id, str(user), Reply(f"hello {user}"), community=COMMUNITY, language="en"))
    await bot.store.enqueue(notes, clock.now(), "a-dead-process", lease=timedelta(0))
    clock.advance(timedelta(seconds=1))


def limited(world: FakeDiscord, since: int) -> int:
    """How many requests Discord answered 429 since call number `since`."""
    return len([c for c in world.rest_calls[since:] if c.status == 429])


def hello(world: FakeDiscord, user: int) -> list[str]:
    return [message_text(m) for m in world.dms.get(user, [])]


async def test_a_global_rate_limit_gives_the_rest_of_the_batch_back_until_it_ends(
    world: FakeDiscord, members: Members, bot: MentorBot, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    await one_batch_of_three(world, members, bot, clock)
    for path in (DM_CHANNELS, DM_POSTS):
        world.fail_next("POST", path, status=429, retry_after=GLOBAL_WAIT, times=10, global_limit=True)
    before = len(world.rest_calls)

    with caplog.at_level(logging.INFO, logger="mentorbot"):
        assert len(await retry_round(members.client)) == 3

    assert limited(world, before) == 1, "one request met the global limit; the others were not sent"
    assert len(world.rest_calls) == before + 1
    assert any("global rate limit" in r.getMessage() for r in caplog.records)
    world.rest.failures.clear()
    clock.advance(timedelta(seconds=GLOBAL_WAIT - 1))
    assert await retry_round(members.client) == [], "none before the limit ends"
    clock.advance(timedelta(seconds=2))
    assert len(await retry_round(members.client)) == 3
    for user in (MENTOR_USER_ID, MENTEE_USER_ID, SECOND_MENTOR_USER_ID):
        assert hello(world, user) == [f"hello {user}"]
    assert not errors(caplog)


async def test_a_route_rate_limit_lets_the_other_members_dms_go(
    world: FakeDiscord, members: Members, bot: MentorBot, clock: ManualClock
) -> None:
    await one_batch_of_three(world, members, bot, clock)
    world.fail_next("POST", DM_CHANNELS, status=429, retry_after=GLOBAL_WAIT)  # the first member's DM channel
    before = len(world.rest_calls)

    assert len(await retry_round(members.client)) == 3

    assert limited(world, before) == 1
    assert hello(world, MENTOR_USER_ID) == []
    assert hello(world, MENTEE_USER_ID) == [f"hello {MENTEE_USER_ID}"]
    assert hello(world, SECOND_MENTOR_USER_ID) == [f"hello {SECOND_MENTOR_USER_ID}"]
    clock.advance(timedelta(seconds=GLOBAL_WAIT + 1))
    assert len(await retry_round(members.client)) == 1
    assert hello(world, MENTOR_USER_ID) == [f"hello {MENTOR_USER_ID}"]
