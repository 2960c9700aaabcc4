"""What the slash commands and the buttons need of the running client (`client.MentorBotClient` has it).

They reach the client through ``interaction.client``; naming its face here, instead of importing the client
class, keeps the client the only module that knows the others (no import circle).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import discord
from discord import app_commands

from mentorbot.bot import Caller, MentorBot
from mentorbot.replies import Outcome

Interaction = discord.Interaction[Any]


class BotClient(Protocol):
    """The client's entry points for an interaction."""

    async def run_command(
        self,
        interaction: Interaction,
        call: Callable[[MentorBot, Caller], Awaitable[Outcome]],
        *,
        slow: bool = False,
        read_only: bool = False,
    ) -> None:
        """Run one slash command's core call and answer it (`read_only`: it changes nothing)."""

    async def skill_choices(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        """Autocomplete choices for a comma-separated skills option."""

    async def press_button(self, interaction: Interaction, action: str, ref: str, guild_id: int | None) -> None:
        """Run the use-case behind a clicked MentorBot button."""

    async def submit_form(
        self,
        interaction: Interaction,
        action: str,
        ref: str,
        guild_id: int | None,
        rating: str | None,
        comment: str | None,
    ) -> None:
        """Run the use-case behind a submitted feedback form (opened by the button `action` for `ref`)."""


def client_of(interaction: Interaction) -> BotClient:
    """The MentorBot client serving `interaction`."""
    client: BotClient = interaction.client
    return client
