"""DMs Discord failed to take for a transient reason (HTTP 5xx, 429 with retry_after, the network) go back to the
outbox and are tried again with backoff (issue 12, point 1): one DM once the wait is over, the rate limit
honoured, held after the last try; a permanent refusal (DMs closed) is held at once, as before."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import aiohttp
import discord
import pytest

from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from mentorbot.replies import Notification
from mentorbot.retries import JITTER, RETRY_BASE, TransientFailure
from mentorbot.settings import Settings
from mentorbot_discord.client import MentorBotClient, transient
from tests.discord.helpers import (
    COMMUNITY,
    EN,
    MENTEE_USER_ID,
    MENTOR_USER_ID,
    Members,
    all_delivered,
    buttons,
    make_settings,
    message_text,
    sign_up_mentor,
)
from tests.fakes.discord_fake import FakeDiscord

OFFER_1 = f"Mentorship offer #1 · <@{MENTEE_USER_ID}>\nMentorship offer #1\n"
"""How the offer DM reads: the content line naming the mentee, then the embed."""

MAX_ATTEMPTS = 3
FIRST_WAIT = RETRY_BASE * (1 + JITTER)  # the longest the first wait can be, jitter included
DM_POSTS = r"/channels/\d+/messages"


@pytest.fixture
def settings(world: FakeDiscord) -> Settings:
    """Giving up after three tries."""
    return make_settings(world, delivery_attempts=MAX_ATTEMPTS)


async def retry_round(client: MentorBotClient) -> list[Notification]:
    """One round of the timer loop's delivery: claim what is due in the outbox, deliver it."""
    notes = await client.bot.undelivered(communities=["discord:"])
    await client.deliver(notes)
    return notes


async def outbox_row(bot: MentorBot, key: str) -> dict[str, Any]:
    async with bot.store.read() as conn:
        row = await conn.fetch_one(
            "SELECT status, attempts, claimed_by FROM outbox WHERE message_key = ? ORDER BY id DESC LIMIT 1", key
        )
    assert row is not None, key
    return dict(row)


async def request(members: Members) -> None:
    await members.slash("mentor request", {"skills": "crisis comms"})


async def test_a_503_then_success_is_one_dm_once_the_backoff_has_passed(
    world: FakeDiscord, members: Members, bot: MentorBot, clock: ManualClock
) -> None:
    await sign_up_mentor(members)
    world.fail_next("POST", DM_POSTS, status=503)  # discord.py does not retry a 503 itself

    await request(members)

    assert MENTOR_USER_ID not in world.dms
    assert await outbox_row(bot, "offer:1") == {"status": "pending", "attempts": 1, "claimed_by": None}
    clock.advance(RETRY_BASE - timedelta(seconds=1))
    assert await retry_round(members.client) == [], "not before the backoff"

    clock.advance(FIRST_WAIT - RETRY_BASE + timedelta(seconds=2))
    [again] = await retry_round(members.client)

    assert again.key == "offer:1" and again.attempts == 2
    [offer] = world.dms[MENTOR_USER_ID]
    assert message_text(offer).startswith(OFFER_1) and buttons(offer)
    assert (await outbox_row(bot, "offer:1"))["status"] == "delivered"
    clock.advance(timedelta(days=1))
    assert await retry_round(members.client) == [] and len(world.dms[MENTOR_USER_ID]) == 1, "delivered once"
    assert await members.client.sent.get(COMMUNITY, str(MENTOR_USER_ID), "offer:1") == (
        int(offer["channel_id"]),
        int(offer["id"]),
    ), "where the retried DM is was recorded, so a later version of the offer edits it"


async def test_a_500_is_retried_by_discord_py_itself_first(
    world: FakeDiscord, members: Members, bot: MentorBot
) -> None:
    await sign_up_mentor(members)
    world.fail_next("POST", DM_POSTS, status=500)

    await request(members)

    failed, sent = world.calls("POST", DM_POSTS)[-2:]
    assert (failed.status, sent.status) == (500, 200)
    assert len(world.dms[MENTOR_USER_ID]) == 1
    await all_delivered(bot)
    assert await outbox_row(bot, "offer:1") == {"status": "delivered", "attempts": 1, "claimed_by": "discord-test"}


async def test_a_long_rate_limit_is_tried_again_no_sooner_than_its_retry_after(
    world: FakeDiscord, members: Members, bot: MentorBot, clock: ManualClock
) -> None:
    await sign_up_mentor(members)
    world.fail_next("POST", DM_POSTS, status=429, retry_after=120)

    await request(members)

    [limited] = world.calls("POST", DM_POSTS)
    assert limited.status == 429 and MENTOR_USER_ID not in world.dms, "not slept through in-process"
    clock.advance(timedelta(seconds=119))
    assert await retry_round(members.client) == [], "the backoff (30 s) has passed, Discord's 120 s have not"
    clock.advance(timedelta(seconds=2))
    [again] = await retry_round(members.client)
    assert again.key == "offer:1"
    [offer] = world.dms[MENTOR_USER_ID]
    assert message_text(offer).startswith(OFFER_1)


