"""What an interaction is recorded as in the core's inbox, and how it runs again after a crash.

`MentorBotClient` records each slash command and button click (`MentorBot.record_event`, event id
``discord:interaction:<id>``) before it defers or answers it, as a `Recorded`: the core command and its options
as the core's command table names them (`commands.find_command`, `Command.option`), or the button's action and
ref, plus what answering later needs (the interaction's application id and token, its guild and channel, the
member's display name and Manage Server permission, when it arrived). A process that dies before the work is
done leaves the row pending; `MentorBotClient.recover` rebuilds the core call from it (`Recorded.run`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any, Final

from mentorbot.bot import Caller, MentorBot
from mentorbot.commands import ParsedCommand, execute, execute_button, find_command
from mentorbot.replies import Outcome
from mentorbot_discord.guard import option_leaves
from mentorbot_discord.picks import expand
from mentorbot_discord.ports import Interaction

TOKEN_LIFETIME: Final = timedelta(minutes=15)
"""How long Discord accepts an interaction's token for follow-ups."""
TOKEN_MARGIN: Final = timedelta(seconds=30)
"""A recovered interaction this close to its token's end is answered by DM instead."""


def event_id(interaction: Interaction) -> str:
    """The interaction's id in the inbox: ``discord:interaction:<id>`` (a redelivery carries the same)."""
    return f"discord:interaction:{interaction.id}"


def core_value(value: Any) -> str:
    """A Discord option value as the core's commands take it: text (a boolean as ``yes``/``no``, a user as
    their id)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def command_args(interaction: Interaction) -> tuple[str, dict[str, str]]:
    """The slash command being run: its qualified name (``mentor request``) and its options given, named as the
    core's command table names them."""
    name = interaction.command.qualified_name if interaction.command is not None else ""
    command = find_command(name)
    data: Mapping[str, Any] = interaction.data or {}
    args: dict[str, str] = {}
    for option in option_leaves(data.get("options")):
        given = str(option.get("name"))
        canonical = command.option(given) if command is not None else None
        args[canonical or given] = core_value(option.get("value"))
    return name, args


@dataclass(frozen=True)
class Recorded:
    """An interaction as the inbox keeps it (JSON): a slash `command` with its `args`, or a button's `action`
    and `ref`; and what answering it later needs."""

    application_id: int
    token: str
    guild_id: int
    channel: str | None
    display_name: str
    is_admin: bool
    at: datetime
    command: str | None = None
    args: Mapping[str, str] = field(default_factory=dict)
    action: str | None = None
    ref: str = ""

    @classmethod
    def of(cls, interaction: Interaction, caller: Caller, guild_id: int, at: datetime, **what: Any) -> Recorded:
        """`interaction`, acted on by `caller` in `guild_id`, received `at`; `what`: command/args or action/ref."""
        return cls(
            application_id=interaction.application_id,
            token=interaction.token,
            guild_id=guild_id,
            channel=caller.channel,
            display_name=caller.display_name,
            is_admin=caller.is_admin,
            at=at,
            **what,
        )

    def to_json(self) -> str:
        """The inbox payload. Written before the interaction's first callback, so built field by field:
        `dataclasses.asdict` deep-copies recursively and costs several times more."""
        data = {name: getattr(self, name) for name in _FIELDS}
        data["at"] = self.at.isoformat()
        data["args"] = dict(self.args)
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Recorded:
        data = json.loads(text)
        data["at"] = datetime.fromisoformat(data["at"])
        return cls(**data)

    def caller(self, community: str, user_id: str, event: str, inbox_id: int) -> Caller:
        """The `Caller` the interaction had, now processing inbox row `inbox_id`."""
        return Caller(
            community=community,
            user_id=user_id,
            display_name=self.display_name,
            is_admin=self.is_admin,
            event_id=event,
            channel=self.channel,
            inbox_id=inbox_id,
        )

    def token_valid(self, now: datetime) -> bool:
        """Whether a follow-up through the interaction's token may still be accepted at `now`."""
        return now < self.at + TOKEN_LIFETIME - TOKEN_MARGIN

    async def run(self, bot: MentorBot, caller: Caller) -> Outcome:
        """The core call the interaction asked for: its button's use-case, or its command's."""
        if self.action is not None:
            return await execute_button(bot, caller, self.action, self.ref)
        command = find_command(self.command or "")
        if command is None:
            raise LookupError(f"the core has no command {self.command!r}")
        args = dict(self.args)
        if "skills" in args:  # as the slash command does: short codes a skills autocomplete chose become slugs
            args["skills"] = expand(args["skills"], bot.library.taxonomy) or ""
        return await execute(bot, caller, ParsedCommand(command, args))


_FIELDS: Final = tuple(f.name for f in fields(Recorded))
