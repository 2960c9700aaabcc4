"""Session 44, the Discord lifecycle hunt: what Discord cannot take for now, or refuses, is not lost, and an answer
the member saw is not shown again.

With the real discord.py against the fake Discord (its own five tries of a call answered 5xx, their waits scaled
down here: `quick_retries`):

- a click whose message was updated (the Accept went through) but whose held notices' follow-up Discord could not
  take for now got "Sorry, something went wrong… reference" and an ERROR line, then `recover` showed the whole
  answer again. Now the notices are held again for the member's next command and the click counts as answered; a
  click whose update itself failed for now gets no apology (as a command gets none), and `recover` shows its answer;
- a quick read (``/mentor status``) whose held notices' follow-up (or whose answer itself) Discord could not take
  for now lost those notices: a read answered at once has no inbox row to bring them back. Now they are held again;
- a command answered after its interaction's token ran out, for a member whose DMs are closed: its answer (the reply
  itself) was dropped and the command marked done. Now the reply is held too, under the line saying why, and shown
  with the member's next command (as Slack holds a late answer it cannot DM: ``late-answer:`` rows), and so is a
  recovered command's.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

import discord.webhook.async_ as webhook_async
import pytest

from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from mentorbot.models import RequestStatus
from mentorbot.replies import Reply
from mentorbot.usecases.handler import INBOX_LEASE
from mentorbot_discord.client import MentorBotClient
from tests.discord.helpers import (
    COMMUNITY,
    EN,
    GUILD_ID,
    MENTEE_USER_ID,
    MENTOR_USER_ID,
    Members,
    message_text,
    new_client,
    sign_up_mentor,
)
from tests.discord.test_inbox import Crash, crash  # noqa: F401  (the fixture)
from tests.fakes.discord_fake import FakeDiscord
from tests.fakes.discord_models import CALLBACK_CHANNEL_MESSAGE, CALLBACK_UPDATE_MESSAGE, InteractionRecord

FOLLOW_UPS = r"/webhooks/\d+/[^/]+"
"""An interaction's follow-up messages (its webhook)."""

CALLBACKS = r"/interactions/\d+/[^/]+/callback"
"""An interaction's first answer."""

DISCORD_PY_TRIES = 5
"""How many times discord.py tries an interaction's call answered 5xx before it raises (`DiscordServerError`)."""

HELD = "A notice held for you"
APOLOGY = EN("common.apology", correlation_id="").split(":")[0]


@pytest.fixture
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """discord.py's own waits between its tries of an interaction's call answered 5xx (1 + 3 + 5 + 7 + 9 = 25 s) a
    hundred times shorter: the same code path (``discord.webhook.async_``), only its ``asyncio.sleep`` scaled."""

    class Scaled:
        def __getattr__(self, name: str) -> Any:
            return getattr(asyncio, name)

        @staticmethod
        async def sleep(delay: float, result: Any = None) -> Any:
            return await asyncio.sleep(delay / 100, result)

    monkeypatch.setattr(webhook_async, "asyncio", Scaled())


async def handled(world: FakeDiscord, members: Members, record: InteractionRecord) -> None:
    """Wait until the bot has handled `record` (its notifications delivered) and anything after it settled."""
    await members._handled(record, timeout=10.0)
    await asyncio.sleep(0.1)


def errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def apologies(record: InteractionRecord) -> list[str]:
    said = [str((c.data or {}).get("content") or "") for c in record.callbacks]
    said += [message_text(m) for m in record.followups]
    return [text for text in said if APOLOGY in text]


async def offered(members: Members, bot: MentorBot) -> dict[str, Any]:
    """A mentor with a notice held for them, and a request offered to them: its offer DM."""
    await sign_up_mentor(members)
    await members.slash("mentor request", {"skills": "crisis comms"})
    [offer] = await members.dms(MENTOR_USER_ID)
    assert await bot.hold_again(COMMUNITY, str(MENTOR_USER_ID), [Reply(HELD)]) == 1
    return offer


async def accept(world: FakeDiscord, offer: dict[str, Any]) -> InteractionRecord:
    return await world.push_interaction(
        world.build.button(f"mentorbot:offer.accept:1:{GUILD_ID}", message=offer, user_id=MENTOR_USER_ID, dm=True)
    )


async def next_command_shows(members: Members, user: int) -> list[str]:
    """What the member's next command (``/mentor status``) shows after its reply: the notices held for them."""
    return (await members.slash("mentor status", user=user)).texts[1:]


# ----------------------------------------------------------------------------------------------------- clicks


