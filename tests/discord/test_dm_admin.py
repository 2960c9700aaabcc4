"""An admin's answer that reached them by DM keeps working buttons: a click in a DM carries no server permissions,
so for an admin's button (a suggestion's approval, the waitlist's pages) the client asks Discord whether the clicker
has Manage Server in the button's guild (`MentorBotClient.manages_server`, found by an authorization hunt: the
moderator was told "Only admins can do that." by their own answer's buttons)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import timedelta

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.settings import Settings
from mentorbot.storage.curation import SuggestionStatus
from mentorbot_discord.client import MentorBotClient
from mentorbot_discord.ports import Interaction
from tests.discord.helpers import (
    COMMUNITY,
    EN,
    MENTEE_USER_ID,
    MODERATOR_USER_ID,
    Members,
    buttons,
    message_text,
    new_client,
)
from tests.fakes.discord_fake import FakeDiscord


async def _courses_answered_by_dm(
    world: FakeDiscord,
    bot: MentorBot,
    settings: Settings,
    client: MentorBotClient,
    members: Members,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> MentorBotClient:
    """A member suggests a resource; the moderator (Manage Server, not in the settings' admin ids) asks for the
    review queue and the process dies right after recording it; the restarted client answers 16 minutes later, by
    DM. The restarted client, not yet running."""
    url = "https://www.example.org/whatsapp-guide"
    await members.slash("courses", {"suggest": url, "skills": "whatsapp", "title": "A WhatsApp guide"})
    died = asyncio.Event()

    async def dropped(interaction: Interaction, caller: Caller, work: Awaitable[None]) -> None:
        work.close()  # type: ignore[attr-defined]
        died.set()

    monkeypatch.setattr(client, "_process", dropped)
    await world.push_interaction(world.build.slash("mentor-admin courses", None, user_id=MODERATOR_USER_ID))
    await asyncio.wait_for(died.wait(), 5.0)
    await client.close()
    monkeypatch.undo()
    return new_client(bot, settings)


@pytest.mark.parametrize("clicker", ["moderator", "member"])
async def test_an_admin_button_in_a_dm_works_for_an_admin_by_manage_server_only(
    world: FakeDiscord,
    bot: MentorBot,
    settings: Settings,
    client: MentorBotClient,
    members: Members,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
    clicker: str,
) -> None:
    restarted = await _courses_answered_by_dm(world, bot, settings, client, members, clock, monkeypatch)
    async with world.run_client(restarted):
        members.attach(restarted)
        clock.advance(timedelta(minutes=16))
        assert await restarted.recover() == 1
        [dm] = await world.wait_for_dm(MODERATOR_USER_ID, count=1)
        assert "A WhatsApp guide" in message_text(dm)
        approve = next(b["custom_id"] for b in buttons(dm) if ":suggestion.approve:" in str(b["custom_id"]))
        user = MODERATOR_USER_ID if clicker == "moderator" else MENTEE_USER_ID
        shown = await members.click(dm, str(approve), user=user, dm=True)
    suggestion = await bot.store.get_suggestion(COMMUNITY, 1)
    assert suggestion is not None
    if clicker == "moderator":
        assert suggestion.status is SuggestionStatus.APPROVED, shown.texts
        assert EN("common.not_admin") not in shown.texts
    else:
        assert suggestion.status is SuggestionStatus.PENDING
        assert shown.texts == [EN("common.not_admin")]
