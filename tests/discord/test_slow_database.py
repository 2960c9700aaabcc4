"""The Discord client when the database is slow or away: Discord's 3-second first answer is still met (the
"thinking…" timer counts from the interaction's creation, not from the end of its inbox write), an answer
Discord no longer takes goes by DM, and an outage is logged as one warning line per failure, never as a
traceback (it is not a bug).

The times are scaled down from Discord's (a 3-second deadline, `defer_after` 2 s) to keep the tests short:
the fake's deadline is `DEADLINE`, the client's `defer_after` is `DEFER_AFTER`."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

import pytest

import mentorbot_discord.client as discord_client
from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from mentorbot.observability import DATABASE_ERRORS
from mentorbot.replies import Notification
from mentorbot.sent_messages import SentMessages
from mentorbot.storage.database import DatabaseError, DatabaseUnavailable
from mentorbot.usecases.context import Caller
from mentorbot_discord.client import MentorBotClient
from tests.discord.helpers import (
    COMMUNITY,
    EN,
    GUILD_ID,
    MENTEE_USER_ID,
    MENTOR_USER_ID,
    SECOND_MENTOR_USER_ID,
    SW,
    Members,
    buttons,
    message_text,
    sign_up_mentor,
)
from tests.fakes.discord_fake import FakeDiscord
from tests.fakes.discord_models import CALLBACK_DEFERRED_CHANNEL_MESSAGE, CALLBACK_DEFERRED_UPDATE_MESSAGE

DEADLINE = 1.5
"""The fake's first-callback deadline (Discord's 3 seconds, halved)."""
DEFER_AFTER = 1.0
"""The client's `defer_after` (2 seconds in production, halved)."""
MARGIN = 0.3
"""How late after `DEFER_AFTER` the deferral may reach the fake on a loaded machine."""


@pytest.fixture
def scaled(world: FakeDiscord, client: MentorBotClient) -> MentorBotClient:
    world.rest.interaction_deadline = DEADLINE
    client.defer_after = DEFER_AFTER
    return client