async def test_a_click_whose_held_notices_discord_cannot_take_for_now_holds_them_again_without_an_apology(
    world: FakeDiscord,
    members: Members,
    client: MentorBotClient,
    bot: MentorBot,
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
    quick_retries: None,
) -> None:
    offer = await offered(members, bot)
    world.fail_next("POST", FOLLOW_UPS, status=503, times=DISCORD_PY_TRIES)
    with caplog.at_level(logging.INFO):
        record = await accept(world, offer)
        await handled(world, members, record)

    assert [c.type for c in record.callbacks] == [CALLBACK_UPDATE_MESSAGE], "the offer's DM turned into the answer"
    assert EN("offer.accepted", id=1) in message_text(world.messages[int(offer["id"])])
    assert apologies(record) == [] and errors(caplog) == [], "a 503 is no error of ours"
    assert await bot.store.count_unprocessed() == 0, "the answer was shown: the click is done"

    clock.advance(INBOX_LEASE + timedelta(seconds=1))
    assert await client.recover() == 0, "the answer is not shown a second time"
    assert record.followups == []
    assert [t for t in await next_command_shows(members, MENTOR_USER_ID) if HELD in t], "the notice held again"
    assert await next_command_shows(members, MENTOR_USER_ID) == [], "and shown once"


async def test_a_click_whose_answer_discord_cannot_take_for_now_gets_no_apology_and_is_answered_once_later(
    world: FakeDiscord,
    members: Members,
    client: MentorBotClient,
    bot: MentorBot,
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
    quick_retries: None,
) -> None:
    """The update of the clicked message fails (5xx, all of discord.py's tries): the Accept went through; no
    apology (Discord would not take it either), and the inbox row is left for `recover`, which shows the answer."""
    offer = await offered(members, bot)
    world.fail_next("POST", CALLBACKS, status=503, times=DISCORD_PY_TRIES)
    with caplog.at_level(logging.INFO):
        record = await accept(world, offer)
        await handled(world, members, record)
    assert apologies(record) == [] and errors(caplog) == []
    assert await bot.store.count_unprocessed() == 1, "not shown: left for recover"

    clock.advance(INBOX_LEASE + timedelta(seconds=1))
    assert await client.recover() == 1
    assert await bot.store.count_unprocessed() == 0
    late = [
        text
        for text in [*members.dm_texts(MENTOR_USER_ID), *(message_text(m) for m in record.followups)]
        if EN("offer.accepted", id=1) in text and text != message_text(world.messages[int(offer["id"])])
    ]
    assert len(late) == 1, late
    assert [t for t in late if HELD in t] or [t for t in members.dm_texts(MENTOR_USER_ID) if HELD in t]
    assert apologies(record) == [] and errors(caplog) == []


# ------------------------------------------------------------------------------------------------ commands


async def test_a_command_whose_held_notices_discord_cannot_take_for_now_holds_them_again_and_is_done(
    world: FakeDiscord,
    members: Members,
    client: MentorBotClient,
    bot: MentorBot,
    clock: ManualClock,
    quick_retries: None,
) -> None:
    """``/mentor language`` answered in its first callback; the held notice's follow-up fails for now: held again,
    and `recover` does not show the answer a second time."""
    await sign_up_mentor(members)
    assert await bot.hold_again(COMMUNITY, str(MENTOR_USER_ID), [Reply(HELD)]) == 1
    world.fail_next("POST", FOLLOW_UPS, status=503, times=DISCORD_PY_TRIES)
    record = await members.push_slash("mentor language", {"language": "en"}, user=MENTOR_USER_ID)
    await handled(world, members, record)
    assert [c.type for c in record.callbacks] == [CALLBACK_CHANNEL_MESSAGE] and record.followups == []
    assert await bot.store.count_unprocessed() == 0

    clock.advance(INBOX_LEASE + timedelta(seconds=1))
    assert await client.recover() == 0
    assert record.followups == []
    assert [t for t in await next_command_shows(members, MENTOR_USER_ID) if HELD in t]


# -------------------------------------------------------------------------------------------- quick reads


@pytest.mark.parametrize("failing", ["follow-up", "answer"])
async def test_held_notices_a_quick_read_could_not_show_for_now_are_held_again(
    world: FakeDiscord,
    members: Members,
    bot: MentorBot,
    caplog: pytest.LogCaptureFixture,
    quick_retries: None,
    failing: str,
) -> None:
    """``/mentor status`` takes the member's held notices; Discord cannot take their follow-up (or the answer
    itself) for now. A read answered at once has no inbox row: the notices are held again, for the next command."""
    await sign_up_mentor(members)
    await members.slash("mentor status")  # the mentee is a member
    assert await bot.hold_again(COMMUNITY, str(MENTEE_USER_ID), [Reply(HELD)]) == 1
    world.fail_next("POST", FOLLOW_UPS if failing == "follow-up" else CALLBACKS, status=503, times=DISCORD_PY_TRIES)
    with caplog.at_level(logging.INFO):
        record = await members.push_slash("mentor status")
        await handled(world, members, record)
    assert members.handled[record.id].held == (Reply(HELD),), "the read took the notice"
    assert record.followups == []
    assert apologies(record) == [] and errors(caplog) == []

    assert [t for t in await next_command_shows(members, MENTEE_USER_ID) if HELD in t], "held again"
    assert await next_command_shows(members, MENTEE_USER_ID) == [], "and shown once"


