"""Nothing Discord delivered is lost (issue 12, point 0): an interaction is recorded in the inbox before it is
deferred; a process that dies right after recording leaves it to be applied and answered, once, by the process
that comes back (through the follow-up webhook while the token is valid, else by DM); a redelivery is applied
once; every Discord option is named as the core's command table names it, so a recorded command replays."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import timedelta
from typing import Any

import pytest
from discord import app_commands

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.commands import find_command
from mentorbot.models import RequestStatus
from mentorbot.settings import Settings
from mentorbot.usecases.handler import INBOX_LEASE
from mentorbot_discord.client import MentorBotClient
from mentorbot_discord.ports import Interaction
from mentorbot_discord.slash import command_list
from tests.discord.helpers import (
    COMMUNITY,
    EN,
    MENTEE_USER_ID,
    MENTOR_USER_ID,
    Members,
    message_text,
    new_client,
    sign_up_mentor,
)
from tests.fakes.discord_fake import FakeDiscord

OFFERED = EN("request.offered", id=1, skills="Crisis communications")


def _die_after_recording(client: MentorBotClient, monkeypatch: pytest.MonkeyPatch, *, defer: bool) -> asyncio.Event:
    """The process dies the moment it has recorded an interaction (after deferring it, with `defer`): the work
    never runs. The event is set when it died."""
    died = asyncio.Event()

    async def dropped(interaction: Interaction, caller: Caller, work: Awaitable[None]) -> None:
        if defer:
            await interaction.response.defer(ephemeral=True, thinking=True)
        work.close()  # type: ignore[attr-defined]
        died.set()

    monkeypatch.setattr(client, "_process", dropped)
    return died


@pytest.mark.parametrize(
    ("defer", "late"),
    [(False, False), (True, False), (True, True)],
    ids=["died-before-the-defer", "died-after-the-defer", "token-expired"],
)
async def test_an_interaction_recorded_by_a_process_that_died_is_applied_and_answered_once(
    world: FakeDiscord,
    bot: MentorBot,
    settings: Settings,
    members: Members,
    client: MentorBotClient,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
    defer: bool,
    late: bool,
) -> None:
    await sign_up_mentor(members)
    died = _die_after_recording(client, monkeypatch, defer=defer)
    record = await members.push_slash("mentor request", {"skills": "crisis comms", "note": "Launch next month"})
    await asyncio.wait_for(died.wait(), 5.0)
    assert await bot.store.find_member(COMMUNITY, str(MENTEE_USER_ID)) is None, "died before the work"
    assert await bot.store.count_unprocessed() == 1
    await client.close()
    monkeypatch.undo()

    async with world.run_client(new_client(bot, settings)) as restarted:  # the process that comes back
        assert await restarted.recover() == 0, "the dead process's lease still holds"
        clock.advance(timedelta(minutes=16) if late else INBOX_LEASE + timedelta(seconds=1))
        assert await restarted.recover() == 1
        assert await restarted.recover() == 0, "processed once"

    mentee = await bot.store.find_member(COMMUNITY, str(MENTEE_USER_ID))
    assert mentee is not None
    [request] = await bot.store.list_member_requests(mentee.id)
    assert request.status is RequestStatus.OFFERED
    assert len(world.dms[MENTOR_USER_ID]) == 1, "the mentor got the offer once"
    dms = [message_text(m) for m in world.dms.get(MENTEE_USER_ID, [])]
    if defer and not late:  # the follow-up fills the deferred "thinking…" answer
        assert message_text(await record.wait_original()) == OFFERED
        assert dms == []
    else:  # never acknowledged (no follow-up is accepted), or the token ran out: by DM
        assert dms == [f"{EN('discord.late_answer')}\n{OFFERED}"]
    assert await bot.store.count_unprocessed() == 0


async def test_a_click_recorded_by_a_process_that_died_is_applied_once(
    world: FakeDiscord,
    bot: MentorBot,
    settings: Settings,
    members: Members,
    client: MentorBotClient,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await sign_up_mentor(members)
    await members.slash("mentor request", {"skills": "crisis comms"})
    [offer] = await members.dms(MENTOR_USER_ID)
    died = _die_after_recording(client, monkeypatch, defer=False)
    button = offer["components"][0]["components"][0]["custom_id"]
    await world.push_interaction(world.build.button(button, message=offer, user_id=MENTOR_USER_ID, dm=True))
    await asyncio.wait_for(died.wait(), 5.0)
    await client.close()
    monkeypatch.undo()

    async with world.run_client(new_client(bot, settings)) as restarted:
        clock.advance(INBOX_LEASE + timedelta(seconds=1))
        assert await restarted.recover() == 1
        assert await restarted.recover() == 0

    mentee = await bot.store.find_member(COMMUNITY, str(MENTEE_USER_ID))
    assert mentee is not None
    [request] = await bot.store.list_member_requests(mentee.id)
    assert request.status is RequestStatus.MATCHED
    late = [message_text(m) for m in world.dms[MENTOR_USER_ID] if EN("discord.late_answer") in message_text(m)]
    assert len(late) == 1, world.dms[MENTOR_USER_ID]


async def test_a_redelivered_interaction_is_applied_once(world: FakeDiscord, bot: MentorBot, members: Members) -> None:
    await sign_up_mentor(members)
    record = await members.push_slash("mentor request", {"skills": "crisis comms"})
    assert (await members.shown(record)).text == OFFERED
    await world.dispatch("INTERACTION_CREATE", record.payload)  # the gateway delivers it again
    await world.signal.wait_for(
        lambda: True if members.handled[record.id].duplicate else None, 5.0, "the redelivery to be recognised"
    )
    mentee = await bot.store.find_member(COMMUNITY, str(MENTEE_USER_ID))
    assert mentee is not None
    assert len(await bot.store.list_member_requests(mentee.id)) == 1
    assert len(world.dms[MENTOR_USER_ID]) == 1
    assert len(record.callbacks) == 1, "answered once"
    assert await bot.store.count_unprocessed() == 0


def _slash_commands() -> list[app_commands.Command[Any, ..., Any]]:
    found: list[app_commands.Command[Any, ..., Any]] = []
    for item in command_list():
        found.extend(item.walk_commands() if isinstance(item, app_commands.Group) else [item])  # type: ignore[misc]
    return [c for c in found if isinstance(c, app_commands.Command)]


@pytest.mark.parametrize("command", _slash_commands(), ids=lambda c: c.qualified_name)
def test_every_slash_command_and_option_is_named_as_in_the_core_command_table(
    command: app_commands.Command[Any, ..., Any],
) -> None:
    core = find_command(command.qualified_name)
    assert core is not None, "a recorded command could not be replayed"
    for parameter in command.parameters:
        assert core.option(parameter.display_name) == parameter.display_name