async def test_repeated_failures_hold_the_notice_after_the_last_try(
    world: FakeDiscord, members: Members, bot: MentorBot, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    await sign_up_mentor(members)
    world.fail_next("POST", DM_POSTS, status=503, times=MAX_ATTEMPTS)

    with caplog.at_level(logging.WARNING, logger="mentorbot"):
        await request(members)
        for _ in range(MAX_ATTEMPTS - 1):
            clock.advance(timedelta(hours=1))
            assert len(await retry_round(members.client)) == 1

    assert len(world.calls("POST", DM_POSTS)) == MAX_ATTEMPTS and MENTOR_USER_ID not in world.dms
    held = {"status": "held", "attempts": MAX_ATTEMPTS, "claimed_by": "discord-test"}
    assert await outbox_row(bot, "offer:1") == held
    assert any("failed for a transient reason 3 time(s); holding it" in r.getMessage() for r in caplog.records)
    clock.advance(timedelta(days=1))
    assert await retry_round(members.client) == [], "never tried again"

    status = await members.slash("mentor status", user=MENTOR_USER_ID)
    assert len(status.messages) == 2
    assert status.texts[1].startswith(EN("discord.held_notice") + "\n" + OFFER_1)
    # Shown in the guild, the buttons need no guild in their id; they work like the DM's.
    held = status.messages[1]
    assert [b["custom_id"] for b in buttons(held)] == ["mentorbot:offer.accept:1", "mentorbot:offer.decline:1"]
    again = await members.slash("mentor status", user=MENTOR_USER_ID)
    assert len(again.messages) == 1, "shown once"
    accepted = await members.click(held, "mentorbot:offer.accept:1", user=MENTOR_USER_ID)
    assert accepted.text == (
        "Mentorship offer #1\nMentorship offer #1\nYou accepted offer #1. Check your messages for the introduction."
    )


async def test_closed_dms_are_held_at_once(
    world: FakeDiscord, members: Members, bot: MentorBot, clock: ManualClock
) -> None:
    """A refused offer is not retried: its mentor is paused as unreachable and its new version (the withdrawal)
    replaces it, for the timer loop's next round; refused too, that one is held at once, never tried again."""
    await sign_up_mentor(members)
    world.close_dms(MENTOR_USER_ID)

    await request(members)

    assert await outbox_row(bot, "offer:1") == {"status": "pending", "attempts": 1, "claimed_by": "discord-test"}
    clock.advance(timedelta(seconds=1))
    assert {n.key for n in await retry_round(members.client)} == {None, "offer:1", "request:1:after:1"}
    assert await outbox_row(bot, "offer:1") == {"status": "held", "attempts": 2, "claimed_by": "discord-test"}
    clock.advance(timedelta(days=1))
    assert await retry_round(members.client) == []
    # The offer, the pause notice and the withdrawal (refused), the mentee's notice.
    assert len(world.calls("POST", DM_POSTS)) == 4


async def test_a_retried_offer_withdrawn_meanwhile_is_never_sent(
    world: FakeDiscord, members: Members, bot: MentorBot, clock: ManualClock
) -> None:
    await sign_up_mentor(members)
    world.fail_next("POST", DM_POSTS, status=503)
    await request(members)
    assert MENTOR_USER_ID not in world.dms

    await members.slash("mentor cancel")  # the offer is withdrawn: a newer version of key offer:1

    assert members.dm_texts(MENTOR_USER_ID) == [EN("offer.withdrawn", id=1)]
    clock.advance(timedelta(hours=1))
    assert await retry_round(members.client) == [], "the superseded offer is not claimed again"
    assert members.dm_texts(MENTOR_USER_ID) == [EN("offer.withdrawn", id=1)]


async def test_an_edit_that_fails_for_now_is_made_later_rather_than_a_new_dm(
    world: FakeDiscord, members: Members, bot: MentorBot, clock: ManualClock
) -> None:
    await sign_up_mentor(members)
    await request(members)
    [offer] = await members.dms(MENTOR_USER_ID)
    await all_delivered(bot)
    world.fail_next("PATCH", rf"/channels/\d+/messages/{offer['id']}", status=503)

    await members.slash("mentor cancel")

    assert members.dm_texts(MENTOR_USER_ID) == [message_text(offer)], "not edited yet, nothing new"
    clock.advance(timedelta(hours=1))
    await retry_round(members.client)
    [edited] = world.dms[MENTOR_USER_ID]
    assert edited["id"] == offer["id"] and message_text(edited) == EN("offer.withdrawn", id=1)
    assert buttons(edited) == []


class FakeResponse:
    """What discord.HTTPException reads of an aiohttp response."""

    def __init__(self, status: int, headers: dict[str, str] | None = None) -> None:
        self.status = status
        self.reason = "x"
        self.headers = headers or {}


def http_error(status: int, code: int = 0, headers: dict[str, str] | None = None) -> discord.HTTPException:
    return discord.HTTPException(FakeResponse(status, headers), {"message": "x", "code": code})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (http_error(500), TransientFailure(None, "HTTP 500")),
        (http_error(503), TransientFailure(None, "HTTP 503")),
        (http_error(429, headers={"Retry-After": "7.5"}), TransientFailure(7.5, "HTTP 429")),
        (discord.RateLimited(120.0), TransientFailure(120.0, "rate limited")),
        (aiohttp.ClientConnectionError(), TransientFailure(None, "ClientConnectionError")),
        (TimeoutError(), TransientFailure(None, "TimeoutError")),
        (http_error(403, 50007), None),
        (http_error(404, 10013), None),
        (http_error(403, 50001), None),
        (ValueError("a bug"), None),
    ],
)
def test_what_is_transient_on_discord(exc: BaseException, expected: TransientFailure | None) -> None:
    assert transient(exc) == expected