def slow(monkeypatch: pytest.MonkeyPatch, name: str, seconds: float) -> None:
    """`MentorBot.<name>` waits `seconds` before it runs (a slow database)."""
    original = getattr(MentorBot, name)

    async def slowed(self: MentorBot, *args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(seconds)
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(MentorBot, name, slowed)


def warnings_and_tracebacks(caplog: pytest.LogCaptureFixture) -> tuple[list[str], list[str]]:
    """The client's warning lines, and every record logged with a traceback."""
    warnings = [r.getMessage() for r in caplog.records if r.name == "mentorbot.discord" and r.levelname == "WARNING"]
    tracebacks = [r.getMessage() for r in caplog.records if r.exc_info]
    return warnings, tracebacks


def database_errors(kind: str) -> float:
    value: float = DATABASE_ERRORS.labels(kind)._value.get()
    return value


# ------------------------------------------------------------------------------------------- deadline


async def test_the_time_spent_recording_counts_toward_the_deferral(
    scaled: MentorBotClient, members: Members, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The inbox write takes 0.8 s and the core 0.9 s: the deferral goes `DEFER_AFTER` after Discord created
    the interaction (not after the write: 1.8 s, when the core answered at 1.7 s, past the deadline)."""
    slow(monkeypatch, "record_event", 0.8)
    slow(monkeypatch, "set_language", 0.9)

    record = await members.push_slash("mentor language", {"language": "sw"})
    shown = await members.shown(record)

    first = record.callbacks[0]
    assert first.status < 400 and first.type == CALLBACK_DEFERRED_CHANNEL_MESSAGE, record.callbacks
    assert DEFER_AFTER - 0.1 <= first.at <= DEFER_AFTER + MARGIN, first.at
    assert shown.text == SW("language.set")


async def test_a_slow_quick_read_is_deferred_without_waiting_for_its_slow_inbox_write(
    scaled: MentorBotClient, members: Members, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`/mentor status` takes 1.3 s, so it is deferred at `DEFER_AFTER`, and recorded first; the write takes
    0.7 s, so the deferral waits for it `RECORD_WAIT_MAX` at most (it used to wait for all of it: 1.7 s, past the
    deadline). The row is written all the same, and done once the answer is shown."""
    monkeypatch.setattr(discord_client, "RECORD_WAIT_MAX", 0.1)
    slow(monkeypatch, "record_event", 0.7)
    slow(monkeypatch, "status", 1.3)

    record = await members.push_slash("mentor status")
    shown = await members.shown(record)

    first = record.callbacks[0]
    assert first.status < 400 and first.type == CALLBACK_DEFERRED_CHANNEL_MESSAGE, record.callbacks
    assert first.at <= DEFER_AFTER + 0.1 + MARGIN, first.at
    assert shown.text.startswith("Men Tee's MentorBot status")
    async with scaled.bot.store.db.read() as conn:
        row = await conn.fetch_one("SELECT status FROM inbox WHERE event_id = ?", f"discord:interaction:{record.id}")
    assert row is not None and row["status"] == "done"


async def test_an_answer_discord_no_longer_takes_goes_by_dm(
    scaled: MentorBotClient, members: Members, world: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The inbox write alone outlasts Discord's deadline: the deferral and the answer get 10062 (unknown
    interaction), so the answer goes by DM, under a line saying why, in the member's language."""
    slow(monkeypatch, "record_event", DEADLINE + 0.2)

    record = await members.push_slash("mentor language", {"language": "sw"})
    await members._handled(record)

    assert record.callbacks and all(cb.error_code == 10062 for cb in record.callbacks), record.callbacks
    [dm] = await members.dms(MENTEE_USER_ID)
    assert message_text(dm) == f"{SW('discord.slow_answer')}\n{SW('language.set')}"


async def test_a_click_discord_no_longer_takes_is_answered_by_dm_and_its_offer_loses_its_buttons(
    scaled: MentorBotClient, members: Members, world: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    await sign_up_mentor(members)
    await members.slash("mentor request", {"skills": "crisis comms"})
    [offer] = await members.dms(MENTOR_USER_ID)
    slow(monkeypatch, "record_event", DEADLINE + 0.2)

    accept = f"mentorbot:offer.accept:1:{GUILD_ID}"
    record = await world.push_interaction(world.build.button(accept, message=offer, user_id=MENTOR_USER_ID, dm=True))
    await members._handled(record)

    assert record.callbacks and all(cb.error_code == 10062 for cb in record.callbacks), record.callbacks
    assert all(cb.type != CALLBACK_DEFERRED_UPDATE_MESSAGE or cb.status >= 400 for cb in record.callbacks)
    texts = [message_text(m) for m in await members.dms(MENTOR_USER_ID, count=2)]
    answer = EN("discord.slow_answer")
    assert any(text.startswith(answer) and "You accepted offer #1" in text for text in texts), texts
    assert buttons(world.messages[int(offer["id"])]) == [], "the clicked offer no longer offers Accept/Decline"


# ------------------------------------------------------------------------------------------- outage


async def test_a_command_during_an_outage_logs_lines_not_tracebacks(
    bot: MentorBot, members: Members, client: MentorBotClient, caplog: pytest.LogCaptureFixture
) -> None:
    await members.slash("mentor status")  # the member is known
    await bot.store.close()
    before = database_errors("unavailable")
    caplog.set_level(logging.INFO)

    record = await members.push_slash("mentor request", {"skills": "seo"})  # its recording fails: an apology
    first = await record.wait_callback()

    assert first.status < 400 and record.original is not None
    assert message_text(record.original).startswith("The database cannot be reached right now")
    warnings, tracebacks = warnings_and_tracebacks(caplog)
    assert tracebacks == []
    [line] = [w for w in warnings if "language of user" in w]
    assert line.startswith(f"could not look up the language of user {MENTEE_USER_ID}: the database is unavailable (")
    assert database_errors("unavailable") > before


async def test_autocomplete_during_an_outage_logs_one_line_a_keystroke_and_still_completes(
    bot: MentorBot, members: Members, client: MentorBotClient, caplog: pytest.LogCaptureFixture
) -> None:
    await members.slash("mentor status")
    await bot.store.close()
    before = database_errors("unavailable")
    caplog.set_level(logging.INFO)

    choices = [await members.complete("mentor request", "skills", typed) for typed in ("s", "se", "seo")]

    assert all(choices), "the taxonomy is in memory: completion goes on in the default language"
    warnings, tracebacks = warnings_and_tracebacks(caplog)
    assert tracebacks == []
    assert len([w for w in warnings if "the database is unavailable" in w]) == 3
    assert database_errors("unavailable") == before + 3


async def _two_offers(bot: MentorBot) -> list[Notification]:
    for user in (MENTOR_USER_ID, SECOND_MENTOR_USER_ID):
        await bot.signup(Caller(COMMUNITY, str(user), "m"), skills="seo", capacity=1)
    first = await bot.request(Caller(COMMUNITY, str(MENTEE_USER_ID), "x"), skills="seo")
    second = await bot.request(Caller(COMMUNITY, str(MENTEE_USER_ID), "x"), skills="brand-strategy, seo")
    notes = [*first.notifications, *second.notifications]
    assert len(notes) >= 2 and all(note.key for note in notes)
    return notes


async def test_delivery_during_an_outage_stops_at_the_first_database_failure_and_raises_it(
    bot: MentorBot,
    client: MentorBotClient,
    world: FakeDiscord,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each notification would fail the same way: the first failure is raised (the caller logs it in one line
    and does not report the batch delivered), no traceback is logged per notification, and no DM is sent that
    could not be marked delivered."""
    notes = await _two_offers(bot)
    tried: list[Notification] = []
    deliver_one = MentorBotClient._deliver_one

    async def counted(self: MentorBotClient, note: Notification) -> Any:
        tried.append(note)
        return await deliver_one(self, note)

    monkeypatch.setattr(MentorBotClient, "_deliver_one", counted)
    await bot.store.close()
    caplog.set_level(logging.INFO)

    with pytest.raises(DatabaseError):
        await client.deliver(notes)

    assert tried == notes[:1]
    assert world.dms == {}
    assert warnings_and_tracebacks(caplog)[1] == []


async def test_notifications_of_a_command_that_cannot_be_delivered_for_the_database_are_one_line(
    members: Members, world: FakeDiscord, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The request is made, then the database fails while its offer is delivered (where keyed DMs are is read
    from it): the mentee has their answer; the offer waits in the outbox, and the log has one warning line."""
    await sign_up_mentor(members)

    async def down(*_args: Any, **_kwargs: Any) -> None:
        raise DatabaseUnavailable("PostgreSQL: ConnectionRefusedError: [Errno 111] Connect call failed")

    monkeypatch.setattr(SentMessages, "get", down)
    caplog.set_level(logging.INFO)
    before = database_errors("unavailable")

    shown = await members.slash("mentor request", {"skills": "crisis comms"})

    assert shown.text == EN("request.offered", id=1, skills="Crisis communications")
    assert MENTOR_USER_ID not in world.dms
    warnings, tracebacks = warnings_and_tracebacks(caplog)
    assert tracebacks == []
    assert [w for w in warnings if "outbox" in w] == [
        f"the notifications of interaction {shown.record.id} wait in the outbox: the database is unavailable "
        "(PostgreSQL: ConnectionRefusedError: [Errno 111] Connect call failed)"
    ]
    assert database_errors("unavailable") == before + 1


async def test_held_notices_whose_late_dm_is_refused_are_held_again(
    scaled: MentorBotClient,
    members: Members,
    world: FakeDiscord,
    bot: MentorBot,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A mentor whose DMs are closed has notices held (their offer refused, they were paused as unreachable); their
    next command takes them, and its answer comes too late for Discord (10062): the answer and the held notices go
    by DM, which is refused too. The notices were shown nowhere, so they are held again and shown with the command
    after."""
    await sign_up_mentor(members)
    world.close_dms(MENTOR_USER_ID)
    await members.slash("mentor request", {"skills": "crisis comms"})
    clock.advance(timedelta(seconds=1))  # the timer loop's next round: what the pause says is refused too, and held
    await scaled.deliver(await bot.undelivered(communities=["discord:"]))
    mentor = await bot.store.find_member(COMMUNITY, str(MENTOR_USER_ID))
    assert mentor is not None and await bot.store.has_held_notices(mentor.id), "notices are held for the mentor"

    with monkeypatch.context() as patched:
        slow(patched, "record_event", DEADLINE + 0.2)
        record = await members.push_slash("mentor language", {"language": "en"}, user=MENTOR_USER_ID)
        await members._handled(record)
    assert record.callbacks and all(cb.error_code == 10062 for cb in record.callbacks), record.callbacks
    assert MENTOR_USER_ID not in world.dms, "the late answer's DM was refused"
    assert await bot.store.has_held_notices(mentor.id), "the notice shown nowhere is held again"

    shown = await members.slash("mentor status", user=MENTOR_USER_ID)
    assert [t for t in shown.texts[1:] if EN("pause.unreachable") in t], shown.texts
    assert not await bot.store.has_held_notices(mentor.id), "shown once"