# ---------------------------------------------------------------------------------------- late answers


async def test_a_late_answer_to_a_member_whose_dms_are_closed_is_held_for_their_next_command(
    world: FakeDiscord,
    members: Members,
    client: MentorBotClient,
    bot: MentorBot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The core answers after the deferred interaction's token ran out (15 minutes; scaled down here), and the DM
    it then goes by is refused (50007): the answer is held, under the line saying why, not dropped."""
    await sign_up_mentor(members)
    world.close_dms(MENTEE_USER_ID)
    original = bot.request

    async def slow(*args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(0.6)
        return await original(*args, **kwargs)

    world.token_lifetime = 0.3
    with monkeypatch.context() as patched:
        patched.setattr(bot, "request", slow)
        record = await members.push_slash("mentor request", {"skills": "crisis comms"})
        outcome = await members._handled(record)
    answer = EN("request.offered", id=1, skills="Crisis communications")
    assert outcome.reply.text == answer
    assert record.followups == [] and MENTEE_USER_ID not in world.dms, "neither shown nor DM'd"
    assert await bot.store.count_unprocessed() == 0
    world.token_lifetime = 15 * 60.0

    shown = [t for t in await next_command_shows(members, MENTEE_USER_ID) if answer in t]
    assert len(shown) == 1, "the answer is shown with the next command"
    assert EN("discord.held_notice") in shown[0] and EN("discord.slow_answer") in shown[0]
    assert await next_command_shows(members, MENTEE_USER_ID) == [], "once"


async def test_a_recovered_answer_whose_dm_is_refused_is_held_for_the_members_next_command(
    world: FakeDiscord,
    bot: MentorBot,
    members: Members,
    crash: Crash,  # noqa: F811
) -> None:
    """A process died after recording a command; the one that recovers it finds its token expired and the member's
    DMs closed: the answer is held, under the late answer's line."""
    await sign_up_mentor(members)
    world.close_dms(MENTEE_USER_ID)
    await crash.lose(world.build.slash("mentor request", {"skills": "crisis comms"}), defer=True)
    await crash.recover(timedelta(minutes=16))
    assert await crash.mentee_request() is RequestStatus.OFFERED
    assert MENTEE_USER_ID not in world.dms

    async with world.run_client(new_client(bot, crash.settings)) as again:
        members.attach(again)
        await again.tree.sync()
        shown = await next_command_shows(members, MENTEE_USER_ID)
    answer = EN("request.offered", id=1, skills="Crisis communications")
    late = [t for t in shown if answer in t]
    assert len(late) == 1 and EN("discord.late_answer") in late[0], shown


async def test_a_feedback_buttons_answer_discord_cannot_take_for_now_holds_the_notices_it_took_again(
    world: FakeDiscord,
    members: Members,
    bot: MentorBot,
    caplog: pytest.LogCaptureFixture,
    quick_retries: None,
) -> None:
    """A "Give feedback" button clicked after the feedback was given is answered with the core's "already given"
    (a read: no inbox row), which takes the notices held for the member. Discord cannot take that answer for now:
    no apology, and the notices are held again."""
    offer = await offered(members, bot)
    await members.click(offer, f"mentorbot:offer.accept:1:{GUILD_ID}", user=MENTOR_USER_ID, dm=True)
    await members.slash("mentor end", {"rating": 4})
    notice = (await members.dms(MENTOR_USER_ID, count=3))[-1]
    await members.slash("mentor feedback", {"mentorship": 1, "rating": 5}, user=MENTOR_USER_ID)
    assert await bot.hold_again(COMMUNITY, str(MENTOR_USER_ID), [Reply(HELD)]) == 1
    world.fail_next("POST", CALLBACKS, status=503, times=DISCORD_PY_TRIES)
    with caplog.at_level(logging.INFO):
        record = await world.push_interaction(
            world.build.button(f"mentorbot:feedback.open:1:{GUILD_ID}", message=notice, user_id=MENTOR_USER_ID, dm=True)
        )
        await handled(world, members, record)
    assert members.handled[record.id].held == (Reply(HELD),), "the core's answer took the notice"
    assert record.callbacks == [] and record.followups == []
    assert apologies(record) == [] and errors(caplog) == []
    assert [t for t in await next_command_shows(members, MENTOR_USER_ID) if HELD in t], "held again"
