"""Nothing Discord delivered is lost (issue 12, point 0): an interaction is recorded in the inbox before it is
deferred; a process that dies right after recording leaves it to be applied and answered, once, by the process
that comes back (through the follow-up webhook while the token is valid, else by DM); one that dies after the
change committed but before answering leaves its stored answer to be shown (the change is not made again); a
redelivery is applied once; past `max_inflight` a new interaction is refused at once and nothing is recorded;
every Discord option is named as the core's command table names it, so a recorded command replays."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from discord import app_commands

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.commands import find_command
from mentorbot.models import RequestStatus
from mentorbot.observability import REGISTRY
from mentorbot.settings import Settings
from mentorbot.storage.database import DatabaseUnavailable
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
from tests.fakes.discord_models import InteractionRecord

OFFERED = EN("request.offered", id=1, skills="Crisis communications")


@dataclass
class Crash:
    """A process that dies the moment it has recorded an interaction, and the process that comes back."""

    world: FakeDiscord
    bot: MentorBot
    settings: Settings
    client: MentorBotClient
    clock: ManualClock
    monkeypatch: pytest.MonkeyPatch

    async def lose(self, payload: dict[str, Any], *, defer: bool) -> InteractionRecord:
        """Push the interaction; the client records it (and defers it, with `defer`), then dies: the work never
        runs and the client is gone."""
        died = asyncio.Event()

        async def dropped(interaction: Interaction, caller: Caller, work: Awaitable[None]) -> None:
            if defer:
                await interaction.response.defer(ephemeral=True, thinking=True)
            work.close()  # type: ignore[attr-defined]
            died.set()

        self.monkeypatch.setattr(self.client, "_process", dropped)
        record = await self.world.push_interaction(payload)
        await asyncio.wait_for(died.wait(), 5.0)
        assert await self.bot.store.count_unprocessed() == 1
        await self.client.close()
        self.monkeypatch.undo()
        return record

    async def recover(self, after: timedelta = INBOX_LEASE + timedelta(seconds=1)) -> None:
        """A restarted client recovers what was lost, once the lease (or `after`) has run out, exactly once."""
        async with self.world.run_client(new_client(self.bot, self.settings)) as restarted:
            assert await restarted.recover() == 0, "the dead process's lease still holds"
            self.clock.advance(after)
            assert await restarted.recover() == 1
            assert await restarted.recover() == 0, "processed once"
        assert await self.bot.store.count_unprocessed() == 0

    async def mentee_request(self) -> RequestStatus:
        mentee = await self.bot.store.find_member(COMMUNITY, str(MENTEE_USER_ID))
        assert mentee is not None
        [request] = await self.bot.store.list_member_requests(mentee.id)
        return request.status


@pytest.fixture
def crash(
    world: FakeDiscord,
    bot: MentorBot,
    settings: Settings,
    client: MentorBotClient,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> Crash:
    return Crash(world, bot, settings, client, clock, monkeypatch)


@pytest.mark.parametrize(
    ("defer", "late"),
    [(False, False), (True, False), (True, True)],
    ids=["died-before-the-defer", "died-after-the-defer", "token-expired"],
)
async def test_an_interaction_recorded_by_a_process_that_died_is_applied_and_answered_once(
    world: FakeDiscord, bot: MentorBot, members: Members, crash: Crash, defer: bool, late: bool
) -> None:
    await sign_up_mentor(members)
    payload = world.build.slash("mentor request", {"skills": "crisis comms", "note": "Launch next month"})
    record = await crash.lose(payload, defer=defer)
    assert await bot.store.find_member(COMMUNITY, str(MENTEE_USER_ID)) is None, "died before the work"

    await crash.recover(timedelta(minutes=16) if late else INBOX_LEASE + timedelta(seconds=1))

    assert await crash.mentee_request() is RequestStatus.OFFERED
    assert len(world.dms[MENTOR_USER_ID]) == 1, "the mentor got the offer once"
    dms = [message_text(m) for m in world.dms.get(MENTEE_USER_ID, [])]
    if defer and not late:  # the follow-up fills the deferred "thinking…" answer
        assert message_text(await record.wait_original()) == OFFERED
        assert dms == []
    else:  # never acknowledged (no follow-up is accepted), or the token ran out: by DM
        assert dms == [f"{EN('discord.late_answer')}\n{OFFERED}"]


async def test_a_click_recorded_by_a_process_that_died_is_applied_once(
    world: FakeDiscord, members: Members, crash: Crash
) -> None:
    await sign_up_mentor(members)
    await members.slash("mentor request", {"skills": "crisis comms"})
    [offer] = await members.dms(MENTOR_USER_ID)
    accept = offer["components"][0]["components"][0]["custom_id"]
    await crash.lose(world.build.button(accept, message=offer, user_id=MENTOR_USER_ID, dm=True), defer=False)

    await crash.recover()

    assert await crash.mentee_request() is RequestStatus.MATCHED
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


async def test_a_command_whose_process_died_before_answering_gets_its_stored_answer_once(
    world: FakeDiscord, bot: MentorBot, members: Members, crash: Crash, client: MentorBotClient
) -> None:
    await sign_up_mentor(members)
    died = asyncio.Event()

    async def killed(*_args: object) -> None:
        died.set()
        raise asyncio.CancelledError  # the process ends after the commit, before the member saw the answer

    crash.monkeypatch.setattr(client, "_reply", killed)
    record = await world.push_interaction(world.build.slash("mentor request", {"skills": "crisis comms"}))
    await asyncio.wait_for(died.wait(), 5.0)
    await client.close()
    crash.monkeypatch.undo()

    await crash.recover()

    mentee = await bot.store.find_member(COMMUNITY, str(MENTEE_USER_ID))
    assert mentee is not None
    assert len(await bot.store.list_member_requests(mentee.id)) == 1, "applied once"
    assert await crash.mentee_request() is RequestStatus.OFFERED
    # The command had been deferred ("thinking…"): the stored answer fills it, once, through the follow-up.
    assert message_text(await record.wait_original()) == OFFERED
    assert len(record.followups) == 1
    assert world.dms.get(MENTEE_USER_ID, []) == []


async def test_past_max_inflight_an_interaction_is_refused_at_once_and_nothing_is_recorded(
    bot: MentorBot, members: Members, client: MentorBotClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client, "_in_flight", bot.settings.max_inflight)
    refused_before = REGISTRY.get_sample_value("mentorbot_busy_refusals_total", {"platform": "discord"}) or 0.0
    record = await members.push_slash("mentor status")
    shown = await members.shown(record, handled=False)
    assert shown.text == EN("discord.busy")
    assert REGISTRY.get_sample_value("mentorbot_busy_refusals_total", {"platform": "discord"}) == refused_before + 1
    async with bot.store.read() as conn:
        row = await conn.fetch_one("SELECT COUNT(*) AS n FROM inbox")
    assert row is not None and row["n"] == 0
    assert await bot.store.find_member(COMMUNITY, str(MENTEE_USER_ID)) is None, "no table was touched"


async def test_a_refusal_as_busy_reads_nothing_from_the_database(
    bot: MentorBot, members: Members, client: MentorBotClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client, "_in_flight", bot.settings.max_inflight)
    reads: list[object] = []

    async def unreachable(*args: object, **_kwargs: object) -> None:
        reads.append(args)  # the limit is mostly reached when the database is slow or away
        raise DatabaseUnavailable("the server went away")

    monkeypatch.setattr(bot.store, "find_member", unreachable)
    record = await members.push_slash("mentor status")
    shown = await members.shown(record, handled=False)
    assert shown.text == EN("discord.busy")
    assert reads == [], "refused at once, in the default language, without a database read"


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
